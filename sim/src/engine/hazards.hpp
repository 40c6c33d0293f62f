#pragma once
// The hazard plan of the run (built once from the scenario and the seed) and the
// state of the timed events: aftershock pauses and the day-4 release.
#include <cstdint>
#include <memory>
#include <vector>

#include "fields.hpp"
#include "kitaku/sim/hazards.hpp"
#include "kitaku/sim/ids.hpp"

namespace kitaku::engine {

struct HazardState {
  std::shared_ptr<const HazardPlan> plan;
  std::shared_ptr<const std::vector<FireCell>> fire_cells;  // aliases plan->fire_cells
  // Per agent, allocated by the first pause: the walker stands still while step_no < this.
  IdVector<AgentId, std::int64_t> pause_until;
  bool day4_done = false;  // the day-4 release has been scheduled

  template <class Self, class F>
  static void fields(Self& s, F&& f) {
    f("hazard plan", s.plan, Keep::kDerived);
    f("fire cells", s.fire_cells, Keep::kDerived);
    f("pauses", s.pause_until, Keep::kSaved);
    f("day 4 done", s.day4_done, Keep::kSaved);
  }
};

}  // namespace kitaku::engine
