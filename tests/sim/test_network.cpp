#include <doctest/doctest.h>

#include "kitaku/sim/error.hpp"
#include "kitaku/sim/network.hpp"
#include "kitaku/sim/routing.hpp"
#include "kitaku/sim/spatial_index.hpp"
#include "kitaku/sim/walkable.hpp"

using namespace kitaku;

namespace {

// A 3x3 grid with 100 m spacing plus one detached edge far away:
//
//   6---7---8          10--11   (detached, 5 km east)
//   |   |   |
//   3---4---5
//   |   |   |
//   0---1---2
NetworkData grid_with_island() {
  NetworkData d;
  for (int y = 0; y < 3; ++y)
    for (int x = 0; x < 3; ++x) d.node_pos.push_back({x * 100.0, y * 100.0});
  d.node_pos.push_back({5000, 0});
  d.node_pos.push_back({5100, 0});
  auto add = [&](std::uint32_t a, std::uint32_t b) {
    const Point g[2] = {d.node_pos[a], d.node_pos[b]};
    d.add_edge(NodeId{a}, NodeId{b}, g, 2.0f, RoadClass::residential);
  };
  for (std::uint32_t y = 0; y < 3; ++y)
    for (std::uint32_t x = 0; x < 3; ++x) {
      if (x < 2) add(y * 3 + x, y * 3 + x + 1);
      if (y < 2) add(y * 3 + x, (y + 1) * 3 + x);
    }
  add(9, 10);
  d.crs_wkt = "LOCAL";
  return d;
}

}  // namespace

TEST_CASE("network CSR has two arcs per edge and consistent reverse arcs") {
  Network net(grid_with_island());
  CHECK(net.node_count() == 11);
  CHECK(net.edge_count() == 13);
  CHECK(net.arc_count() == 26);
  for (std::uint32_t a = 0; a < net.arc_count(); ++a) {
    const ArcId arc{a};
    CHECK(net.reverse(net.reverse(arc)) == arc);
    CHECK(net.head(arc) == net.tail(net.reverse(arc)));
    CHECK(net.edge(arc) == net.edge(net.reverse(arc)));
  }
  for (std::uint32_t e = 0; e < net.edge_count(); ++e) {
    const auto [fwd, bwd] = net.arcs(EdgeId{e});
    CHECK(net.forward(fwd));
    CHECK_FALSE(net.forward(bwd));
    CHECK(net.tail(fwd) == net.from(EdgeId{e}));
    CHECK(net.head(fwd) == net.to(EdgeId{e}));
    CHECK(net.reverse(fwd) == bwd);
  }
  CHECK(net.out_degree(NodeId{4}) == 4);
  CHECK(net.total_length_m() == doctest::Approx(1300));
  CHECK(boost::num_edges(net.graph()) == 26);
}

TEST_CASE("validate names the broken invariant") {
  auto d = grid_with_island();
  d.edge_width_m[3] = 0;
  CHECK_THROWS_WITH_AS(validate(d), doctest::Contains("edge 3 has a finite positive width"), InvariantError);
  d = grid_with_island();
  d.edge_carriageway_m[2] = d.edge_width_m[2] + 1;
  CHECK_THROWS_WITH_AS(validate(d), doctest::Contains("edge 2 has a carriageway between 0 and its width"), InvariantError);
  d = grid_with_island();
  d.geom_points[0].x += 1;
  CHECK_THROWS_WITH_AS(validate(d), doctest::Contains("geometry starts at its from-node"), InvariantError);
}

TEST_CASE("walkers get the sidewalks and a share of the carriageway, within [min_walkable_m, width]") {
  NetworkData d;
  for (int i = 0; i < 6; ++i) d.node_pos.push_back({100.0 * i, 0});
  const auto add = [&](int a, float width, RoadClass c, float carriageway) {
    const Point g[2] = {d.node_pos[static_cast<std::size_t>(a)], d.node_pos[static_cast<std::size_t>(a + 1)]};
    return d.add_edge(NodeId(static_cast<std::uint32_t>(a)), NodeId(static_cast<std::uint32_t>(a + 1)), g, width, c, 0,
                      {}, -1, carriageway);
  };
  const EdgeId primary = add(0, 23.5f, RoadClass::primary, 16.5f);       // 7 m of sidewalks
  const EdgeId back = add(1, 4.5f, RoadClass::residential, 4.5f);        // no sidewalk
  const EdgeId footway = add(2, 2.0f, RoadClass::footway, 0.0f);
  const EdgeId bare = add(3, 10.0f, RoadClass::secondary, 10.0f);        // a main road without sidewalks
  const EdgeId alley = add(4, 0.5f, RoadClass::footway, 0.0f);           // narrower than min_walkable_m
  const Network net(d);
  MovementParams m;  // defaults: 0.2 of a main road's carriageway, all of a back street's, at least 1 m
  CHECK(net.sidewalks(primary) == doctest::Approx(7.0));
  CHECK(walkable_width(net, primary, m) == doctest::Approx(7.0 + 0.2 * 16.5));
  CHECK(walkable_width(net, back, m) == doctest::Approx(4.5));
  CHECK(walkable_width(net, footway, m) == doctest::Approx(2.0));
  CHECK(walkable_width(net, bare, m) == doctest::Approx(2.0));
  CHECK(walkable_width(net, alley, m) == doctest::Approx(0.5));  // never wider than the way itself
  m.carriageway_share = 0;
  m.back_street_carriageway_share = 0.5;
  CHECK(walkable_width(net, primary, m) == doctest::Approx(7.0));
  CHECK(walkable_width(net, back, m) == doctest::Approx(2.25));
  CHECK(walkable_width(net, bare, m) == doctest::Approx(1.0));  // min_walkable_m: between the stopped cars
  m.carriageway_share = 1;
  CHECK(walkable_width(net, primary, m) == doctest::Approx(23.5));
}

TEST_CASE("keep_largest_component drops the island and reports it") {
  auto d = grid_with_island();
  const auto r = keep_largest_component(d);
  CHECK(r.components == 2);
  CHECK(r.kept_nodes == 9);
  CHECK(r.dropped_nodes == 2);
  CHECK(r.dropped_edges == 1);
  CHECK(r.dropped_length_m == doctest::Approx(100));
  Network net(std::move(d));
  CHECK(net.edge_count() == 12);
}

TEST_CASE("Dijkstra distances on the grid are Manhattan distances") {
  Network net(grid_with_island());
  const auto dist = shortest_distances(net, NodeId{0});
  CHECK(dist[8] == doctest::Approx(400));
  CHECK(dist[4] == doctest::Approx(200));
  CHECK(std::isinf(dist[10]));
}

TEST_CASE("spatial index snaps to nearest node and edge") {
  Network net(grid_with_island());
  SpatialIndex idx(net, 30);
  const auto n = idx.nearest_node({110, 190});
  CHECK(n.node == NodeId{7});
  CHECK(n.dist == doctest::Approx(std::hypot(10, 10)));
  const auto e = idx.nearest_edge({150, 103});
  CHECK(e.dist == doctest::Approx(3));
  CHECK(net.from(e.edge) == NodeId{4});
  CHECK(net.to(e.edge) == NodeId{5});
  CHECK(e.offset_m == doctest::Approx(50));
  // Far outside the grid's extent still finds the nearest.
  CHECK(idx.nearest_node({-1000, -1000}).node == NodeId{0});
  CHECK(idx.nodes_within({100, 100}, 100.5).size() == 5);
  // Distance between snapped points: along edge (4,5) then up to 8 and left to 7.
  const auto b = idx.nearest_edge({150, 200});
  CHECK(shortest_distance(net, e, b) == doctest::Approx(200));
  CHECK(shortest_distance(net, e, e) == doctest::Approx(0));
}
