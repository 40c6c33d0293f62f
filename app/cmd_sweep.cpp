// kitaku sweep SWEEP.toml --out DIR [--threads-per-run N] [--jobs N]: batch runs
// for research (docs/research.md). Expands the sweep into runs, runs what is not
// yet done (spread over cores, and over ranks under mpirun), and writes
// DIR/index.csv, aggregate.csv and plots/. Killed and started again with the same
// command, it goes on where it stopped.
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cmath>
#include <csignal>
#include <cstdio>
#include <deque>
#include <filesystem>
#include <map>
#include <optional>
#include <nlohmann/json.hpp>
#include <string>

#include "commands.hpp"
#include "out_lock.hpp"
#include "kitaku/sim/error.hpp"
#include "kitaku/sim/progress.hpp"
#include "run_job.hpp"
#include "sweep/mpi.hpp"
#include "sweep/plan.hpp"
#include "sweep/runner.hpp"
#include "sweep/sweep_dir.hpp"

namespace kitaku::app {
extern const char* const kDefaultScenarioToml;
namespace {

using namespace kitaku::app::sweep;
using Clock = std::chrono::steady_clock;

// Two runs side by side with one thread each beat one run with two threads on the
// default scenario (docs/PERFORMANCE.md, "Sweeps"), so a sweep runs one thread per
// run and as many runs as there are cores.
constexpr int kDefaultThreadsPerRun = 1;

std::atomic<bool> g_stop{false};

extern "C" void on_sweep_sigint(int) {
  if (g_stop.load()) std::_Exit(130);
  g_stop.store(true);
}

double seconds_since(Clock::time_point t0) { return std::chrono::duration<double>(Clock::now() - t0).count(); }

// The sweep's progress on stderr when it is a terminal: runs done of the runs to
// do, elapsed time and ETA (from the runs done and the progress of those running).
class SweepBar {
 public:
  explicit SweepBar(std::size_t total) : total_(total), active_(::isatty(::fileno(stderr))) {}
  ~SweepBar() { clear(); }
  void update(std::size_t done, double in_progress) {
    if (!active_ || total_ == 0) return;
    const double f = std::clamp((static_cast<double>(done) + in_progress) / static_cast<double>(total_), 0.0, 1.0);
    const double elapsed = seconds_since(start_);
    const double eta = f > 0.001 ? elapsed * (1 - f) / f : NAN;
    std::string bar(static_cast<std::size_t>(f * 30), '#');
    bar.resize(30, '.');
    std::fprintf(stderr, "\rsweep [%s] %zu/%zu runs  elapsed %s  ETA %s\x1b[K", bar.c_str(), done, total_,
                 ProgressBar::format_duration(elapsed).c_str(), ProgressBar::format_duration(eta).c_str());
    std::fflush(stderr);
    drawn_ = true;
  }
  /// Clears the bar's line before other output (the next update draws it again).
  void clear() {
    if (!drawn_) return;
    std::fprintf(stderr, "\r\x1b[K");
    std::fflush(stderr);
    drawn_ = false;
  }

 private:
  std::size_t total_;
  bool active_, drawn_ = false;
  Clock::time_point start_ = Clock::now();
};

// Once the ranks are working, an error on one of them (a full disk, a lost
// connection) would leave the others waiting for it: it ends them all.
template <class F>
void on_any_rank(World& world, F&& f) {
  try {
    f();
  } catch (const std::exception& e) {
    if (!world.distributed()) throw;
    std::fprintf(stderr, "kitaku: error on rank %d: %s\n", world.rank(), e.what());
    std::fflush(stderr);
    world.abort(2);
  }
}

}  // namespace

void run_sweep(const SweepOptions& o) {
  World world;
  const bool root = world.rank() == 0;

  // Every rank builds and checks the plan; rank 0 also freezes or checks DIR. Under
  // mpirun the ranks then agree: any error is reported once, by rank 0.
  SweepPlan plan;
  Prepared prepared;
  std::vector<RunRecord> records;
  std::exception_ptr failure;
  std::string failure_text;
  // Rank 0 holds DIR/.kitaku-lock for the whole sweep, taken before prepare_dir looks
  // at (and cleans) DIR: a second sweep into the same folder is refused instead of
  // removing the first one's runs in progress as "unfinished".
  std::optional<OutDirLock> lock;
  try {
    plan = load_sweep(o.file, kDefaultScenarioToml);
    if (root) {
      ensure_writable_dir(o.out);
      lock.emplace(o.out);
      prepared = prepare_dir(o.out, plan, kitaku_version());
      records = scan_runs(o.out, plan);
    }
  } catch (const std::exception& e) {
    failure = std::current_exception();
    failure_text = e.what();
  }
  if (world.distributed()) {
    const std::vector<std::string> ids = world.gather(failure ? "error: " + failure_text : plan.id);
    std::string verdict;
    if (root && !failure)
      for (std::size_t r = 1; r < ids.size() && verdict.empty(); ++r)
        if (ids[r] != plan.id)
          verdict = "rank " + std::to_string(r) + ": " +
                    (ids[r].rfind("error: ", 0) == 0 ? ids[r].substr(7)
                                                     : "expanded " + o.file + " to a different plan (are the files the same on every machine?)");
    if (root && failure) verdict = failure_text;
    verdict = world.broadcast(verdict);
    if (!verdict.empty()) {
      if (!root) throw ExitQuietly{1};
      if (failure) std::rethrow_exception(failure);
      throw InputError(o.file, "", verdict);
    }
  } else if (failure) {
    std::rethrow_exception(failure);
  }

  int threads = o.threads_per_run >= 0 ? o.threads_per_run
                : plan.threads_per_run > 0 ? plan.threads_per_run
                                            : kDefaultThreadsPerRun;
  int jobs = o.jobs;
  if (threads == 0) {  // all cores to one run at a time
    threads = default_jobs(1, world.local_size());
    if (jobs == 0) jobs = 1;
  }
  if (jobs == 0) jobs = default_jobs(threads, world.local_size());
  ExecOptions eo;
  eo.jobs = jobs;
  eo.threads_per_run = threads;
  eo.stop = &g_stop;
  g_stop.store(false);
  auto* previous = std::signal(SIGINT, on_sweep_sigint);
  const auto note = [&world](const std::string& text) {
    std::printf("  [rank %d] %s\n", world.rank(), text.c_str());
    std::fflush(stdout);
  };

  if (!root) {
    on_any_rank(world, [&] { run_worker_rank(world, plan, o.out, eo, note); });
    std::signal(SIGINT, previous);
    return;
  }

  // Rank 0: report, queue what is left, run, collect, write the tables and plots.
  std::size_t kept = 0;
  for (const RunRecord& r : records) kept += r.status == RunStatus::kDone;
  std::printf("Kitaku %s | sweep \"%s\" (id %s) from %s\n", kitaku_version(), plan.name.c_str(), plan.id.c_str(),
              o.file.c_str());
  std::string axes;
  for (const Axis& a : plan.axes)
    axes += (axes.empty() ? "" : " x ") + a.key + (a.kind == Axis::Kind::kLatin ? " (latin)" : "");
  std::printf("  %zu point%s (%s) x %d seed%s from %llu = %zu runs of base scenario %s\n", plan.points.size(),
              plan.points.size() == 1 ? "" : "s", axes.empty() ? "no axes" : axes.c_str(), plan.seeds,
              plan.seeds == 1 ? "" : "s", static_cast<unsigned long long>(plan.seed_base), plan.runs.size(),
              plan.base.c_str());
  if (prepared.resumed)
    std::printf("  resuming in %s: %zu run%s finished earlier (kept), %zu unfinished removed\n", o.out.c_str(), kept,
                kept == 1 ? "" : "s", prepared.stale_partials);
  else
    std::printf("  new sweep in %s (definition frozen in sweep.toml, plan.json)\n", o.out.c_str());
  if (prepared.frozen_version != kitaku_version())
    std::printf("  note: the sweep was started with Kitaku %s; runs done now record %s\n",
                prepared.frozen_version.c_str(), kitaku_version());

  // Runs on the same city one after the other, so each process loads each city once.
  std::map<std::string, std::size_t> city_order;
  for (const PlannedRun& r : plan.runs) city_order.emplace(r.city_key, city_order.size());
  std::vector<std::size_t> pending;
  for (std::size_t i = 0; i < plan.runs.size(); ++i)
    if (records[i].status != RunStatus::kDone) pending.push_back(i);
  std::stable_sort(pending.begin(), pending.end(), [&](std::size_t a, std::size_t b) {
    return city_order[plan.runs[a].city_key] < city_order[plan.runs[b].city_key];
  });
  std::printf("  %zu run%s to do: %d process%s x %d concurrent run%s x %d thread%s each\n", pending.size(),
              pending.size() == 1 ? "" : "s", world.size(), world.size() == 1 ? "" : "es", jobs, jobs == 1 ? "" : "s",
              threads, threads == 1 ? "" : "s");
  std::fflush(stdout);

  const auto t0 = Clock::now();
  std::size_t done = 0, failed = 0;
  // A live index.csv for the impatient: written now (every run pending or kept), then
  // within kIndexEvery of any run finishing. Checked on every tick of the loop, so a
  // burst of quick runs is not left out until the next result comes.
  constexpr auto kIndexEvery = std::chrono::seconds(2);
  write_index(o.out, plan, records);
  auto last_index = Clock::now();
  bool index_stale = false;
  auto refresh_index = [&] {
    if (!index_stale || Clock::now() - last_index < kIndexEvery) return;
    write_index(o.out, plan, records);
    last_index = Clock::now();
    index_stale = false;
  };
  {
    SweepBar bar(pending.size());
    Rank0Callbacks cb;
    cb.on_note = note;  // from worker threads: printed as is (the bar is redrawn on the next tick)
    cb.on_outcome = [&](const RunOutcome& out) {
      if (out.stopped) return;
      RunRecord& rec = records[out.index];
      const PlannedRun& run = plan.runs[out.index];
      bar.clear();
      if (out.ok) {
        rec.status = RunStatus::kDone;
        rec.summary = nlohmann::ordered_json::parse(out.summary_json);
        ++done;
        std::printf("  [%zu/%zu] %s done in %.1f s (%s, rank %d)\n", done + failed, pending.size(), run.id.c_str(),
                    out.wall_seconds, out.host.c_str(), out.rank);
      } else {
        rec.status = RunStatus::kFailed;
        rec.error = out.error;
        ++failed;
        std::printf("  [%zu/%zu] %s FAILED (%s, rank %d): %s\n", done + failed, pending.size(), run.id.c_str(),
                    out.host.c_str(), out.rank, out.error.c_str());
      }
      std::fflush(stdout);
      index_stale = true;
      refresh_index();
    };
    cb.on_tick = [&](double in_progress) {
      bar.update(done + failed, in_progress);
      refresh_index();
    };
    on_any_rank(world, [&] {
      run_rank0(world, plan, o.out, eo, std::deque<std::size_t>(pending.begin(), pending.end()), cb);
    });
  }
  std::signal(SIGINT, previous);

  write_index(o.out, plan, records);
  const std::vector<std::string> plots = write_aggregate(o.out, plan, records);
  const double wall = seconds_since(t0);
  std::printf("%s: %zu run%s done now in %s (%.1f runs/h), %zu earlier, %zu failed, %zu left\n",
              g_stop.load() ? "Interrupted" : "Finished", done, done == 1 ? "" : "s",
              ProgressBar::format_duration(wall).c_str(), wall > 0 ? static_cast<double>(done) / wall * 3600 : 0.0,
              kept, failed, plan.runs.size() - kept - done - failed);
  std::printf("  outputs in %s/: index.csv, aggregate.csv, plots/ (%zu SVG), runs/<id>/\n", o.out.c_str(),
              plots.size());
  std::fflush(stdout);
  if (g_stop.load())
    throw Interrupted("interrupted: finished runs are kept; the same command resumes the sweep");
  if (failed > 0)
    throw InputError(o.out, "", std::to_string(failed) + " run" + (failed == 1 ? "" : "s") +
                                    " failed (see above, and runs/.<id>.failed); the same command retries them");
}

void add_sweep_command(CLI::App& app) {
  auto opts = std::make_shared<SweepOptions>();
  auto* cmd = app.add_subcommand("sweep",
                                 "Run a parameter sweep (docs/research.md); resumable; under mpirun spread over ranks");
  cmd->add_option("sweep", opts->file, "Sweep file (TOML: [sweep] and [[axis]] tables)")
      ->required()
      ->check(CLI::ExistingFile);
  cmd->add_option("--out,-o", opts->out, "Sweep folder (created; the same folder resumes the sweep)")->required();
  cmd->add_option("--threads-per-run,-t", opts->threads_per_run,
                  "OpenMP threads per run (default: the sweep file's threads_per_run, else 1; 0: all cores)")
      ->check(CLI::Range(0, 1024));
  cmd->add_option("--jobs,-j", opts->jobs, "Runs at once in each process (default: its cores / threads per run)")
      ->check(CLI::Range(1, 1024));
  cmd->callback([opts] { run_sweep(*opts); });
}

}  // namespace kitaku::app
