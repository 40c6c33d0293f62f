#pragma once
// Shortest paths on the walking network with Boost.Graph's Dijkstra.
#include <vector>

#include "kitaku/sim/network.hpp"
#include "kitaku/sim/spatial_index.hpp"

namespace kitaku {

/// Walking distance in metres from `source` to every node (infinity if unreachable).
std::vector<double> shortest_distances(const Network& net, NodeId source);

/// Walking distance between two points snapped onto edges (EdgeHit from SpatialIndex),
/// walking along the first edge to one of its ends, across the network, and along the last.
double shortest_distance(const Network& net, const EdgeHit& a, const EdgeHit& b);

}  // namespace kitaku
