#pragma once
// A uniform grid over the plane and an index from its cells to items (ids such
// as nodes, edges, segments or facilities), stored as a compressed sparse row
// (CSR): items(cell) is items[first[cell], first[cell+1]). The one grid behind
// SpatialIndex, the map's EdgeGrid and the simulation's facility and area
// searches; each keeps its own cell layout and says which cells an item covers.
// Immutable after build, so queries may run concurrently from many threads.
#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <span>
#include <stdexcept>
#include <vector>

#include "kitaku/sim/geometry.hpp"

namespace kitaku {

/// nx columns by ny rows of square cells `cell` metres wide, the lower-left
/// corner of cell (0, 0) at (x0, y0); cell (col, row) is number row * nx + col.
/// Points outside the grid belong to the nearest border cell (col() and row()
/// clamp). A plain struct: fill it in to keep an exact layout, or take covering().
/// Needs cell > 0, nx >= 1 and ny >= 1.
struct GridGeometry {
  double x0 = 0, y0 = 0;
  double cell = 1;
  std::uint32_t nx = 1, ny = 1;

  /// Inclusive cell ranges: columns c0..c1, rows r0..r1.
  struct CellRange {
    std::uint32_t c0, r0, c1, r1;
    bool empty() const noexcept { return c0 > c1 || r0 > r1; }
  };

  /// The grid from `box`'s lower-left corner with cells of `cell` metres and
  /// ceil(width / cell) x ceil(height / cell) of them (at least one each way).
  /// Where that is more than max_per_axis one way, the cells grow instead (to
  /// width / max_per_axis). An empty box gives one cell at the origin.
  static GridGeometry covering(const BBox& box, double cell, std::uint32_t max_per_axis = 4096) noexcept {
    GridGeometry g;
    if (box.empty()) return g;
    const std::uint32_t m = std::max<std::uint32_t>(max_per_axis, 1);
    const double w = box.max_x - box.min_x, h = box.max_y - box.min_y;
    g.x0 = box.min_x;
    g.y0 = box.min_y;
    g.cell = std::max({cell, w / m, h / m});
    // ceil(extent / cell) in [1, m], overflow-safe like col().
    g.nx = clamp_index(std::ceil(w / g.cell) - 1, m) + 1;
    g.ny = clamp_index(std::ceil(h / g.cell) - 1, m) + 1;
    return g;
  }

  std::size_t cells() const noexcept { return std::size_t{nx} * ny; }
  /// floor((x - x0) / cell) clamped to [0, nx); likewise row() in [0, ny).
  std::uint32_t col(double x) const noexcept { return clamp_index((x - x0) / cell, nx); }
  std::uint32_t row(double y) const noexcept { return clamp_index((y - y0) / cell, ny); }
  std::size_t cell_of(Point p) const noexcept { return std::size_t{row(p.y)} * nx + col(p.x); }
  /// The cells `box` meets, clamped to the grid: a box wholly outside gives the
  /// border cells nearest it; an empty one (min > max, or NaN) gives none.
  CellRange range(const BBox& box) const noexcept {
    if (!(box.min_x <= box.max_x && box.min_y <= box.max_y)) return {1, 1, 0, 0};
    return {col(box.min_x), row(box.min_y), col(box.max_x), row(box.max_y)};
  }
  /// Calls f(cell) for each cell of range(box), row by row (also the way to emit
  /// every cell an item's bounding box meets to GridIndex::build).
  template <class F>
  void for_each_cell(const BBox& box, F&& f) const {
    const CellRange r = range(box);
    if (r.empty()) return;
    for (std::uint32_t y = r.r0; y <= r.r1; ++y)
      for (std::uint32_t x = r.c0; x <= r.c1; ++x) f(std::size_t{y} * nx + x);
  }

  /// floor(v) clamped to [0, n), taken in double before converting, so that huge,
  /// infinite and negative v cannot overflow; NaN gives 0.
  static std::uint32_t clamp_index(double v, std::uint32_t n) noexcept {
    const double f = std::floor(v);
    if (!(f > 0)) return 0;
    return f >= n ? n - 1 : static_cast<std::uint32_t>(f);
  }
};

/// Cells of a GridGeometry to the ids of the items in them.
///
///   auto grid = GridIndex::build(geometry, n, [&](std::uint32_t i, auto&& emit) {
///     emit(geometry.cell_of(pos[i]));  // once for every cell item i occupies
///   });
///
/// build() calls the cover function twice for each i = 0..n-1 in order (once to
/// count, once to fill), so it must emit the same cells both times; an item that
/// emits a cell more than once is stored there once. Within a cell, items are in
/// increasing id order.
class GridIndex {
 public:
  GridIndex() = default;  // one cell, no items

  /// Throws std::length_error when n or the number of (cell, item) entries does
  /// not fit in 32 bits. Every emitted cell must be < geometry.cells().
  template <class Cover>
  static GridIndex build(const GridGeometry& geometry, std::size_t n, Cover&& cover) {
    constexpr std::uint32_t kMax = UINT32_MAX;
    if (n >= kMax) throw std::length_error("GridIndex: too many items");
    GridIndex g;
    g.geometry_ = geometry;
    const std::size_t cells = geometry.cells();
    g.first_.assign(cells + 1, 0);
    // Counting, `at` holds the last item counted in each cell; filling, the next free slot.
    std::vector<std::uint32_t> at(cells, kMax);
    for (std::uint32_t i = 0; i < n; ++i)
      cover(i, [&](std::size_t c) {
        if (at[c] != i) ++g.first_[c + 1];
        at[c] = i;
      });
    std::uint64_t total = 0;
    for (std::size_t c = 0; c < cells; ++c) {
      at[c] = static_cast<std::uint32_t>(total);
      total += g.first_[c + 1];
      if (total >= kMax) throw std::length_error("GridIndex: too many entries");
      g.first_[c + 1] = static_cast<std::uint32_t>(total);
    }
    g.items_.resize(total);
    for (std::uint32_t i = 0; i < n; ++i)
      cover(i, [&](std::size_t c) {
        if (at[c] == g.first_[c] || g.items_[at[c] - 1] != i) g.items_[at[c]++] = i;
      });
    return g;
  }

  const GridGeometry& geometry() const noexcept { return geometry_; }
  /// True when no cell holds anything.
  bool empty() const noexcept { return items_.empty(); }
  /// The items in `cell` (< geometry().cells()), in increasing id order.
  std::span<const std::uint32_t> items(std::size_t cell) const noexcept {
    return {items_.data() + first_[cell], items_.data() + first_[cell + 1]};
  }
  /// Calls f(cell) for each cell of geometry().range(box), row by row.
  template <class F>
  void for_each_cell(const BBox& box, F&& f) const {
    geometry_.for_each_cell(box, f);
  }
  /// Calls f(item) for each item in the cells `box` meets, cell by cell as
  /// for_each_cell(): an item in several of them is visited once per cell, and
  /// one in a cell the box meets need not itself meet the box.
  template <class F>
  void for_each_item(const BBox& box, F&& f) const {
    for_each_cell(box, [&](std::size_t c) {
      for (const std::uint32_t i : items(c)) f(i);
    });
  }
  /// Heap bytes held (the offsets and the items).
  std::size_t memory_bytes() const noexcept {
    return (first_.capacity() + items_.capacity()) * sizeof(std::uint32_t);
  }

 private:
  GridGeometry geometry_;
  std::vector<std::uint32_t> first_{0, 0};  // cells + 1 offsets into items_
  std::vector<std::uint32_t> items_;
};

}  // namespace kitaku
