#pragma once
// The room walkers have on a road (docs/model.md, "Walkable width"): its sidewalks
// plus the share of its carriageway that cars, gridlocked after a quake, leave
// free. Footways, paths and steps are all for walkers.
#include <algorithm>

#include "kitaku/sim/network.hpp"
#include "kitaku/sim/scenario.hpp"

namespace kitaku {

/// Back streets (residential, living streets, service roads, unclassified): few
/// cars are caught on them, and walkers use the whole of them.
constexpr bool is_back_street(RoadClass c) noexcept {
  return c == RoadClass::living_street || c == RoadClass::residential || c == RoadClass::service ||
         c == RoadClass::unclassified;
}

/// The share of edge e's carriageway walkers may use under `m`.
inline double carriageway_share(const Network& net, EdgeId e, const MovementParams& m) noexcept {
  return is_back_street(net.road_class(e)) ? m.back_street_carriageway_share : m.carriageway_share;
}

/// Walkable width of edge e, metres: sidewalks + share x carriageway, at least
/// min_walkable_m (people squeeze between stopped cars) but never above the road's width.
inline double walkable_width(const Network& net, EdgeId e, const MovementParams& m) noexcept {
  const double w = static_cast<double>(net.sidewalks(e)) + carriageway_share(net, e, m) * net.carriageway(e);
  return std::min(static_cast<double>(net.width(e)), std::max(w, m.min_walkable_m));
}

}  // namespace kitaku
