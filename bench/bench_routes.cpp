// Route-tree benchmark: how long the shared shortest-path trees take to build on
// the R = 30 km synthetic city (560,000 nodes), the part of bench_sim that grows
// with the network rather than with the agents (docs/PERFORMANCE.md, "Route trees").
//
//   bench_routes [--radius-km 30] [--work DIR] [--full 40] [--bounded 2000]
//                [--bounded-m 4000] [--threads 1]
//
// Times, on one thread unless --threads says otherwise:
// - `--full` whole-network next-hop trees (build_next_hop_tree: home trees),
//   rooted at nodes spread over the city;
// - `--bounded` bounded trees of radius `--bounded-m` (build_bounded_tree:
//   facility trees), rooted likewise;
// and reports nanoseconds per settled node. Prints figures; never fails on a timing.
#include <omp.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <filesystem>
#include <string>
#include <vector>

#include "kitaku/geo/city_loader.hpp"
#include "kitaku/sim/route_trees.hpp"
#include "kitaku/sim/scenario.hpp"

namespace {

using Clock = std::chrono::steady_clock;
double seconds_since(Clock::time_point t0) { return std::chrono::duration<double>(Clock::now() - t0).count(); }

void usage() {
  std::fprintf(stderr,
               "usage: bench_routes [--radius-km R] [--work DIR] [--full N] [--bounded N] [--bounded-m M] "
               "[--threads T]\n");
  std::exit(2);
}

}  // namespace

int main(int argc, char** argv) {
  double radius = 30, bounded_m = 4000;
  int full = 40, bounded = 2000, threads = 1;
  std::string work;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    if (i + 1 >= argc) usage();
    if (a == "--radius-km") radius = std::strtod(argv[++i], nullptr);
    else if (a == "--work") work = argv[++i];
    else if (a == "--full") full = std::atoi(argv[++i]);
    else if (a == "--bounded") bounded = std::atoi(argv[++i]);
    else if (a == "--bounded-m") bounded_m = std::strtod(argv[++i], nullptr);
    else if (a == "--threads") threads = std::atoi(argv[++i]);
    else usage();
  }
  if (radius <= 0 || full < 0 || bounded < 0 || bounded_m <= 0 || threads <= 0) usage();
  try {
    if (!work.empty()) {
      std::filesystem::create_directories(work);
      setenv("KITAKU_CACHE_DIR", work.c_str(), 1);
    }
    kitaku::Scenario sc;
    sc.name = "bench_routes";
    sc.city.synthetic_radius_km = radius;
    sc.city.synthetic_seed = 1;
    const auto t_load = Clock::now();
    kitaku::geo::LoadedCity lc = kitaku::geo::load_city(sc);
    const kitaku::Network& net = lc.network.network;
    const std::size_t n = net.node_count();
    std::printf("bench_routes: radius %g km, %zu nodes, %zu edges (loaded in %.2f s), %d thread%s\n", radius, n,
                net.edge_count(), seconds_since(t_load), threads, threads == 1 ? "" : "s");
    // Weights as the simulation's base variant: arc lengths (road-class factors are 1
    // on the synthetic city's walkable classes; the search does not care).
    std::vector<float> w(net.arc_count());
    for (std::size_t a = 0; a < w.size(); ++a) w[a] = net.length(kitaku::ArcId{static_cast<std::uint32_t>(a)});
    auto root = [&](int i, int count) {
      // Spread roots over the node ids (the synthetic city numbers nodes spatially).
      return kitaku::NodeId{static_cast<std::uint32_t>((static_cast<std::uint64_t>(2 * i + 1) * n) / (2 * count))};
    };
    omp_set_num_threads(threads);

    if (full > 0) {
      // The radix-heap builder the simulation uses, then Boost's Dijkstra (4-ary heap),
      // alternately in rounds so that a change in machine load hits both alike.
      using Builder = void (*)(const kitaku::Network&, const std::vector<float>&, kitaku::NodeId, kitaku::NextHopTree&);
      const Builder builders[2] = {kitaku::build_next_hop_tree, kitaku::build_next_hop_tree_boost};
      const char* names[2] = {"radix heap (used)", "Boost dijkstra_shortest_paths_no_color_map"};
      double secs[2] = {0, 0};
      std::size_t reached = 0;
      bool same = true;
      constexpr int kRounds = 4;
      for (int round = 0; round < kRounds; ++round)
        for (int b = 0; b < 2; ++b) {
          std::vector<kitaku::NextHopTree> trees(static_cast<std::size_t>(full));
          const auto t0 = Clock::now();
#pragma omp parallel for schedule(dynamic, 1)
          for (int i = round; i < full; i += kRounds)
            builders[b](net, w, root(i, full), trees[static_cast<std::size_t>(i)]);
          secs[b] += seconds_since(t0);
          if (b == 0) {
            for (int i = round; i < full; i += kRounds)
              for (const auto v : trees[static_cast<std::size_t>(i)].slot) reached += v != kitaku::kNoRoute;
            std::vector<kitaku::NextHopTree> ref(1);
            kitaku::build_next_hop_tree_boost(net, w, root(round, full), ref[0]);
            same = same && ref[0].slot == trees[static_cast<std::size_t>(round)].slot;
          }
        }
      for (int b = 0; b < 2; ++b)
        std::printf("  whole-network trees, %s: %d in %.3f s, %.1f ms each, %.1f ns per node reached\n", names[b],
                    full, secs[b], 1e3 * secs[b] / full, 1e9 * secs[b] / static_cast<double>(reached));
      std::printf("  ratio Boost / radix heap: %.2f; trees identical: %s\n", secs[1] / secs[0], same ? "yes" : "NO");
    }
    if (bounded > 0) {
      std::vector<kitaku::BoundedTree> trees(static_cast<std::size_t>(bounded));
      const auto t0 = Clock::now();
#pragma omp parallel for schedule(dynamic, 16)
      for (int i = 0; i < bounded; ++i)
        kitaku::build_bounded_tree(net, w, root(i, bounded), bounded_m, trees[static_cast<std::size_t>(i)]);
      const double s = seconds_since(t0);
      std::size_t nodes = 0;
      for (const auto& t : trees) nodes += t.nodes.size();
      std::printf("  bounded trees (%.0f m): %d in %.3f s, %.3f ms each, %.0f nodes each, %.1f ns per node\n",
                  bounded_m, bounded, s, 1e3 * s / bounded, static_cast<double>(nodes) / bounded,
                  1e9 * s / static_cast<double>(nodes));
    }
  } catch (const std::exception& e) {
    std::fprintf(stderr, "bench_routes: %s\n", e.what());
    return 1;
  }
  return 0;
}
