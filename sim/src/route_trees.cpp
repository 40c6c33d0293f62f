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

// Records, per node, the arc by which Dijkstra last improved it.
struct TreeVisitor : boost::default_dijkstra_visitor {
  std::uint32_t* in_arc;
  void edge_relaxed(Arc a, const Graph& g) const {
    in_arc[target(a, g)] = static_cast<std::uint32_t>(get(boost::edge_index, g, a));
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

// The canonical next hop of v: among v's out-arcs v -> u whose reverse u -> v
// reaches v at its distance (dist[u] + w(u -> v) == dist[v], in the same float
// arithmetic as the search) from a node strictly nearer the root, the lowest arc
// index. It depends only on the distances and the weights, not on the order the
// search happened to explore ties in; so a tree none of whose arcs closes is exactly
// the tree a fresh build would give, and the simulation rebuilds only the trees a
// closure touches (docs/model.md, "Routing"). `dist_of(u)` is the settled distance
// (infinite when u was not settled). Falls back to the search's own in-arc when no
// arc qualifies (an arc so short that adding it does not change a float).
template <class DistOf>
std::uint8_t canonical_slot(const Network& net, const std::vector<float>& weights, NodeId v, float dv,
                            std::uint32_t in_arc, const DistOf& dist_of) {
  const std::uint32_t first = index(net.first_out(v)), deg = net.out_degree(v);
  for (std::uint32_t k = 0; k < deg; ++k) {
    const ArcId a{first + k};
    const float du = dist_of(index(net.head(a)));
    if (!(du < dv)) continue;
    if (du + weights[index(net.reverse(a))] == dv) {
      if (k >= kAtRoot) throw InvariantError("route tree: node with more than 253 arcs");
      return static_cast<std::uint8_t>(k);
    }
  }
  return slot_towards_root(net, v, in_arc);
}

// Full-size scratch arrays, one set per thread, reset after each bounded search
// (only where it touched them).
struct Scratch {
  std::vector<float> dist;
  std::vector<std::uint32_t> in_arc;
  std::vector<std::uint32_t> discovered;
};

}  // namespace

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
    else if (dist[v] < kInf)
      out.slot[v] = canonical_slot(net, weights, NodeId(static_cast<std::uint32_t>(v)), dist[v], in_arc[v],
                                   [&](std::uint32_t u) { return dist[u]; });
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
  // Many small searches (one per facility, regrown as walkers come from farther
  // away): Boost's Dijkstra allocates and fills a heap index over every node on
  // each call, which dominated at a million nodes. This search runs on the same
  // Boost CSR graph with a lazy-deletion binary heap and per-thread scratch arrays
  // that are reset only where they were touched.
  thread_local Scratch s;
  const auto& g = net.graph();
  const std::size_t n = net.node_count();
  if (s.dist.size() != n) {
    s.dist.assign(n, kInf);
    s.in_arc.assign(n, std::numeric_limits<std::uint32_t>::max());
  }
  s.discovered.clear();
  using Item = std::pair<float, std::uint32_t>;
  thread_local std::vector<Item> heap;
  heap.clear();
  const auto greater = std::greater<Item>();
  const float r = static_cast<float>(radius);
  s.dist[index(root)] = 0;
  s.discovered.push_back(index(root));
  heap.push_back({0.0f, index(root)});
  out.nodes.clear();
  while (!heap.empty()) {
    std::pop_heap(heap.begin(), heap.end(), greater);
    const auto [d, v] = heap.back();
    heap.pop_back();
    if (d > s.dist[v]) continue;  // stale entry
    if (d > r) break;
    out.nodes.push_back(v);       // settled, within the radius
    for (auto [it, end] = boost::out_edges(v, g); it != end; ++it) {
      const auto a = static_cast<std::uint32_t>(get(boost::edge_index, g, *it));
      const float nd = d + weights[a];
      const auto u = static_cast<std::uint32_t>(target(*it, g));
      if (nd < s.dist[u]) {
        if (s.dist[u] == kInf) s.discovered.push_back(u);
        s.dist[u] = nd;
        s.in_arc[u] = a;
        heap.push_back({nd, u});
        std::push_heap(heap.begin(), heap.end(), greater);
      }
    }
  }
  std::sort(out.nodes.begin(), out.nodes.end());
  out.root = root;
  out.radius = radius;
  out.dist.resize(out.nodes.size());
  out.slot.resize(out.nodes.size());
  for (std::size_t i = 0; i < out.nodes.size(); ++i) {
    const std::uint32_t v = out.nodes[i];
    out.dist[i] = s.dist[v];
    // Every node nearer the root than v was settled (the search stops only past the
    // radius), so s.dist is final for each candidate.
    out.slot[i] = v == index(root) ? kAtRoot
                                   : canonical_slot(net, weights, NodeId{v}, s.dist[v], s.in_arc[v],
                                                    [&](std::uint32_t u) { return s.dist[u]; });
  }
  for (const std::uint32_t v : s.discovered) {
    s.dist[v] = kInf;
    s.in_arc[v] = std::numeric_limits<std::uint32_t>::max();
  }
}

bool tree_uses_any(const Network& net, const NextHopTree& tree, const std::vector<std::uint8_t>& edge_mark) {
  for (std::size_t v = 0; v < tree.slot.size(); ++v) {
    const std::uint8_t s = tree.slot[v];
    if (s >= kAtRoot) continue;
    const ArcId a{index(net.first_out(NodeId(static_cast<std::uint32_t>(v)))) + s};
    if (edge_mark[index(net.edge(a))]) return true;
  }
  return false;
}

bool tree_uses_any(const Network& net, const BoundedTree& tree, const std::vector<std::uint8_t>& edge_mark) {
  for (std::size_t i = 0; i < tree.nodes.size(); ++i) {
    const std::uint8_t s = tree.slot[i];
    if (s >= kAtRoot) continue;
    const ArcId a{index(net.first_out(NodeId{tree.nodes[i]})) + s};
    if (edge_mark[index(net.edge(a))]) return true;
  }
  return false;
}

}  // namespace kitaku
