#pragma once
// Facilities, stations and population zones from GeoPackage, GeoJSON, or CSV
// with lat/lon columns, projected into the network's CRS and snapped to it.
#include <string>
#include <vector>

#include "kitaku/sim/city.hpp"
#include "kitaku/sim/spatial_index.hpp"

namespace kitaku::geo {

/// Tokyo's published average: 471,270 places in 1,250 facilities (2024-01-01),
/// about 377 each (DOMAIN.md). Used when a source has no capacity column.
inline constexpr int kDefaultFacilityCapacity = 377;

struct PointSourceOptions {
  std::string layer;          // empty: the first layer
  std::string name_field;     // empty: auto (name, 施設名称, 名称, ...)
  std::string capacity_field; // empty: auto (capacity, 収容人数, ...); absent -> default
  std::string lat_field, lon_field;  // CSV only; empty: auto (lat/latitude/緯度, lon/lng/longitude/経度)
  int default_capacity = kDefaultFacilityCapacity;
};

/// Loads facilities and projects them into the CRS `crs_wkt` (a network's).
std::vector<Facility> load_facilities(const std::string& path, const std::string& crs_wkt,
                                      const PointSourceOptions& options = {});
std::vector<Station> load_stations(const std::string& path, const std::string& crs_wkt,
                                   const PointSourceOptions& options = {});
/// Polygon zones with day/night population and home-distance shares (docs/network.md).
std::vector<Zone> load_zones(const std::string& path, const std::string& crs_wkt,
                             const std::string& layer = {});

struct SnapResult {
  std::vector<EdgeHit> hits;        // one per facility, same order
  std::vector<std::size_t> far;     // indices of facilities farther than the threshold
  double threshold_m = 0;
  double max_dist_m = 0, mean_dist_m = 0;
};

/// Snaps each facility to the nearest edge; those beyond threshold_m are listed in `far`.
SnapResult snap_facilities(const std::vector<Facility>& facilities, const SpatialIndex& index,
                           double threshold_m = 200.0);

}  // namespace kitaku::geo
