// The routes phase (engine.hpp): routing weights, and the shared route trees kept
// what a fresh build under the current weights would give.
#include <omp.h>

#include <algorithm>
#include <cmath>
#include <limits>

#include "engine.hpp"
#include "kitaku/sim/rng.hpp"

namespace kitaku::engine {

// Routing weights: length, minor roads counted longer (walkers keep to main roads,
// as the guidance for walking home asks), stairs by their slower speed, closed
// edges impassable; variants > 0 perturb each edge so that walkers bound for the
// same cell spread over parallel streets instead of all taking one path.
void make_weights(const Inputs& in, const EdgeState& ed, RouteState& routes) {
  const auto& rp = in.sc.routing;
  const Network& net = in.net;
  const std::size_t E = net.edge_count();
  IdVector<EdgeId, float> base(E);
  for (const EdgeId e : base.ids()) {
    double f = 1.0;
    switch (net.road_class(e)) {
      case RoadClass::residential: case RoadClass::service: case RoadClass::unclassified:
      case RoadClass::living_street: case RoadClass::footway: case RoadClass::path: case RoadClass::other:
        f = rp.minor_road_factor;
        break;
      case RoadClass::steps:
        f = rp.minor_road_factor / in.sc.movement.stairs_factor;
        break;
      default:
        break;
    }
    if (net.flags(e) & kStairs) f = std::max(f, 1.0 / in.sc.movement.stairs_factor);
    base[e] = ed.closed[e] ? std::numeric_limits<float>::infinity() : static_cast<float>(net.length(e) * f);
  }
  routes.weights.assign(static_cast<std::size_t>(rp.route_variants), std::vector<float>(net.arc_count()));
  for (int v = 0; v < rp.route_variants; ++v) {
    auto& w = routes.weights[static_cast<std::size_t>(v)];
#pragma omp parallel for schedule(static)
    for (std::int64_t a = 0; a < static_cast<std::int64_t>(w.size()); ++a) {
      const EdgeId e = net.edge(make_id<ArcId>(static_cast<std::uint64_t>(a)));
      double noise = 1.0;
      if (v > 0)
        noise = Rng(in.cfg.seed, index(e), static_cast<std::uint64_t>(v), Purpose::kRouteNoise)
                    .uniform(1 - rp.route_noise, 1 + rp.route_noise);
      w[static_cast<std::size_t>(a)] = static_cast<float>(base[e] * noise);
    }
  }
}

void build_listed(const Inputs& in, const FacilityTable& fac_nodes, HomeRoutes& homes, const RouteState& routes,
                  PerFacility<BoundedTree>& ftrees, const std::vector<std::uint32_t>& home_list,
                  const std::vector<std::pair<ShelterId, double>>& facility_list) {
  const auto H = static_cast<std::int64_t>(home_list.size()), FT = static_cast<std::int64_t>(facility_list.size());
  const auto K = static_cast<std::uint32_t>(in.sc.routing.route_variants);
#pragma omp parallel for schedule(dynamic, 1)
  for (std::int64_t k = 0; k < H + FT; ++k) {
    if (k < H) {
      const auto i = home_list[static_cast<std::size_t>(k)];
      const std::uint32_t key = homes.tree_key[i];
      build_next_hop_tree(in.net, routes.weights[key % K], homes.cell_root[key / K], homes.trees[i]);
    } else {
      const auto [f, radius] = facility_list[static_cast<std::size_t>(k - H)];
      build_bounded_tree(in.net, routes.weights[0], fac_nodes.node[f], radius, ftrees[f]);
    }
  }
}

namespace {

// What the closures and reopenings since the last build do to each tree in use:
// after a reopening, or with selective_tree_rebuild off, every tree is rebuilt;
// otherwise a tree that routes along no newly closed edge is kept as it is, and
// one that does is repaired in place: only the nodes whose route ran along a
// closed edge are searched again (route_trees.hpp).
void settle_closures(const Inputs& in, const EdgeState& ed, FacilityTable& fac, HomeRoutes& homes,
                     RouteState& routes) {
  enum : std::uint8_t { kKeep = 0, kRepaired = 1, kRebuild = 2 };
  const Network& net = in.net;
  const bool all = routes.reopened || !in.cfg.selective_tree_rebuild;
  std::vector<std::uint8_t> fate_h(homes.trees.size(), kRebuild);
  PerFacility<std::uint8_t> fate_f(fac.tree.size(), kRebuild);
  if (all) {
    make_weights(in, ed, routes);
  } else {
    // Exactly what make_weights() would give: a closed edge weighs +inf in every
    // variant, the other weights do not depend on closures.
    for (const EdgeId e : routes.newly_closed_list) {
      const auto [fw, bw] = net.arcs(e);
      for (auto& w : routes.weights) w[index(fw)] = w[index(bw)] = std::numeric_limits<float>::infinity();
    }
    const auto H = static_cast<std::int64_t>(homes.trees.size()), F = static_cast<std::int64_t>(fac.tree.size());
    const auto K = static_cast<std::uint32_t>(in.sc.routing.route_variants);
    const auto& marked = routes.newly_closed;
#pragma omp parallel for schedule(dynamic, 1)
    for (std::int64_t k = 0; k < H + F; ++k) {
      if (k < H) {
        const auto i = static_cast<std::size_t>(k);
        auto& tr = homes.trees[i];
        // The sequential scan first: most trees use none of a batch's edges.
        fate_h[i] = valid(tr.root) && tree_uses_any(net, tr, marked) &&
                            repair_next_hop_tree(net, routes.weights[homes.tree_key[i] % K], marked, tr) > 0
                        ? kRepaired
                        : kKeep;
      } else {
        const ShelterId f = make_id<ShelterId>(static_cast<std::uint64_t>(k - H));
        fate_f[f] = !fac.tree[f].nodes.empty() && tree_uses_any(net, fac.tree[f], marked) &&
                            repair_bounded_tree(net, routes.weights[0], marked, fac.tree[f]) > 0
                        ? kRepaired
                        : kKeep;
      }
    }
  }
  auto count = [&](std::uint8_t fate) {
    (fate == kKeep ? routes.kept : fate == kRepaired ? routes.repaired : routes.rebuilt)++;
  };
  for (std::size_t i = 0; i < homes.trees.size(); ++i) {
    if (!valid(homes.trees[i].root)) continue;  // not built yet: built below anyway
    count(fate_h[i]);
    if (fate_h[i] == kRebuild) homes.trees[i].root = kNoNode;
  }
  for (const ShelterId f : fac.tree.ids()) {
    if (fac.tree[f].nodes.empty()) continue;
    count(fate_f[f]);
    if (fate_f[f] == kRebuild) fac.tree_need[f] = std::max(fac.tree_need[f], fac.tree[f].radius), fac.tree[f].radius = -1;
  }
  for (const EdgeId e : routes.newly_closed_list) routes.newly_closed[index(e)] = 0;
  routes.newly_closed_list.clear();
  routes.reopened = false;
  routes.trees_dirty = false;
  routes.trees_pending = true;
}

// Builds every home tree not built yet and grows every facility tree to its need.
void build_trees(const Inputs& in, const EdgeState& ed, FacilityTable& fac, HomeRoutes& homes, RouteState& routes) {
  if (routes.trees_dirty) settle_closures(in, ed, fac, homes, routes);
  if (!routes.trees_pending) return;
  routes.trees_pending = false;
  std::vector<std::uint32_t> todo;
  for (std::size_t i = 0; i < homes.trees.size(); ++i)
    if (!valid(homes.trees[i].root)) todo.push_back(static_cast<std::uint32_t>(i));
  std::vector<std::pair<ShelterId, double>> ftodo;
  for (const ShelterId f : fac.tree.ids())
    if (fac.tree_need[f] > fac.tree[f].radius) ftodo.emplace_back(f, fac.tree_need[f]);
  build_listed(in, fac, homes, routes, fac.tree, todo, ftodo);
}

}  // namespace

void run_routes(const StepContext& cx, const AgentsHot& ag, AgentLists& lists, const EdgeState& ed,
                FacilityTable& fac, HomeRoutes& homes, RouteState& routes) {
  build_trees(cx.in, ed, fac, homes, routes);
  // A walker whose facility tree does not reach it gets a tree over the whole network.
  auto& check = lists.check_cover;
  for (int round = 0; round < 8 && !check.empty(); ++round) {
    std::vector<AgentId> missed;
    for (const AgentId a : check)
      if (ag.state[a] == AgentState::kToFacility && valid(ag.facility[a])) {
        const ShelterId f = ag.facility[a];
        if (fac.tree[f].find(decision_node(cx.in.net, ag, a)) < 0 && !std::isinf(fac.tree[f].radius)) {
          fac.tree_need[f] = round < 4 ? std::max(fac.tree_need[f], 2 * fac.tree[f].radius)
                                       : std::numeric_limits<double>::infinity();
          missed.push_back(a);
        }
      }
    check.swap(missed);
    if (!check.empty()) {
      routes.trees_pending = true;
      build_trees(cx.in, ed, fac, homes, routes);
    }
  }
  check.clear();
}

}  // namespace kitaku::engine
