#include "map_raster.hpp"

#include <algorithm>
#include <cmath>
#include <cstdlib>

#include "kitaku/ui/fruin.hpp"

namespace kitaku::ui {

BBox MapView::bounds(double margin_px) const noexcept {
  BBox b;
  b.extend({mx(-margin_px), my(h + margin_px)});
  b.extend({mx(w + margin_px), my(-margin_px)});
  return b;
}

namespace {

/// Sum of a summed-area table over cells r.c0..r.c1 x r.r0..r.r1.
std::uint64_t sat_sum(const std::vector<std::uint64_t>& sat, std::uint32_t nx, const GridGeometry::CellRange& r) {
  const auto at = [&](std::uint32_t c, std::uint32_t row) { return sat[std::size_t{row} * (nx + 1) + c]; };
  return at(r.c1 + 1, r.r1 + 1) - at(r.c0, r.r1 + 1) - at(r.c1 + 1, r.r0) + at(r.c0, r.r0);
}

std::vector<std::uint64_t> make_sat(const GridIndex& grid) {
  const std::size_t nx = grid.geometry().nx, ny = grid.geometry().ny;
  std::vector<std::uint64_t> sat((nx + 1) * (ny + 1), 0);
  for (std::size_t r = 0; r < ny; ++r)
    for (std::size_t c = 0; c < nx; ++c) {
      const std::size_t i = (r + 1) * (nx + 1) + (c + 1);
      sat[i] = grid.items(r * nx + c).size() + sat[i - 1] + sat[i - (nx + 1)] - sat[i - (nx + 1) - 1];
    }
  return sat;
}

}  // namespace

// ---------------------------------------------------------------- EdgeGrid

EdgeGrid::EdgeGrid(const Network& net) {
  const std::size_t n = net.edge_count();
  boxes_.resize(n);
  ends_.resize(n);
  straight_.resize(n);
  for (std::size_t e = 0; e < n; ++e) {
    BBox b;
    const auto g = net.geometry(EdgeId{static_cast<std::uint32_t>(e)});
    for (const Point& p : g) b.extend(p);
    ends_[e] = {static_cast<float>(g.front().x), static_cast<float>(g.front().y), static_cast<float>(g.back().x),
                static_cast<float>(g.back().y)};
    straight_[e] = g.size() <= 2;
    boxes_[e] = {static_cast<float>(b.min_x), static_cast<float>(b.min_y), static_cast<float>(b.max_x),
                 static_cast<float>(b.max_y)};
    bounds_.extend({boxes_[e].x0, boxes_[e].y0});
    bounds_.extend({boxes_[e].x1, boxes_[e].y1});
  }
  if (n == 0) return;
  // About four edges per cell, at most 1024 x 1024 cells.
  const double wx = std::max(bounds_.max_x - bounds_.min_x, 1.0), wy = std::max(bounds_.max_y - bounds_.min_y, 1.0);
  GridGeometry g;
  g.cell = std::max({std::sqrt(wx * wy / std::max<double>(static_cast<double>(n) / 4.0, 1.0)), wx / 1024, wy / 1024, 1.0});
  g.x0 = bounds_.min_x;
  g.y0 = bounds_.min_y;
  g.nx = static_cast<std::uint32_t>(std::max(1.0, std::ceil(wx / g.cell)));
  g.ny = static_cast<std::uint32_t>(std::max(1.0, std::ceil(wy / g.cell)));
  grid_ = GridIndex::build(g, n, [&](std::uint32_t e, auto&& emit) {
    const Box& b = boxes_[e];
    g.for_each_cell({b.x0, b.y0, b.x1, b.y1}, emit);
  });
  sat_ = make_sat(grid_);
}

bool EdgeGrid::meets_bounds(const BBox& box) const noexcept {
  return !box.empty() && !(box.max_x < bounds_.min_x || box.min_x > bounds_.max_x || box.max_y < bounds_.min_y ||
                           box.min_y > bounds_.max_y);
}

std::size_t EdgeGrid::estimate(const BBox& box) const {
  if (grid_.empty() || !meets_bounds(box)) return 0;
  const auto r = grid_.geometry().range(box);
  if (r.empty()) return 0;
  return static_cast<std::size_t>(sat_sum(sat_, grid_.geometry().nx, r));
}

// ---------------------------------------------------------------- roads

std::uint8_t road_level(float density, bool closed) noexcept {
  if (closed) return kLevelClosed;
  if (!(density > 0)) return kLevelEmpty;
  return static_cast<std::uint8_t>(kLevelFruinA + static_cast<int>(fruin_level(density)));
}

int raster_thickness(float width_m, double mpp) noexcept {
  const int base = width_m >= 15 ? 3 : width_m >= 8 ? 2 : 1;
  const double zoom = width_m * (1.0 / mpp);
  return zoom >= 3 ? 3 : std::max(base, static_cast<int>(zoom + 0.5));
}

namespace {

/// Paints level `lvl` (keeping higher levels) along the pixels of one segment,
/// `t` pixels thick across its major axis.
struct LinePainter {
  std::uint8_t* levels;
  int w, h;

  template <bool kChecked>
  void plot(int x, int y, std::uint8_t lvl) const noexcept {
    if (kChecked &&
        (static_cast<unsigned>(x) >= static_cast<unsigned>(w) || static_cast<unsigned>(y) >= static_cast<unsigned>(h)))
      return;
    std::uint8_t& p = levels[static_cast<std::size_t>(y) * w + x];
    if (p < lvl) p = lvl;
  }

  // Liang–Barsky clip of (x0,y0)-(x1,y1) to the region grown by 4 px.
  bool clip(double& x0, double& y0, double& x1, double& y1) const noexcept {
    const double lo_x = -4, lo_y = -4, hi_x = w + 4.0, hi_y = h + 4.0;
    double t0 = 0, t1 = 1;
    const double dx = x1 - x0, dy = y1 - y0;
    const double p[4] = {-dx, dx, -dy, dy};
    const double q[4] = {x0 - lo_x, hi_x - x0, y0 - lo_y, hi_y - y0};
    for (int i = 0; i < 4; ++i) {
      if (p[i] == 0) {
        if (q[i] < 0) return false;
        continue;
      }
      const double r = q[i] / p[i];
      if (p[i] < 0) {
        if (r > t1) return false;
        if (r > t0) t0 = r;
      } else {
        if (r < t0) return false;
        if (r < t1) t1 = r;
      }
    }
    const double ax = x0 + t0 * dx, ay = y0 + t0 * dy;
    x1 = x0 + t1 * dx;
    y1 = y0 + t1 * dy;
    x0 = ax;
    y0 = ay;
    return true;
  }

  template <bool kChecked>
  void bresenham(int x0, int y0, int x1, int y1, int t, std::uint8_t lvl) const noexcept {
    const int dx = std::abs(x1 - x0), dy = -std::abs(y1 - y0);
    const int sx = x0 < x1 ? 1 : -1, sy = y0 < y1 ? 1 : -1;
    const bool x_major = dx >= -dy;
    const int k0 = -(t - 1) / 2, k1 = t / 2;
    int err = dx + dy;
    for (;;) {
      for (int k = k0; k <= k1; ++k) {
        if (x_major) plot<kChecked>(x0, y0 + k, lvl);
        else plot<kChecked>(x0 + k, y0, lvl);
      }
      if (x0 == x1 && y0 == y1) break;
      const int e2 = 2 * err;
      if (e2 >= dy) {
        err += dy;
        x0 += sx;
      }
      if (e2 <= dx) {
        err += dx;
        y0 += sy;
      }
    }
  }

  void segment(double fx0, double fy0, double fx1, double fy1, int t, std::uint8_t lvl) const noexcept {
    // Well inside the region (the common case): no clipping, no per-pixel checks.
    const double lo = 2, hx = w - 3.0, hy = h - 3.0;
    if (fx0 >= lo && fy0 >= lo && fx1 >= lo && fy1 >= lo && fx0 < hx && fx1 < hx && fy0 < hy && fy1 < hy) {
      bresenham<false>(static_cast<int>(fx0), static_cast<int>(fy0), static_cast<int>(fx1), static_cast<int>(fy1), t, lvl);
      return;
    }
    if (!clip(fx0, fy0, fx1, fy1)) return;
    bresenham<true>(static_cast<int>(std::floor(fx0)), static_cast<int>(std::floor(fy0)),
                    static_cast<int>(std::floor(fx1)), static_cast<int>(std::floor(fy1)), t, lvl);
  }
};

}  // namespace

std::size_t rasterize_roads(const Network& net, const EdgeGrid& grid, const MapView& view,
                            std::span<const float> density, std::span<const std::uint8_t> closed,
                            const RasterPalette& palette, std::vector<std::uint8_t>& levels,
                            std::vector<std::uint32_t>& rgba) {
  const std::size_t pixels = static_cast<std::size_t>(std::max(view.w, 0)) * std::max(view.h, 0);
  levels.assign(pixels, 0);
  rgba.resize(pixels);
  if (pixels == 0) return 0;
  const bool have_density = density.size() == net.edge_count();
  const bool have_closed = closed.size() == net.edge_count();
  const LinePainter painter{levels.data(), view.w, view.h};
  const double inv = 1.0 / view.mpp, hx = view.w * 0.5, hy = view.h * 0.5;
  const auto& widths = net.data().edge_width_m;
  std::size_t painted = 0;
  auto paint = [&](std::uint32_t e) {
    const std::uint8_t lvl = road_level(have_density ? density[e] : 0.f, have_closed && closed[e] != 0);
    const int t = raster_thickness(widths[e], view.mpp);
    const EdgeGrid::Box& b = grid.box(e);
    if (grid.straight(e) || std::max(b.x1 - b.x0, b.y1 - b.y0) * inv < 3) {
      // A straight edge, or one whose bends are lost at this scale: its end points.
      const EdgeGrid::Box& en = grid.ends(e);
      painter.segment((en.x0 - view.cx) * inv + hx, hy - (en.y0 - view.cy) * inv, (en.x1 - view.cx) * inv + hx,
                      hy - (en.y1 - view.cy) * inv, t, lvl);
    } else {
      const auto g = net.geometry(EdgeId{e});
      double px0 = (g[0].x - view.cx) * inv + hx, py0 = hy - (g[0].y - view.cy) * inv;
      for (std::size_t i = 1; i < g.size(); ++i) {
        const double px1 = (g[i].x - view.cx) * inv + hx, py1 = hy - (g[i].y - view.cy) * inv;
        // Vertices closer than a pixel add nothing at this scale.
        if (i + 1 < g.size() && std::fabs(px1 - px0) < 1 && std::fabs(py1 - py0) < 1) continue;
        painter.segment(px0, py0, px1, py1, t, lvl);
        px0 = px1;
        py0 = py1;
      }
    }
    ++painted;
  };
  const BBox vb = view.bounds(4);
  if (grid.estimate(vb) * 2 >= grid.estimate(grid.bounds())) {
    // Most of the network in view: a straight pass in edge order reads every array
    // sequentially, which beats the grid's scattered reads.
    const float x0 = static_cast<float>(vb.min_x), y0 = static_cast<float>(vb.min_y);
    const float x1 = static_cast<float>(vb.max_x), y1 = static_cast<float>(vb.max_y);
    const auto n = static_cast<std::uint32_t>(grid.edge_count());
    for (std::uint32_t e = 0; e < n; ++e) {
      const EdgeGrid::Box& b = grid.box(e);
      if (b.x1 < x0 || b.x0 > x1 || b.y1 < y0 || b.y0 > y1) continue;
      paint(e);
    }
  } else {
    grid.for_each(vb, paint);
  }
  for (std::size_t i = 0; i < pixels; ++i) rgba[i] = palette[levels[i]];
  return painted;
}

// ---------------------------------------------------------------- agents

void agents_in_view(std::span<const float> x, std::span<const float> y, std::span<const AgentState> state,
                    const MapView& view, double margin_px, std::size_t cap, std::vector<std::uint32_t>& out) {
  out.clear();
  const BBox b = view.bounds(margin_px);
  const float x0 = static_cast<float>(b.min_x), y0 = static_cast<float>(b.min_y);
  const float x1 = static_cast<float>(b.max_x), y1 = static_cast<float>(b.max_y);
  const std::size_t n = std::min({x.size(), y.size(), state.size()});
  for (std::size_t i = 0; i < n; ++i) {
    if (!(x[i] >= x0 && x[i] <= x1 && y[i] >= y0 && y[i] <= y1) || state[i] == AgentState::kArrivedHome ||
        state[i] == AgentState::kByRail)  // home, or gone by train: not on the map
      continue;
    out.push_back(static_cast<std::uint32_t>(i));
    if (out.size() > cap) return;
  }
}

std::size_t rasterize_density(std::span<const float> x, std::span<const float> y, std::span<const AgentState> state,
                              double persons_per_agent, const MapView& view, int cell_px,
                              std::vector<float>& counts, std::vector<std::uint32_t>& rgba, int& out_w, int& out_h) {
  cell_px = std::max(cell_px, 1);
  out_w = std::max((view.w + cell_px - 1) / cell_px, 1);
  out_h = std::max((view.h + cell_px - 1) / cell_px, 1);
  const std::size_t cells = static_cast<std::size_t>(out_w) * out_h;
  counts.assign(cells, 0.f);
  rgba.assign(cells, 0u);
  const std::size_t n = std::min({x.size(), y.size(), state.size()});
  const double inv = 1.0 / (view.mpp * cell_px);
  const double left = view.cx - view.w * 0.5 * view.mpp, top = view.cy + view.h * 0.5 * view.mpp;
  std::size_t counted = 0;
  for (std::size_t i = 0; i < n; ++i) {
    if (state[i] == AgentState::kArrivedHome || state[i] == AgentState::kByRail) continue;
    const double fx = (x[i] - left) * inv, fy = (top - y[i]) * inv;
    if (!(fx >= 0 && fy >= 0 && fx < out_w && fy < out_h)) continue;
    counts[static_cast<std::size_t>(fy) * out_w + static_cast<std::size_t>(fx)] += 1.f;
    ++counted;
  }
  const double cell_m = view.mpp * cell_px;
  const double per_ha = persons_per_agent * 1e4 / (cell_m * cell_m);
  for (std::size_t c = 0; c < cells; ++c) {
    if (counts[c] <= 0) continue;
    const double t = std::clamp(std::log10(std::max(counts[c] * per_ha, 10.0) / 10.0) / 3.0, 0.0, 1.0);
    // Blue -> violet -> white; faint where sparse so that the roads' colours show
    // through, more opaque as it gets denser.
    const double r = t < 0.5 ? 60 + (200 - 60) * (t / 0.5) : 200 + 55 * ((t - 0.5) / 0.5);
    const double g = t < 0.5 ? 120 - 40 * (t / 0.5) : 80 + 175 * ((t - 0.5) / 0.5);
    const double b = 255;
    const double a = 25 + 150 * t * t;
    rgba[c] = static_cast<std::uint32_t>(r) | static_cast<std::uint32_t>(g) << 8 | static_cast<std::uint32_t>(b) << 16 |
              static_cast<std::uint32_t>(a) << 24;
  }
  return counted;
}

// ---------------------------------------------------------------- base layer

std::size_t paint_base_layer(const Network& net, const EdgeGrid& grid, const BaseLayerRequest& req,
                             const RasterPalette& palette, BaseLayerScratch& scratch, std::vector<std::uint32_t>& rgba) {
  const MapView& v = req.view;
  const Snapshot* s = req.snap.get();
  std::size_t painted = 0;
  if (req.roads && s) {
    painted = rasterize_roads(net, grid, v, s->edge_density, s->edge_closed, palette, scratch.levels, rgba);
  } else if (req.roads) {
    painted = rasterize_roads(net, grid, v, {}, {}, palette, scratch.levels, rgba);
  } else {
    rgba.assign(static_cast<std::size_t>(std::max(v.w, 0)) * std::max(v.h, 0), palette[0]);
  }
  if (!req.heat || !s || v.w <= 0 || v.h <= 0) return painted;
  int hw = 0, hh = 0;
  const int cell = std::max(req.heat_cell_px, 1);
  rasterize_density(s->agent_x, s->agent_y, s->agent_state, s->persons_per_agent, v, cell, scratch.counts,
                    scratch.heat, hw, hh);
  // Alpha-blend each non-empty heat cell over its pixels.
  for (int cy = 0; cy < hh; ++cy)
    for (int cx = 0; cx < hw; ++cx) {
      const std::uint32_t c = scratch.heat[static_cast<std::size_t>(cy) * hw + cx];
      const std::uint32_t a = c >> 24;
      if (a == 0) continue;
      const std::uint32_t r = c & 0xFF, g = (c >> 8) & 0xFF, b = (c >> 16) & 0xFF, ia = 255 - a;
      for (int y = cy * cell; y < std::min((cy + 1) * cell, v.h); ++y)
        for (int x = cx * cell; x < std::min((cx + 1) * cell, v.w); ++x) {
          std::uint32_t& d = rgba[static_cast<std::size_t>(y) * v.w + x];
          const std::uint32_t dr = d & 0xFF, dg = (d >> 8) & 0xFF, db = (d >> 16) & 0xFF;
          d = ((r * a + dr * ia) / 255) | ((g * a + dg * ia) / 255) << 8 | ((b * a + db * ia) / 255) << 16 |
              0xFF000000u;
        }
    }
  return painted;
}



BaseLayerWorker::BaseLayerWorker(const Network& net, const EdgeGrid& grid, const RasterPalette& palette)
    : net_(net), grid_(grid), palette_(palette), thread_([this] { loop(); }) {}

BaseLayerWorker::~BaseLayerWorker() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    quit_ = true;
    has_job_ = false;
  }
  wake_.notify_all();
  thread_.join();
}

void BaseLayerWorker::request(BaseLayerRequest req) {
  {
    std::lock_guard<std::mutex> lock(mu_);
    job_ = std::move(req);
    has_job_ = true;
  }
  wake_.notify_one();
}

bool BaseLayerWorker::take(Result& out) {
  std::lock_guard<std::mutex> lock(mu_);
  if (!has_result_) return false;
  out.req = std::move(result_.req);
  out.rgba.swap(result_.rgba);
  spare_.swap(result_.rgba);  // the caller's previous pixels, for the next layer
  result_ = Result{};
  has_result_ = false;
  return true;
}

bool BaseLayerWorker::busy() const {
  std::lock_guard<std::mutex> lock(mu_);
  return has_job_ || painting_;
}

void BaseLayerWorker::loop() {
  BaseLayerScratch scratch;
  std::vector<std::uint32_t> rgba;
  std::unique_lock<std::mutex> lock(mu_);
  for (;;) {
    wake_.wait(lock, [this] { return quit_ || has_job_; });
    if (quit_) return;
    Result job{std::move(job_), {}};
    job_ = BaseLayerRequest{};
    has_job_ = false;
    painting_ = true;
    if (rgba.empty()) rgba.swap(spare_);
    lock.unlock();
    paint_base_layer(net_, grid_, job.req, palette_, scratch, rgba);
    lock.lock();
    painting_ = false;
    job.rgba.swap(rgba);
    if (has_result_) rgba.swap(result_.rgba);  // an unclaimed older layer: reuse its pixels
    result_ = std::move(job);
    has_result_ = true;
  }
}

}  // namespace kitaku::ui
