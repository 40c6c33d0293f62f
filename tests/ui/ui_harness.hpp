#pragma once
// Drives dashboard panels headless, as a user would: a small grid city with a
// real Simulation behind a SimRunner (stepped synchronously), a HeadlessBackend,
// and a DashboardContext. frame() draws one ImGui frame with the panel inside a
// window; click() moves the mouse onto a widget the panel marked and clicks it.
#include <doctest/doctest.h>
#include <imgui.h>

#include <functional>
#include <memory>
#include <string>

#include "kitaku/sim/city.hpp"
#include "kitaku/sim/scenario.hpp"
#include "kitaku/sim/simulation.hpp"
#include "kitaku/ui/backend.hpp"
#include "kitaku/ui/context.hpp"
#include "kitaku/ui/sim_runner.hpp"
#include "sim/grid.hpp"

namespace kitaku::test {

/// 9 x 9 grid, 100 m blocks, 4 m streets; one zone; two facilities (Japanese
/// names) that open 10-30 min after the quake; everyone's home 0-30+ km away.
inline City ui_grid_city(double m = 800) {
  City city;
  Zone z;
  z.id = "all";
  z.rings = {{{0, 0}, {m, 0}, {m, m}, {0, m}, {0, 0}}};
  z.centroid = {m / 2, m / 2};
  z.day_population = 20000;
  z.night_population = 5000;
  z.home_share = {0.3, 0.2, 0.1, 0.1, 0.2, 0.1};
  city.zones.push_back(z);
  Facility f1, f2;
  f1.name = "北の施設";
  f1.area = "北区";
  f1.pos = {200, 600};
  f1.capacity = 600;
  f2.name = "南の施設";
  f2.area = "南区";
  f2.pos = {600, 200};
  f2.capacity = 400;
  city.facilities = {f1, f2};
  Station s;
  s.name = "Central";
  s.pos = {400, 400};
  s.daily_riders = 100000;
  city.stations.push_back(s);
  return city;
}

inline Scenario ui_grid_scenario() {
  Scenario sc;
  sc.name = "grid";
  sc.origin = "<test>";
  sc.population.agents = 4000;
  sc.run.step_s = 5;
  sc.run.duration_h = 3;
  sc.run.output_interval_s = 300;
  sc.routing.home_cell_m = 250;
  sc.facilities.opening_delay_min_min = 10;
  sc.facilities.opening_delay_max_min = 30;
  sc.behaviour.retention_share = 0.3;
  sc.behaviour.facility_search_m = 2000;
  return sc;
}

/// A command for tests: type plus facility or edge (-1: none).
inline Command make_command(CommandType type, std::int64_t facility = -1, std::int64_t edge = -1, double value = 0) {
  Command c;
  c.type = type;
  c.facility = facility;
  c.edge = edge;
  c.value = value;
  return c;
}
inline Command area_command(CommandType type, double x, double y, double radius_m, double value = 0) {
  Command c;
  c.type = type;
  c.x = x;
  c.y = y;
  c.radius_m = radius_m;
  c.value = value;
  return c;
}

class UiHarness {
 public:
  explicit UiHarness(Scenario sc = ui_grid_scenario(), int w = 1280, int h = 800)
      : scenario(std::move(sc)),
        net(grid_network(9, 100.0, 4.0f)),
        city(ui_grid_city()),
        backend(w, h),
        runner(std::make_unique<Simulation>(net, city, scenario, RunConfig{}), ui::RunnerOptions{}),
        ctx(scenario, net, city, runner, backend) {
    ctx.record_widgets = true;
  }

  /// One frame: `draw` runs inside a full-size window named "panel".
  void frame(const std::function<void()>& draw) {
    backend.begin_frame();
    ctx.snap = runner.latest();
    ImGui::SetNextWindowPos(ImVec2(0, 0));
    ImGui::SetNextWindowSize(ImVec2(static_cast<float>(backend.width()), static_cast<float>(backend.height())));
    ImGui::Begin("panel", nullptr, ImGuiWindowFlags_NoDecoration);
    draw();
    ImGui::End();
    backend.end_frame();
  }
  void frames(int n, const std::function<void()>& draw) {
    for (int i = 0; i < n; ++i) frame(draw);
  }

  /// Moves the mouse onto the widget marked `name` and clicks it (press and release
  /// over three frames, as ImGui needs). Fails the test if the widget is not shown.
  void click(const std::string& name, const std::function<void()>& draw) {
    frame(draw);  // make sure the widget has been laid out
    const auto it = ctx.widgets.find(name);
    REQUIRE_MESSAGE(it != ctx.widgets.end(), "widget not shown: " << name);
    const ImVec2 c((it->second.first.x + it->second.second.x) / 2, (it->second.first.y + it->second.second.y) / 2);
    ImGuiIO& io = ImGui::GetIO();
    io.MousePos = c;
    frame(draw);
    io.MouseDown[0] = true;
    frame(draw);
    io.MouseDown[0] = false;
    frame(draw);
  }

  /// Steps the simulation synchronously and publishes a snapshot.
  int advance(int steps) { return runner.advance(steps); }

  Scenario scenario;
  Network net;
  City city;
  ui::HeadlessBackend backend;
  ui::SimRunner runner;
  ui::DashboardContext ctx;
};

}  // namespace kitaku::test
