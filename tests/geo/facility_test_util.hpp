#pragma once
// Writers for the small point and polygon sources the facility tests build with GDAL.
#include <ogrsf_frmts.h>

#include <fstream>
#include <optional>
#include <string>
#include <vector>

#include "kitaku/geo/gdal_util.hpp"

namespace kitaku::test {

inline void write_text(const std::string& path, const std::string& text) {
  std::ofstream out(path, std::ios::binary);
  out << text;
}

inline std::string wkt_of_epsg(int epsg) {
  const OGRSpatialReference srs = geo::srs_from_epsg(epsg);
  char* wkt = nullptr;
  const char* opts[] = {"FORMAT=WKT2", nullptr};
  srs.exportToWkt(&wkt, opts);
  std::string out = wkt;
  CPLFree(wkt);
  return out;
}

struct PointRecord {
  std::string name;
  std::optional<int> capacity;
  std::string area;
  double lon, lat;
};

/// A point layer (name, capacity, area) in EPSG:`epsg`, positions given in WGS84.
inline void write_points(const std::string& path, const std::string& driver, const std::string& layer_name,
                         int epsg, const std::vector<PointRecord>& recs, bool capacity_field = true) {
  geo::DatasetPtr ds = geo::create_vector(path, driver);
  OGRSpatialReference srs = geo::srs_from_epsg(epsg);
  OGRLayer* layer = ds->CreateLayer(layer_name.c_str(), &srs, wkbPoint, nullptr);
  REQUIRE(layer != nullptr);
  OGRFieldDefn name("name", OFTString), cap("capacity", OFTInteger), area("area", OFTString);
  REQUIRE(layer->CreateField(&name) == OGRERR_NONE);
  if (capacity_field) REQUIRE(layer->CreateField(&cap) == OGRERR_NONE);
  REQUIRE(layer->CreateField(&area) == OGRERR_NONE);
  const geo::Transform to(geo::wgs84(), srs);
  for (const auto& r : recs) {
    OGRFeature f(layer->GetLayerDefn());
    f.SetField("name", r.name.c_str());
    if (capacity_field && r.capacity) f.SetField("capacity", *r.capacity);
    f.SetField("area", r.area.c_str());
    double x = r.lon, y = r.lat;
    REQUIRE(to.apply(x, y));
    OGRPoint p(x, y);
    f.SetGeometry(&p);
    REQUIRE(layer->CreateFeature(&f) == OGRERR_NONE);
  }
}

struct ZoneRecord {
  std::string id;
  std::vector<std::vector<std::pair<double, double>>> rings;  // first outer, then holes (layer CRS)
  std::optional<double> day, night;
  std::vector<double> shares;  // empty: no share values
};

/// A polygon layer with zone_id, day_pop, night_pop and (when `share_fields`) home_* in EPSG:`epsg`.
inline void write_zones(const std::string& path, const std::string& layer_name, int epsg,
                        const std::vector<ZoneRecord>& recs, bool share_fields = true,
                        const std::string& driver = "GPKG") {
  geo::DatasetPtr ds = geo::create_vector(path, driver);
  OGRSpatialReference srs = geo::srs_from_epsg(epsg);
  OGRLayer* layer = ds->CreateLayer(layer_name.c_str(), &srs, wkbPolygon, nullptr);
  REQUIRE(layer != nullptr);
  OGRFieldDefn id("zone_id", OFTString), day("day_pop", OFTReal), night("night_pop", OFTReal);
  REQUIRE(layer->CreateField(&id) == OGRERR_NONE);
  REQUIRE(layer->CreateField(&day) == OGRERR_NONE);
  REQUIRE(layer->CreateField(&night) == OGRERR_NONE);
  const char* share_names[] = {"home_0_5", "home_5_10", "home_10_15", "home_15_20", "home_20_30", "home_30_plus"};
  if (share_fields)
    for (const char* n : share_names) {
      OGRFieldDefn fd(n, OFTReal);
      REQUIRE(layer->CreateField(&fd) == OGRERR_NONE);
    }
  for (const auto& z : recs) {
    OGRFeature f(layer->GetLayerDefn());
    f.SetField("zone_id", z.id.c_str());
    if (z.day) f.SetField("day_pop", *z.day);
    if (z.night) f.SetField("night_pop", *z.night);
    for (std::size_t i = 0; i < z.shares.size() && share_fields; ++i) f.SetField(share_names[i], z.shares[i]);
    OGRPolygon poly;
    for (const auto& ring : z.rings) {
      OGRLinearRing r;
      for (auto [x, y] : ring) r.addPoint(x, y);
      r.closeRings();
      poly.addRing(&r);
    }
    f.SetGeometry(&poly);
    REQUIRE(layer->CreateFeature(&f) == OGRERR_NONE);
  }
}

}  // namespace kitaku::test
