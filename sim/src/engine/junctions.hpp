#pragma once
// People standing at nodes (docs/model.md, "Crowds where people stand"): each node's
// junction area and thresholds (JunctionParams), who stands there now
// (JunctionState, written by the Kernel only), the time each junction spent at
// >= 4 / >= 6 p/m2 (JunctionAccounting, updated lazily like EdgeAccounting), and
// the nodes and edges near each station (StationFronts).
#include <cstdint>
#include <vector>

#include "fields.hpp"
#include "kitaku/sim/ids.hpp"

namespace kitaku::engine {

template <class T>
using PerNode = IdVector<NodeId, T>;

/// A junction's area: the crossing (the two widest walkable widths of its streets
/// multiplied) plus the first kJunctionApproachM metres of each street off it, at
/// least kJunctionMinM2 (judgements, docs/model.md).
inline constexpr double kJunctionApproachM = 25;
inline constexpr double kJunctionMinM2 = 25;

/// Fixed at setup from the walkable widths and persons per agent.
struct JunctionParams {
  PerNode<float> area;                // m2
  PerNode<std::int32_t> thr4, thr6;   // agents standing at >= 4 / >= 6 p/m2

  template <class Self, class F>
  static void fields(Self& s, F&& f) {
    f("junction areas", s.area, Keep::kDerived);
    f("junction thresholds at 4 p/m2", s.thr4, Keep::kDerived);
    f("junction thresholds at 6 p/m2", s.thr6, Keep::kDerived);
  }
};

/// Who stands at each node now. `count` and the total are written by the Kernel only.
struct JunctionState {
  PerNode<std::int32_t> count;        // agents standing at the node (AgentsHot::stand)
  std::int64_t agents_standing = 0;   // sum of count
  PerNode<std::int64_t> touch_stamp;  // the step the node was last listed in `touched`
  std::vector<NodeId> touched;        // nodes whose count changed this step

  template <class Self, class F>
  static void fields(Self& s, F&& f) {
    f("junction counts", s.count, Keep::kSaved);
    f("agents standing at junctions", s.agents_standing, Keep::kSaved);
    f("junction touch stamps", s.touch_stamp, Keep::kScratch);
    f("touched junctions", s.touched, Keep::kScratch);
  }
};

/// Per node, the count seen at its last change and since when, and the seconds
/// spent at >= 4 / >= 6 p/m2 up to then: an agent standing at n from T0 to T1 has
/// spent sec_at(n, T1) - sec_at(n, T0) there at >= 6 p/m2 (Kernel::stand_seconds).
struct JunctionAccounting {
  PerNode<std::int32_t> acc_count;
  PerNode<std::int64_t> acc_t;
  PerNode<std::int64_t> sec_ge4, sec_ge6;
  PerNode<float> peak_density;
  PerNode<std::int64_t> peak_t;            // when peak_density was reached (-1: nobody yet)
  std::int64_t agents_ge4 = 0, agents_ge6 = 0;  // agents standing at junctions at >= 4 / >= 6 p/m2 now
  std::int64_t nodes_ge6 = 0;                   // junctions at >= 6 p/m2 now

  template <class Self, class F>
  static void fields(Self& s, F&& f) {
    f("junction accounting counts", s.acc_count, Keep::kSaved);
    f("junction accounting times", s.acc_t, Keep::kSaved);
    f("junction seconds at 4 p/m2", s.sec_ge4, Keep::kSaved);
    f("junction seconds at 6 p/m2", s.sec_ge6, Keep::kSaved);
    f("junction peak densities", s.peak_density, Keep::kSaved);
    f("junction peak density times", s.peak_t, Keep::kSaved);
    f("agents at junctions at 4 p/m2", s.agents_ge4, Keep::kSaved);
    f("agents at junctions at 6 p/m2", s.agents_ge6, Keep::kSaved);
    f("junctions at 6 p/m2", s.nodes_ge6, Keep::kSaved);
  }
};

/// The nodes and edges (by midpoint) within [run] station_front_m of each station of
/// the city, and of any station (`any_*`, each once).
struct StationFronts {
  std::vector<std::vector<NodeId>> nodes;
  std::vector<std::vector<EdgeId>> edges;
  std::vector<NodeId> any_nodes;
  std::vector<EdgeId> any_edges;

  template <class Self, class F>
  static void fields(Self& s, F&& f) {
    f("station front nodes", s.nodes, Keep::kDerived);
    f("station front edges", s.edges, Keep::kDerived);
    f("nodes near any station", s.any_nodes, Keep::kDerived);
    f("edges near any station", s.any_edges, Keep::kDerived);
  }
};

}  // namespace kitaku::engine
