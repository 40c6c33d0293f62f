// kitaku run [SCENARIO]: the main job. Until the simulation engine lands it loads
// the scenario's city (generating the synthetic one on first use), and prints the
// network statistics and a headless summary of who is stranded and where they
// could stay.
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <numeric>
#include <string>

#include "commands.hpp"
#include "format.hpp"
#include "kitaku/geo/facilities.hpp"
#include "kitaku/geo/gdal_util.hpp"
#include "kitaku/geo/network_import.hpp"
#include "kitaku/geo/synth.hpp"
#include "kitaku/sim/distance_rule.hpp"
#include "kitaku/sim/scenario.hpp"

namespace kitaku::app {
extern const char* const kDefaultScenarioToml;
namespace {

struct RunOptions {
  std::string scenario;  // empty: the embedded default
};

double seconds_since(std::chrono::steady_clock::time_point t0) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}

void run(const RunOptions& o) {
  const Scenario sc = o.scenario.empty()
                          ? parse_scenario(kDefaultScenarioToml, "<embedded default>", ".")
                          : load_scenario(o.scenario);
  std::printf("Kitaku %s | scenario: %s (%s)\n", KITAKU_VERSION, sc.name.c_str(), sc.origin.c_str());

  CitySource city = sc.city;
  if (city.synthetic()) {
    namespace fs = std::filesystem;
    const fs::path dir = fs::path(geo::cache_dir()) / "synth";
    fs::create_directories(dir);
    char file[96];
    std::snprintf(file, sizeof file, "city-v%d-r%g-s%llu.gpkg", geo::kSynthVersion, city.synthetic_radius_km,
                  static_cast<unsigned long long>(city.synthetic_seed));
    city.network = (dir / file).string();
    city.network_layer = "roads";
    city.facilities = city.stations = city.zones = city.network;
    if (!fs::exists(city.network)) {
      std::printf("Generating the synthetic city (radius %g km, seed %llu) ...\n", city.synthetic_radius_km,
                  static_cast<unsigned long long>(city.synthetic_seed));
      std::fflush(stdout);
      const auto t0 = std::chrono::steady_clock::now();
      geo::write_synthetic_city(city.network, {city.synthetic_radius_km, city.synthetic_seed});
      std::printf("  written %s in %.1f s\n", city.network.c_str(), seconds_since(t0));
    }
  }

  geo::ImportOptions io;
  io.layer = city.network_layer;
  io.target_epsg = city.crs_epsg;
  const auto loaded = load_network_with_progress(city.network, io);
  const Network& net = loaded.network;
  std::printf("\nNetwork\n");
  print_network_report(loaded);
  const bool synth = sc.city.synthetic();
  double day = 0, night = 0, stranded = 0;
  std::size_t zone_count = 0;
  if (!city.zones.empty()) {
    const auto zones = geo::load_zones(city.zones, net.crs_wkt(), synth ? "zones" : "");
    zone_count = zones.size();
    for (const auto& z : zones) {
      day += z.day_population;
      night += z.night_population;
      stranded += expected_stranded(z);
    }
    std::printf("\nPopulation  %zu zones: %s by day, %s by night\n", zone_count, thousands(day).c_str(),
                thousands(night).c_str());
    std::printf("  cannot get home by the distance rule (Tokyo 2022 estimate, §3.5.2): %s (%.1f %% of the day population)\n",
                thousands(stranded).c_str(), day > 0 ? 100 * stranded / day : 0.0);
  }
  if (!city.stations.empty()) {
    geo::PointSourceOptions so;
    if (synth) so.layer = "stations";
    const auto st = geo::load_stations(city.stations, net.crs_wkt(), so);
    double riders = 0;
    for (const auto& s : st) riders += s.daily_riders;
    std::printf("\nStations  %zu, %s riders a day\n", st.size(), thousands(riders).c_str());
  }
  if (!city.facilities.empty()) {
    geo::PointSourceOptions fo;
    if (synth) fo.layer = "facilities";
    const auto fac = geo::load_facilities(city.facilities, net.crs_wkt(), fo);
    const double cap = std::accumulate(fac.begin(), fac.end(), 0.0,
                                       [](double s, const Facility& f) { return s + f.capacity; });
    std::printf("\nTemporary stay facilities  %zu, capacity %s", fac.size(), thousands(cap).c_str());
    if (stranded > 0) std::printf(" = %.1f %% of those who cannot get home", 100 * cap / stranded);
    std::printf("\n  (Tokyo: 471,270 places for about 4.53 million stranded, 10.4 %%; DOMAIN.md)\n");
    const SpatialIndex index(net);
    const auto snap = geo::snap_facilities(fac, index);
    std::printf("  snapped to the network: mean %.1f m, max %.1f m; %zu beyond %.0f m\n", snap.mean_dist_m,
                snap.max_dist_m, snap.far.size(), snap.threshold_m);
  }
  std::printf("\nThe simulation engine and dashboard are not built yet; this run checked the city's inputs.\n");
}

}  // namespace

void add_run_command(CLI::App& app) {
  auto opts = std::make_shared<RunOptions>();
  auto* cmd = app.add_subcommand("run", "Run a scenario (default: the embedded default scenario)");
  cmd->add_option("scenario", opts->scenario, "Scenario TOML file (docs/scenario-format.md)")->check(CLI::ExistingFile);
  cmd->callback([opts] { run(*opts); });
}

}  // namespace kitaku::app
