#include "kitaku/sim/allocation_planner.hpp"

#include <chrono>
#include <exception>

#include "kitaku/sim/snapshot.hpp"
#include "kitaku/sim/spatial_index.hpp"

namespace kitaku {

AllocationPlanner::AllocationPlanner(const Network& net, const City& city, std::vector<std::uint8_t> priority)
    : net_(net), index_(std::make_unique<SpatialIndex>(net, 0, false)), priority_(std::move(priority)) {
  facility_nodes_ = kitaku::facility_nodes(*index_, city);
}

AllocationPlanner::~AllocationPlanner() = default;

AllocationPlanResult AllocationPlanner::plan(const Snapshot& s, const PlannerSettings& set, bool with_greedy) const {
  const auto t0 = std::chrono::steady_clock::now();
  AllocationPlanResult r;
  r.time_s = s.time_s;
  try {
    const std::span<const std::uint8_t> priority = priority_.size() == s.agent_state.size()
                                                       ? std::span<const std::uint8_t>(priority_)
                                                       : std::span<const std::uint8_t>();
    const double area = set.areas.cell_m;
    std::vector<double> cells;
    for (const int n : {20, 10, 5, 4, 2, 1}) {
      const double c = area / n;
      if (c <= set.max_cell_m) cells.assign(1, c);
      else cells.push_back(c);
    }
    for (const double c : cells) {
      r.cell_m = c;
      r.groups = groups_by_node(*index_, s.agent_x, s.agent_y, s.agent_state, s.persons_per_agent,
                                {set.areas.x0, set.areas.y0, c}, priority);
      if (r.groups.size() <= set.max_groups) break;
    }
    const auto facilities = facilities_from_snapshot(s, facility_nodes_);
    const WalkCosts costs = walking_costs(net_, r.groups, facilities, set.params.max_walk_m, s.edge_closed);
    r.searches = costs.searches;
    r.plan = optimise_allocation(r.groups, facilities, costs, set.params, set.limits);
    if (with_greedy) r.greedy = greedy_nearest_first(r.groups, facilities, costs, set.params);
  } catch (const std::exception& e) {
    r = AllocationPlanResult{};
    r.time_s = s.time_s;
    r.error = e.what();
  }
  r.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  return r;
}

}  // namespace kitaku
