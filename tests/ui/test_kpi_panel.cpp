#include <doctest/doctest.h>

#include <filesystem>
#include <fstream>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

#include "kitaku/sim/timeseries_csv.hpp"
#include "kitaku/ui/after_action.hpp"
#include "kitaku/ui/i18n.hpp"
#include "panels/kpi_panel.hpp"
#include "ui_harness.hpp"

using namespace kitaku;
namespace fs = std::filesystem;

namespace {

/// A copy of the harness's newest snapshot, changed by `edit`, as the next snapshot.
struct SnapshotFeed {
  test::UiHarness& h;
  std::int64_t step = 0;
  Snapshot base = *h.runner.latest();

  void next(const std::function<void(Snapshot&)>& edit) {
    auto s = std::make_shared<Snapshot>(base);
    ++step;
    s->version = base.version + 1;
    s->step_no = step;
    s->time_s = step * 5;
    edit(*s);
    base = *s;
    h.ctx.snap = s;
  }
};


std::vector<std::string> split(const std::string& s) {
  std::vector<std::string> out;
  std::stringstream ss(s);
  for (std::string f; std::getline(ss, f, ',');) out.push_back(f);
  return out;
}

}  // namespace

TEST_CASE("a road reaching 6 p/m² raises one alert per crossing, re-armed below 5 p/m²") {
  test::UiHarness h;
  ui::KpiPanel panel;
  SnapshotFeed feed{h};
  auto density = [&](float d) { feed.next([&](Snapshot& s) { s.edge_density[3] = d; }); };

  density(7.0f);
  panel.update_alerts(h.ctx);
  REQUIRE(h.ctx.alerts.size() == 1);
  CHECK(h.ctx.alerts[0].kind == ui::Alert::Kind::kEdgeCrush);
  CHECK(h.ctx.alerts[0].edge == make_id<EdgeId>(3));
  CHECK(h.ctx.alerts[0].time_s == h.ctx.snap->time_s);
  CHECK(h.ctx.alerts[0].text.find("#3") != std::string::npos);
  panel.update_alerts(h.ctx);  // the same snapshot, next frame: nothing new
  CHECK(h.ctx.alerts.size() == 1);
  density(6.5f);  // still above
  panel.update_alerts(h.ctx);
  CHECK(h.ctx.alerts.size() == 1);
  density(5.5f);  // below 6 but not below 5: not re-armed
  panel.update_alerts(h.ctx);
  density(6.2f);
  panel.update_alerts(h.ctx);
  CHECK(h.ctx.alerts.size() == 1);
  density(4.9f);  // re-armed
  panel.update_alerts(h.ctx);
  CHECK(h.ctx.alerts.size() == 1);
  density(6.0f);
  panel.update_alerts(h.ctx);
  REQUIRE(h.ctx.alerts.size() == 2);
  CHECK(h.ctx.alerts[1].time_s == h.ctx.snap->time_s);
  CHECK(h.ctx.alerts[1].time_s > h.ctx.alerts[0].time_s);
}

TEST_CASE("many roads crossing at once become one alert naming the worst") {
  test::UiHarness h;
  ui::KpiPanel panel;
  SnapshotFeed feed{h};
  const std::size_t E = h.net.edge_count();
  REQUIRE(E > 100);
  feed.next([&](Snapshot& s) {
    for (std::size_t e = 0; e < E; ++e) s.edge_density[e] = 6.5f;
    s.edge_density[17] = 9.25f;
  });
  panel.update_alerts(h.ctx);
  REQUIRE(h.ctx.alerts.size() == 1);
  CHECK(h.ctx.alerts[0].edge == make_id<EdgeId>(17));
  CHECK(h.ctx.alerts[0].text.find(std::to_string(E) + " roads") != std::string::npos);
  CHECK(h.ctx.alerts[0].text.find("#17") != std::string::npos);
  CHECK(h.ctx.alerts[0].text.find("9.2") != std::string::npos);
  // A few at once are raised one by one.
  feed.next([&](Snapshot& s) {
    for (std::size_t e = 0; e < E; ++e) s.edge_density[e] = 0;
  });
  panel.update_alerts(h.ctx);
  feed.next([&](Snapshot& s) {
    s.edge_density[1] = 7;
    s.edge_density[2] = 8;
  });
  panel.update_alerts(h.ctx);
  REQUIRE(h.ctx.alerts.size() == 3);
  CHECK(h.ctx.alerts[1].edge == make_id<EdgeId>(1));
  CHECK(h.ctx.alerts[2].edge == make_id<EdgeId>(2));
}

TEST_CASE("facilities becoming full, damaged or closed by a command raise alerts once") {
  test::UiHarness h;
  ui::KpiPanel panel;
  SnapshotFeed feed{h};
  feed.next([](Snapshot& s) { s.facility_state[0] = FacilityState::kOpen; });
  panel.update_alerts(h.ctx);
  CHECK(h.ctx.alerts.empty());
  feed.next([](Snapshot& s) { s.facility_state[0] = FacilityState::kFull; });
  panel.update_alerts(h.ctx);
  REQUIRE(h.ctx.alerts.size() == 1);
  CHECK(h.ctx.alerts[0].kind == ui::Alert::Kind::kFacilityFull);
  CHECK(h.ctx.alerts[0].facility == make_id<ShelterId>(0));
  CHECK(h.ctx.alerts[0].text.find("北の施設") != std::string::npos);
  feed.next([](Snapshot&) {});  // still full
  panel.update_alerts(h.ctx);
  CHECK(h.ctx.alerts.size() == 1);

  feed.next([](Snapshot& s) {
    Command c = test::make_command(CommandType::kDamageFacility, 1);
    c.source = "inject";
    s.command_log.push_back(c);
    s.command_log.push_back(test::make_command(CommandType::kCloseEdge, -1, 4));  // not a facility: no alert
  });
  panel.update_alerts(h.ctx);
  REQUIRE(h.ctx.alerts.size() == 2);
  CHECK(h.ctx.alerts[1].kind == ui::Alert::Kind::kFacilityDamaged);
  CHECK(h.ctx.alerts[1].severity == ui::Alert::Severity::kCritical);
  CHECK(h.ctx.alerts[1].facility == make_id<ShelterId>(1));
  CHECK(h.ctx.alerts[1].text.find("南の施設") != std::string::npos);
  CHECK(h.ctx.alerts[1].text.find("inject") != std::string::npos);
  feed.next([](Snapshot& s) {
    Command c = test::make_command(CommandType::kCloseFacility, 0);
    c.source = "operator";
    s.command_log.push_back(c);
  });
  panel.update_alerts(h.ctx);
  REQUIRE(h.ctx.alerts.size() == 3);
  CHECK(h.ctx.alerts[2].text.find("北の施設") != std::string::npos);
  CHECK(h.ctx.alerts[2].text.find("operator") != std::string::npos);
}

TEST_CASE("alerts carry the time they happened, also when the first snapshot comes late (--advance-min)") {
  // A crossing the snapshot dates: the road has been at >= 6 p/m2 since 40 s.
  {
    test::UiHarness h;
    ui::KpiPanel panel;
    SnapshotFeed feed{h};
    for (int i = 0; i < 20; ++i) feed.next([](Snapshot&) {});
    feed.next([](Snapshot& s) {
      s.edge_density[5] = 7;
      s.edge_ge6_since_s[5] = 40;
    });
    panel.update_alerts(h.ctx);
    REQUIRE(h.ctx.alerts.size() == 1);
    CHECK(h.ctx.snap->time_s == 105);
    CHECK(h.ctx.alerts[0].time_s == 40);
  }
  // The real simulation, advanced 30 min before the dashboard sees it (as
  // --advance-min does): the southern facility filled well before then, and its alert
  // says when; the scripted closure applied at 10 min says 10 min.
  Scenario sc = test::ui_grid_scenario();
  Command close = test::make_command(CommandType::kCloseFacility, 0);
  close.time_s = 600;
  sc.commands.push_back(close);
  test::UiHarness h(sc);
  h.advance(360);
  ui::KpiPanel panel;
  h.frame([&] { panel.update_alerts(h.ctx); });
  const auto s = h.ctx.snap;
  REQUIRE(s->time_s == 1800);
  REQUIRE(s->facility_state[1] == FacilityState::kFull);
  const std::int64_t full_since = s->facility_full_since_s[1];
  REQUIRE(full_since > 0);
  REQUIRE(full_since < s->time_s);
  std::int64_t full_alert = -1, close_alert = -1;
  for (const ui::Alert& a : h.ctx.alerts) {
    if (a.kind == ui::Alert::Kind::kFacilityFull && a.facility == make_id<ShelterId>(1)) full_alert = a.time_s;
    if (a.kind == ui::Alert::Kind::kFacilityClosed) close_alert = a.time_s;
  }
  CHECK(full_alert == full_since);
  CHECK(close_alert == 600);
  // Logged in the order they happened.
  for (std::size_t i = 1; i < h.ctx.alerts.size(); ++i) CHECK(h.ctx.alerts[i - 1].time_s <= h.ctx.alerts[i].time_s);
}

TEST_CASE("repeated alerts group by kind and source, open to list them, and are acknowledged and filtered") {
  test::UiHarness h;
  ui::KpiPanel panel;
  SnapshotFeed feed{h};
  // Twelve facility damages by the quake (two snapshots), then one closure by an operator.
  for (int round = 0; round < 2; ++round)
    feed.next([](Snapshot& s) {
      for (int i = 0; i < 6; ++i) {
        Command c = test::make_command(CommandType::kDamageFacility, i % 2);
        c.source = "hazard";
        c.time_s = s.time_s;
        s.command_log.push_back(c);
      }
    });
  feed.next([](Snapshot& s) {
    Command c = test::make_command(CommandType::kCloseFacility, 0);
    c.source = "operator";
    c.time_s = s.time_s;
    s.command_log.push_back(c);
  });
  panel.update_alerts(h.ctx);
  REQUIRE(h.ctx.alerts.size() == 13);
  CHECK(ui::KpiPanel::unacknowledged(h.ctx) == 13);

  // The harness takes the runner's snapshot each frame; the alerts are already made.
  const auto draw = [&] { panel.Draw(h.ctx); };
  panel.show_tab = "alerts";
  h.frames(3, draw);
  REQUIRE(panel.groups().size() == 2);
  CHECK(panel.groups()[0].kind == ui::Alert::Kind::kFacilityClosed);  // the newest first
  CHECK(panel.groups()[0].members.size() == 1);
  const auto& quake = panel.groups()[1];
  CHECK(quake.kind == ui::Alert::Kind::kFacilityDamaged);
  CHECK(quake.source == "hazard");
  CHECK(quake.members.size() == 12);
  CHECK(quake.severity == ui::Alert::Severity::kCritical);
  const std::string group = "kpi.alerts.group." + std::to_string(static_cast<int>(ui::Alert::Kind::kFacilityDamaged)) + ".hazard";
  // Closed, the group is one line: its members have no rows.
  h.ctx.widgets.clear();
  h.frame(draw);
  REQUIRE(h.ctx.widgets.count(group) == 1);
  const std::size_t member = quake.members.front();
  CHECK(h.ctx.widgets.count("kpi.alerts.row." + std::to_string(member)) == 0);
  h.click(group, draw);
  h.ctx.widgets.clear();
  h.frame(draw);
  CHECK(h.ctx.widgets.count("kpi.alerts.row." + std::to_string(member)) == 1);

  // One member acknowledged, then the whole group.
  h.click("kpi.alerts.ack_row." + std::to_string(member), draw);
  CHECK(h.ctx.alerts[member].acknowledged);
  CHECK(ui::KpiPanel::unacknowledged(h.ctx) == 12);
  h.click("kpi.alerts.ack." + std::to_string(static_cast<int>(ui::Alert::Kind::kFacilityDamaged)) + ".hazard", draw);
  CHECK(ui::KpiPanel::unacknowledged(h.ctx) == 1);
  h.click("kpi.alerts.hide_ack", draw);
  REQUIRE(panel.groups().size() == 1);
  CHECK(panel.groups()[0].kind == ui::Alert::Kind::kFacilityClosed);
  h.click("kpi.alerts.hide_ack", draw);
  // Filter by kind: closures hidden.
  h.click("kpi.alerts.kind." + std::to_string(static_cast<int>(ui::Alert::Kind::kFacilityClosed)), draw);
  REQUIRE(panel.groups().size() == 1);
  CHECK(panel.groups()[0].kind == ui::Alert::Kind::kFacilityDamaged);
  CHECK(h.ctx.alerts.size() == 13);  // filtering hides, it does not drop
}

TEST_CASE("facilities the quake damaged (no command) are announced once each, grouped as by the quake") {
  test::UiHarness h;
  ui::KpiPanel panel;
  SnapshotFeed feed{h};
  feed.next([](Snapshot& s) {
    s.facility_damaged[0] = 1;
    s.facility_damaged[1] = 1;
  });
  panel.update_alerts(h.ctx);
  REQUIRE(h.ctx.alerts.size() == 2);
  for (const ui::Alert& a : h.ctx.alerts) {
    CHECK(a.kind == ui::Alert::Kind::kFacilityDamaged);
    CHECK(a.source == "hazard");
    CHECK(a.time_s == 0);  // at the quake
  }
  feed.next([](Snapshot&) {});
  panel.update_alerts(h.ctx);
  CHECK(h.ctx.alerts.size() == 2);
  const auto draw = [&] { panel.Draw(h.ctx); };
  panel.show_tab = "alerts";
  h.frames(3, draw);
  REQUIRE(panel.groups().size() == 1);
  CHECK(panel.groups()[0].members.size() == 2);
}

TEST_CASE("the alert log is capped, keeps the newest, and the clear button empties it") {
  test::UiHarness h;
  ui::KpiPanel panel;
  panel.max_alerts = 50;
  panel.aggregate_over = 100000;  // one alert per road
  SnapshotFeed feed{h};
  const std::size_t E = h.net.edge_count();
  for (int round = 0; round < 2; ++round) {
    feed.next([&](Snapshot& s) {
      for (std::size_t e = 0; e < E; ++e) s.edge_density[e] = 7;
    });
    panel.update_alerts(h.ctx);
    feed.next([&](Snapshot& s) {
      for (std::size_t e = 0; e < E; ++e) s.edge_density[e] = 0;
    });
    panel.update_alerts(h.ctx);
  }
  CHECK(h.ctx.alerts.size() == 50);
  CHECK(h.ctx.alerts.back().edge == make_id<EdgeId>((E - 1)));
  CHECK(h.ctx.alerts.back().time_s == h.ctx.snap->time_s - 5);  // raised by the last crossing

  // The harness refreshes ctx.snap from the runner each frame: keep the alerts we made.
  auto draw = [&] { panel.Draw(h.ctx); };
  h.frames(2, draw);  // tab headers are laid out on the second frame
  h.click("kpi.tab.alerts", draw);
  CHECK(h.ctx.alerts.size() == 50);
  h.click("kpi.alerts.clear", draw);
  CHECK(h.ctx.alerts.empty());
}

TEST_CASE("KPI charts follow the snapshot, are cached per snapshot, and read out the value under the mouse") {
  test::UiHarness h;
  ui::KpiPanel panel;
  auto draw = [&] {
    panel.update_alerts(h.ctx);
    panel.Draw(h.ctx);
  };
  h.advance(360);  // 30 min: rows at 0, 5, ..., 30 min
  const auto snap = h.runner.latest();
  REQUIRE(snap->time_s == 1800);
  h.frames(2, draw);
  h.click("kpi.tab.charts", draw);
  const auto& states = panel.chart(ui::KpiPanel::kChartStates);
  REQUIRE(states.x_h.size() == 7);
  CHECK(states.x_h.back() == doctest::Approx(0.5));
  REQUIRE(states.y.size() == kAgentStates);
  for (int k = 0; k < kAgentStates; ++k)
    CHECK(states.y[static_cast<std::size_t>(k)].back() ==
          doctest::Approx(static_cast<double>(snap->row.state[static_cast<std::size_t>(k)]) * snap->persons_per_agent));
  const auto& crush = panel.chart(ui::KpiPanel::kChartCrush);
  REQUIRE(crush.y.size() == 2);
  CHECK(crush.y[0].back() == doctest::Approx(snap->row.persons_ge6));
  CHECK(crush.y[1].back() == doctest::Approx(snap->row.persons_ge4));
  CHECK(panel.total_capacity() == doctest::Approx(1000));
  const auto& fill = panel.chart(ui::KpiPanel::kChartFill);
  CHECK(fill.y[0].back() == doctest::Approx(100.0 * snap->row.persons_sheltered / 1000).epsilon(1e-5));
  double peak_walking = 0;
  for (const float v : states.y[static_cast<std::size_t>(AgentState::kWalkingHome)]) peak_walking = std::max(peak_walking, double(v));
  CHECK(peak_walking > 0);  // people set off in the first half hour

  // Hovering a chart reads out the sample under the mouse.
  const auto it = h.ctx.widgets.find("kpi.chart.crush");
  REQUIRE(it != h.ctx.widgets.end());
  ImGuiIO& io = ImGui::GetIO();
  io.MousePos = ImVec2(it->second.second.x - 14, (it->second.first.y + it->second.second.y) / 2);  // right end
  h.frames(2, draw);
  CHECK(panel.hover_sample() == 6);  // the last sample, 30 min
  CHECK(panel.hover_text().find("day 1 15:16") != std::string::npos);
  CHECK(panel.hover_text().find(">= 6 p/m²") != std::string::npos);
  io.MousePos = ImVec2(it->second.first.x + 60, (it->second.first.y + it->second.second.y) / 2);  // near the start
  h.frames(2, draw);
  CHECK(panel.hover_sample() >= 0);
  CHECK(panel.hover_sample() < 3);
  io.MousePos = ImVec2(-100, -100);
  h.frames(2, draw);
  CHECK(panel.hover_sample() == -1);

  // Cached: more frames of the same snapshot do not rebuild.
  const int rebuilds = panel.chart_rebuilds();
  h.frames(3, draw);
  CHECK(panel.chart_rebuilds() == rebuilds);
  h.advance(1);  // 30:05, not a recorded row: recorded rows plus the row now
  h.frame(draw);
  CHECK(panel.chart_rebuilds() == rebuilds + 1);
  CHECK(panel.chart(ui::KpiPanel::kChartStates).x_h.size() == 8);

  // Every tab draws in both languages.
  ui::set_language(ui::Lang::kJapanese);
  for (const char* t : {"kpi.tab.now", "kpi.tab.charts", "kpi.tab.alerts", "kpi.tab.export"}) h.click(t, draw);
  ui::set_language(ui::Lang::kEnglish);
}

TEST_CASE("Export KPIs writes the columns of timeseries.csv atomically") {
  test::UiHarness h;
  ui::KpiPanel panel;
  h.advance(300);  // 25 min
  const auto snap = h.runner.latest();
  h.ctx.snap = snap;
  const fs::path dir = test::temp_dir("kpi_export");
  const fs::path path = dir / "k.csv";
  std::string error;
  REQUIRE(ui::KpiPanel::export_csv(h.ctx, path.string(), &error));
  CHECK(error.empty());
  CHECK_FALSE(fs::exists(dir / "k.csv.tmp"));
  const auto lines = test::lines_of(path);
  REQUIRE(!lines.empty());
  std::string header;
  for (const std::string& c : timeseries_columns()) header += (header.empty() ? "" : ",") + c;
  CHECK(lines[0] == header);  // exactly a run's timeseries.csv columns
  CHECK(lines[0].find(",state_by_rail_persons,") != std::string::npos);
  const auto rows = ui::rows_until(snap->timeseries, snap->row);
  REQUIRE(rows.size() == 6);  // 0, 5, ..., 25 min
  REQUIRE(lines.size() == rows.size() + 1);
  for (std::size_t i = 0; i < rows.size(); ++i) {
    const auto f = split(lines[i + 1]);
    REQUIRE(f.size() == 3 + 2 * kAgentStates + 13);  // 7, then issue #15's junction, station and place columns
    const TimeseriesRow& r = rows[i];
    CHECK(std::stoll(f[0]) == r.time_s);
    CHECK(std::stoll(f[1]) == r.agents);
    CHECK(std::stod(f[2]) == doctest::Approx(snap->persons_per_agent));
    for (int k = 0; k < kAgentStates; ++k) {
      const auto ks = static_cast<std::size_t>(k);
      CHECK(std::stoll(f[3 + ks]) == r.state[ks]);
      CHECK(std::stod(f[3 + kAgentStates + ks]) ==
            doctest::Approx(static_cast<double>(r.state[ks]) * snap->persons_per_agent));
    }
    const double reals[] = {r.persons_sheltered, r.persons_walking, r.persons_ge4, r.persons_ge6, r.km_ge6};
    constexpr std::size_t kReal = 3 + 2 * kAgentStates;  // the first column after the states
    for (std::size_t k = 0; k < 5; ++k) CHECK(std::abs(std::stod(f[kReal + k]) - reals[k]) <= 0.0005);
    CHECK(std::stoll(f[kReal + 5]) == r.facilities_open);
    CHECK(std::stoll(f[kReal + 6]) == r.facilities_full);
  }
  CHECK(lines.back().rfind("1500,", 0) == 0);

  // A path that cannot be written: false, with the reason naming the path, and nothing left behind.
  const fs::path bad = dir / "missing" / "k.csv";
  CHECK_FALSE(ui::KpiPanel::export_csv(h.ctx, bad.string(), &error));
  CHECK(error.find(bad.string()) != std::string::npos);
  CHECK_FALSE(fs::exists(dir / "missing"));

  // The button writes "kpis-HHMM.csv" (scenario clock) in the current directory.
  const fs::path cwd = fs::current_path();
  fs::current_path(dir);
  auto draw = [&] { panel.Draw(h.ctx); };
  h.frames(2, draw);  // tab headers are laid out on the second frame
  h.click("kpi.tab.export", draw);
  h.click("kpi.export", draw);
  fs::current_path(cwd);
  CHECK(panel.export_message().find("kpis-1511.csv") != std::string::npos);  // 14:46 + 25 min
  REQUIRE(fs::exists(dir / "kpis-1511.csv"));
  CHECK(test::lines_of(dir / "kpis-1511.csv") == lines);
  fs::remove_all(dir);
}
