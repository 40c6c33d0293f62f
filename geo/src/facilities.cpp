// Facilities and stations: point sources read through point_table, fields detected,
// values checked, positions projected into the network's CRS; and snapping.
#include "kitaku/geo/facilities.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <numeric>

#include "kitaku/geo/gdal_util.hpp"
#include "kitaku/sim/error.hpp"
#include "kitaku/sim/limits.hpp"
#include "point_table.hpp"

namespace kitaku::geo {
namespace {

using detail::PointTable;
using detail::TableRow;

const std::initializer_list<std::string_view> kLatNames{"lat", "latitude", "緯度", "y"};
const std::initializer_list<std::string_view> kLonNames{"lon", "lng", "long", "longitude", "経度", "x"};
const std::initializer_list<std::string_view> kAreaNames{
    "area", "ward", "city", "municipality", "区市町村", "市区町村", "市町村", "区市町村名", "市区町村名"};
const std::initializer_list<std::string_view> kAddressNames{
    "所在地", "住所", "所在地住所", "address", "都道府県名及び市町村名", "P20_003"};

std::string field_name(const PointTable& t, int i) { return i < 0 ? std::string() : t.fields[i]; }

// The place for errors about the whole table.
std::string table_place(const PointTable& t) {
  return t.driver == "CSV" ? "header" : "layer " + t.layer;
}

const std::string* value(const TableRow& row, int field) {
  if (field < 0 || !row.values[field]) return nullptr;
  return &*row.values[field];
}

// A point with its WGS84 and projected coordinates, before the kind-specific fields.
struct Located {
  const TableRow* row;
  double lon, lat;
  Point pos;
};

std::vector<Located> locate(const PointTable& t, const PointSourceOptions& o, const std::string& crs_wkt,
                            const std::string& what, PointSourceReport& report) {
  report.driver = t.driver;
  report.layer = t.layer;
  report.blank_rows = t.blank_rows;
  report.rows = t.rows.size();
  if (t.rows.empty())
    throw InputError(t.path, table_place(t), "has no " + what + " (no rows after the header)");

  const OGRSpatialReference wgs = wgs84();
  std::vector<Located> out;
  out.reserve(t.rows.size());
  const bool by_fields = !o.lat_field.empty() || !o.lon_field.empty() || !t.spatial;
  report.from_geometry = !by_fields;

  if (by_fields) {
    const int lat = detail::pick_field(t, o.lat_field, "--lat-field", kLatNames);
    const int lon = detail::pick_field(t, o.lon_field, "--lon-field", kLonNames);
    if (lat < 0 || lon < 0)
      throw InputError(t.path, table_place(t),
                       std::string("no ") + (lat < 0 ? "latitude" : "") + (lat < 0 && lon < 0 ? "/" : "") +
                           (lon < 0 ? "longitude" : "") +
                           " column (looked for lat, latitude, 緯度, y / lon, lng, long, longitude, 経度, x; "
                           "name them with --lat-field/--lon-field); the columns are: " + t.field_list());
    report.lat_field = t.fields[lat];
    report.lon_field = t.fields[lon];
    report.source_crs = detail::srs_name(&wgs);
    for (const auto& row : t.rows) {
      auto number = [&](int f, const char* label) {
        const std::string* v = value(row, f);
        if (!v || detail::trim(*v).empty())
          throw InputError(t.path, row.place, std::string("no ") + label + " (column " + t.fields[f] + " is empty)");
        auto d = detail::parse_number(*v);
        if (!d)
          throw InputError(t.path, row.place,
                           "column " + t.fields[f] + ": '" + *v + "' is not a number (" + label + " expected)");
        return *d;
      };
      const double y = number(lat, "latitude"), x = number(lon, "longitude");
      if (std::fabs(y) > 90 && std::fabs(y) <= 180 && std::fabs(x) <= 90)
        throw InputError(t.path, row.place,
                         "latitude and longitude look swapped (" + t.fields[lat] + " = " + *value(row, lat) +
                             " is outside [-90, 90] but " + t.fields[lon] + " = " + *value(row, lon) +
                             " would be a valid latitude)");
      if (std::fabs(y) > 90)
        throw InputError(t.path, row.place,
                         "latitude " + *value(row, lat) + " (column " + t.fields[lat] + ") is outside [-90, 90]");
      if (std::fabs(x) > 180)
        throw InputError(t.path, row.place,
                         "longitude " + *value(row, lon) + " (column " + t.fields[lon] + ") is outside [-180, 180]");
      out.push_back({&row, x, y, {}});
    }
  } else {
    if (!t.srs)
      throw InputError(t.path, table_place(t),
                       "the layer has no CRS, so its points cannot be placed (assign one, e.g. ogr2ogr -a_srs EPSG:4326)");
    report.source_crs = detail::srs_name(t.srs.get());
    const Transform to_wgs(*t.srs, wgs);
    for (const auto& row : t.rows) {
      if (!row.has_point) throw InputError(t.path, row.place, row.geometry_problem);
      double x = row.x, y = row.y;
      if (!to_wgs.apply(x, y))
        throw InputError(t.path, row.place, "the point cannot be transformed to WGS84 from " + report.source_crs);
      out.push_back({&row, x, y, {}});
    }
  }

  double mean_lon = 0, mean_lat = 0;
  for (const auto& l : out) { mean_lon += l.lon; mean_lat += l.lat; }
  mean_lon /= static_cast<double>(out.size());
  mean_lat /= static_cast<double>(out.size());
  // Like network import: with no target given, a projected source CRS is kept.
  const OGRSpatialReference target = crs_wkt.empty() && !by_fields && t.srs->IsProjected()
                                         ? *t.srs
                                         : detail::target_srs(crs_wkt, mean_lon, mean_lat, t.path);
  report.target_crs = detail::srs_name(&target);
  // From the source CRS directly when there is one, so no datum shift goes via WGS84.
  const Transform project(by_fields ? wgs : *t.srs, target);
  for (auto& l : out) {
    double x = by_fields ? l.lon : l.row->x, y = by_fields ? l.lat : l.row->y;
    if (!project.apply(x, y))
      throw InputError(t.path, l.row->place, "the point cannot be projected into " + report.target_crs);
    l.pos = {x, y};
  }
  return out;
}

std::string checked_text(const PointTable& t, const TableRow& row, int field) {
  const std::string* v = value(row, field);
  if (!v) return {};
  if (!detail::valid_utf8(*v))
    throw InputError(t.path, row.place,
                     "column " + t.fields[field] +
                         " is not valid UTF-8 (a Shift_JIS file? convert it: iconv -f SHIFT_JIS -t UTF-8)");
  return std::string(detail::trim(*v));
}

int name_field(const PointTable& t, const PointSourceOptions& o, std::initializer_list<std::string_view> names) {
  return detail::pick_field(t, o.name_field, "--name-field", names);
}

}  // namespace

std::vector<Facility> load_facilities(const std::string& path, const std::string& crs_wkt,
                                      const PointSourceOptions& options) {
  PointSourceReport report;
  return load_facilities(path, crs_wkt, options, report);
}

std::vector<Facility> load_facilities(const std::string& path, const std::string& crs_wkt,
                                      const PointSourceOptions& o, PointSourceReport& report) {
  report = {};
  if (o.default_capacity < 0)
    throw InputError(path, "default capacity", std::to_string(o.default_capacity) + " is negative");
  if (o.default_capacity > limits::kMaxFacilityCapacity)
    throw InputError(path, "default capacity", std::to_string(o.default_capacity) + " is above " +
                                                   limits::text(limits::kMaxFacilityCapacity) +
                                                   " persons, the most one facility can plausibly hold");
  const PointTable t = detail::read_point_table(path, o.layer, "facilities");
  const int name = name_field(t, o, {"name", "名称", "施設名称", "施設名", "施設・場所名", "名前", "facility",
                                     "facility_name", "P20_002"});
  const int capacity = detail::pick_field(t, o.capacity_field, "--capacity-field",
                                          {"capacity", "収容人数", "収容可能人数", "収容人員", "定員", "収容者数"});
  int area = detail::pick_field(t, o.area_field, "--area-field", kAreaNames);
  const bool area_is_address = area < 0;
  if (area < 0) area = detail::pick_field(t, {}, {}, kAddressNames);
  report.name_field = field_name(t, name);
  report.capacity_field = field_name(t, capacity);
  report.area_field = field_name(t, area);
  report.area_from_address = area >= 0 && area_is_address;

  const auto located = locate(t, o, crs_wkt, "facilities", report);
  std::vector<Facility> out;
  out.reserve(located.size());
  for (const auto& l : located) {
    const TableRow& row = *l.row;
    Facility f;
    f.name = checked_text(t, row, name);
    if (area >= 0) {
      const std::string raw = checked_text(t, row, area);
      f.area = detail::address_area(raw);
      if (f.area.empty() && !area_is_address) f.area = raw;  // "Shibuya": a label, not an address
    }
    f.pos = l.pos;
    f.lon = l.lon;
    f.lat = l.lat;
    f.source_id = row.id;
    f.kind = o.kind;
    const std::string* cap = value(row, capacity);
    if (!cap || detail::trim(*cap).empty()) {
      f.capacity = o.default_capacity;
      f.capacity_source = CapacitySource::kDefault;
      ++report.capacity_defaulted;
    } else {
      std::string digits(detail::trim(*cap));
      // "1,200": thousands separators as Japanese lists often write them.
      if (digits.find(',') != std::string::npos &&
          std::all_of(digits.begin(), digits.end(), [](char c) { return std::isdigit(static_cast<unsigned char>(c)) || c == ','; }))
        digits.erase(std::remove(digits.begin(), digits.end(), ','), digits.end());
      const auto v = detail::parse_number(digits);
      const std::string where = "column " + t.fields[capacity] + ": capacity '" + *cap + "'";
      if (!v) throw InputError(t.path, row.place, where + " is not a number");
      if (*v < 0) throw InputError(t.path, row.place, where + " is negative");
      if (*v != std::floor(*v)) throw InputError(t.path, row.place, where + " is not a whole number of persons");
      if (*v > limits::kMaxFacilityCapacity)
        throw InputError(t.path, row.place, where + " is above " + limits::text(limits::kMaxFacilityCapacity) +
                                                " persons, the most one facility can plausibly hold");
      f.capacity = static_cast<std::int32_t>(*v);
    }
    out.push_back(std::move(f));
  }
  return out;
}

std::vector<Station> load_stations(const std::string& path, const std::string& crs_wkt,
                                   const PointSourceOptions& options) {
  PointSourceReport report;
  return load_stations(path, crs_wkt, options, report);
}

std::vector<Station> load_stations(const std::string& path, const std::string& crs_wkt,
                                   const PointSourceOptions& o, PointSourceReport& report) {
  report = {};
  const PointTable t = detail::read_point_table(path, o.layer, "stations");
  const int name = name_field(t, o, {"name", "駅名", "station", "station_name", "名称", "S12_001", "N02_005"});
  const int riders = detail::pick_field(t, o.riders_field, "--riders-field",
                                        {"daily_riders", "passengers", "passenger", "乗降客数", "乗降人員",
                                         "riders", "ridership"});
  if (riders < 0)
    throw InputError(t.path, table_place(t),
                     "no daily-riders field (looked for daily_riders, passengers, passenger, 乗降客数, 乗降人員, "
                     "riders, ridership; name it with --riders-field); the fields are: " + t.field_list());
  report.name_field = field_name(t, name);
  report.riders_field = field_name(t, riders);
  const auto located = locate(t, o, crs_wkt, "stations", report);
  std::vector<Station> out;
  out.reserve(located.size());
  for (const auto& l : located) {
    const TableRow& row = *l.row;
    Station s;
    s.name = checked_text(t, row, name);
    s.pos = l.pos;
    s.lon = l.lon;
    s.lat = l.lat;
    const std::string* v = value(row, riders);
    if (!v || detail::trim(*v).empty())
      throw InputError(t.path, row.place, "no daily riders (column " + t.fields[riders] + " is empty)");
    const auto d = detail::parse_number(*v);
    if (!d) throw InputError(t.path, row.place, "column " + t.fields[riders] + ": '" + *v + "' is not a number");
    if (*d < 0) throw InputError(t.path, row.place, "column " + t.fields[riders] + ": daily riders " + *v + " is negative");
    if (*d > limits::kMaxStationRiders)
      throw InputError(t.path, row.place, "column " + t.fields[riders] + ": daily riders " + *v + " is above " +
                                              limits::text(limits::kMaxStationRiders) +
                                              ", more than any station has (Shinjuku: about 3.5 million)");
    s.daily_riders = *d;
    out.push_back(std::move(s));
  }
  return out;
}

SnapResult snap_facilities(const std::vector<Facility>& facilities, const SpatialIndex& index,
                           double threshold_m) {
  SnapResult r;
  r.threshold_m = threshold_m;
  r.hits.reserve(facilities.size());
  std::vector<double> d;
  d.reserve(facilities.size());
  for (const auto& f : facilities) {
    r.hits.push_back(index.nearest_edge(f.pos));
    d.push_back(r.hits.back().dist);
  }
  for (std::size_t i = 0; i < d.size(); ++i)
    if (!(d[i] <= threshold_m)) r.far.push_back(i);
  std::stable_sort(r.far.begin(), r.far.end(), [&](std::size_t a, std::size_t b) { return d[a] > d[b]; });
  if (!d.empty()) {
    r.mean_dist_m = std::accumulate(d.begin(), d.end(), 0.0) / static_cast<double>(d.size());
    std::sort(d.begin(), d.end());
    r.max_dist_m = d.back();
    const auto rank = static_cast<std::size_t>(std::ceil(0.95 * static_cast<double>(d.size())));
    r.p95_dist_m = d[std::max<std::size_t>(rank, 1) - 1];
  }
  return r;
}

}  // namespace kitaku::geo
