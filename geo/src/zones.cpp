// Population zones: polygon layers with day/night population and home-band shares,
// and the real 1 km mesh (polygons joined with the MLIT people-flow CSV).
#include <ogrsf_frmts.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <map>
#include <stdexcept>

#include "kitaku/geo/facilities.hpp"
#include "kitaku/geo/gdal_util.hpp"
#include "kitaku/sim/error.hpp"
#include "kitaku/sim/limits.hpp"
#include "point_table.hpp"

namespace kitaku::geo {
namespace {

// "the plausible maximum N (docs/facilities.md, "Plausible ranges")"; shares end at 1.
std::string max_text(double max) {
  if (max == 1.0) return "1 (a share)";
  return "the plausible maximum of " + limits::text(max) + " persons (docs/facilities.md, \"Plausible ranges\")";
}

using Ring = std::vector<Point>;
using Part = std::vector<Ring>;  // outer ring, then holes

constexpr std::array<const char*, kHomeBands> kShareFields{
    "home_0_5", "home_5_10", "home_10_15", "home_15_20", "home_20_30", "home_30_plus"};

// A zone as read, in its source CRS (srs indexes the caller's list of CRSs).
struct RawZone {
  std::string id, place;
  std::vector<Part> parts;
  double day = 0, night = 0;
  std::array<double, kHomeBands> share = kDefaultHomeShare;
  std::size_t srs = 0;
};

// The rings of a Polygon / MultiPolygon; empty with `why` set for anything else.
std::vector<Part> read_parts(const OGRGeometry* g, std::string& why) {
  std::vector<Part> parts;
  if (!g || g->IsEmpty()) { why = "has no geometry"; return parts; }
  auto add = [&](const OGRPolygon* poly) {
    Part part;
    for (const OGRLinearRing* ring : *poly) {
      Ring r;
      r.reserve(ring->getNumPoints());
      for (int i = 0; i < ring->getNumPoints(); ++i) r.push_back({ring->getX(i), ring->getY(i)});
      if (r.size() >= 3) part.push_back(std::move(r));
    }
    if (!part.empty()) parts.push_back(std::move(part));
  };
  const auto flat = wkbFlatten(g->getGeometryType());
  if (flat == wkbPolygon) {
    add(g->toPolygon());
  } else if (flat == wkbMultiPolygon) {
    for (const OGRPolygon* p : *g->toMultiPolygon()) add(p);
  } else {
    why = std::string("has a ") + OGRGeometryTypeToName(g->getGeometryType()) + " geometry, not a polygon";
    return {};
  }
  if (parts.empty()) why = "has a polygon with no ring of 3 or more points";
  return parts;
}

double ring_area(const Ring& r, double& cx, double& cy) {
  double a = 0;
  cx = cy = 0;
  for (std::size_t i = 0, n = r.size(); i < n; ++i) {
    const Point p = r[i], q = r[(i + 1) % n];
    const double c = p.x * q.y - q.x * p.y;
    a += c;
    cx += (p.x + q.x) * c;
    cy += (p.y + q.y) * c;
  }
  a /= 2;
  if (a != 0) { cx /= 6 * a; cy /= 6 * a; }
  return a;
}

// Area-weighted centroid: outer rings add, holes subtract, whatever their orientation.
Point centroid(const std::vector<Part>& parts) {
  double sa = 0, sx = 0, sy = 0;
  for (const auto& part : parts)
    for (std::size_t k = 0; k < part.size(); ++k) {
      double cx, cy;
      const double a = std::fabs(ring_area(part[k], cx, cy)) * (k == 0 ? 1 : -1);
      sa += a; sx += a * cx; sy += a * cy;
    }
  if (sa > 0) return {sx / sa, sy / sa};
  BBox b;
  for (const auto& part : parts)
    for (const auto& p : part.front()) b.extend(p);
  return {(b.min_x + b.max_x) / 2, (b.min_y + b.max_y) / 2};
}

// Projects the raw zones into `crs_wkt` (empty: the UTM zone of their population-weighted centre).
std::vector<Zone> finish(std::vector<RawZone>& raws, const std::vector<OGRSpatialReference>& srs,
                         const std::string& crs_wkt, const std::string& file, std::string* target_name = nullptr) {
  const OGRSpatialReference wgs = wgs84();
  double lon = 0, lat = 0;
  if (crs_wkt.empty() && !(srs.size() == 1 && srs[0].IsProjected())) {
    std::vector<Transform> to_wgs;
    for (const auto& s : srs) to_wgs.emplace_back(s, wgs);
    double w = 0;
    for (const auto& z : raws) {
      Point c = centroid(z.parts);
      if (!to_wgs[z.srs].apply(c.x, c.y)) continue;
      const double zw = z.day > 0 ? z.day : 1e-9;  // zones with no one still count a little
      lon += zw * c.x; lat += zw * c.y; w += zw;
    }
    if (w > 0) { lon /= w; lat /= w; }
  }
  // Like network import: with no target given, a projected source CRS is kept.
  const OGRSpatialReference target = crs_wkt.empty() && srs.size() == 1 && srs[0].IsProjected()
                                         ? srs[0]
                                         : detail::target_srs(crs_wkt, lon, lat, file);
  if (target_name) *target_name = detail::srs_name(&target);
  std::vector<Transform> project;
  for (const auto& s : srs) project.emplace_back(s, target);
  std::vector<Zone> out;
  out.reserve(raws.size());
  for (auto& z : raws) {
    Zone zone;
    zone.id = z.id;
    for (auto& part : z.parts)
      for (auto& ring : part)
        for (auto& p : ring)
          if (!project[z.srs].apply(p.x, p.y))
            throw InputError(file, z.place, "a vertex cannot be projected into " + detail::srs_name(&target));
    zone.centroid = centroid(z.parts);
    for (auto& part : z.parts)
      for (auto& ring : part) zone.rings.push_back(std::move(ring));
    zone.day_population = z.day;
    zone.night_population = z.night;
    zone.home_share = z.share;
    out.push_back(std::move(zone));
  }
  return out;
}

OGRLayer* polygon_layer(GDALDataset& ds, const std::string& path, const std::string& wanted) {
  std::string names;
  for (int i = 0; i < ds.GetLayerCount(); ++i) names += (i ? ", " : "") + std::string(ds.GetLayer(i)->GetName());
  if (!wanted.empty()) {
    for (int i = 0; i < ds.GetLayerCount(); ++i)
      if (wanted == ds.GetLayer(i)->GetName()) return ds.GetLayer(i);
    throw InputError(path, "layer " + wanted, "no such layer (the layers are: " + names + ")");
  }
  if (ds.GetLayerCount() == 0) throw InputError(path, "", "the file has no layers");
  for (int i = 0; i < ds.GetLayerCount(); ++i)
    if (std::string(ds.GetLayer(i)->GetName()) == "zones") return ds.GetLayer(i);
  for (int i = 0; i < ds.GetLayerCount(); ++i) {
    const auto flat = wkbFlatten(ds.GetLayer(i)->GetGeomType());
    if (flat == wkbPolygon || flat == wkbMultiPolygon) return ds.GetLayer(i);
  }
  return ds.GetLayer(0);
}

std::string layer_fields(OGRFeatureDefn* defn) {
  std::string out;
  for (int i = 0; i < defn->GetFieldCount(); ++i) out += (i ? ", " : "") + std::string(defn->GetFieldDefn(i)->GetNameRef());
  return out.empty() ? "(none)" : out;
}

int field_index(OGRFeatureDefn* defn, std::initializer_list<const char*> names) {
  for (const char* n : names) {
    const int i = defn->GetFieldIndex(n);
    if (i >= 0) return i;
  }
  return -1;
}

OGRSpatialReference layer_srs(OGRLayer* layer, const std::string& path) {
  const OGRSpatialReference* s = layer->GetSpatialRef();
  if (!s)
    throw InputError(path, "layer " + std::string(layer->GetName()),
                     "the layer has no CRS, so its polygons cannot be placed (assign one, e.g. ogr2ogr -a_srs EPSG:4326)");
  OGRSpatialReference srs(*s);
  srs.SetAxisMappingStrategy(OAMS_TRADITIONAL_GIS_ORDER);
  return srs;
}

}  // namespace

std::vector<Zone> load_zones(const std::string& path, const std::string& crs_wkt, const std::string& layer) {
  ZoneSourceReport report;
  return load_zones(path, crs_wkt, layer, report);
}

std::vector<Zone> load_zones(const std::string& path, const std::string& crs_wkt, const std::string& wanted_layer,
                             ZoneSourceReport& report) {
  report = {};
  DatasetPtr ds = open_vector(path);
  OGRLayer* layer = polygon_layer(*ds, path, wanted_layer);
  const std::string lname = layer->GetName();
  OGRFeatureDefn* defn = layer->GetLayerDefn();
  const int id = field_index(defn, {"zone_id", "id", "code", "mesh1kmid", "KEY_CODE"});
  const int day = field_index(defn, {"day_pop", "day_population"});
  const int night = field_index(defn, {"night_pop", "night_population"});
  if (day < 0 || night < 0) {
    std::string hint;
    if (defn->GetFieldIndex("code") >= 0)
      hint = "; for the 1 km mesh polygons, join the MLIT population CSV (load_mesh_zones, --population CSV)";
    throw InputError(path, "layer " + lname,
                     std::string("no ") + (day < 0 ? "day_pop" : "night_pop") +
                         " field (zones need zone_id, day_pop, night_pop and optionally home_0_5 ... home_30_plus);"
                         " the fields are: " + layer_fields(defn) + hint);
  }
  std::array<int, kHomeBands> share{};
  std::string missing;
  int present = 0;
  for (std::size_t b = 0; b < kHomeBands; ++b) {
    share[b] = defn->GetFieldIndex(kShareFields[b]);
    if (share[b] >= 0) ++present;
    else missing += (missing.empty() ? "" : ", ") + std::string(kShareFields[b]);
  }
  if (present != 0 && present != static_cast<int>(kHomeBands))
    throw InputError(path, "layer " + lname,
                     "has some home-share fields but not " + missing + " (give all six or none)");
  std::vector<OGRSpatialReference> srs{layer_srs(layer, path)};
  report.driver = ds->GetDriver() ? ds->GetDriver()->GetDescription() : "";
  report.layer = lname;
  report.id_field = id >= 0 ? defn->GetFieldDefn(id)->GetNameRef() : "";
  report.shares_from_fields = present != 0;
  report.source_crs = detail::srs_name(&srs[0]);

  auto number = [&](OGRFeature& f, int i, const std::string& place, double max) {
    const char* name = defn->GetFieldDefn(i)->GetNameRef();
    if (!f.IsFieldSetAndNotNull(i)) throw InputError(path, place, std::string(name) + " is empty");
    const std::string text = f.GetFieldAsString(i);
    const auto v = detail::parse_number(text);
    if (!v) throw InputError(path, place, std::string(name) + " '" + text + "' is not a number");
    if (*v < 0) throw InputError(path, place, std::string(name) + " " + text + " is negative");
    if (*v > max) throw InputError(path, place, std::string(name) + " " + text + " is above " + max_text(max));
    return *v;
  };
  std::vector<RawZone> raws;
  layer->ResetReading();
  for (auto& f : *layer) {
    RawZone z;
    z.place = "layer " + lname + ": feature " + std::to_string(f->GetFID());
    z.id = id >= 0 && f->IsFieldSetAndNotNull(id) ? f->GetFieldAsString(id) : std::to_string(f->GetFID());
    if (id >= 0) z.place += " (" + std::string(defn->GetFieldDefn(id)->GetNameRef()) + " " + z.id + ")";
    std::string why;
    z.parts = read_parts(f->GetGeometryRef(), why);
    if (z.parts.empty()) throw InputError(path, z.place, why);
    z.day = number(*f, day, z.place, limits::kMaxZonePopulation);
    z.night = number(*f, night, z.place, limits::kMaxZonePopulation);
    if (present) {
      double sum = 0;
      for (std::size_t b = 0; b < kHomeBands; ++b) sum += z.share[b] = number(*f, share[b], z.place, 1.0);
      if (std::fabs(sum - 1) > 1e-3) {
        char buf[64];
        std::snprintf(buf, sizeof buf, "%.6g", sum);
        throw InputError(path, z.place, "home shares home_0_5 ... home_30_plus sum to " + std::string(buf) +
                                            ", not 1 (tolerance 0.001)");
      }
    }
    raws.push_back(std::move(z));
  }
  if (raws.empty()) throw InputError(path, "layer " + lname, "has no zones (no features)");
  return finish(raws, srs, crs_wkt, path, &report.target_crs);
}

std::array<double, 4> mesh1km_bounds(const std::string& code) {
  if (code.size() != 8 || !std::all_of(code.begin(), code.end(), [](char c) { return c >= '0' && c <= '9'; }))
    throw std::invalid_argument("a 1 km mesh code has 8 digits: '" + code + "'");
  auto digit = [&](std::size_t i) { return code[i] - '0'; };
  const int p = digit(0) * 10 + digit(1), u = digit(2) * 10 + digit(3);
  const int q = digit(4), v = digit(5), r = digit(6), w = digit(7);
  if (q > 7 || v > 7) throw std::invalid_argument("mesh code '" + code + "': digits 5 and 6 must be 0-7");
  const double lat = p / 1.5 + q / 12.0 + r / 120.0;
  const double lon = u + 100 + v / 8.0 + w / 80.0;
  return {lon, lat, lon + 1 / 80.0, lat + 1 / 120.0};
}

std::vector<Zone> load_mesh_zones(const std::string& polygons_path, const std::string& csv_path,
                                  const std::string& crs_wkt, MeshJoinReport* report_out, bool holiday) {
  const long long wanted_day = holiday ? 0 : 1;  // MLIT dayflag: 0 holiday, 1 weekday
  const std::string day_word = holiday ? "holiday" : "weekday";
  MeshJoinReport report;
  struct Values { double day = 0, night = 0; bool has_day = false, has_night = false; std::string day_row, night_row; };
  std::map<std::string, Values> meshes;  // ordered by code: the zone order

  const detail::PointTable csv = detail::read_point_table(csv_path, {}, {});
  const int f_id = csv.find("mesh1kmid"), f_day = csv.find("dayflag"), f_tz = csv.find("timezone"),
            f_pop = csv.find("population");
  if (f_id < 0 || f_day < 0 || f_tz < 0 || f_pop < 0)
    throw InputError(csv_path, "header",
                     "an MLIT mesh population CSV needs mesh1kmid, dayflag, timezone, population; the columns are: " +
                         csv.field_list());
  report.csv_rows = csv.rows.size();
  for (const auto& row : csv.rows) {
    auto text = [&](int f) { return row.values[f] ? std::string(detail::trim(*row.values[f])) : std::string(); };
    auto integer = [&](int f) {
      const auto v = detail::parse_number(text(f));
      if (!v || *v != std::floor(*v))
        throw InputError(csv_path, row.place, csv.fields[f] + " '" + text(f) + "' is not a whole number");
      return static_cast<long long>(*v);
    };
    const std::string code = text(f_id);
    try {
      mesh1km_bounds(code);
    } catch (const std::invalid_argument& e) {
      throw InputError(csv_path, row.place, e.what());
    }
    if (integer(f_day) != wanted_day) continue;
    const long long tz = integer(f_tz);
    if (tz != 0 && tz != 1) continue;   // daytime and night, not the all-day mean
    ++report.weekday_rows;
    const auto pop = detail::parse_number(text(f_pop));
    if (!pop) throw InputError(csv_path, row.place, "population '" + text(f_pop) + "' is not a number");
    if (*pop < 0) throw InputError(csv_path, row.place, "population " + text(f_pop) + " is negative");
    if (*pop > limits::kMaxMeshPopulation)
      throw InputError(csv_path, row.place, "population " + text(f_pop) + " is above " +
                                                max_text(limits::kMaxMeshPopulation));
    Values& m = meshes[code];
    bool& has = tz == 0 ? m.has_day : m.has_night;
    std::string& first = tz == 0 ? m.day_row : m.night_row;
    if (has)
      throw InputError(csv_path, row.place,
                       "a second " + day_word + " " + std::string(tz == 0 ? "daytime" : "night") + " value for mesh " + code +
                           " (the first is at " + first + ")");
    has = true;
    first = row.place;
    (tz == 0 ? m.day : m.night) = *pop;
  }
  if (meshes.empty())
    throw InputError(csv_path, "", "has no " + day_word + " (dayflag " + std::to_string(wanted_day) +
                                       ") daytime or night (timezone 0/1) rows");

  DatasetPtr ds = open_vector(polygons_path);
  OGRLayer* layer = polygon_layer(*ds, polygons_path, {});
  OGRFeatureDefn* defn = layer->GetLayerDefn();
  const int f_code = field_index(defn, {"code", "mesh1kmid", "KEY_CODE", "MESH_CODE"});
  if (f_code < 0)
    throw InputError(polygons_path, "layer " + std::string(layer->GetName()),
                     "no mesh code field (looked for code, mesh1kmid, KEY_CODE, MESH_CODE); the fields are: " +
                         layer_fields(defn));
  std::vector<OGRSpatialReference> srs{layer_srs(layer, polygons_path), srs_from_epsg(6668)};
  std::map<std::string, RawZone> found;
  layer->ResetReading();
  for (auto& f : *layer) {
    ++report.polygons;
    const std::string code = f->GetFieldAsString(f_code);
    const std::string place = "layer " + std::string(layer->GetName()) + ": feature " + std::to_string(f->GetFID()) +
                              " (code " + code + ")";
    if (found.count(code)) throw InputError(polygons_path, place, "a second polygon for mesh " + code);
    if (!meshes.count(code)) { ++report.polygons_without_population; continue; }
    RawZone z;
    z.id = code;
    z.place = place;
    std::string why;
    z.parts = read_parts(f->GetGeometryRef(), why);
    if (z.parts.empty()) throw InputError(polygons_path, place, why);
    found.emplace(code, std::move(z));
  }

  std::vector<RawZone> raws;
  raws.reserve(meshes.size());
  for (const auto& [code, v] : meshes) {
    auto it = found.find(code);
    RawZone z;
    if (it != found.end()) {
      z = std::move(it->second);
    } else {
      // Offshore and reclaimed-land meshes the polygon file lacks: the square from its code.
      const auto b = mesh1km_bounds(code);
      z.id = code;
      z.place = "mesh " + code;
      z.parts = {{{{b[0], b[1]}, {b[2], b[1]}, {b[2], b[3]}, {b[0], b[3]}, {b[0], b[1]}}}};
      z.srs = 1;
      ++report.meshes_from_code;
    }
    z.day = v.day;
    z.night = v.night;
    z.share = kDefaultHomeShare;
    report.day_meshes += v.has_day;
    report.night_meshes += v.has_night;
    report.day_total += v.day;
    report.night_total += v.night;
    raws.push_back(std::move(z));
  }
  report.source_crs = detail::srs_name(&srs[0]);
  auto zones = finish(raws, srs, crs_wkt, polygons_path, &report.target_crs);
  report.zones = zones.size();
  if (report_out) *report_out = report;
  return zones;
}

}  // namespace kitaku::geo
