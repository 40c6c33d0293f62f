#include "kitaku/sim/optimiser.hpp"

#include <algorithm>
#include <boost/graph/adjacency_list.hpp>
#include <boost/graph/successive_shortest_path_nonnegative_weights.hpp>
#include <cmath>
#include <limits>
#include <map>
#include <numeric>
#include <stdexcept>
#include <string>
#include <tuple>

#include "kitaku/sim/route_trees.hpp"
#include "kitaku/sim/snapshot.hpp"

namespace kitaku {
namespace {

bool takes_people(const AllocationFacility& f) { return f.open && f.room > 0 && valid(f.node); }

// --- Min-cost flow ------------------------------------------------------------

// An adjacency list with a reverse edge for every edge, as Boost's min-cost-flow
// algorithms need (capacity 0 and negated weight on the reverse).
using FlowTraits = boost::adjacency_list_traits<boost::vecS, boost::vecS, boost::directedS>;
using FlowGraph = boost::adjacency_list<
    boost::vecS, boost::vecS, boost::directedS, boost::no_property,
    boost::property<boost::edge_capacity_t, std::int64_t,
                    boost::property<boost::edge_residual_capacity_t, std::int64_t,
                                    boost::property<boost::edge_reverse_t, FlowTraits::edge_descriptor,
                                                    boost::property<boost::edge_weight_t, std::int64_t>>>>>;
using FlowEdge = FlowTraits::edge_descriptor;

struct FlowNet {
  FlowGraph g;
  explicit FlowNet(std::size_t vertices) : g(vertices) {}
  FlowEdge add(std::size_t u, std::size_t v, std::int64_t capacity, std::int64_t weight) {
    const FlowEdge e = boost::add_edge(u, v, g).first;
    const FlowEdge r = boost::add_edge(v, u, g).first;
    put(boost::edge_capacity, g, e, capacity);
    put(boost::edge_capacity, g, r, 0);
    put(boost::edge_weight, g, e, weight);
    put(boost::edge_weight, g, r, -weight);
    put(boost::edge_reverse, g, e, r);
    put(boost::edge_reverse, g, r, e);
    return e;
  }
  std::int64_t flow(FlowEdge e) const {
    return get(boost::edge_capacity, g, e) - get(boost::edge_residual_capacity, g, e);
  }
};

// Solves one stage: the groups in `members` share the facilities' `room` (reduced
// by what they take). Appends their assignments to `out`.
//
// Network: source -> group (capacity persons, cost 0); group -> facility (persons,
// metres) for every pair within reach; facility -> sink (room, 0); and group -> sink
// directly (persons, penalty) for those left unserved. Every person can reach the
// sink, so the maximum flow is everyone, and the cheapest maximum flow is the
// cheapest plan. The direct arcs also keep every vertex that carries flow reachable
// in the residual graph, which successive shortest paths needs for its potentials.
void solve_stage(std::span<const AllocationGroup> groups, const std::vector<std::uint32_t>& members,
                 const WalkCosts& costs, const std::vector<std::size_t>& first_pair, std::int64_t penalty,
                 std::vector<std::int64_t>& room, std::vector<Assignment>& out) {
  std::vector<std::uint32_t> live;  // groups with someone in them
  for (const auto g : members)
    if (groups[g].persons > 0) live.push_back(g);
  if (live.empty()) return;
  // The pairs worth an arc: the facility has room, and the walk is no dearer than
  // the penalty (a dearer walk is never part of a least-cost plan). Only facilities
  // some arc reaches get a vertex: an unreachable vertex would overflow the
  // algorithm's potentials.
  struct PairArc { std::uint32_t group, facility; std::int64_t metres; std::size_t from; FlowEdge e; };
  std::vector<PairArc> arcs;
  std::vector<std::int64_t> vertex_of(room.size(), -1);
  std::vector<std::uint32_t> used;
  const std::size_t source = 0, sink = 1, group0 = 2;
  for (std::size_t k = 0; k < live.size(); ++k)
    for (std::size_t i = first_pair[live[k]]; i < first_pair[live[k] + 1]; ++i) {
      const WalkCost& c = costs.pairs[i];
      if (room[c.facility] <= 0 || c.metres > penalty) continue;
      arcs.push_back({live[k], c.facility, c.metres, group0 + k, {}});
      if (vertex_of[c.facility] < 0) {
        vertex_of[c.facility] = 0;
        used.push_back(c.facility);
      }
    }
  std::sort(used.begin(), used.end());
  const std::size_t fac0 = group0 + live.size();
  for (std::size_t k = 0; k < used.size(); ++k) vertex_of[used[k]] = static_cast<std::int64_t>(fac0 + k);

  FlowNet fn(fac0 + used.size());
  for (std::size_t k = 0; k < live.size(); ++k) {
    const std::int64_t p = groups[live[k]].persons;
    fn.add(source, group0 + k, p, 0);
    fn.add(group0 + k, sink, p, penalty);
  }
  for (PairArc& a : arcs)
    a.e = fn.add(a.from, static_cast<std::size_t>(vertex_of[a.facility]), groups[a.group].persons, a.metres);
  for (std::size_t k = 0; k < used.size(); ++k) fn.add(fac0 + k, sink, room[used[k]], 0);

  boost::successive_shortest_path_nonnegative_weights(fn.g, source, sink);

  for (const PairArc& a : arcs) {
    const std::int64_t n = fn.flow(a.e);
    if (n <= 0) continue;
    out.push_back({a.group, a.facility, n, a.metres});
    room[a.facility] -= n;
  }
}

// Index of each group's first pair in costs.pairs (pairs are sorted by group).
std::vector<std::size_t> pair_index(const WalkCosts& costs, std::size_t groups, std::size_t facilities) {
  std::vector<std::size_t> first(groups + 1, 0);
  for (const WalkCost& c : costs.pairs) {
    if (c.group >= groups || c.facility >= facilities)
      throw std::invalid_argument("allocation: walking costs name group " + std::to_string(c.group) +
                                  " / facility " + std::to_string(c.facility) + ", beyond the " +
                                  std::to_string(groups) + " groups and " + std::to_string(facilities) +
                                  " facilities given");
    ++first[c.group + 1];
  }
  for (std::size_t g = 0; g < groups; ++g) first[g + 1] += first[g];
  for (std::size_t i = 1; i < costs.pairs.size(); ++i) {
    const WalkCost &a = costs.pairs[i - 1], &b = costs.pairs[i];
    if (std::tie(a.group, a.facility) >= std::tie(b.group, b.facility))
      throw std::invalid_argument("allocation: walking costs are not sorted by (group, facility)");
  }
  return first;
}

std::vector<std::int64_t> initial_room(std::span<const AllocationFacility> facilities) {
  std::vector<std::int64_t> room(facilities.size(), 0);
  for (std::size_t f = 0; f < facilities.size(); ++f)
    if (takes_people(facilities[f])) room[f] = facilities[f].room;
  return room;
}

Plan make_plan(std::span<const AllocationGroup> groups, std::size_t facilities, std::vector<Assignment> a,
               std::int64_t penalty) {
  Plan p;
  std::sort(a.begin(), a.end(),
            [](const Assignment& x, const Assignment& y) { return std::tie(x.group, x.facility) < std::tie(y.group, y.facility); });
  p.assignments = std::move(a);
  p.facility_load.assign(facilities, 0);
  for (const AllocationGroup& g : groups) {
    const std::int64_t n = std::max<std::int64_t>(0, g.persons);
    p.persons += n;
    if (g.priority) p.priority_persons += n;
  }
  for (const Assignment& x : p.assignments) {
    p.served += x.persons;
    if (groups[x.group].priority) p.priority_served += x.persons;
    p.walk_person_m += x.persons * x.metres;
    p.facility_load[x.facility] += x.persons;
  }
  p.unserved = p.persons - p.served;
  p.cost = p.walk_person_m + penalty * p.unserved;
  return p;
}

// Each group's nearest facilities with room, enough for factor x its persons and at
// least min_count of them (pairs stay sorted by group, then facility).
WalkCosts prune(const WalkCosts& costs, const std::vector<std::size_t>& first, std::span<const AllocationGroup> groups,
                const std::vector<std::int64_t>& room, const OptimiserLimits& limits) {
  WalkCosts out;
  out.searches = costs.searches;
  out.from_facilities = costs.from_facilities;
  std::vector<WalkCost> near;
  for (std::size_t g = 0; g < groups.size(); ++g) {
    near.clear();
    for (std::size_t i = first[g]; i < first[g + 1]; ++i)
      if (room[costs.pairs[i].facility] > 0) near.push_back(costs.pairs[i]);
    std::sort(near.begin(), near.end(), [](const WalkCost& a, const WalkCost& b) {
      return std::tie(a.metres, a.facility) < std::tie(b.metres, b.facility);
    });
    const double want = limits.candidate_room_factor * static_cast<double>(std::max<std::int64_t>(0, groups[g].persons));
    double got = 0;
    std::size_t k = 0;
    while (k < near.size() && (got < want || k < limits.min_candidates)) got += static_cast<double>(room[near[k++].facility]);
    near.resize(k);
    std::sort(near.begin(), near.end(), [](const WalkCost& a, const WalkCost& b) { return a.facility < b.facility; });
    out.pairs.insert(out.pairs.end(), near.begin(), near.end());
  }
  return out;
}

std::int64_t penalty_of(const OptimiserParams& params) {
  return std::max<std::int64_t>(0, std::llround(params.unserved_penalty_m));
}

}  // namespace

WalkCosts walking_costs(const Network& net, std::span<const AllocationGroup> groups,
                        std::span<const AllocationFacility> facilities, double max_walk_m,
                        std::span<const std::uint8_t> edge_closed) {
  WalkCosts out;
  std::vector<std::uint32_t> gs, fs;  // those that take part
  for (std::uint32_t g = 0; g < groups.size(); ++g)
    if (groups[g].persons > 0 && valid(groups[g].node)) gs.push_back(g);
  for (std::uint32_t f = 0; f < facilities.size(); ++f)
    if (takes_people(facilities[f])) fs.push_back(f);
  if (gs.empty() || fs.empty() || !(max_walk_m >= 0)) return out;

  std::vector<float> weights(net.arc_count());
  for (std::uint32_t a = 0; a < weights.size(); ++a) {
    const EdgeId e = net.edge(ArcId{a});
    const bool closed = index(e) < edge_closed.size() && edge_closed[index(e)];
    weights[a] = closed ? std::numeric_limits<float>::infinity() : net.length(e);
  }
  // Search from whichever side is smaller; arcs come in equal-length pairs, so a
  // distance from a facility is the distance to it.
  out.from_facilities = fs.size() <= gs.size();
  const auto& roots = out.from_facilities ? fs : gs;
  const auto& targets = out.from_facilities ? gs : fs;
  auto node_of = [&](std::uint32_t i, bool facility) { return facility ? facilities[i].node : groups[i].node; };
  std::vector<std::vector<WalkCost>> found(roots.size());
  const auto n = static_cast<std::int64_t>(roots.size());
#pragma omp parallel for schedule(dynamic, 1)
  for (std::int64_t r = 0; r < n; ++r) {
    BoundedTree tree;
    const std::uint32_t root = roots[static_cast<std::size_t>(r)];
    build_bounded_tree(net, weights, node_of(root, out.from_facilities), max_walk_m, tree);
    for (const std::uint32_t t : targets) {
      const auto i = tree.find(node_of(t, !out.from_facilities));
      if (i < 0) continue;
      const auto metres = static_cast<std::int64_t>(std::llround(tree.dist[static_cast<std::size_t>(i)]));
      found[static_cast<std::size_t>(r)].push_back(
          out.from_facilities ? WalkCost{t, root, metres} : WalkCost{root, t, metres});
    }
  }
  out.searches = roots.size();
  for (auto& v : found) out.pairs.insert(out.pairs.end(), v.begin(), v.end());
  std::sort(out.pairs.begin(), out.pairs.end(), [](const WalkCost& a, const WalkCost& b) {
    return std::tie(a.group, a.facility) < std::tie(b.group, b.facility);
  });
  return out;
}

Plan optimise_allocation(std::span<const AllocationGroup> groups, std::span<const AllocationFacility> facilities,
                         const WalkCosts& costs, const OptimiserParams& params, const OptimiserLimits& limits) {
  auto first = pair_index(costs, groups.size(), facilities.size());
  const std::int64_t penalty = penalty_of(params);
  std::vector<std::int64_t> room = initial_room(facilities);
  const bool pruned = costs.pairs.size() > limits.prune_above_pairs;
  WalkCosts kept;
  if (pruned) {
    kept = prune(costs, first, groups, room, limits);
    first = pair_index(kept, groups.size(), facilities.size());
  }
  const WalkCosts& use = pruned ? kept : costs;
  std::vector<std::uint32_t> priority, others;
  for (std::uint32_t g = 0; g < groups.size(); ++g) (groups[g].priority ? priority : others).push_back(g);
  std::vector<Assignment> a;
  // Priority first: their plan is the best for them alone; the others share what is left.
  solve_stage(groups, priority, use, first, penalty, room, a);
  solve_stage(groups, others, use, first, penalty, room, a);
  Plan p = make_plan(groups, facilities.size(), std::move(a), penalty);
  p.pairs = use.pairs.size();
  p.pruned = pruned;
  return p;
}

Plan optimise_allocation(const Network& net, std::span<const AllocationGroup> groups,
                         std::span<const AllocationFacility> facilities, const OptimiserParams& params,
                         std::span<const std::uint8_t> edge_closed, const OptimiserLimits& limits) {
  const WalkCosts costs = walking_costs(net, groups, facilities, params.max_walk_m, edge_closed);
  return optimise_allocation(groups, facilities, costs, params, limits);
}

Plan greedy_nearest_first(std::span<const AllocationGroup> groups, std::span<const AllocationFacility> facilities,
                          const WalkCosts& costs, const OptimiserParams& params) {
  const auto first = pair_index(costs, groups.size(), facilities.size());
  std::vector<std::int64_t> room = initial_room(facilities);
  std::vector<std::uint32_t> order(groups.size());
  std::iota(order.begin(), order.end(), 0u);
  std::stable_partition(order.begin(), order.end(), [&](std::uint32_t g) { return groups[g].priority; });
  std::vector<Assignment> a;
  std::vector<WalkCost> near;
  for (const auto g : order) {
    std::int64_t left = groups[g].persons;
    if (left <= 0) continue;
    near.assign(costs.pairs.begin() + static_cast<std::ptrdiff_t>(first[g]),
                costs.pairs.begin() + static_cast<std::ptrdiff_t>(first[g + 1]));
    std::sort(near.begin(), near.end(), [](const WalkCost& x, const WalkCost& y) {
      return std::tie(x.metres, x.facility) < std::tie(y.metres, y.facility);
    });
    for (const WalkCost& c : near) {
      if (left == 0) break;
      const std::int64_t n = std::min(left, room[c.facility]);
      if (n <= 0) continue;
      a.push_back({g, c.facility, n, c.metres});
      room[c.facility] -= n;
      left -= n;
    }
  }
  Plan p = make_plan(groups, facilities.size(), std::move(a), penalty_of(params));
  p.pairs = costs.pairs.size();
  return p;
}

std::vector<AllocationGroup> groups_by_node(const SpatialIndex& index, std::span<const float> agent_x,
                                            std::span<const float> agent_y, std::span<const AgentState> agent_state,
                                            double persons_per_agent, const GroupingGrid& grid,
                                            std::span<const std::uint8_t> priority) {
  if (!(grid.cell_m > 0)) throw std::invalid_argument("groups_by_node: cell_m must be > 0");
  struct Acc {
    double sx = 0, sy = 0;
    std::int64_t agents = 0;
  };
  std::map<std::tuple<std::int64_t, std::int64_t, bool>, Acc> cells;  // (row, column, priority)
  const std::size_t n = std::min({agent_x.size(), agent_y.size(), agent_state.size()});
  for (std::size_t a = 0; a < n; ++a) {
    if (agent_state[a] != AgentState::kUnsheltered) continue;
    const double x = agent_x[a], y = agent_y[a];
    const auto cx = static_cast<std::int64_t>(std::floor((x - grid.x0) / grid.cell_m));
    const auto cy = static_cast<std::int64_t>(std::floor((y - grid.y0) / grid.cell_m));
    const bool prio = a < priority.size() && priority[a];
    Acc& acc = cells[{cy, cx, prio}];
    acc.sx += x;
    acc.sy += y;
    ++acc.agents;
  }
  std::vector<AllocationGroup> out;
  out.reserve(cells.size());
  const double radius = grid.cell_m * std::sqrt(2.0) / 2;
  for (const auto& [key, acc] : cells) {
    const auto [cy, cx, prio] = key;
    AllocationGroup g;
    g.point = {acc.sx / static_cast<double>(acc.agents), acc.sy / static_cast<double>(acc.agents)};
    g.node = index.nearest_node(g.point).node;
    if (!valid(g.node)) continue;
    g.centre = {grid.x0 + (static_cast<double>(cx) + 0.5) * grid.cell_m,
                grid.y0 + (static_cast<double>(cy) + 0.5) * grid.cell_m};
    g.radius_m = radius;
    g.persons = std::llround(static_cast<double>(acc.agents) * persons_per_agent);
    g.priority = prio;
    out.push_back(g);
  }
  return out;
}

std::vector<std::uint8_t> priority_flags(const Population& population) {
  std::vector<std::uint8_t> out(population.size());
  for (std::size_t a = 0; a < out.size(); ++a)
    out[a] = (a < population.vulnerable.size() && population.vulnerable[a]) ||
             (a < population.age.size() && population.age[a] != AgeGroup::kAdult);
  return out;
}

std::vector<NodeId> facility_nodes(const SpatialIndex& index, const City& city) {
  std::vector<NodeId> out;
  out.reserve(city.facilities.size());
  for (const Facility& f : city.facilities) out.push_back(index.nearest_node(f.pos).node);
  return out;
}

std::vector<AllocationFacility> facilities_from_snapshot(const Snapshot& snap, std::span<const NodeId> nodes) {
  const std::size_t n = std::min({nodes.size(), snap.facility_state.size(), snap.facility_capacity.size(),
                                  snap.facility_reserved.size()});
  std::vector<AllocationFacility> out(nodes.size());
  for (std::size_t f = 0; f < n; ++f) {
    out[f].node = nodes[f];
    out[f].open = snap.facility_state[f] == FacilityState::kOpen;
    out[f].room = std::max<std::int64_t>(
        0, static_cast<std::int64_t>(std::floor(snap.facility_capacity[f] - snap.facility_reserved[f] + 1e-9)));
  }
  for (std::size_t f = n; f < nodes.size(); ++f) out[f].node = nodes[f];  // not in the snapshot: closed
  return out;
}

std::vector<Command> plan_to_guidance(const Plan& plan, std::span<const AllocationGroup> groups,
                                      const OptimiserParams& params, std::int64_t time_s) {
  // Areas: groups with the same guidance circle (a cell's priority and other groups).
  struct Area {
    Point centre;
    double radius = 0;
    std::int64_t persons = 0;
    std::map<std::uint32_t, std::int64_t> sent;  // facility -> persons
  };
  std::vector<Area> areas;
  std::vector<std::size_t> area_of(groups.size());
  std::map<std::tuple<double, double, double>, std::size_t> seen;
  for (std::size_t g = 0; g < groups.size(); ++g) {
    const AllocationGroup& gr = groups[g];
    const auto [it, fresh] = seen.try_emplace({gr.centre.x, gr.centre.y, gr.radius_m}, areas.size());
    if (fresh) areas.push_back({gr.centre, gr.radius_m, 0, {}});
    area_of[g] = it->second;
    areas[it->second].persons += std::max<std::int64_t>(0, gr.persons);
  }
  for (const Assignment& a : plan.assignments) {
    if (a.group >= groups.size())
      throw std::invalid_argument("plan_to_guidance: the plan names group " + std::to_string(a.group) +
                                  " of only " + std::to_string(groups.size()));
    if (a.persons <= 0) continue;
    if (!(groups[a.group].radius_m > 0))
      throw std::invalid_argument("plan_to_guidance: group " + std::to_string(a.group) +
                                  " has no guidance radius (0 would address everyone)");
    areas[area_of[a.group]].sent[a.facility] += a.persons;
  }
  const double compliance = std::clamp(params.compliance, 0.0, 1.0);
  std::vector<Command> out;
  for (const Area& ar : areas) {
    if (ar.sent.empty() || ar.persons <= 0) continue;
    std::vector<std::pair<std::uint32_t, std::int64_t>> order(ar.sent.begin(), ar.sent.end());
    std::stable_sort(order.begin(), order.end(), [](const auto& x, const auto& y) { return x.second > y.second; });
    std::int64_t rest = 0;
    for (const auto& o : order) rest += o.second;
    for (const auto& [f, persons] : order) {
      Command c;
      c.time_s = time_s;
      c.type = CommandType::kGuidance;
      c.facility = make_id<ShelterId>(f);
      c.x = ar.centre.x;
      c.y = ar.centre.y;
      c.radius_m = ar.radius;
      c.value = std::min(1.0, compliance * static_cast<double>(rest) / static_cast<double>(ar.persons));
      c.source = "optimiser";
      out.push_back(std::move(c));
      rest -= persons;
    }
  }
  return out;
}

}  // namespace kitaku
