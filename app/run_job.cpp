#include "run_job.hpp"

#include <chrono>
#include <filesystem>
#include <fstream>

#include "kitaku/geo/results.hpp"
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

  sim.run(o.progress, o.stop);
  res.interrupted = o.stop != nullptr && o.stop->load();

  geo::RunOutputs out;
  out.network = &lc.network.network;
  out.city = &sim.city();
  out.timeseries = sim.timeseries();
  out.edges = sim.edge_stats();
  out.facilities = sim.facility_stats();
  out.summary = sim.summary();
  out.commands = sim.command_log();
  out.scenario_toml = to_toml(sc);
  out.kitaku_version = kitaku_version();
  out.scenario_name = sc.name;
  const auto t_write = std::chrono::steady_clock::now();
  geo::write_run_outputs(out_dir, out);
  res.write_seconds = seconds_since(t_write);
  res.summary = out.summary;
  return res;
}

}  // namespace kitaku::app
