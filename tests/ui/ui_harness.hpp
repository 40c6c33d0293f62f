#pragma once
// Drives dashboard panels headless, as a user would: a small grid city with a
// real Simulation behind a SimRunner (stepped synchronously), a HeadlessBackend,
// and a DashboardContext. frame() draws one ImGui frame with the panel inside a
// window; click() moves the mouse onto a widget the panel marked and clicks it.
#include <doctest/doctest.h>
#include <unistd.h>
#include <imgui.h>

#include <filesystem>
#include <fstream>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "kitaku/sim/city.hpp"
#include "kitaku/sim/scenario.hpp"
#include "kitaku/sim/simulation.hpp"
#include "kitaku/ui/backend.hpp"
#include "kitaku/ui/context.hpp"
#include "kitaku/ui/sim_runner.hpp"
#include "sim/grid.hpp"

namespace kitaku::test {

inline City ui_grid_city(double m = 800) { return grid_test_city(m); }
inline Scenario ui_grid_scenario() { return grid_test_scenario(); }

/// A command for tests: type plus facility or edge (-1: none).
inline Command make_command(CommandType type, std::int64_t facility = -1, std::int64_t edge = -1, double value = 0) {
  Command c;
  c.type = type;
  c.facility = facility < 0 ? kNoShelter : make_id<ShelterId>(static_cast<std::uint64_t>(facility));
  c.edge = edge < 0 ? kNoEdge : make_id<EdgeId>(static_cast<std::uint64_t>(edge));
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

/// A fresh, empty folder under the system's temporary directory, unique to this
/// process and call: ctest runs each test case as its own process, in parallel, and
/// cases of one file asking for the same name must not share (or delete) a folder.
inline std::filesystem::path temp_dir(const std::string& name) {
  static int calls = 0;
  const auto d = std::filesystem::temp_directory_path() /
                 ("kitaku_test_" + name + "_" + std::to_string(::getpid()) + "_" + std::to_string(++calls));
  std::filesystem::remove_all(d);
  std::filesystem::create_directories(d);
  return d;
}

/// A text file's lines.
inline std::vector<std::string> lines_of(const std::filesystem::path& p) {
  std::ifstream in(p);
  std::vector<std::string> out;
  for (std::string l; std::getline(in, l);) out.push_back(l);
  return out;
}

class UiHarness {
 public:
  explicit UiHarness(Scenario sc = ui_grid_scenario(), int w = 1280, int h = 800)
      : UiHarness(std::move(sc), w, h, grid_network(9, 100.0, 4.0f), ui_grid_city()) {}
  /// The same on another network and city.
  UiHarness(Scenario sc, int w, int h, NetworkData nd, City c, ui::RunnerOptions ro = {})
      : scenario(std::move(sc)),
        net(std::move(nd)),
        city(std::move(c)),
        backend(w, h),
        runner(std::make_unique<Simulation>(net, city, scenario, RunConfig{}), ro),
        ctx(scenario, net, city, runner, backend) {
    ctx.record_widgets = true;
  }

  /// One frame: `draw` runs inside a full-size window named "panel".
  void frame(const std::function<void()>& draw) {
    backend.begin_frame();
    ctx.live = ctx.snap = runner.latest();
    if (ctx.review) ctx.snap = ctx.review;  // the time slider's past snapshot, as the dashboard does
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
    click_using(name, [&] { frame(draw); });
  }
  /// The same with `one_frame` drawing each whole frame (a whole dashboard, say).
  void click_using(const std::string& name, const std::function<void()>& one_frame) {
    one_frame();  // make sure the widget has been laid out
    const auto it = ctx.widgets.find(name);
    REQUIRE_MESSAGE(it != ctx.widgets.end(), "widget not shown: " << name);
    const ImVec2 c((it->second.first.x + it->second.second.x) / 2, (it->second.first.y + it->second.second.y) / 2);
    ImGuiIO& io = ImGui::GetIO();
    io.MousePos = c;
    one_frame();
    io.MouseDown[0] = true;
    one_frame();
    io.MouseDown[0] = false;
    one_frame();
  }

  /// Moves the mouse off every widget (lists hold their order while it is over them).
  void mouse_away(const std::function<void()>& draw) {
    ImGui::GetIO().MousePos = ImVec2(-1000, -1000);
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
