// The map reads as a place (issue #18, item 5): ward boundaries and names, station
// and street names (decluttered), facility kinds with their own markers, areas by
// grid / ward / station in the allocation panel; and the time slider (item 10).
#include <doctest/doctest.h>

#include <algorithm>
#include <cmath>
#include <set>
#include <string>

#include "kitaku/sim/error.hpp"
#include "kitaku/ui/areas.hpp"
#include "kitaku/ui/i18n.hpp"
#include "panels/allocation_panel.hpp"
#include "panels/facilities_panel.hpp"
#include "panels/widgets.hpp"
#include "panels/map_panel.hpp"
#include "panels/time_controls.hpp"
#include "ui_harness.hpp"

using namespace kitaku;

namespace {

constexpr int kAllOpen = 12 * 35;  // 35 min: both facilities open

ImVec2 operator-(ImVec2 a, ImVec2 b) { return {a.x - b.x, a.y - b.y}; }

bool overlap(const ui::MapFrameStats::Label& a, const ui::MapFrameStats::Label& b) {
  return a.min.x < b.max.x && a.max.x > b.min.x && a.min.y < b.max.y && a.max.y > b.min.y;
}

bool has_label(const ui::MapFrameStats& st, const std::string& text) {
  return std::any_of(st.labels.begin(), st.labels.end(), [&](const auto& l) { return l.text == text; });
}

// The 9 x 9 grid with named streets: a primary east-west street at y = 400 and a
// CrowdWalk-style name on the north-south one at x = 400.
NetworkData named_grid() {
  NetworkData d = test::grid_network(9, 100.0, 4.0f);
  for (std::size_t e = 0; e < d.edge_name.size(); ++e) {
    const auto from = d.node_pos[index(d.edge_from[e])], to = d.node_pos[index(d.edge_to[e])];
    if (from.y == 400 && to.y == 400) {
      d.edge_name[e] = d.intern_name("晴海通り");
      d.edge_class[e] = RoadClass::primary;
    } else if (from.x == 400 && to.x == 400) {
      d.edge_name[e] = d.intern_name("Showa_dori");
    }
  }
  return d;
}

}  // namespace

TEST_CASE("Voronoi regions: two facilities of two wards split the grid along their bisector") {
  // The third point repeats the first (two facilities at one address): one site.
  const std::vector<Point> pts{{200, 600}, {600, 200}, {200, 600}};
  const std::vector<std::string> labels{"北区", "南区", "北区"};
  BBox box;
  box.extend({0, 0});
  box.extend({800, 800});
  const ui::VoronoiRegions r = ui::VoronoiRegions::build(pts, labels, box);
  REQUIRE(r.count() == 2);
  CHECK(r.sites.size() == 2);
  CHECK(r.names[0] == "北区");  // name order
  CHECK(r.names[1] == "南区");
  REQUIRE_FALSE(r.boundaries.empty());
  double along = 0;
  for (const auto& e : r.boundaries) {
    // The boundary is the line y = x (the bisector of the two wards' nearest points).
    CHECK(e.a.x == doctest::Approx(e.a.y).epsilon(1e-9));
    CHECK(e.b.x == doctest::Approx(e.b.y).epsilon(1e-9));
    CHECK(e.region != e.other);
    along += std::hypot(e.b.x - e.a.x, e.b.y - e.a.y);
  }
  CHECK(along == doctest::Approx(800 * std::sqrt(2.0)));  // corner to corner, once
  CHECK(r.region_of(100, 700) == 0);
  CHECK(r.region_of(700, 100) == 1);
  CHECK(r.area_m2[0] == doctest::Approx(320000));
  CHECK(r.area_m2[1] == doctest::Approx(320000));
  CHECK(r.label_at[0].y > r.label_at[0].x);  // the northern ward's label in its half

  // Many random points: every query agrees with a brute-force nearest site.
  std::vector<Point> many;
  std::vector<std::string> ml;
  for (int i = 0; i < 300; ++i) {
    many.push_back({std::fmod(i * 137.1, 800.0), std::fmod(i * 291.7, 800.0)});
    ml.push_back(i % 3 == 0 ? "A" : i % 3 == 1 ? "B" : "C");
  }
  const ui::VoronoiRegions m = ui::VoronoiRegions::build(many, ml, box);
  double total = 0;
  for (const double a : m.area_m2) total += a;
  CHECK(total == doctest::Approx(640000));  // the cells tile the box
  for (int q = 0; q < 500; ++q) {
    const Point p{std::fmod(q * 53.3, 800.0), std::fmod(q * 97.9, 800.0)};
    std::size_t best = 0;
    for (std::size_t i = 1; i < m.sites.size(); ++i)
      if (std::hypot(m.sites[i].x - p.x, m.sites[i].y - p.y) < std::hypot(m.sites[best].x - p.x, m.sites[best].y - p.y))
        best = i;
    CHECK(m.region_of(p.x, p.y) == m.site_region[best]);
  }
}

TEST_CASE("the map draws ward boundaries and names, station and street names, without overlaps") {
  test::UiHarness h(test::ui_grid_scenario(), 1280, 800, named_grid(), test::ui_grid_city());
  ui::MapPanel map;
  const auto draw = [&] { map.Draw(h.ctx); };
  h.frames(2, draw);
  const ui::MapFrameStats& st = map.last_frame();
  CHECK(st.ward_boundaries > 0);
  CHECK(st.ward_labels == 2);
  CHECK(has_label(st, "北区"));
  CHECK(has_label(st, "南区"));
  CHECK(st.station_labels == 1);
  CHECK(has_label(st, "Central"));
  // Zoomed to the whole grid (< 1 m/px): both streets are named, the CrowdWalk one
  // without its underscore.
  CHECK(map.m_per_px() < 1.5);
  CHECK(st.street_labels == 2);
  CHECK(has_label(st, "晴海通り"));
  CHECK(has_label(st, "Showa dori"));
  for (std::size_t i = 0; i < st.labels.size(); ++i)
    for (std::size_t j = i + 1; j < st.labels.size(); ++j) CHECK_FALSE(overlap(st.labels[i], st.labels[j]));

  // A selected facility is kept clear of names, even when one would fall on it.
  h.ctx.selected_facility = make_id<ShelterId>(1);
  // Where the station's name goes (just above its square).
  const ImVec2 above = map.map_to_screen(h.city.stations[0].pos) - ImVec2(0, ImGui::GetFontSize() * 0.5f + 8);
  h.city.facilities[1].pos = map.screen_to_map(above);
  h.frame(draw);
  CHECK(map.last_frame().station_labels == 1);  // moved below its square
  const ImVec2 fp = map.map_to_screen(h.city.facilities[1].pos);
  for (const auto& l : map.last_frame().labels)
    if (!l.text.empty()) CHECK_FALSE((fp.x >= l.min.x && fp.x <= l.max.x && fp.y >= l.min.y && fp.y <= l.max.y));
  h.ctx.selected_facility = kNoShelter;

  // Zoomed far out: no street names; the wards are too small on screen to be named.
  map.set_view({400, 400}, 40);
  h.frame(draw);
  CHECK(map.last_frame().street_labels == 0);
  CHECK(map.last_frame().ward_labels == 0);
  // The layers switch off.
  map.set_view({400, 400}, 1.0);
  map.layers.wards = false;
  map.layers.labels = false;
  h.frame(draw);
  CHECK(map.last_frame().ward_boundaries == 0);
  CHECK(map.last_frame().ward_labels == 0);
  CHECK(map.last_frame().station_labels == 0);
  CHECK(map.last_frame().street_labels == 0);
}

TEST_CASE("crowded names are dropped, not drawn over each other") {
  City city = test::ui_grid_city();
  // Twenty stations along one street, 10 m apart: their names cannot all fit.
  for (int i = 0; i < 20; ++i) {
    Station s;
    s.name = "駅" + std::to_string(i);
    s.pos = {300.0 + 10 * i, 700};
    s.daily_riders = 1000.0 * (i + 1);
    city.stations.push_back(s);
  }
  test::UiHarness h(test::ui_grid_scenario(), 1280, 800, test::grid_network(9, 100.0, 4.0f), city);
  ui::MapPanel map;
  const auto draw = [&] { map.Draw(h.ctx); };
  h.frames(2, draw);
  const ui::MapFrameStats& st = map.last_frame();
  CHECK(st.labels_dropped > 0);
  CHECK(st.station_labels < 21);
  CHECK(has_label(st, "駅19駅"));  // the busiest first
  for (std::size_t i = 0; i < st.labels.size(); ++i)
    for (std::size_t j = i + 1; j < st.labels.size(); ++j) CHECK_FALSE(overlap(st.labels[i], st.labels[j]));
}

TEST_CASE("designated shelters and evacuation sites have their own markers") {
  City city = test::ui_grid_city();
  city.facilities[1].kind = FacilityKind::kDesignatedShelter;
  Facility site;
  site.name = "中央公園";
  site.area = "南区";
  site.kind = FacilityKind::kEvacuationSite;
  site.pos = {700, 700};
  city.evacuation_sites.push_back(site);
  test::UiHarness h(test::ui_grid_scenario(), 1280, 800, test::grid_network(9, 100.0, 4.0f), city);
  ui::MapPanel map;
  const auto draw = [&] { map.Draw(h.ctx); };
  h.frames(2, draw);
  CHECK(map.last_frame().facilities == 2);
  CHECK(map.last_frame().shelters == 1);
  CHECK(map.last_frame().evacuation_sites == 1);
  // Hovering the evacuation site names it (and it is not a facility).
  ImGui::GetIO().MousePos = map.map_to_screen(site.pos);
  h.frame(draw);
  CHECK(map.hovered_site == 0);
  CHECK_FALSE(valid(map.hovered_facility));
  ImGui::GetIO().MousePos = ImVec2(-1000, -1000);
  // The facilities panel says where places come from only when some are not the file's.
  ui::FacilitiesPanel panel;
  const auto table = [&] { panel.Draw(h.ctx); };
  h.frames(2, table);
  CHECK(h.ctx.widgets.count("facilities.capacity_sources") == 1);  // a shelter is listed
  CHECK(std::string(ui::facility_kind_short(FacilityKind::kDesignatedShelter)) == "shelter");
  Facility f;
  f.capacity_source = CapacitySource::kDefault;
  f.kind = FacilityKind::kDesignatedShelter;
  CHECK(std::string(ui::capacity_source_label(f)).find("judgement") != std::string::npos);
  f.capacity_source = CapacitySource::kOverride;
  CHECK(std::string(ui::capacity_source_label(f)).find("[[facility_capacity]]") != std::string::npos);
}

TEST_CASE("allocation areas by grid, ward and station: the selector switches and the counts add up") {
  test::UiHarness h;
  h.advance(kAllOpen);
  ui::AllocationPanel a;
  ui::MapPanel map;
  const auto draw = [&] {
    a.Draw(h.ctx);
    ImGui::BeginChild("map", ImVec2(600, 400));
    map.Draw(h.ctx);
    ImGui::EndChild();
  };
  h.frames(2, draw);
  const auto s = h.ctx.snap;
  std::int64_t unsheltered = 0;
  for (std::size_t i = 0; i < s->agent_state.size(); ++i) unsheltered += s->agent_state[i] == AgentState::kUnsheltered;
  REQUIRE(unsheltered > 0);
  const auto total = [&] {
    std::int64_t n = 0;
    for (const auto& r : a.rows()) n += r.unsheltered;
    return n;
  };
  CHECK(h.ctx.area_mode() == ui::AreaMode::kGrid);
  CHECK(total() == unsheltered);

  h.click("allocation.mode.ward", draw);
  CHECK(h.ctx.area_mode() == ui::AreaMode::kWard);
  CHECK(h.ctx.areas().count() == 2);
  CHECK(total() == unsheltered);
  std::set<std::string> names;
  for (const auto& r : a.rows()) names.insert(h.ctx.areas().label(r.cell));
  CHECK(names.count("北区") + names.count("南区") == names.size());
  // North of the diagonal is 北区; on it (equally near both) the first facility's ward.
  std::int64_t north = 0;
  for (std::size_t i = 0; i < s->agent_state.size(); ++i)
    north += s->agent_state[i] == AgentState::kUnsheltered && s->agent_y[i] >= s->agent_x[i];
  const int kita = h.ctx.areas().find("北区");
  REQUIRE(kita >= 0);
  CHECK(a.unsheltered_in(kita) == north);
  // Selecting a ward outlines it on the map along its boundary.
  h.click("allocation.row." + std::to_string(kita), draw);
  CHECK(h.ctx.selected_area == kita);
  h.frame(draw);
  CHECK(map.last_frame().area_outlines > 0);

  h.click("allocation.mode.station", draw);
  CHECK(h.ctx.area_mode() == ui::AreaMode::kStation);
  CHECK(h.ctx.selected_area == -1);  // a ward's index means nothing among stations
  REQUIRE(h.ctx.areas().count() == 1);
  CHECK(h.ctx.areas().label(0) == "Central");
  CHECK(total() == unsheltered);
  CHECK(a.unsheltered_in(0) == unsheltered);

  h.click("allocation.mode.grid", draw);
  CHECK(h.ctx.area_mode() == ui::AreaMode::kGrid);
  CHECK(h.ctx.areas().count() == 16);
}

TEST_CASE("the time slider shows a past snapshot in the panels while the simulation goes on") {
  ui::RunnerOptions ro;
  ro.history_interval_s = 300;
  test::UiHarness h(test::ui_grid_scenario(), 1280, 800, test::grid_network(9, 100.0, 4.0f), test::ui_grid_city(), ro);
  ui::TimeControls time;
  ui::AllocationPanel a;
  const auto draw = [&] {
    time.Draw(h.ctx);
    a.Draw(h.ctx);
  };
  // 50 minutes, published every minute: snapshots kept at 0, 5, 10, ... 50 min.
  for (int m = 0; m < 50; ++m) h.advance(12);
  const auto hist = h.runner.history();
  REQUIRE(hist.size() == 11);
  CHECK(hist[1]->time_s == 300);
  h.frames(2, draw);
  CHECK_FALSE(h.ctx.reviewing());
  CHECK(h.ctx.widgets.count("time.reviewing") == 0);
  const std::int64_t live_t = h.ctx.live->time_s;
  CHECK(live_t == 3000);

  // Drag the slider to its left end: the oldest snapshot, at the quake.
  const auto [lo, hi] = h.ctx.widgets.at("time.review");
  ImGuiIO& io = ImGui::GetIO();
  io.MousePos = ImVec2(lo.x + 1, (lo.y + hi.y) / 2);
  h.frame(draw);
  io.MouseDown[0] = true;
  h.frame(draw);
  io.MouseDown[0] = false;
  h.frame(draw);
  io.MousePos = ImVec2(-1000, -1000);
  h.frame(draw);
  REQUIRE(h.ctx.reviewing());
  CHECK(time.review_index == 0);
  CHECK(h.ctx.snap->time_s == 0);
  CHECK(h.ctx.widgets.count("time.reviewing") == 1);
  // The allocation panel counts that snapshot: nobody is stranded outdoors at the quake.
  std::int64_t shown = 0;
  for (const auto& r : a.rows()) shown += r.unsheltered + r.to_facility;
  CHECK(shown == 0);

  // A step later (5 min): the panels follow the slider's snapshot, not the live one.
  io.MousePos = ImVec2(lo.x + 1 + (hi.x - lo.x - 2) * 0.12f, (lo.y + hi.y) / 2);
  io.MouseDown[0] = true;
  h.frame(draw);
  io.MouseDown[0] = false;
  h.frame(draw);
  io.MousePos = ImVec2(-1000, -1000);
  h.frame(draw);
  REQUIRE(h.ctx.reviewing());
  const std::int64_t past_t = h.ctx.snap->time_s;
  CHECK(past_t > 0);
  CHECK(past_t < live_t);
  std::int64_t expect = 0;
  for (std::size_t i = 0; i < h.ctx.snap->agent_state.size(); ++i)
    expect += h.ctx.snap->agent_state[i] == AgentState::kUnsheltered;
  std::int64_t counted = 0;
  for (const auto& r : a.rows()) counted += r.unsheltered;
  CHECK(counted == expect);

  // The simulation goes on meanwhile; commands wait for the present.
  h.advance(12);
  h.frame(draw);
  CHECK(h.ctx.live->time_s == live_t + 60);
  CHECK(h.ctx.snap->time_s == past_t);
  CHECK_FALSE(h.ctx.send(test::make_command(CommandType::kOpenFacility, 0)));
  CHECK(h.ctx.status.find("Back to live") != std::string::npos);

  // Back to live.
  h.click("time.live", draw);
  CHECK_FALSE(h.ctx.reviewing());
  CHECK(time.review_index == -1);
  h.frame(draw);
  CHECK(h.ctx.snap->time_s == h.ctx.live->time_s);
}

TEST_CASE("the history stays within its bounds by thinning, and still spans the run") {
  ui::RunnerOptions ro;
  ro.history_interval_s = 60;
  ro.history_max = 8;
  test::UiHarness h(test::ui_grid_scenario(), 640, 480, test::grid_network(9, 100.0, 4.0f), test::ui_grid_city(), ro);
  for (int m = 0; m < 40; ++m) h.advance(12);  // 40 min, one publish a minute
  const auto hist = h.runner.history();
  CHECK(hist.size() <= 8);
  CHECK(hist.size() >= 4);
  CHECK(hist.front()->time_s == 0);
  CHECK(hist.back()->time_s >= 40 * 60 - h.runner.history_interval_s());
  CHECK(h.runner.history_interval_s() > 60);
  for (std::size_t i = 1; i < hist.size(); ++i) CHECK(hist[i]->time_s > hist[i - 1]->time_s);
  std::size_t bytes = 0;
  for (const auto& s : hist) bytes += ui::snapshot_bytes(*s);
  CHECK(bytes == h.runner.history_bytes());
}

TEST_CASE("the scenario's Japanese title is shown in Japanese") {
  Scenario sc = parse_scenario("[scenario]\nname = \"Ginza\"\nname_ja = \"銀座\"\n[city]\nsynthetic_radius_km = 1\n",
                               "t.toml", ".");
  CHECK(sc.name_ja == "銀座");
  CHECK(parse_scenario(to_toml(sc), "back.toml", ".").name_ja == "銀座");
  // An unknown key in [scenario] stays an error.
  CHECK_THROWS_WITH_AS(parse_scenario("[scenario]\nname_jp = \"x\"\n[city]\nsynthetic_radius_km = 1\n", "t.toml", "."),
                       doctest::Contains("name_jp: unknown key"), InputError);
  test::UiHarness h;
  h.scenario.name = "Ginza";
  h.scenario.name_ja = "銀座";
  ui::set_language(ui::Lang::kJapanese);
  CHECK(h.ctx.scenario_name() == "銀座");
  ui::set_language(ui::Lang::kEnglish);
  CHECK(h.ctx.scenario_name() == "Ginza");
  h.scenario.name_ja.clear();
  ui::set_language(ui::Lang::kJapanese);
  CHECK(h.ctx.scenario_name() == "Ginza");
  ui::set_language(ui::Lang::kEnglish);
}
