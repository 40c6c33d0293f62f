// Shared shortest-path trees: following a tree from any node walks a shortest
// path to its root (checked against Boost.Graph's Dijkstra), closed edges are
// avoided, and a bounded tree agrees with the full one inside its radius.
#include <doctest/doctest.h>

#include <algorithm>
#include <cmath>
#include <limits>

#include "kitaku/sim/route_trees.hpp"
#include "kitaku/sim/routing.hpp"
#include "grid.hpp"
#include "test_util.hpp"

using namespace kitaku;

namespace {

// An n x n grid, 100 m blocks, with jittered node positions so that paths differ in length.
Network jittered_grid(int n) {
  std::mt19937 rng(test::test_seed());
  std::uniform_real_distribution<double> j(-20, 20);
  return Network(test::grid_network(n, 100.0, 3.0f, [&](Point p) { return Point{p.x + j(rng), p.y + j(rng)}; }));
}

std::vector<float> lengths(const Network& net, const std::vector<std::uint8_t>& closed = {}) {
  std::vector<float> w(net.arc_count());
  for (std::uint32_t a = 0; a < w.size(); ++a) {
    const EdgeId e = net.edge(ArcId{a});
    w[a] = (!closed.empty() && closed[index(e)]) ? std::numeric_limits<float>::infinity() : net.length(e);
  }
  return w;
}

// Walks the tree from `from`; returns the length walked, or -1 if it never arrives.
template <class Tree>
double walk(const Network& net, const Tree& tree, NodeId from, NodeId root) {
  double len = 0;
  NodeId at = from;
  for (std::size_t hops = 0; at != root; ++hops) {
    if (hops > net.node_count()) return -1;
    const ArcId a = tree.next_arc(net, at);
    if (!valid(a)) return -1;
    len += net.length(a);
    at = net.head(a);
  }
  return len;
}

}  // namespace

TEST_CASE("a next-hop tree leads every node along a shortest path to its root") {
  const Network net = jittered_grid(12);
  const NodeId root{37};
  NextHopTree tree;
  build_next_hop_tree(net, lengths(net), root, tree);
  const auto dist = shortest_distances(net, root);
  CHECK(tree.slot[index(root)] == kAtRoot);
  for (std::uint32_t v = 0; v < net.node_count(); ++v)
    CHECK(walk(net, tree, NodeId{v}, root) == doctest::Approx(dist[v]).epsilon(1e-5));
}

TEST_CASE("closed edges are never used, and nodes cut off have no route") {
  const Network net = jittered_grid(6);
  std::vector<std::uint8_t> closed(net.edge_count(), 0);
  // Cut node 0 (a corner) off completely, and close one more edge elsewhere.
  for (std::uint32_t e = 0; e < net.edge_count(); ++e)
    if (net.from(EdgeId{e}) == NodeId{0} || net.to(EdgeId{e}) == NodeId{0}) closed[e] = 1;
  closed[20] = 1;
  NextHopTree tree;
  const NodeId root{35};
  build_next_hop_tree(net, lengths(net, closed), root, tree);
  CHECK(tree.slot[0] == kNoRoute);
  for (std::uint32_t v = 1; v < net.node_count(); ++v) {
    NodeId at{v};
    while (at != root) {
      const ArcId a = tree.next_arc(net, at);
      REQUIRE(valid(a));
      CHECK_FALSE(closed[index(net.edge(a))]);
      at = net.head(a);
    }
  }
}

TEST_CASE("a bounded tree holds exactly the nodes within its radius, with the full tree's distances") {
  const Network net = jittered_grid(15);
  const NodeId root{112};
  const auto w = lengths(net);
  const auto dist = shortest_distances(net, root);
  BoundedTree bt;
  build_bounded_tree(net, w, root, 450.0, bt);
  std::size_t inside = 0;
  for (std::uint32_t v = 0; v < net.node_count(); ++v) {
    const bool in = dist[v] <= 450.0;
    inside += in;
    const auto i = bt.find(NodeId{v});
    CHECK((i >= 0) == in);
    if (i >= 0) {
      CHECK(bt.dist[static_cast<std::size_t>(i)] == doctest::Approx(dist[v]).epsilon(1e-5));
      CHECK(walk(net, bt, NodeId{v}, root) == doctest::Approx(dist[v]).epsilon(1e-5));
    }
  }
  CHECK(bt.nodes.size() == inside);
  CHECK(inside > 10);
  CHECK(inside < net.node_count());
  // Rebuilding with a larger radius (per-thread scratch reused) covers more.
  build_bounded_tree(net, w, root, 900.0, bt);
  CHECK(bt.nodes.size() > inside);
}

// The builders run their own Dijkstra (a radix heap over Boost.Graph's CSR view);
// Boost's dijkstra_shortest_paths_no_color_map is the reference. Next hops are
// canonical, so the trees must agree slot for slot, ties (the plain grid is full of
// equal-length paths) and closures (cut-off nodes) included.
TEST_CASE("the radix-heap tree builder gives exactly the tree Boost's Dijkstra gives") {
  std::mt19937 rng(test::test_seed());
  for (const bool jitter : {false, true}) {
    CAPTURE(jitter);
    const Network net = jitter ? jittered_grid(17) : Network(test::grid_network(19, 100.0, 3.0f));
    for (int trial = 0; trial < 20; ++trial) {
      CAPTURE(trial);
      std::vector<std::uint8_t> closed(net.edge_count(), 0);
      for (int k = 0; k < trial * 3; ++k) closed[rng() % net.edge_count()] = 1;
      const auto w = lengths(net, closed);
      const NodeId root{static_cast<std::uint32_t>(rng() % net.node_count())};
      NextHopTree fast, ref;
      build_next_hop_tree(net, w, root, fast);
      build_next_hop_tree_boost(net, w, root, ref);
      CHECK(fast.root == ref.root);
      CHECK(fast.slot == ref.slot);
      // A bounded tree with an infinite radius holds the same next hops, node by node.
      BoundedTree all;
      build_bounded_tree(net, w, root, std::numeric_limits<double>::infinity(), all);
      std::size_t reached = 0;
      for (const auto s : ref.slot) reached += s != kNoRoute;
      CHECK(all.nodes.size() == reached);
      for (std::size_t i = 0; i < all.nodes.size(); ++i) CHECK(all.slot[i] == ref.slot[all.nodes[i]]);
    }
  }
}

// Facility trees sort their nodes for find() with a radix sort that takes two
// passes above 2,048 nodes: nodes in order, none missing.
TEST_CASE("a bounded tree on a network of thousands of nodes lists its nodes in order") {
  const Network net(test::grid_network(70, 100.0, 3.0f));  // 4,900 nodes
  REQUIRE(net.node_count() > 4096);
  const auto w = lengths(net);
  for (const std::uint32_t r : {0u, 2450u, 4899u}) {
    const NodeId root{r};
    const auto dist = shortest_distances(net, root);
    for (const double radius : {250.0, 800.0, 3000.0}) {
      BoundedTree bt;
      build_bounded_tree(net, w, root, radius, bt);
      CHECK(std::is_sorted(bt.nodes.begin(), bt.nodes.end()));
      CHECK(std::adjacent_find(bt.nodes.begin(), bt.nodes.end()) == bt.nodes.end());
      std::size_t inside = 0;
      for (std::uint32_t v = 0; v < net.node_count(); ++v) {
        const bool in = dist[v] <= radius;
        inside += in;
        CHECK((bt.find(NodeId{v}) >= 0) == in);
      }
      CHECK(bt.nodes.size() == inside);
    }
  }
}

// The simulation rebuilds, after closures, only the trees that use a closed edge
// (tree_uses_any); that is exact only if a tree that does not use them comes out
// the same from a fresh build. An unjittered grid is full of equal-length paths,
// where a search's own tie-breaking would differ once an unused arc is gone.
TEST_CASE("closing edges a tree does not use leaves it exactly as a fresh build; closing one it uses is seen") {
  for (const bool jitter : {false, true}) {
    CAPTURE(jitter);
    const Network net = jitter ? jittered_grid(14) : Network(test::grid_network(20, 100.0, 3.0f));
    std::mt19937 rng(test::test_seed());
    const NodeId root{static_cast<std::uint32_t>(rng() % net.node_count())};
    NextHopTree full;
    build_next_hop_tree(net, lengths(net), root, full);
    BoundedTree bounded;
    build_bounded_tree(net, lengths(net), root, 650.0, bounded);
    int unused_trials = 0, used_trials = 0;
    for (int trial = 0; trial < 100; ++trial) {
      std::vector<std::uint8_t> closed(net.edge_count(), 0);
      for (int k = 0; k <= trial % 2; ++k) closed[rng() % net.edge_count()] = 1;
      const auto w = lengths(net, closed);
      NextHopTree full2;
      build_next_hop_tree(net, w, root, full2);
      BoundedTree bounded2;
      build_bounded_tree(net, w, root, 650.0, bounded2);
      if (!tree_uses_any(net, full, closed)) {
        ++unused_trials;
        CHECK(full2.slot == full.slot);
      } else {
        ++used_trials;
        CHECK(full2.slot != full.slot);  // a used edge closed: some node's next hop must change
      }
      if (!tree_uses_any(net, bounded, closed)) {
        CHECK(bounded2.nodes == bounded.nodes);
        CHECK(bounded2.slot == bounded.slot);
        CHECK(bounded2.dist == bounded.dist);
      }
    }
    // Both branches were exercised (a full tree uses n-1 of its ~2n edges).
    CHECK(unused_trials > 0);
    CHECK(used_trials > 0);
  }
}

TEST_CASE("repairing a tree after closures gives exactly the tree a fresh build gives") {
  // Grids full of equal-length paths (plain) and of distinct ones (jittered), a few
  // to many closures at a time, repairs applied one after another as a run does,
  // including closures that cut nodes off (a grid corner loses both its edges).
  for (const bool jitter : {false, true}) {
    CAPTURE(jitter);
    const Network net = jitter ? jittered_grid(16) : Network(test::grid_network(18, 100.0, 3.0f));
    std::mt19937 rng(test::test_seed() + (jitter ? 1 : 0));
    for (int root_trial = 0; root_trial < 4; ++root_trial) {
      const NodeId root{static_cast<std::uint32_t>(rng() % net.node_count())};
      std::vector<std::uint8_t> closed(net.edge_count(), 0);
      NextHopTree tree;
      build_next_hop_tree(net, lengths(net), root, tree);
      // Radii from a few blocks to the whole grid (a guided walker's facility tree).
      const double radius = root_trial == 3 ? std::numeric_limits<double>::infinity() : 300.0 + 250.0 * root_trial;
      BoundedTree bounded;
      build_bounded_tree(net, lengths(net), root, radius, bounded);
      std::size_t searched = 0, untouched = 0, bounded_searched = 0, left = 0;
      for (int batch = 0; batch < 12; ++batch) {
        std::vector<std::uint8_t> fresh(net.edge_count(), 0);
        const int k = 1 + static_cast<int>(rng() % (batch % 3 == 0 ? 25 : 3));
        for (int i = 0; i < k; ++i) {
          const auto e = rng() % net.edge_count();
          if (!closed[e]) closed[e] = fresh[e] = 1;
        }
        if (batch == 5) {  // cut off node 0 (a corner: two edges)
          for (std::uint32_t a = index(net.first_out(NodeId{0})); a < index(net.first_out(NodeId{0})) + net.out_degree(NodeId{0}); ++a) {
            const auto e = index(net.edge(ArcId{a}));
            if (!closed[e]) closed[e] = fresh[e] = 1;
          }
        }
        const auto w = lengths(net, closed);
        const bool used = tree_uses_any(net, tree, fresh);
        const bool tree_uses_any_before = tree_uses_any(net, bounded, fresh);
        const std::size_t n = repair_next_hop_tree(net, w, fresh, tree);
        CHECK((n > 0) == used);
        (n > 0 ? searched : untouched) += n > 0 ? n : 1;
        NextHopTree expect;
        build_next_hop_tree(net, w, root, expect);
        REQUIRE(tree.slot == expect.slot);

        const std::size_t before = bounded.nodes.size();
        const std::size_t nb = repair_bounded_tree(net, w, fresh, bounded);
        CHECK((nb > 0) == tree_uses_any_before);
        bounded_searched += nb;
        BoundedTree bexpect;
        build_bounded_tree(net, w, root, radius, bexpect);
        REQUIRE(bounded.nodes == bexpect.nodes);
        REQUIRE(bounded.dist == bexpect.dist);
        REQUIRE(bounded.slot == bexpect.slot);
        CHECK(bounded.root == bexpect.root);
        left += before - bounded.nodes.size();
      }
      CHECK(bounded_searched > 0);
      MESSAGE("bounded tree of " << radius << " m: " << bounded_searched << " node searches in repairs, " << left
                                 << " nodes pushed beyond the radius");
      if (index(root) != 0) CHECK(tree.slot[0] == kNoRoute);
      MESSAGE("root " << index(root) << ": " << searched << " node searches in repairs, " << untouched
                      << " batches that left the tree as it was, of " << net.node_count() << " nodes");
      CHECK(searched > 0);
    }
  }
}
