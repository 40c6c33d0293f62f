#include "run_job.hpp"

#include <chrono>
#include <filesystem>
#include <fstream>

#include "kitaku/geo/results.hpp"
#include "kitaku/sim/checkpoint.hpp"
#include "kitaku/sim/error.hpp"

namespace kitaku::app {
namespace {
double seconds_since(std::chrono::steady_clock::time_point t0) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}
}  // namespace

const char* kitaku_version() { return KITAKU_VERSION; }

void ensure_writable_dir(const std::string& dir) {
  namespace fs = std::filesystem;
  std::error_code ec;
  fs::create_directories(dir, ec);
  if (ec || !fs::is_directory(dir))
    throw InputError(dir, "", "cannot create the output folder" + (ec ? ": " + ec.message() : std::string(" (a file is in the way)")));
  const fs::path probe = fs::path(dir) / ".kitaku-write-test";
  if (!std::ofstream(probe)) throw InputError(dir, "", "the output folder is not writable");
  fs::remove(probe, ec);
}

JobResult run_job(const Scenario& sc, const geo::LoadedCity& lc, const std::string& out_dir,
                  const JobOptions& o) {
  JobResult res;
  RunConfig cfg;
  cfg.seed = sc.seed;
  cfg.threads = o.threads;
  cfg.check_invariants = o.check;
  const auto t_setup = std::chrono::steady_clock::now();
  Simulation sim(lc.network.network, lc.city, sc, cfg);
  res.setup_seconds = seconds_since(t_setup);
  if (o.on_setup) o.on_setup(sim, res.setup_seconds);

  namespace fs = std::filesystem;
  const std::string& ckpt = o.checkpoint_path;
  std::error_code ec;
  if (!ckpt.empty() && fs::exists(ckpt, ec)) {
    if (o.fresh) {
      fs::remove(ckpt, ec);
      if (ec) throw InputError(ckpt, "", "cannot remove the old checkpoint: " + ec.message());
    } else {
      const auto t_load = std::chrono::steady_clock::now();
      try {
        read_checkpoint_file(sim, ckpt);
      } catch (const InputError& e) {
        throw InputError(e.file(), e.place(),
                         e.problem() + "; remove it, or run with --fresh to start over without it");
      }
      res.resumed_at_s = sim.time_s();
      if (o.on_resume) o.on_resume(sim, seconds_since(t_load));
    }
  }
  auto save = [&] {
    const auto t0 = std::chrono::steady_clock::now();
    write_checkpoint_file(sim, ckpt);
    res.checkpoint_seconds += seconds_since(t0);
    ++res.checkpoints_written;
  };
  const bool checkpoints = !ckpt.empty() && o.checkpoint_every_s > 0;
  std::int64_t next_save = checkpoints ? (sim.time_s() / o.checkpoint_every_s + 1) * o.checkpoint_every_s : 0;
  ProgressFn progress = o.progress;
  if (checkpoints)
    progress = [&](double f) {
      if (o.progress) o.progress(f);
      // Between steps: save each time sim time passes a multiple (not at the end,
      // where the outputs take over).
      if (sim.time_s() >= next_save && !sim.done()) {
        save();
        next_save = (sim.time_s() / o.checkpoint_every_s + 1) * o.checkpoint_every_s;
      }
    };
  sim.run(progress, o.stop);
  res.interrupted = o.stop != nullptr && o.stop->load();
  const bool stopped_early = !sim.done();
  if (stopped_early && checkpoints) save();  // so that the run can go on from here

  geo::RunOutputs out;
  out.network = &lc.network.network;
  out.city = &sim.city();
  out.timeseries = sim.timeseries();
  out.station_fronts = sim.station_fronts();
  out.edges = sim.edge_stats();
  out.facilities = sim.facility_stats();
  out.summary = sim.summary();
  out.population = &sim.population();
  out.agents = sim.agent_records();
  out.quake_clock_s = sc.quake.clock_s;
  out.commands = sim.command_log();
  out.scenario_toml = to_toml(sc);
  out.kitaku_version = kitaku_version();
  out.scenario_name = sc.name;
  const auto t_write = std::chrono::steady_clock::now();
  geo::write_run_outputs(out_dir, out);
  res.write_seconds = seconds_since(t_write);
  if (!ckpt.empty() && !stopped_early) {
    fs::remove(ckpt, ec);  // finished: nothing to resume
    if (ec) throw InputError(ckpt, "", "cannot remove the checkpoint of the finished run: " + ec.message());
  }
  res.summary = out.summary;
  return res;
}

}  // namespace kitaku::app
