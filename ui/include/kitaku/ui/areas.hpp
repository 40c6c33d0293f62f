#pragma once
// Operational areas: a square grid over the network, labelled like a map atlas
// ("C7": column letter, row number from the north). The allocation panel counts
// unsheltered stranded people per area; the map outlines the selected one.
#include <cstdint>
#include <string>

#include "kitaku/sim/geometry.hpp"
#include "kitaku/sim/network.hpp"

namespace kitaku::ui {

struct AreaGrid {
  double x0 = 0, y0 = 0;  // south-west corner
  double cell_m = 1000;
  int nx = 1, ny = 1;

  /// At most 26 columns and rows; cells of 250 m, 500 m, 1, 2, 2.5, 5 or 10 km.
  static AreaGrid for_network(const Network& net);
  int count() const { return nx * ny; }
  /// The cell holding p (clamped to the grid).
  int cell_of(double x, double y) const;
  Point centre(int cell) const;
  BBox bounds(int cell) const;
  /// "C7": column A.. from the west, row 1.. from the north.
  std::string label(int cell) const;
};

}  // namespace kitaku::ui
