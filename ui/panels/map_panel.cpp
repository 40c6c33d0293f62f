#include "map_panel.hpp"

#include <imgui.h>
#include <imgui_internal.h>  // SetItemUsingMouseWheel: the wheel zooms the map, not the window

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <map>
#include <string>
#include <string_view>

#include "kitaku/ui/fruin.hpp"
#include "kitaku/ui/i18n.hpp"
#include "panels/facilities_panel.hpp"
#include "panels/widgets.hpp"

namespace kitaku::ui {

namespace {

constexpr double kZoomStep = 1.2;      // per wheel notch
constexpr double kMinMpp = 0.05;       // closest zoom
constexpr double kCentreMpp = 2.0;     // a centre request zooms in to at least this scale
constexpr float kHoverEdgePx = 6;      // how near the cursor a road must be to be hovered
constexpr float kDragThresholdPx = 4;  // a press that moves less than this is a click
constexpr int kMaxClosedOverlay = 5000;   // per kind (command, hazard)
constexpr int kMaxFireCells = 20000;      // fire cells drawn per frame
constexpr int kSimpleFacilityMarkers = 400;  // more in view: small squares instead of circles (~80 vertices each)

constexpr ImU32 kSelection = IM_COL32(255, 220, 0, 255);
constexpr ImU32 kHover = IM_COL32(255, 255, 255, 200);
constexpr ImU32 kGuidance = IM_COL32(0, 230, 230, 255);
constexpr ImU32 kStation = IM_COL32(255, 255, 255, 255);
constexpr ImU32 kOutline = IM_COL32(0, 0, 0, 200);
constexpr ImU32 kText = IM_COL32(235, 235, 235, 255);
constexpr ImU32 kPanelBg = IM_COL32(20, 20, 24, 210);

/// Raster and vector colour of each road level (map_raster.hpp).
constexpr RasterPalette kPalette{kMapBackground, kMapEmptyRoad, kFruinColours[0], kFruinColours[1], kFruinColours[2],
                                 kFruinColours[3], kFruinColours[4], kFruinColours[5], kMapClosedRoad};

/// False when the draw list is about to overflow 16-bit indices on a renderer that
/// cannot split it (ImGuiBackendFlags_RendererHasVtxOffset unset, as in the headless
/// backend; Dear ImGui asserts past 65,536 vertices there). Bulk drawing stops then.
bool room(const ImDrawList* dl, unsigned verts) {
  if (ImGui::GetIO().BackendFlags & ImGuiBackendFlags_RendererHasVtxOffset) return true;
  return dl->_VtxCurrentIdx + verts < 60000;
}

ImVec2 operator+(ImVec2 a, ImVec2 b) { return {a.x + b.x, a.y + b.y}; }
ImVec2 operator-(ImVec2 a, ImVec2 b) { return {a.x - b.x, a.y - b.y}; }
ImVec2 operator*(ImVec2 a, float s) { return {a.x * s, a.y * s}; }
float length(ImVec2 v) { return std::sqrt(v.x * v.x + v.y * v.y); }

bool is_ascii(std::string_view s) {
  return std::all_of(s.begin(), s.end(), [](char c) { return static_cast<unsigned char>(c) < 0x80; });
}

char los_letter(double density) { return "ABCDEF"[static_cast<int>(fruin_level(density))]; }

template <class T>
bool sized(const std::vector<T>& v, std::size_t n) {
  return v.size() == n && n > 0;
}

/// A polyline drawn as dashes (closed roads).
void add_dashed(ImDrawList* dl, const ImVec2* pts, std::size_t n, ImU32 col, float thickness) {
  constexpr float kOn = 8, kOff = 5;
  float phase = 0;  // distance into the current on+off period
  for (std::size_t i = 1; i < n; ++i) {
    const ImVec2 a = pts[i - 1], d = pts[i] - pts[i - 1];
    const float len = length(d);
    if (len <= 0) continue;
    float t = 0;
    while (t < len) {
      const bool on = phase < kOn;
      const float step = std::min(len - t, on ? kOn - phase : kOn + kOff - phase);
      if (on) dl->AddLine(a + d * (t / len), a + d * ((t + step) / len), col, thickness);
      t += step;
      phase += step;
      if (phase >= kOn + kOff) phase = 0;
    }
  }
}

/// The point halfway along a polyline (screen pixels), and the polyline's length.
ImVec2 midpoint(const ImVec2* pts, std::size_t n, float& total) {
  total = 0;
  for (std::size_t i = 1; i < n; ++i) total += length(pts[i] - pts[i - 1]);
  float left = total / 2;
  for (std::size_t i = 1; i < n; ++i) {
    const float l = length(pts[i] - pts[i - 1]);
    if (l >= left && l > 0) return pts[i - 1] + (pts[i] - pts[i - 1]) * (left / l);
    left -= l;
  }
  return pts[0];
}

void add_cross(ImDrawList* dl, ImVec2 c, float r, ImU32 col, float thickness) {
  dl->AddLine(c + ImVec2(-r, -r), c + ImVec2(r, r), col, thickness);
  dl->AddLine(c + ImVec2(-r, r), c + ImVec2(r, -r), col, thickness);
}

/// A closed road, with an X at its middle when long enough to show one: magenta
/// dashes when closed by a command; a solid line in the hazard's colour when blocked
/// by collapse or closed by fire (solid, so the raster's closed colour below does not
/// show through).
void add_closed_road(ImDrawList* dl, const ImVec2* pts, std::size_t n, float thickness, std::uint8_t reason) {
  const float t = std::max(thickness, 3.f);
  const ImU32 col = closed_road_colour(reason);
  if (reason == static_cast<std::uint8_t>(EdgeClosure::kCommand)) add_dashed(dl, pts, n, col, t);
  else dl->AddPolyline(pts, static_cast<int>(n), col, ImDrawFlags_None, t);
  float len = 0;
  const ImVec2 mid = midpoint(pts, n, len);
  if (len >= 10) add_cross(dl, mid, std::clamp(t * 1.5f, 4.f, 10.f), col, 2.f);
}

const char* closure_label(std::uint8_t reason) {
  switch (static_cast<EdgeClosure>(reason)) {
    case EdgeClosure::kOpen: return "";
    case EdgeClosure::kCommand: return L("Closed (command)", "通行止め（指示）");
    case EdgeClosure::kCollapse: return L("Blocked by collapsed buildings", "建物倒壊による閉塞");
    case EdgeClosure::kFire: return L("Closed by fire", "火災による通行止め");
  }
  return L("Closed", "通行止め");
}

std::string scale_label(double metres) {
  char b[32];
  if (metres >= 1000) std::snprintf(b, sizeof b, "%g km", metres / 1000);
  else std::snprintf(b, sizeof b, "%g m", metres);
  return b;
}

const char* state_label(AgentState s) {
  switch (s) {
    case AgentState::kWaiting: return L("waiting", "待機");
    case AgentState::kRetained: return L("retained", "施設内待機");
    case AgentState::kStaying: return L("staying", "滞留");
    case AgentState::kWalkingHome: return L("walking home", "徒歩帰宅");
    case AgentState::kToFacility: return L("to facility", "施設へ移動");
    case AgentState::kSheltered: return L("sheltered", "受入済");
    case AgentState::kUnsheltered: return L("unsheltered", "屋外滞留");
    case AgentState::kByRail: return L("by rail", "鉄道で帰宅");
    case AgentState::kArrivedHome: return L("home", "帰宅済");
  }
  return "";
}

}  // namespace

ImU32 agent_state_colour(AgentState s) noexcept {
  switch (s) {
    case AgentState::kWaiting: return IM_COL32(175, 175, 200, 255);
    case AgentState::kRetained: return IM_COL32(180, 120, 255, 255);
    case AgentState::kStaying: return IM_COL32(210, 160, 90, 255);
    case AgentState::kWalkingHome: return IM_COL32(80, 220, 255, 255);
    case AgentState::kToFacility: return IM_COL32(255, 235, 60, 255);
    case AgentState::kSheltered: return IM_COL32(90, 255, 130, 255);
    case AgentState::kUnsheltered: return IM_COL32(255, 80, 80, 255);
    case AgentState::kByRail: return IM_COL32(70, 200, 210, 255);
    case AgentState::kArrivedHome: return IM_COL32(110, 110, 110, 255);
  }
  return IM_COL32_WHITE;
}

ImU32 closed_road_colour(std::uint8_t reason) noexcept {
  switch (static_cast<EdgeClosure>(reason)) {
    case EdgeClosure::kCollapse: return kMapBlockedRoad;
    case EdgeClosure::kFire: return kMapFireRoad;
    default: return kMapClosedRoad;
  }
}

MapPanel::~MapPanel() {
  worker_.reset();
  if (!host_) return;
  if (base_tex_) host_->release(base_tex_);
}

void MapPanel::set_view(Point c, double mpp) {
  view_.cx = c.x;
  view_.cy = c.y;
  view_.mpp = std::max(mpp, kMinMpp);
  fitted_ = true;
  fit_pending_ = false;
}

Point MapPanel::screen_to_map(ImVec2 s) const noexcept {
  return {view_.mx(s.x - origin_.x), view_.my(s.y - origin_.y)};
}

ImVec2 MapPanel::map_to_screen(Point p) const noexcept {
  return {origin_.x + static_cast<float>(view_.px(p.x)), origin_.y + static_cast<float>(view_.py(p.y))};
}

void MapPanel::ensure_network(const DashboardContext& ctx) {
  if (net_ == &ctx.network && grid_.edge_count() == ctx.network.edge_count()) return;
  worker_.reset();  // it reads the old grid
  net_ = &ctx.network;
  grid_ = EdgeGrid(ctx.network);
  base_valid_ = false;
  base_ = req_ = BaseLayerRequest{};
  agents_snap_.reset();
  agents_valid_ = false;
  closed_snap_.reset();
  fire_snap_.reset();
  if (!fitted_) fit_pending_ = true;
}

void MapPanel::fit(const DashboardContext& ctx) {
  BBox b = ctx.network.bbox();
  if (b.empty()) b = grid_.bounds();
  if (b.empty()) {
    view_.cx = view_.cy = 0;
    view_.mpp = 1;
    return;
  }
  const double bw = std::max(b.max_x - b.min_x, 1.0), bh = std::max(b.max_y - b.min_y, 1.0);
  view_.cx = (b.min_x + b.max_x) / 2;
  view_.cy = (b.min_y + b.max_y) / 2;
  view_.mpp = std::max({bw / (view_.w * 0.92), bh / (view_.h * 0.92), kMinMpp});
}

void MapPanel::zoom_about(ImVec2 screen, double factor) {
  const Point m = screen_to_map(screen);
  // Farthest out: eight times the whole network (or 100 m/px for a tiny one).
  const BBox b = grid_.bounds();
  const double extent = b.empty() ? 1000 : std::max(b.max_x - b.min_x, b.max_y - b.min_y);
  const double max_mpp = std::max(8 * extent / std::max(1, std::min(view_.w, view_.h)), 100.0);
  view_.mpp = std::clamp(view_.mpp * factor, kMinMpp, max_mpp);
  view_.cx = m.x - (screen.x - origin_.x - view_.w * 0.5) * view_.mpp;
  view_.cy = m.y + (screen.y - origin_.y - view_.h * 0.5) * view_.mpp;
}

bool MapPanel::raster_pending() const { return worker_ && worker_->busy(); }

float MapPanel::road_thickness_px(float width_m) const noexcept {
  // Whole pixels: ImGui then draws anti-aliased lines from its baked line texture,
  // 2 vertices per point instead of 4 and a third of the triangles, which matters
  // under a software renderer.
  return std::clamp(std::round(static_cast<float>(width_m / view_.mpp)), 1.f, 60.f);
}

float MapPanel::facility_radius(const DashboardContext& ctx, std::size_t f) const {
  const Snapshot* s = ctx.snap.get();
  const double cap = s && f < s->facility_capacity.size() ? s->facility_capacity[f] : ctx.city.facilities[f].capacity;
  return std::clamp(1.5f + 0.18f * static_cast<float>(std::sqrt(std::max(cap, 0.0))), 3.f, 14.f);
}

ImU32 facility_marker_colour(const Snapshot* s, std::size_t f) noexcept {
  if (!s || f >= s->facility_state.size()) return kMapFacilityClosed;
  if (f >= s->facility_capacity.size() || f >= s->facility_reserved.size()) return kMapFacilityClosed;
  switch (facility_status(*s, f)) {
    case FacilityStatus::kDamaged: return kMapFacilityDamaged;
    case FacilityStatus::kFull: return kMapFacilityFull;
    case FacilityStatus::kNoAgentRoom: return kMapFacilityNoAgentRoom;
    case FacilityStatus::kOpen: return kMapFacilityOpen;
    case FacilityStatus::kOpening: return kMapFacilityOpening;
    case FacilityStatus::kClosed: break;
  }
  return kMapFacilityClosed;
}

void MapPanel::Draw(DashboardContext& ctx) {
  ensure_network(ctx);
  host_ = &ctx.textures;
  coarse_agents_ = false;  // the legend lists "no room for an agent" only when a facility is
  if (const Snapshot* s = ctx.snap.get())
    for (std::size_t f = 0; f < s->facility_state.size() && !coarse_agents_; ++f)
      coarse_agents_ = facility_marker_colour(s, f) == kMapFacilityNoAgentRoom;
  const ImVec2 avail = ImGui::GetContentRegionAvail();
  origin_ = ImGui::GetCursorScreenPos();
  view_.w = std::max(64, static_cast<int>(avail.x));
  view_.h = std::max(64, static_cast<int>(avail.y));
  const ImVec2 size(static_cast<float>(view_.w), static_cast<float>(view_.h));
  if (!fitted_ || fit_pending_) {
    fit(ctx);
    fitted_ = true;
    fit_pending_ = false;
  }
  if (ctx.centre_request) {
    view_.cx = ctx.centre_on.x;
    view_.cy = ctx.centre_on.y;
    view_.mpp = std::min(view_.mpp, kCentreMpp);
    ctx.centre_request = false;
  }
  stats_ = MapFrameStats{};
  legend_shelters_ = legend_sites_ = false;
  for (const Facility& f : ctx.city.facilities) legend_shelters_ |= f.kind == FacilityKind::kDesignatedShelter;
  legend_sites_ = !ctx.city.evacuation_sites.empty();
  legend_wards_ = layers.wards && ctx.areas_for(AreaMode::kWard).regions() &&
                  !ctx.areas_for(AreaMode::kWard).regions()->boundaries.empty();

  ImDrawList* dl = ImGui::GetWindowDrawList();
  // Channel 0: the map; 1: the toolbar's backing; 2: toolbar, legend, scale bar.
  dl->ChannelsSplit(3);
  // The toolbar is submitted before the canvas button so it wins the mouse over it.
  dl->ChannelsSetCurrent(2);
  draw_toolbar(ctx);
  dl->ChannelsSetCurrent(0);
  ImGui::SetCursorScreenPos(origin_);
  const bool clicked = ImGui::InvisibleButton("##map_canvas", size);
  const bool activated = ImGui::IsItemActivated(), deactivated = ImGui::IsItemDeactivated();
  const bool active = ImGui::IsItemActive(), hovered = ImGui::IsItemHovered();
  ImGui::SetItemUsingMouseWheel();
  ctx.mark("map.canvas");

  // Mouse: drag pans (the grabbed map point follows the cursor), the wheel zooms
  // about the cursor, a press and release without a drag is a click.
  const ImGuiIO& io = ImGui::GetIO();
  const ImVec2 mouse = io.MousePos;
  if (activated) {
    press_pos_ = mouse;
    dragging_ = false;
  }
  if (active && !dragging_ && length(mouse - press_pos_) > kDragThresholdPx) {
    dragging_ = true;
    drag_anchor_ = screen_to_map(press_pos_);
  }
  if (active && dragging_) {
    view_.cx = drag_anchor_.x - (mouse.x - origin_.x - view_.w * 0.5) * view_.mpp;
    view_.cy = drag_anchor_.y + (mouse.y - origin_.y - view_.h * 0.5) * view_.mpp;
  }
  if ((hovered || active) && io.MouseWheel != 0) zoom_about(mouse, std::pow(kZoomStep, -io.MouseWheel));

  roads_vector_ = grid_.estimate(view_.bounds(8)) <= static_cast<std::size_t>(std::max(vector_max_edges, 0));
  if (hovered && !dragging_) pick(ctx, mouse);
  else clear_hover();
  if (clicked && !dragging_) {
    ctx.picked_point = screen_to_map(mouse);
    ctx.has_picked_point = true;
    if (valid(hovered_facility)) ctx.selected_facility = hovered_facility;
    else if (valid(hovered_edge)) ctx.selected_edge = hovered_edge;
  }
  if (deactivated) dragging_ = false;

  update_agents(ctx);
  const bool raster_roads = layers.roads && !roads_vector_;
  const bool heat = layers.agents && !agents_points_ && ctx.snap && ctx.snap->has_agents && !ctx.snap->agent_x.empty();
  update_base(ctx, raster_roads, heat);
  stats_.raster_used = raster_roads;
  stats_.heat_used = heat;

  dl->PushClipRect(origin_, origin_ + size, true);
  draw_base(dl, raster_roads || heat);
  if (layers.roads) draw_roads(ctx, dl);
  if (layers.fire) draw_fire(ctx, dl);
  if (layers.agents) draw_agents(ctx, dl);
  if (layers.wards) draw_wards(ctx, dl);
  if (layers.areas || ctx.selected_area >= 0) draw_areas(ctx, dl);
  draw_guidance(ctx, dl);
  draw_facilities(ctx, dl);
  draw_labels(ctx, dl);
  dl->PopClipRect();

  dl->ChannelsSetCurrent(2);
  dl->PushClipRect(origin_, origin_ + size, true);
  draw_overlays(dl);
  dl->PopClipRect();
  dl->ChannelsMerge();

  if (hovered && !dragging_) draw_tooltip(ctx);
}

void MapPanel::draw_toolbar(DashboardContext& ctx) {
  ImDrawList* dl = ImGui::GetWindowDrawList();
  ImGui::SetCursorScreenPos(origin_ + ImVec2(8, 8));
  ImGui::BeginGroup();
  if (ImGui::Button(L("Fit##fit", "全体##fit"))) fit(ctx);
  ctx.mark("map.fit");
  ImGui::SameLine();
  ImGui::Checkbox(L("Roads##roads", "道路##roads"), &layers.roads);
  ctx.mark("map.roads");
  ImGui::SameLine();
  ImGui::Checkbox(L("People##agents", "人##agents"), &layers.agents);
  ctx.mark("map.agents");
  ImGui::SameLine();
  ImGui::Checkbox(L("Facilities##facilities", "施設##facilities"), &layers.facilities);
  ctx.mark("map.facilities");
  ImGui::SameLine();
  ImGui::Checkbox(L("Stations##stations", "駅##stations"), &layers.stations);
  ctx.mark("map.stations");
  ImGui::SameLine();
  ImGui::Checkbox(L("Areas##areas", "エリア##areas"), &layers.areas);
  ctx.mark("map.areas");
  ImGui::SameLine();
  ImGui::Checkbox(L("Wards##wards", "区市町村##wards"), &layers.wards);
  ctx.mark("map.wards");
  ImGui::SameLine();
  ImGui::Checkbox(L("Names##labels", "名称##labels"), &layers.labels);
  ctx.mark("map.labels");
  if (ctx.snap && ctx.snap->fire_cells && !ctx.snap->fire_cells->empty()) {
    ImGui::SameLine();
    ImGui::Checkbox(L("Fire##fire", "火災##fire"), &layers.fire);
    ctx.mark("map.fire");
  }
  ImGui::EndGroup();
  const ImVec2 a = ImGui::GetItemRectMin() - ImVec2(4, 4), b = ImGui::GetItemRectMax() + ImVec2(4, 4);
  dl->ChannelsSetCurrent(1);
  dl->AddRectFilled(a, b, kPanelBg, 4);
  dl->ChannelsSetCurrent(2);
}

void MapPanel::pick(const DashboardContext& ctx, ImVec2 mouse) {
  clear_hover();
  const ImVec2 lo = origin_, hi = origin_ + region_size();
  if (mouse.x < lo.x || mouse.y < lo.y || mouse.x >= hi.x || mouse.y >= hi.y) return;
  // Facility markers lie on top, then stations, then roads.
  if (layers.facilities) {
    float best = 1e30f;
    for (std::size_t f = 0; f < ctx.city.facilities.size(); ++f) {
      const float d = length(map_to_screen(ctx.city.facilities[f].pos) - mouse);
      if (d <= facility_radius(ctx, f) + 3 && d < best) {
        best = d;
        hovered_facility = make_id<ShelterId>(f);
      }
    }
    if (valid(hovered_facility)) return;
  }
  if (layers.facilities) {
    float best = 1e30f;
    for (std::size_t i = 0; i < ctx.city.evacuation_sites.size(); ++i) {
      const float d = length(map_to_screen(ctx.city.evacuation_sites[i].pos) - mouse);
      if (d <= 6 && d < best) {
        best = d;
        hovered_site = static_cast<std::int64_t>(i);
      }
    }
    if (hovered_site >= 0) return;
  }
  if (layers.stations) {
    float best = 1e30f;
    for (std::size_t s = 0; s < ctx.city.stations.size(); ++s) {
      const float d = length(map_to_screen(ctx.city.stations[s].pos) - mouse);
      if (d <= 6 && d < best) {
        best = d;
        hovered_station = static_cast<std::int64_t>(s);
      }
    }
    if (hovered_station >= 0) return;
  }
  if (!layers.roads) return;
  const Point m = screen_to_map(mouse);
  // Wide roads drawn at their true width (vectors) are hoverable across it.
  const double reach_px = kHoverEdgePx + (roads_vector_ ? 30.0 : 2.0);
  BBox box;
  box.extend({m.x - reach_px * view_.mpp, m.y - reach_px * view_.mpp});
  box.extend({m.x + reach_px * view_.mpp, m.y + reach_px * view_.mpp});
  double best = kHoverEdgePx;
  grid_.for_each(box, [&](std::uint32_t e) {
    const EdgeId id{e};
    const auto g = ctx.network.geometry(id);
    double d = 1e300;
    for (std::size_t i = 1; i < g.size(); ++i) d = std::min(d, project_on_segment(m, g[i - 1], g[i]).dist);
    const double half = roads_vector_ ? road_thickness_px(ctx.network.width(id)) / 2
                                      : raster_thickness(ctx.network.width(id), view_.mpp) / 2.0;
    const double px = std::max(0.0, d / view_.mpp - half);
    if (px <= best) {
      best = px;
      hovered_edge = id;
    }
  });
}

void MapPanel::draw_roads(DashboardContext& ctx, ImDrawList* dl) {
  const Snapshot* s = ctx.snap.get();
  const std::size_t ne = ctx.network.edge_count();
  const bool have_density = s && sized(s->edge_density, ne);
  const bool have_closed = s && sized(s->edge_closed, ne);
  if (closed_snap_ != ctx.snap) {
    closed_snap_ = ctx.snap;
    closed_edges_.clear();
    hazard_closed_edges_.clear();
    std::fill(std::begin(closed_count_), std::end(closed_count_), 0);
    if (have_closed)
      for (std::uint32_t e = 0; e < ne; ++e) {
        const std::uint8_t r = s->edge_closed[e];
        if (!r) continue;
        ++closed_count_[std::min<int>(r, 3)];
        (r == static_cast<std::uint8_t>(EdgeClosure::kCommand) ? closed_edges_ : hazard_closed_edges_).push_back(e);
      }
  }
  auto screen_pts = [&](std::uint32_t e) {
    const auto g = ctx.network.geometry(EdgeId{e});
    scratch_.resize(g.size());
    for (std::size_t i = 0; i < g.size(); ++i) scratch_[i] = map_to_screen(g[i]);
  };
  const BBox vb = view_.bounds(8);
  if (roads_vector_) {
    // Zoomed in: polylines at the roads' true widths.
    grid_.for_each(vb, [&](std::uint32_t e) {
      if (!room(dl, 400)) return;
      screen_pts(e);
      const float t = road_thickness_px(ctx.network.width(EdgeId{e}));
      const std::uint8_t lvl = road_level(have_density ? s->edge_density[e] : 0.f, have_closed && s->edge_closed[e]);
      if (lvl == kLevelClosed) {
        add_closed_road(dl, scratch_.data(), scratch_.size(), t, s->edge_closed[e]);
        ++stats_.closed_roads;
      } else
        dl->AddPolyline(scratch_.data(), static_cast<int>(scratch_.size()), kPalette[lvl], ImDrawFlags_None, t);
      ++stats_.edges_vector;
    });
  } else {
    // Zoomed out: the roads are in the base layer (update_base).
    // Closed roads stay visible however far out: drawn again on top as vectors, in
    // the colour of why they are closed; a command's closures last, on top.
    for (const auto* list : {&hazard_closed_edges_, &closed_edges_}) {
      int drawn = 0;
      for (const std::uint32_t e : *list) {
        if (drawn >= kMaxClosedOverlay || !room(dl, 400)) break;
        screen_pts(e);
        bool in_view = false;
        for (const ImVec2& p : scratch_)
          in_view |= p.x >= origin_.x - 8 && p.y >= origin_.y - 8 && p.x <= origin_.x + view_.w + 8 &&
                     p.y <= origin_.y + view_.h + 8;
        if (!in_view) continue;
        add_closed_road(dl, scratch_.data(), scratch_.size(), 3.f, s->edge_closed[e]);
        ++drawn;
      }
      stats_.closed_roads += drawn;
    }
  }
  // The selected and the hovered road, outlined.
  for (const EdgeId e : {ctx.selected_edge, hovered_edge}) {
    if (!valid(e) || index(e) >= ne) continue;
    screen_pts(index(e));
    const float t = roads_vector_ ? road_thickness_px(ctx.network.width(e)) : 3.f;
    dl->AddPolyline(scratch_.data(), static_cast<int>(scratch_.size()), e == ctx.selected_edge ? kSelection : kHover,
                    ImDrawFlags_None, e == ctx.selected_edge ? t + 4 : std::max(std::round(t * 0.4f), 1.f));
  }
}

void MapPanel::draw_fire(DashboardContext& ctx, ImDrawList* dl) {
  const Snapshot* s = ctx.snap.get();
  if (!s || !s->fire_cells || s->fire_cells->empty()) return;
  const std::vector<FireCell>& cells = *s->fire_cells;
  if (fire_snap_ != ctx.snap) {
    // Which cells burn and which have burnt out: redone per snapshot, not per frame.
    fire_snap_ = ctx.snap;
    fire_burning_.clear();
    fire_burnt_.clear();
    for (std::uint32_t i = 0; i < cells.size(); ++i) {
      if (cells[i].ignite_s > s->time_s) continue;
      (s->time_s < cells[i].burnt_out_s ? fire_burning_ : fire_burnt_).push_back(i);
    }
  }
  // Burnt-out cells first, burning ones over them; at least 2 px, so a fire stays
  // visible zoomed out.
  const float x0 = origin_.x, y0 = origin_.y, x1 = origin_.x + view_.w, y1 = origin_.y + view_.h;
  int n = 0;
  for (const auto* list : {&fire_burnt_, &fire_burning_}) {
    const ImU32 col = list == &fire_burnt_ ? kMapFireBurnt : kMapFireBurning;
    for (const std::uint32_t i : *list) {
      if (n >= kMaxFireCells || !room(dl, 4)) break;
      const FireCell& c = cells[i];
      const float half = std::max(static_cast<float>(c.size_m / 2 / view_.mpp), 1.f);
      const ImVec2 p = map_to_screen(c.centre);
      if (p.x + half < x0 || p.y + half < y0 || p.x - half > x1 || p.y - half > y1) continue;
      dl->AddRectFilled(ImVec2(p.x - half, p.y - half), ImVec2(p.x + half, p.y + half), col);
      ++n;
    }
  }
  stats_.fire_cells = n;
}

void MapPanel::update_agents(const DashboardContext& ctx) {
  agents_points_ = false;
  const Snapshot* s = ctx.snap.get();
  if (!layers.agents || !s || !s->has_agents || s->agent_x.empty() || view_.mpp > agent_points_max_mpp) return;
  const auto cap = static_cast<std::size_t>(std::max(agent_points_max, 0));
  if (!agents_valid_ || !(agents_view_ == view_) || agents_snap_ != ctx.snap) {
    agents_in_view(s->agent_x, s->agent_y, s->agent_state, view_, 2.0, cap, agents_in_view_);
    agents_view_ = view_;
    agents_snap_ = ctx.snap;
    agents_valid_ = true;
  }
  agents_points_ = agents_in_view_.size() <= cap;
}

void MapPanel::update_base(DashboardContext& ctx, bool roads, bool heat) {
  if (!roads && !heat) return;
  BaseLayerRequest want;
  want.view = view_;
  want.snap = ctx.snap;
  want.roads = roads;
  want.heat = heat;
  want.heat_cell_px = std::max(heat_cell_px, 1);
  auto shown = [&](BaseLayerRequest req) {
    base_ = std::move(req);
    base_valid_ = true;
    raster_builds += base_.roads;
    heat_builds += base_.heat;
  };
  if (!(base_valid_ && base_.same_as(want))) {
    const std::size_t agents = ctx.snap ? ctx.snap->agent_x.size() : 0;
    const bool big = (roads && grid_.estimate(view_.bounds(8)) > static_cast<std::size_t>(std::max(async_raster_min_edges, 0))) ||
                     (heat && agents > static_cast<std::size_t>(std::max(async_min_agents, 0)));
    if (!big) {
      paint_base_layer(ctx.network, grid_, want, kPalette, base_scratch_, base_rgba_);
      base_tex_ = ctx.textures.upload(base_tex_, base_rgba_.data(), view_.w, view_.h);
      want.seq = ++next_seq_;
      shown(std::move(want));
      // A request still on the worker is older than this layer and will be dropped:
      // forget it, so that asking for its picture again sends it again.
      req_ = BaseLayerRequest{};
    } else if (!(req_.seq > 0 && req_.same_as(want))) {
      if (!worker_) worker_ = std::make_unique<BaseLayerWorker>(ctx.network, grid_, kPalette);
      want.seq = ++next_seq_;
      req_ = want;
      worker_->request(std::move(want));
    }
  }
  if (worker_ && worker_->take(worker_out_)) {
    if (worker_out_.req.seq > base_.seq) {
      base_tex_ = ctx.textures.upload(base_tex_, worker_out_.rgba.data(), worker_out_.req.view.w, worker_out_.req.view.h);
      shown(std::move(worker_out_.req));
    }
    worker_out_.req = BaseLayerRequest{};
  }
}

void MapPanel::draw_base(ImDrawList* dl, bool wanted) {
  const ImVec2 lo = origin_, hi = origin_ + region_size();
  if (!wanted || !base_valid_) {
    dl->AddRectFilled(lo, hi, kMapBackground);
    return;
  }
  if (base_.view == view_) {
    dl->AddImage(base_tex_, lo, hi);  // opaque: it is the background too
    return;
  }
  // A newer layer is being painted: show this one where it belongs in the current view.
  const MapView& v = base_.view;
  dl->AddRectFilled(lo, hi, kMapBackground);
  dl->AddImage(base_tex_, map_to_screen({v.mx(0), v.my(0)}), map_to_screen({v.mx(v.w), v.my(v.h)}));
}

void MapPanel::draw_agents(DashboardContext& ctx, ImDrawList* dl) {
  const Snapshot* s = ctx.snap.get();
  if (!agents_points_ || !s) return;
  // Zoomed in: a point per agent (the heatmap otherwise, in the base layer).
  const float r = view_.mpp < 0.5 ? 2.5f : 1.5f;
  const float x0 = origin_.x, y0 = origin_.y, x1 = origin_.x + view_.w, y1 = origin_.y + view_.h;
  int n = 0;
  for (const std::uint32_t i : agents_in_view_) {
    const ImVec2 p = map_to_screen({s->agent_x[i], s->agent_y[i]});
    if (p.x < x0 - r || p.y < y0 - r || p.x > x1 + r || p.y > y1 + r || !room(dl, 4)) continue;
    dl->AddRectFilled(ImVec2(p.x - r, p.y - r), ImVec2(p.x + r, p.y + r), agent_state_colour(s->agent_state[i]));
    ++n;
  }
  stats_.agents_points = n;
}

void MapPanel::draw_region_outline(const VoronoiRegions& r, int region, ImDrawList* dl, ImU32 col, float thickness) {
  // The edges of the region's cells that face another region or the box.
  for (std::size_t i = 0; i < r.sites.size(); ++i) {
    if (r.site_region[i] != region) continue;
    const auto& poly = r.cells[i];
    for (std::size_t k = 0; k < poly.size(); ++k) {
      const Point a = poly[k], b = poly[(k + 1) % poly.size()];
      // An inner edge of the region is shared with a cell of the same region: skip it
      // when the point just across the edge's middle is in the region too.
      const Point m{(a.x + b.x) / 2, (a.y + b.y) / 2};
      const double dx = b.x - a.x, dy = b.y - a.y, len = std::hypot(dx, dy);
      if (len <= 0) continue;
      const Point across{m.x + dy / len * 0.5, m.y - dx / len * 0.5};
      const Point within{m.x - dy / len * 0.5, m.y + dx / len * 0.5};
      const bool inside_box = across.x > r.box.min_x && across.x < r.box.max_x && across.y > r.box.min_y &&
                              across.y < r.box.max_y;
      if (inside_box && r.region_of(across.x, across.y) == region && r.region_of(within.x, within.y) == region) continue;
      dl->AddLine(map_to_screen(a), map_to_screen(b), col, thickness);
      ++stats_.area_outlines;
    }
  }
}

void MapPanel::draw_areas(const DashboardContext& ctx, ImDrawList* dl) {
  const Areas& areas = ctx.areas();
  const AreaGrid& g = areas.grid();
  const VoronoiRegions* regions = areas.regions();
  const ImU32 line = IM_COL32(255, 255, 255, 45), label = IM_COL32(255, 255, 255, 110);
  if (layers.areas && !regions) {
    const ImVec2 a = map_to_screen({g.x0, g.y0}), b = map_to_screen({g.x0 + g.nx * g.cell_m, g.y0 + g.ny * g.cell_m});
    for (int i = 0; i <= g.nx; ++i) {
      const float x = map_to_screen({g.x0 + i * g.cell_m, 0}).x;
      dl->AddLine(ImVec2(x, a.y), ImVec2(x, b.y), line);
    }
    for (int j = 0; j <= g.ny; ++j) {
      const float y = map_to_screen({0, g.y0 + j * g.cell_m}).y;
      dl->AddLine(ImVec2(a.x, y), ImVec2(b.x, y), line);
    }
    if (g.cell_m / view_.mpp >= 36)
      for (int c = 0; c < g.count(); ++c) {
        const BBox bb = g.bounds(c);
        dl->AddText(map_to_screen({bb.min_x, bb.max_y}) + ImVec2(3, 2), label, g.label(c).c_str());
      }
  } else if (layers.areas && regions && areas.mode() == AreaMode::kStation) {
    // Catchments: every boundary between two stations' cells (ward boundaries are the wards layer's).
    for (const VoronoiRegions::Edge& e : regions->boundaries) {
      dl->AddLine(map_to_screen(e.a), map_to_screen(e.b), IM_COL32(160, 220, 255, 90), 1.f);
      ++stats_.area_outlines;
    }
  }
  if (ctx.selected_area < 0 || ctx.selected_area >= areas.count()) return;
  const int c = static_cast<int>(ctx.selected_area);
  if (!regions) {
    const BBox bb = g.bounds(c);
    const ImVec2 tl = map_to_screen({bb.min_x, bb.max_y}), br = map_to_screen({bb.max_x, bb.min_y});
    dl->AddRectFilled(tl, br, IM_COL32(255, 220, 0, 25));
    dl->AddRect(tl, br, kSelection, 0, 0, 2.5f);
    dl->AddText(tl + ImVec2(4, 3), kSelection, g.label(c).c_str());
    stats_.area_outlines += 4;
  } else {
    draw_region_outline(*regions, c, dl, kSelection, 2.5f);
    place_label(dl, map_to_screen(areas.centre(c)), areas.label(c), 1.25f, kSelection, true);
  }
}

void MapPanel::draw_wards(const DashboardContext& ctx, ImDrawList* dl) {
  const VoronoiRegions* r = ctx.areas_for(AreaMode::kWard).regions();
  if (!r || r->count() < 1) return;
  if (ward_lines_for_ != r) {
    // Cut each boundary into pieces of about 1/300 of the network's extent and keep
    // those with a road within a piece's length (by the edge grid's cells).
    ward_lines_for_ = r;
    ward_lines_.clear();
    const BBox nb = ctx.network.bbox();
    const double piece = std::max(std::max(nb.max_x - nb.min_x, nb.max_y - nb.min_y) / 300, 10.0);
    for (const VoronoiRegions::Edge& e : r->boundaries) {
      const double len = std::hypot(e.b.x - e.a.x, e.b.y - e.a.y);
      const int n = std::max(1, static_cast<int>(std::ceil(len / piece)));
      for (int k = 0; k < n; ++k) {
        const Point a{e.a.x + (e.b.x - e.a.x) * k / n, e.a.y + (e.b.y - e.a.y) * k / n};
        const Point b{e.a.x + (e.b.x - e.a.x) * (k + 1) / n, e.a.y + (e.b.y - e.a.y) * (k + 1) / n};
        BBox box;
        box.extend({std::min(a.x, b.x) - piece, std::min(a.y, b.y) - piece});
        box.extend({std::max(a.x, b.x) + piece, std::max(a.y, b.y) + piece});
        bool road = false;
        grid_.for_each(box, [&](std::uint32_t) { road = true; });
        if (!road) continue;
        if (!ward_lines_.empty() && ward_lines_.back().second == a) ward_lines_.back().second = b;  // join
        else ward_lines_.push_back({a, b});
      }
    }
  }
  const BBox vb = view_.bounds(8);
  for (const auto& [a, b] : ward_lines_) {
    if (std::max(a.x, b.x) < vb.min_x || std::min(a.x, b.x) > vb.max_x || std::max(a.y, b.y) < vb.min_y ||
        std::min(a.y, b.y) > vb.max_y)
      continue;
    const ImVec2 pts[2] = {map_to_screen(a), map_to_screen(b)};
    dl->AddLine(pts[0], pts[1], IM_COL32(0, 0, 0, 170), 5.f);
    add_dashed(dl, pts, 2, kMapWardBoundary, 2.5f);
    ++stats_.ward_boundaries;
  }
}

bool MapPanel::place_label(ImDrawList* dl, ImVec2 at, const std::string& text, float scale, ImU32 col, bool boxed) {
  ImFont* font = ImGui::GetFont();
  const float size = ImGui::GetFontSize() * scale;
  const ImVec2 ts = font->CalcTextSizeA(size, 1e9f, 0, text.c_str());
  const ImVec2 pad(3, 1);
  const ImVec2 lo = at - ts * 0.5f - pad, hi = at + ts * 0.5f + pad;
  if (lo.x < origin_.x || lo.y < origin_.y || hi.x > origin_.x + view_.w || hi.y > origin_.y + view_.h) return false;
  for (const MapFrameStats::Label& l : stats_.labels)
    if (lo.x < l.max.x && hi.x > l.min.x && lo.y < l.max.y && hi.y > l.min.y) {
      ++stats_.labels_dropped;
      return false;
    }
  if (boxed) dl->AddRectFilled(lo, hi, IM_COL32(15, 15, 20, 175), 3);
  else  // a dark halo, so the name reads over busy roads
    for (const ImVec2 d : {ImVec2(-1, -1), ImVec2(1, -1), ImVec2(-1, 1), ImVec2(1, 1), ImVec2(0, 2), ImVec2(2, 0),
                           ImVec2(-2, 0), ImVec2(0, -2)})
      dl->AddText(font, size, at - ts * 0.5f + d, IM_COL32(0, 0, 0, 230), text.c_str());
  dl->AddText(font, size, at - ts * 0.5f, col, text.c_str());
  stats_.labels.push_back({text, lo, hi});
  return true;
}

void MapPanel::draw_labels(const DashboardContext& ctx, ImDrawList* dl) {
  // No name over the selected facility: its marker and ring are kept clear.
  if (ctx.exists(ctx.selected_facility)) {
    const std::size_t f = index(ctx.selected_facility);
    const ImVec2 p = map_to_screen(ctx.city.facilities[f].pos);
    const float r = facility_radius(ctx, f) + 8;
    stats_.labels.push_back({std::string(), p - ImVec2(r, r), p + ImVec2(r, r)});
  }
  // Most important first: ward names, then stations by ridership, then streets.
  if (layers.wards)
    if (const VoronoiRegions* r = ctx.areas_for(AreaMode::kWard).regions()) {
      // Each ward is named at the centre of its streets in view (sampled network
      // nodes), largest part first, while that part spans some 60 px.
      const BBox vb = view_.bounds(0);
      const auto regions = static_cast<std::size_t>(r->count());
      std::vector<double> cx(regions, 0), cy(regions, 0), nodes(regions, 0);
      std::vector<BBox> extent(regions);
      for (const Areas::Sample& p : ctx.areas_for(AreaMode::kWard).samples()) {
        if (p.pos.x < vb.min_x || p.pos.x > vb.max_x || p.pos.y < vb.min_y || p.pos.y > vb.max_y) continue;
        const auto w = static_cast<std::size_t>(p.area);
        cx[w] += p.pos.x;
        cy[w] += p.pos.y;
        ++nodes[w];
        extent[w].extend(p.pos);
      }
      std::vector<std::size_t> order;
      for (std::size_t w = 0; w < regions; ++w)
        if (nodes[w] > 0 && std::max(extent[w].max_x - extent[w].min_x, extent[w].max_y - extent[w].min_y) / view_.mpp >= 60)
          order.push_back(w);
      std::sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) { return nodes[a] > nodes[b]; });
      for (const std::size_t w : order)
        stats_.ward_labels += place_label(dl, map_to_screen({cx[w] / nodes[w], cy[w] / nodes[w]}), r->names[w], 1.7f,
                                          kMapWardName, true);
    }
  if (!layers.labels) return;
  const float x0 = origin_.x, y0 = origin_.y, x1 = origin_.x + view_.w, y1 = origin_.y + view_.h;
  auto in_view = [&](ImVec2 p) { return p.x >= x0 && p.y >= y0 && p.x <= x1 && p.y <= y1; };
  if (layers.stations) {
    std::vector<std::size_t> shown;
    for (std::size_t i = 0; i < ctx.city.stations.size(); ++i)
      if (in_view(map_to_screen(ctx.city.stations[i].pos))) shown.push_back(i);
    // Zoomed out over a big city the names would be a carpet: the busiest 60 in view at most.
    std::sort(shown.begin(), shown.end(), [&](std::size_t a, std::size_t b) {
      const double ra = ctx.city.stations[a].daily_riders, rb = ctx.city.stations[b].daily_riders;
      return ra != rb ? ra > rb : a < b;
    });
    if (shown.size() > 60) shown.resize(60);
    for (const std::size_t i : shown) {
      const Station& st = ctx.city.stations[i];
      // Japanese names as the source writes them, with 駅 ("銀座駅"); others as they are.
      const std::string text = is_ascii(st.name) || st.name.ends_with("駅") ? st.name : st.name + "駅";
      const ImVec2 p = map_to_screen(st.pos);
      const float up = ImGui::GetFontSize() * 0.5f + 8;
      stats_.station_labels += place_label(dl, p - ImVec2(0, up), text, 1.0f, kStation, true) ||
                               place_label(dl, p + ImVec2(0, up), text, 1.0f, kStation, true);
    }
  }
  // Streets, zoomed in: one name per street, on its longest link in view.
  if (!layers.roads || view_.mpp > 8) return;
  struct Street {
    std::uint32_t edge = 0;
    double metres = 0;
    int rank = 0;
  };
  std::map<std::string_view, Street> streets;
  int scanned = 0;
  grid_.for_each(view_.bounds(0), [&](std::uint32_t e) {
    if (++scanned > 50000) return;
    const EdgeId id{e};
    const std::string_view name = ctx.network.name(id);
    if (name.empty() || name.find(';') != std::string_view::npos) return;  // CrowdWalk exits: the stations say it
    const RoadClass rc = ctx.network.road_class(id);
    const int rank = rc == RoadClass::trunk || rc == RoadClass::primary ? 3
                     : rc == RoadClass::secondary || rc == RoadClass::other ? 2
                     : rc == RoadClass::tertiary ? 1 : 0;
    const double len = ctx.network.length(id);
    Street& s = streets[name];
    s.rank = std::max(s.rank, rank);
    if (len > s.metres) {
      s.metres = len;
      s.edge = e;
    }
  });
  std::vector<std::pair<std::string_view, Street>> list(streets.begin(), streets.end());
  std::sort(list.begin(), list.end(), [](const auto& a, const auto& b) {
    return a.second.rank != b.second.rank ? a.second.rank > b.second.rank : a.second.metres > b.second.metres;
  });
  int drawn = 0;
  for (const auto& [name, st] : list) {
    if (drawn >= 40) break;
    // Major streets up to 8 m/px, tertiary up to 3, minor ones only close in.
    if ((st.rank == 0 && view_.mpp > 1.5) || (st.rank == 1 && view_.mpp > 3)) continue;
    const auto g = ctx.network.geometry(EdgeId{st.edge});
    scratch_.resize(g.size());
    for (std::size_t i = 0; i < g.size(); ++i) scratch_[i] = map_to_screen(g[i]);
    float total = 0;
    const ImVec2 mid = midpoint(scratch_.data(), scratch_.size(), total);
    std::string text(name);
    std::replace(text.begin(), text.end(), '_', ' ');  // CrowdWalk's "Showa_dori"
    if (total < 4) continue;  // a link too short on screen to tell where the name belongs
    if (place_label(dl, mid, text, 0.9f, IM_COL32(225, 225, 230, 235), false)) {
      ++drawn;
      ++stats_.street_labels;
    }
  }
}

void MapPanel::draw_guidance(const DashboardContext& ctx, ImDrawList* dl) {
  for (const GuidanceMark& g : ctx.guidance) {
    const ImVec2 c = map_to_screen(g.centre);
    const float r = static_cast<float>(g.radius_m / view_.mpp);
    dl->AddCircle(c, std::max(r, 3.f), kGuidance, 0, 2.f);
    if (ctx.exists(g.facility)) {
      const ImVec2 t = map_to_screen(ctx.city.facilities[index(g.facility)].pos);
      const ImVec2 d = t - c;
      const float len = length(d);
      const float stop = facility_radius(ctx, index(g.facility)) + 3;
      if (len > stop + 4) {
        const ImVec2 u = d * (1.f / len), n(-u.y, u.x);
        const ImVec2 tip = t - u * stop;
        dl->AddLine(c, tip - u * 6.f, kGuidance, 2.f);
        dl->AddTriangleFilled(tip, tip - u * 12.f + n * 6.f, tip - u * 12.f - n * 6.f, kGuidance);
      }
    }
    ++stats_.guidance;
  }
}

void MapPanel::draw_facilities(DashboardContext& ctx, ImDrawList* dl) {
  const Snapshot* s = ctx.snap.get();
  const float x0 = origin_.x - 16, y0 = origin_.y - 16, x1 = origin_.x + view_.w + 16, y1 = origin_.y + view_.h + 16;
  auto in_view = [&](ImVec2 p) { return p.x >= x0 && p.y >= y0 && p.x <= x1 && p.y <= y1; };
  if (layers.stations)
    for (const Station& st : ctx.city.stations) {
      const ImVec2 p = map_to_screen(st.pos);
      if (!in_view(p)) continue;
      dl->AddRectFilled(p - ImVec2(3.5f, 3.5f), p + ImVec2(3.5f, 3.5f), kStation);
      dl->AddRect(p - ImVec2(4.5f, 4.5f), p + ImVec2(4.5f, 4.5f), kOutline);
      ++stats_.stations;
    }
  const auto& fac = ctx.city.facilities;
  if (layers.facilities)
    for (const Facility& site : ctx.city.evacuation_sites) {
      // An evacuation site (open space, not a stay): an outlined triangle.
      const ImVec2 p = map_to_screen(site.pos);
      if (!in_view(p) || !room(dl, 40)) continue;
      dl->AddTriangleFilled(p + ImVec2(0, -6), p + ImVec2(5.5f, 4), p + ImVec2(-5.5f, 4), IM_COL32(20, 60, 50, 200));
      dl->AddTriangle(p + ImVec2(0, -6), p + ImVec2(5.5f, 4), p + ImVec2(-5.5f, 4), kMapEvacuationSite, 1.5f);
      ++stats_.evacuation_sites;
    }
  if (layers.facilities) {
    int visible = 0;
    for (const Facility& f : fac) visible += in_view(map_to_screen(f.pos));
    const bool simple = visible > kSimpleFacilityMarkers;
    for (std::size_t f = 0; f < fac.size(); ++f) {
      const ImVec2 p = map_to_screen(fac[f].pos);
      if (!in_view(p) || !room(dl, 100)) continue;
      const ImU32 col = facility_marker_colour(s, f);
      const bool shelter = fac[f].kind == FacilityKind::kDesignatedShelter;
      if (simple) {
        dl->AddRectFilled(p - ImVec2(2, 2), p + ImVec2(2, 2), col);
      } else if (shelter) {
        // A designated shelter: a diamond, so it is not mistaken for a temporary stay facility.
        const float r = facility_radius(ctx, f) * 1.2f;
        dl->AddQuadFilled(p + ImVec2(0, -r), p + ImVec2(r, 0), p + ImVec2(0, r), p + ImVec2(-r, 0), col);
        dl->AddQuad(p + ImVec2(0, -r), p + ImVec2(r, 0), p + ImVec2(0, r), p + ImVec2(-r, 0), kOutline, 1.f);
        if (col == kMapFacilityDamaged) add_cross(dl, p, r * 0.5f, IM_COL32_WHITE, 1.5f);
      } else {
        const float r = facility_radius(ctx, f);
        dl->AddCircleFilled(p, r, col, 12);
        dl->AddCircle(p, r, kOutline, 12, 1.f);
        if (col == kMapFacilityDamaged) add_cross(dl, p, r * 0.65f, IM_COL32_WHITE, 1.5f);
      }
      ++stats_.facilities;
      stats_.shelters += shelter;
    }
  }
  if (valid(ctx.selected_facility) && index(ctx.selected_facility) < fac.size()) {
    const std::size_t f = index(ctx.selected_facility);
    dl->AddCircle(map_to_screen(fac[f].pos), facility_radius(ctx, f) + 4, kSelection, 0, 2.5f);
  }
  if (valid(hovered_facility) && index(hovered_facility) < fac.size()) {
    const std::size_t f = index(hovered_facility);
    dl->AddCircle(map_to_screen(fac[f].pos), facility_radius(ctx, f) + 2, kHover, 0, 1.5f);
  }
}

void MapPanel::draw_overlays(ImDrawList* dl) {
  const float line_h = ImGui::GetTextLineHeight();
  // Scale bar, bottom left: the longest 1-2-5 length that fits in 140 px.
  {
    const double max_m = 140 * view_.mpp;
    double nice = 0.1;
    for (double p = 0.1; p <= 1e6; p *= 10)
      for (const double k : {1.0, 2.0, 5.0})
        if (k * p <= max_m) nice = k * p;
    const float px = static_cast<float>(nice / view_.mpp);
    const ImVec2 a = origin_ + ImVec2(14, static_cast<float>(view_.h) - 14);
    const std::string text = scale_label(nice);
    dl->AddRectFilled(a - ImVec2(6, line_h + 10), a + ImVec2(std::max(px, ImGui::CalcTextSize(text.c_str()).x) + 6, 6),
                      kPanelBg, 3);
    dl->AddLine(a, a + ImVec2(px, 0), kText, 2);
    dl->AddLine(a - ImVec2(0, 5), a, kText, 2);
    dl->AddLine(a + ImVec2(px, -5), a + ImVec2(px, 0), kText, 2);
    dl->AddText(a - ImVec2(0, line_h + 6), kText, text.c_str());
  }
  // Legend, bottom right: roads by level of service, closed roads, facility states,
  // and agent states while agents are drawn as points.
  struct Row {
    ImU32 col;
    const char* text;
    bool round;
  };
  std::vector<Row> rows;
  // Densities in persons/m2, as the road hover, peak_density.png and results.gpkg give
  // them (Fruin's bounds are areas per person: A > 3.25 m2 is < 0.31 p/m2).
  rows.push_back({0, L("Roads: level of service (Fruin), persons/m²", "道路: 歩行者サービス水準 (Fruin)、人/m²"), false});
  const char* const los[6] = {L("A  < 0.31 p/m²", "A  < 0.31 人/m²"), L("B  0.31 - 0.43", "B  0.31 - 0.43"),
                              L("C  0.43 - 0.71", "C  0.43 - 0.71"), L("D  0.71 - 1.11", "D  0.71 - 1.11"),
                              L("E  1.11 - 2.17", "E  1.11 - 2.17"),
                              L("F  > 2.17 (6 and over: crush risk)", "F  > 2.17（6 以上は群集事故の危険）")};
  for (std::size_t i = 0; i < kFruinColours.size(); ++i) rows.push_back({kFruinColours[i], los[i], false});
  rows.push_back({kMapEmptyRoad, L("no one on it", "歩行者なし"), false});
  rows.push_back({kMapClosedRoad, L("closed (command)", "通行止め（指示）"), false});
  if (closed_count_[static_cast<int>(EdgeClosure::kCollapse)] > 0)
    rows.push_back({kMapBlockedRoad, L("blocked by collapse", "倒壊による閉塞"), false});
  if (closed_count_[static_cast<int>(EdgeClosure::kFire)] > 0)
    rows.push_back({kMapFireRoad, L("closed by fire", "火災による通行止め"), false});
  if (layers.fire && (!fire_burning_.empty() || !fire_burnt_.empty())) {
    rows.push_back({kMapFireBurning, L("burning", "延焼中"), false});
    rows.push_back({kMapFireBurnt, L("burnt out", "焼失"), false});
  }
  if (layers.facilities) {
    rows.push_back({0, L("Facilities", "一時滞在施設"), false});
    rows.push_back({kMapFacilityOpen, L("open", "開設"), true});
    rows.push_back({kMapFacilityOpening, L("opening soon", "開設準備中"), true});
    rows.push_back({kMapFacilityFull, L("full", "満員"), true});
    if (coarse_agents_) rows.push_back({kMapFacilityNoAgentRoom, L("no room for an agent", "1エージェント分の空きなし"), true});
    rows.push_back({kMapFacilityClosed, L("closed", "閉鎖"), true});
    rows.push_back({kMapFacilityDamaged, L("damaged", "被災"), true});
    if (legend_shelters_) rows.push_back({kMapFacilityOpen, L("diamond: designated shelter", "ひし形: 指定避難所"), false});
    if (legend_sites_) rows.push_back({kMapEvacuationSite, L("triangle: evacuation site (not a stay)", "三角: 指定緊急避難場所（滞在不可）"), false});
  }
  if (legend_wards_) rows.push_back({kMapWardBoundary, L("ward boundary (approximate)", "区市町村境（概略）"), false});
  if (layers.agents && stats_.agents_points > 0) {
    rows.push_back({0, L("People", "人"), false});
    for (int i = 0; i < kAgentStates; ++i) {
      const auto st = static_cast<AgentState>(i);
      if (st == AgentState::kByRail || st == AgentState::kArrivedHome) continue;  // not on the map
      rows.push_back({agent_state_colour(st), state_label(st), false});
    }
  } else if (layers.agents && stats_.heat_used) {
    rows.push_back({IM_COL32(200, 80, 255, 200), L("people per hectare (log scale)", "人/ha (対数)"), false});
  }
  float wmax = 0;
  for (const Row& r : rows) wmax = std::max(wmax, ImGui::CalcTextSize(r.text).x + (r.col ? 18.f : 0.f));
  const float row_h = line_h + 2;
  const ImVec2 size(wmax + 16, row_h * static_cast<float>(rows.size()) + 12);
  const ImVec2 tl = origin_ + ImVec2(static_cast<float>(view_.w) - size.x - 10, static_cast<float>(view_.h) - size.y - 10);
  dl->AddRectFilled(tl, tl + size, kPanelBg, 4);
  ImVec2 p = tl + ImVec2(8, 6);
  for (const Row& r : rows) {
    if (r.col) {
      const ImVec2 c = p + ImVec2(6, row_h / 2);
      if (r.round) {
        dl->AddCircleFilled(c, 5, r.col, 12);
        if (r.col == kMapFacilityDamaged) add_cross(dl, c, 3, IM_COL32_WHITE, 1);
      } else {
        dl->AddRectFilled(c - ImVec2(6, 4), c + ImVec2(6, 4), r.col);
      }
      dl->AddText(p + ImVec2(18, 1), kText, r.text);
    } else {
      dl->AddText(p + ImVec2(0, 1), kText, r.text);
    }
    p.y += row_h;
  }
}

void MapPanel::draw_tooltip(const DashboardContext& ctx) {
  const Snapshot* s = ctx.snap.get();
  if (ctx.exists(hovered_facility)) {
    const std::size_t f = index(hovered_facility);
    const Facility& fac = ctx.city.facilities[f];
    ImGui::BeginTooltip();
    ImGui::TextUnformatted(facility_label(ctx.city, make_id<ShelterId>(f)).c_str());
    ImGui::TextDisabled("%s%s%s", facility_kind_label(fac.kind), fac.area.empty() ? "" : " · ", fac.area.c_str());
    ImGui::TextDisabled("%s", capacity_source_label(fac));
    if (s && f < s->facility_state.size()) {
      ImGui::Text(L("Places %.0f: inside %.0f, arriving %.0f, free %.0f (persons)", "収容 %.0f 人：滞在 %.0f、到着予定 %.0f、空き %.0f"),
                  s->facility_capacity[f], s->facility_occupancy[f],
                  std::max(0.0, s->facility_reserved[f] - s->facility_occupancy[f]), free_places(*s, f));
      const ImU32 col = facility_marker_colour(s, f);
      const char* state = facility_status_label(facility_status(*s, f));
      ImGui::TextColored(ImGui::ColorConvertU32ToFloat4(col == kMapFacilityDamaged ? IM_COL32_WHITE : col), "%s", state);
      if (col == kMapFacilityOpening)
        ImGui::Text("%s %s", L("Opens at", "開設予定"), ctx.clock_text(s->facility_open_at_s[f]).c_str());
    }
    ImGui::EndTooltip();
  } else if (hovered_site >= 0) {
    const Facility& site = ctx.city.evacuation_sites[static_cast<std::size_t>(hovered_site)];
    ImGui::BeginTooltip();
    ImGui::TextUnformatted(site.name.c_str());
    ImGui::TextDisabled("%s%s%s", facility_kind_label(site.kind), site.area.empty() ? "" : " · ", site.area.c_str());
    ImGui::TextUnformatted(L("An open space to flee to, not a place to stay the night: no places.",
                             "避難する屋外の場所で、夜を過ごす施設ではありません（収容なし）。"));
    ImGui::EndTooltip();
  } else if (hovered_station >= 0) {
    const Station& st = ctx.city.stations[static_cast<std::size_t>(hovered_station)];
    ImGui::BeginTooltip();
    ImGui::Text("%s %s", L("Station", "駅"), st.name.c_str());
    ImGui::Text("%s %.0f", L("Riders per day:", "1日乗降客数:"), st.daily_riders);
    ImGui::EndTooltip();
  } else if (ctx.exists(hovered_edge)) {
    const EdgeId id = hovered_edge;
    const std::size_t e = index(hovered_edge);
    const std::size_t ne = ctx.network.edge_count();
    const double density = s && sized(s->edge_density, ne) ? s->edge_density[e] : 0.0;
    const double speed = s && sized(s->edge_speed, ne) ? s->edge_speed[e] : 0.0;
    const std::uint8_t closed = s && sized(s->edge_closed, ne) ? s->edge_closed[e] : 0;
    const std::string_view name = ctx.network.name(id);
    ImGui::BeginTooltip();
    if (name.empty()) ImGui::TextUnformatted(L("(unnamed road)", "(名称なし)"));
    else ImGui::TextUnformatted(name.data(), name.data() + name.size());
    ImGui::TextDisabled("%s, %.1f m %s, %.0f m", kitaku::name(ctx.network.road_class(id)).data(), ctx.network.width(id),
                        L("wide", "幅"), ctx.network.length(id));
    ImGui::Text("%s %.2f %s", L("Density:", "密度:"), density, L("persons/m²", "人/m²"));
    ImGui::Text("%s %.2f m/s", L("Speed:", "速度:"), speed);
    ImGui::Text("%s %.2f %s", L("Flow:", "流量:"), density * speed, L("persons/(m·s)", "人/(m·s)"));
    ImGui::Text("%s %c", L("Level of service:", "サービス水準:"), los_letter(density));
    if (closed) ImGui::TextColored(ImGui::ColorConvertU32ToFloat4(closed_road_colour(closed)), "%s", closure_label(closed));
    ImGui::EndTooltip();
  }
}

}  // namespace kitaku::ui
