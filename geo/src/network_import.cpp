// load_network: read walkable lines from an OGR source (or a CrowdWalk map),
// project them to metres, split them into a graph, clean it and cache the result.
#include "kitaku/geo/network_import.hpp"

#include <cpl_conv.h>
#include <cpl_error.h>
#include <ogrsf_frmts.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstring>
#include <filesystem>
#include <numeric>
#include <optional>
#include <regex>
#include <toml++/toml.h>
#include <unistd.h>

#include "kitaku/geo/gdal_util.hpp"
#include "kitaku/sim/error.hpp"
#include "network_internal.hpp"

namespace kitaku::geo {
namespace {

using netimport::classify;
using netimport::LineAttrs;
using netimport::NameTable;
using netimport::RawLines;
using netimport::TagSet;

std::string lower(std::string_view s) {
  std::string r(s);
  for (auto& c : r) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return r;
}

bool is_line_type(OGRwkbGeometryType t) {
  t = wkbFlatten(t);
  return t == wkbLineString || t == wkbMultiLineString || t == wkbCircularString ||
         t == wkbCompoundCurve || t == wkbMultiCurve;
}

std::string layer_list(GDALDataset& ds) {
  std::string s;
  for (int i = 0; i < ds.GetLayerCount(); ++i) {
    OGRLayer* l = ds.GetLayer(i);
    if (!s.empty()) s += ", ";
    s += std::string(l->GetName()) + " (" + OGRGeometryTypeToName(l->GetGeomType()) + ")";
  }
  return s.empty() ? "none" : s;
}

OGRLayer* pick_layer(GDALDataset& ds, const std::string& path, const std::string& wanted, bool osm) {
  if (!wanted.empty() || osm) {
    const std::string name = wanted.empty() ? "lines" : wanted;
    OGRLayer* l = ds.GetLayerByName(name.c_str());
    if (!l) throw InputError(path, "layer '" + name + "'", "no such layer; the layers are: " + layer_list(ds));
    const auto t = wkbFlatten(l->GetGeomType());
    if (!is_line_type(t) && t != wkbUnknown && t != wkbGeometryCollection)
      throw InputError(path, "layer '" + name + "'",
                       std::string("holds ") + OGRGeometryTypeToName(t) + " geometries, not lines");
    return l;
  }
  for (int i = 0; i < ds.GetLayerCount(); ++i)
    if (is_line_type(ds.GetLayer(i)->GetGeomType())) return ds.GetLayer(i);
  // Mixed-geometry layers (GeoJSON with several types) declare no single type.
  for (int i = 0; i < ds.GetLayerCount(); ++i) {
    const auto t = wkbFlatten(ds.GetLayer(i)->GetGeomType());
    if (t == wkbUnknown || t == wkbGeometryCollection) return ds.GetLayer(i);
  }
  throw InputError(path, "", "no layer with line geometries; the layers are: " + layer_list(ds));
}

/// Checks --crs: a known, projected CRS in metres.
OGRSpatialReference target_srs(const std::string& path, int epsg) {
  OGRSpatialReference srs;
  if (epsg <= 0 || srs.importFromEPSG(epsg) != OGRERR_NONE)
    throw InputError(path, "--crs", "unknown CRS EPSG:" + std::to_string(epsg));
  srs.SetAxisMappingStrategy(OAMS_TRADITIONAL_GIS_ORDER);
  if (!srs.IsProjected() || std::fabs(srs.GetLinearUnits() - 1.0) > 1e-9)
    throw InputError(path, "--crs", "EPSG:" + std::to_string(epsg) + " (" + srs.GetName() +
                                        ") is not a projected CRS in metres");
  return srs;
}

/// Transforms points in place in chunks; ok[i] is cleared for points that fail.
void transform_points(const OGRSpatialReference& src, const OGRSpatialReference& dst,
                      std::vector<Point>& pts, std::vector<std::uint8_t>& ok) {
  ok.assign(pts.size(), 1);
  if (src.IsSame(&dst)) return;
  OGRSpatialReference s(src), d(dst);
  s.SetAxisMappingStrategy(OAMS_TRADITIONAL_GIS_ORDER);
  d.SetAxisMappingStrategy(OAMS_TRADITIONAL_GIS_ORDER);
  std::unique_ptr<OGRCoordinateTransformation, void (*)(OGRCoordinateTransformation*)> ct(
      OGRCreateCoordinateTransformation(&s, &d),
      [](OGRCoordinateTransformation* t) { OGRCoordinateTransformation::DestroyCT(t); });
  if (!ct) throw InputError(std::string(src.GetName()), "", "no transformation to " + std::string(dst.GetName()));
  constexpr std::size_t kChunk = 8192;
  std::vector<double> x(kChunk), y(kChunk);
  std::vector<int> good(kChunk);
  for (std::size_t b = 0; b < pts.size(); b += kChunk) {
    const std::size_t n = std::min(kChunk, pts.size() - b);
    for (std::size_t i = 0; i < n; ++i) { x[i] = pts[b + i].x; y[i] = pts[b + i].y; }
    ct->Transform(n, x.data(), y.data(), nullptr, good.data());
    for (std::size_t i = 0; i < n; ++i) {
      pts[b + i] = {x[i], y[i]};
      if (!good[i] || !std::isfinite(x[i]) || !std::isfinite(y[i])) ok[b + i] = 0;
    }
  }
}

/// Field indices of a non-OSM layer (-1 = absent).
struct Fields {
  int cls = -1, width = -1, name = -1, lanes = -1, other_tags = -1, flags = -1, source_id = -1, osm_id = -1;
  int carriageway = -1;  // Kitaku's own export: the carriageway part of `width`
  std::vector<std::pair<int, std::string>> tags;  // OSM-like columns copied as tags
  std::string class_key = "highway";
};

int find_field(OGRFeatureDefn* defn, const std::string& path, const std::string& layer,
               const std::string& explicit_name, std::initializer_list<const char*> candidates) {
  if (!explicit_name.empty()) {
    const int i = defn->GetFieldIndex(explicit_name.c_str());
    if (i < 0) {
      std::string all;
      for (int k = 0; k < defn->GetFieldCount(); ++k)
        all += (k ? ", " : "") + std::string(defn->GetFieldDefn(k)->GetNameRef());
      throw InputError(path, "layer '" + layer + "'",
                       "no field '" + explicit_name + "'; the fields are: " + (all.empty() ? "none" : all));
    }
    return i;
  }
  for (const char* c : candidates)
    if (const int i = defn->GetFieldIndex(c); i >= 0) return i;  // GetFieldIndex ignores case
  return -1;
}

Fields map_fields(OGRLayer& layer, const std::string& path, const AttributeMapping& m, bool osm) {
  OGRFeatureDefn* defn = layer.GetLayerDefn();
  const std::string lname = layer.GetName();
  Fields f;
  f.cls = find_field(defn, path, lname, m.class_field, {"highway", "fclass", "class", "type"});
  f.name = find_field(defn, path, lname, m.name_field, {"name"});
  f.width = find_field(defn, path, lname, m.width_field, {"width"});
  f.lanes = find_field(defn, path, lname, m.lanes_field, {"lanes"});
  f.other_tags = defn->GetFieldIndex("other_tags");
  f.osm_id = defn->GetFieldIndex("osm_id");
  if (!osm) {
    f.flags = defn->GetFieldIndex("flags");
    f.source_id = defn->GetFieldIndex("source_id");
    f.carriageway = defn->GetFieldIndex("carriageway");
    if (f.carriageway < 0) f.carriageway = defn->GetFieldIndex("carriagewa");  // a Shapefile's 10-character name
    for (const char* t : {"access", "foot", "area", "sidewalk", "sidewalk:both", "sidewalk:left",
                          "sidewalk:right", "sidewalk:width", "sidewalk:both:width", "sidewalk:left:width",
                          "sidewalk:right:width", "bridge", "tunnel", "footway", "est_width"})
      if (const int i = defn->GetFieldIndex(t); i >= 0) f.tags.emplace_back(i, t);
  }
  if (f.cls >= 0) f.class_key = defn->GetFieldDefn(f.cls)->GetNameRef();
  // Read only what is used: GDAL then skips decoding the other columns.
  std::vector<int> used{f.cls, f.width, f.name, f.lanes, f.other_tags, f.flags, f.source_id, f.osm_id, f.carriageway};
  for (const auto& t : f.tags) used.push_back(t.first);
  std::vector<std::string> ignored;
  for (int i = 0; i < defn->GetFieldCount(); ++i)
    if (std::find(used.begin(), used.end(), i) == used.end()) ignored.emplace_back(defn->GetFieldDefn(i)->GetNameRef());
  ignored.emplace_back("OGR_STYLE");
  std::vector<const char*> cs;
  for (const auto& s : ignored) cs.push_back(s.c_str());
  cs.push_back(nullptr);
  layer.SetIgnoredFields(cs.data());
  return f;
}

bool field_set(const OGRFeature& f, int i) { return i >= 0 && f.IsFieldSetAndNotNull(i); }

/// Collects the walkable features of one layer as raw line parts (source coordinates).
class LineCollector {
 public:
  LineCollector(const ImportOptions& opt, ImportReport& rep, bool osm)
      : opt_(opt), rep_(rep), osm_(osm), names_(raw.names) {}

  RawLines raw;

  void feature(OGRFeature& f, const Fields& fl) {
    ++rep_.features_read;
    tags_.clear();
    if (field_set(f, fl.cls)) tags_.add("highway", f.GetFieldAsString(fl.cls));
    if (field_set(f, fl.other_tags)) tags_.add_hstore(f.GetFieldAsString(fl.other_tags));
    if (field_set(f, fl.width)) tags_.add("width", f.GetFieldAsString(fl.width));
    if (field_set(f, fl.lanes)) tags_.add("lanes", f.GetFieldAsString(fl.lanes));
    for (const auto& [i, key] : fl.tags)
      if (field_set(f, i)) tags_.add(key, f.GetFieldAsString(i));
    auto v = classify(tags_, opt_.rules, fl.class_key, osm_ || fl.cls >= 0);
    if (!v.walkable) {
      ++rep_.excluded[v.reason];
      return;
    }
    ++rep_.features_walkable;
    // A file with a `carriageway` field (kitaku network --export) says how much of
    // its `width` is carriageway: no sidewalk defaults then.
    if (field_set(f, fl.carriageway) && field_set(f, fl.width)) {
      const double w = f.GetFieldAsDouble(fl.width), c = f.GetFieldAsDouble(fl.carriageway);
      if (w > 0 && w <= 200 && c >= 0 && c <= w) {
        v.width_m = static_cast<float>(w);
        v.carriageway_m = static_cast<float>(c);
      }
    }
    LineAttrs a{v.cls, v.width_m, v.flags, 0, f.GetFID(), v.carriageway_m};
    if (field_set(f, fl.flags)) a.flags |= static_cast<std::uint8_t>(f.GetFieldAsInteger(fl.flags) & 0xFF);
    if (field_set(f, fl.source_id)) a.source_id = f.GetFieldAsInteger64(fl.source_id);
    else if (field_set(f, fl.osm_id)) a.source_id = std::strtoll(f.GetFieldAsString(fl.osm_id), nullptr, 10);
    if (field_set(f, fl.name)) a.name = names_.intern(f.GetFieldAsString(fl.name));
    const std::size_t parts_before = raw.parts();
    raw.attrs.push_back(a);
    if (const OGRGeometry* g = f.GetGeometryRef()) add_geometry(*g);
    else ++rep_.invalid_geometries;
    if (raw.parts() == parts_before) raw.attrs.pop_back();
  }

 private:
  void add_geometry(const OGRGeometry& g) {
    switch (wkbFlatten(g.getGeometryType())) {
      case wkbLineString:
        return add_line(*g.toLineString());
      case wkbMultiLineString:
      case wkbGeometryCollection:
      case wkbMultiCurve:
        for (const auto* part : *g.toGeometryCollection()) add_geometry(*part);
        return;
      case wkbCircularString:
      case wkbCompoundCurve: {
        std::unique_ptr<OGRGeometry> lin(g.getLinearGeometry());
        if (lin) return add_geometry(*lin);
        ++rep_.invalid_geometries;
        return;
      }
      default:
        ++rep_.invalid_geometries;  // a point or polygon in a line layer
    }
  }

  void add_line(const OGRLineString& ls) {
    const int n = ls.getNumPoints();
    bool good = n >= 2;
    for (int i = 0; good && i < n; ++i) good = std::isfinite(ls.getX(i)) && std::isfinite(ls.getY(i));
    if (!good) {
      ++rep_.invalid_geometries;
      return;
    }
    for (int i = 0; i < n; ++i) {
      const double x = ls.getX(i), y = ls.getY(i);
      raw.pts.push_back({x, y});
      if (osm_) {
        // OSM node identity: GDAL does not expose node ids, but OSM stores positions
        // as integers of 1e-7 degrees, so equal integers mean the same node.
        const auto lon = static_cast<std::int32_t>(std::llround(x * 1e7));
        const auto lat = static_cast<std::int32_t>(std::llround(y * 1e7));
        raw.keys.push_back((static_cast<std::uint64_t>(static_cast<std::uint32_t>(lon)) << 32) |
                           static_cast<std::uint32_t>(lat));
      }
    }
    raw.part_first.push_back(static_cast<std::uint32_t>(raw.pts.size()));
    raw.part_attr.push_back(static_cast<std::uint32_t>(raw.attrs.size() - 1));
  }

  const ImportOptions& opt_;
  ImportReport& rep_;
  bool osm_;
  TagSet tags_;
  NameTable names_;
};

// GDAL's OSM debug messages about missing nodes, as of GDAL 3.6:
// "For way 11, got only 2 nodes instead of 4" and "Way 12 with 0 nodes that could be
// found. Discarding it".
void note_missing_nodes(std::string_view message, ImportReport& rep) {
  static const std::regex cut(R"(For way (-?[0-9]+), got only ([0-9]+) nodes instead of ([0-9]+))");
  static const std::regex dropped(R"(Way (-?[0-9]+) with ([0-9]+) nodes? that could be found)");
  const std::string m(message);
  std::smatch g;
  ImportReport::MissingNodesWay w;
  if (std::regex_search(m, g, cut)) {
    w = {std::stoll(g[1]), std::stoul(g[2]), std::stoul(g[3])};
    ++rep.ways_cut_short;
  } else if (std::regex_search(m, g, dropped)) {
    w = {std::stoll(g[1]), std::stoul(g[2]), 0};
    ++rep.ways_dropped_missing_nodes;
  } else {
    return;
  }
  if (rep.missing_nodes_examples.size() < ImportReport::kMissingNodesExamples) rep.missing_nodes_examples.push_back(w);
}

// A read failure in words: GDAL's cause (its first message) and, for a file that is
// only beyond a reader's limits, what that limit is rather than "damaged".
std::string read_error_text(std::size_t features, std::string gdal) {
  const std::string hint = gdal_limit_hint(gdal);
  return "read error after " + std::to_string(features) + " features: " + gdal +
         (hint.empty() ? " (truncated or damaged file?)" : hint);
}

std::string excluded_summary(const ImportReport& r) {
  std::vector<std::pair<std::size_t, std::string>> v;
  for (const auto& [why, n] : r.excluded) v.emplace_back(n, why);
  std::sort(v.begin(), v.end(), [](const auto& a, const auto& b) { return a.first > b.first || (a.first == b.first && a.second < b.second); });
  std::string s;
  for (std::size_t i = 0; i < v.size() && i < 6; ++i) s += (i ? ", " : "") + v[i].second + " " + std::to_string(v[i].first);
  if (v.size() > 6) s += ", ...";
  return s;
}

// Longitude/latitude out of range is an error naming the feature, and says when the
// two look swapped, rather than a silent drop of every line in the transform.
void check_lonlat(const std::string& path, const std::string& place, const RawLines& raw) {
  for (std::size_t i = 0; i < raw.pts.size(); ++i) {
    const Point p = raw.pts[i];
    if (std::fabs(p.x) <= 180 && std::fabs(p.y) <= 90) continue;
    const auto part = static_cast<std::size_t>(
        std::upper_bound(raw.part_first.begin(), raw.part_first.end(), static_cast<std::uint32_t>(i)) -
        raw.part_first.begin() - 1);
    const std::int64_t fid = raw.attrs[raw.part_attr[part]].source_id;
    char buf[160];
    std::snprintf(buf, sizeof buf, "longitude %.7g, latitude %.7g is out of range", p.x, p.y);
    std::string why = buf;
    if (std::fabs(p.y) > 90 && std::fabs(p.y) <= 180 && std::fabs(p.x) <= 90)
      why += " (latitude and longitude look swapped)";
    throw InputError(path, place + ", feature " + std::to_string(fid), why);
  }
}

// Reading features is most of an import; splitting, projecting and cleaning the rest.
constexpr double kReadShare = 0.8;

NetworkData import_ogr(const std::string& path, const ImportOptions& opt,
                       const std::optional<OGRSpatialReference>& target, ImportReport& rep) {
  DatasetPtr ds = open_vector(path);
  rep.driver = ds->GetDriver() ? ds->GetDriver()->GetDescription() : "";
  const bool osm = rep.driver == "OSM";
  OGRLayer* layer = pick_layer(*ds, path, opt.layer, osm);
  rep.layer = layer->GetName();
  const std::string place = "layer '" + rep.layer + "'";
  const Fields fields = map_fields(*layer, path, opt.mapping, osm);

  LineCollector lines(opt, rep, osm);
  clear_gdal_error();
  // GDAL's OSM reader tells only in debug messages of the ways it cut short or
  // dropped because the file lacks some of their nodes.
  std::optional<GdalDebugCapture> osm_debug;
  if (osm) osm_debug.emplace("OSM", [&rep](std::string_view m) { note_missing_nodes(m, rep); });
  if (osm) {
    // The OSM driver must be read interleaved: features of every layer arrive from
    // one pass over the file; those of other layers are discarded.
    ds->ResetReading();
    OGRLayer* from = nullptr;
    double pct = 0;
    std::size_t seen = 0;
    while (OGRFeatureUniquePtr f{ds->GetNextFeature(&from, opt.progress ? &pct : nullptr, nullptr, nullptr)}) {
      if (from == layer) lines.feature(*f, fields);
      if (opt.progress && (++seen & 0xFFF) == 0) opt.progress(kReadShare * pct);
    }
  } else {
    layer->ResetReading();
    const GIntBig total = opt.progress ? layer->GetFeatureCount(FALSE) : -1;
    std::size_t seen = 0;
    while (OGRFeatureUniquePtr f{layer->GetNextFeature()}) {
      lines.feature(*f, fields);
      if (total > 0 && (++seen & 0xFFF) == 0) opt.progress(kReadShare * static_cast<double>(seen) / static_cast<double>(total));
    }
  }
  osm_debug.reset();
  if (opt.progress) opt.progress(kReadShare);
  if (CPLGetLastErrorType() == CE_Failure)
    throw InputError(path, place, read_error_text(rep.features_read, last_gdal_error()));
  if (rep.features_read == 0) throw InputError(path, place, "the layer has no features");
  if (rep.features_walkable == 0)
    throw InputError(path, place, "no walkable features among " + std::to_string(rep.features_read) +
                                      " (excluded: " + excluded_summary(rep) + ")");
  RawLines& raw = lines.raw;
  if (raw.parts() == 0)
    throw InputError(path, place, "none of the " + std::to_string(rep.features_walkable) +
                                      " walkable features has a valid line geometry");

  // Source CRS. A source without one is taken as WGS84 when every coordinate is a
  // plausible longitude/latitude, else as already in the --crs CRS.
  OGRSpatialReference src;
  if (const OGRSpatialReference* s = layer->GetSpatialRef()) {
    src = *s;
  } else {
    bool lonlat = true;
    for (const Point& p : raw.pts) lonlat = lonlat && std::fabs(p.x) <= 180 && std::fabs(p.y) <= 90;
    if (lonlat) src = wgs84();
    else if (target) src = *target;
    else throw InputError(path, place, "the layer has no CRS and its coordinates are not longitude/latitude; "
                                       "give its projected CRS with --crs EPSG");
  }
  src.SetAxisMappingStrategy(OAMS_TRADITIONAL_GIS_ORDER);
  if (src.IsGeographic()) check_lonlat(path, place, raw);

  // Target CRS: --crs, else a projected source in metres as it is, else the UTM zone
  // of the data's centre.
  OGRSpatialReference dst;
  if (target) {
    dst = *target;
  } else if (src.IsProjected() && std::fabs(src.GetLinearUnits() - 1.0) < 1e-9) {
    dst = src;
  } else {
    BBox box;
    for (const Point& p : raw.pts) box.extend(p);
    double cx = (box.min_x + box.max_x) / 2, cy = (box.min_y + box.max_y) / 2;
    if (!src.IsGeographic()) {
      Transform to_wgs(src, wgs84());
      if (!to_wgs.apply(cx, cy) || !(std::fabs(cx) <= 180 && std::fabs(cy) <= 90)) {
        char buf[160];
        std::snprintf(buf, sizeof buf, "the data's centre (%.6g, %.6g) in its CRS has no longitude/latitude",
                      (box.min_x + box.max_x) / 2, (box.min_y + box.max_y) / 2);
        throw InputError(path, place, std::string(buf) + " (coordinates out of the CRS's range?)");
      }
    }
    dst = srs_from_epsg(utm_epsg(cx, cy));
  }
  dst.SetAxisMappingStrategy(OAMS_TRADITIONAL_GIS_ORDER);
  rep.crs_name = dst.GetName() ? dst.GetName() : "";
  rep.epsg = netimport::identify_epsg(dst);

  std::vector<std::uint8_t> ok;
  transform_points(src, dst, raw.pts, ok);
  if (std::find(ok.begin(), ok.end(), 0) != ok.end()) {
    // Drop parts with a point outside the target CRS's domain.
    RawLines kept;
    kept.attrs = std::move(raw.attrs);
    kept.names = std::move(raw.names);
    for (std::size_t p = 0; p < raw.parts(); ++p) {
      const auto b = raw.part_first[p], e = raw.part_first[p + 1];
      if (std::find(ok.begin() + b, ok.begin() + e, 0) != ok.begin() + e) {
        ++rep.invalid_geometries;
        continue;
      }
      kept.pts.insert(kept.pts.end(), raw.pts.begin() + b, raw.pts.begin() + e);
      if (!raw.keys.empty()) kept.keys.insert(kept.keys.end(), raw.keys.begin() + b, raw.keys.begin() + e);
      kept.part_first.push_back(static_cast<std::uint32_t>(kept.pts.size()));
      kept.part_attr.push_back(raw.part_attr[p]);
    }
    raw = std::move(kept);
    if (raw.parts() == 0)
      throw InputError(path, place, "no walkable line could be transformed to " + rep.crs_name);
  }
  ds.reset();

  NetworkData d = netimport::build_topology(raw, opt.snap_tolerance_m, rep);
  d.crs_wkt = wkt2(dst);
  d.epsg = rep.epsg;
  return d;
}

NetworkData import_crowdwalk(const std::string& path, const std::optional<OGRSpatialReference>& target,
                             ImportReport& rep) {
  NetworkData d = read_crowdwalk_map(path);
  rep.driver = "CrowdWalk";
  rep.layer = "map";
  rep.features_read = rep.features_walkable = d.edge_count();
  OGRSpatialReference src = srs_from_epsg(6677);
  if (target && !target->IsSame(&src)) {
    std::vector<std::uint8_t> ok;
    transform_points(src, *target, d.node_pos, ok);
    if (std::find(ok.begin(), ok.end(), 0) != ok.end())
      throw InputError(path, "--crs", "the map cannot be transformed to " + std::string(target->GetName()));
    // Geometry is the straight line between the nodes; the link lengths stay as given.
    for (std::size_t e = 0; e < d.edge_count(); ++e) {
      d.geom_points[d.geom_first[e]] = d.node_pos[index(d.edge_from[e])];
      d.geom_points[d.geom_first[e] + 1] = d.node_pos[index(d.edge_to[e])];
    }
    d.crs_wkt = wkt2(*target);
    d.epsg = netimport::identify_epsg(*target);
    src = *target;
  }
  rep.crs_name = src.GetName();
  rep.epsg = d.epsg;
  return d;
}

/// Counts connected components without dropping any (--keep-all-components).
ComponentReport count_components(const NetworkData& d) {
  std::vector<std::uint32_t> parent(d.node_count());
  std::iota(parent.begin(), parent.end(), 0u);
  auto find = [&](std::uint32_t v) {
    while (parent[v] != v) v = parent[v] = parent[parent[v]];
    return v;
  };
  std::size_t comps = d.node_count();
  for (std::size_t e = 0; e < d.edge_count(); ++e) {
    const auto a = find(index(d.edge_from[e])), b = find(index(d.edge_to[e]));
    if (a != b) { parent[std::max(a, b)] = std::min(a, b); --comps; }
  }
  ComponentReport r;
  r.components = comps;
  r.kept_nodes = d.node_count();
  r.kept_edges = d.edge_count();
  return r;
}

}  // namespace

WalkableRules load_walkable_rules(const std::string& path) {
  namespace fs = std::filesystem;
  std::error_code ec;
  if (!fs::exists(path, ec)) throw InputError(path, "", "no such file");
  toml::table root;
  try {
    root = toml::parse_file(path);
  } catch (const toml::parse_error& e) {
    throw InputError(path, "line " + std::to_string(e.source().begin.line), std::string(e.description()));
  }
  auto line = [](const toml::node& n) { return "line " + std::to_string(n.source().begin.line); };
  auto strings = [&](const toml::node& n, const std::string& key) {
    const toml::array* a = n.as_array();
    if (!a) throw InputError(path, line(n) + ": key '" + key + "'", "expected an array of strings");
    std::vector<std::string> out;
    for (const auto& v : *a) {
      const auto s = v.value<std::string>();
      if (!s || !v.is_string()) throw InputError(path, line(v) + ": key '" + key + "'", "expected an array of strings");
      out.push_back(*s);
    }
    return out;
  };
  WalkableRules r;
  for (const auto& [k, v] : root) {
    const std::string key(k.str());
    if (key == "highways") {
      r.highways = strings(v, key);
    } else if (key == "foot_allows") {
      r.foot_allows = strings(v, key);
    } else if (key == "exclude") {
      const toml::table* t = v.as_table();
      if (!t) throw InputError(path, line(v) + ": key 'exclude'", "expected a table of tag = [values]");
      r.exclude.clear();
      for (const auto& [tk, tv] : *t) r.exclude[std::string(tk.str())] = strings(tv, "exclude." + std::string(tk.str()));
    } else {
      throw InputError(path, line(v) + ": key '" + key + "'",
                       "unknown key (expected highways, exclude, foot_allows)");
    }
  }
  return r;
}

LoadedNetwork load_network(const std::string& path, const ImportOptions& opt) {
  const auto t0 = std::chrono::steady_clock::now();
  gdal_init();
  if (!std::isfinite(opt.snap_tolerance_m) || opt.snap_tolerance_m < 0)
    throw InputError(path, "--snap-tolerance", "must be a number >= 0 (metres)");
  std::optional<OGRSpatialReference> target;
  if (opt.target_epsg != 0) target = target_srs(path, opt.target_epsg);
  auto seconds = [&] { return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count(); };

  std::optional<netimport::CacheKey> key;
  if (opt.use_cache) key = netimport::cache_key(path, opt);
  if (key)
    if (auto hit = netimport::read_cache(*key)) {
      hit->report.from_cache = true;
      hit->report.cache_file = key->file;
      hit->report.load_seconds = seconds();
      return std::move(*hit);
    }

  ImportReport rep;
  rep.source = path;
  NetworkData d = netimport::looks_like_crowdwalk(path) ? import_crowdwalk(path, target, rep)
                                                        : import_ogr(path, opt, target, rep);
  netimport::clean_network(d, rep);
  if (d.edge_count() == 0)
    throw InputError(path, "layer '" + rep.layer + "'",
                     "no edges left after dropping self-loops, zero-length and duplicate edges");
  rep.components = opt.keep_largest_component ? keep_largest_component(d) : count_components(d);
  netimport::summarise(d, rep);
  if (key) {
    netimport::write_cache(*key, d, rep);
    rep.cache_file = key->file;
  }
  LoadedNetwork out{Network(std::move(d)), std::move(rep)};
  out.report.load_seconds = seconds();
  if (opt.progress) opt.progress(1.0);
  return out;
}

void write_network(const Network& net, const std::string& path, const std::string& layer_name) {
  gdal_init();
  namespace fs = std::filesystem;
  const std::string ext = lower(fs::path(path).extension().string());
  std::string driver;
  if (ext == ".gpkg") driver = "GPKG";
  else if (ext == ".geojson" || ext == ".json") driver = "GeoJSON";
  else if (ext == ".fgb") driver = "FlatGeobuf";
  else if (ext == ".shp") driver = "ESRI Shapefile";
  else throw InputError(path, "", "unknown output format '" + ext + "' (use .gpkg, .geojson, .fgb or .shp)");

  OGRSpatialReference srs;
  const bool has_srs = !net.crs_wkt().empty() && srs.importFromWkt(net.crs_wkt().c_str()) == OGRERR_NONE;
  if (has_srs) srs.SetAxisMappingStrategy(OAMS_TRADITIONAL_GIS_ORDER);

  auto write = [&](const std::string& out) {
    DatasetPtr ds = create_vector(out, driver);
    OGRLayer* l = ds->CreateLayer(layer_name.c_str(), has_srs ? &srs : nullptr, wkbLineString, nullptr);
    if (!l) throw InputError(path, "layer '" + layer_name + "'", "cannot create layer: " + last_gdal_error());
    auto field = [&](const char* name, OGRFieldType t) {
      OGRFieldDefn fd(name, t);
      if (l->CreateField(&fd) != OGRERR_NONE)
        throw InputError(path, std::string("field ") + name, "cannot create: " + last_gdal_error());
    };
    field("highway", OFTString);
    field("width", OFTReal);
    field(driver == "ESRI Shapefile" ? "carriagewa" : "carriageway", OFTReal);  // dBase names: 10 characters
    field("length_m", OFTReal);
    field("name", OFTString);
    field("flags", OFTInteger);
    field("stairs", OFTInteger);
    field("source_id", OFTInteger64);
    const bool tx = ds->TestCapability(ODsCTransactions) && ds->StartTransaction() == OGRERR_NONE;
    OGRFeature f(l->GetLayerDefn());
    for (std::uint32_t e = 0; e < net.edge_count(); ++e) {
      const EdgeId id{e};
      f.SetFID(OGRNullFID);
      f.SetField(0, std::string(name(net.road_class(id))).c_str());
      f.SetField(1, static_cast<double>(net.width(id)));
      f.SetField(2, static_cast<double>(net.carriageway(id)));
      f.SetField(3, static_cast<double>(net.length(id)));
      const auto nm = net.name(id);
      if (nm.empty()) f.SetFieldNull(4); else f.SetField(4, std::string(nm).c_str());
      f.SetField(5, static_cast<int>(net.flags(id)));
      f.SetField(6, (net.flags(id) & kStairs) ? 1 : 0);
      f.SetField(7, static_cast<GIntBig>(net.source_id(id)));
      OGRLineString ls;
      const auto g = net.geometry(id);
      ls.setNumPoints(static_cast<int>(g.size()), false);
      for (std::size_t i = 0; i < g.size(); ++i) ls.setPoint(static_cast<int>(i), g[i].x, g[i].y);
      f.SetGeometry(&ls);
      if (l->CreateFeature(&f) != OGRERR_NONE)
        throw InputError(path, "edge " + std::to_string(e), "cannot write: " + last_gdal_error());
    }
    if (tx && ds->CommitTransaction() != OGRERR_NONE)
      throw InputError(path, "", "cannot commit: " + last_gdal_error());
    ds.reset();  // closing flushes; FlatGeobuf builds its index here
  };

  if (driver != "ESRI Shapefile") return write_atomically(path, write);
  // A shapefile is several files: write them under temporary names, then rename
  // each into place, the .shp last so a reader finding it finds the others too.
  const fs::path target(path);
  const fs::path tmpdir = target.parent_path() / (".tmp-" + std::to_string(::getpid()) + "-" + target.stem().string());
  std::error_code ec;
  fs::remove_all(tmpdir, ec);
  fs::create_directories(tmpdir, ec);
  if (ec) throw InputError(path, "", "cannot create a temporary folder: " + ec.message());
  try {
    write((tmpdir / target.filename()).string());
    std::vector<fs::path> files;
    for (const auto& entry : fs::directory_iterator(tmpdir)) files.push_back(entry.path());
    std::sort(files.begin(), files.end(), [](const fs::path& a, const fs::path& b) {
      return (lower(a.extension().string()) == ".shp") < (lower(b.extension().string()) == ".shp");
    });
    for (const auto& p : files) fs::rename(p, target.parent_path() / (target.stem().string() + p.extension().string()));
  } catch (...) {
    fs::remove_all(tmpdir, ec);
    throw;
  }
  fs::remove_all(tmpdir, ec);
}

}  // namespace kitaku::geo
