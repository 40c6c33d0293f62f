// Decisions shared by several phases (engine.hpp, "behaviour").
#include <algorithm>
#include <cmath>

#include "engine.hpp"

namespace kitaku::engine {

bool is_hazard(const std::string& source) {
  return source == "hazard" || (source.size() > 7 && source.ends_with(":hazard"));
}

namespace {
void ensure_home_tree(HomeRoutes& homes, RouteState& routes, std::uint32_t key) {
  if (homes.cell_tree[key] >= 0) return;
  homes.cell_tree[key] = static_cast<std::int32_t>(homes.trees.size());
  homes.trees.emplace_back();
  homes.tree_key.push_back(key);
  routes.trees_pending = true;
}
}  // namespace

void start_walking_home(const StepContext& cx, const AgentsCold& cold, AgentsHot& ag, HomeRoutes& homes,
                        RouteState& routes, Kernel& k, AgentId a, NodeId at) {
  k.set_state(a, AgentState::kWalkingHome);
  if (!valid(ag.arc[a])) k.place_at(a, at);
  ensure_home_tree(homes, routes, route_key(cx.in.sc, cold, a));
  k.activate(a);
}

void reserve(const StepContext& cx, AgentLists& lists, FacilityTable& fac, RouteState& routes, Kernel& k,
             AgentId a, ShelterId f, Point from) {
  k.take_place(a, f);
  const Point q = cx.in.city.facilities[index(f)].pos;
  // Routes are rarely more than 1.4 times the straight line (median 1.25 on the
  // real extracts, docs/network.md); a walker the tree misses makes it grow.
  const double need = 1.4 * std::hypot(q.x - from.x, q.y - from.y) + 300.0;
  if (need > fac.tree[f].radius) {
    // Grow geometrically, so a facility's tree is rebuilt only a few times.
    fac.tree_need[f] = std::max({fac.tree_need[f], need, 1.5 * fac.tree[f].radius, 1000.0});
    routes.trees_pending = true;
  }
  lists.check_cover.push_back(a);
}

}  // namespace kitaku::engine
