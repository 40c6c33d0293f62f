#pragma once
// A synthetic Tokyo-like city, written as GeoPackage layers (roads, stations,
// facilities, zones). It is the embedded default scenario's data and, at a 30 km
// radius, the scale benchmark's.
#include <cstdint>
#include <string>
#include <vector>

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
  /// "circle": the Tokyo-like disk of docs/synthetic-city.md. "metropolis": the same
  /// street lattice around the real Tokyo station, with the real 1 km mesh's people
  /// (mesh_polygons joined with mesh_population, as load_mesh_zones does), the six hub
  /// stations at their real places, Tokyo Bay left out, and the Sumida, Ara and Tama
  /// rivers crossed only at bridges (docs/synthetic-city.md, "The metropolis").
  std::string kind = "circle";
  std::string mesh_polygons{}, mesh_population{};
};

/// One river of the metropolis and what cutting it left.
struct RiverReport {
  std::string name;
  double length_km = 0;         // of its line inside the city
  std::size_t crossings = 0;    // street segments that crossed it before the cut
  std::size_t bridges = 0;      // of them kept, as features with bridge = yes
  std::size_t main_bridges = 0; // of those, trunk and primary roads
};

struct SynthReport {
  std::size_t roads = 0, stations = 0, facilities = 0, zones = 0;
  double road_km = 0;
  double day_population = 0;
  double facility_capacity = 0;
  /// Street segments between crossings: the edges an importer that splits lines at
  /// vertices shared by two or more features builds (before its cleaning steps).
  std::size_t segments = 0;
  // The metropolis only:
  std::vector<RiverReport> rivers;
  std::size_t dropped_roads = 0;     // cut off from the largest connected part (islands, far banks)
  double mesh_day_total = 0;         // the whole mesh's daytime people, before the radius clips it
};

/// Writes OUT (a .gpkg) atomically; the same options give identical layer content.
SynthReport write_synthetic_city(const std::string& out_gpkg, const SynthOptions& options);

}  // namespace kitaku::geo
