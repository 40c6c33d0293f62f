// Writing agents.csv for a large run: how long geo::write_agents_csv takes for N
// agents (default 1,000,000) with plausible records (about half walked, a third
// home, some in facilities, Japanese facility names). Only the writer is timed: the
// records are made up, not simulated.
//
//   bench_agents_csv [--agents N] [--out FILE]
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <random>
#include <string>

#include "bench_util.hpp"
#include "kitaku/geo/results.hpp"

using namespace kitaku;

int main(int argc, char** argv) {
  std::size_t n = 1'000'000;
  std::string out = (std::filesystem::temp_directory_path() / "kitaku-bench-agents.csv").string();
  for (int i = 1; i + 1 < argc; i += 2) {
    if (!std::strcmp(argv[i], "--agents")) n = std::strtoull(argv[i + 1], nullptr, 10);
    else if (!std::strcmp(argv[i], "--out")) out = argv[i + 1];
  }
  City city;
  for (int z = 0; z < 900; ++z) city.zones.push_back(Zone{"5339" + std::to_string(4000 + z), {}, {}, 0, 0, {}});
  for (int s = 0; s < 40; ++s) city.stations.push_back(Station{"駅" + std::to_string(s), {}, 0, 0, 0});
  for (int f = 0; f < 1250; ++f) {
    Facility fa;
    fa.name = "一時滞在施設 " + std::to_string(f);
    city.facilities.push_back(fa);
  }
  Population pop;
  pop.persons_per_agent = 17.76e6 / static_cast<double>(n);
  pop.persons_total = 17.76e6;
  AgentRecords r;
  std::mt19937_64 rng(7);
  std::uniform_real_distribution<double> u(0, 1);
  pop.origin.resize(n);
  pop.pos.resize(n);
  pop.home.resize(n);
  pop.home_km.resize(n);
  pop.activity.resize(n);
  pop.age.resize(n);
  pop.vulnerable.resize(n);
  pop.v_free.resize(n);
  pop.zone.resize(n);
  for (auto* v : {&r.departure_s, &r.arrival_home_s, &r.arrival_facility_s, &r.walking_s, &r.seconds_ge4, &r.seconds_ge6})
    v->assign(n, -1);
  r.stranded.resize(n);
  r.facility.assign(n, -1);
  r.state.resize(n);
  r.walked_network_m.resize(n);
  r.walked_off_network_m.resize(n);
  for (std::size_t i = 0; i < n; ++i) {
    pop.pos[i] = {-30000 + 60000 * u(rng), -30000 + 60000 * u(rng)};
    pop.home_km[i] = static_cast<float>(40 * u(rng));
    pop.activity[i] = static_cast<Activity>(i % kActivities);
    pop.age[i] = static_cast<AgeGroup>(i % 3);
    pop.zone[i] = u(rng) < 0.1 ? -1 - static_cast<std::int32_t>(i % 40) : static_cast<std::int32_t>(i % 900);
    r.stranded[i] = pop.home_km[i] > 15;
    const bool walked = u(rng) < 0.5;
    r.state[i] = AgentState::kStaying;
    r.walking_s[i] = r.seconds_ge4[i] = r.seconds_ge6[i] = 0;
    if (walked) {
      r.departure_s[i] = static_cast<std::int64_t>(7200 * u(rng));
      r.walking_s[i] = 10 * static_cast<std::int64_t>(3000 * u(rng));
      r.seconds_ge4[i] = r.walking_s[i] / 3;
      r.seconds_ge6[i] = r.walking_s[i] / 9;
      r.walked_network_m[i] = static_cast<float>(20000 * u(rng));
      if (u(rng) < 0.6) {
        r.arrival_home_s[i] = r.departure_s[i] + r.walking_s[i];
        r.walked_off_network_m[i] = static_cast<float>(1400 * u(rng));
        r.state[i] = AgentState::kArrivedHome;
      } else if (u(rng) < 0.5) {
        r.arrival_facility_s[i] = r.departure_s[i] + r.walking_s[i];
        r.facility[i] = static_cast<std::int32_t>(i % 1250);
        r.state[i] = AgentState::kSheltered;
      } else {
        r.state[i] = AgentState::kWalkingHome;
      }
    }
  }
  const auto t0 = std::chrono::steady_clock::now();
  geo::write_agents_csv(out, pop, city, r, 14 * 3600 + 46 * 60);
  const double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  const auto bytes = std::filesystem::file_size(out);
  std::printf("agents.csv: %zu agents, %.1f MB in %.2f s (%.0f MB/s); peak memory %.0f MiB\n", n,
              static_cast<double>(bytes) / 1e6, s, static_cast<double>(bytes) / 1e6 / s,
              bench::proc_status_mib("VmHWM"));
  std::filesystem::remove(out);
  return 0;
}
