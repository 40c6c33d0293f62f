#include "kitaku/ui/areas.hpp"

#include <algorithm>
#include <array>
#include <cmath>

namespace kitaku::ui {

AreaGrid AreaGrid::for_network(const Network& net) {
  BBox b;
  for (std::size_t n = 0; n < net.node_count(); ++n) b.extend(net.pos(NodeId{static_cast<std::uint32_t>(n)}));
  AreaGrid g;
  if (b.empty()) return g;
  const double extent = std::max(b.max_x - b.min_x, b.max_y - b.min_y);
  constexpr std::array<double, 7> kSizes{250, 500, 1000, 2000, 2500, 5000, 10000};
  g.cell_m = kSizes.back();
  for (const double s : kSizes)
    if (extent / s <= 26) {
      g.cell_m = s;
      break;
    }
  g.nx = std::clamp(static_cast<int>(std::ceil((b.max_x - b.min_x) / g.cell_m + 1e-9)), 1, 26);
  g.ny = std::clamp(static_cast<int>(std::ceil((b.max_y - b.min_y) / g.cell_m + 1e-9)), 1, 26);
  // Centre the grid on the network.
  g.x0 = (b.min_x + b.max_x) / 2 - g.nx * g.cell_m / 2;
  g.y0 = (b.min_y + b.max_y) / 2 - g.ny * g.cell_m / 2;
  return g;
}

int AreaGrid::cell_of(double x, double y) const {
  const int cx = std::clamp(static_cast<int>(std::floor((x - x0) / cell_m)), 0, nx - 1);
  const int cy = std::clamp(static_cast<int>(std::floor((y - y0) / cell_m)), 0, ny - 1);
  return cy * nx + cx;
}

Point AreaGrid::centre(int cell) const {
  return {x0 + (cell % nx + 0.5) * cell_m, y0 + (cell / nx + 0.5) * cell_m};
}

BBox AreaGrid::bounds(int cell) const {
  BBox b;
  b.extend({x0 + (cell % nx) * cell_m, y0 + (cell / nx) * cell_m});
  b.extend({x0 + (cell % nx + 1) * cell_m, y0 + (cell / nx + 1) * cell_m});
  return b;
}

std::string AreaGrid::label(int cell) const {
  const int col = cell % nx, row_from_north = ny - 1 - cell / nx;
  return std::string(1, static_cast<char>('A' + col)) + std::to_string(row_from_north + 1);
}

}  // namespace kitaku::ui
