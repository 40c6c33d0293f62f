#include "kitaku/sim/network.hpp"

#include <boost/graph/strong_components.hpp>
#include <cmath>
#include <numeric>
#include <string>

#include "kitaku/sim/error.hpp"

namespace kitaku {

EdgeId NetworkData::add_edge(NodeId from, NodeId to, std::span<const Point> geometry,
                             float width_m, RoadClass cls, std::uint8_t flags,
                             std::string_view name, std::int64_t source_id, float carriageway_m) {
  const auto id = static_cast<EdgeId>(edge_from.size());
  if (geom_first.empty()) geom_first.push_back(0);
  double len = 0;
  for (std::size_t i = 1; i < geometry.size(); ++i) len += distance(geometry[i - 1], geometry[i]);
  edge_from.push_back(from);
  edge_to.push_back(to);
  edge_length_m.push_back(static_cast<float>(len));
  edge_width_m.push_back(width_m);
  edge_carriageway_m.push_back(carriageway_m);
  edge_class.push_back(cls);
  edge_flags.push_back(flags);
  edge_name.push_back(name.empty() ? 0 : intern_name(name));
  edge_source_id.push_back(source_id);
  geom_points.insert(geom_points.end(), geometry.begin(), geometry.end());
  geom_first.push_back(static_cast<std::uint32_t>(geom_points.size()));
  return id;
}

std::uint32_t NetworkData::intern_name(std::string_view name) {
  for (std::size_t i = 0; i < names.size(); ++i)
    if (names[i] == name) return static_cast<std::uint32_t>(i);
  names.emplace_back(name);
  return static_cast<std::uint32_t>(names.size() - 1);
}

void validate(const NetworkData& d) {
  auto fail = [](const std::string& what) { throw InvariantError("network invariant: " + what); };
  const std::size_t m = d.edge_count(), n = d.node_count();
  if (d.edge_to.size() != m || d.edge_length_m.size() != m || d.edge_width_m.size() != m ||
      d.edge_carriageway_m.size() != m ||
      d.edge_class.size() != m || d.edge_flags.size() != m || d.edge_name.size() != m ||
      d.edge_source_id.size() != m)
    fail("every edge array has one entry per edge");
  if (d.geom_first.size() != m + 1 && !(m == 0 && d.geom_first.empty()))
    fail("geom_first has edge_count + 1 entries");
  if (m > 0 && d.geom_first.back() != d.geom_points.size())
    fail("geom_first ends at geom_points.size()");
  if (d.names.empty() || !d.names[0].empty()) fail("names[0] is the empty name");
  if (n >= index(invalid_id<NodeId>()) || m >= index(invalid_id<EdgeId>()) / 2)
    fail("node and arc counts fit 32-bit ids");
  for (std::size_t i = 0; i < n; ++i)
    if (!std::isfinite(d.node_pos[i].x) || !std::isfinite(d.node_pos[i].y))
      fail("node " + std::to_string(i) + " has finite coordinates");
  for (std::size_t e = 0; e < m; ++e) {
    const auto where = "edge " + std::to_string(e);
    if (index(d.edge_from[e]) >= n || index(d.edge_to[e]) >= n) fail(where + " joins existing nodes");
    if (d.edge_from[e] == d.edge_to[e]) fail(where + " is not a self-loop");
    if (!(d.edge_length_m[e] > 0) || !std::isfinite(d.edge_length_m[e]))
      fail(where + " has a finite positive length");
    if (!(d.edge_width_m[e] > 0) || !std::isfinite(d.edge_width_m[e]))
      fail(where + " has a finite positive width");
    if (!(d.edge_carriageway_m[e] >= 0) || !(d.edge_carriageway_m[e] <= d.edge_width_m[e]))
      fail(where + " has a carriageway between 0 and its width");
    if (d.edge_name[e] >= d.names.size()) fail(where + " names an interned name");
    if (static_cast<std::size_t>(d.edge_class[e]) >= kRoadClassCount) fail(where + " has a known class");
    const auto b = d.geom_first[e], en = d.geom_first[e + 1];
    if (en < b + 2) fail(where + " has a polyline of at least two points");
    if (d.geom_points[b] != d.node_pos[index(d.edge_from[e])] ||
        d.geom_points[en - 1] != d.node_pos[index(d.edge_to[e])])
      fail(where + " geometry starts at its from-node and ends at its to-node");
  }
}

Network::Network(NetworkData data) : d_(std::move(data)) {
  if (d_.geom_first.empty()) d_.geom_first.push_back(0);
  validate(d_);
  const std::size_t n = d_.node_count(), m = d_.edge_count();
  // Counting sort of the 2m arcs by tail; within a tail, by edge id then direction.
  first_out_.assign(n + 1, 0);
  for (std::size_t e = 0; e < m; ++e) {
    ++first_out_[index(d_.edge_from[e]) + 1];
    ++first_out_[index(d_.edge_to[e]) + 1];
  }
  std::partial_sum(first_out_.begin(), first_out_.end(), first_out_.begin());
  std::vector<std::uint32_t> fill(first_out_.begin(), first_out_.end() - 1);
  arc_tail_.resize(2 * m);
  arc_head_.resize(2 * m);
  arc_edge_.resize(2 * m);
  arc_reverse_.resize(2 * m);
  edge_arc_.resize(m);
  for (std::size_t e = 0; e < m; ++e) {
    const auto u = d_.edge_from[e], v = d_.edge_to[e];
    const std::uint32_t fwd = fill[index(u)]++, bwd = fill[index(v)]++;
    arc_tail_[fwd] = u; arc_head_[fwd] = v;
    arc_tail_[bwd] = v; arc_head_[bwd] = u;
    arc_edge_[fwd] = arc_edge_[bwd] = static_cast<EdgeId>(e);
    arc_reverse_[fwd] = ArcId{bwd};
    arc_reverse_[bwd] = ArcId{fwd};
    edge_arc_[e] = ArcId{fwd};
  }
  std::vector<std::pair<std::uint32_t, std::uint32_t>> pairs(2 * m);
  for (std::size_t a = 0; a < 2 * m; ++a) pairs[a] = {index(arc_tail_[a]), index(arc_head_[a])};
  graph_ = Graph(boost::edges_are_sorted, pairs.begin(), pairs.end(), n);
  for (const auto& p : d_.node_pos) bbox_.extend(p);
}

double Network::total_length_m() const noexcept {
  double s = 0;
  for (float l : d_.edge_length_m) s += l;
  return s;
}

ComponentReport keep_largest_component(NetworkData& d) {
  ComponentReport r;
  const std::size_t n = d.node_count(), m = d.edge_count();
  if (n == 0) return r;
  using G = boost::compressed_sparse_row_graph<boost::directedS, boost::no_property,
                                               boost::no_property, boost::no_property,
                                               std::uint32_t, std::uint32_t>;
  std::vector<std::pair<std::uint32_t, std::uint32_t>> pairs;
  pairs.reserve(2 * m);
  for (std::size_t e = 0; e < m; ++e) {
    pairs.emplace_back(index(d.edge_from[e]), index(d.edge_to[e]));
    pairs.emplace_back(index(d.edge_to[e]), index(d.edge_from[e]));
  }
  G g(boost::edges_are_unsorted_multi_pass, pairs.begin(), pairs.end(), n);
  std::vector<std::uint32_t> comp(n);
  r.components = boost::strong_components(
      g, boost::make_iterator_property_map(comp.begin(), get(boost::vertex_index, g)));
  std::vector<std::size_t> size(r.components, 0);
  for (auto c : comp) ++size[c];
  // Largest by node count; ties go to the component of the lowest node id.
  std::uint32_t best = comp[0];
  for (std::size_t v = 0; v < n; ++v)
    if (size[comp[v]] > size[best]) best = comp[v];

  std::vector<NodeId> remap(n, invalid_id<NodeId>());
  NetworkData out;
  out.names = std::move(d.names);
  out.crs_wkt = std::move(d.crs_wkt);
  out.epsg = d.epsg;
  for (std::size_t v = 0; v < n; ++v)
    if (comp[v] == best) {
      remap[v] = static_cast<NodeId>(out.node_pos.size());
      out.node_pos.push_back(d.node_pos[v]);
    }
  out.geom_first.push_back(0);
  for (std::size_t e = 0; e < m; ++e) {
    const auto u = remap[index(d.edge_from[e])], v = remap[index(d.edge_to[e])];
    if (!valid(u)) {
      ++r.dropped_edges;
      r.dropped_length_m += d.edge_length_m[e];
      continue;
    }
    out.edge_from.push_back(u);
    out.edge_to.push_back(v);
    out.edge_length_m.push_back(d.edge_length_m[e]);
    out.edge_width_m.push_back(d.edge_width_m[e]);
    out.edge_carriageway_m.push_back(d.edge_carriageway_m[e]);
    out.edge_class.push_back(d.edge_class[e]);
    out.edge_flags.push_back(d.edge_flags[e]);
    out.edge_name.push_back(d.edge_name[e]);
    out.edge_source_id.push_back(d.edge_source_id[e]);
    out.geom_points.insert(out.geom_points.end(), d.geom_points.begin() + d.geom_first[e],
                           d.geom_points.begin() + d.geom_first[e + 1]);
    out.geom_first.push_back(static_cast<std::uint32_t>(out.geom_points.size()));
  }
  r.kept_nodes = out.node_count();
  r.kept_edges = out.edge_count();
  r.dropped_nodes = n - r.kept_nodes;
  d = std::move(out);
  return r;
}

}  // namespace kitaku
