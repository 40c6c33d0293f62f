#pragma once
// The walkable road network: an immutable graph shared by const& across threads.
//
// Edges are undirected street segments (what density is measured on); each edge
// has two arcs, one per walking direction, stored as a compressed sparse row
// (CSR) graph. Arc ids are CSR positions, so per-arc arrays index by ArcId and
// Boost.Graph's edge_index of graph() equals the ArcId. Mutable state
// (closures, densities) lives in arrays owned by the simulation, indexed by id.
#include <boost/graph/compressed_sparse_row_graph.hpp>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "kitaku/sim/geometry.hpp"
#include "kitaku/sim/ids.hpp"
#include "kitaku/sim/road_class.hpp"

namespace kitaku {

enum EdgeFlag : std::uint8_t { kStairs = 1, kBridge = 2, kTunnel = 4, kElevator = 8 };

/// Plain arrays a Network is built from (importers fill it; the cache stores it).
/// Every edge_* vector has one entry per edge.
struct NetworkData {
  std::vector<Point> node_pos;                // projected metres
  std::vector<NodeId> edge_from, edge_to;
  std::vector<float> edge_length_m;           // along the geometry, > 0
  std::vector<float> edge_width_m;            // road width: carriageway plus sidewalks, > 0
  std::vector<float> edge_carriageway_m;      // the part of the width that is carriageway, in [0, width]
  std::vector<RoadClass> edge_class;
  std::vector<std::uint8_t> edge_flags;       // EdgeFlag bits
  std::vector<std::uint32_t> edge_name;       // index into names (0 = unnamed)
  std::vector<std::int64_t> edge_source_id;   // OSM way id, feature id or link id; -1 if none
  std::vector<std::uint32_t> geom_first;      // edge e's polyline is geom_points[geom_first[e], geom_first[e+1])
  std::vector<Point> geom_points;             // polylines run from edge_from to edge_to
  std::vector<std::string> names{std::string()};
  std::string crs_wkt;                        // CRS of all coordinates (WKT2)
  int epsg = 0;                               // its EPSG code when it has one, else 0

  std::size_t node_count() const noexcept { return node_pos.size(); }
  std::size_t edge_count() const noexcept { return edge_from.size(); }
  /// Appends an edge; geometry must start at `from`'s and end at `to`'s position.
  /// width_m is the whole road width; carriageway_m the part of it that is carriageway
  /// (0: all of it is for walkers, as on a footway).
  EdgeId add_edge(NodeId from, NodeId to, std::span<const Point> geometry, float width_m,
                  RoadClass cls, std::uint8_t flags = 0, std::string_view name = {},
                  std::int64_t source_id = -1, float carriageway_m = 0);
  /// Interns a name in `names` (linear-time lookup is avoided by the caller's own map
  /// when importing many features; this is for small networks and tests).
  std::uint32_t intern_name(std::string_view name);
};

/// Throws InvariantError naming the first broken invariant (sizes, ids in range,
/// finite positive lengths and widths, geometry endpoints on their nodes).
void validate(const NetworkData& data);

class Network {
 public:
  using Graph = boost::compressed_sparse_row_graph<boost::directedS, boost::no_property,
                                                   boost::no_property, boost::no_property,
                                                   std::uint32_t, std::uint32_t>;

  Network() = default;
  /// Validates `data` and builds the arc CSR.
  explicit Network(NetworkData data);

  std::size_t node_count() const noexcept { return d_.node_pos.size(); }
  std::size_t edge_count() const noexcept { return d_.edge_from.size(); }
  std::size_t arc_count() const noexcept { return arc_head_.size(); }

  Point pos(NodeId n) const { return d_.node_pos[index(n)]; }
  NodeId from(EdgeId e) const { return d_.edge_from[index(e)]; }
  NodeId to(EdgeId e) const { return d_.edge_to[index(e)]; }
  float length(EdgeId e) const { return d_.edge_length_m[index(e)]; }
  /// The whole road width (carriageway and sidewalks). The room walkers have on it
  /// is a model choice: walkable_width() in kitaku/sim/walkable.hpp.
  float width(EdgeId e) const { return d_.edge_width_m[index(e)]; }
  float carriageway(EdgeId e) const { return d_.edge_carriageway_m[index(e)]; }
  float sidewalks(EdgeId e) const { return width(e) - carriageway(e); }
  RoadClass road_class(EdgeId e) const { return d_.edge_class[index(e)]; }
  std::uint8_t flags(EdgeId e) const { return d_.edge_flags[index(e)]; }
  std::string_view name(EdgeId e) const { return d_.names[d_.edge_name[index(e)]]; }
  std::int64_t source_id(EdgeId e) const { return d_.edge_source_id[index(e)]; }
  std::span<const Point> geometry(EdgeId e) const {
    const auto b = d_.geom_first[index(e)], en = d_.geom_first[index(e) + 1];
    return {d_.geom_points.data() + b, en - b};
  }

  /// Arcs leaving n are [first_out(n), first_out(n)+out_degree(n)).
  ArcId first_out(NodeId n) const { return ArcId{first_out_[index(n)]}; }
  std::uint32_t out_degree(NodeId n) const { return first_out_[index(n) + 1] - first_out_[index(n)]; }
  NodeId tail(ArcId a) const { return arc_tail_[index(a)]; }
  NodeId head(ArcId a) const { return arc_head_[index(a)]; }
  EdgeId edge(ArcId a) const { return arc_edge_[index(a)]; }
  /// True when the arc runs along its edge's geometry (from -> to).
  bool forward(ArcId a) const { return from(edge(a)) == tail(a); }
  float length(ArcId a) const { return d_.edge_length_m[index(edge(a))]; }
  /// The arc in the other direction along the same edge.
  ArcId reverse(ArcId a) const { return arc_reverse_[index(a)]; }
  /// The two arcs of an edge: forward then backward.
  std::pair<ArcId, ArcId> arcs(EdgeId e) const {
    return {edge_arc_[index(e)], reverse(edge_arc_[index(e)])};
  }

  /// Boost.Graph view; edge_index(g) of an arc equals its ArcId.
  const Graph& graph() const noexcept { return graph_; }
  const NetworkData& data() const noexcept { return d_; }
  const std::string& crs_wkt() const noexcept { return d_.crs_wkt; }
  int epsg() const noexcept { return d_.epsg; }
  BBox bbox() const noexcept { return bbox_; }
  double total_length_m() const noexcept;

 private:
  NetworkData d_;
  std::vector<std::uint32_t> first_out_;
  std::vector<NodeId> arc_tail_, arc_head_;
  std::vector<EdgeId> arc_edge_;
  std::vector<ArcId> arc_reverse_, edge_arc_;
  Graph graph_;
  BBox bbox_;
};

/// Connected components of the walking graph (arcs always come in pairs, so strong
/// and weak connectivity coincide; computed with boost::strong_components).
struct ComponentReport {
  std::size_t components = 0;
  std::size_t kept_nodes = 0, kept_edges = 0;
  std::size_t dropped_nodes = 0, dropped_edges = 0;
  double dropped_length_m = 0;
};

/// Keeps only the largest strongly connected component of `data` (ties: the one
/// holding the lowest node id). Node and edge order is otherwise preserved.
ComponentReport keep_largest_component(NetworkData& data);

}  // namespace kitaku
