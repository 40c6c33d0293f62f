#pragma once
// Uniform-grid spatial index over a Network's nodes and edge polylines: snaps a
// point to the nearest node or edge and returns the distance. Immutable after
// construction, so queries may run concurrently from many threads.
#include <cstdint>
#include <vector>

#include "kitaku/sim/grid_index.hpp"
#include "kitaku/sim/network.hpp"

namespace kitaku {

struct NodeHit {
  NodeId node = invalid_id<NodeId>();
  double dist = INFINITY;  // metres
};

struct EdgeHit {
  EdgeId edge = invalid_id<EdgeId>();
  double dist = INFINITY;  // metres from the query point to `point`
  Point point;             // closest point on the edge's polyline
  double offset_m = 0;     // distance along the polyline from the edge's from-node
};

class SpatialIndex {
 public:
  /// cell_m <= 0 picks a cell size from the network's extent and node count.
  /// with_edges = false indexes nodes only (nearest_edge then finds nothing): cheaper
  /// to build when only nearest_node is needed.
  explicit SpatialIndex(const Network& net, double cell_m = 0, bool with_edges = true);

  NodeHit nearest_node(Point p) const;
  EdgeHit nearest_edge(Point p) const;
  /// Nodes within radius r of p, in increasing node-id order.
  std::vector<NodeId> nodes_within(Point p, double r) const;

 private:
  template <class Visit>
  void ring_search(Point p, const GridIndex& grid, double& best, Visit&& visit) const;

  const Network* net_;
  GridIndex nodes_;  // cell -> node ids
  GridIndex segs_;   // cell -> segment start index in geom_points (same geometry; empty without edges)
};

}  // namespace kitaku
