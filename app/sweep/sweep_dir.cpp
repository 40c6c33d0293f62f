#include "sweep/sweep_dir.hpp"

#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <functional>
#include <map>
#include <sstream>
#include <thread>

#include "kitaku/sim/error.hpp"
#include "run_job.hpp"
#include "sweep/stats.hpp"
#include "sweep/svg_plot.hpp"

namespace kitaku::app::sweep {
namespace {

namespace fs = std::filesystem;
using ojson = nlohmann::ordered_json;

const char* const kFrozenFiles[] = {"sweep.toml", "base_scenario.toml", "plan.json"};

std::string shortest(double v) { return format_number(v); }

std::string csv_cell(const std::string& s) {
  if (s.find_first_of(",\"\n\r") == std::string::npos) return s;
  std::string out = "\"";
  for (const char c : s) out += c == '"' ? std::string("\"\"") : std::string(1, c);
  return out + "\"";
}

// A number as summary.json has it: integers as integers, the rest shortest round-trip.
std::string number_text(const ojson& v) {
  if (v.is_number_integer()) return v.dump();
  return shortest(v.get<double>());
}

std::string stat_text(double v) { return std::isfinite(v) ? shortest(v) : std::string(); }

bool is_metric(const std::string& key, const ojson& v) {
  static const char* const kNot[] = {"seed", "threads", "wall_seconds", "agent_updates_per_second"};
  if (!v.is_number()) return false;
  return std::none_of(std::begin(kNot), std::end(kNot), [&](const char* k) { return key == k; });
}

// The first difference between the stored plan and this one, in words.
std::string plan_difference(const ojson& stored, const ojson& now) {
  for (const char* k : {"name", "base", "seeds", "seed_base", "latin_samples", "latin_seed", "axes"})
    if (stored.value(k, ojson()) != now.value(k, ojson()))
      return std::string(k) + " was " + stored.value(k, ojson()).dump() + ", now " + now.value(k, ojson()).dump();
  const ojson& a = stored.value("runs", ojson::array());
  const ojson& b = now.at("runs");
  if (a.size() != b.size())
    return std::to_string(a.size()) + " runs were planned, now " + std::to_string(b.size());
  for (std::size_t i = 0; i < a.size(); ++i)
    if (a[i] != b[i]) {
      const std::string id = b[i].value("id", "");
      if (a[i].value("scenario_hash", "") != b[i].value("scenario_hash", ""))
        return "run " + id + " has a different resolved scenario: the base scenario, or how it resolves, changed";
      return "run " + id + " differs";
    }
  return "the description differs";
}

bool is_planned(const SweepPlan& plan, const std::string& name) {
  return std::any_of(plan.runs.begin(), plan.runs.end(), [&](const PlannedRun& r) { return r.id == name; });
}

}  // namespace

std::string runs_dir(const std::string& dir) { return (fs::path(dir) / "runs").string(); }
std::string run_dir(const std::string& dir, const std::string& id) { return (fs::path(dir) / "runs" / id).string(); }
std::string partial_dir(const std::string& dir, const std::string& id) {
  return (fs::path(dir) / "runs" / ("." + id + ".partial")).string();
}
std::string failed_file(const std::string& dir, const std::string& id) {
  return (fs::path(dir) / "runs" / ("." + id + ".failed")).string();
}

void write_file_atomically(const std::string& path, const std::string& text) {
  const fs::path target(path);
  const std::size_t tid = std::hash<std::thread::id>{}(std::this_thread::get_id()) % 100000;
  const fs::path tmp = target.parent_path() / (".tmp-" + std::to_string(::getpid()) + "-" + std::to_string(tid) +
                                               "-" + target.filename().string());
  {
    std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
    out << text;
    out.flush();
    if (!out) {
      std::error_code ec;
      fs::remove(tmp, ec);
      throw InputError(path, "", "cannot write the file");
    }
  }
  std::error_code ec;
  fs::rename(tmp, target, ec);
  if (ec) {
    fs::remove(tmp, ec);
    throw InputError(path, "", "cannot write the file: " + ec.message());
  }
}

std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw InputError(path, "", "cannot read the file");
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

Prepared prepare_dir(const std::string& dir, const SweepPlan& plan, const std::string& kitaku_version) {
  Prepared p;
  ensure_writable_dir(dir);
  const fs::path root(dir);
  const fs::path plan_path = root / "plan.json";
  if (fs::exists(plan_path)) {
    ojson stored;
    try {
      stored = ojson::parse(read_file(plan_path.string()));
    } catch (const nlohmann::json::exception& e) {
      throw InputError(plan_path.string(), "", std::string("is not a sweep plan: ") + e.what());
    }
    p.frozen_version = stored.value("kitaku_version", "");
    for (const char* k : {"sweep_id", "sweep_file", "kitaku_version"}) stored.erase(k);
    const ojson now = ojson::parse(canonical_plan(plan));
    if (stored != now) {
      const std::string versions = p.frozen_version == kitaku_version
                                       ? ""
                                       : "; it was started with Kitaku " + p.frozen_version + ", this is " + kitaku_version;
      throw InputError(dir, "",
                       "holds a different sweep than " + plan.file + " (" + plan_difference(stored, now) + versions +
                           "); give another --out folder, or delete this one to start over");
    }
    p.resumed = true;
  } else {
    for (const auto& e : fs::directory_iterator(root)) {
      const std::string name = e.path().filename().string();
      const bool ours = name == "runs" || name == ".kitaku-lock" || name.rfind(".tmp-", 0) == 0 ||
                        std::any_of(std::begin(kFrozenFiles), std::end(kFrozenFiles), [&](const char* f) { return name == f; });
      if (!ours)
        throw InputError(dir, "", "is not empty and holds no sweep (no plan.json; found " + name +
                                      "); give an empty or new --out folder");
    }
    write_file_atomically((root / "sweep.toml").string(), plan.text);
    write_file_atomically((root / "base_scenario.toml").string(), plan.base_toml);
    write_file_atomically(plan_path.string(), plan_json(plan, kitaku_version));  // last: marks DIR frozen
    p.frozen_version = kitaku_version;
  }
  fs::create_directories(runs_dir(dir));

  // Leftovers of a killed sweep: half-done runs, failure notes, temporary files.
  std::error_code ec;
  for (const auto& e : fs::directory_iterator(runs_dir(dir))) {
    const std::string name = e.path().filename().string();
    const auto ends = [&](const std::string& suffix) {
      return name.size() > suffix.size() && name.compare(name.size() - suffix.size(), suffix.size(), suffix) == 0;
    };
    if (name.front() == '.' && ends(".partial")) {
      fs::remove_all(e.path(), ec);
      ++p.stale_partials;
    } else if ((name.front() == '.' && ends(".failed")) || name.rfind(".tmp-", 0) == 0) {
      fs::remove(e.path(), ec);
    } else if (is_planned(plan, name) &&
               (!fs::exists(e.path() / "summary.json") || !fs::exists(e.path() / "run.json"))) {
      fs::remove_all(e.path(), ec);  // cannot happen through the rename; a hand-made folder
      ++p.stale_partials;
    }
  }
  for (const auto& e : fs::directory_iterator(root))
    if (e.path().filename().string().rfind(".tmp-", 0) == 0) fs::remove(e.path(), ec);
  return p;
}

std::vector<RunRecord> scan_runs(const std::string& dir, const SweepPlan& plan) {
  std::vector<RunRecord> records(plan.runs.size());
  for (std::size_t i = 0; i < plan.runs.size(); ++i) {
    const fs::path summary = fs::path(run_dir(dir, plan.runs[i].id)) / "summary.json";
    if (!fs::exists(summary)) continue;
    try {
      records[i].summary = ojson::parse(read_file(summary.string()));
    } catch (const nlohmann::json::exception& e) {
      throw InputError(summary.string(), "", std::string("cannot be read: ") + e.what());
    }
    records[i].status = RunStatus::kDone;
  }
  return records;
}

std::vector<std::string> metric_names(const SweepPlan& plan, const std::vector<RunRecord>& records) {
  std::vector<std::string> names;
  for (std::size_t i = 0; i < plan.runs.size(); ++i) {
    if (records[i].status != RunStatus::kDone) continue;
    for (const auto& [k, v] : records[i].summary.items())
      if (is_metric(k, v) && std::find(names.begin(), names.end(), k) == names.end()) names.push_back(k);
  }
  return names;
}

void write_index(const std::string& dir, const SweepPlan& plan, const std::vector<RunRecord>& records) {
  const std::vector<std::string> metrics = metric_names(plan, records);
  std::string o = "id,point";
  for (const Axis& a : plan.axes) o += "," + csv_cell(a.key);
  o += ",seed,status";
  for (const std::string& m : metrics) o += "," + m;
  o += "\n";
  for (std::size_t i = 0; i < plan.runs.size(); ++i) {
    const PlannedRun& r = plan.runs[i];
    o += r.id + "," + std::to_string(r.point);
    for (const ParamValue& v : plan.points[r.point]) o += "," + csv_cell(v.text());
    o += "," + std::to_string(r.seed) + ",";
    const RunRecord& rec = records[i];
    o += rec.status == RunStatus::kDone ? "done" : rec.status == RunStatus::kFailed ? "failed" : "pending";
    for (const std::string& m : metrics) {
      o += ",";
      if (rec.status == RunStatus::kDone && rec.summary.contains(m) && rec.summary[m].is_number())
        o += number_text(rec.summary[m]);
    }
    o += "\n";
  }
  write_file_atomically((fs::path(dir) / "index.csv").string(), o);
}

std::vector<std::string> write_aggregate(const std::string& dir, const SweepPlan& plan,
                                         const std::vector<RunRecord>& records) {
  const std::vector<std::string> metrics = metric_names(plan, records);
  // stats[point][metric], over the point's finished runs in seed order.
  std::vector<std::vector<MeanCi>> stats(plan.points.size(), std::vector<MeanCi>(metrics.size()));
  std::vector<int> n(plan.points.size(), 0);
  for (std::size_t p = 0; p < plan.points.size(); ++p) {
    for (std::size_t m = 0; m < metrics.size(); ++m) {
      std::vector<double> values;
      for (std::size_t i = 0; i < plan.runs.size(); ++i)
        if (plan.runs[i].point == p && records[i].status == RunStatus::kDone && records[i].summary.contains(metrics[m]))
          values.push_back(records[i].summary[metrics[m]].get<double>());
      stats[p][m] = mean_ci95(values);
    }
    for (std::size_t i = 0; i < plan.runs.size(); ++i)
      n[p] += plan.runs[i].point == p && records[i].status == RunStatus::kDone;
  }

  std::string o = "point";
  for (const Axis& a : plan.axes) o += "," + csv_cell(a.key);
  o += ",n";
  for (const std::string& m : metrics) o += "," + m + "_mean," + m + "_sd," + m + "_ci95_lo," + m + "_ci95_hi";
  o += "\n";
  for (std::size_t p = 0; p < plan.points.size(); ++p) {
    o += std::to_string(p);
    for (const ParamValue& v : plan.points[p]) o += "," + csv_cell(v.text());
    o += "," + std::to_string(n[p]);
    for (const MeanCi& s : stats[p])
      o += "," + stat_text(s.mean) + "," + stat_text(s.sd) + "," + stat_text(s.ci_lo) + "," + stat_text(s.ci_hi);
    o += "\n";
  }
  write_file_atomically((fs::path(dir) / "aggregate.csv").string(), o);

  // Plots: each metric that varies, against each axis.
  std::vector<std::string> written;
  if (plan.axes.empty()) return written;
  const fs::path plots = fs::path(dir) / "plots";
  fs::create_directories(plots);
  for (std::size_t m = 0; m < metrics.size(); ++m) {
    double lo = INFINITY, hi = -INFINITY;
    for (std::size_t i = 0; i < plan.runs.size(); ++i)
      if (records[i].status == RunStatus::kDone && records[i].summary.contains(metrics[m])) {
        lo = std::min(lo, records[i].summary[metrics[m]].get<double>());
        hi = std::max(hi, records[i].summary[metrics[m]].get<double>());
      }
    if (!(hi > lo)) continue;  // constant (agents, simulated seconds...): nothing to see
    for (std::size_t ax = 0; ax < plan.axes.size(); ++ax) {
      const Axis& axis = plan.axes[ax];
      bool scatter = false;
      for (const Axis& a : plan.axes) scatter |= a.kind == Axis::Kind::kLatin;
      LinePlot plot;
      plot.title = metrics[m] + " vs " + axis.key;
      plot.subtitle = "mean and 95 % CI (Student t) over " + std::to_string(plan.seeds) + " seed" +
                      (plan.seeds > 1 ? "s" : "") + " per point; sweep " + plan.name;
      plot.x_label = axis.key;
      plot.y_label = metrics[m];
      bool numeric = true;
      for (const auto& point : plan.points) numeric &= point[ax].numeric();
      if (!numeric)
        for (const ParamValue& v : axis.values) plot.x_categories.push_back(v.text());
      // One series per combination of the other grid axes' values, in point order.
      std::map<std::string, std::size_t> series_of;
      for (std::size_t p = 0; p < plan.points.size(); ++p) {
        std::string label;
        for (std::size_t other = 0; other < plan.axes.size(); ++other) {
          if (other == ax || plan.axes[other].kind == Axis::Kind::kLatin) continue;
          label += (label.empty() ? "" : ", ") + plan.axes[other].key + " = " + plan.points[p][other].text();
        }
        auto [it, fresh] = series_of.emplace(label, plot.series.size());
        if (fresh) plot.series.push_back({label.empty() ? "all" : label, {}, !scatter});
        PlotPoint pt;
        if (numeric) {
          pt.x = plan.points[p][ax].number();
        } else {
          const auto at = std::find(axis.values.begin(), axis.values.end(), plan.points[p][ax]);
          pt.x = static_cast<double>(at - axis.values.begin());
        }
        pt.y = stats[p][m].mean;
        pt.lo = stats[p][m].ci_lo;
        pt.hi = stats[p][m].ci_hi;
        plot.series[it->second].points.push_back(pt);
      }
      for (PlotSeries& s : plot.series)
        std::stable_sort(s.points.begin(), s.points.end(), [](const PlotPoint& a, const PlotPoint& b) { return a.x < b.x; });
      const fs::path file = plots / (metrics[m] + "-vs-" + axis.key + ".svg");
      write_file_atomically(file.string(), render_svg(plot));
      written.push_back(file.string());
    }
  }
  return written;
}

}  // namespace kitaku::app::sweep
