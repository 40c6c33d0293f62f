// Import benchmark on the synthetic city: generate it (cached in the work folder),
// then time geo::load_network from the GeoPackage without the cache, the first
// cached load (which writes the cache) and the cached reload.
//
//   bench_import --radius-km 30 --work DIR [--seed S]
//
// Run one radius per process: peak memory (VmHWM) is per process. Where the kernel
// allows it, the peak is reset before each step so each step's own peak is shown.
// Prints figures; never fails on a timing.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <filesystem>
#include <fstream>
#include <string>

#include "bench_util.hpp"
#include "kitaku/geo/network_import.hpp"
#include "kitaku/geo/synth.hpp"

namespace {

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

using kitaku::bench::proc_status_mib;
using kitaku::bench::reset_peak;

void usage() {
  std::fprintf(stderr, "usage: bench_import --radius-km R --work DIR [--seed S]\n");
  std::exit(2);
}

}  // namespace

int main(int argc, char** argv) {
  double radius = 0;
  std::string work;
  unsigned long long seed = 1;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    if (i + 1 >= argc) usage();
    if (a == "--radius-km") radius = std::strtod(argv[++i], nullptr);
    else if (a == "--work") work = argv[++i];
    else if (a == "--seed") seed = std::strtoull(argv[++i], nullptr, 10);
    else usage();
  }
  if (radius <= 0 || work.empty()) usage();

  try {
    fs::create_directories(work);
    char stem[64];
    std::snprintf(stem, sizeof stem, "synth-r%g-s%llu", radius, seed);
    const std::string gpkg = (fs::path(work) / (std::string(stem) + ".gpkg")).string();
    const std::string cache = (fs::path(work) / (std::string(stem) + "-cache")).string();

    std::printf("bench_import: radius %g km, seed %llu, work %s\n", radius, seed, work.c_str());
    if (fs::exists(gpkg)) {
      std::printf("  city        reusing %s\n", gpkg.c_str());
    } else {
      const auto t0 = Clock::now();
      const kitaku::geo::SynthReport r = kitaku::geo::write_synthetic_city(gpkg, {radius, seed});
      std::printf("  city        generated in %.2f s: %zu road features, %zu segments, %.0f km\n",
                  std::chrono::duration<double>(Clock::now() - t0).count(), r.roads, r.segments, r.road_km);
    }
    std::printf("  file        %.1f MiB\n", static_cast<double>(fs::file_size(gpkg)) / (1024.0 * 1024.0));
    std::error_code ec;
    fs::remove_all(cache, ec);  // so the first cached load really builds the cache

    double process_peak = proc_status_mib("VmHWM");  // generation included
    const bool per_step = reset_peak();
    std::printf("  peak memory %s\n", per_step ? "per step (VmHWM reset before each)" : "process peak so far (VmHWM)");
    std::printf("  %-22s %9s %10s %10s %8s %11s\n", "step", "wall s", "edges", "nodes", "cache", "peak MiB");
    const auto step = [&](const char* name, bool use_cache) {
      kitaku::geo::ImportOptions opt;
      opt.layer = "roads";
      opt.use_cache = use_cache;
      opt.cache_dir = cache;
      if (per_step) reset_peak();
      const auto t0 = Clock::now();
      const kitaku::geo::LoadedNetwork net = kitaku::geo::load_network(gpkg, opt);
      const double secs = std::chrono::duration<double>(Clock::now() - t0).count();
      const double peak = proc_status_mib("VmHWM");
      process_peak = std::max(process_peak, peak);
      std::printf("  %-22s %9.2f %10zu %10zu %8s %11.0f\n", name, secs, net.network.edge_count(),
                  net.network.node_count(), net.report.from_cache ? "hit" : (use_cache ? "written" : "off"), peak);
      std::fflush(stdout);
    };
    step("import, no cache", false);
    step("first cached load", true);
    step("cached reload", true);
    std::printf("  process peak %.0f MiB\n", process_peak);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "bench_import: %s\n", e.what());
    return 1;
  }
  return 0;
}
