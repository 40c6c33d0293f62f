#include "kitaku/geo/run_folder.hpp"

#include <cpl_conv.h>
#include <ogrsf_frmts.h>

#include <algorithm>
#include <array>
#include <optional>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <sstream>
#include <toml++/toml.h>

#include "kitaku/geo/gdal_util.hpp"
#include "kitaku/geo/results.hpp"
#include "kitaku/geo/sha256.hpp"
#include "kitaku/sim/error.hpp"

namespace kitaku::geo {
namespace {

namespace fs = std::filesystem;

std::string slurp(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw InputError(path, "", "cannot be read");
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// manifest.sha256: "HASH  NAME" lines; name -> hash.
std::map<std::string, std::string> read_manifest(const std::string& dir) {
  const std::string path = (fs::path(dir) / kManifestFile).string();
  std::error_code ec;
  if (!fs::exists(path, ec))
    throw InputError(dir, "", "not a whole run: no " + std::string(kManifestFile) +
                                  " (written last by `kitaku run`): the run was killed or is still writing; "
                                  "run it again to finish it");
  std::map<std::string, std::string> m;
  std::istringstream in(slurp(path));
  std::string line;
  int no = 0;
  while (std::getline(in, line)) {
    ++no;
    const auto sp = line.find("  ");
    if (sp != 64) throw InputError(path, "line " + std::to_string(no), "expected \"SHA256  NAME\"");
    m[line.substr(sp + 2)] = line.substr(0, sp);
  }
  return m;
}

// A file the comparison reads must be in the manifest with its hash unchanged.
std::string checked_file(const std::string& dir, std::string_view name, const std::map<std::string, std::string>& manifest) {
  const std::string path = (fs::path(dir) / name).string();
  std::error_code ec;
  if (!fs::exists(path, ec)) throw InputError(path, "", "missing: the run folder is not whole");
  const auto it = manifest.find(std::string(name));
  if (it == manifest.end())
    throw InputError(dir, std::string(kManifestFile), std::string(name) + " is not listed: not a whole run");
  if (sha256_file(path) != it->second)
    throw InputError(path, "", "changed since the run wrote it (its SHA-256 differs from " + std::string(kManifestFile) +
                                   "): the folder is not a whole run any more");
  return path;
}

void read_summary(const std::string& path, RunRecord& r) {
  nlohmann::json j;
  try {
    j = nlohmann::json::parse(slurp(path));
  } catch (const nlohmann::json::exception& e) {
    throw InputError(path, "", std::string("not valid JSON: ") + e.what());
  }
  if (!j.is_object()) throw InputError(path, "", "not a JSON object");
  const auto num = [&](const char* key) {
    const auto it = j.find(key);
    if (it == j.end() || !it->is_number()) throw InputError(path, key, "missing or not a number");
    return it->get<double>();
  };
  const auto str = [&](const char* key) {
    const auto it = j.find(key);
    return it != j.end() && it->is_string() ? it->get<std::string>() : std::string();
  };
  if (const auto it = j.find("partial"); it != j.end() && it->is_boolean() && it->get<bool>())
    throw InputError(r.dir, "summary.json", "the run stopped early (\"partial\": true): its figures cover only part "
                                            "of the scenario; run it again (it resumes from its checkpoint, if any)");
  r.scenario_name = str("scenario");
  r.kitaku_version = str("kitaku_version");
  Summary& s = r.summary;
  s.agents = static_cast<std::int64_t>(num("agents"));
  s.persons_per_agent = num("persons_per_agent");
  s.seed = static_cast<std::uint64_t>(num("seed"));
  s.sim_seconds = static_cast<std::int64_t>(num("sim_seconds"));
  s.wall_seconds = num("wall_seconds");
  s.person_minutes_ge6 = num("person_minutes_ge6");
  s.person_minutes_ge4 = num("person_minutes_ge4");
  s.peak_km_road_ge6 = num("peak_km_road_ge6");
  s.peak_sheltered = num("peak_sheltered");
  s.peak_unsheltered_stranded = num("peak_unsheltered_stranded");
  s.arrived_home = num("arrived_home");
  s.by_rail = num("by_rail");
  s.walkers = num("walkers");
  s.persons_ge6_3h = num("persons_ge6_3h");
  s.share_walkers_ge6_3h = num("share_walkers_ge6_3h");
  s.persons_ge6_1h = num("persons_ge6_1h");
  s.persons_ge4_3h = num("persons_ge4_3h");
  r.persons = num("persons");
}

void read_city(const std::string& path, RunRecord& r) {
  toml::table root;
  try {
    root = toml::parse(slurp(path), path);
  } catch (const toml::parse_error& e) {
    throw InputError(path, "line " + std::to_string(e.source().begin.line), std::string(e.description()));
  }
  std::ostringstream ss;
  if (const toml::table* city = root["city"].as_table()) ss << *city;
  r.city = ss.str();
}

void read_timeseries(const std::string& path, RunRecord& r) {
  std::istringstream in(slurp(path));
  std::string line;
  if (!std::getline(in, line) || line.empty()) throw InputError(path, "", "empty: no header line");
  std::vector<std::string> names;
  {
    std::istringstream hs(line);
    std::string n;
    while (std::getline(hs, n, ',')) names.push_back(n);
  }
  if (names.empty() || names[0] != "time_s") throw InputError(path, "line 1", "expected the header to start with time_s");
  std::vector<std::vector<double>> cols(names.size());
  int no = 1;
  while (std::getline(in, line)) {
    ++no;
    if (line.empty()) continue;
    std::size_t col = 0, pos = 0;
    for (;;) {
      const std::size_t end = std::min(line.find(',', pos), line.size());
      if (col >= names.size()) throw InputError(path, "line " + std::to_string(no), "more fields than the header has");
      const std::string field = line.substr(pos, end - pos);
      char* stop = nullptr;
      const double v = std::strtod(field.c_str(), &stop);
      if (field.empty() || *stop != '\0')
        throw InputError(path, "line " + std::to_string(no) + ", column " + names[col], "not a number: \"" + field + "\"");
      cols[col++].push_back(v);
      if (end == line.size()) break;
      pos = end + 1;
    }
    if (col != names.size())
      throw InputError(path, "line " + std::to_string(no),
                       std::to_string(col) + " fields, the header has " + std::to_string(names.size()));
  }
  r.time_s = std::move(cols[0]);
  for (std::size_t i = 1; i < names.size(); ++i) r.series[names[i]] = std::move(cols[i]);
}

void read_edges(const std::string& path, RunRecord& r, bool with_geometry) {
  DatasetPtr ds = open_vector(path);
  OGRLayer* layer = ds->GetLayerByName("edges");
  if (!layer) throw InputError(path, "", "has no layer \"edges\"");
  OGRFeatureDefn* def = layer->GetLayerDefn();
  const auto field = [&](const char* name, bool required) {
    const int i = def->GetFieldIndex(name);
    if (i < 0 && required) throw InputError(path, "layer edges", std::string("has no field ") + name);
    return i;
  };
  const int f_id = field("edge_id", true), f_ge6 = field("minutes_ge6", true), f_peak = field("peak_density", true);
  // Written since results.gpkg gained them (issue 18); null in older runs.
  const int f_first = field("first_crush_min", false), f_at = field("peak_at_min", false);
  const int f_name = field("name", false), f_width = field("width_m", with_geometry);
  const GIntBig n = layer->GetFeatureCount(TRUE);
  if (n < 0) throw InputError(path, "layer edges", "cannot count the features");
  const auto count = static_cast<std::size_t>(n);
  r.minutes_ge6.assign(count, NAN);
  r.peak_density.assign(count, NAN);
  r.first_crush_min.assign(count, NAN);
  r.peak_at_min.assign(count, NAN);
  std::vector<char> seen(count, 0);
  if (with_geometry) {
    r.edge_geometry.assign(count, {});
    r.edge_width_m.assign(count, 0);
    r.edge_name.assign(count, {});
    r.edge_class.assign(count, {});
    if (const OGRSpatialReference* srs = layer->GetSpatialRef()) {
      char* wkt = nullptr;
      if (srs->exportToWkt(&wkt) == OGRERR_NONE && wkt) r.crs_wkt = wkt;
      CPLFree(wkt);
    }
  }
  const int f_class = field("road_class", false);
  layer->ResetReading();
  std::size_t read = 0;
  for (std::unique_ptr<OGRFeature> f(layer->GetNextFeature()); f; f.reset(layer->GetNextFeature())) {
    const GIntBig id = f->GetFieldAsInteger64(f_id);
    if (id < 0 || static_cast<std::size_t>(id) >= count || seen[static_cast<std::size_t>(id)])
      throw InputError(path, "layer edges, feature " + std::to_string(f->GetFID()),
                       "edge_id " + std::to_string(id) + " is out of 0.." + std::to_string(count - 1) + " or repeated");
    const auto e = static_cast<std::size_t>(id);
    seen[e] = 1;
    ++read;
    const auto real = [&](int i) {
      return i >= 0 && f->IsFieldSetAndNotNull(i) ? static_cast<float>(f->GetFieldAsDouble(i)) : NAN;
    };
    r.minutes_ge6[e] = real(f_ge6);
    r.peak_density[e] = real(f_peak);
    r.first_crush_min[e] = real(f_first);
    r.peak_at_min[e] = real(f_at);
    if (with_geometry) {
      r.edge_width_m[e] = real(f_width);
      if (f_name >= 0 && f->IsFieldSetAndNotNull(f_name)) r.edge_name[e] = f->GetFieldAsString(f_name);
      if (f_class >= 0 && f->IsFieldSetAndNotNull(f_class)) r.edge_class[e] = f->GetFieldAsString(f_class);
      if (const OGRGeometry* g = f->GetGeometryRef(); g && wkbFlatten(g->getGeometryType()) == wkbLineString) {
        const auto* ls = g->toLineString();
        auto& pts = r.edge_geometry[e];
        pts.reserve(static_cast<std::size_t>(ls->getNumPoints()));
        for (int i = 0; i < ls->getNumPoints(); ++i) pts.push_back({ls->getX(i), ls->getY(i)});
      }
    }
  }
  if (read != count)
    throw InputError(path, "layer edges", "read " + std::to_string(read) + " of " + std::to_string(count) + " features");
}

std::optional<double> finite(float v) {
  return std::isfinite(v) ? std::optional<double>(v) : std::nullopt;
}

}  // namespace

RunRecord read_run_folder(const std::string& dir, bool with_geometry) {
  std::error_code ec;
  if (!fs::exists(dir, ec)) throw InputError(dir, "", "no such run folder");
  if (!fs::is_directory(dir, ec)) throw InputError(dir, "", "not a folder (expected a `kitaku run` output folder)");
  if (!fs::exists(fs::path(dir) / kSummaryFile, ec))
    throw InputError(dir, "", "no summary.json: not a finished `kitaku run` output folder");
  RunRecord r;
  r.dir = dir;
  const auto manifest = read_manifest(dir);
  read_summary(checked_file(dir, kSummaryFile, manifest), r);
  read_city(checked_file(dir, kScenarioFile, manifest), r);
  read_timeseries(checked_file(dir, kTimeseriesFile, manifest), r);
  read_edges(checked_file(dir, kResultsGpkgFile, manifest), r, with_geometry);
  return r;
}

void write_difference_gpkg(const std::string& path, const RunRecord& a, const RunRecord& b, const RunComparison& c) {
  const std::size_t n = a.edge_count();
  if (a.edge_geometry.size() != n || b.edge_count() != n || c.difference_minutes_ge6.size() != n)
    throw std::invalid_argument("write_difference_gpkg: run A read without geometry, or the runs' sizes differ");
  gdal_init();
  OGRSpatialReference srs;
  const bool has_srs = !a.crs_wkt.empty() && srs.importFromWkt(a.crs_wkt.c_str()) == OGRERR_NONE;
  if (has_srs) srs.SetAxisMappingStrategy(OAMS_TRADITIONAL_GIS_ORDER);
  write_atomically(path, [&](const std::string& tmp) {
    DatasetPtr ds = create_vector(tmp, "GPKG");
    const char* options[] = {n <= kGpkgSpatialIndexMaxEdges ? "SPATIAL_INDEX=YES" : "SPATIAL_INDEX=NO", nullptr};
    OGRLayer* l = ds->CreateLayer("difference", has_srs ? &srs : nullptr, wkbLineString, const_cast<char**>(options));
    if (!l) throw InputError(path, "layer difference", "cannot create: " + last_gdal_error());
    const std::pair<const char*, OGRFieldType> fields[] = {
        {"edge_id", OFTInteger64},      {"name", OFTString},           {"road_class", OFTString},
        {"width_m", OFTReal},           {"minutes_ge6_a", OFTReal},    {"minutes_ge6_b", OFTReal},
        {"minutes_ge6_diff", OFTReal},  {"first_crush_min_a", OFTReal}, {"first_crush_min_b", OFTReal},
        {"peak_at_min_a", OFTReal},     {"peak_at_min_b", OFTReal},    {"peak_density_a", OFTReal},
        {"peak_density_b", OFTReal}};
    for (const auto& [name, type] : fields) {
      OGRFieldDefn fd(name, type);
      if (l->CreateField(&fd) != OGRERR_NONE)
        throw InputError(path, std::string("layer difference, field ") + name, "cannot create: " + last_gdal_error());
    }
    const bool tx = ds->StartTransaction() == OGRERR_NONE;
    OGRFeature f(l->GetLayerDefn());
    OGRLineString ls;
    for (std::size_t e = 0; e < n; ++e) {
      f.SetFID(OGRNullFID);
      f.SetField(0, static_cast<GIntBig>(e));
      if (a.edge_name[e].empty()) f.SetFieldNull(1); else f.SetField(1, a.edge_name[e].c_str());
      if (a.edge_class[e].empty()) f.SetFieldNull(2); else f.SetField(2, a.edge_class[e].c_str());
      const auto put = [&](int i, float v) {
        if (const auto x = finite(v)) f.SetField(i, *x); else f.SetFieldNull(i);
      };
      put(3, a.edge_width_m[e]);
      put(4, a.minutes_ge6[e]);
      put(5, b.minutes_ge6[e]);
      put(6, c.difference_minutes_ge6[e]);
      put(7, a.first_crush_min[e]);
      put(8, b.first_crush_min[e]);
      put(9, a.peak_at_min[e]);
      put(10, b.peak_at_min[e]);
      put(11, a.peak_density[e]);
      put(12, b.peak_density[e]);
      const auto& g = a.edge_geometry[e];
      ls.setNumPoints(static_cast<int>(g.size()), false);
      for (std::size_t i = 0; i < g.size(); ++i) ls.setPoint(static_cast<int>(i), g[i].x, g[i].y);
      f.SetGeometry(&ls);
      if (l->CreateFeature(&f) != OGRERR_NONE)
        throw InputError(path, "difference, edge " + std::to_string(e), "cannot write: " + last_gdal_error());
    }
    if (tx && ds->CommitTransaction() != OGRERR_NONE) throw InputError(path, "", "cannot commit: " + last_gdal_error());
    ds.reset();
  });
}

RgbImage render_difference_map(const RunRecord& a, const RunRecord& b, const RunComparison& c, int long_side_px) {
  const std::size_t n = a.edge_count();
  if (a.edge_geometry.size() != n || c.difference_minutes_ge6.size() != n)
    throw std::invalid_argument("render_difference_map: run A read without geometry");
  BBox box;
  for (const auto& g : a.edge_geometry)
    for (const Point& p : g) box.extend(p);
  double max_abs = 0;
  for (const float d : c.difference_minutes_ge6) max_abs = std::max(max_abs, static_cast<double>(std::fabs(d)));
  const DifferenceScale scale = DifferenceScale::for_max(max_abs);

  const auto name = [](const RunRecord& r) {
    return (r.scenario_name.empty() ? std::string("-") : r.scenario_name) + " (" + r.dir + ")";
  };
  MapCaption cap;
  cap.title = "MINUTES AT >= 6 P/M2 PER ROAD, B - A";
  cap.lines.push_back(upper("A (baseline): " + name(a)));
  cap.lines.push_back(upper("B: " + name(b)));
  cap.lines.push_back("RED: MORE IN B (" + format_metric(static_cast<double>(c.roads_worse), "roads") +
                      " ROADS), BLUE: FEWER IN B (" + format_metric(static_cast<double>(c.roads_better), "roads") +
                      " ROADS), GREY: NO CHANGE");
  MapFrame map(box, long_side_px, cap);
  // No change first, then by the size of the change, so that the largest are on top.
  std::array<std::vector<std::uint32_t>, 5> by_size;
  for (std::uint32_t e = 0; e < n; ++e)
    by_size[static_cast<std::size_t>(std::abs(scale.class_of(c.difference_minutes_ge6[e])))].push_back(e);
  // Unchanged roads in a lighter grey than the dashboard's (on white, not dark), and
  // changed ones at least 3 px (4 px from the third class), so that the few roads
  // that changed stand out of a city of many thousands.
  constexpr Rgb kUnchanged{222, 222, 222};
  const auto colour = [&](int cls) {
    const auto rgb = scale.colour(cls);
    return cls == 0 ? kUnchanged : Rgb{rgb[0], rgb[1], rgb[2]};
  };
  for (std::size_t size = 0; size < by_size.size(); ++size)
    for (const std::uint32_t e : by_size[size]) {
      const int cls = scale.class_of(c.difference_minutes_ge6[e]);
      const double w = std::isfinite(a.edge_width_m[e]) ? a.edge_width_m[e] : 0.0;
      map.road(a.edge_geometry[e], w, colour(cls), size == 0 ? 1 : size < 3 ? 3 : 4);
    }
  std::vector<LegendRow> rows;
  for (int cls = 4; cls >= -4; --cls) rows.push_back({scale.label(cls), colour(cls)});
  map.legend("B-A MINUTES", rows);
  return std::move(map.image());
}

}  // namespace kitaku::geo
