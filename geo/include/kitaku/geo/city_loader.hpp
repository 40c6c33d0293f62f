#pragma once
// Turns a scenario's [city] table into a loaded network and the City on it:
// generates (and caches) the synthetic city, loads facilities, stations and
// zones (or the 1 km mesh), clips them to the network, and checks that every
// facility stands on the network.
#include <string>
#include <vector>

#include "kitaku/geo/network_import.hpp"
#include "kitaku/sim/city.hpp"
#include "kitaku/sim/scenario.hpp"

namespace kitaku::geo {

/// What load_city did, for the run report.
struct CityReport {
  std::string network_path;          // the file the network came from
  bool generated_synthetic = false;  // the synthetic city was generated (not cached)
  double generate_seconds = 0;
  std::size_t facilities_read = 0, facilities_clipped = 0;
  std::size_t shelters_read = 0, shelters_kept = 0, shelters_duplicate = 0;  // [city] shelters
  std::size_t evacuation_sites_read = 0;          // [city] evacuation_sites (kept: City::evacuation_sites)
  std::size_t capacity_default = 0, capacity_override = 0;  // facilities by capacity source
  /// One line each, for the terminal ("N of M facilities use the default capacity ...").
  std::vector<std::string> warnings;
  std::size_t stations_read = 0, stations_clipped = 0;
  std::size_t zones_read = 0, zones_clipped = 0;
  double population_read = 0, population_kept = 0;  // daytime persons before/after clipping
  double snap_max_m = 0, snap_mean_m = 0;           // facility distance to the network
};

struct LoadedCity {
  LoadedNetwork network;
  City city;
  CityReport report;
};

/// Resolves a synthetic city to its cached GeoPackage (generating it on first use)
/// and returns the CitySource pointing at its layers. Non-synthetic sources are returned as they are.
CitySource resolve_synthetic(const CitySource& source, CityReport* report = nullptr);

/// Applies the scenario's [[facility_capacity]] overrides to `facilities` (an override
/// naming no facility is an InputError naming the scenario and the name), counts the
/// capacity sources into `report`, and adds one warning when defaults are used.
void apply_capacity_overrides(const Scenario& scenario, std::vector<Facility>& facilities, CityReport& report);

/// Loads the scenario's city. Throws InputError naming the file and the problem:
/// a missing source, no population, a facility farther than facility_snap_max_m
/// from the network (its row and name).
LoadedCity load_city(const Scenario& scenario, const ProgressFn& network_progress = {});

}  // namespace kitaku::geo
