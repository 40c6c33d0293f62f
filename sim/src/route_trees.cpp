#include "kitaku/sim/route_trees.hpp"

#include <algorithm>
#include <boost/graph/dijkstra_shortest_paths_no_color_map.hpp>
#include <limits>

#include "kitaku/sim/error.hpp"

namespace kitaku {
namespace {

constexpr float kInf = std::numeric_limits<float>::infinity();

using Graph = Network::Graph;
using Vertex = boost::graph_traits<Graph>::vertex_descriptor;
using Arc = boost::graph_traits<Graph>::edge_descriptor;

// Records, per node, the arc by which Dijkstra last improved it, and stops the
// search (by throwing) once the frontier passes the radius.
struct TreeVisitor : boost::default_dijkstra_visitor {
  std::uint32_t* in_arc;
  const float* dist;
  std::vector<std::uint32_t>* discovered;
  float radius;
  struct Done {};
  void discover_vertex(Vertex v, const Graph&) const {
    if (discovered) discovered->push_back(static_cast<std::uint32_t>(v));
  }
  void edge_relaxed(Arc a, const Graph& g) const {
    in_arc[target(a, g)] = static_cast<std::uint32_t>(get(boost::edge_index, g, a));
  }
  void examine_vertex(Vertex v, const Graph&) const {
    if (dist[v] > radius) throw Done{};
  }
};

std::uint8_t slot_towards_root(const Network& net, NodeId v, std::uint32_t in_arc) {
  // Dijkstra ran from the root, so in_arc points root-wards -> v; walking home from v
  // takes its reverse, which leaves v.
  const ArcId back = net.reverse(ArcId{in_arc});
  const std::uint32_t s = index(back) - index(net.first_out(v));
  if (s >= kAtRoot) throw InvariantError("route tree: node with more than 253 arcs");
  return static_cast<std::uint8_t>(s);
}

// Full-size scratch arrays, one set per thread, reset after each bounded search.
struct Scratch {
  std::vector<float> dist;
  std::vector<std::uint32_t> in_arc;
  std::vector<std::uint32_t> discovered;
};

}  // namespace

std::vector<float> routing_weights(const Network& net, const std::vector<std::uint8_t>& edge_closed) {
  std::vector<float> w(net.arc_count());
  for (std::size_t a = 0; a < w.size(); ++a) {
    const EdgeId e = net.edge(ArcId(static_cast<std::uint32_t>(a)));
    w[a] = (!edge_closed.empty() && edge_closed[index(e)]) ? kInf : net.length(e);
  }
  return w;
}

ArcId NextHopTree::next_arc(const Network& net, NodeId n) const {
  const std::uint8_t s = slot[index(n)];
  if (s >= kAtRoot) return invalid_id<ArcId>();
  return ArcId{index(net.first_out(n)) + s};
}

void build_next_hop_tree(const Network& net, const std::vector<float>& weights, NodeId root, NextHopTree& out) {
  const auto& g = net.graph();
  const std::size_t n = net.node_count();
  std::vector<float> dist(n, kInf);
  std::vector<std::uint32_t> in_arc(n, std::numeric_limits<std::uint32_t>::max());
  TreeVisitor vis;
  vis.in_arc = in_arc.data();
  vis.dist = dist.data();
  vis.discovered = nullptr;
  vis.radius = kInf;
  boost::dijkstra_shortest_paths_no_color_map(
      g, index(root),
      boost::weight_map(boost::make_iterator_property_map(weights.begin(), get(boost::edge_index, g)))
          .distance_map(boost::make_iterator_property_map(dist.begin(), get(boost::vertex_index, g)))
          .distance_inf(kInf)
          .visitor(vis));
  out.root = root;
  out.slot.assign(n, kNoRoute);
  for (std::size_t v = 0; v < n; ++v) {
    if (v == index(root)) out.slot[v] = kAtRoot;
    else if (dist[v] < kInf) out.slot[v] = slot_towards_root(net, NodeId(static_cast<std::uint32_t>(v)), in_arc[v]);
  }
}

std::int64_t BoundedTree::find(NodeId n) const {
  const auto it = std::lower_bound(nodes.begin(), nodes.end(), index(n));
  return (it != nodes.end() && *it == index(n)) ? it - nodes.begin() : -1;
}

ArcId BoundedTree::next_arc(const Network& net, NodeId n) const {
  const auto i = find(n);
  if (i < 0 || slot[i] >= kAtRoot) return invalid_id<ArcId>();
  return ArcId{index(net.first_out(n)) + slot[i]};
}

void build_bounded_tree(const Network& net, const std::vector<float>& weights, NodeId root, double radius,
                        BoundedTree& out) {
  thread_local Scratch s;
  const auto& g = net.graph();
  const std::size_t n = net.node_count();
  if (s.dist.size() != n) {
    s.dist.assign(n, kInf);
    s.in_arc.assign(n, std::numeric_limits<std::uint32_t>::max());
  }
  s.discovered.clear();
  TreeVisitor vis;
  vis.in_arc = s.in_arc.data();
  vis.dist = s.dist.data();
  vis.discovered = &s.discovered;
  vis.radius = static_cast<float>(radius);
  s.dist[index(root)] = 0;
  auto dist_map = boost::make_iterator_property_map(s.dist.begin(), get(boost::vertex_index, g));
  auto weight_map = boost::make_iterator_property_map(weights.begin(), get(boost::edge_index, g));
  try {
    boost::dijkstra_shortest_paths_no_color_map_no_init(
        g, index(root), boost::dummy_property_map(), dist_map, weight_map, get(boost::vertex_index, g),
        std::less<float>(), boost::closed_plus<float>(kInf), kInf, 0.0f, vis);
  } catch (const TreeVisitor::Done&) {
  }
  std::sort(s.discovered.begin(), s.discovered.end());
  out.root = root;
  out.radius = radius;
  out.nodes.clear();
  out.dist.clear();
  out.slot.clear();
  for (const std::uint32_t v : s.discovered) {
    if (s.dist[v] <= radius) {
      out.nodes.push_back(v);
      out.dist.push_back(s.dist[v]);
      out.slot.push_back(v == index(root) ? kAtRoot : slot_towards_root(net, NodeId{v}, s.in_arc[v]));
    }
    s.dist[v] = kInf;
    s.in_arc[v] = std::numeric_limits<std::uint32_t>::max();
  }
}

}  // namespace kitaku
