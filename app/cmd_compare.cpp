// kitaku compare RUN_A RUN_B --out DIR: what changed between two runs (docs/cli.md,
// "kitaku compare"; docs/outputs.md, "Comparing two runs"). A is the baseline:
// every difference is B - A. Reads both folders (geo::read_run_folder refuses
// partial or changed ones), compares them (sim/run_comparison.hpp), and writes
// metrics.csv, metrics.md, difference.gpkg, difference.png and timeseries.png into
// DIR, each atomically, holding DIR's lock like `kitaku run`.
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <memory>
#include <string>

#include "commands.hpp"
#include "format.hpp"
#include "out_lock.hpp"
#include "run_job.hpp"
#include "sweep/svg_plot.hpp"
#include "kitaku/geo/image.hpp"
#include "kitaku/geo/results.hpp"
#include "kitaku/geo/run_folder.hpp"
#include "kitaku/sim/error.hpp"
#include "kitaku/sim/run_comparison.hpp"

namespace kitaku::app {
namespace {

namespace fs = std::filesystem;

struct CompareOptions {
  std::string a, b;
  std::string out = "compare";
};

// The two runs' colours in the chart (Okabe-Ito blue and vermilion, as the sweep plots).
constexpr geo::Rgb kColourA{0, 114, 178}, kColourB{213, 94, 0};
constexpr geo::Rgb kGridGrey{225, 225, 225}, kAxisGrey{90, 90, 90};

std::string run_name(const RunRecord& r) {
  return (r.scenario_name.empty() ? std::string("-") : r.scenario_name) + " (" + r.dir + ")";
}

// One chart of the grid: a column of both runs against hours after the quake.
void draw_chart(geo::Canvas& cv, int x0, int y0, int w, int h, const SeriesSpec& spec, const RunRecord& a,
                const RunRecord& b, int scale) {
  const int left = 70 * scale / 2 + 20, right = 12, top = 12 * scale + 6, bottom = 14 * scale + 10;
  const int pw = w - left - right, ph = h - top - bottom;
  cv.text(x0 + left, y0 + 2, geo::upper(std::string(spec.label) + " (" + spec.unit + ")"), scale, geo::kBlack);
  double xmax = 0, ymax = 0;
  for (const RunRecord* r : {&a, &b}) {
    if (!r->time_s.empty()) xmax = std::max(xmax, r->time_s.back() / 3600.0);
    const auto it = r->series.find(spec.column);
    if (it != r->series.end())
      for (const double v : it->second) ymax = std::max(ymax, v);
  }
  if (!(xmax > 0)) xmax = 1;
  if (!(ymax > 0)) ymax = 1;
  const std::vector<double> yt = sweep::nice_ticks(0, ymax, 5);
  const double ystep = yt.size() > 1 ? yt[1] - yt[0] : ymax;
  ymax = std::ceil(ymax / ystep - 1e-9) * ystep;  // the frame ends on a tick
  const std::vector<double> xt = sweep::nice_ticks(0, xmax, 7);
  const double xstep = xt.size() > 1 ? xt[1] - xt[0] : xmax;
  const auto X = [&](double hours) { return x0 + left + hours / xmax * pw; };
  const auto Y = [&](double v) { return y0 + top + (1 - v / ymax) * ph; };
  for (const double t : sweep::nice_ticks(0, ymax, 5)) {
    const int y = static_cast<int>(std::lround(Y(t)));
    cv.fill(x0 + left, y, pw, 1, kGridGrey);
    const std::string label = sweep::tick_label(t, ystep, ymax);
    cv.text(x0 + left - 6 - geo::Canvas::text_width(label, scale), y - 3 * scale, label, scale, kAxisGrey);
  }
  for (const double t : xt) {
    const int x = static_cast<int>(std::lround(X(t)));
    cv.fill(x, y0 + top + ph, 1, 5, kAxisGrey);
    const std::string label = sweep::tick_label(t, xstep, xmax);
    cv.text(x - geo::Canvas::text_width(label, scale) / 2, y0 + top + ph + 8, label, scale, kAxisGrey);
  }
  cv.frame(x0 + left, y0 + top, pw, ph + 1, kAxisGrey);
  for (const auto& [r, colour] : {std::pair{&a, kColourA}, std::pair{&b, kColourB}}) {
    const auto it = r->series.find(spec.column);
    if (it == r->series.end()) continue;
    const std::vector<double>& v = it->second;
    for (std::size_t i = 1; i < v.size() && i < r->time_s.size(); ++i)
      cv.line(X(r->time_s[i - 1] / 3600.0), Y(v[i - 1]), X(r->time_s[i] / 3600.0), Y(v[i]), 1 + scale, colour);
  }
}

// timeseries.png: a 2 x 2 grid of the compared columns, A and B on shared axes.
geo::RgbImage render_timeseries_chart(const RunRecord& a, const RunRecord& b) {
  constexpr int scale = 2, cw = 760, ch = 400;
  const int band = 8 + 4 * 10 * scale;
  geo::RgbImage img = geo::RgbImage::blank(2 * cw, band + 2 * ch + 12 * scale);
  geo::Canvas cv(img);
  cv.text(8, 8, "A AND B OVER TIME (PERSONS, HOURS AFTER THE QUAKE)", scale, geo::kBlack);
  const auto key = [&](int row, geo::Rgb colour, const std::string& text) {
    const int y = 8 + row * 10 * scale;
    cv.fill(8, y + 2 * scale, 18 * scale, 3 * scale, colour);
    cv.text(8 + 22 * scale, y, geo::upper(text), scale, geo::kBlack);
  };
  key(1, kColourA, "A (BASELINE): " + run_name(a));
  key(2, kColourB, "B: " + run_name(b));
  for (std::size_t i = 0; i < std::size(kComparedSeries); ++i) {
    const int col = static_cast<int>(i % 2), row = static_cast<int>(i / 2);
    draw_chart(cv, col * cw, band + row * ch, cw, ch, kComparedSeries[i], a, b, scale);
  }
  const std::string xl = "HOURS AFTER THE QUAKE";
  cv.text(img.width / 2 - geo::Canvas::text_width(xl, scale) / 2, img.height - 10 * scale, xl, scale, kAxisGrey);
  return img;
}

void print_table(const RunComparison& c) {
  std::printf("  %-44s %-15s %14s %14s %14s %9s\n", "metric", "unit", "A", "B", "B - A", "change");
  for (const MetricRow& m : c.metrics) {
    const double d = m.difference(), rel = m.relative();
    const std::string ds = (d > 0 ? "+" : "") + format_metric(d, m.unit);
    std::printf("  %-44s %-15s %14s %14s %14s %9s\n", m.label.c_str(), m.unit.c_str(), format_metric(m.a, m.unit).c_str(),
                format_metric(m.b, m.unit).c_str(), ds.c_str(),
                std::isfinite(rel) ? fmt("%+.1f %%", 100 * rel).c_str() : "-");
  }
}

void compare(const CompareOptions& o) {
  const RunRecord a = geo::read_run_folder(o.a, /*with_geometry=*/true);
  const RunRecord b = geo::read_run_folder(o.b);
  const RunComparison c = compare_runs(a, b);
  std::printf("Kitaku %s | compare\n  A (baseline): %s\n  B:            %s\n", KITAKU_VERSION, run_name(a).c_str(),
              run_name(b).c_str());
  for (const std::string& w : c.warnings) std::fprintf(stderr, "kitaku: warning: %s\n", w.c_str());
  std::fflush(stdout);

  ensure_writable_dir(o.out);
  std::error_code ec;
  for (const std::string* run : {&o.a, &o.b})
    if (fs::equivalent(o.out, *run, ec))
      throw InputError(o.out, "", "is run folder " + *run + ": write the comparison into a folder of its own");
  const OutDirLock lock(o.out);
  geo::remove_stale_temp_files(o.out);
  const auto at = [&](const char* name) { return (fs::path(o.out) / name).string(); };
  geo::write_text_file(at("metrics.csv"), metrics_csv(c));
  geo::write_difference_gpkg(at("difference.gpkg"), a, b, c);
  geo::write_png(at("difference.png"), geo::render_difference_map(a, b, c));
  geo::write_png(at("timeseries.png"), render_timeseries_chart(a, b));
  geo::write_text_file(at("metrics.md"), metrics_markdown(c, a, b));

  print_table(c);
  std::printf("  roads with more minutes at >= 6 p/m2 in B: %s, with fewer: %s\n",
              thousands(static_cast<double>(c.roads_worse)).c_str(), thousands(static_cast<double>(c.roads_better)).c_str());
  std::printf("  outputs in %s/: metrics.csv, metrics.md, difference.gpkg, difference.png, timeseries.png\n",
              o.out.c_str());
}

}  // namespace

void add_compare_command(CLI::App& app) {
  auto o = std::make_shared<CompareOptions>();
  auto* cmd = app.add_subcommand("compare", "Compare two finished runs (B against the baseline A): metrics, "
                                            "per-road difference map and GeoPackage, time-series chart");
  cmd->add_option("run_a", o->a, "The baseline run's output folder (kitaku run --out)")->required();
  cmd->add_option("run_b", o->b, "The run to compare with it")->required();
  cmd->add_option("--out,-o", o->out, "Folder for the comparison (created; files are replaced atomically)")
      ->capture_default_str();
  cmd->callback([o] { compare(*o); });
}

}  // namespace kitaku::app
