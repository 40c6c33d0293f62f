// Simulation benchmark (issue: 1,000,000 agents on the R = 30 km synthetic city,
// 24 simulated hours, 1 and 2 threads). Builds the scenario in code, loads the city
// once (geo::load_city, cached in the work folder), then for each thread count
// constructs a fresh Simulation (timed apart: population placement, edges, trees)
// and runs it to the end.
//
//   bench_sim [--radius-km 30] [--agents 1000000] [--hours 24] [--step-s 10]
//             [--threads 1,2] [--seed 1] [--work DIR] [--home-cell-m 4000] [--route-variants 1]
//             [--persons-per-agent P]
// --persons-per-agent P scales the city's people ([population] scale) so that the
// N agents stand for P persons each: --persons-per-agent 1 is a person-level run
// (issue #16) of N people on the same roads. Without it the city keeps its own
// population (29.7 M at R = 30) and each agent stands for population / N.
// Routing defaults are coarser than a scenario's (2000 m x 3): on a 60 km city
// those would ask for ~8,000 whole-network trees (docs/PERFORMANCE.md).
//
// --step-s defaults to 10 s, not the scenario default of 5 s: a walker moves
// v·dt per step and crosses at most one node per step (the rest of its distance
// is carried onto the next arc), so 10 s halves the work for a small distortion
// of queues (docs/PERFORMANCE.md, "Simulation engine").
//
// Peak memory is VmHWM. Where the kernel allows it the peak is reset before each
// thread count, so each row shows that run's own peak (the loaded city included);
// otherwise it is the process peak so far, and runs are best measured one per
// process (--threads 2 alone). Prints figures; never fails on a timing.
#include <chrono>
#include <cstdio>
#include <ctime>
#include <cstdlib>
#include <exception>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "bench_util.hpp"
#include "kitaku/geo/city_loader.hpp"
#include "kitaku/sim/scenario.hpp"
#include "kitaku/sim/simulation.hpp"

namespace {

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

double seconds_since(Clock::time_point t0) { return std::chrono::duration<double>(Clock::now() - t0).count(); }

/// CPU seconds used by the process (all threads): steadier than wall time on a busy machine.
double cpu_seconds() { return static_cast<double>(std::clock()) / CLOCKS_PER_SEC; }

using kitaku::bench::proc_status_mib;
using kitaku::bench::reset_peak;

/// The 1-minute load average, or -1.
double load_average() {
  std::ifstream in("/proc/loadavg");
  double l = -1;
  in >> l;
  return l;
}

void usage() {
  std::fprintf(stderr,
               "usage: bench_sim [--radius-km R] [--agents N] [--hours H] [--step-s S] [--threads 1,2]\n"
               "                 [--seed S] [--work DIR] [--home-cell-m M] [--route-variants V]\n"
               "                 [--persons-per-agent P]\n");
  std::exit(2);
}

std::vector<int> parse_threads(const std::string& list) {
  std::vector<int> out;
  std::stringstream ss(list);
  std::string item;
  while (std::getline(ss, item, ',')) {
    const int n = std::atoi(item.c_str());
    if (n <= 0) usage();
    out.push_back(n);
  }
  if (out.empty()) usage();
  return out;
}

struct RunResult {
  int threads = 0;
  double setup_s = 0, run_s = 0, run_cpu_s = 0, peak_mib = 0;
  kitaku::Summary summary;
};

}  // namespace

int main(int argc, char** argv) {
  double radius = 30, hours = 24, home_cell = 4000;
  int route_variants = 1;
  long long agents = 1000000;
  int step_s = 10;
  std::string threads_list = "1,2", work;
  unsigned long long seed = 1;
  double persons_per_agent = 0;  // 0: the city's own population
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    if (i + 1 >= argc) usage();
    if (a == "--radius-km") radius = std::strtod(argv[++i], nullptr);
    else if (a == "--agents") agents = std::strtoll(argv[++i], nullptr, 10);
    else if (a == "--hours") hours = std::strtod(argv[++i], nullptr);
    else if (a == "--step-s") step_s = std::atoi(argv[++i]);
    else if (a == "--threads") threads_list = argv[++i];
    else if (a == "--seed") seed = std::strtoull(argv[++i], nullptr, 10);
    else if (a == "--work") work = argv[++i];
    else if (a == "--home-cell-m") home_cell = std::strtod(argv[++i], nullptr);
    else if (a == "--route-variants") route_variants = std::atoi(argv[++i]);
    else if (a == "--persons-per-agent") {
      persons_per_agent = std::strtod(argv[++i], nullptr);
      if (!(persons_per_agent > 0)) usage();
    }
    else usage();
  }
  if (radius <= 0 || agents <= 0 || hours <= 0 || step_s <= 0 || home_cell <= 0 || route_variants <= 0) usage();
  const std::vector<int> thread_counts = parse_threads(threads_list);

  try {
    if (!work.empty()) {
      fs::create_directories(work);
      setenv("KITAKU_CACHE_DIR", work.c_str(), 1);  // the synthetic city and the network cache go there
    }
    kitaku::Scenario sc;
    sc.name = "bench_sim";
    sc.origin = "<bench_sim>";
    sc.seed = seed;
    sc.city.synthetic_radius_km = radius;
    sc.city.synthetic_seed = 1;
    sc.population.agents = agents;
    sc.behaviour.retention_share = 0.3;  // as scenarios/default.toml
    sc.behaviour.retention_hours = 72;
    sc.run.duration_h = hours;
    sc.run.step_s = step_s;
    sc.run.output_interval_s = 300;
    sc.routing.home_cell_m = home_cell;
    sc.routing.route_variants = route_variants;

    std::printf("bench_sim: radius %g km, %lld agents, %g h in %d s steps, seed %llu, home cell %g m x %d route "
                "variants, threads %s\n",
                radius, agents, hours, step_s, seed, home_cell, route_variants, threads_list.c_str());
    std::printf("  load average %.2f at start\n", load_average());
    std::fflush(stdout);

    const auto t_load = Clock::now();
    kitaku::geo::LoadedCity lc = kitaku::geo::load_city(sc);
    const kitaku::Network& net = lc.network.network;
    std::printf("  city        %s%s\n", lc.report.network_path.c_str(),
                lc.report.generated_synthetic ? " (generated)" : " (cached)");
    std::printf("  loaded in %.2f s: %zu nodes, %zu edges, %zu facilities, %.0f people by day; peak %.0f MiB\n",
                seconds_since(t_load), net.node_count(), net.edge_count(), lc.city.facilities.size(),
                lc.report.population_kept, proc_status_mib("VmHWM"));
    if (persons_per_agent > 0) {
      const double people = lc.report.population_kept;  // the zones' day population
      sc.population.scale = static_cast<double>(agents) * persons_per_agent / people;
      std::printf("  population scaled by %.4f to %.0f people: %g person%s per agent\n", sc.population.scale,
                  people * sc.population.scale, persons_per_agent, persons_per_agent == 1 ? "" : "s");
    }
    const bool per_run = reset_peak();
    std::printf("  peak memory %s\n",
                per_run ? "per run (VmHWM reset before each; the loaded city included)"
                        : "process peak so far (VmHWM; run one thread count per process for clean figures)");
    std::fflush(stdout);

    std::vector<RunResult> results;
    for (const int threads : thread_counts) {
      if (per_run) reset_peak();
      kitaku::RunConfig cfg;
      cfg.seed = seed;
      cfg.threads = threads;
      RunResult r;
      r.threads = threads;
      const auto t_setup = Clock::now();
      kitaku::Simulation sim(net, lc.city, sc, cfg);
      r.setup_s = seconds_since(t_setup);
      std::fprintf(stderr, "  [%d thr] set up in %.2f s (%zu agents), peak %.0f MiB\n", threads, r.setup_s,
                   sim.agent_count(), proc_status_mib("VmHWM"));
      const auto t_run = Clock::now();
      const double cpu0 = cpu_seconds();
      std::int64_t next_report = 3600;
      while (!sim.done()) {
        sim.step();
        if (sim.time_s() >= next_report || sim.done()) {
          std::fprintf(stderr, "  [%d thr] %5.1f h simulated, %7.1f s wall, %.0f M updates, peak %.0f MiB, load %.2f\n",
                       threads, static_cast<double>(sim.time_s()) / 3600, seconds_since(t_run),
                       static_cast<double>(sim.summary().agent_steps) / 1e6, proc_status_mib("VmHWM"),
                       load_average());
          while (next_report <= sim.time_s()) next_report += 3600;
        }
      }
      r.run_s = seconds_since(t_run);
      r.run_cpu_s = cpu_seconds() - cpu0;
      r.summary = sim.summary();
      r.peak_mib = proc_status_mib("VmHWM");
      results.push_back(r);
      const double ups = r.run_s > 0 ? static_cast<double>(r.summary.agent_steps) / r.run_s : 0;
      std::printf("  %d thread%s: setup %.2f s, run %.2f s (%.2f CPU s), total %.2f s, %lld agent updates, "
                  "%.2f M updates/s, peak %.0f MiB, load %.2f\n",
                  threads, threads == 1 ? " " : "s", r.setup_s, r.run_s, r.run_cpu_s, r.setup_s + r.run_s,
                  static_cast<long long>(r.summary.agent_steps), ups / 1e6, r.peak_mib, load_average());
      std::printf("      person-min >= 6 p/m2 %.1f, arrived home %.1f, peak sheltered %.1f, peak outdoors %.1f\n",
                  r.summary.person_minutes_ge6, r.summary.arrived_home, r.summary.peak_sheltered,
                  r.summary.peak_unsheltered_stranded);
      {
        using P = kitaku::Simulation::Phase;
        const auto ph = sim.phase_seconds();
        std::printf("      wall by phase:");
        for (int p = 0; p < static_cast<int>(P::kCount); ++p)
          std::printf(" %s %.2f s%s", kitaku::Simulation::phase_name(static_cast<P>(p)),
                      ph[static_cast<std::size_t>(p)], p + 1 < static_cast<int>(P::kCount) ? "," : "\n");
      }
      std::fflush(stdout);
    }

    std::printf("  %-8s %9s %9s %9s %9s %14s %12s %10s\n", "threads", "setup s", "run s", "run CPU s", "total s",
                "agent updates", "M updates/s", "peak MiB");
    for (const auto& r : results)
      std::printf("  %-8d %9.2f %9.2f %9.2f %9.2f %14lld %12.2f %10.0f\n", r.threads, r.setup_s, r.run_s, r.run_cpu_s,
                  r.setup_s + r.run_s, static_cast<long long>(r.summary.agent_steps),
                  r.run_s > 0 ? static_cast<double>(r.summary.agent_steps) / r.run_s / 1e6 : 0.0, r.peak_mib);
    for (std::size_t i = 0; i < results.size(); ++i)
      for (std::size_t j = 0; j < results.size(); ++j)
        if (results[i].threads == 1 && results[j].threads > 1) {  // in either order of --threads
          const double ti = results[i].setup_s + results[i].run_s, tj = results[j].setup_s + results[j].run_s;
          std::printf("  speed-up 1 -> %d threads: run %.2fx, total %.2fx\n", results[j].threads,
                      results[i].run_s / results[j].run_s, ti / tj);
        }
    if (results.size() > 1) {
      bool same = true;
      for (const auto& r : results) {
        const auto& a = r.summary;
        const auto& b = results.front().summary;
        same = same && a.person_minutes_ge6 == b.person_minutes_ge6 && a.arrived_home == b.arrived_home &&
               a.peak_sheltered == b.peak_sheltered && a.agent_steps == b.agent_steps;
      }
      std::printf("  identical: %s (person-minutes >= 6, arrived home, peak sheltered, agent updates)\n",
                  same ? "yes" : "no");
    }
    std::printf("  VmHWM %.0f MiB, load average %.2f at end\n", proc_status_mib("VmHWM"), load_average());
  } catch (const std::exception& e) {
    std::fprintf(stderr, "bench_sim: %s\n", e.what());
    return 1;
  }
  return 0;
}
