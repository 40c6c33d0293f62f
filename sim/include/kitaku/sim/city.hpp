#pragma once
// What stands on the network: temporary stay facilities, stations and population
// zones. Plain data in the network's projected CRS; geo/ loads and writes them.
#include <array>
#include <cstdint>
#include <string>
#include <vector>

#include "kitaku/sim/geometry.hpp"

namespace kitaku {

/// What a place to go is (docs/facilities.md, "Kinds"): a temporary stay facility
/// for stranded commuters (一時滞在施設), a municipality's designated shelter
/// (指定避難所, mostly schools), or a designated emergency evacuation site
/// (指定緊急避難場所, mostly open spaces: shown, not a place to stay the night).
enum class FacilityKind : std::uint8_t { kTemporaryStay, kDesignatedShelter, kEvacuationSite };
/// Where a facility's capacity came from: its file's capacity column, a scenario's
/// [[facility_capacity]] override, or the default for its kind.
enum class CapacitySource : std::uint8_t { kFile, kOverride, kDefault };

/// A place stranded people can stay: a temporary stay facility (一時滞在施設) or a
/// designated shelter (kind).
struct Facility {
  std::string name;           // UTF-8, Japanese names kept as they are
  std::string area;           // ward / municipality or zone label, may be empty
  Point pos;                  // network CRS
  double lon = 0, lat = 0;    // WGS84
  std::int32_t capacity = 0;  // persons
  CapacitySource capacity_source = CapacitySource::kFile;
  FacilityKind kind = FacilityKind::kTemporaryStay;
  std::int64_t source_id = -1;       // feature id / row number in the source
  bool capacity_is_default() const noexcept { return capacity_source == CapacitySource::kDefault; }
};

/// "temporary_stay", "designated_shelter", "evacuation_site" (outputs, scenario keys).
inline const char* facility_kind_name(FacilityKind k) noexcept {
  switch (k) {
    case FacilityKind::kDesignatedShelter: return "designated_shelter";
    case FacilityKind::kEvacuationSite: return "evacuation_site";
    default: return "temporary_stay";
  }
}
/// "file", "override", "default".
inline const char* capacity_source_name(CapacitySource s) noexcept {
  switch (s) {
    case CapacitySource::kOverride: return "override";
    case CapacitySource::kDefault: return "default";
    default: return "file";
  }
}

struct Station {
  std::string name;
  Point pos;
  double lon = 0, lat = 0;
  double daily_riders = 0;    // boardings + alightings per day
};

/// Distance-to-home bands used by zones (km): [0,5) [5,10) [10,15) [15,20) [20,30) [30,inf).
/// The bands' edges match the Tokyo distance rule (10 and 20 km), DOMAIN.md.
inline constexpr std::array<double, 7> kHomeBandEdgesKm{0, 5, 10, 15, 20, 30, 1e9};
inline constexpr std::size_t kHomeBands = 6;

struct Zone {
  std::string id;
  std::vector<std::vector<Point>> rings;  // outer ring first, then holes (network CRS)
  Point centroid;
  double day_population = 0;      // weekday daytime
  double night_population = 0;
  std::array<double, kHomeBands> home_share{};  // share of daytime population per home band; sums to 1
};

/// A raster of JMA instrumental intensity in the network's CRS (from a GeoTIFF named
/// by [seismic] intensity_raster, read by geo/). Row 0 is the southern edge.
struct IntensityGrid {
  double x0 = 0, y0 = 0;   // south-west corner
  double cell_x = 0, cell_y = 0;
  int nx = 0, ny = 0;
  std::vector<float> value;  // nx * ny, NaN where there is no data
  bool empty() const noexcept { return value.empty(); }
};

/// One row of explicit demand ([population] source = "trips" or "crowdwalk"): a group
/// that sets off from `origin` at `departure_s` and walks to `destination`.
struct Trip {
  Point origin;                  // network CRS
  Point destination;             // network CRS; used when has_destination
  bool has_destination = true;   // false: home_km away, in a direction drawn per agent
  double home_km = 0;
  std::int64_t departure_s = 0;  // seconds after the quake (>= 0)
  std::int64_t agents = 1;       // agents of this row (persons / persons_per_agent)
  std::int32_t group = -1;       // the file's group number, -1 when none
  std::int64_t row = 0;          // the row (or rule) in the source, 1-based, for agents.csv
};

/// Everything that stands on a network, in its CRS.
struct City {
  std::vector<Facility> facilities;
  /// Designated emergency evacuation sites ([city] evacuation_sites): open spaces to
  /// flee to from fire, drawn on the map but not places to stay the night, so not
  /// facilities the simulation fills (docs/facilities.md, "Kinds").
  std::vector<Facility> evacuation_sites;
  std::vector<Station> stations;
  std::vector<Zone> zones;
  std::vector<Trip> trips;   // explicit demand; empty unless the scenario reads a trips file
  IntensityGrid intensity;   // empty unless the scenario gives an intensity raster
};

}  // namespace kitaku
