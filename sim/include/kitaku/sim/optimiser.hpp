#pragma once
// The allocation optimiser (docs/model.md, "Allocation optimiser"; issue #5).
// Assigns groups of unsheltered stranded people to temporary stay facilities so
// that total person-metres walked plus a penalty per person left unserved is
// least, within the facilities' remaining room. Walking distances come from
// bounded shortest-path searches on the network's CSR graph; the assignment is a
// min-cost flow solved with Boost.Graph's successive shortest paths. Priority
// groups (vulnerable people, children, the elderly) are solved first, alone, and
// the rest get the room they leave.
//
// A plan is advice: the operator (or a periodic job) applies it as guidance
// commands, which the simulation then carries out with its own behaviour rules.
#include <cstdint>
#include <span>
#include <vector>

#include "kitaku/sim/city.hpp"
#include "kitaku/sim/commands.hpp"
#include "kitaku/sim/hazard_params.hpp"
#include "kitaku/sim/network.hpp"
#include "kitaku/sim/population.hpp"
#include "kitaku/sim/simulation.hpp"
#include "kitaku/sim/spatial_index.hpp"

namespace kitaku {

struct Snapshot;

/// People stranded outdoors at one place, sent on together.
struct AllocationGroup {
  NodeId node = invalid_id<NodeId>();  // where their walk starts
  Point point;                         // their mean position (network CRS)
  Point centre;                        // centre of the area they stand in (guidance circle)
  double radius_m = 0;                 // radius of a circle covering that area
  std::int64_t persons = 0;
  bool priority = false;               // vulnerable people: served before everyone else
};

/// A facility as the optimiser sees it. Closed facilities and those without room
/// take nobody.
struct AllocationFacility {
  NodeId node = invalid_id<NodeId>();
  std::int64_t room = 0;  // persons it can still take
  bool open = false;
};

/// A (group, facility) pair within walking reach, and the walk in whole metres.
struct WalkCost {
  std::uint32_t group = 0;
  std::uint32_t facility = 0;
  std::int64_t metres = 0;
};

/// Walking distances for every pair within max_walk_m (network distance), sorted by
/// (group, facility). Pairs farther apart, and facilities that take nobody, are absent.
struct WalkCosts {
  std::vector<WalkCost> pairs;
  std::size_t searches = 0;  // bounded shortest-path searches run
  bool from_facilities = false;  // searches were rooted at facilities (else at groups)
};

/// One bounded search per facility or per group, whichever are fewer, each limited
/// to max_walk_m. Edges with edge_closed[e] != 0 are impassable (empty: all open).
/// Searches run in parallel (OpenMP); the result does not depend on the thread count.
WalkCosts walking_costs(const Network& net, std::span<const AllocationGroup> groups,
                        std::span<const AllocationFacility> facilities, double max_walk_m,
                        std::span<const std::uint8_t> edge_closed = {});

struct Assignment {
  std::uint32_t group = 0;
  std::uint32_t facility = 0;
  std::int64_t persons = 0;
  std::int64_t metres = 0;  // walk from the group's node to the facility's
};

/// Who goes where, and what it costs.
struct Plan {
  std::vector<Assignment> assignments;  // sorted by (group, facility)
  std::int64_t persons = 0;             // in all groups
  std::int64_t served = 0, unserved = 0;
  std::int64_t priority_persons = 0, priority_served = 0;
  std::int64_t walk_person_m = 0;       // sum of persons x metres over assignments
  std::int64_t cost = 0;                // walk_person_m + unserved_penalty_m x unserved
  /// Mean walk of the served, metres (0 when nobody is served).
  double mean_walk_m() const {
    return served > 0 ? static_cast<double>(walk_person_m) / static_cast<double>(served) : 0.0;
  }
  /// Persons sent to each facility (size = facilities given).
  std::vector<std::int64_t> facility_load;
  /// Pairs the solver considered, and whether OptimiserLimits pruned them (then the
  /// plan is the best over each group's nearest facilities, not over all in reach).
  std::size_t pairs = 0;
  bool pruned = false;
};

/// Keeps large cases tractable. Successive shortest paths runs one shortest-path
/// search per augmenting path, and there are about as many of those as groups plus
/// facilities used, each over every pair: thousands of groups with hundreds of
/// facilities in reach take minutes. Above prune_above_pairs pairs, each group keeps
/// only its nearest facilities, enough for candidate_room_factor x its persons in
/// room and at least min_candidates of them.
struct OptimiserLimits {
  std::size_t prune_above_pairs = static_cast<std::size_t>(-1);  // default: always exact
  double candidate_room_factor = 3;
  std::size_t min_candidates = 8;
};

/// The least-cost plan: minimises person-metres walked + unserved_penalty_m per person
/// left unserved, within each facility's room. Solved in two stages with Boost.Graph's
/// successive_shortest_path_nonnegative_weights: the priority groups alone, then the
/// others with the room left. Deterministic. Throws std::invalid_argument when costs
/// name a group or facility out of range, or are not sorted.
Plan optimise_allocation(std::span<const AllocationGroup> groups, std::span<const AllocationFacility> facilities,
                         const WalkCosts& costs, const OptimiserParams& params, const OptimiserLimits& limits = {});
/// Computes the walking costs first (see walking_costs).
Plan optimise_allocation(const Network& net, std::span<const AllocationGroup> groups,
                         std::span<const AllocationFacility> facilities, const OptimiserParams& params,
                         std::span<const std::uint8_t> edge_closed = {}, const OptimiserLimits& limits = {});

/// The baseline the simulation's own rule amounts to: groups in turn (priority groups
/// first, then in index order) each send their people to the nearest facility with
/// room within max_walk_m, the overflow to the next nearest, and so on. Costed as
/// optimise_allocation's plans are, for comparison.
Plan greedy_nearest_first(std::span<const AllocationGroup> groups, std::span<const AllocationFacility> facilities,
                          const WalkCosts& costs, const OptimiserParams& params);

// --- From the simulation's state -------------------------------------------

/// A square grid the unsheltered are grouped by: cell (i, j) covers
/// [x0 + i cell_m, x0 + (i+1) cell_m) x [y0 + j cell_m, y0 + (j+1) cell_m).
struct GroupingGrid {
  double x0 = 0, y0 = 0;
  double cell_m = 250;
};

/// Groups the agents in AgentState::kUnsheltered by grid cell (and, when `priority`
/// is given, one per agent, into priority and other groups). Each group starts at the
/// node nearest the mean position of its agents; its guidance circle is the cell's
/// circumscribed circle. persons = agents x persons_per_agent, rounded. Groups are
/// ordered by cell row, cell column, then others before priority.
std::vector<AllocationGroup> groups_by_node(const SpatialIndex& index, std::span<const float> agent_x,
                                            std::span<const float> agent_y, std::span<const AgentState> agent_state,
                                            double persons_per_agent, const GroupingGrid& grid,
                                            std::span<const std::uint8_t> priority = {});

/// Per agent, 1 for the people facilities serve first: the vulnerable, children and
/// the elderly (the simulation's own priority rule).
std::vector<std::uint8_t> priority_flags(const Population& population);

/// The network node nearest each facility (city order).
std::vector<NodeId> facility_nodes(const SpatialIndex& index, const City& city);

/// Facilities as a snapshot shows them: open when FacilityState::kOpen, room =
/// capacity - reserved (persons inside or on their way), rounded down.
std::vector<AllocationFacility> facilities_from_snapshot(const Snapshot& snap, std::span<const NodeId> nodes);

/// Turns a plan into guidance commands stamped time_s: per group area (groups sharing
/// a centre and radius) one kGuidance per facility it sends people to, ordered by
/// persons (most first). The simulation's guidance sends each complying agent in the
/// circle with one draw per agent and step, so the values are cumulative shares:
/// command k carries compliance x (persons planned for facilities k, k+1, ...) /
/// persons in the area, and the later, smaller shares take their agents from the
/// earlier ones. Applied in one step, each facility thus receives compliance x its
/// planned persons in expectation. Throws std::invalid_argument for a group with
/// radius_m <= 0 (a guidance radius of 0 would mean everywhere).
std::vector<Command> plan_to_guidance(const Plan& plan, std::span<const AllocationGroup> groups,
                                      const OptimiserParams& params, std::int64_t time_s);

}  // namespace kitaku
