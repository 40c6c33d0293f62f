#pragma once
// One headless run of a scenario on a loaded city, its outputs written to a folder.
// Shared by `kitaku run`, `kitaku sweep` and `kitaku rerun`, so every run of every
// kind writes the same files the same way (docs/outputs.md).
#include <atomic>
#include <cstdint>
#include <functional>
#include <string>

#include "kitaku/geo/city_loader.hpp"
#include "kitaku/sim/progress.hpp"
#include "kitaku/sim/scenario.hpp"
#include "kitaku/sim/simulation.hpp"

namespace kitaku::app {

/// The Kitaku version every run records (`git describe` at build time).
const char* kitaku_version();

struct JobOptions {
  int threads = 0;                              // OpenMP threads for this run; 0 = all cores
  bool check = false;                           // check invariants after every step (slow)
  const std::atomic<bool>* stop = nullptr;      // set to stop early: the summary is partial
  ProgressFn progress;                          // fraction of simulated time done
  /// Called once the Simulation is built (before the first step), e.g. to print its size.
  std::function<void(const Simulation&, double setup_seconds)> on_setup;

  // Checkpoints (docs/cli.md, "kitaku run --checkpoint-every"). With a checkpoint
  // path, a checkpoint found there is resumed from (an InputError if it belongs to
  // another run, unless fresh), and it is removed once the outputs are written.
  std::string checkpoint_path;                  // empty: no checkpoints, no resuming
  std::int64_t checkpoint_every_s = 0;          // > 0: save each time sim time passes a multiple, and when stopped
  bool fresh = false;                           // delete a checkpoint found there instead of resuming
  /// Called after resuming from the checkpoint (the Simulation is at its time), with
  /// the seconds loading it took (reading, checking, rebuilding the route trees).
  std::function<void(const Simulation&, double load_seconds)> on_resume;
};

struct JobResult {
  Summary summary;
  bool interrupted = false;      // stopped by `stop` before the end
  double setup_seconds = 0;      // building the Simulation (population, routes)
  double write_seconds = 0;      // writing the outputs
  std::int64_t resumed_at_s = -1;  // sim time of the checkpoint resumed from (-1: started afresh)
  int checkpoints_written = 0;
  double checkpoint_seconds = 0;   // writing checkpoints
};

/// Builds the Simulation for `sc` on `city`, runs it to the end (or until `stop`),
/// and writes DIR's outputs with geo::write_run_outputs (each file atomically,
/// summary.json last). Throws InputError on bad input or an unwritable DIR.
JobResult run_job(const Scenario& sc, const geo::LoadedCity& city, const std::string& out_dir,
                  const JobOptions& options);

/// Creates DIR (and parents) and checks it can be written, so that a run fails at
/// once, not after hours, when its outputs cannot be kept.
void ensure_writable_dir(const std::string& dir);

}  // namespace kitaku::app
