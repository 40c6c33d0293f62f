#pragma once
// The sweep folder DIR (docs/research.md, "Outputs"):
//   DIR/sweep.toml, base_scenario.toml, plan.json  the frozen sweep definition
//   DIR/runs/<id>/                                  a finished run: its outputs + run.json
//   DIR/runs/.<id>.partial/                         a run in progress (removed on restart)
//   DIR/runs/.<id>.failed                           why a run failed (retried on restart)
//   DIR/index.csv, aggregate.csv, plots/*.svg       written by rank 0, each atomically
// A run's folder appears only by renaming its finished .partial folder, so a run
// folder is never half-written, whenever the sweep is killed.
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "sweep/plan.hpp"

namespace kitaku::app::sweep {

enum class RunStatus { kPending, kDone, kFailed };

/// What rank 0 knows about one planned run.
struct RunRecord {
  RunStatus status = RunStatus::kPending;
  nlohmann::ordered_json summary;  // summary.json of a finished run
  std::string error;               // why it failed
};

std::string runs_dir(const std::string& dir);
std::string run_dir(const std::string& dir, const std::string& id);
std::string partial_dir(const std::string& dir, const std::string& id);
std::string failed_file(const std::string& dir, const std::string& id);

/// Writes `text` to `path` through a temporary file in the same folder and a rename.
void write_file_atomically(const std::string& path, const std::string& text);
std::string read_file(const std::string& path);

struct Prepared {
  bool resumed = false;          // DIR already held this sweep
  std::size_t stale_partials = 0;  // .partial folders of killed runs, removed
  std::string frozen_version;    // the Kitaku version that froze the plan
};

/// First start: creates DIR and freezes the plan (sweep.toml, base_scenario.toml,
/// plan.json last). Restart: checks that DIR holds the same plan (else InputError
/// naming DIR and the first difference) and removes stale .partial folders and
/// .failed notes, so those runs are done again.
Prepared prepare_dir(const std::string& dir, const SweepPlan& plan, const std::string& kitaku_version);

/// The runs already finished in DIR (DIR/runs/<id>/ with summary.json).
std::vector<RunRecord> scan_runs(const std::string& dir, const SweepPlan& plan);

/// The summary.json keys that are metrics: numbers, except the seed, the thread
/// count and the wall-clock figures; in summary.json's order.
std::vector<std::string> metric_names(const SweepPlan& plan, const std::vector<RunRecord>& records);

/// DIR/index.csv: id, point, one column per axis, seed, status, then the metrics.
void write_index(const std::string& dir, const SweepPlan& plan, const std::vector<RunRecord>& records);

/// DIR/aggregate.csv (per point: n, then <metric>_mean, _sd, _ci95_lo, _ci95_hi) and
/// DIR/plots/<metric>-vs-<axis>.svg for every metric that varies and every axis.
/// Returns the plot files written.
std::vector<std::string> write_aggregate(const std::string& dir, const SweepPlan& plan,
                                         const std::vector<RunRecord>& records);

}  // namespace kitaku::app::sweep
