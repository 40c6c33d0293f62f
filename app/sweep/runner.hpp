#pragma once
// Executes a sweep's runs. In every process, `jobs` worker threads each run one
// Simulation at a time with `threads_per_run` OpenMP threads; the city of a run
// is loaded once per process and shared (const) by all runs on it.
//
// Rank 0 holds the queue of runs to do. Its own workers take runs from the queue
// directly; other ranks' main threads ask rank 0 for a run whenever one of their
// workers is free (dynamic: fast ranks take more), and send back each result
// (summary.json by message). Only main threads call MPI. A single process
// without mpirun is rank 0 of a world of one.
#include <atomic>
#include <deque>
#include <functional>
#include <string>

#include "sweep/mpi.hpp"
#include "sweep/plan.hpp"

namespace kitaku::app::sweep {

struct ExecOptions {
  int jobs = 1;                             // concurrent runs in this process
  int threads_per_run = 1;                  // OpenMP threads of each run
  const std::atomic<bool>* stop = nullptr;  // Ctrl-C: running runs stop and are discarded
};

/// What became of one run.
struct RunOutcome {
  std::size_t index = 0;         // into SweepPlan::runs
  bool ok = false;
  bool stopped = false;          // stopped by `stop`: discarded, to be done again
  std::string summary_json;      // the run's summary.json (ok)
  std::string error;             // why it failed
  double wall_seconds = 0;       // the run, including waiting for its city
  int rank = 0;
  std::string host;
};

/// The jobs (concurrent runs) a process should use: the cores it may run on,
/// shared with the other ranks on its machine, divided by threads_per_run.
int default_jobs(int threads_per_run, int local_ranks);

/// The cores this process may run on (its CPU affinity).
int available_cores();

struct Rank0Callbacks {
  /// Each finished (or failed, or stopped) run, on rank 0's main thread.
  std::function<void(const RunOutcome&)> on_outcome;
  /// About five times a second on rank 0's main thread: the summed fraction done
  /// of the runs in progress in this process.
  std::function<void(double in_progress)> on_tick;
  /// A note for the log ("loaded synthetic city ... in 3.1 s"), from any thread.
  std::function<void(const std::string&)> on_note;
};

/// Rank 0: runs `todo` (indices into plan.runs) on its own workers and hands them
/// out to the other ranks; returns when every run is accounted for and every
/// other rank has finished.
void run_rank0(World& world, const SweepPlan& plan, const std::string& dir, const ExecOptions& options,
               std::deque<std::size_t> todo, const Rank0Callbacks& callbacks);

/// Ranks > 0: runs what rank 0 hands out until it says there is nothing left.
void run_worker_rank(World& world, const SweepPlan& plan, const std::string& dir, const ExecOptions& options,
                     const std::function<void(const std::string&)>& on_note);

}  // namespace kitaku::app::sweep
