#pragma once
// Shared shortest-path trees (docs/model.md, "Routing"). Walkers do not run
// their own Dijkstra: everyone heading for the same destination follows one
// tree rooted there, built with a Dijkstra search (radix heap) over Boost.Graph's
// CSR graph from the destination (arcs come in equal-length pairs, so distances
// from the root are distances to it). A tree stores, per node, which out-arc leads
// towards the root.
#include <cstdint>
#include <vector>

#include "kitaku/sim/network.hpp"

namespace kitaku {

inline constexpr std::uint8_t kNoRoute = 255;  // the root is unreachable from here
inline constexpr std::uint8_t kAtRoot = 254;

/// Trees take arc weights (one per ArcId): lengths scaled by road class and
/// perturbation, +inf for a closed edge (Simulation builds them).

/// A tree over the whole network: one byte per node.
struct NextHopTree {
  NodeId root = invalid_id<NodeId>();
  std::vector<std::uint8_t> slot;  // per node: out-arc index (first_out + slot), kNoRoute or kAtRoot
  ArcId next_arc(const Network& net, NodeId n) const;  // invalid when kNoRoute/kAtRoot
};
void build_next_hop_tree(const Network& net, const std::vector<float>& weights, NodeId root,
                         NextHopTree& out);
/// The same tree built with boost::dijkstra_shortest_paths_no_color_map (its 4-ary
/// heap) instead of the radix-heap search above: the reference the tests hold the
/// builders to, and the baseline of bench/bench_routes.
void build_next_hop_tree_boost(const Network& net, const std::vector<float>& weights, NodeId root,
                               NextHopTree& out);

/// A tree over the nodes within `radius` metres (network distance) of its root,
/// stored sparsely (sorted by node id). Used for facilities, whose users come from nearby.
struct BoundedTree {
  NodeId root = invalid_id<NodeId>();
  double radius = 0;
  std::vector<std::uint32_t> nodes;  // sorted
  std::vector<float> dist;           // metres to the root
  std::vector<std::uint8_t> slot;
  /// Position of n in `nodes`, or -1 when n is outside the tree.
  std::int64_t find(NodeId n) const;
  ArcId next_arc(const Network& net, NodeId n) const;  // invalid at the root / outside
};
void build_bounded_tree(const Network& net, const std::vector<float>& weights, NodeId root, double radius,
                        BoundedTree& out);

/// Whether any node's next hop in the tree runs along an edge marked non-zero in
/// `edge_mark` (one entry per EdgeId). Trees pick each node's next hop canonically
/// (the lowest out-arc on a shortest path), so closing only edges a tree does not
/// use leaves it exactly as a fresh build would: only the trees this returns true
/// for need rebuilding.
bool tree_uses_any(const Network& net, const NextHopTree& tree, const std::vector<std::uint8_t>& edge_mark);

/// Repairs `tree` after the edges marked in `edge_mark` closed (`weights` are the
/// new ones: +inf on the closed edges, the rest as when the tree was built). Only
/// the nodes whose route ran along a closed edge are searched again, from the
/// distances of the others (which no closure can change, read back from the tree);
/// the result is exactly what build_next_hop_tree() under `weights` gives, next
/// hops being canonical. Returns the number of nodes searched again (0: the tree
/// used no marked edge and is unchanged). Not for reopenings, which can shorten
/// any route: rebuild then.
std::size_t repair_next_hop_tree(const Network& net, const std::vector<float>& weights,
                                 const std::vector<std::uint8_t>& edge_mark, NextHopTree& tree);
/// The same for a bounded tree: the result is exactly build_bounded_tree() under
/// `weights` with the tree's root and radius (nodes pushed beyond the radius leave it;
/// none can join, since closing only lengthens routes).
std::size_t repair_bounded_tree(const Network& net, const std::vector<float>& weights,
                                const std::vector<std::uint8_t>& edge_mark, BoundedTree& tree);
bool tree_uses_any(const Network& net, const BoundedTree& tree, const std::vector<std::uint8_t>& edge_mark);

}  // namespace kitaku
