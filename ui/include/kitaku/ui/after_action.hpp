#pragma once
// After a drill: what it changed, and the files a trainer takes away.
//
// BaselineRun replays the same scenario (same network, city and seed) with only
// its scripted commands, on a background thread, up to the drill's current time;
// after_action_figures() computes the same figures for the drill and for the
// baseline from their time series, so that the two can be set side by side.
//
// The KPI export and the drill log are written here too: timeseries_csv() writes
// the columns of a run's timeseries.csv (sim/timeseries_csv.hpp), and
// write_text_atomically() writes a file so that a reader never sees half of it.
#include <atomic>
#include <cstdint>
#include <mutex>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "kitaku/sim/city.hpp"
#include "kitaku/sim/network.hpp"
#include "kitaku/sim/scenario.hpp"
#include "kitaku/sim/simulation.hpp"
#include "kitaku/sim/timeseries_csv.hpp"

namespace kitaku::ui {

/// The recorded rows before `now`, then `now` itself: a run's time series up to now.
std::vector<TimeseriesRow> rows_until(const std::vector<TimeseriesRow>& recorded, const TimeseriesRow& now);

/// The text of timeseries.csv, as `kitaku run` writes it (sim/timeseries_csv.hpp).
using kitaku::timeseries_csv;

/// Writes `text` to path.tmp, then renames it over `path`. On failure returns false,
/// removes the temporary file and puts the reason (naming the path) in *error.
bool write_text_atomically(const std::string& path, std::string_view text, std::string* error);

/// Figures for comparing a drill with its baseline, computed from time-series samples
/// (every output interval, plus the time now) the same way for both runs.
struct AfterActionFigures {
  std::int64_t time_s = 0;
  double person_minutes_ge6 = 0;  // sum over samples of persons at >= 6 p/m2 x minutes since the previous sample
  double person_minutes_ge4 = 0;
  double peak_km_ge6 = 0;         // highest sample
  double peak_sheltered = 0;      // persons, highest sample
  double peak_unsheltered_stranded = 0;  // persons unsheltered or on their way to a facility, highest sample
  double arrived_home = 0;        // persons, now
  double unsheltered_now = 0;     // persons stranded outdoors with no facility, now
  double sheltered_now = 0;       // persons in facilities, now
};
/// `rows`: the run's recorded rows (those at or after now.time_s are ignored); `now`: its row now.
AfterActionFigures after_action_figures(const std::vector<TimeseriesRow>& rows, const TimeseriesRow& now,
                                        double persons_per_agent);

/// A second run of the drill's scenario without the trainer's injects or operator
/// actions, on its own thread. Joined (after cancelling) in the destructor.
class BaselineRun {
 public:
  enum class Status : int { kIdle, kRunning, kDone, kCancelled, kFailed };

  BaselineRun() = default;
  ~BaselineRun();
  BaselineRun(const BaselineRun&) = delete;
  BaselineRun& operator=(const BaselineRun&) = delete;

  /// Starts a run (cancelling one under way) of `scenario` with its scripted commands
  /// only, seed scenario.seed, one thread, stepped until `until_s` (or the end).
  /// City and scenario are copied; `net` must outlive the run.
  void start(const Network& net, const City& city, const Scenario& scenario, std::int64_t until_s);
  /// Asks a run under way to stop and waits for its thread.
  void cancel();

  Status status() const noexcept { return static_cast<Status>(status_.load(std::memory_order_acquire)); }
  bool running() const noexcept { return status() == Status::kRunning; }
  bool done() const noexcept { return status() == Status::kDone; }
  double progress() const noexcept { return progress_.load(std::memory_order_relaxed); }  // 0..1
  std::int64_t until_s() const noexcept { return until_s_; }

  // Valid once done():
  const Summary& summary() const noexcept { return summary_; }
  const TimeseriesRow& final_row() const noexcept { return final_row_; }
  const std::vector<TimeseriesRow>& rows() const noexcept { return rows_; }  // recorded rows
  double persons_per_agent() const noexcept { return summary_.persons_per_agent; }
  AfterActionFigures figures() const { return after_action_figures(rows_, final_row_, persons_per_agent()); }
  /// Why the run failed (Status::kFailed).
  std::string error() const;

 private:
  void join();

  std::thread thread_;
  std::atomic<int> status_{static_cast<int>(Status::kIdle)};
  std::atomic<double> progress_{0};
  std::atomic<bool> stop_{false};
  std::int64_t until_s_ = 0;
  // Written by the worker before it publishes kDone / kFailed (release), read after (acquire).
  Summary summary_;
  TimeseriesRow final_row_;
  std::vector<TimeseriesRow> rows_;
  mutable std::mutex error_mu_;
  std::string error_;
};

}  // namespace kitaku::ui
