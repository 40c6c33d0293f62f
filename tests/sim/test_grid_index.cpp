#include <doctest/doctest.h>

#include <cstdint>
#include <limits>
#include <vector>

#include "kitaku/sim/grid_index.hpp"

using namespace kitaku;

namespace {

// 4 columns x 3 rows of 10 m cells from (100, 200).
constexpr GridGeometry kGeom{100, 200, 10, 4, 3};

std::vector<std::uint32_t> to_vector(std::span<const std::uint32_t> s) { return {s.begin(), s.end()}; }

std::vector<std::size_t> cells_in(const GridGeometry& g, const BBox& box) {
  std::vector<std::size_t> out;
  g.for_each_cell(box, [&](std::size_t c) { out.push_back(c); });
  return out;
}

}  // namespace

TEST_CASE("grid geometry: floor of the offset, clamped to the grid") {
  const GridGeometry& g = kGeom;
  CHECK(g.cells() == 12);
  CHECK(g.col(100) == 0);
  CHECK(g.col(109.999) == 0);
  CHECK(g.col(110) == 1);
  CHECK(g.col(139.5) == 3);
  CHECK(g.col(140) == 3);  // the far edge belongs to the last column
  CHECK(g.col(99.5) == 0);  // just outside: floor gives -1, clamped
  CHECK(g.row(200) == 0);
  CHECK(g.row(225) == 2);
  CHECK(g.row(1e3) == 2);
  CHECK(g.cell_of({125, 215}) == 1 * 4 + 2);
  CHECK(g.cell_of({0, 0}) == 0);
  CHECK(g.cell_of({1e4, 1e4}) == 11);
}

TEST_CASE("grid geometry: far-away, huge and non-finite values clamp without overflow") {
  const GridGeometry& g = kGeom;
  const double inf = std::numeric_limits<double>::infinity();
  for (const double v : {1e12, 1e300, std::numeric_limits<double>::max(), inf, 4294967296.0 * 10 + 150}) {
    CHECK(g.col(v) == 3);
    CHECK(g.row(v) == 2);
    CHECK(g.col(-v) == 0);
    CHECK(g.row(-v) == 0);
  }
  CHECK(g.col(std::numeric_limits<double>::quiet_NaN()) == 0);
  // A full 32-bit axis: values beyond it stay on its last cell.
  const GridGeometry wide{0, 0, 1, UINT32_MAX, 1};
  CHECK(wide.col(1e15) == UINT32_MAX - 1);
  CHECK(wide.col(4294967294.5) == UINT32_MAX - 1);
  CHECK(wide.col(4294967293.5) == UINT32_MAX - 2);
  CHECK(wide.cells() == std::size_t{UINT32_MAX});
}

TEST_CASE("grid geometry: cell ranges of boxes, inclusive and clamped") {
  const GridGeometry& g = kGeom;
  const auto r = g.range({105, 205, 125, 215});
  CHECK(r.c0 == 0);
  CHECK(r.c1 == 2);
  CHECK(r.r0 == 0);
  CHECK(r.r1 == 1);
  CHECK(cells_in(g, {105, 205, 125, 215}) == std::vector<std::size_t>{0, 1, 2, 4, 5, 6});
  CHECK(cells_in(g, {-1e9, -1e9, 1e9, 1e9}).size() == 12);
  CHECK(cells_in(g, {120, 210, 120, 210}) == std::vector<std::size_t>{6});  // a point: its cell
  CHECK(cells_in(g, {500, 500, 600, 600}) == std::vector<std::size_t>{11});  // wholly outside: nearest border cell
  CHECK(g.range(BBox{}).empty());
  CHECK(cells_in(g, BBox{}).empty());
  CHECK(cells_in(g, {130, 210, 120, 220}).empty());  // min > max
  CHECK(cells_in(g, {120, 220, 130, 210}).empty());
  const double nan = std::numeric_limits<double>::quiet_NaN();
  CHECK(cells_in(g, {nan, 200, 120, 210}).empty());
}

TEST_CASE("grid geometry: covering a box") {
  const GridGeometry g = GridGeometry::covering({0, 0, 95, 20}, 10);
  CHECK(g.x0 == 0);
  CHECK(g.y0 == 0);
  CHECK(g.cell == 10);
  CHECK(g.nx == 10);
  CHECK(g.ny == 2);
  CHECK(g.cell_of({95, 20}) == g.cells() - 1);
  // Too many cells one way: the cells grow.
  const GridGeometry c = GridGeometry::covering({0, 0, 1e6, 10}, 1, 100);
  CHECK(c.cell == 1e4);
  CHECK(c.nx == 100);
  CHECK(c.ny == 1);
  const GridGeometry e = GridGeometry::covering(BBox{}, 10);
  CHECK(e.nx == 1);
  CHECK(e.ny == 1);
  BBox point;
  point.extend({5, 5});
  const GridGeometry p = GridGeometry::covering(point, 10);
  CHECK(p.x0 == 5);
  CHECK(p.cells() == 1);
}

TEST_CASE("grid index: CSR contents, items in id order within a cell") {
  const GridGeometry& g = kGeom;
  const std::vector<Point> pos = {{135, 225}, {101, 201}, {1e9, -1e9}, {102, 202}, {115, 205}, {-50, 221}};
  const GridIndex grid = GridIndex::build(g, pos.size(), [&](std::uint32_t i, auto&& emit) { emit(g.cell_of(pos[i])); });
  CHECK(!grid.empty());
  CHECK(grid.geometry().nx == 4);
  CHECK(to_vector(grid.items(0)) == std::vector<std::uint32_t>{1, 3});
  CHECK(to_vector(grid.items(1)) == std::vector<std::uint32_t>{4});
  CHECK(to_vector(grid.items(3)) == std::vector<std::uint32_t>{2});  // clamped into the lower-right cell
  CHECK(to_vector(grid.items(8)) == std::vector<std::uint32_t>{5});
  CHECK(to_vector(grid.items(11)) == std::vector<std::uint32_t>{0});
  std::size_t total = 0;
  for (std::size_t c = 0; c < g.cells(); ++c) total += grid.items(c).size();
  CHECK(total == pos.size());
  CHECK(grid.memory_bytes() >= (g.cells() + 1 + pos.size()) * sizeof(std::uint32_t));

  std::vector<std::uint32_t> seen;
  grid.for_each_item({100, 200, 119, 209}, [&](std::uint32_t i) { seen.push_back(i); });
  CHECK(seen == std::vector<std::uint32_t>{1, 3, 4});  // cell by cell, ids in order within each
  seen.clear();
  grid.for_each_item({-1e300, -1e300, 1e300, 1e300}, [&](std::uint32_t i) { seen.push_back(i); });
  CHECK(seen == std::vector<std::uint32_t>{1, 3, 4, 2, 5, 0});
  seen.clear();
  grid.for_each_item(BBox{}, [&](std::uint32_t i) { seen.push_back(i); });
  CHECK(seen.empty());
  std::vector<std::size_t> cells;
  grid.for_each_cell({110, 210, 125, 215}, [&](std::size_t c) { cells.push_back(c); });
  CHECK(cells == std::vector<std::size_t>{5, 6});
}

TEST_CASE("grid index: an item over several cells, emitted more than once, is stored once per cell") {
  const GridGeometry& g = kGeom;
  // Item 0 covers the box of cells (1..2, 0..1), and emits cell 5 twice more;
  // item 1 sits in cell 5; item 2 covers nothing.
  const BBox span{112, 203, 128, 219};
  const GridIndex grid = GridIndex::build(g, 3, [&](std::uint32_t i, auto&& emit) {
    if (i == 0) {
      g.for_each_cell(span, emit);
      emit(5);
      emit(5);
    }
    if (i == 1) emit(g.cell_of({115, 215}));
  });
  CHECK(to_vector(grid.items(1)) == std::vector<std::uint32_t>{0});
  CHECK(to_vector(grid.items(2)) == std::vector<std::uint32_t>{0});
  CHECK(to_vector(grid.items(5)) == std::vector<std::uint32_t>{0, 1});
  CHECK(to_vector(grid.items(6)) == std::vector<std::uint32_t>{0});
  CHECK(grid.items(0).empty());
  CHECK(grid.items(10).empty());
  // A box meeting all four of its cells visits item 0 once per cell.
  int visits = 0;
  grid.for_each_item(span, [&](std::uint32_t i) { visits += i == 0; });
  CHECK(visits == 4);
}

TEST_CASE("grid index: empty") {
  const GridIndex none;
  CHECK(none.empty());
  CHECK(none.geometry().cells() == 1);
  CHECK(none.items(0).empty());
  int calls = 0;
  none.for_each_item({-1e9, -1e9, 1e9, 1e9}, [&](std::uint32_t) { ++calls; });
  CHECK(calls == 0);

  const GridIndex zero = GridIndex::build(kGeom, 0, [](std::uint32_t, auto&&) {});
  CHECK(zero.empty());
  for (std::size_t c = 0; c < kGeom.cells(); ++c) CHECK(zero.items(c).empty());
  zero.for_each_item({-1e9, -1e9, 1e9, 1e9}, [&](std::uint32_t) { ++calls; });
  CHECK(calls == 0);

  // Items that cover no cell leave it empty too.
  const GridIndex nowhere = GridIndex::build(kGeom, 5, [](std::uint32_t, auto&&) {});
  CHECK(nowhere.empty());
}
