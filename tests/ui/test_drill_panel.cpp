#include <doctest/doctest.h>

#include <chrono>
#include <cmath>
#include <functional>
#include <filesystem>
#include <fstream>
#include <string>
#include <thread>
#include <vector>

#include "kitaku/sim/commands.hpp"
#include "kitaku/ui/after_action.hpp"
#include "kitaku/ui/i18n.hpp"
#include "panels/drill_panel.hpp"
#include "ui_harness.hpp"

using namespace kitaku;
namespace fs = std::filesystem;

namespace {


/// Steps the harness until scenario time t (seconds).
void advance_to(test::UiHarness& h, std::int64_t t) {
  const std::int64_t now = h.runner.latest()->time_s;
  REQUIRE(t >= now);
  h.advance(static_cast<int>((t - now) / h.scenario.run.step_s));
  REQUIRE(h.runner.latest()->time_s == t);
}

void check_rows_equal(const TimeseriesRow& a, const TimeseriesRow& b) {
  CHECK(a.time_s == b.time_s);
  CHECK(a.agents == b.agents);
  CHECK(a.state == b.state);
  CHECK(a.persons_sheltered == b.persons_sheltered);
  CHECK(a.persons_ge4 == b.persons_ge4);
  CHECK(a.persons_ge6 == b.persons_ge6);
  CHECK(a.km_ge6 == b.km_ge6);
  CHECK(a.persons_walking == b.persons_walking);
  CHECK(a.facilities_open == b.facilities_open);
  CHECK(a.facilities_full == b.facilities_full);
}

void check_figures_equal(const ui::AfterActionFigures& a, const ui::AfterActionFigures& b) {
  CHECK(a.time_s == b.time_s);
  CHECK(a.person_minutes_ge6 == b.person_minutes_ge6);
  CHECK(a.person_minutes_ge4 == b.person_minutes_ge4);
  CHECK(a.peak_km_ge6 == b.peak_km_ge6);
  CHECK(a.peak_sheltered == b.peak_sheltered);
  CHECK(a.peak_unsheltered_stranded == b.peak_unsheltered_stranded);
  CHECK(a.arrived_home == b.arrived_home);
  CHECK(a.unsheltered_now == b.unsheltered_now);
  CHECK(a.sheltered_now == b.sheltered_now);
}

/// Draws frames until the baseline has finished (or a minute has passed).
void wait_for_baseline(test::UiHarness& h, ui::DrillPanel& panel, const std::function<void()>& draw) {
  const auto t0 = std::chrono::steady_clock::now();
  while (panel.baseline().running() && std::chrono::steady_clock::now() - t0 < std::chrono::seconds(120)) {
    h.frame(draw);
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  REQUIRE(panel.baseline().done());
  h.frames(2, draw);
}

}  // namespace

TEST_CASE("injects from the drill panel reach the simulation now or at a chosen scenario time") {
  test::UiHarness h;
  ui::DrillPanel panel;
  auto draw = [&] { panel.Draw(h.ctx); };
  h.frames(2, draw);  // tab headers are laid out on the second frame
  advance_to(h, 60);
  h.ctx.selected_edge = make_id<EdgeId>(40);
  h.click("drill.close_edge", draw);
  CHECK(panel.edge == make_id<EdgeId>(40));  // follows the map's selection
  REQUIRE(panel.injects_sent().size() == 1);
  h.advance(1);
  auto s = h.runner.latest();
  REQUIRE(s->command_log.size() == 1);
  CHECK(s->command_log[0].type == CommandType::kCloseEdge);
  CHECK(s->command_log[0].edge == make_id<EdgeId>(40));
  CHECK(s->command_log[0].source == "inject");
  CHECK(s->command_log[0].time_s == 60);
  CHECK(s->edge_closed[40] == 1);

  // An area closed at +0:10 (fire), centred where the user clicked on the map.
  h.ctx.has_picked_point = true;
  h.ctx.picked_point = {400, 400};
  panel.area_radius_m = 120;
  panel.at_time = true;
  panel.at_hours = 0;
  panel.at_minutes = 10;
  h.click("drill.close_area", draw);
  REQUIRE(panel.injects_sent().size() == 2);
  CHECK(panel.injects_sent()[1].time_s == 600);
  advance_to(h, 600);
  h.frame(draw);
  s = h.runner.latest();
  CHECK(s->command_log.size() == 1);
  CHECK_FALSE(panel.injects_applied()[1]);
  h.advance(1);  // the step from 600 applies it
  h.frame(draw);
  s = h.runner.latest();
  REQUIRE(s->command_log.size() == 2);
  CHECK(s->command_log[1].type == CommandType::kCloseArea);
  CHECK(s->command_log[1].time_s == 600);
  CHECK(s->command_log[1].x == 400);
  CHECK(s->command_log[1].radius_m == 120);
  CHECK(panel.injects_applied()[1]);
  int at_centre = 0, closed_at_centre = 0, closed = 0;
  for (std::uint32_t e = 0; e < h.net.edge_count(); ++e) {
    const Point p = h.net.pos(h.net.from(EdgeId{e})), q = h.net.pos(h.net.to(EdgeId{e}));
    const bool touches = std::hypot(p.x - 400, p.y - 400) < 1 || std::hypot(q.x - 400, q.y - 400) < 1;
    at_centre += touches;
    closed_at_centre += touches && s->edge_closed[e];
    closed += s->edge_closed[e];
  }
  CHECK(at_centre == 4);
  CHECK(closed_at_centre == 4);  // the four streets meeting at the centre crossing
  CHECK(closed < static_cast<int>(h.net.edge_count()) / 2);  // not the whole city

  // A time already past applies at the next step (the simulation clamps it to now).
  panel.at_minutes = 1;
  h.ctx.selected_facility = make_id<ShelterId>(1);
  h.click("drill.damage", draw);
  h.advance(1);
  s = h.runner.latest();
  REQUIRE(s->command_log.size() == 3);
  CHECK(s->command_log[2].type == CommandType::kDamageFacility);
  CHECK(s->command_log[2].facility == make_id<ShelterId>(1));
  CHECK(s->command_log[2].time_s == 605);
  CHECK(s->facility_damaged[1] == 1);

  // The rail inject is shown but disabled: clicking it sends nothing.
  h.click("drill.rail", draw);
  h.advance(1);
  CHECK(panel.injects_sent().size() == 3);
  CHECK(h.runner.latest()->command_log.size() == 3);
  CHECK(h.ctx.widgets.count("drill.rail") == 1);
}

TEST_CASE("the drill panel lists the scripted commands and whether they have been applied") {
  auto sc = test::ui_grid_scenario();
  Command a = test::make_command(CommandType::kSetCapacity, 1, -1, 800);
  a.time_s = 600;
  a.seq = 0;
  Command b = test::make_command(CommandType::kCloseEdge, -1, 5);
  b.time_s = 3000;
  b.seq = 1;
  sc.commands = {a, b};
  test::UiHarness h(sc);
  ui::DrillPanel panel;
  auto draw = [&] { panel.Draw(h.ctx); };
  h.frames(2, draw);  // tab headers are laid out on the second frame
  h.click("drill.tab.script", draw);
  CHECK(panel.scripted_applied() == std::vector<bool>{false, false});
  advance_to(h, 900);
  h.frame(draw);
  CHECK(panel.scripted_applied() == std::vector<bool>{true, false});
  CHECK(h.runner.latest()->command_log.at(0).source == "scenario");
  h.click("drill.tab.log", draw);
  h.click("drill.tab.after", draw);
  ui::set_language(ui::Lang::kJapanese);
  for (const char* t : {"drill.tab.injects", "drill.tab.script", "drill.tab.log", "drill.tab.after"}) h.click(t, draw);
  ui::set_language(ui::Lang::kEnglish);
}

TEST_CASE("a drill driven through the panel, saved and replayed headless, gives identical results") {
  auto sc = test::ui_grid_scenario();
  Command scripted = test::make_command(CommandType::kSetCapacity, 0, -1, 700);
  scripted.time_s = 1200;
  Command later = test::make_command(CommandType::kCloseEdge, -1, 9);
  later.time_s = 7000;  // after the save: written as not applied yet
  later.seq = 1;
  sc.commands = {scripted, later};
  test::UiHarness h(sc);
  ui::DrillPanel panel;
  auto draw = [&] { panel.Draw(h.ctx); };
  h.frames(2, draw);  // tab headers are laid out on the second frame

  advance_to(h, 300);
  h.ctx.selected_edge = make_id<EdgeId>(40);
  h.click("drill.close_edge", draw);
  advance_to(h, 900);
  h.ctx.selected_facility = make_id<ShelterId>(0);
  h.click("drill.damage", draw);
  // Queued for +0:40: a fire closes the area around the centre.
  h.ctx.has_picked_point = true;
  h.ctx.picked_point = {400, 400};
  panel.area_radius_m = 150;
  panel.at_time = true;
  panel.at_minutes = 40;
  h.click("drill.close_area", draw);
  panel.at_time = false;
  advance_to(h, 1500);
  h.ctx.selected_facility = make_id<ShelterId>(1);
  h.frame(draw);  // the capacity field follows the facility...
  CHECK(panel.capacity == doctest::Approx(400));
  panel.capacity = 200;  // ...and the trainer types a new one
  h.click("drill.set_capacity", draw);
  h.ctx.selected_edge = make_id<EdgeId>(40);
  h.click("drill.reopen_edge", draw);
  advance_to(h, 1800);
  panel.release_share = 0.5f;
  h.click("drill.release", draw);
  advance_to(h, 3600);
  h.frame(draw);
  const auto snap = h.runner.latest();
  REQUIRE(snap->command_log.size() == 7);  // 1 scripted + 6 injects
  for (bool applied : panel.injects_applied()) CHECK(applied);

  // Save through the button: drill-HHMM.log in the current directory.
  const fs::path dir = test::temp_dir("drill_replay");
  const fs::path cwd = fs::current_path();
  fs::current_path(dir);
  h.click("drill.tab.log", draw);
  h.click("drill.save_log", draw);
  fs::current_path(cwd);
  const fs::path log = dir / "drill-1546.log";  // 14:46 + 1 h
  REQUIRE_MESSAGE(fs::exists(log), panel.log_message());
  CHECK_FALSE(fs::exists(dir / "drill-1546.log.tmp"));
  const auto lines = test::lines_of(log);
  REQUIRE(lines.size() > 4);
  CHECK(lines[0].rfind("# kitaku drill log", 0) == 0);
  CHECK(lines[1] == "# scenario: grid (<test>)");
  CHECK(lines[2] == "# seed: 1");
  int commands = 0, injects = 0;
  for (const auto& l : lines)
    if (!l.empty() && l[0] != '#') {
      ++commands;
      injects += l.find("source=inject") != std::string::npos;
    }
  CHECK(commands == 8);  // 7 applied + the scripted one still to come
  CHECK(injects == 6);

  // Replay: the logged commands instead of the scenario's, stepped to the same time.
  Scenario replay_sc = h.scenario;
  replay_sc.commands = load_command_log(log.string());
  Simulation sim(h.net, h.city, replay_sc, RunConfig{});
  while (sim.time_s() < snap->time_s) sim.step();
  REQUIRE(sim.timeseries().size() == snap->timeseries.size());
  for (std::size_t i = 0; i < snap->timeseries.size(); ++i) check_rows_equal(sim.timeseries()[i], snap->timeseries[i]);
  check_rows_equal(sim.current_row(), snap->row);
  REQUIRE(sim.command_log().size() == snap->command_log.size());
  for (std::size_t i = 0; i < snap->command_log.size(); ++i)
    CHECK(format_command(sim.command_log()[i]) == format_command(snap->command_log[i]));
  for (std::uint32_t f = 0; f < h.city.facilities.size(); ++f) {
    const ShelterId id{f};
    CHECK(sim.facility_state(id) == snap->facility_state[f]);
    CHECK(sim.facility_damaged(id) == (snap->facility_damaged[f] != 0));
    CHECK(sim.facility_capacity(id) == snap->facility_capacity[f]);
    CHECK(sim.facility_occupancy(id) == snap->facility_occupancy[f]);
    CHECK(sim.facility_reserved(id) == snap->facility_reserved[f]);
  }
  for (std::uint32_t e = 0; e < h.net.edge_count(); ++e)
    CHECK(sim.edge_view(EdgeId{e}).closed == (snap->edge_closed[e] != 0));
  fs::remove_all(dir);
}

TEST_CASE("after action: a drill with no actions equals its baseline exactly") {
  test::UiHarness h;
  ui::DrillPanel panel;
  auto draw = [&] { panel.Draw(h.ctx); };
  h.frames(2, draw);  // tab headers are laid out on the second frame
  advance_to(h, 3600);
  h.click("drill.tab.after", draw);
  h.click("drill.baseline.run", draw);
  wait_for_baseline(h, panel, draw);
  REQUIRE(panel.comparison_shown());
  const auto snap = h.runner.latest();
  CHECK(panel.baseline().until_s() == 3600);
  check_rows_equal(panel.baseline().final_row(), snap->row);
  REQUIRE(panel.baseline().rows().size() == snap->timeseries.size());
  for (std::size_t i = 0; i < snap->timeseries.size(); ++i)
    check_rows_equal(panel.baseline().rows()[i], snap->timeseries[i]);
  check_figures_equal(panel.drill_figures(), panel.baseline_figures());
  CHECK(panel.drill_figures().time_s == 3600);
  CHECK(panel.baseline().summary().threads == 1);
  CHECK(panel.drill_figures().person_minutes_ge4 >= panel.drill_figures().person_minutes_ge6);
}

TEST_CASE("after action: closing both facilities early leaves more people unsheltered than the baseline") {
  test::UiHarness h;
  ui::DrillPanel panel;
  auto draw = [&] { panel.Draw(h.ctx); };
  h.frames(2, draw);  // tab headers are laid out on the second frame
  advance_to(h, 60);
  for (const std::int64_t f : {0, 1}) {
    h.ctx.selected_facility = make_id<ShelterId>(f);
    h.click("drill.damage", draw);
  }
  advance_to(h, 5400);
  h.click("drill.tab.after", draw);
  h.click("drill.baseline.run", draw);
  wait_for_baseline(h, panel, draw);
  REQUIRE(panel.comparison_shown());
  const auto& d = panel.drill_figures();
  const auto& b = panel.baseline_figures();
  CHECK(d.time_s == 5400);
  CHECK(b.time_s == 5400);
  CHECK(d.sheltered_now == 0);
  CHECK(d.peak_sheltered == 0);
  CHECK(b.peak_sheltered > 0);
  CHECK(d.unsheltered_now > b.unsheltered_now);
  CHECK(d.peak_unsheltered_stranded > b.peak_unsheltered_stranded);

  // The drill moves on: the comparison stays at the baseline's time (a recorded row).
  advance_to(h, 5700);
  h.frames(2, draw);
  CHECK(panel.drill_figures().time_s == 5400);
  CHECK(panel.drill_figures().unsheltered_now == d.unsheltered_now);
}

TEST_CASE("a baseline run can be cancelled, and is joined when dropped") {
  test::UiHarness h;
  {
    ui::BaselineRun run;
    run.start(h.net, h.city, h.scenario, 3 * 3600);
    CHECK(run.running());
    run.cancel();
    CHECK(run.status() == ui::BaselineRun::Status::kCancelled);
    CHECK_FALSE(run.done());
    run.start(h.net, h.city, h.scenario, 3 * 3600);
  }  // the destructor cancels and joins
  ui::BaselineRun quick;
  quick.start(h.net, h.city, h.scenario, 600);
  const auto t0 = std::chrono::steady_clock::now();
  while (quick.running() && std::chrono::steady_clock::now() - t0 < std::chrono::seconds(60))
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  REQUIRE(quick.done());
  CHECK(quick.progress() == 1.0);
  CHECK(quick.final_row().time_s == 600);
  CHECK(quick.rows().back().time_s == 600);
}

TEST_CASE("applied_commands matches each logged command once, at or after its time") {
  Command a = test::make_command(CommandType::kCloseEdge, -1, 3);
  a.time_s = 100;
  a.source = "inject";
  Command b = a;
  Command c = a;
  c.edge = make_id<EdgeId>(4);
  std::vector<Command> log{a};
  log[0].time_s = 105;
  CHECK(ui::applied_commands({a, b, c}, log) == std::vector<bool>{true, false, false});
  log[0].time_s = 95;  // before the time asked for: not this one
  CHECK(ui::applied_commands({a}, log) == std::vector<bool>{false});
  log[0].time_s = 100;
  log[0].source = "operator";  // another source is another command
  CHECK(ui::applied_commands({a}, log) == std::vector<bool>{false});
}

TEST_CASE("after-action figures integrate the samples and take peaks, the same way for any run") {
  auto row = [](std::int64_t t, double ge6, double ge4, std::int64_t unsheltered, std::int64_t to_facility,
                double sheltered) {
    TimeseriesRow r;
    r.time_s = t;
    r.persons_ge6 = ge6;
    r.persons_ge4 = ge4;
    r.km_ge6 = ge6 / 100;
    r.state[static_cast<std::size_t>(AgentState::kUnsheltered)] = unsheltered;
    r.state[static_cast<std::size_t>(AgentState::kToFacility)] = to_facility;
    r.state[static_cast<std::size_t>(AgentState::kArrivedHome)] = t / 300;
    r.persons_sheltered = sheltered;
    return r;
  };
  const std::vector<TimeseriesRow> rows = {row(0, 0, 0, 0, 0, 0), row(300, 10, 30, 5, 1, 50), row(600, 20, 40, 8, 4, 80),
                                           row(900, 999, 999, 99, 99, 999)};  // at or after now: ignored
  const TimeseriesRow now = row(750, 40, 60, 2, 0, 70);
  const ui::AfterActionFigures f = ui::after_action_figures(rows, now, 2.0);
  CHECK(f.time_s == 750);
  CHECK(f.person_minutes_ge6 == doctest::Approx(10 * 5 + 20 * 5 + 40 * 2.5));
  CHECK(f.person_minutes_ge4 == doctest::Approx(30 * 5 + 40 * 5 + 60 * 2.5));
  CHECK(f.peak_km_ge6 == doctest::Approx(0.4));
  CHECK(f.peak_sheltered == 80);
  CHECK(f.peak_unsheltered_stranded == (8 + 4) * 2.0);
  CHECK(f.unsheltered_now == 2 * 2.0);
  CHECK(f.sheltered_now == 70);
  CHECK(f.arrived_home == 2 * 2.0);  // 750 / 300 agents
  // rows_until: the recorded rows before now, then now.
  const auto r = ui::rows_until(rows, now);
  REQUIRE(r.size() == 4);
  CHECK(r.back().time_s == 750);
  CHECK(r[2].time_s == 600);
}
