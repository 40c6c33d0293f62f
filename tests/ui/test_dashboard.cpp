// The whole dashboard, headless: every panel drawn together in the fixed layout,
// the time controls, the tabs and the language switch driven by mouse clicks.
#include <doctest/doctest.h>

#include "kitaku/ui/dashboard.hpp"
#include "kitaku/ui/i18n.hpp"
#include "ui_harness.hpp"

using namespace kitaku;

namespace {
struct DashHarness : test::UiHarness {
  DashHarness() : test::UiHarness(test::ui_grid_scenario(), 1600, 900), dash(ctx) {}
  void frame() {
    backend.begin_frame();
    dash.Draw();
    backend.end_frame();
  }
  void click(const std::string& name) {
    frame();
    const auto it = ctx.widgets.find(name);
    REQUIRE_MESSAGE(it != ctx.widgets.end(), "widget not shown: " << name);
    ImGuiIO& io = ImGui::GetIO();
    io.MousePos = ImVec2((it->second.first.x + it->second.second.x) / 2, (it->second.first.y + it->second.second.y) / 2);
    frame();
    io.MouseDown[0] = true;
    frame();
    io.MouseDown[0] = false;
    frame();
  }
  ui::Dashboard dash;
};
}  // namespace

TEST_CASE("the dashboard draws every panel and its tabs switch on click") {
  DashHarness h;
  for (int i = 0; i < 3; ++i) h.frame();
  REQUIRE(h.backend.last_draw_data());
  const int vertices = h.backend.last_draw_data()->TotalVtxCount;
  CHECK(vertices > 1000);
  for (const char* tab : {"allocation", "drill", "network", "facilities"}) {
    h.click(std::string("tab.") + tab);
    CHECK(h.dash.current_tab() == tab);
  }
}

TEST_CASE("the time controls play, pause and single-step the simulation") {
  DashHarness h;
  h.frame();
  CHECK_FALSE(h.runner.playing());
  h.click("time.play");
  CHECK(h.runner.playing());
  h.click("time.play");  // the same button now pauses
  CHECK_FALSE(h.runner.playing());
  const auto t0 = h.runner.latest()->time_s;
  h.click("time.step");  // not started: the runner steps synchronously
  CHECK(h.runner.latest()->time_s == t0 + h.scenario.run.step_s);
}

TEST_CASE("the language switch turns the labels Japanese and back") {
  DashHarness h;
  h.frame();
  h.click("top.lang.ja");
  CHECK(ui::language() == ui::Lang::kJapanese);
  CHECK(std::string(ui::L("Facilities", "一時滞在施設")) == "一時滞在施設");
  h.click("top.lang.en");
  CHECK(ui::language() == ui::Lang::kEnglish);
}
