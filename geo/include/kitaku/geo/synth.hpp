#pragma once
// A synthetic Tokyo-like city, written as GeoPackage layers (roads, stations,
// facilities, zones). It is the embedded default scenario's data and, at a 30 km
// radius, the scale benchmark's.
#include <cstdint>
#include <string>

namespace kitaku::geo {

/// Bump whenever the generator's output for the same options changes: files cached
/// under a name carrying it (kitaku run) are then regenerated, never reused stale.
inline constexpr int kSynthVersion = 2;  // 2: sidewalks on every road

struct SynthOptions {
  double radius_km = 10;
  std::uint64_t seed = 1;
  /// Facility places as a share of the daytime population. 0.10 is what the design
  /// asks for; Tokyo's own ratio is 471,270 / 17.76 M ≈ 0.027 per daytime person
  /// (10.4 % of its 4.53 M stranded): docs/synthetic-city.md, "Capacity ratio".
  double capacity_share = 0.10;
};

struct SynthReport {
  std::size_t roads = 0, stations = 0, facilities = 0, zones = 0;
  double road_km = 0;
  double day_population = 0;
  double facility_capacity = 0;
  /// Street segments between crossings: the edges an importer that splits lines at
  /// vertices shared by two or more features builds (before its cleaning steps).
  std::size_t segments = 0;
};

/// Writes OUT (a .gpkg) atomically; the same options give identical layer content.
SynthReport write_synthetic_city(const std::string& out_gpkg, const SynthOptions& options);

}  // namespace kitaku::geo
