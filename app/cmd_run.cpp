// kitaku run [SCENARIO] --out DIR [--threads N] [--seed S] [--replay LOG]
// [--checkpoint-every SIMTIME] [--fresh]: the main job. Loads the scenario's city,
// runs the simulation headless with a progress bar (resuming from DIR's checkpoint
// if there is one), and writes the outputs (docs/cli.md, "kitaku run").
#include <omp.h>

#include <atomic>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <regex>
#include <sstream>
#include <string>

#include "commands.hpp"
#include "seed_option.hpp"
#include "out_lock.hpp"
#include "run_job.hpp"
#include "sweep/scenario_keys.hpp"
#include "format.hpp"
#include "kitaku/geo/city_loader.hpp"
#include "kitaku/geo/results.hpp"
#include "kitaku/sim/checkpoint.hpp"
#include "kitaku/sim/error.hpp"
#include "kitaku/sim/progress.hpp"
#include "kitaku/sim/scenario.hpp"
#include "kitaku/sim/simulation.hpp"

namespace kitaku::app {
extern const char* const kDefaultScenarioToml;
namespace {

struct RunOptions {
  std::string scenario;  // empty: the embedded default
  std::string out = "out";
  int threads = 0;
  std::int64_t seed = -1;  // -1: the scenario's
  std::string replay;
  bool check = false;
  std::string checkpoint_every;  // SIMTIME; empty: no checkpoints
  bool fresh = false;
  std::vector<std::string> sets;  // --set KEY=VALUE, in order
};

// "2h", "90min", "90m", "3600s" or "3600" (seconds) -> seconds; -1 if malformed or not positive.
std::int64_t parse_sim_time(const std::string& text) {
  static const std::regex re(R"(\s*([0-9]+(?:\.[0-9]*)?|\.[0-9]+)\s*(h|min|m|s)?\s*)");
  std::smatch m;
  if (!std::regex_match(text, m, re)) return -1;
  const double v = std::stod(m[1]);
  const std::string unit = m[2];
  const double s = v * (unit == "h" ? 3600.0 : unit == "min" || unit == "m" ? 60.0 : 1.0);
  const auto r = static_cast<std::int64_t>(std::llround(s));
  return s < 1e12 && r > 0 ? r : -1;
}

std::atomic<bool> g_stop{false};

extern "C" void on_sigint(int) {
  if (g_stop.load()) std::_Exit(130);  // a second Ctrl-C: leave now
  g_stop.store(true);
}

double seconds_since(std::chrono::steady_clock::time_point t0) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}

std::string clock_text(std::int64_t s) {
  char b[32];
  std::snprintf(b, sizeof b, "%02lld:%02lld", static_cast<long long>(s / 3600 % 24), static_cast<long long>(s / 60 % 60));
  return b;
}

void run(const RunOptions& o) {
  const Scenario sc = load_run_scenario(o.scenario, o.seed, o.replay, o.sets);
  std::printf("Kitaku %s | scenario: %s (%s)\n", KITAKU_VERSION, sc.name.c_str(), sc.origin.c_str());
  std::printf("  quake %s %s, %g h simulated in %d s steps, seed %llu\n",
              sc.quake.day == DayType::kWeekday ? "weekday" : "holiday", clock_text(sc.quake.clock_s).c_str(),
              sc.run.duration_h, sc.run.step_s, static_cast<unsigned long long>(sc.seed));
  std::fflush(stdout);

  ensure_writable_dir(o.out);  // fail now, not after the run
  const OutDirLock lock(o.out);  // one run at a time per folder, held until the outputs are written
  geo::remove_stale_temp_files(o.out);
  const std::string checkpoint = (std::filesystem::path(o.out) / kCheckpointFileName).string();
  const auto t_load = std::chrono::steady_clock::now();
  geo::LoadedCity lc;
  {
    if (sc.city.synthetic()) {
      std::printf("  synthetic city: radius %g km, seed %llu (generated on first use, then cached)\n",
                  sc.city.synthetic_radius_km, static_cast<unsigned long long>(sc.city.synthetic_seed));
      std::fflush(stdout);
    }
    ProgressBar bar("loading city");
    lc = geo::load_city(sc, bar.fn());
  }
  warn_missing_nodes(lc.network.report);
  const Network& net = lc.network.network;
  const auto& r = lc.report;
  std::printf("  network   %s: %s nodes, %s edges, %.1f km\n", r.network_path.c_str(),
              thousands(static_cast<double>(net.node_count())).c_str(),
              thousands(static_cast<double>(net.edge_count())).c_str(), net.total_length_m() / 1000);
  std::printf("  city      %zu facilities (%zu outside dropped), %zu stations, %zu zones: %s people by day\n",
              lc.city.facilities.size(), r.facilities_clipped, lc.city.stations.size(), lc.city.zones.size(),
              thousands(r.population_kept).c_str());
  if (!sc.city.shelters.empty() || !sc.city.evacuation_sites.empty())
    std::printf("  stays     %zu temporary stay facilities, %zu designated shelters (%zu listed as both kept once); "
                "%zu evacuation sites on the map, not stays\n",
                lc.city.facilities.size() - r.shelters_kept, r.shelters_kept, r.shelters_duplicate,
                lc.city.evacuation_sites.size());
  if (sc.city.synthetic())
    std::printf("  synthetic city %s\n", r.generated_synthetic
                                            ? ("generated in " + fmt("%.1f", r.generate_seconds) + " s").c_str()
                                            : "read from the cache");
  for (const std::string& w : lc.report.warnings) std::printf("  WARNING: %s\n", w.c_str());
  std::printf("  loaded in %.1f s\n", seconds_since(t_load));
  std::fflush(stdout);

  JobOptions jo;
  jo.threads = o.threads;
  jo.check = o.check;
  jo.stop = &g_stop;
  jo.on_setup = [&](const Simulation& sim, double setup_s) {
    std::printf("  agents    %s, each standing for %.2f people; set up in %.1f s with %d threads\n",
                thousands(static_cast<double>(sim.agent_count())).c_str(), sim.population().persons_per_agent, setup_s,
                o.threads > 0 ? o.threads : omp_get_max_threads());
    std::fflush(stdout);
  };
  jo.checkpoint_path = checkpoint;
  if (!o.checkpoint_every.empty()) jo.checkpoint_every_s = parse_sim_time(o.checkpoint_every);
  jo.fresh = o.fresh;
  jo.on_resume = [&](const Simulation& sim, double load_s) {
    std::printf("  resuming from checkpoint at %s (%s, loaded in %.1f s)\n",
                ProgressBar::format_duration(static_cast<double>(sim.time_s())).c_str(), checkpoint.c_str(), load_s);
    std::fflush(stdout);
  };
  g_stop.store(false);
  auto* previous = std::signal(SIGINT, on_sigint);
  JobResult res;
  {
    ProgressBar bar("simulating");
    jo.progress = bar.fn();
    res = run_job(sc, lc, o.out, jo);
  }
  std::signal(SIGINT, previous);
  const bool interrupted = res.interrupted;

  const Summary& s = res.summary;
  std::printf("\n%s after %s simulated (%.1f s wall, %.2f M agent updates/s)\n",
              interrupted ? "Interrupted" : "Finished", ProgressBar::format_duration(static_cast<double>(s.sim_seconds)).c_str(),
              s.wall_seconds, s.wall_seconds > 0 ? static_cast<double>(s.agent_steps) / s.wall_seconds / 1e6 : 0.0);
  std::printf("  arrived home                 %s people\n", thousands(s.arrived_home).c_str());
  std::printf("  peak sheltered               %s people\n", thousands(s.peak_sheltered).c_str());
  std::printf("  peak stranded outdoors       %s people\n", thousands(s.peak_unsheltered_stranded).c_str());
  std::printf("  person-minutes at >= 6 p/m2  %s\n", thousands(s.person_minutes_ge6).c_str());
  std::printf("  person-minutes at >= 4 p/m2  %s\n", thousands(s.person_minutes_ge4).c_str());
  std::printf("  peak road at >= 6 p/m2       %.2f km\n", s.peak_km_road_ge6);
  std::printf("  outputs in %s/ (written in %.1f s): timeseries.csv, stations.csv, agents.csv, results.gpkg, summary.json%s, commands.log, scenario.toml, peak_density.png, manifest.sha256\n",
              o.out.c_str(), res.write_seconds, interrupted ? " (marked partial)" : "");
  if (res.checkpoints_written > 0)
    std::printf("  %d checkpoint%s written (%.1f s)%s\n", res.checkpoints_written, res.checkpoints_written == 1 ? "" : "s",
                res.checkpoint_seconds,
                interrupted ? ("; run the same command again to resume from " + checkpoint).c_str() : "");
  if (interrupted) throw Interrupted("interrupted: outputs up to the last completed step were written");
}

}  // namespace

Scenario load_run_scenario(const std::string& path, std::int64_t seed, const std::string& replay,
                           const std::vector<std::string>& sets) {
  Scenario sc;
  if (path.empty()) {
    sc = scenario_with_keys(kDefaultScenarioToml, "<embedded default>", ".", sets);
  } else if (sets.empty()) {
    sc = load_scenario(path);
  } else {
    std::ifstream in(path, std::ios::binary);
    if (!in) throw InputError(path, "", "cannot open scenario file");
    std::ostringstream text;
    text << in.rdbuf();
    sc = scenario_with_keys(text.str(), path, std::filesystem::path(path).parent_path().string(), sets);
  }
  if (seed >= 0) sc.seed = static_cast<std::uint64_t>(seed);
  if (!replay.empty()) {
    // The hazard plan's commands (source "hazard") and the periodic optimiser's
    // guidance are left out: the simulation makes them again from the scenario and
    // the seed, and would apply them twice.
    sc.commands.clear();
    for (Command& c : load_command_log(replay)) {
      if (is_regenerated_source(c.source)) continue;
      c.source = "replay:" + c.source;
      sc.commands.push_back(std::move(c));
    }
  }
  return sc;
}

void add_set_option(CLI::App& cmd, std::vector<std::string>& sets) {
  cmd.add_option("--set", sets,
                 "Set a scenario key, as a sweep's [[axis]] would: --set population.agents=1000000 "
                 "--set quake.day=holiday (repeatable; checked like the file; recorded in OUT/scenario.toml)")
      ->type_name("KEY=VALUE")
      ->allow_extra_args(false);  // one KEY=VALUE per --set, so a scenario file may follow
}

void add_run_command(CLI::App& app) {
  auto opts = std::make_shared<RunOptions>();
  auto* cmd = app.add_subcommand("run", "Run a scenario headless (default: the embedded default scenario)");
  cmd->add_option("scenario", opts->scenario, "Scenario TOML file (docs/scenario-format.md)")->check(CLI::ExistingFile);
  cmd->add_option("--out,-o", opts->out, "Output directory (created; files are replaced atomically)")
      ->capture_default_str();
  cmd->add_option("--threads,-t", opts->threads, "OpenMP threads (default: all cores); results do not depend on it")
      ->check(CLI::Range(0, 1024));
  add_seed_option(*cmd, "--seed,-s", opts->seed, "Random seed, 0 to 2^63 - 1 (default: the scenario's)");
  cmd->add_option("--replay", opts->replay, "Apply the commands of a run's commands.log instead of the scenario's")
      ->check(CLI::ExistingFile);
  cmd->add_flag("--check", opts->check, "Check the simulation's invariants after every step (slow)");
  cmd->add_option("--checkpoint-every", opts->checkpoint_every,
                  "Save OUT/checkpoint.kitaku each time this much simulated time passes (2h, 90min, 3600s, "
                  "or seconds) and on Ctrl-C; running the same command again resumes from it")
      ->type_name("SIMTIME")
      ->check(CLI::Validator(
          [](std::string& v) {
            return parse_sim_time(v) > 0 ? std::string() : "expected a positive simulated time such as 2h, 90min or 3600s";
          },
          "SIMTIME"));
  add_set_option(*cmd, opts->sets);
  cmd->add_flag("--fresh", opts->fresh, "Start afresh, deleting OUT/checkpoint.kitaku instead of resuming from it");
  cmd->callback([opts] { run(*opts); });
}

}  // namespace kitaku::app
