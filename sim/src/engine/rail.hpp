#pragma once
// Rail lines that resume during the run (scenario.hazards.rail_lines order).
#include <cstdint>
#include <vector>

#include "fields.hpp"
#include "kitaku/sim/geometry.hpp"
#include "kitaku/sim/ids.hpp"

namespace kitaku::engine {

struct RailLineState {
  std::vector<Point> stations;         // positions, in line order
  std::vector<Point> polyline;         // the stations, then the extension outwards
  std::int64_t since = -1;             // running since (s); -1: not yet
  double allowance = 0;                // agents that may board (the fraction is carried)
  std::vector<std::uint8_t> near;      // per node: within the station catchment (once running)
  std::vector<AgentId> served;         // agents whose home it serves and not gone yet, by id
  std::uint64_t head = 0;              // served[0, head) have all gone (by rail or home)
  std::int64_t boarded = 0;            // agents

  template <class Self, class F>
  static void fields(Self& s, F&& f) {
    f("rail stations", s.stations, Keep::kDerived);
    f("rail polyline", s.polyline, Keep::kDerived);
    f("rail running since", s.since, Keep::kSaved);
    f("rail allowance", s.allowance, Keep::kSaved);
    f("rail station catchment", s.near, Keep::kSaved);
    f("rail passengers", s.served, Keep::kSaved);
    f("rail passengers gone", s.head, Keep::kSaved);
    f("rail boarded", s.boarded, Keep::kSaved);
  }
};

}  // namespace kitaku::engine
