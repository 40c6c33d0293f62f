// The after-action view's comparison of two saved runs, headless: two run folders
// written with geo::write_run_outputs on the harness's grid network, opened with
// the dashboard's --compare options or typed into the panel's path fields; the
// metric table, the charts and the per-road difference layer on the map must show,
// and the layer must follow its toggle.
#include <doctest/doctest.h>

#include <cmath>
#include <filesystem>
#include <string>

#include "kitaku/geo/results.hpp"
#include "kitaku/geo/run_folder.hpp"
#include "kitaku/ui/dashboard.hpp"
#include "panels/compare_panel.hpp"
#include "ui_harness.hpp"

using namespace kitaku;
namespace fs = std::filesystem;

namespace {

// A run of the grid scenario written to `dir`, with road `crowded`'s minutes at
// >= 6 p/m2 set to `minutes` and `arrived` persons home, so that two such runs differ
// in known ways.
void write_run(const fs::path& dir, const Network& net, const City& city, const Scenario& sc, EdgeId crowded,
               double minutes, double arrived) {
  Simulation sim(net, city, sc, RunConfig{});
  for (int i = 0; i < 30; ++i) sim.step();
  geo::RunOutputs out;
  out.network = &net;
  out.city = &sim.city();
  out.timeseries = sim.timeseries();
  out.edges = sim.edge_stats();
  for (float& s : out.edges.seconds_ge6) s = 0;
  out.edges.seconds_ge6[index(crowded)] = static_cast<float>(minutes * 60);
  if (!out.edges.first_ge6_s.empty()) out.edges.first_ge6_s[index(crowded)] = 120;
  out.facilities = sim.facility_stats();
  out.summary = sim.summary();
  out.summary.arrived_home = arrived;
  out.summary.partial = false;  // 30 steps stand for the whole run here
  out.scenario_toml = to_toml(sc);
  out.kitaku_version = "test";
  out.scenario_name = sc.name;
  geo::write_run_outputs(dir.string(), out);
}

ui::DashboardOptions compare_options(const fs::path& a, const fs::path& b) {
  ui::DashboardOptions o;
  o.run_loader = [](const std::string& d) { return geo::read_run_folder(d); };
  o.compare_a = a.string();
  o.compare_b = b.string();
  return o;
}

struct Runs {
  fs::path root = test::temp_dir("compare_panel");
  fs::path a = root / "a", b = root / "b";
  Runs(const Network& net, const City& city, const Scenario& sc) {
    write_run(a, net, city, sc, EdgeId{3}, 0, 100);
    write_run(b, net, city, sc, EdgeId{3}, 25, 250);  // road 3: 25 more minutes in B
  }
  ~Runs() {
    std::error_code ec;
    fs::remove_all(root, ec);
  }
};

struct DashHarness : test::UiHarness {
  explicit DashHarness(const std::function<ui::DashboardOptions(const test::UiHarness&)>& options)
      : test::UiHarness(test::ui_grid_scenario(), 1600, 900), dash(ctx, options(*this)) {}
  void frame() {
    backend.begin_frame();
    dash.Draw();
    backend.end_frame();
  }
  void click(const std::string& name) { click_using(name, [this] { frame(); }); }
  ui::Dashboard dash;
};

}  // namespace

TEST_CASE("the after-action view shows two saved runs' metric table, charts and per-road difference layer") {
  std::unique_ptr<Runs> runs;
  DashHarness h([&](const test::UiHarness& u) {
    runs = std::make_unique<Runs>(u.net, u.city, u.scenario);
    return compare_options(runs->a, runs->b);
  });
  for (int i = 0; i < 4; ++i) h.frame();
  CHECK(h.dash.current_tab() == "drill");  // --compare opens the After action view
  ui::ComparePanel& cmp = h.dash.compare();
  REQUIRE_MESSAGE(cmp.loaded(), cmp.error());
  CHECK(cmp.error().empty());
  REQUIRE(cmp.comparison());
  const RunComparison& c = *cmp.comparison();
  // The table: every metric, with arrived home's B - A.
  CHECK(cmp.table_rows_shown == static_cast<int>(c.metrics.size()));
  CHECK(cmp.table_rows_shown > 10);
  CHECK(h.ctx.widgets.count("compare.table") == 1);
  bool arrived = false;
  for (const MetricRow& m : c.metrics)
    if (m.key == "arrived_home") {
      arrived = true;
      CHECK(m.a == doctest::Approx(100));
      CHECK(m.difference() == doctest::Approx(150));
    }
  CHECK(arrived);
  // Both runs' time series in a chart per compared column.
  CHECK(cmp.charts_shown == static_cast<int>(std::size(kComparedSeries)));
  // The difference layer: road 3 alone changed, and it is drawn with a legend.
  CHECK(cmp.layer_fits());
  CHECK(c.roads_worse == 1);
  CHECK(c.roads_better == 0);
  CHECK(c.difference_minutes_ge6[3] == doctest::Approx(25));
  CHECK(cmp.layer_roads_drawn == 1);
  CHECK(cmp.layer_legend_drawn);
  // The toggle takes the layer off the map and back.
  // (The map is drawn before the operations panel: the layer follows on the next frame.)
  h.click("compare.layer");
  h.frame();
  CHECK_FALSE(cmp.show_layer);
  CHECK(cmp.layer_roads_drawn == 0);
  CHECK_FALSE(cmp.layer_legend_drawn);
  h.click("compare.layer");
  h.frame();
  CHECK(cmp.show_layer);
  CHECK(cmp.layer_roads_drawn == 1);
}

TEST_CASE("the comparison is made from the path fields, and a bad folder is named in the view") {
  std::unique_ptr<Runs> runs;
  DashHarness h([&](const test::UiHarness& u) {
    runs = std::make_unique<Runs>(u.net, u.city, u.scenario);
    ui::DashboardOptions o = compare_options(runs->a, runs->root / "missing");
    return o;
  });
  for (int i = 0; i < 4; ++i) h.frame();  // the tab bars select the After action view over two frames
  ui::ComparePanel& cmp = h.dash.compare();
  CHECK_FALSE(cmp.loaded());
  CHECK(cmp.error().find("missing: no such run folder") != std::string::npos);
  CHECK(h.ctx.widgets.count("compare.table") == 0);
  CHECK(cmp.layer_roads_drawn == 0);
  // Fixed in the fields, then Compare.
  cmp.set_paths(runs->a.string(), runs->b.string());
  h.click("compare.go");
  h.frame();
  REQUIRE_MESSAGE(cmp.loaded(), cmp.error());
  CHECK(cmp.table_rows_shown > 10);
  CHECK(cmp.layer_roads_drawn == 1);
  // Without a loader the view says it cannot read folders.
  ui::ComparePanel bare;
  bare.set_paths(runs->a.string(), runs->b.string());
  CHECK_FALSE(bare.compare(h.ctx));
  CHECK(bare.error().find("no loader") != std::string::npos);
}

TEST_CASE("runs on another network are compared, but their difference is not drawn on this map") {
  std::unique_ptr<Runs> runs;
  const Network other(test::grid_network(5, 100.0, 4.0f));
  DashHarness h([&](const test::UiHarness& u) {
    runs = std::make_unique<Runs>(other, u.city, u.scenario);
    return compare_options(runs->a, runs->b);
  });
  for (int i = 0; i < 3; ++i) h.frame();
  ui::ComparePanel& cmp = h.dash.compare();
  REQUIRE_MESSAGE(cmp.loaded(), cmp.error());
  CHECK_FALSE(cmp.layer_fits());
  CHECK(cmp.table_rows_shown > 10);
  CHECK(cmp.layer_roads_drawn == 0);
}
