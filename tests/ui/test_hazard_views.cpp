// The dashboard's side of hazards and rail (issue #5): the drill panel's "Resume
// rail line" inject, and the map's blocked roads, fire closures and fire cells,
// each drawn in its own colour.
#include <doctest/doctest.h>

#include <algorithm>

#include "kitaku/sim/hazards.hpp"
#include "panels/drill_panel.hpp"
#include "panels/map_panel.hpp"
#include "ui_harness.hpp"

using namespace kitaku;

namespace {

/// Vertices of the last frame with exactly this colour.
int vertices_of(const test::UiHarness& h, ImU32 col) {
  const ImDrawData* dd = h.backend.last_draw_data();
  int n = 0;
  for (int l = 0; l < dd->CmdListsCount; ++l)
    for (const ImDrawVert& v : dd->CmdLists[l]->VtxBuffer) n += v.col == col;
  return n;
}

}  // namespace

TEST_CASE("the drill panel resumes the rail line chosen among the scenario's") {
  auto sc = test::ui_grid_scenario();
  RailLine north;
  north.name = "North line";
  north.stations = {"Central"};
  north.resume_h = -1;  // suspended for the whole run
  north.station_catchment_m = 500;
  north.home_catchment_km = 100;
  north.capacity_per_h = 36000;
  RailLine south = north;
  south.name = "South line";
  sc.hazards.rail_lines = {north, south};
  test::UiHarness h(sc);
  ui::DrillPanel panel;
  const auto draw = [&] { panel.Draw(h.ctx); };
  h.advance(60);  // 5 min after the quake
  h.frame(draw);
  REQUIRE(h.runner.latest()->rail_running_since_s == std::vector<std::int64_t>{-1, -1});
  panel.rail_line = 1;
  h.click("drill.rail", draw);
  REQUIRE(panel.injects_sent().size() == 1);
  const Command& sent = panel.injects_sent()[0];
  CHECK(sent.type == CommandType::kResumeRail);
  CHECK(sent.value == 1);
  CHECK(sent.source == "inject");
  CHECK(sent.time_s == 300);
  h.advance(1);
  auto s = h.runner.latest();
  CHECK(s->rail_running_since_s[0] == -1);
  CHECK(s->rail_running_since_s[1] == 300);
  REQUIRE(!s->command_log.empty());
  CHECK(s->command_log.back().type == CommandType::kResumeRail);
  h.advance(24);
  s = h.runner.latest();
  CHECK(s->row.state[static_cast<std::size_t>(AgentState::kByRail)] > 0);
  h.frame(draw);  // the panel shows the line as running
  CHECK(panel.injects_applied() == std::vector<bool>{true});
}

TEST_CASE("the map draws blocked roads, fire closures and fire cells apart from command closures") {
  auto sc = test::ui_grid_scenario();
  auto& q = sc.hazards.seismic;
  q.enabled = true;
  q.epicentre_x = q.epicentre_y = 400;
  q.depth_km = 10;
  q.intensity_offset = 0.8;  // strong shaking: many narrow streets blocked
  sc.hazards.fire.enabled = true;
  sc.hazards.fire.ignitions = {{450, 450}};
  sc.hazards.fire.burn_h = 0.1;  // the first cell burns out after 6 min
  test::UiHarness h(sc);
  ui::MapPanel map;
  map.layers.agents = false;
  const auto draw = [&] { map.Draw(h.ctx); };
  h.advance(1);  // the fire's first cell closes its roads in the first step
  h.frame(draw);
  const auto s = h.runner.latest();
  const auto reasons = [&](std::uint8_t r) { return std::count(s->edge_closed.begin(), s->edge_closed.end(), r); };
  REQUIRE(reasons(2) > 0);  // collapse
  REQUIRE(reasons(3) > 0);  // fire
  CHECK(reasons(1) == 0);   // no command closed anything
  REQUIRE(s->fire_cells);
  CHECK(!s->fire_cells->empty());
  // Zoomed in (vectors): each kind in its colour; command closures only in the legend.
  CHECK_FALSE(map.last_frame().raster_used);
  CHECK(vertices_of(h, ui::kMapBlockedRoad) > 40);
  CHECK(vertices_of(h, ui::kMapFireRoad) > 20);
  CHECK(vertices_of(h, ui::kMapFireBurning) >= 8);  // the burning cell and its legend swatch
  CHECK(vertices_of(h, ui::kMapClosedRoad) == 4);   // the legend's swatch
  CHECK(map.last_frame().fire_cells >= 1);
  CHECK(map.last_frame().closed_roads == static_cast<int>(reasons(2) + reasons(3)));
  // Zoomed out (raster roads): the closures are drawn on top in their colours.
  map.vector_max_edges = 0;
  h.frame(draw);
  CHECK(map.last_frame().raster_used);
  CHECK(vertices_of(h, ui::kMapBlockedRoad) > 40);
  CHECK(vertices_of(h, ui::kMapFireRoad) > 20);
  // An operator's closure is still magenta dashes.
  std::uint32_t open = 0;
  while (s->edge_closed[open]) ++open;
  REQUIRE(h.ctx.send(test::make_command(CommandType::kCloseEdge, -1, open)));
  h.advance(1);
  h.frame(draw);
  CHECK(h.runner.latest()->edge_closed[open] == 1);
  CHECK(vertices_of(h, ui::kMapClosedRoad) > 4 + 20);
  // Once a cell has burnt out it turns dark grey.
  h.advance(80);  // past 6 min
  h.frame(draw);
  CHECK(vertices_of(h, ui::kMapFireBurnt) >= 4);
  // The fire layer can be hidden.
  map.layers.fire = false;
  h.frame(draw);
  CHECK(map.last_frame().fire_cells == 0);
  CHECK(vertices_of(h, ui::kMapFireBurnt) == 0);
}
