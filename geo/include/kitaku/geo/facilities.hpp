#pragma once
// Facilities, stations and population zones from GeoPackage, GeoJSON, or CSV
// with lat/lon columns, projected into the network's CRS and snapped to it.
#include <array>
#include <cstdint>
#include <string>
#include <vector>

#include "kitaku/sim/city.hpp"
#include "kitaku/sim/spatial_index.hpp"

namespace kitaku::geo {

/// Tokyo's published average: 471,270 places in 1,250 facilities (2024-01-01),
/// about 377 each (DOMAIN.md). Used when a source has no capacity column.
inline constexpr int kDefaultFacilityCapacity = 377;

struct PointSourceOptions {
  std::string layer;          // empty: a layer named "facilities"/"stations", else the first point layer, else the first
  std::string name_field;     // empty: auto (name, 施設名称, 名称, ...)
  std::string capacity_field; // empty: auto (capacity, 収容人数, ...); absent -> default
  std::string lat_field, lon_field;  // empty: auto (lat/latitude/緯度, lon/lng/longitude/経度); given: used even on a point layer
  int default_capacity = kDefaultFacilityCapacity;
  FacilityKind kind = FacilityKind::kTemporaryStay;  // given to every facility read
  std::string riders_field;   // stations: empty: auto (daily_riders, passengers, 乗降客数, ...)
  std::string area_field;     // empty: auto (area, ward, 区市町村, ... else the ward/city prefix of 所在地, 住所, address)
};

/// What a point source turned out to hold: the fields used ("" = none found) and counts.
struct PointSourceReport {
  std::string driver, layer;
  std::string name_field, capacity_field, riders_field, area_field, lat_field, lon_field;
  bool area_from_address = false;   // area is the ward/city prefix of an address field
  bool from_geometry = false;       // positions from the layer's point geometry, not lat/lon fields
  std::string source_crs;           // name of the source CRS
  std::string target_crs;           // name of the CRS positions are in
  std::size_t rows = 0;             // records read (blank rows excluded)
  std::size_t blank_rows = 0;       // records with every field empty, skipped
  std::size_t capacity_defaulted = 0;
};

/// Loads facilities and projects them into the CRS `crs_wkt` (a network's). An empty
/// `crs_wkt` keeps a projected source CRS, else uses the WGS84 UTM zone of the points'
/// mean lon/lat (as network import does). Sources: GeoPackage,
/// GeoJSON or any OGR point layer; CSV with lat/lon columns; a JSON array of records
/// with lat/lon members. Fields are auto-detected as docs/facilities.md lists.
/// Throws InputError naming the file, the row/feature and the problem.
std::vector<Facility> load_facilities(const std::string& path, const std::string& crs_wkt,
                                      const PointSourceOptions& options = {});
std::vector<Facility> load_facilities(const std::string& path, const std::string& crs_wkt,
                                      const PointSourceOptions& options, PointSourceReport& report);
/// Stations: name and daily riders (a riders field is required).
std::vector<Station> load_stations(const std::string& path, const std::string& crs_wkt,
                                   const PointSourceOptions& options = {});
std::vector<Station> load_stations(const std::string& path, const std::string& crs_wkt,
                                   const PointSourceOptions& options, PointSourceReport& report);

/// Share of daytime population per home band (kHomeBandEdgesKm) used when a zone source
/// has no share fields: a judgement of ours, calibrated so the Tokyo distance rule on
/// the weekday daytime total (17.76 M) gives the 2022 estimate of ~4.53 M stranded
/// (docs/facilities.md explains the figures).
inline constexpr std::array<double, kHomeBands> kDefaultHomeShare{0.45, 0.21, 0.09, 0.07, 0.09, 0.09};

/// Polygon zones with day/night population and home-distance shares (docs/facilities.md).
/// An empty `crs_wkt` keeps a projected source CRS, else uses the UTM zone of the zones'
/// population-weighted centre.
std::vector<Zone> load_zones(const std::string& path, const std::string& crs_wkt,
                             const std::string& layer = {});

/// What load_zones read.
struct ZoneSourceReport {
  std::string driver, layer, id_field;  // id_field "" = ids are feature ids
  bool shares_from_fields = false;      // false: kDefaultHomeShare
  std::string source_crs, target_crs;   // names
};
std::vector<Zone> load_zones(const std::string& path, const std::string& crs_wkt, const std::string& layer,
                             ZoneSourceReport& report);

/// What load_mesh_zones joined.
struct MeshJoinReport {
  std::size_t polygons = 0;                   // features in the polygon file
  std::size_t polygons_without_population = 0;  // no weekday row in the CSV: not zones
  std::size_t csv_rows = 0, weekday_rows = 0;
  std::size_t zones = 0;
  std::size_t day_meshes = 0, night_meshes = 0;  // meshes with a weekday day / night value
  std::size_t meshes_from_code = 0;           // in the CSV but not the polygon file: square from the mesh code
  double day_total = 0, night_total = 0;
  std::string source_crs, target_crs;         // names
};

/// The real 1 km mesh: polygons (property `code`, any CRS) joined on mesh1kmid with the
/// MLIT people-flow CSV (weekday = dayflag 1, or holiday = dayflag 0; daytime = timezone 0,
/// night = timezone 1).
/// One zone per mesh with a weekday value, ordered by mesh code, home shares
/// kDefaultHomeShare. A mesh missing from the polygon file gets its square from the
/// JIS X 0410 mesh code; a missing day or night value (MLIT suppresses small counts) is 0.
std::vector<Zone> load_mesh_zones(const std::string& polygons_path,
                                  const std::string& population_csv_path,
                                  const std::string& crs_wkt, MeshJoinReport* report = nullptr,
                                  bool holiday = false);

/// The JGD2011 (EPSG:6668) lon/lat square of a JIS X 0410 1 km mesh code (8 digits):
/// {lon_min, lat_min, lon_max, lat_max}. Throws std::invalid_argument for a bad code.
std::array<double, 4> mesh1km_bounds(const std::string& code);

struct SnapResult {
  std::vector<EdgeHit> hits;        // one per facility, same order
  std::vector<std::size_t> far;     // indices of facilities farther than the threshold
  double threshold_m = 0;
  double max_dist_m = 0, mean_dist_m = 0;
  double p95_dist_m = 0;            // 95th percentile (nearest rank)
};

/// Snaps each facility to the nearest edge; those beyond threshold_m are listed in `far`
/// (farthest first). Facilities must be in the CRS of the index's network.
SnapResult snap_facilities(const std::vector<Facility>& facilities, const SpatialIndex& index,
                           double threshold_m = 200.0);

}  // namespace kitaku::geo
