#include <doctest/doctest.h>

#include <algorithm>
#include <chrono>
#include <thread>
#include <cmath>
#include <map>
#include <random>
#include <set>

#include "kitaku/ui/fruin.hpp"
#include "kitaku/ui/i18n.hpp"
#include "panels/map_panel.hpp"
#include "panels/map_raster.hpp"
#include "ui_harness.hpp"

using namespace kitaku;

namespace {

ImVec2 operator+(ImVec2 a, ImVec2 b) { return {a.x + b.x, a.y + b.y}; }
ImVec2 operator-(ImVec2 a, ImVec2 b) { return {a.x - b.x, a.y - b.y}; }

struct MapFixture {
  test::UiHarness h;
  ui::MapPanel map;
  std::function<void()> draw = [this] { map.Draw(h.ctx); };

  void frame() { h.frame(draw); }
  void move(ImVec2 p) {
    ImGui::GetIO().MousePos = p;
    frame();
  }
  void press() {
    ImGui::GetIO().MouseDown[0] = true;
    frame();
  }
  void release() {
    ImGui::GetIO().MouseDown[0] = false;
    frame();
  }
  void click_at(ImVec2 p) {
    move(p);
    press();
    release();
  }
  ImVec2 region_centre() const {
    return {map.region_min().x + map.region_size().x / 2, map.region_min().y + map.region_size().y / 2};
  }
  /// The grid edge between two node positions.
  std::int64_t edge_between(Point a, Point b) const {
    for (std::uint32_t e = 0; e < h.net.edge_count(); ++e) {
      const auto g = h.net.geometry(EdgeId{e});
      if ((g.front() == a && g.back() == b) || (g.front() == b && g.back() == a)) return e;
    }
    return -1;
  }
  /// Vertices of the last frame with exactly this colour.
  int vertices_of(ImU32 col) const {
    const ImDrawData* dd = h.backend.last_draw_data();
    int n = 0;
    for (int l = 0; l < dd->CmdListsCount; ++l)
      for (const ImDrawVert& v : dd->CmdLists[l]->VtxBuffer) n += v.col == col;
    return n;
  }
  int fruin_vertices() const {
    int n = 0;
    for (const auto c : ui::kFruinColours) n += vertices_of(c);
    return n;
  }
  /// Pixel counts by colour of an uploaded texture.
  std::map<std::uint32_t, int> colours(ImTextureID tex) const {
    std::map<std::uint32_t, int> out;
    const auto* img = h.backend.image(tex);
    REQUIRE(img != nullptr);
    for (const auto p : img->rgba) ++out[p];
    return out;
  }
  /// Steps until some road has people on it.
  void advance_until_walking() {
    for (int i = 0; i < 100; ++i) {
      h.advance(12);
      const auto s = h.runner.latest();
      if (std::any_of(s->edge_density.begin(), s->edge_density.end(), [](float d) { return d > 0; })) return;
    }
    FAIL("no one walked on a road");
  }
};

bool inside(ImVec2 p, ImVec2 lo, ImVec2 size) {
  return p.x >= lo.x && p.y >= lo.y && p.x <= lo.x + size.x && p.y <= lo.y + size.y;
}

}  // namespace

TEST_CASE("the first frame fits the whole grid, north up") {
  MapFixture f;
  f.frame();
  const ImVec2 lo = f.map.region_min(), size = f.map.region_size();
  CHECK(size.x == doctest::Approx(1280 - 16));  // the window's content region
  for (std::size_t n = 0; n < f.h.net.node_count(); ++n)
    CHECK(inside(f.map.map_to_screen(f.h.net.pos(NodeId{static_cast<std::uint32_t>(n)})), lo, size));
  const ImVec2 sw = f.map.map_to_screen({0, 0}), ne = f.map.map_to_screen({800, 800});
  CHECK(ne.y < sw.y);  // north is up
  CHECK(ne.x > sw.x);
  CHECK(sw.y - ne.y >= 0.85f * size.y);  // the grid fills most of the height
  const Point back = f.map.screen_to_map(f.map.map_to_screen({123, 456}));
  CHECK(back.x == doctest::Approx(123).epsilon(1e-4));
  CHECK(back.y == doctest::Approx(456).epsilon(1e-4));
  // 144 short roads in view: drawn as vectors, with facilities and the station.
  CHECK(f.map.last_frame().edges_vector == 144);
  CHECK_FALSE(f.map.last_frame().raster_used);
  CHECK(f.map.last_frame().facilities == 2);
  CHECK(f.map.last_frame().stations == 1);

  // After zooming far out, "Fit" brings the same view back.
  const double fitted = f.map.m_per_px();
  f.map.set_view({5000, 5000}, 40);
  f.h.click("map.fit", f.draw);
  CHECK(f.map.m_per_px() == doctest::Approx(fitted));
  CHECK(f.map.centre().x == doctest::Approx(400));
  CHECK(f.map.centre().y == doctest::Approx(400));
}

TEST_CASE("the wheel zooms about the cursor: the point under it stays put") {
  MapFixture f;
  f.frame();
  // ImGui floors the mouse position to whole pixels.
  const ImVec2 m(std::floor(f.map.map_to_screen({150, 520}).x), std::floor(f.map.map_to_screen({150, 520}).y));
  f.move(m);
  const Point before = f.map.screen_to_map(m);
  const double mpp0 = f.map.m_per_px();
  ImGui::GetIO().MouseWheel = 2;
  f.frame();
  ImGui::GetIO().MouseWheel = 0;
  CHECK(f.map.m_per_px() == doctest::Approx(mpp0 / 1.44));
  Point after = f.map.screen_to_map(m);
  CHECK(after.x == doctest::Approx(before.x).epsilon(1e-9));
  CHECK(after.y == doctest::Approx(before.y).epsilon(1e-9));
  // And out again, about another point.
  const ImVec2 m2 = f.region_centre() + ImVec2(200, 150);
  f.move(m2);
  const Point before2 = f.map.screen_to_map(m2);
  ImGui::GetIO().MouseWheel = -1;
  f.frame();
  ImGui::GetIO().MouseWheel = 0;
  CHECK(f.map.m_per_px() == doctest::Approx(mpp0 / 1.2));
  after = f.map.screen_to_map(m2);
  CHECK(after.x == doctest::Approx(before2.x).epsilon(1e-9));
  CHECK(after.y == doctest::Approx(before2.y).epsilon(1e-9));
}

TEST_CASE("dragging pans the map and is not a click") {
  MapFixture f;
  f.frame();
  const Point c0 = f.map.centre();
  const double mpp = f.map.m_per_px();
  const ImVec2 p = f.region_centre() + ImVec2(-150, 100);
  const Point grabbed = f.map.screen_to_map(p);
  f.move(p);
  f.press();
  f.move(p + ImVec2(30, 10));
  f.move(p + ImVec2(70, 30));
  f.move(p + ImVec2(100, 50));
  f.release();
  CHECK(f.map.centre().x == doctest::Approx(c0.x - 100 * mpp));
  CHECK(f.map.centre().y == doctest::Approx(c0.y + 50 * mpp));  // dragging down shows more of the north
  const Point under = f.map.screen_to_map(p + ImVec2(100, 50));
  CHECK(under.x == doctest::Approx(grabbed.x));
  CHECK(under.y == doctest::Approx(grabbed.y));
  CHECK_FALSE(f.h.ctx.has_picked_point);
  CHECK(f.h.ctx.selected_facility == kNoShelter);
  CHECK(f.h.ctx.selected_edge == kNoEdge);
  CHECK(f.map.m_per_px() == doctest::Approx(mpp));
}

TEST_CASE("clicking a facility selects it and picks the clicked point; clicking a road selects the road") {
  MapFixture f;
  f.frame();
  const Point pos = f.h.city.facilities[1].pos;  // 南の施設, on a street corner
  const ImVec2 s = f.map.map_to_screen(pos) + ImVec2(2, -1);
  f.move(s);
  CHECK(f.map.hovered_facility == make_id<ShelterId>(1));  // the marker wins over the roads under it
  f.press();
  f.release();
  CHECK(f.h.ctx.selected_facility == make_id<ShelterId>(1));
  CHECK(f.h.ctx.selected_edge == kNoEdge);
  REQUIRE(f.h.ctx.has_picked_point);
  CHECK(distance(f.h.ctx.picked_point, pos) < 3 * f.map.m_per_px());

  const auto e = f.edge_between({0, 300}, {100, 300});
  REQUIRE(e >= 0);
  f.click_at(f.map.map_to_screen({50, 301}));
  CHECK(f.h.ctx.selected_edge == make_id<EdgeId>(e));
  CHECK(f.h.ctx.selected_facility == make_id<ShelterId>(1));  // a road click leaves the facility selection alone
  CHECK(f.h.ctx.picked_point.x == doctest::Approx(50).epsilon(0.02));
  CHECK(f.h.ctx.picked_point.y == doctest::Approx(301).epsilon(0.01));
}

TEST_CASE("hovering a road shows its tooltip; empty ground shows none") {
  MapFixture f;
  f.frame();
  const auto e = f.edge_between({500, 700}, {500, 800});
  REQUIRE(e >= 0);
  // 4 px beside the road's edge still counts.
  f.move(f.map.map_to_screen({500, 750}) + ImVec2(4 + 2 / static_cast<float>(f.map.m_per_px()), 0));
  f.frame();  // a tooltip window shows from its second frame
  CHECK(f.map.hovered_edge == make_id<EdgeId>(e));
  CHECK(f.map.hovered_facility == kNoShelter);
  CHECK(f.h.backend.last_draw_data()->CmdListsCount == 2);  // the panel and the tooltip
  f.move(ImVec2(f.map.region_min().x + 60, f.region_centre().y));  // far west of the grid
  f.frame();
  CHECK(f.map.hovered_edge == kNoEdge);
  CHECK(f.h.backend.last_draw_data()->CmdListsCount == 1);
  // Japanese labels draw too (the tooltip of a facility included).
  ui::set_language(ui::Lang::kJapanese);
  f.move(f.map.map_to_screen(f.h.city.facilities[0].pos));
  f.frame();
  CHECK(f.map.hovered_facility == make_id<ShelterId>(0));
  CHECK(f.h.backend.last_draw_data()->CmdListsCount == 2);
  ui::set_language(ui::Lang::kEnglish);
}

TEST_CASE("the road raster shows Fruin colours once people walk, and is rebuilt only on change") {
  MapFixture f;
  f.map.vector_max_edges = 0;  // force the raster path
  f.map.layers.agents = false;
  f.frame();
  CHECK(f.map.last_frame().raster_used);
  CHECK(f.map.last_frame().edges_vector == 0);
  CHECK(f.map.raster_builds == 1);
  const auto* img = f.h.backend.image(f.map.base_texture());
  REQUIRE(img != nullptr);
  CHECK(img->w == static_cast<int>(f.map.region_size().x));
  CHECK(img->h == static_cast<int>(f.map.region_size().y));
  // The raster holds exactly the levels the snapshot's roads are at.
  auto levels_in_snapshot = [&] {
    std::set<std::uint32_t> want{ui::kMapBackground};
    const auto s = f.h.runner.latest();
    for (std::size_t e = 0; e < s->edge_density.size(); ++e)
      want.insert(s->edge_closed[e] ? ui::kMapClosedRoad
                  : s->edge_density[e] > 0 ? ui::kFruinColours[static_cast<int>(ui::fruin_level(s->edge_density[e]))]
                                           : ui::kMapEmptyRoad);
    return want;
  };
  auto before = f.colours(f.map.base_texture());
  std::set<std::uint32_t> got;
  for (const auto& [c, n] : before) got.insert(c);
  CHECK(got == levels_in_snapshot());
  CHECK(before[ui::kMapEmptyRoad] > 5000);  // 144 roads, 3 px wide at this scale

  // Nothing changed: no rebuild, however many frames (hovering included).
  f.frame();
  f.move(f.map.map_to_screen({500, 750}));
  f.frame();
  CHECK(f.map.raster_builds == 1);

  f.advance_until_walking();
  f.frame();
  CHECK(f.map.raster_builds == 2);  // a new snapshot
  const auto after = f.colours(f.map.base_texture());
  got.clear();
  for (const auto& [c, n] : after) got.insert(c);
  CHECK(got == levels_in_snapshot());
  int fruin = 0;
  for (const auto c : ui::kFruinColours) fruin += after.count(c) ? after.at(c) : 0;
  CHECK(fruin > 0);
  CHECK(after.at(ui::kMapEmptyRoad) < before.at(ui::kMapEmptyRoad));

  // A new view rebuilds it, once.
  ImGui::GetIO().MouseWheel = 1;
  f.frame();
  ImGui::GetIO().MouseWheel = 0;
  CHECK(f.map.raster_builds == 3);
  f.frame();
  CHECK(f.map.raster_builds == 3);
}

TEST_CASE("large rasters are painted on the worker thread and shown when done") {
  MapFixture f;
  f.map.vector_max_edges = 0;
  f.map.async_raster_min_edges = 0;  // every raster goes to the worker
  f.map.layers.agents = false;
  auto wait_for_raster = [&](int builds) {
    for (int i = 0; i < 5000 && f.map.raster_builds < builds; ++i) {
      std::this_thread::sleep_for(std::chrono::milliseconds(1));
      f.frame();
    }
    REQUIRE(f.map.raster_builds == builds);
  };
  // The same pixels as painting on the spot.
  auto expected = [&] {
    ui::EdgeGrid grid(f.h.net);
    ui::MapView v;
    v.cx = f.map.centre().x;
    v.cy = f.map.centre().y;
    v.mpp = f.map.m_per_px();
    v.w = static_cast<int>(f.map.region_size().x);
    v.h = static_cast<int>(f.map.region_size().y);
    const auto s = f.h.runner.latest();
    const ui::RasterPalette pal{ui::kMapBackground, ui::kMapEmptyRoad, ui::kFruinColours[0], ui::kFruinColours[1],
                                ui::kFruinColours[2], ui::kFruinColours[3], ui::kFruinColours[4],
                                ui::kFruinColours[5], ui::kMapClosedRoad};
    std::vector<std::uint8_t> levels;
    std::vector<std::uint32_t> rgba;
    ui::rasterize_roads(f.h.net, grid, v, s->edge_density, s->edge_closed, pal, levels, rgba);
    return rgba;
  };
  f.frame();
  wait_for_raster(1);
  CHECK(f.map.last_frame().raster_used);
  CHECK_FALSE(f.map.raster_pending());
  CHECK(f.h.backend.image(f.map.base_texture())->rgba == expected());
  for (int i = 0; i < 5; ++i) f.frame();
  CHECK(f.map.raster_builds == 1);  // nothing changed: nothing repainted
  // Panned: the old raster is shown (moved with the map) until the new one is done.
  f.map.set_view({f.map.centre().x + 60, f.map.centre().y}, f.map.m_per_px());
  f.advance_until_walking();
  f.frame();
  CHECK(f.map.last_frame().raster_used);
  wait_for_raster(2);
  CHECK(f.h.backend.image(f.map.base_texture())->rgba == expected());
}

TEST_CASE("vector roads change colour once people walk") {
  MapFixture f;
  f.map.layers.agents = false;
  f.frame();
  const int fruin0 = f.fruin_vertices(), grey0 = f.vertices_of(ui::kMapEmptyRoad);
  f.advance_until_walking();
  f.frame();
  CHECK_FALSE(f.map.last_frame().raster_used);
  CHECK(f.fruin_vertices() > fruin0);
  CHECK(f.vertices_of(ui::kMapEmptyRoad) < grey0);
  CHECK(f.map.raster_builds == 0);
}

TEST_CASE("a closed road is drawn in its own colour, in the raster and as vectors") {
  MapFixture f;
  f.map.layers.agents = false;
  f.frame();
  const int vec0 = f.vertices_of(ui::kMapClosedRoad);  // the legend's swatch
  const auto e = f.edge_between({300, 500}, {400, 500});
  REQUIRE(e >= 0);
  REQUIRE(f.h.ctx.send(test::make_command(CommandType::kCloseEdge, -1, e)));
  f.h.advance(1);
  f.frame();
  CHECK(f.vertices_of(ui::kMapClosedRoad) > vec0 + 20);  // dashes and a cross

  f.map.vector_max_edges = 0;
  f.frame();
  const auto* img = f.h.backend.image(f.map.base_texture());
  REQUIRE(img != nullptr);
  const ImVec2 mid = f.map.map_to_screen({350, 500}) - f.map.region_min();
  // The raster pixel on the road's centre line, a few pixels from its middle (away from the cross).
  const auto px = static_cast<std::size_t>(mid.y) * static_cast<std::size_t>(img->w) + static_cast<std::size_t>(mid.x - 20);
  CHECK(img->rgba[px] == ui::kMapClosedRoad);
  const auto cols = f.colours(f.map.base_texture());
  CHECK(cols.at(ui::kMapClosedRoad) > 100);
  CHECK(cols.at(ui::kMapClosedRoad) < 1000);  // that one road only
  // Its tooltip still finds it.
  f.move(f.map.map_to_screen({330, 500}));
  CHECK(f.map.hovered_edge == make_id<EdgeId>(e));
}

TEST_CASE("agents are points when zoomed in and a density heatmap when zoomed out") {
  MapFixture f;
  f.advance_until_walking();
  f.frame();
  REQUIRE(f.map.m_per_px() < f.map.agent_points_max_mpp);
  const auto s = f.h.runner.latest();
  int expect = 0;
  for (std::size_t a = 0; a < s->agent_x.size(); ++a) {
    if (s->agent_state[a] == AgentState::kArrivedHome || s->agent_state[a] == AgentState::kByRail) continue;
    const ImVec2 p = f.map.map_to_screen({s->agent_x[a], s->agent_y[a]});
    expect += inside(p, f.map.region_min() - ImVec2(1.5f, 1.5f), f.map.region_size() + ImVec2(3, 3));
  }
  CHECK(expect > 0);
  CHECK(f.map.last_frame().agents_points == expect);
  CHECK_FALSE(f.map.last_frame().heat_used);

  // Zoomed out (or too many in view): the heatmap.
  f.map.agent_points_max_mpp = 0.5;
  f.frame();
  CHECK(f.map.last_frame().heat_used);
  CHECK(f.map.last_frame().agents_points == 0);
  CHECK(f.map.heat_builds == 1);
  // Roads are vectors at this scale: the base layer is the background with the heat over it.
  int painted = 0;
  const auto* img = f.h.backend.image(f.map.base_texture());
  REQUIRE(img != nullptr);
  CHECK(img->w == static_cast<int>(f.map.region_size().x));
  for (const auto p : img->rgba) painted += p != ui::kMapBackground;
  CHECK(painted > 90);  // at least ten 3 x 3 cells
  f.frame();
  CHECK(f.map.heat_builds == 1);  // unchanged view and snapshot
  f.map.agent_points_max_mpp = 3;
  f.map.agent_points_max = 10;
  f.frame();
  CHECK(f.map.last_frame().heat_used);
  CHECK(f.map.heat_builds == 1);  // the same picture
  // Raster roads and the heatmap share one base layer.
  f.map.vector_max_edges = 0;
  f.frame();
  CHECK(f.map.last_frame().raster_used);
  CHECK(f.map.last_frame().heat_used);
  CHECK(f.map.raster_builds == 1);
  CHECK(f.map.heat_builds == 2);
  // The layer toggle hides them.
  f.h.click("map.agents", f.draw);
  CHECK_FALSE(f.map.layers.agents);
  CHECK_FALSE(f.map.last_frame().heat_used);
  CHECK(f.map.last_frame().agents_points == 0);
}

TEST_CASE("facility markers follow the facility's state") {
  MapFixture f;
  f.frame();
  auto s = f.h.runner.latest();
  CHECK(ui::facility_marker_colour(s.get(), 0) == ui::kMapFacilityOpening);  // opens 10-30 min after the quake
  f.h.advance(12 * 31);
  s = f.h.runner.latest();
  // Open by now, and perhaps already full (20,000 people, 1,000 places).
  CHECK(ui::facility_marker_colour(s.get(), 0) ==
        (s->facility_state[0] == FacilityState::kFull ? ui::kMapFacilityFull : ui::kMapFacilityOpen));
  CHECK(s->facility_state[0] != FacilityState::kClosed);
  f.frame();
  const int damaged0 = f.vertices_of(ui::kMapFacilityDamaged);
  REQUIRE(f.h.ctx.send(test::make_command(CommandType::kDamageFacility, 1)));
  REQUIRE(f.h.ctx.send(test::make_command(CommandType::kCloseFacility, 0)));
  f.h.advance(1);
  s = f.h.runner.latest();
  CHECK(ui::facility_marker_colour(s.get(), 1) == ui::kMapFacilityDamaged);
  CHECK(ui::facility_marker_colour(s.get(), 0) == ui::kMapFacilityClosed);
  f.frame();
  CHECK(f.vertices_of(ui::kMapFacilityDamaged) > damaged0);
  CHECK(f.vertices_of(IM_COL32_WHITE) > 0);  // the X (and the station)
  // A facility filled to its capacity is full; one the simulation calls full with
  // places left (fewer than an agent stands for) is marked apart.
  Snapshot full = *s;
  full.facility_state[0] = FacilityState::kFull;
  full.facility_reserved[0] = full.facility_capacity[0];
  CHECK(ui::facility_marker_colour(&full, 0) == ui::kMapFacilityFull);
  full.facility_reserved[0] = full.facility_capacity[0] - full.persons_per_agent / 2 - 1;
  CHECK(ui::facility_marker_colour(&full, 0) == ui::kMapFacilityNoAgentRoom);
}

TEST_CASE("centre requests, guidance marks, the selected area and the area grid") {
  MapFixture f;
  f.frame();
  f.map.set_view({-5000, 9000}, 50);
  f.h.ctx.centre_request = true;
  f.h.ctx.centre_on = {600, 200};
  f.frame();
  CHECK_FALSE(f.h.ctx.centre_request);
  CHECK(f.map.centre().x == doctest::Approx(600));
  CHECK(f.map.centre().y == doctest::Approx(200));
  CHECK(f.map.m_per_px() <= 2.0);  // zoomed in from far out
  f.map.set_view({0, 0}, 0.5);
  f.h.ctx.centre_request = true;
  f.frame();
  CHECK(f.map.m_per_px() == doctest::Approx(0.5));  // already close: the scale is kept

  f.h.click("map.fit", f.draw);
  const int v0 = f.h.backend.last_draw_data()->TotalVtxCount;
  f.h.ctx.guidance.push_back({{300, 300}, 150, make_id<ShelterId>(0), 0});
  f.frame();
  CHECK(f.map.last_frame().guidance == 1);
  CHECK(f.h.backend.last_draw_data()->TotalVtxCount > v0);
  const int v1 = f.h.backend.last_draw_data()->TotalVtxCount;
  f.h.ctx.selected_area = 0;
  f.frame();
  const int v2 = f.h.backend.last_draw_data()->TotalVtxCount;
  CHECK(v2 > v1);
  f.h.click("map.areas", f.draw);
  CHECK(f.map.layers.areas);
  CHECK(f.h.backend.last_draw_data()->TotalVtxCount > v2);
}

TEST_CASE("the edge grid reports each edge meeting a box exactly once") {
  // A jittered grid with some long diagonal roads spanning many cells.
  std::mt19937 rng(7);
  std::uniform_real_distribution<double> j(-30, 30);
  NetworkData d = test::grid_network(30, 50.0, 3.0f, [&](Point p) { return Point{p.x + j(rng), p.y + j(rng)}; });
  for (int k = 0; k < 20; ++k) {
    const auto a = static_cast<std::uint32_t>(k * 31), b = static_cast<std::uint32_t>(899 - k * 29);
    const Point g[3] = {d.node_pos[a], {(d.node_pos[a].x + d.node_pos[b].x) / 2 + 40, (d.node_pos[a].y + d.node_pos[b].y) / 2},
                        d.node_pos[b]};
    d.add_edge(NodeId{a}, NodeId{b}, g, 10.f, RoadClass::primary);
  }
  const Network net(std::move(d));
  const ui::EdgeGrid grid(net);
  std::uniform_real_distribution<double> u(-200, 1700), sz(1, 900);
  for (int q = 0; q < 200; ++q) {
    BBox box;
    box.extend({u(rng), u(rng)});
    box.extend({box.min_x + sz(rng), box.min_y + sz(rng)});
    std::multiset<std::uint32_t> got;
    grid.for_each(box, [&](std::uint32_t e) { got.insert(e); });
    std::multiset<std::uint32_t> want;
    for (std::uint32_t e = 0; e < net.edge_count(); ++e) {
      BBox b;
      for (const Point& p : net.geometry(EdgeId{e})) b.extend(p);
      if (!(b.max_x < box.min_x || b.min_x > box.max_x || b.max_y < box.min_y || b.min_y > box.max_y)) want.insert(e);
    }
    REQUIRE(got == want);
    CHECK(grid.estimate(box) >= want.size());
  }
}

TEST_CASE("agents in view stop at the cap") {
  const std::vector<float> x{0, 10, 20, 30, 500}, y{0, 0, 0, 0, 0};
  const std::vector<AgentState> st{AgentState::kWalkingHome, AgentState::kArrivedHome, AgentState::kSheltered,
                                   AgentState::kWaiting, AgentState::kWaiting};
  ui::MapView v;
  v.cx = 15;
  v.mpp = 1;
  v.w = 100;
  v.h = 50;
  std::vector<std::uint32_t> out;
  ui::agents_in_view(x, y, st, v, 0, 10, out);
  CHECK(out == std::vector<std::uint32_t>{0, 2, 3});  // not the one at home, not the one far east
  ui::agents_in_view(x, y, st, v, 0, 1, out);
  CHECK(out.size() == 2);  // more than the cap: stopped
}

TEST_CASE("the road rasterizer paints the worst level where roads meet, at 1-3 px") {
  NetworkData d;
  d.node_pos = {{0, 0}, {100, 0}, {50, -50}, {50, 50}};
  const Point a[2] = {{0, 0}, {100, 0}}, b[2] = {{50, -50}, {50, 50}};
  d.add_edge(NodeId{0}, NodeId{1}, a, 0.8f, RoadClass::footway);   // thin, crowded
  d.add_edge(NodeId{2}, NodeId{3}, b, 20.0f, RoadClass::primary);  // wide, empty
  const Network net(std::move(d));
  const ui::EdgeGrid grid(net);
  ui::MapView v;
  v.cx = 50;
  v.cy = 0;
  v.mpp = 1;
  v.w = 200;
  v.h = 120;
  const ui::RasterPalette palette{0, 1, 2, 3, 4, 5, 6, 7, 8};
  std::vector<std::uint8_t> levels;
  std::vector<std::uint32_t> rgba;
  const std::vector<float> density{6.0f, 0.0f};  // F, empty
  const std::vector<std::uint8_t> closed{0, 0};
  CHECK(ui::rasterize_roads(net, grid, v, density, closed, palette, levels, rgba) == 2);
  auto at = [&](int x, int y) { return rgba[static_cast<std::size_t>(y) * 200 + x]; };
  CHECK(at(70, 60) == ui::kLevelFruinA + 5);  // F on the horizontal road (map (20, 0) is pixel (70, 60))
  CHECK(at(70, 59) == 0);                       // 1 px thick
  CHECK(at(70, 61) == 0);
  CHECK(at(100, 60) == ui::kLevelFruinA + 5);   // the crossing: the worse level wins
  CHECK(at(100, 20) == ui::kLevelEmpty);        // the wide road is 3 px thick
  CHECK(at(99, 20) == ui::kLevelEmpty);
  CHECK(at(101, 20) == ui::kLevelEmpty);
  CHECK(at(103, 20) == 0);
  std::size_t painted = 0;
  for (const auto p : rgba) painted += p != 0;
  CHECK(painted == 101 + 3 * 101 - 3);  // both lines, overlapping at the crossing
  // Out of view: nothing painted.
  v.cx = 5000;
  CHECK(ui::rasterize_roads(net, grid, v, density, closed, palette, levels, rgba) == 0);
  CHECK(std::all_of(rgba.begin(), rgba.end(), [](std::uint32_t p) { return p == 0; }));
}
