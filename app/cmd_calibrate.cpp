// kitaku calibrate CALIB.toml --out DIR: fits scenario parameters to published
// figures (docs/research.md, "Calibration"). Built on the sweep machinery: each
// round is a Latin hypercube sweep (DIR/round-N/, resumable like any sweep) over a
// box of the parameters; the next round's box is the last one shrunk round the
// best point so far. The objective is the weighted sum of squared log ratios of
// Kitaku's figure to the target, so a figure within 2x of its target costs at
// most ln(2)^2 = 0.48 times its weight. [[check]] figures are reported beside
// the fit and never enter it: fit on some figures, check on others.
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <limits>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <toml++/toml.h>
#include <vector>

#include "commands.hpp"
#include "kitaku/sim/error.hpp"
#include "kitaku/sim/toml_error.hpp"
#include "run_job.hpp"
#include "sweep/plan.hpp"
#include "sweep/sweep_dir.hpp"
#include "sweep/toml_file.hpp"

namespace kitaku::app {
extern const char* const kDefaultScenarioToml;
namespace {

namespace fs = std::filesystem;
using namespace kitaku::app::sweep;

struct Parameter {
  std::string key;
  double lo = 0, hi = 0;
  int line = 0;
};

struct Figure {  // a [[target]] (fitted) or a [[check]] (only reported)
  std::string metric;  // a summary.json key
  double value = 0;
  double weight = 1;
  std::string source;  // free text: where the figure comes from
  int line = 0;
};

struct Calibration {
  std::string file, name, base;  // base: absolute path of the base scenario, or "default"
  int seeds = 1, samples = 8, rounds = 2;
  std::int64_t seed_base = -1;   // -1: the base scenario's seed
  double shrink = 0.5;
  std::int64_t latin_seed = 1;
  std::vector<Parameter> parameters;
  std::vector<Figure> targets, checks;
};

using Reader = TableReader;

std::vector<Figure> read_figures(const std::string& path, const toml::table& root, const char* name) {
  std::vector<Figure> out;
  const toml::node* n = root.get(name);
  if (!n) return out;
  if (!n->is_array_of_tables())
    throw InputError(path, line_of(*n), std::string(name) + ": must be [[" + name + "]] tables");
  for (const toml::node& e : *n->as_array()) {
    const toml::table& t = *e.as_table();
    Reader r(path, t, std::string("[[") + name + "]] ");
    Figure f;
    f.line = static_cast<int>(t.source().begin.line);
    if (!r.get_string("metric", f.metric)) r.fail_table("metric: missing (a summary.json key, e.g. \"share_walkers_ge6_3h\")");
    if (!r.get_number("value", f.value, 0, std::numeric_limits<double>::max()))
      r.fail_table("value: missing (the published figure, in summary.json's unit)");
    if (f.value <= 0) r.fail(*t.get("value"), "value", "must be above 0 (the fit compares logarithms)");
    r.get_number("weight", f.weight, 0, 1e6);
    r.get_string("source", f.source);
    r.finish();
    out.push_back(f);
  }
  return out;
}

Calibration load_calibration(const std::string& path) {
  Calibration c;
  c.file = path;
  std::string text;
  const toml::table root = parse_toml_file(path, "calibration file", text);
  for (const auto& [k, v] : root)
    if (k.str() != "calibrate" && k.str() != "parameter" && k.str() != "target" && k.str() != "check")
      throw InputError(path, line_of(v), std::string(k.str()) +
                                             ": unknown key (a calibration file has [calibrate], [[parameter]], "
                                             "[[target]] and [[check]] tables)");
  const toml::table* cal = root["calibrate"].as_table();
  if (!cal) throw InputError(path, "", "missing [calibrate] table (with base = \"SCENARIO.toml\" or \"default\")");
  Reader r(path, *cal, "[calibrate] ");
  r.get_string("name", c.name);
  if (c.name.empty()) c.name = fs::path(path).stem().string();
  if (!r.get_string("base", c.base)) r.fail_table("base: missing (a scenario file, relative to this file, or \"default\")");
  if (c.base != "default") {
    const fs::path p = fs::path(c.base).is_absolute() ? fs::path(c.base) : fs::path(path).parent_path() / c.base;
    if (!fs::is_regular_file(p))
      r.fail(*cal->get("base"), "base", "cannot open scenario file " + p.lexically_normal().string());
    c.base = fs::absolute(p).lexically_normal().string();
  }
  std::int64_t v = 0;
  if (r.get_int("seeds", v, 1, 1000)) c.seeds = static_cast<int>(v);
  r.get_int("seed_base", c.seed_base, 0, std::numeric_limits<std::int64_t>::max() - 1000);
  if (r.get_int("samples", v, 2, 10000)) c.samples = static_cast<int>(v);
  if (r.get_int("rounds", v, 1, 100)) c.rounds = static_cast<int>(v);
  r.get_number("shrink", c.shrink, 0.05, 0.95);
  r.get_int("latin_seed", c.latin_seed, 0, std::numeric_limits<std::int64_t>::max() - 100);
  r.finish();

  const toml::node* params = root.get("parameter");
  if (!params) throw InputError(path, "", "no [[parameter]] table: give at least one key to fit, with min and max");
  if (!params->is_array_of_tables()) throw InputError(path, line_of(*params), "parameter: must be [[parameter]] tables");
  for (const toml::node& e : *params->as_array()) {
    const toml::table& t = *e.as_table();
    Reader pr(path, t, "[[parameter]] ");
    Parameter p;
    p.line = static_cast<int>(t.source().begin.line);
    if (!pr.get_string("key", p.key)) pr.fail_table("key: missing (a dotted scenario key, e.g. \"movement.carriageway_share\")");
    if (!pr.get_number("min", p.lo, -1e12, 1e12)) pr.fail_table("min: missing");
    if (!pr.get_number("max", p.hi, -1e12, 1e12)) pr.fail_table("max: missing");
    if (!(p.hi > p.lo)) pr.fail(*t.get("max"), "max", "must be above min");
    pr.finish();
    for (const Parameter& q : c.parameters)
      if (q.key == p.key) throw InputError(path, "line " + std::to_string(p.line), "[[parameter]] key \"" + p.key + "\": given twice");
    c.parameters.push_back(p);
  }
  c.targets = read_figures(path, root, "target");
  c.checks = read_figures(path, root, "check");
  if (c.targets.empty()) throw InputError(path, "", "no [[target]] table: give at least one figure to fit to");
  return c;
}

std::string number_text(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.6g", v);
  return buf;
}

// The sweep file of one round: the base, the seeds, and one Latin axis per parameter.
std::string round_sweep(const Calibration& c, int round, const std::vector<std::pair<double, double>>& box) {
  std::ostringstream s;
  s << "# Written by kitaku calibrate from " << c.file << ": round " << round << " of " << c.rounds << ".\n";
  s << "[sweep]\nname = \"" << c.name << " round " << round << "\"\n";
  s << "base = " << toml::value<std::string>(c.base) << "\n";
  s << "seeds = " << c.seeds << "\n";
  if (c.seed_base >= 0) s << "seed_base = " << c.seed_base << "\n";
  s << "latin_samples = " << c.samples << "\nlatin_seed = " << c.latin_seed + round - 1 << "\n";
  for (std::size_t i = 0; i < c.parameters.size(); ++i) {
    // Latin bounds given as floats, so that integer-looking bounds still sample reals.
    char lo[40], hi[40];
    std::snprintf(lo, sizeof lo, "%.9g", box[i].first);
    std::snprintf(hi, sizeof hi, "%.9g", box[i].second);
    std::string l = lo, h = hi;
    if (l.find_first_of(".en") == std::string::npos) l += ".0";
    if (h.find_first_of(".en") == std::string::npos) h += ".0";
    s << "\n[[axis]]\nkey = \"" << c.parameters[i].key << "\"\nlatin = [" << l << ", " << h << "]\n";
  }
  return s.str();
}

struct Point {
  int round = 0;
  std::size_t index = 0;             // the point in its round's plan
  std::vector<double> values;        // one per parameter
  std::map<std::string, double> mean;  // metric -> mean over seeds
  double objective = 0;
};

double objective_of(const std::vector<Figure>& targets, const std::map<std::string, double>& mean) {
  double sum = 0;
  for (const Figure& f : targets) {
    const double m = std::max(mean.at(f.metric), f.value * 1e-6);  // 0 is a miss by 10^6, not -inf
    const double l = std::log(m / f.value);
    sum += f.weight * l * l;
  }
  return sum;
}

std::string csv_field(const std::string& s) {
  if (s.find_first_of(",\"\n") == std::string::npos) return s;
  std::string q = "\"";
  for (char ch : s) q += ch == '"' ? std::string("\"\"") : std::string(1, ch);
  return q + "\"";
}

struct CalibrateOptions {
  std::string file, out;
  int threads_per_run = -1, jobs = 0;
};

void run_calibrate(const CalibrateOptions& o) {
  const Calibration c = load_calibration(o.file);
  fs::create_directories(o.out);
  std::vector<std::pair<double, double>> box;
  for (const Parameter& p : c.parameters) box.emplace_back(p.lo, p.hi);
  std::vector<std::string> metrics;
  for (const Figure& f : c.targets) metrics.push_back(f.metric);
  for (const Figure& f : c.checks)
    if (std::find(metrics.begin(), metrics.end(), f.metric) == metrics.end()) metrics.push_back(f.metric);

  std::printf("Kitaku %s | calibrate \"%s\" from %s: %zu parameter%s, %zu target%s, %zu check%s; "
              "%d round%s of %d samples x %d seed%s\n",
              kitaku_version(), c.name.c_str(), o.file.c_str(), c.parameters.size(), c.parameters.size() == 1 ? "" : "s",
              c.targets.size(), c.targets.size() == 1 ? "" : "s", c.checks.size(), c.checks.size() == 1 ? "" : "s",
              c.rounds, c.rounds == 1 ? "" : "s", c.samples, c.seeds, c.seeds == 1 ? "" : "s");
  std::fflush(stdout);

  std::vector<Point> points;
  const Point* best = nullptr;
  for (int round = 1; round <= c.rounds; ++round) {
    const std::string dir = (fs::path(o.out) / ("round-" + std::to_string(round))).string();
    fs::create_directories(dir);
    const std::string sweep_file = (fs::path(o.out) / ("round-" + std::to_string(round) + ".toml")).string();
    write_file_atomically(sweep_file, round_sweep(c, round, box));
    SweepPlan plan;
    try {
      plan = load_sweep(sweep_file, kDefaultScenarioToml);
    } catch (const InputError& e) {
      // The generated file's problem is the calibration file's: say so there, at
      // the [[parameter]] it names when it names one.
      for (const Parameter& p : c.parameters) {
        const std::string leaf = p.key.substr(p.key.rfind('.') + 1);
        if (e.problem().find(leaf) != std::string::npos)
          throw InputError(c.file, "line " + std::to_string(p.line), "[[parameter]] key \"" + p.key + "\": " + e.problem());
      }
      throw InputError(c.file, "", "round " + std::to_string(round) + ": " + e.problem());
    }
    std::printf("\nround %d of %d: %s\n", round, c.rounds, [&] {
      std::string s;
      for (std::size_t i = 0; i < c.parameters.size(); ++i)
        s += (i ? ", " : "") + c.parameters[i].key + " in [" + number_text(box[i].first) + ", " +
             number_text(box[i].second) + "]";
      return s;
    }().c_str());
    std::fflush(stdout);
    SweepOptions so;
    so.file = sweep_file;
    so.out = dir;
    so.threads_per_run = o.threads_per_run;
    so.jobs = o.jobs;
    run_sweep(so);

    const std::vector<RunRecord> records = scan_runs(dir, plan);
    const std::size_t first = points.size();
    for (std::size_t p = 0; p < plan.points.size(); ++p) {
      Point pt;
      pt.round = round;
      pt.index = p;
      for (const ParamValue& v : plan.points[p]) pt.values.push_back(v.number());
      int n = 0;
      for (std::size_t r = 0; r < plan.runs.size(); ++r) {
        if (plan.runs[r].point != p) continue;
        const auto& s = records[r].summary;
        for (const std::string& m : metrics) {
          const Figure* f = nullptr;
          for (const auto* list : {&c.targets, &c.checks})
            for (const Figure& g : *list)
              if (g.metric == m) f = &g;
          if (!s.contains(m) || !s.at(m).is_number())
            throw InputError(c.file, "line " + std::to_string(f->line),
                             "metric \"" + m + "\": not a number in summary.json (see " + dir + "/runs/" +
                                 plan.runs[r].id + "/summary.json for the keys)");
          pt.mean[m] += s.at(m).get<double>();
        }
        ++n;
      }
      for (auto& [m, v] : pt.mean) v /= n;
      pt.objective = objective_of(c.targets, pt.mean);
      points.push_back(pt);
    }
    best = &*std::min_element(points.begin(), points.end(), [](const Point& a, const Point& b) {
      return a.objective < b.objective || (a.objective == b.objective && (a.round < b.round || (a.round == b.round && a.index < b.index)));
    });
    double round_best = std::numeric_limits<double>::infinity();
    for (std::size_t i = first; i < points.size(); ++i) round_best = std::min(round_best, points[i].objective);
    std::printf("round %d: best objective %.4g this round, %.4g so far\n", round, round_best, best->objective);
    // The next box: the last one shrunk round the best point, kept inside the bounds.
    for (std::size_t i = 0; i < c.parameters.size(); ++i) {
      const double half = (box[i].second - box[i].first) * c.shrink / 2;
      double lo = best->values[i] - half, hi = best->values[i] + half;
      if (lo < c.parameters[i].lo) hi += c.parameters[i].lo - lo, lo = c.parameters[i].lo;
      if (hi > c.parameters[i].hi) lo -= hi - c.parameters[i].hi, hi = c.parameters[i].hi;
      box[i] = {std::max(lo, c.parameters[i].lo), std::min(hi, c.parameters[i].hi)};
    }
  }

  // DIR/fit.csv: every point evaluated.
  std::ostringstream csv;
  csv << "round,point";
  for (const Parameter& p : c.parameters) csv << "," << csv_field(p.key);
  for (const std::string& m : metrics) csv << "," << csv_field(m);
  csv << ",objective,best\n";
  for (const Point& p : points) {
    csv << p.round << "," << p.index;
    for (double v : p.values) csv << "," << number_text(v);
    for (const std::string& m : metrics) csv << "," << number_text(p.mean.at(m));
    csv << "," << number_text(p.objective) << "," << (&p == best ? 1 : 0) << "\n";
  }
  write_file_atomically((fs::path(o.out) / "fit.csv").string(), csv.str());

  // DIR/fitted.toml: the fitted values, to paste into a scenario (or give to a sweep).
  std::ostringstream fit;
  fit << "# kitaku calibrate " << o.file << ": the best of " << points.size() << " points (round " << best->round
      << ", point " << best->index << "), objective " << number_text(best->objective) << "\n";
  fit << "# (the sum over targets of weight x ln(Kitaku / target)^2; a target within 2x costs at most 0.48)\n";
  std::map<std::string, std::vector<std::pair<std::string, double>>> tables;
  for (std::size_t i = 0; i < c.parameters.size(); ++i) {
    const std::string& k = c.parameters[i].key;
    const auto dot = k.rfind('.');
    tables[dot == std::string::npos ? "" : k.substr(0, dot)].emplace_back(k.substr(dot + 1), best->values[i]);
  }
  for (const auto& [t, kv] : tables) {
    if (!t.empty()) fit << "\n[" << t << "]\n";
    for (const auto& [k, v] : kv) fit << k << " = " << number_text(v) << "\n";
  }
  write_file_atomically((fs::path(o.out) / "fitted.toml").string(), fit.str());

  // The fit table, on stdout and as DIR/fit.md.
  std::ostringstream md;
  md << "| figure | kind | target | Kitaku (fitted) | ratio | within 2x? | source |\n|---|---|---|---|---|---|---|\n";
  for (const auto* list : {&c.targets, &c.checks})
    for (const Figure& f : *list) {
      const double k = best->mean.at(f.metric), ratio = k / f.value;
      md << "| `" << f.metric << "` | " << (list == &c.targets ? "fitted" : "check") << " | " << number_text(f.value)
         << " | " << number_text(k) << " | " << number_text(ratio) << " | "
         << (ratio >= 0.5 && ratio <= 2 ? "yes" : "no") << " | " << f.source << " |\n";
    }
  write_file_atomically((fs::path(o.out) / "fit.md").string(), md.str());
  std::printf("\nFitted (objective %s):\n", number_text(best->objective).c_str());
  for (std::size_t i = 0; i < c.parameters.size(); ++i)
    std::printf("  %-40s %s\n", c.parameters[i].key.c_str(), number_text(best->values[i]).c_str());
  std::printf("\n%s\n  outputs in %s/: fitted.toml, fit.csv, fit.md, round-N/ (each a sweep folder)\n", md.str().c_str(),
              o.out.c_str());
}

}  // namespace

void add_calibrate_command(CLI::App& app) {
  auto opts = std::make_shared<CalibrateOptions>();
  auto* cmd = app.add_subcommand(
      "calibrate", "Fit scenario parameters to target figures by Latin hypercube rounds (docs/research.md); resumable");
  cmd->add_option("calibration", opts->file, "Calibration file (TOML: [calibrate], [[parameter]], [[target]], [[check]])")
      ->required()
      ->check(CLI::ExistingFile);
  cmd->add_option("--out,-o", opts->out, "Calibration folder (created; the same folder resumes)")->required();
  cmd->add_option("--threads-per-run,-t", opts->threads_per_run, "OpenMP threads per run (as kitaku sweep)")
      ->check(CLI::Range(0, 1024));
  cmd->add_option("--jobs,-j", opts->jobs, "Runs at once (as kitaku sweep)")->check(CLI::Range(1, 1024));
  cmd->callback([opts] { run_calibrate(*opts); });
}

}  // namespace kitaku::app
