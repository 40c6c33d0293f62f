// kitaku synth --radius-km R --seed S OUT.gpkg: writes the synthetic Tokyo-like city.
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <memory>
#include <string>

#include "commands.hpp"
#include "seed_option.hpp"
#include "kitaku/geo/synth.hpp"
#include "kitaku/sim/error.hpp"

namespace kitaku::app {
namespace {

struct SynthArgs {
  geo::SynthOptions options;
  std::string out;
};

void run_synth(const SynthArgs& a) {
  if (!a.out.ends_with(".gpkg")) throw InputError(a.out, "", "the output must be a GeoPackage (.gpkg)");
  const auto t0 = std::chrono::steady_clock::now();
  const geo::SynthReport r = geo::write_synthetic_city(a.out, a.options);
  const double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  std::printf("wrote %s in %.1f s (%s, radius %g km, seed %llu, EPSG:6677)\n", a.out.c_str(), secs,
              a.options.kind.c_str(), a.options.radius_km, static_cast<unsigned long long>(a.options.seed));
  std::printf("  roads       %zu features, %.0f km, %zu segments between crossings\n", r.roads, r.road_km,
              r.segments);
  std::printf("  stations    %zu\n", r.stations);
  std::printf("  facilities  %zu, capacity %.0f (%.1f %% of the daytime population)\n", r.facilities,
              r.facility_capacity, r.day_population > 0 ? 100.0 * r.facility_capacity / r.day_population : 0.0);
  std::printf("  zones       %zu (1 km squares), daytime population %.0f\n", r.zones, r.day_population);
  if (a.options.kind == "metropolis") {
    std::printf("  mesh        %.0f people by day in the whole file, %.1f %% of them inside the radius\n",
                r.mesh_day_total, r.mesh_day_total > 0 ? 100.0 * r.day_population / r.mesh_day_total : 0.0);
    for (const geo::RiverReport& rv : r.rivers)
      std::printf("  river       %s: %.1f km inside, %zu bridges (%zu trunk or primary) of %zu crossings\n",
                  rv.name.c_str(), rv.length_km, rv.bridges, rv.main_bridges, rv.crossings);
    std::printf("  dropped     %zu road features cut off from the largest connected part\n", r.dropped_roads);
  }
}

}  // namespace

void add_synth_command(CLI::App& app) {
  auto args = std::make_shared<SynthArgs>();
  CLI::App* cmd = app.add_subcommand("synth", "Write the synthetic Tokyo-like city (roads, stations, facilities, zones) as a GeoPackage");
  cmd->add_option("--radius-km", args->options.radius_km, "radius of the city in km, in (0, 100]")
      ->capture_default_str();
  add_seed_option(*cmd, "--seed", args->options.seed, "random seed, 0 to 2^63 - 1: the same seed gives the same city")
      ->default_str(std::to_string(args->options.seed));
  cmd->add_option("--capacity-share", args->options.capacity_share,
                  "facility places as a share of the daytime population, in (0, 1] (Tokyo: 0.027)")
      ->capture_default_str();
  cmd->add_option("--kind", args->options.kind,
                  "circle (the Tokyo-like disk) or metropolis (the real 1 km mesh's people, hubs, bay and rivers)")
      ->capture_default_str();
  cmd->add_option("--mesh", args->options.mesh_polygons,
                  "metropolis: the 1 km mesh polygons (property code), e.g. "
                  "../shared/data/population/tokyo_mesh1km_polygons_epsg6668.geojson");
  cmd->add_option("--mesh-population", args->options.mesh_population,
                  "metropolis: the MLIT people-flow CSV on those meshes (weekday day and night)");
  cmd->add_option("OUT", args->out, "output GeoPackage (.gpkg), written atomically")->required();
  cmd->callback([args] { run_synth(*args); });
}

}  // namespace kitaku::app
