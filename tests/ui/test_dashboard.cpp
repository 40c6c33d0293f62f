// The whole dashboard, headless: every panel drawn together in the fixed layout,
// the time controls, the tabs and the language switch driven by mouse clicks.
#include <doctest/doctest.h>

#include <filesystem>
#include <fstream>

#include "kitaku/ui/dashboard.hpp"
#include "kitaku/ui/i18n.hpp"
#include "kitaku/ui/view_settings.hpp"
#include "ui_harness.hpp"

using namespace kitaku;

namespace {
struct DashHarness : test::UiHarness {
  explicit DashHarness(ui::DashboardOptions o = {}, Scenario sc = test::ui_grid_scenario())
      : test::UiHarness(std::move(sc), 1600, 900), dash(ctx, std::move(o)) {}
  void frame() {
    backend.begin_frame();
    dash.Draw();
    backend.end_frame();
  }
  void click(const std::string& name) { click_using(name, [this] { frame(); }); }
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

TEST_CASE("the UI scale changes with A+ / A-, is saved with the view and read back") {
  const auto dir = test::temp_dir("view_settings");
  ui::DashboardOptions o;
  o.view_path = (dir / "kitaku" / "view.ini").string();
  {
    DashHarness h(o);
    h.frame();
    CHECK(h.dash.view().ui_scale == doctest::Approx(1.0));
    h.click("top.scale_up");
    CHECK(h.dash.view().ui_scale == doctest::Approx(1.25));
    CHECK(ImGui::GetIO().FontGlobalScale == doctest::Approx(1.25));
    CHECK(ImGui::GetStyle().FramePadding.x > 4.0f * 1.2f);  // widgets grow with the text
    h.click("top.lang.ja");
    ui::ViewSettings saved;
    std::string error;
    REQUIRE(ui::load_view_settings(o.view_path, saved, &error));
    CHECK(saved.ui_scale == doctest::Approx(1.25));
    CHECK(saved.lang == "ja");
    h.click("top.lang.en");
    h.click("top.scale_down");
    REQUIRE(ui::load_view_settings(o.view_path, saved, &error));
    CHECK(saved.ui_scale == doctest::Approx(1.0));
    CHECK(saved.lang == "en");
  }
  // A saved view is the next session's start.
  ui::ViewSettings v;
  v.ui_scale = 1.5f;
  std::string error;
  REQUIRE(ui::save_view_settings(o.view_path, v, &error));
  ui::ViewSettings read;
  REQUIRE(ui::load_view_settings(o.view_path, read, &error));
  o.view = read;
  DashHarness h(o);
  h.frame();
  CHECK(ImGui::GetIO().FontGlobalScale == doctest::Approx(1.5));
  ImGui::GetIO().FontGlobalScale = 1;  // the ImGui context outlives nothing, but be tidy

  // A missing file is no error; a malformed one names the file and line.
  ui::ViewSettings untouched;
  CHECK(ui::load_view_settings((dir / "none.ini").string(), untouched, &error));
  CHECK(untouched == ui::ViewSettings{});
  {
    std::ofstream f(dir / "bad.ini");
    f << "# comment\nui_scale = 9\n";
  }
  CHECK_FALSE(ui::load_view_settings((dir / "bad.ini").string(), untouched, &error));
  CHECK(error.find("bad.ini:2: ui_scale must be a number from 0.75 to 3") != std::string::npos);
  CHECK(untouched == ui::ViewSettings{});
}

TEST_CASE("the end of the scenario is announced in the top bar and the alert log") {
  Scenario sc = test::ui_grid_scenario();
  sc.run.duration_h = 0.01;  // 36 s: 8 steps of 5 s (rounded up)
  DashHarness h({}, sc);
  h.frame();
  CHECK(h.ctx.widgets.count("top.ended") == 0);
  h.advance(20);
  REQUIRE(h.runner.latest()->done);
  h.frame();
  h.frame();
  CHECK(h.ctx.widgets.count("top.ended") == 1);
  std::size_t ended = 0;
  for (const ui::Alert& a : h.ctx.alerts) ended += a.text.find("The scenario has ended") != std::string::npos;
  CHECK(ended == 1);
  h.frame();  // announced once
  ended = 0;
  for (const ui::Alert& a : h.ctx.alerts) ended += a.text.find("The scenario has ended") != std::string::npos;
  CHECK(ended == 1);
}

TEST_CASE("alerts and the day clock are Japanese in the Japanese UI") {
  DashHarness h;
  ui::set_language(ui::Lang::kJapanese);
  CHECK(h.ctx.clock_text(0) == "1日目 14:46");
  ui::Alert a;
  a.text = "Road #3 above 6 p/m²";
  a.text_ja = "道路 #3 で 6 人/m² 超";
  CHECK(a.shown() == a.text_ja);
  ui::set_language(ui::Lang::kEnglish);
  CHECK(a.shown() == a.text);
  CHECK(h.ctx.clock_text(0) == "day 1 14:46");
}
