// Route trees after closures: a hazard scenario run with every tree rebuilt after
// each batch of closures, then with only the trees a closure touches rebuilt
// (RunConfig::selective_tree_rebuild, docs/model.md "Routing"). Both runs must give
// the same timeseries; the bench prints their wall times, the trees rebuilt and
// kept, and whether the results agree. Prints figures; never fails on a timing.
//
//   bench_closures [SCENARIO] [--hours H] [--threads N] [--seed S] [--modes all,selective]
//
// Default: scenarios/tokyo_south_m73_weekday_1200.toml (M7.3 on the 10 km synthetic
// city: blockage, fire in 30-minute batches, an aftershock), its first 6 hours.
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <exception>
#include <string>
#include <vector>

#include "kitaku/geo/city_loader.hpp"
#include "kitaku/sim/scenario.hpp"
#include "kitaku/sim/simulation.hpp"

namespace {

using Clock = std::chrono::steady_clock;

double seconds_since(Clock::time_point t0) { return std::chrono::duration<double>(Clock::now() - t0).count(); }

}  // namespace

int main(int argc, char** argv) {
  std::string path = "scenarios/tokyo_south_m73_weekday_1200.toml";
  double hours = 6;
  int threads = 2;
  long long seed = -1;
  std::vector<bool> modes = {false, true};
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    auto next = [&]() -> std::string {
      if (i + 1 >= argc) {
        std::fprintf(stderr, "bench_closures: %s needs a value\n", a.c_str());
        std::exit(2);
      }
      return argv[++i];
    };
    if (a == "--hours") hours = std::atof(next().c_str());
    else if (a == "--threads") threads = std::atoi(next().c_str());
    else if (a == "--seed") seed = std::atoll(next().c_str());
    else if (a == "--modes") {
      const std::string m = next();
      modes.clear();
      if (m.find("all") != std::string::npos) modes.push_back(false);
      if (m.find("selective") != std::string::npos) modes.push_back(true);
    } else if (a == "-h" || a == "--help") {
      std::printf("usage: bench_closures [SCENARIO] [--hours H] [--threads N] [--seed S] [--modes all,selective]\n");
      return 0;
    } else if (!a.empty() && a[0] != '-') path = a;
    else {
      std::fprintf(stderr, "bench_closures: unknown option %s\n", a.c_str());
      return 2;
    }
  }
  try {
    kitaku::Scenario sc = kitaku::load_scenario(path);
    if (hours > 0) sc.run.duration_h = hours;
    if (seed >= 0) sc.seed = static_cast<std::uint64_t>(seed);
    std::printf("bench_closures: %s, %.1f h, %d thread%s, seed %llu\n", path.c_str(), sc.run.duration_h, threads,
                threads == 1 ? "" : "s", static_cast<unsigned long long>(sc.seed));
    const auto tl = Clock::now();
    kitaku::geo::LoadedCity lc = kitaku::geo::load_city(sc);
    std::printf("  city loaded in %.1f s: %zu nodes, %zu edges, %zu facilities\n", seconds_since(tl),
                lc.network.network.node_count(), lc.network.network.edge_count(), lc.city.facilities.size());
    std::vector<std::vector<kitaku::TimeseriesRow>> rows;
    std::printf("  %-10s %10s %10s %10s %10s %10s %10s\n", "trees", "set-up s", "run s", "commands", "rebuilt",
                "repaired", "kept");
    for (const bool selective : modes) {
      kitaku::RunConfig cfg;
      cfg.seed = sc.seed;
      cfg.threads = threads;
      cfg.selective_tree_rebuild = selective;
      const auto t0 = Clock::now();
      kitaku::Simulation sim(lc.network.network, lc.city, sc, cfg);
      const double setup = seconds_since(t0);
      const auto t1 = Clock::now();
      sim.run();
      const double run = seconds_since(t1);
      const auto tr = sim.tree_rebuilds();
      std::printf("  %-10s %10.1f %10.1f %10lld %10lld %10lld %10lld\n", selective ? "selective" : "all", setup, run,
                  static_cast<long long>(sim.summary().commands_applied), static_cast<long long>(tr.rebuilt),
                  static_cast<long long>(tr.repaired), static_cast<long long>(tr.kept));
      std::fflush(stdout);
      rows.push_back(sim.timeseries());
    }
    if (rows.size() == 2)
      std::printf("  timeseries identical: %s\n", rows[0] == rows[1] ? "yes" : "NO (a bug: they must agree)");
  } catch (const std::exception& e) {
    std::fprintf(stderr, "bench_closures: %s\n", e.what());
    return 1;
  }
  return 0;
}
