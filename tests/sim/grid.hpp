#pragma once
// A square street grid for the sim tests: n x n nodes `spacing` metres apart,
// joined to their right and upper neighbours by edges of `width` metres.
// `jitter` (optional) moves each node, so that routes differ in length.
#include <functional>
#include <utility>

#include "kitaku/sim/city.hpp"
#include "kitaku/sim/network.hpp"
#include "kitaku/sim/scenario.hpp"

namespace kitaku::test {

inline NetworkData grid_network(int n, double spacing, float width,
                                const std::function<Point(Point)>& jitter = {}) {
  NetworkData d;
  for (int y = 0; y < n; ++y)
    for (int x = 0; x < n; ++x) {
      const Point p{x * spacing, y * spacing};
      d.node_pos.push_back(jitter ? jitter(p) : p);
    }
  auto add = [&](int a, int b) {
    const Point g[2] = {d.node_pos[static_cast<std::size_t>(a)], d.node_pos[static_cast<std::size_t>(b)]};
    d.add_edge(NodeId(static_cast<std::uint32_t>(a)), NodeId(static_cast<std::uint32_t>(b)), g, width,
               RoadClass::residential);
  };
  for (int y = 0; y < n; ++y)
    for (int x = 0; x < n; ++x) {
      if (x + 1 < n) add(y * n + x, y * n + x + 1);
      if (y + 1 < n) add(y * n + x, (y + 1) * n + x);
    }
  d.crs_wkt = "LOCAL";
  return d;
}

/// What stands on the 9 x 9 grid (100 m blocks, 4 m streets): one zone; two
/// facilities (Japanese names) that open 10-30 min after the quake; everyone's home 0-30+ km away.
inline City grid_test_city(double m = 800) {
  City city;
  Zone z;
  z.id = "all";
  z.rings = {{{0, 0}, {m, 0}, {m, m}, {0, m}, {0, 0}}};
  z.centroid = {m / 2, m / 2};
  z.day_population = 20000;
  z.night_population = 5000;
  z.home_share = {0.3, 0.2, 0.1, 0.1, 0.2, 0.1};
  city.zones.push_back(z);
  Facility f1, f2;
  f1.name = "北の施設";
  f1.area = "北区";
  f1.pos = {200, 600};
  f1.capacity = 600;
  f2.name = "南の施設";
  f2.area = "南区";
  f2.pos = {600, 200};
  f2.capacity = 400;
  city.facilities = {f1, f2};
  Station s;
  s.name = "Central";
  s.pos = {400, 400};
  s.daily_riders = 100000;
  city.stations.push_back(s);
  return city;
}

inline Scenario grid_test_scenario() {
  Scenario sc;
  sc.name = "grid";
  sc.origin = "<test>";
  sc.population.agents = 4000;
  sc.run.step_s = 5;
  sc.run.duration_h = 3;
  sc.run.output_interval_s = 300;
  sc.routing.home_cell_m = 250;
  sc.facilities.opening_delay_min_min = 10;
  sc.facilities.opening_delay_max_min = 30;
  sc.behaviour.retention_share = 0.3;
  sc.behaviour.facility_search_m = 2000;
  return sc;
}

}  // namespace kitaku::test
