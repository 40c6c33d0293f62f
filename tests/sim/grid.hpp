#pragma once
// A square street grid for the sim tests: n x n nodes `spacing` metres apart,
// joined to their right and upper neighbours by edges of `width` metres.
// `jitter` (optional) moves each node, so that routes differ in length.
#include <functional>
#include <utility>

#include "kitaku/sim/network.hpp"

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

}  // namespace kitaku::test
