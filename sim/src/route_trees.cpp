#include "kitaku/sim/route_trees.hpp"

#include <algorithm>
#include <array>
#include <bit>
#include <cmath>
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

// A radix heap (Ahuja, Mehlhorn, Orlin and Tarjan 1990) for Dijkstra's monotone
// keys. A distance is a non-negative float, whose bit pattern orders like the
// number, so keys are those bits: an item goes into bucket 0 when its key equals
// the last key popped and otherwise into the bucket of the highest bit in which
// they differ. Popping empties the lowest non-empty bucket into lower ones around
// its least key; an item moves down at most 32 times. Duplicates are allowed
// (lazy deletion: the search skips stale entries).
class RadixHeap {
 public:
  void clear() {
    for (auto& b : bucket_) b.clear();
    last_ = 0;
    size_ = 0;
  }
  bool empty() const { return size_ == 0; }
  void push(float d, std::uint32_t v) {
    const auto k = std::bit_cast<std::uint32_t>(d);
    bucket_[which(k)].push_back({k, v});
    ++size_;
  }
  // An item with the least key.
  std::pair<float, std::uint32_t> pop() {
    if (bucket_[0].empty()) {
      std::size_t i = 1;
      while (bucket_[i].empty()) ++i;
      std::uint32_t least = bucket_[i][0].first;
      for (const auto& it : bucket_[i]) least = std::min(least, it.first);
      last_ = least;
      for (const auto& it : bucket_[i]) bucket_[which(it.first)].push_back(it);
      bucket_[i].clear();
    }
    const auto it = bucket_[0].back();
    bucket_[0].pop_back();
    --size_;
    return {std::bit_cast<float>(it.first), it.second};
  }

 private:
  std::size_t which(std::uint32_t k) const {
    return k == last_ ? 0 : 32 - static_cast<std::size_t>(std::countl_zero(k ^ last_));
  }
  std::array<std::vector<std::pair<std::uint32_t, std::uint32_t>>, 33> bucket_;
  std::uint32_t last_ = 0;
  std::size_t size_ = 0;
};

// Full-size scratch arrays and a heap, one set per thread, reset after each search
// (only where it touched them).
struct Scratch {
  std::vector<float> dist;
  std::vector<std::uint32_t> in_arc;
  std::vector<std::uint32_t> discovered;
  RadixHeap heap;
};

Scratch& scratch_for(const Network& net) {
  thread_local Scratch s;
  const std::size_t n = net.node_count();
  if (s.dist.size() != n) {
    s.dist.assign(n, kInf);
    s.in_arc.assign(n, std::numeric_limits<std::uint32_t>::max());
  }
  return s;
}

// Dijkstra from `root` over Boost.Graph's CSR view of the network, with the radix
// heap: settles every node within `radius` (every reachable one when it is
// infinite) and, when `settled` is given, appends them to it in the order settled.
// Leaves distances and in-arcs in `s` (the search runs from the root, so an in-arc
// points root-wards -> node) for the caller, who then calls reset(s).
void search(const Network& net, const std::vector<float>& weights, NodeId root, float radius, Scratch& s,
            std::vector<std::uint32_t>* settled) {
  const auto& g = net.graph();
  s.discovered.clear();
  s.heap.clear();
  s.dist[index(root)] = 0;
  s.discovered.push_back(index(root));
  s.heap.push(0.0f, index(root));
  while (!s.heap.empty()) {
    const auto [d, v] = s.heap.pop();
    if (d > s.dist[v]) continue;  // stale entry
    if (d > radius) break;
    if (settled) settled->push_back(v);
    for (auto [it, end] = boost::out_edges(v, g); it != end; ++it) {
      const auto a = static_cast<std::uint32_t>(get(boost::edge_index, g, *it));
      const float nd = d + weights[a];
      const auto u = static_cast<std::uint32_t>(target(*it, g));
      if (nd < s.dist[u]) {
        if (s.dist[u] == kInf) s.discovered.push_back(u);
        s.dist[u] = nd;
        s.in_arc[u] = a;
        s.heap.push(nd, u);
      }
    }
  }
}

// Sorts node ids below n ascending: a least-significant-digit radix sort, 11 bits a
// pass and only as many passes as n needs (two below 4 million nodes), several
// times faster than std::sort on a facility tree's thousands of nodes.
void sort_ids(std::vector<std::uint32_t>& ids, std::size_t n) {
  constexpr int kBits = 11;
  constexpr std::uint32_t kMask = (1u << kBits) - 1;
  thread_local std::vector<std::uint32_t> tmp;
  tmp.resize(ids.size());
  for (int shift = 0; shift == 0 || (shift < 32 && (n - 1) >> shift != 0); shift += kBits) {
    std::array<std::uint32_t, kMask + 1> at{};
    for (const std::uint32_t v : ids) ++at[(v >> shift) & kMask];
    std::uint32_t sum = 0;
    for (auto& c : at) {
      const std::uint32_t k = c;
      c = sum;
      sum += k;
    }
    for (const std::uint32_t v : ids) tmp[at[(v >> shift) & kMask]++] = v;
    ids.swap(tmp);
  }
}

void reset(Scratch& s) {
  for (const std::uint32_t v : s.discovered) {
    s.dist[v] = kInf;
    s.in_arc[v] = std::numeric_limits<std::uint32_t>::max();
  }
  s.discovered.clear();
}

}  // namespace

ArcId NextHopTree::next_arc(const Network& net, NodeId n) const {
  const std::uint8_t s = slot[index(n)];
  if (s >= kAtRoot) return invalid_id<ArcId>();
  return ArcId{index(net.first_out(n)) + s};
}

void build_next_hop_tree(const Network& net, const std::vector<float>& weights, NodeId root, NextHopTree& out) {
  Scratch& s = scratch_for(net);
  search(net, weights, root, kInf, s, nullptr);
  const std::size_t n = net.node_count();
  out.root = root;
  out.slot.assign(n, kNoRoute);
  for (std::uint32_t v = 0; v < n; ++v)
    if (s.dist[v] < kInf)
      out.slot[v] = v == index(root) ? kAtRoot
                                     : canonical_slot(net, weights, NodeId{v}, s.dist[v], s.in_arc[v],
                                                      [&](std::uint32_t u) { return s.dist[u]; });
  reset(s);
}

void build_next_hop_tree_boost(const Network& net, const std::vector<float>& weights, NodeId root,
                               NextHopTree& out) {
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
  // away): the per-thread scratch arrays are reset only where a search touched
  // them, since allocating and filling arrays over every node on each call (as
  // Boost's Dijkstra does) dominated at a million nodes.
  Scratch& s = scratch_for(net);
  const std::size_t n = net.node_count();
  out.nodes.clear();
  search(net, weights, root, static_cast<float>(radius), s, &out.nodes);
  // Node order for find(). A large tree is ordered by one pass over a per-node flag
  // array rather than by sorting (a guided walker's facility tree covers the whole
  // network: sorting its nodes was a tenth of a hazard run); the order is the same.
  const std::size_t m = out.nodes.size();
  if (m > 64 && static_cast<double>(m) * std::log2(static_cast<double>(m)) > static_cast<double>(n)) {
    thread_local std::vector<std::uint8_t> in_tree;
    if (in_tree.size() != n) in_tree.assign(n, 0);
    for (const std::uint32_t v : out.nodes) in_tree[v] = 1;
    out.nodes.clear();
    for (std::uint32_t v = 0; v < n; ++v)
      if (in_tree[v]) out.nodes.push_back(v), in_tree[v] = 0;
  } else {
    sort_ids(out.nodes, n);
  }
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
  reset(s);
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

std::size_t repair_next_hop_tree(const Network& net, const std::vector<float>& weights,
                                 const std::vector<std::uint8_t>& edge_mark, NextHopTree& tree) {
  // Per node: its distance to the root under the new weights, +inf while unknown.
  // A node whose chain of next hops reaches the root without a marked edge keeps
  // its distance (closing edges only removes paths); it is read back from the tree,
  // since the builder's float distances satisfy dist(v) = dist(next) + w(next -> v)
  // exactly along every canonical next hop. The others (`affected`) are searched
  // again with a Dijkstra seeded from their unaffected neighbours.
  enum : std::uint8_t { kUnknown = 0, kKept = 1, kAffected = 2, kNone = 3 };
  thread_local std::vector<float> dist;
  thread_local std::vector<std::uint8_t> mark;
  thread_local std::vector<std::uint32_t> chain, affected, in_arc;
  const std::size_t n = net.node_count();
  dist.assign(n, kInf);
  mark.assign(n, kUnknown);
  affected.clear();
  const std::uint32_t root = index(tree.root);
  mark[root] = kKept;
  dist[root] = 0;
  for (std::uint32_t v0 = 0; v0 < n; ++v0) {
    if (mark[v0] != kUnknown) continue;
    // Follow next hops until a node whose fate is known, stacking the way.
    chain.clear();
    std::uint32_t v = v0;
    std::uint8_t fate = kUnknown;
    while (true) {
      if (mark[v] != kUnknown) {
        fate = mark[v];
        break;
      }
      const std::uint8_t s = tree.slot[v];
      if (s == kNoRoute) {
        mark[v] = kNone;
        fate = kNone;
        break;
      }
      chain.push_back(v);
      const ArcId a{index(net.first_out(NodeId{v})) + s};
      if (edge_mark[index(net.edge(a))]) {
        fate = kAffected;
        break;
      }
      v = index(net.head(a));
    }
    // Unwind: behind an affected or unreachable node, everything is affected or
    // unreachable too; behind a kept one, distances add up towards v0.
    for (std::size_t i = chain.size(); i-- > 0;) {
      const std::uint32_t u = chain[i];
      if (fate == kKept) {
        const ArcId a{index(net.first_out(NodeId{u})) + tree.slot[u]};
        dist[u] = dist[index(net.head(a))] + weights[index(net.reverse(a))];
        mark[u] = kKept;
      } else if (fate == kNone) {
        mark[u] = kNone;  // cannot happen for a tree's own chains; kept for safety
      } else {
        mark[u] = kAffected;
        affected.push_back(u);
      }
    }
  }
  if (affected.empty()) return 0;
  // Dijkstra over the affected nodes, seeded across the boundary.
  using Item = std::pair<float, std::uint32_t>;
  thread_local std::vector<Item> heap;
  heap.clear();
  in_arc.assign(n, std::numeric_limits<std::uint32_t>::max());
  const auto greater = std::greater<Item>();
  for (const std::uint32_t v : affected) {
    const std::uint32_t first = index(net.first_out(NodeId{v})), deg = net.out_degree(NodeId{v});
    for (std::uint32_t k = 0; k < deg; ++k) {
      const ArcId a{first + k};
      const std::uint32_t u = index(net.head(a));
      if (mark[u] != kKept) continue;
      const ArcId back = net.reverse(a);  // u -> v, the direction the builder's search ran
      const float nd = dist[u] + weights[index(back)];
      if (nd < dist[v]) {
        dist[v] = nd;
        in_arc[v] = index(back);
      }
    }
    if (dist[v] < kInf) heap.push_back({dist[v], v});
  }
  std::make_heap(heap.begin(), heap.end(), greater);
  while (!heap.empty()) {
    std::pop_heap(heap.begin(), heap.end(), greater);
    const auto [d, v] = heap.back();
    heap.pop_back();
    if (d > dist[v]) continue;  // stale entry
    const std::uint32_t first = index(net.first_out(NodeId{v})), deg = net.out_degree(NodeId{v});
    for (std::uint32_t k = 0; k < deg; ++k) {
      const ArcId a{first + k};
      const std::uint32_t u = index(net.head(a));
      if (mark[u] != kAffected) continue;
      const float nd = d + weights[index(a)];
      if (nd < dist[u]) {
        dist[u] = nd;
        in_arc[u] = index(a);
        heap.push_back({nd, u});
        std::push_heap(heap.begin(), heap.end(), greater);
      }
    }
  }
  for (const std::uint32_t v : affected)
    tree.slot[v] = dist[v] < kInf ? canonical_slot(net, weights, NodeId{v}, dist[v], in_arc[v],
                                                   [&](std::uint32_t u) { return dist[u]; })
                                  : kNoRoute;
  return affected.size();
}

std::size_t repair_bounded_tree(const Network& net, const std::vector<float>& weights,
                                const std::vector<std::uint8_t>& edge_mark, BoundedTree& tree) {
  // As repair_next_hop_tree, over the tree's own nodes: its stored distances are
  // the builder's, so kept nodes need no recomputation.
  enum : std::uint8_t { kUnknown = 0, kKept = 1, kAffected = 2 };
  constexpr std::uint32_t kOut = std::numeric_limits<std::uint32_t>::max();
  const std::size_t m = tree.nodes.size();
  if (m == 0) return 0;
  thread_local std::vector<std::uint32_t> pos;  // node -> position in tree.nodes, kOut outside
  thread_local std::vector<std::uint8_t> mark;
  thread_local std::vector<std::uint32_t> chain, affected;
  thread_local std::vector<float> nd_of;        // per position: the repaired distance (affected)
  thread_local std::vector<std::uint32_t> in_arc;
  if (pos.size() != net.node_count()) pos.assign(net.node_count(), kOut);
  for (std::uint32_t i = 0; i < m; ++i) pos[tree.nodes[i]] = i;
  mark.assign(m, kUnknown);
  affected.clear();
  for (std::uint32_t i0 = 0; i0 < m; ++i0) {
    if (mark[i0] != kUnknown) continue;
    chain.clear();
    std::uint32_t i = i0;
    std::uint8_t fate = kKept;
    while (true) {
      if (mark[i] != kUnknown) {
        fate = mark[i];
        break;
      }
      const std::uint8_t s = tree.slot[i];
      if (s >= kAtRoot) {  // the root
        mark[i] = kKept;
        fate = kKept;
        break;
      }
      chain.push_back(i);
      const ArcId a{index(net.first_out(NodeId{tree.nodes[i]})) + s};
      if (edge_mark[index(net.edge(a))]) {
        fate = kAffected;
        break;
      }
      i = pos[index(net.head(a))];  // nearer the root, so in the tree
    }
    for (const std::uint32_t u : chain) {
      mark[u] = fate;
      if (fate == kAffected) affected.push_back(u);
    }
  }
  if (affected.empty()) {
    for (const std::uint32_t v : tree.nodes) pos[v] = kOut;
    return 0;
  }
  const float r = static_cast<float>(tree.radius);
  nd_of.assign(m, kInf);
  in_arc.assign(m, std::numeric_limits<std::uint32_t>::max());
  using Item = std::pair<float, std::uint32_t>;  // distance, position
  thread_local std::vector<Item> heap;
  heap.clear();
  const auto greater = std::greater<Item>();
  for (const std::uint32_t i : affected) {
    const NodeId v{tree.nodes[i]};
    const std::uint32_t first = index(net.first_out(v)), deg = net.out_degree(v);
    for (std::uint32_t k = 0; k < deg; ++k) {
      const ArcId a{first + k};
      const std::uint32_t j = pos[index(net.head(a))];
      if (j == kOut || mark[j] != kKept) continue;
      const ArcId back = net.reverse(a);
      const float nd = tree.dist[j] + weights[index(back)];
      if (nd < nd_of[i]) {
        nd_of[i] = nd;
        in_arc[i] = index(back);
      }
    }
    if (nd_of[i] < kInf) heap.push_back({nd_of[i], i});
  }
  std::make_heap(heap.begin(), heap.end(), greater);
  while (!heap.empty()) {
    std::pop_heap(heap.begin(), heap.end(), greater);
    const auto [d, i] = heap.back();
    heap.pop_back();
    if (d > nd_of[i]) continue;
    if (d > r) break;
    const NodeId v{tree.nodes[i]};
    const std::uint32_t first = index(net.first_out(v)), deg = net.out_degree(v);
    for (std::uint32_t k = 0; k < deg; ++k) {
      const ArcId a{first + k};
      const std::uint32_t j = pos[index(net.head(a))];
      if (j == kOut || mark[j] != kAffected) continue;
      const float nd = d + weights[index(a)];
      if (nd < nd_of[j]) {
        nd_of[j] = nd;
        in_arc[j] = index(a);
        heap.push_back({nd, j});
        std::push_heap(heap.begin(), heap.end(), greater);
      }
    }
  }
  // Distances under the new weights, by position; beyond the radius counts as none.
  auto dist_at = [&](std::uint32_t j) {
    if (mark[j] == kKept) return tree.dist[j];
    return nd_of[j] <= r ? nd_of[j] : kInf;  // +inf when cut off, whatever r
  };
  auto dist_of = [&](std::uint32_t u) {
    const std::uint32_t j = pos[u];
    return j == kOut ? kInf : dist_at(j);
  };
  std::vector<std::uint8_t> new_slot(m);
  for (const std::uint32_t i : affected)
    if (dist_at(i) < kInf)
      new_slot[i] = canonical_slot(net, weights, NodeId{tree.nodes[i]}, nd_of[i], in_arc[i], dist_of);
  for (const std::uint32_t v : tree.nodes) pos[v] = kOut;
  // Compact: the kept nodes and the affected still within the radius, in node order.
  std::size_t w = 0;
  for (std::uint32_t i = 0; i < m; ++i) {
    const bool keep = mark[i] == kKept || (nd_of[i] <= r && nd_of[i] < kInf);  // r may be +inf
    if (!keep) continue;
    tree.nodes[w] = tree.nodes[i];
    if (mark[i] == kAffected) {
      tree.dist[w] = nd_of[i];
      tree.slot[w] = new_slot[i];
    } else {
      tree.dist[w] = tree.dist[i];
      tree.slot[w] = tree.slot[i];
    }
    ++w;
  }
  tree.nodes.resize(w);
  tree.dist.resize(w);
  tree.slot.resize(w);
  return affected.size();
}

}  // namespace kitaku
