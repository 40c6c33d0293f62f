#pragma once
// The map panel: the network with roads coloured by Fruin level of service,
// closed roads by why they are closed (command, collapse, fire), fire cells,
// agents (points when zoomed in, a density heatmap when zoomed out), facilities,
// stations, guidance orders and the operational area grid. Pan by dragging, zoom
// with the wheel about the cursor, click to select a facility or road (and to
// pick the point drill injects use), hover for details.
//
// It fills the content region left in the current window. Heavy work (the base
// layer: background + CPU road raster + density heatmap in one opaque texture; the
// list of agents in view) is redone only when the view, the region size or the
// snapshot changes, and large base layers are painted on a worker thread.
// The window behind the map need not draw a background (ImGuiWindowFlags_NoBackground):
// the map covers its region, and under llvmpipe each full-screen fill costs ~7-13 ms.
#include <imgui.h>

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "kitaku/sim/geometry.hpp"
#include "kitaku/sim/simulation.hpp"
#include "kitaku/sim/snapshot.hpp"
#include "kitaku/ui/areas.hpp"
#include "kitaku/ui/context.hpp"
#include "panels/map_raster.hpp"

namespace kitaku::ui {

/// Which layers the map draws (a plain struct the shell may save).
struct MapLayers {
  bool roads = true;
  bool agents = true;      // points when zoomed in, a density heatmap when zoomed out
  bool facilities = true;
  bool stations = true;
  bool areas = false;      // the operational areas of the current mode (grid / ward / station) with labels
  bool wards = true;       // ward / municipality boundaries and names
  bool labels = true;      // station and street names (zoomed in), decluttered
  bool fire = true;        // fire cells burning / burnt out (when the run has fire)
};

/// What the last Draw drew (tests, the status bar).
struct MapFrameStats {
  int edges_vector = 0;       // edges drawn as ImDrawList polylines
  bool raster_used = false;   // roads drawn from the CPU raster (base layer)
  int agents_points = 0;      // agents drawn as points
  bool heat_used = false;     // the agent density heatmap was drawn (base layer)
  int facilities = 0;         // facility markers drawn
  int stations = 0;
  int guidance = 0;           // guidance marks drawn
  int fire_cells = 0;         // fire cells drawn (burning or burnt out)
  int closed_roads = 0;       // closed roads drawn as vector overlays (any reason)
  int ward_boundaries = 0;    // ward boundary segments drawn
  int ward_labels = 0;        // ward names drawn
  int station_labels = 0;     // station names drawn
  int street_labels = 0;      // street names drawn
  int labels_dropped = 0;     // names left out because they would overlap another
  int shelters = 0;           // designated shelter markers drawn (of `facilities`)
  int evacuation_sites = 0;   // evacuation site markers drawn
  int area_outlines = 0;      // area boundary segments drawn (Areas layer, selected area)
  /// The names drawn this frame with their screen rectangles (tests check overlaps);
  /// an empty text is a place kept clear of names (the selected facility).
  struct Label {
    std::string text;
    ImVec2 min, max;
  };
  std::vector<Label> labels;
};

/// Colours the map uses (IM_COL32 packing), shared with legends elsewhere.
inline constexpr ImU32 kMapBackground = IM_COL32(26, 28, 32, 255);
inline constexpr ImU32 kMapEmptyRoad = IM_COL32(125, 125, 125, 255);    // no one on it
inline constexpr ImU32 kMapClosedRoad = IM_COL32(235, 0, 235, 255);     // closed by a command (dashed)
inline constexpr ImU32 kMapBlockedRoad = IM_COL32(165, 105, 45, 255);   // blocked by collapsed buildings
inline constexpr ImU32 kMapFireRoad = IM_COL32(255, 60, 20, 255);       // closed by fire
inline constexpr ImU32 kMapFireBurning = IM_COL32(255, 140, 0, 100);    // a burning fire cell (translucent)
inline constexpr ImU32 kMapFireBurnt = IM_COL32(40, 40, 40, 190);       // a burnt-out fire cell
inline constexpr ImU32 kMapFacilityClosed = IM_COL32(150, 150, 150, 255);
inline constexpr ImU32 kMapFacilityOpening = IM_COL32(60, 130, 255, 255);  // closed, opening later
inline constexpr ImU32 kMapFacilityOpen = IM_COL32(40, 200, 70, 255);
inline constexpr ImU32 kMapFacilityFull = IM_COL32(235, 40, 40, 255);
inline constexpr ImU32 kMapFacilityNoAgentRoom = IM_COL32(245, 150, 40, 255);  // places left, no whole agent fits
inline constexpr ImU32 kMapFacilityDamaged = IM_COL32(10, 10, 10, 255);  // with a white X
inline constexpr ImU32 kMapEvacuationSite = IM_COL32(120, 230, 200, 255);  // outlined triangle: not a stay
inline constexpr ImU32 kMapWardBoundary = IM_COL32(255, 235, 130, 220);
inline constexpr ImU32 kMapWardName = IM_COL32(255, 235, 150, 245);
/// The colour of an agent drawn as a point.
ImU32 agent_state_colour(AgentState s) noexcept;
/// The colour of a closed road by its Snapshot::edge_closed code (EdgeClosure);
/// command closures are dashed, hazard closures solid.
ImU32 closed_road_colour(std::uint8_t reason) noexcept;
/// A facility marker's colour in snapshot `s`: damaged, full, open, opening
/// (closed with a scheduled opening still to come) or closed.
ImU32 facility_marker_colour(const Snapshot* s, std::size_t f) noexcept;

struct MapPanel {
  MapPanel() = default;
  /// Releases the panel's textures: destroy the panel before the TextureHost.
  ~MapPanel();
  MapPanel(const MapPanel&) = delete;
  MapPanel& operator=(const MapPanel&) = delete;

  /// Draws the map over the whole content region left in the current window.
  void Draw(DashboardContext& ctx);

  MapLayers layers;
  /// Roads are drawn as vectors (ImDrawList polylines, true widths when zoomed in)
  /// while the grid's estimate of visible edges (about 1.6 x the true count) is at
  /// most this; above it, from the CPU raster in the base layer. Measured under
  /// llvmpipe at 1920 x 1080 on the R = 30 km city: ~10,000 polylines cost ~20 ms
  /// more per frame than the same view as a raster, ~3,000 a few ms; the raster
  /// costs one full-region image whatever it holds.
  int vector_max_edges = 6000;
  /// The base layer (background, raster roads, heatmap: one opaque image) is
  /// painted on a worker thread when it holds more roads than this (the grid's
  /// estimate) or a heatmap of more agents than async_min_agents; the map shows the
  /// previous layer moved to the current view meanwhile. Smaller ones are painted
  /// within the frame (~100,000 estimated edges: a few ms).
  int async_raster_min_edges = 100000;
  int async_min_agents = 200000;
  /// Agents are drawn as points below this scale (metres per pixel) while at most
  /// agent_points_max of them are in view; otherwise as a density heatmap. At
  /// 3 m/px a 1,920 px wide map shows about 6 km, a district, where points still
  /// read as people on streets. Agents in view are found by one pass over the
  /// snapshot's arrays when the view or snapshot changes (a few ms for 1 M; a
  /// bucket grid per snapshot measured slower to build than that pass).
  double agent_points_max_mpp = 3.0;
  int agent_points_max = 40000;
  /// Heatmap cell size in pixels.
  int heat_cell_px = 3;

  // View.
  Point centre() const noexcept { return {view_.cx, view_.cy}; }
  double m_per_px() const noexcept { return view_.mpp; }
  void set_view(Point centre, double m_per_px);
  /// Fits the network's bounding box into the region on the next Draw.
  void request_fit() noexcept { fit_pending_ = true; }
  /// Screen position (pixels) <-> map point (network CRS), for the last Draw's region.
  Point screen_to_map(ImVec2 s) const noexcept;
  ImVec2 map_to_screen(Point p) const noexcept;
  ImVec2 region_min() const noexcept { return origin_; }
  ImVec2 region_size() const noexcept { return {static_cast<float>(view_.w), static_cast<float>(view_.h)}; }

  // What the last Draw did and showed.
  const MapFrameStats& last_frame() const noexcept { return stats_; }
  int raster_builds = 0;   // base layers with raster roads shown so far
  int heat_builds = 0;     // base layers with the heatmap shown so far
  EdgeId hovered_edge = kNoEdge;
  ShelterId hovered_facility = kNoShelter;
  std::int64_t hovered_station = -1;  // city.stations index
  std::int64_t hovered_site = -1;     // city.evacuation_sites index
  /// True while a base layer is being painted on the worker thread.
  bool raster_pending() const;
  /// The base layer's texture (null until first painted): background, raster
  /// roads and heatmap, region-sized.
  ImTextureID base_texture() const noexcept { return base_tex_; }

 private:
  void ensure_network(const DashboardContext& ctx);
  void fit(const DashboardContext& ctx);
  void zoom_about(ImVec2 screen, double factor);
  void pick(const DashboardContext& ctx, ImVec2 mouse);
  void clear_hover() {
    hovered_edge = kNoEdge;
    hovered_facility = kNoShelter;
    hovered_station = -1;
    hovered_site = -1;
  }
  void update_agents(const DashboardContext& ctx);
  void update_base(DashboardContext& ctx, bool roads, bool heat);
  void draw_base(ImDrawList* dl, bool wanted);
  void draw_roads(DashboardContext& ctx, ImDrawList* dl);
  void draw_fire(DashboardContext& ctx, ImDrawList* dl);
  void draw_agents(DashboardContext& ctx, ImDrawList* dl);
  void draw_areas(const DashboardContext& ctx, ImDrawList* dl);
  void draw_facilities(DashboardContext& ctx, ImDrawList* dl);
  void draw_guidance(const DashboardContext& ctx, ImDrawList* dl);
  void draw_overlays(ImDrawList* dl);
  void draw_wards(const DashboardContext& ctx, ImDrawList* dl);
  void draw_labels(const DashboardContext& ctx, ImDrawList* dl);
  /// Draws `text` centred at `at` unless it would overlap a name already drawn this
  /// frame or leave the map; true when drawn.
  /// `boxed`: on a dark box; else with a dark halo.
  bool place_label(ImDrawList* dl, ImVec2 at, const std::string& text, float scale, ImU32 col, bool boxed);
  void draw_region_outline(const VoronoiRegions& r, int region, ImDrawList* dl, ImU32 col, float thickness);
  void draw_toolbar(DashboardContext& ctx);
  void draw_tooltip(const DashboardContext& ctx);
  float facility_radius(const DashboardContext& ctx, std::size_t f) const;
  float road_thickness_px(float width_m) const noexcept;

  MapView view_;
  ImVec2 origin_{0, 0};
  bool fitted_ = false, fit_pending_ = false;
  bool roads_vector_ = true;  // this frame draws roads as vectors (else the raster)
  MapFrameStats stats_;
  bool coarse_agents_ = false;  // some facility shows "no room for an agent"
  bool legend_shelters_ = false, legend_sites_ = false, legend_wards_ = false;


  // Per network.
  const Network* net_ = nullptr;
  EdgeGrid grid_;
  // Ward boundaries cut to where there are streets (the Voronoi cells reach the box
  // around the network, over water and land with no roads): pieces kept once.
  const VoronoiRegions* ward_lines_for_ = nullptr;
  std::vector<std::pair<Point, Point>> ward_lines_;

  // Mouse.
  bool dragging_ = false;
  ImVec2 press_pos_{0, 0};
  Point drag_anchor_;

  // The base layer, keyed by what it shows (holding the snapshot also keeps the
  // runner from recycling its buffer under the same address).
  TextureHost* host_ = nullptr;
  ImTextureID base_tex_ = nullptr;
  BaseLayerRequest base_;                     // what base_tex_ shows
  bool base_valid_ = false;
  BaseLayerRequest req_;                      // the newest request sent to the worker
  std::uint64_t next_seq_ = 0;
  std::unique_ptr<BaseLayerWorker> worker_;   // declared after grid_: stops before it goes
  BaseLayerWorker::Result worker_out_;
  BaseLayerScratch base_scratch_;
  std::vector<std::uint32_t> base_rgba_;
  // Closed edges of a snapshot (drawn on top of the raster too): by a command, and
  // by a hazard (collapse, fire); counts per EdgeClosure code for the legend.
  std::shared_ptr<const Snapshot> closed_snap_;
  std::vector<std::uint32_t> closed_edges_, hazard_closed_edges_;
  int closed_count_[4] = {0, 0, 0, 0};
  // Fire cells of a snapshot: burning and burnt out (indices into Snapshot::fire_cells).
  std::shared_ptr<const Snapshot> fire_snap_;
  std::vector<std::uint32_t> fire_burning_, fire_burnt_;
  // Agents in view (zoomed in), for one view and snapshot.
  MapView agents_view_;
  std::shared_ptr<const Snapshot> agents_snap_;
  bool agents_valid_ = false;
  bool agents_points_ = false;  // this frame draws agents as points
  std::vector<std::uint32_t> agents_in_view_;

  std::vector<ImVec2> scratch_;
};

}  // namespace kitaku::ui
