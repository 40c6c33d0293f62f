#pragma once
// The allocation optimiser applied to a moment of a run (docs/model.md,
// "Allocation optimiser"): groups the unsheltered stranded of a snapshot by area,
// costs their walks to every facility with room, and solves the min-cost flow,
// beside greedy nearest-first for comparison. Used by the dashboard's allocation
// panel (on demand) and by the simulation itself every [optimiser] period_min.
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "kitaku/sim/optimiser.hpp"

namespace kitaku {

struct Snapshot;

struct PlannerSettings {
  OptimiserParams params;
  OptimiserLimits limits;
  /// The operational areas. Groups use square cells that nest in them (area / n for
  /// n in 20, 10, 5, 4, 2, 1): the largest no larger than max_cell_m, or larger ones
  /// while there would be more than max_groups groups.
  GroupingGrid areas{0, 0, 1000};
  double max_cell_m = 500;
  std::size_t max_groups = 1000;
};

struct AllocationPlanResult {
  std::int64_t time_s = 0;              // the snapshot's time
  double cell_m = 0;                    // the grouping cell used
  std::vector<AllocationGroup> groups;  // unsheltered, by grid cell and priority
  Plan plan, greedy;                    // greedy is empty unless asked for
  std::size_t searches = 0;             // bounded shortest-path searches run
  double seconds = 0;                   // wall time to compute
  std::string error;                    // why it failed (then the rest is empty)
};

/// What every plan needs that does not change during a run: the nodes' spatial
/// index, the facilities' nodes and the agents' priority flags. Built once; plan()
/// is const and may run on another thread than the one that built it.
class AllocationPlanner {
 public:
  /// priority: per agent (priority_flags(population)); empty = nobody has priority.
  AllocationPlanner(const Network& net, const City& city, std::vector<std::uint8_t> priority = {});
  ~AllocationPlanner();
  AllocationPlanner(const AllocationPlanner&) = delete;
  AllocationPlanner& operator=(const AllocationPlanner&) = delete;

  /// Plans for the snapshot's unsheltered (it needs has_agents). Never throws: a
  /// failure is returned in `error`. Deterministic for any thread count.
  AllocationPlanResult plan(const Snapshot& snap, const PlannerSettings& settings, bool with_greedy = true) const;

  const std::vector<NodeId>& facility_nodes() const noexcept { return facility_nodes_; }

 private:
  const Network& net_;
  std::unique_ptr<SpatialIndex> index_;
  std::vector<NodeId> facility_nodes_;
  std::vector<std::uint8_t> priority_;
};

}  // namespace kitaku
