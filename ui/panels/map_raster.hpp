#pragma once
// The map's CPU side: a view transform, a spatial index over edges, and
// rasterizers that paint roads (by Fruin level) and agent density into RGBA
// buffers. No ImGui here: the panel uploads the buffers through TextureHost and
// draws them; these functions can be timed and tested on their own.
//
// Scale (R = 30 km synthetic city: 1.1 M edges, 1 M agents; one core): painting
// every road at 1,900 x 1,000 px takes ~30 ms, so the panel paints large layers
// on a BaseLayerWorker thread and keeps showing the last one (moved to the current
// view) meanwhile; small ones (zoomed in) are painted within the frame.
#include <array>
#include <condition_variable>
#include <cstdint>
#include <memory>
#include <mutex>
#include <span>
#include <thread>
#include <vector>

#include "kitaku/sim/geometry.hpp"
#include "kitaku/sim/grid_index.hpp"
#include "kitaku/sim/network.hpp"
#include "kitaku/sim/simulation.hpp"
#include "kitaku/sim/snapshot.hpp"

namespace kitaku::ui {

/// Map metres (y up = north) to pixels of a w x h region (origin top-left, y down).
struct MapView {
  double cx = 0, cy = 0;  // map point at the region's centre
  double mpp = 1;         // metres per pixel
  int w = 0, h = 0;

  double px(double x) const noexcept { return (x - cx) / mpp + w * 0.5; }
  double py(double y) const noexcept { return h * 0.5 - (y - cy) / mpp; }
  double mx(double px) const noexcept { return cx + (px - w * 0.5) * mpp; }
  double my(double py) const noexcept { return cy + (h * 0.5 - py) * mpp; }
  /// The map rectangle the region shows, grown by `margin_px` on every side.
  BBox bounds(double margin_px = 0) const noexcept;
  friend bool operator==(const MapView&, const MapView&) = default;
};

/// A uniform grid over a network's edges: each cell lists the edges whose
/// bounding box overlaps it; plus each edge's box and end points in compact
/// float arrays for the rasterizer. Built once per network; read-only after
/// (safe to share with a BaseLayerWorker).
class EdgeGrid {
 public:
  struct Box {
    float x0, y0, x1, y1;
  };

  EdgeGrid() = default;
  explicit EdgeGrid(const Network& net);

  /// Calls f(edge index) exactly once for every edge whose bounding box meets `box`.
  template <class F>
  void for_each(const BBox& box, F&& f) const {
    if (grid_.empty() || !meets_bounds(box)) return;
    const GridGeometry& g = grid_.geometry();
    grid_.for_each_cell(box, [&](std::size_t cell) {
      for (const std::uint32_t e : grid_.items(cell)) {
        const Box& b = boxes_[e];
        if (b.x1 < box.min_x || b.x0 > box.max_x || b.y1 < box.min_y || b.y0 > box.max_y) continue;
        // Report an edge only from the cell holding the lower-left corner of its
        // overlap with the query, so that edges spanning cells come once.
        const double rx = b.x0 > box.min_x ? b.x0 : box.min_x, ry = b.y0 > box.min_y ? b.y0 : box.min_y;
        if (g.cell_of({rx, ry}) == cell) f(e);
      }
    });
  }
  /// An upper estimate of the edges meeting `box`, in constant time (whole cells).
  std::size_t estimate(const BBox& box) const;
  std::size_t edge_count() const noexcept { return boxes_.size(); }
  BBox bounds() const noexcept { return bounds_; }
  const Box& box(std::uint32_t e) const noexcept { return boxes_[e]; }
  /// The edge's end points (from, to) as x0, y0, x1, y1.
  const Box& ends(std::uint32_t e) const noexcept { return ends_[e]; }
  /// True when the edge's geometry is a single straight segment.
  bool straight(std::uint32_t e) const noexcept { return straight_[e] != 0; }

 private:
  /// False when `box` is empty or misses bounds().
  bool meets_bounds(const BBox& box) const noexcept;

  std::vector<Box> boxes_, ends_;
  std::vector<std::uint8_t> straight_;
  BBox bounds_;
  GridIndex grid_;  // cell -> edges whose box meets it
  std::vector<std::uint64_t> sat_;  // summed-area table of per-cell counts, (nx+1) x (ny+1)
};

/// Raster pixel levels, worst wins where roads overlap: 0 nothing, 1 empty road
/// (no one on it), 2..7 Fruin A..F, 8 closed.
inline constexpr std::uint8_t kLevelEmpty = 1, kLevelFruinA = 2, kLevelClosed = 8;
inline constexpr int kRasterLevels = 9;
using RasterPalette = std::array<std::uint32_t, kRasterLevels>;

/// The raster level of an edge with this density and closure.
std::uint8_t road_level(float density, bool closed) noexcept;

/// Road line thickness in raster pixels (1..3): wider roads and closer zoom draw thicker.
int raster_thickness(float width_m, double mpp) noexcept;

/// Paints every edge meeting the view into `rgba` (view.w x view.h, IM_COL32
/// packing), coloured by `palette[level]` (palette[0] is the background, usually
/// transparent). `density` and `closed` may be empty (then all roads are empty and
/// open). `levels` is scratch space. Returns the number of edges painted.
std::size_t rasterize_roads(const Network& net, const EdgeGrid& grid, const MapView& view,
                            std::span<const float> density, std::span<const std::uint8_t> closed,
                            const RasterPalette& palette, std::vector<std::uint8_t>& levels,
                            std::vector<std::uint32_t>& rgba);

/// Agents (not those home) within the view grown by `margin_px`, in agent order,
/// into `out`. Stops once more than `cap` are found (then out.size() == cap + 1).
void agents_in_view(std::span<const float> x, std::span<const float> y, std::span<const AgentState> state,
                    const MapView& view, double margin_px, std::size_t cap, std::vector<std::uint32_t>& out);

/// Agent density heatmap: agents (not those home) are counted in cells of
/// `cell_px` x `cell_px` pixels; the result is ceil(w/cell_px) x ceil(h/cell_px)
/// pixels, a semi-transparent colour ramp on log10(persons per hectare) from 10 to
/// 10,000 (1 person/m²); empty cells stay transparent. Returns the number of agents counted.
std::size_t rasterize_density(std::span<const float> x, std::span<const float> y, std::span<const AgentState> state,
                              double persons_per_agent, const MapView& view, int cell_px,
                              std::vector<float>& counts, std::vector<std::uint32_t>& rgba, int& out_w, int& out_h);

/// The map's base layer: one opaque image per view holding the background, the
/// roads (when drawn as a raster) and the agent density heatmap over them. One
/// full-region image instead of three layers matters under a software renderer,
/// where every full-screen layer costs its fill.
struct BaseLayerRequest {
  std::uint64_t seq = 0;  // request number: newer ones replace older
  MapView view;
  std::shared_ptr<const Snapshot> snap;
  bool roads = false;     // paint the roads
  bool heat = false;      // paint the agent density heatmap
  int heat_cell_px = 3;
  /// Same picture (the request number aside).
  bool same_as(const BaseLayerRequest& o) const noexcept {
    return view == o.view && snap == o.snap && roads == o.roads && heat == o.heat && heat_cell_px == o.heat_cell_px;
  }
};

struct BaseLayerScratch {
  std::vector<std::uint8_t> levels;
  std::vector<float> counts;
  std::vector<std::uint32_t> heat;
};

/// Paints `req` into `rgba` (view.w x view.h): palette[0] is the background, the
/// roads coloured by the snapshot's densities and closures, then the heatmap
/// alpha-blended over them. Returns the number of edges painted.
std::size_t paint_base_layer(const Network& net, const EdgeGrid& grid, const BaseLayerRequest& req,
                             const RasterPalette& palette, BaseLayerScratch& scratch, std::vector<std::uint32_t>& rgba);

/// Paints base layers on its own thread. A request replaces any not yet started
/// (the newest view wins); the UI thread takes finished layers. The network and
/// grid must outlive the worker.
class BaseLayerWorker {
 public:
  BaseLayerWorker(const Network& net, const EdgeGrid& grid, const RasterPalette& palette);
  ~BaseLayerWorker();  // drops a waiting request, finishes the one being painted, joins
  BaseLayerWorker(const BaseLayerWorker&) = delete;
  BaseLayerWorker& operator=(const BaseLayerWorker&) = delete;

  struct Result {
    BaseLayerRequest req;
    std::vector<std::uint32_t> rgba;
  };
  void request(BaseLayerRequest req);
  /// Moves the newest finished layer into `out` (its old pixels are recycled);
  /// false when none finished since the last call.
  bool take(Result& out);
  /// True while a request is waiting or being painted.
  bool busy() const;

 private:
  void loop();

  const Network& net_;
  const EdgeGrid& grid_;
  const RasterPalette palette_;
  mutable std::mutex mu_;
  std::condition_variable wake_;
  bool quit_ = false, has_job_ = false, painting_ = false, has_result_ = false;
  BaseLayerRequest job_;
  Result result_;
  std::vector<std::uint32_t> spare_;
  std::thread thread_;
};

}  // namespace kitaku::ui
