// The synthetic Tokyo-like city: determinism, schema, calibration, topology, CLI.
#include <ogrsf_frmts.h>

#include <algorithm>
#include <bit>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <map>
#include <numeric>
#include <optional>
#include <set>
#include <sstream>
#include <string>
#include <unordered_map>
#include <vector>

#include "kitaku/geo/facilities.hpp"
#include "kitaku/geo/gdal_util.hpp"
#include "kitaku/geo/network_import.hpp"
#include "kitaku/geo/synth.hpp"
#include "kitaku/sim/city.hpp"
#include "kitaku/sim/error.hpp"
#include "test_util.hpp"

using kitaku::Point;
namespace geo = kitaku::geo;
using kitaku::test::slurp;
using kitaku::test::TempDir;

namespace {

constexpr double kRadiusKm = 2.5;  // small enough to keep the suite fast

/// Every layer as text: name, geometry type, SRS code, then each feature's FID,
/// fields and geometry as WKB hex. Equal text means equal layer content.
std::string dump(const std::string& path) {
  const geo::DatasetPtr ds = geo::open_vector(path);
  std::ostringstream out;
  for (int l = 0; l < ds->GetLayerCount(); ++l) {
    OGRLayer* layer = ds->GetLayer(l);
    out << "layer " << layer->GetName() << ' ' << OGRGeometryTypeToName(layer->GetGeomType()) << '\n';
    layer->ResetReading();
    for (auto& f : *layer) {
      out << f->GetFID();
      for (int k = 0; k < f->GetFieldCount(); ++k) out << '|' << f->GetFieldAsString(k);
      if (const OGRGeometry* g = f->GetGeometryRef()) {
        std::vector<unsigned char> wkb(g->WkbSize());
        g->exportToWkb(wkbNDR, wkb.data());
        out << '|';
        for (unsigned char c : wkb) {
          static const char* hex = "0123456789abcdef";
          out << hex[c >> 4] << hex[c & 15];
        }
      }
      out << '\n';
    }
  }
  return out.str();
}

Point tokyo_station_6677() {
  double x = 139.7671, y = 35.6812;
  REQUIRE(geo::Transform(geo::wgs84(), geo::srs_from_epsg(6677)).apply(x, y));
  return {x, y};
}

struct Line {
  std::vector<Point> pts;
  std::string highway;
  double width;
  int lanes;
  std::string sidewalk = {};
  double sidewalk_width = 0;
};

std::vector<Line> read_roads(const std::string& path) {
  const geo::DatasetPtr ds = geo::open_vector(path);
  OGRLayer* layer = ds->GetLayerByName("roads");
  REQUIRE(layer != nullptr);
  std::vector<Line> lines;
  for (auto& f : *layer) {
    const auto* ls = f->GetGeometryRef()->toLineString();
    Line line{{}, f->GetFieldAsString("highway"), f->GetFieldAsDouble("width"), f->GetFieldAsInteger("lanes"),
              f->GetFieldAsString("sidewalk"), f->GetFieldAsDouble("sidewalk:width")};
    for (int k = 0; k < ls->getNumPoints(); ++k) line.pts.push_back({ls->getX(k), ls->getY(k)});
    lines.push_back(std::move(line));
  }
  return lines;
}

struct PointHash {
  std::size_t operator()(const Point& p) const noexcept {
    return std::hash<std::uint64_t>()(std::bit_cast<std::uint64_t>(p.x) * 0x9e3779b97f4a7c15ULL ^
                                      std::bit_cast<std::uint64_t>(p.y));
  }
};

/// The road graph an importer splitting at vertices shared by 2+ features builds,
/// computed here from exact coordinates, independently of geo::load_network.
struct Topology {
  std::unordered_map<Point, std::uint32_t, PointHash> vertex;  // distinct coordinates
  std::vector<Point> pos;
  std::vector<std::pair<std::uint32_t, std::uint32_t>> segments;  // split point -> split point
  std::vector<std::pair<std::uint32_t, std::uint32_t>> links;     // every consecutive vertex pair
};

Topology topology(const std::vector<Line>& lines) {
  Topology t;
  std::vector<std::uint32_t> uses;
  std::vector<std::vector<std::uint32_t>> ids(lines.size());
  for (std::size_t l = 0; l < lines.size(); ++l) {
    std::set<std::uint32_t> seen;
    for (const Point& p : lines[l].pts) {
      auto [it, fresh] = t.vertex.try_emplace(p, static_cast<std::uint32_t>(t.pos.size()));
      if (fresh) { t.pos.push_back(p); uses.push_back(0); }
      ids[l].push_back(it->second);
      if (seen.insert(it->second).second) ++uses[it->second];
    }
  }
  for (const auto& v : ids) {
    std::uint32_t from = v.front();
    for (std::size_t k = 1; k < v.size(); ++k) {
      t.links.push_back({v[k - 1], v[k]});
      if (k + 1 == v.size() || uses[v[k]] >= 2) { t.segments.push_back({from, v[k]}); from = v[k]; }
    }
  }
  return t;
}

/// Share of segments in the largest connected component.
double largest_component_share(const Topology& t) {
  std::vector<std::uint32_t> parent(t.pos.size());
  std::iota(parent.begin(), parent.end(), 0u);
  const auto find = [&](std::uint32_t x) {
    while (parent[x] != x) x = parent[x] = parent[parent[x]];
    return x;
  };
  for (const auto& [a, b] : t.segments) parent[find(a)] = find(b);
  std::map<std::uint32_t, std::size_t> size;
  for (const auto& [a, b] : t.segments) ++size[find(a)];
  std::size_t best = 0;
  for (const auto& [root, n] : size) best = std::max(best, n);
  return t.segments.empty() ? 0.0 : static_cast<double>(best) / static_cast<double>(t.segments.size());
}

double orient(Point a, Point b, Point c) { return (b.x - a.x) * (c.y - a.y) - (b.y - a.y) * (c.x - a.x); }

bool segments_touch(Point a, Point b, Point c, Point d) {
  const double o1 = orient(a, b, c), o2 = orient(a, b, d), o3 = orient(c, d, a), o4 = orient(c, d, b);
  if (((o1 > 0 && o2 < 0) || (o1 < 0 && o2 > 0)) && ((o3 > 0 && o4 < 0) || (o3 < 0 && o4 > 0))) return true;
  const auto on = [](Point p, Point q, Point r, double o) {  // r on segment pq, collinear
    return o == 0 && std::min(p.x, q.x) <= r.x && r.x <= std::max(p.x, q.x) && std::min(p.y, q.y) <= r.y &&
           r.y <= std::max(p.y, q.y);
  };
  return on(a, b, c, o1) || on(a, b, d, o2) || on(c, d, a, o3) || on(c, d, b, o4);
}

/// Pairs of street pieces that cross or touch anywhere but at a shared vertex: the
/// places where walkers would see a crossing the network does not have.
std::size_t unshared_crossings(const Topology& t) {
  constexpr double kCell = 40.0;
  std::unordered_map<std::uint64_t, std::vector<std::uint32_t>> grid;
  const auto key = [](long ix, long iy) { return (static_cast<std::uint64_t>(ix) << 32) ^ static_cast<std::uint32_t>(iy); };
  for (std::uint32_t s = 0; s < t.links.size(); ++s) {
    const Point a = t.pos[t.links[s].first], b = t.pos[t.links[s].second];
    for (long ix = std::lround(std::floor(std::min(a.x, b.x) / kCell)); ix <= std::lround(std::floor(std::max(a.x, b.x) / kCell)); ++ix)
      for (long iy = std::lround(std::floor(std::min(a.y, b.y) / kCell)); iy <= std::lround(std::floor(std::max(a.y, b.y) / kCell)); ++iy)
        grid[key(ix, iy)].push_back(s);
  }
  std::set<std::pair<std::uint32_t, std::uint32_t>> bad;
  for (const auto& [k, segs] : grid)
    for (std::size_t x = 0; x < segs.size(); ++x)
      for (std::size_t y = x + 1; y < segs.size(); ++y) {
        const auto [a, b] = t.links[segs[x]];
        const auto [c, d] = t.links[segs[y]];
        if (a == c || a == d || b == c || b == d) continue;  // meet at a shared vertex
        if (segments_touch(t.pos[a], t.pos[b], t.pos[c], t.pos[d]))
          bad.insert({std::min(segs[x], segs[y]), std::max(segs[x], segs[y])});
      }
  return bad.size();
}

/// Closest distance between two distinct vertices (an importer snapping endpoints
/// within 0.5 m would merge anything closer).
double min_vertex_gap(const Topology& t) {
  constexpr double kCell = 5.0;
  std::unordered_map<std::uint64_t, std::vector<std::uint32_t>> grid;
  const auto key = [](long ix, long iy) { return (static_cast<std::uint64_t>(ix) << 32) ^ static_cast<std::uint32_t>(iy); };
  for (std::uint32_t v = 0; v < t.pos.size(); ++v)
    grid[key(std::lround(std::floor(t.pos[v].x / kCell)), std::lround(std::floor(t.pos[v].y / kCell)))].push_back(v);
  double best = INFINITY;
  for (std::uint32_t v = 0; v < t.pos.size(); ++v) {
    const long ix = std::lround(std::floor(t.pos[v].x / kCell)), iy = std::lround(std::floor(t.pos[v].y / kCell));
    for (long dx = -1; dx <= 1; ++dx)
      for (long dy = -1; dy <= 1; ++dy) {
        const auto it = grid.find(key(ix + dx, iy + dy));
        if (it == grid.end()) continue;
        for (std::uint32_t w : it->second)
          if (w != v) best = std::min(best, kitaku::distance(t.pos[v], t.pos[w]));
      }
  }
  return best;
}

struct City {
  TempDir dir;
  std::string path = dir / "city.gpkg";
  geo::SynthReport report;
  explicit City(std::uint64_t seed, double radius_km = kRadiusKm) {
    report = geo::write_synthetic_city(path, {radius_km, seed});
  }
};

}  // namespace

TEST_CASE("synth: the same seed gives identical layers and bytes, another seed differs") {
  const unsigned seed = kitaku::test::test_seed();
  const City a(seed), b(seed), c(seed + 1);
  const std::string da = dump(a.path);
  CHECK(da.size() > 100000);
  CHECK(da == dump(b.path));
  CHECK(da != dump(c.path));
  // OGR_CURRENT_DATE is fixed while writing, so even the GeoPackage bytes repeat.
  CHECK(slurp(a.path) == slurp(b.path));
  CHECK(a.report.segments == b.report.segments);
}

TEST_CASE("synth: four layers with the documented fields, all in EPSG:6677") {
  const City city(kitaku::test::test_seed());
  const geo::DatasetPtr ds = geo::open_vector(city.path);
  struct Expect { const char* layer; OGRwkbGeometryType type; std::vector<std::pair<const char*, OGRFieldType>> fields; };
  const std::vector<Expect> expect{
      {"roads", wkbLineString, {{"highway", OFTString}, {"width", OFTReal}, {"name", OFTString}, {"lanes", OFTInteger},
                                {"sidewalk", OFTString}, {"sidewalk:width", OFTReal}}},
      {"stations", wkbPoint, {{"name", OFTString}, {"daily_riders", OFTReal}}},
      {"facilities", wkbPoint, {{"name", OFTString}, {"area", OFTString}, {"capacity", OFTInteger}}},
      {"zones", wkbPolygon, {{"zone_id", OFTString}, {"day_pop", OFTReal}, {"night_pop", OFTReal},
                             {"home_0_5", OFTReal}, {"home_5_10", OFTReal}, {"home_10_15", OFTReal},
                             {"home_15_20", OFTReal}, {"home_20_30", OFTReal}, {"home_30_plus", OFTReal}}},
  };
  CHECK(ds->GetLayerCount() == 4);
  for (const Expect& e : expect) {
    CAPTURE(e.layer);
    OGRLayer* layer = ds->GetLayerByName(e.layer);
    REQUIRE(layer != nullptr);
    CHECK(wkbFlatten(layer->GetGeomType()) == e.type);
    const OGRSpatialReference* srs = layer->GetSpatialRef();
    REQUIRE(srs != nullptr);
    CHECK(std::string(srs->GetAuthorityCode(nullptr)) == "6677");
    OGRFeatureDefn* defn = layer->GetLayerDefn();
    REQUIRE(defn->GetFieldCount() == static_cast<int>(e.fields.size()));
    for (std::size_t k = 0; k < e.fields.size(); ++k) {
      CHECK(std::string(defn->GetFieldDefn(static_cast<int>(k))->GetNameRef()) == e.fields[k].first);
      CHECK(defn->GetFieldDefn(static_cast<int>(k))->GetType() == e.fields[k].second);
    }
    CHECK(layer->GetFeatureCount() > 0);
  }
  CHECK(city.report.roads == static_cast<std::size_t>(ds->GetLayerByName("roads")->GetFeatureCount()));
  CHECK(city.report.zones == static_cast<std::size_t>(ds->GetLayerByName("zones")->GetFeatureCount()));

  // Classes and widths as documented: walkable widths, arterial lanes.
  std::map<std::string, std::size_t> classes;
  for (const Line& l : read_roads(city.path)) {
    ++classes[l.highway];
    CHECK(l.width >= 2.0);
    CHECK(l.width <= 30.0);
    if (l.highway == "trunk") CHECK(l.lanes == 6);
    // Sidewalks on the main roads (2-5 m a side), none on back streets.
    const bool main = l.highway == "tertiary" || l.highway == "secondary" || l.highway == "primary" || l.highway == "trunk";
    if (main) {
      CHECK(l.sidewalk == "both");
      CHECK(l.sidewalk_width >= 2.0);
      CHECK(l.sidewalk_width <= 5.0);
    } else if (l.highway == "residential") {
      CHECK(l.sidewalk == "no");
    } else {
      CHECK(l.sidewalk.empty());
    }
  }
  for (const char* cls : {"residential", "tertiary", "secondary", "primary", "trunk", "pedestrian", "footway", "steps"}) {
    CAPTURE(cls);
    CHECK(classes[cls] > 0);
  }
}

TEST_CASE("synth: the city is centred on Tokyo station and stays inside its radius") {
  const City city(kitaku::test::test_seed());
  const Point c = tokyo_station_6677();
  CHECK(c.x == doctest::Approx(-5990).epsilon(0.01));   // zone IX origin is 36N 139°50'E
  CHECK(c.y == doctest::Approx(-35370).epsilon(0.01));
  const double r = kRadiusKm * 1000;
  const geo::DatasetPtr ds = geo::open_vector(city.path);
  double max_r = 0;
  kitaku::BBox box;
  for (const char* name : {"stations", "facilities"})
    for (auto& f : *ds->GetLayerByName(name)) {
      const OGRPoint* p = f->GetGeometryRef()->toPoint();
      max_r = std::max(max_r, kitaku::distance({p->getX(), p->getY()}, c));
    }
  for (const Line& l : read_roads(city.path))
    for (const Point& p : l.pts) {
      max_r = std::max(max_r, kitaku::distance(p, c));
      box.extend(p);
    }
  CHECK(max_r <= r);
  CHECK(max_r > 0.95 * r);  // and fills it
  CHECK(std::abs(0.5 * (box.min_x + box.max_x) - c.x) < 50.0);
  CHECK(std::abs(0.5 * (box.min_y + box.max_y) - c.y) < 50.0);
  // Zones: 1 km squares covering the disc.
  double zone_area = 0;
  for (auto& f : *ds->GetLayerByName("zones")) zone_area += f->GetGeometryRef()->toPolygon()->get_Area();
  CHECK(zone_area >= 3.14159 * r * r);
}

TEST_CASE("synth: population calibrated to the MLIT mesh, home shares, capacity at 10 % of daytime population") {
  const City city(kitaku::test::test_seed(), 3.0);
  const geo::DatasetPtr ds = geo::open_vector(city.path);
  const Point c = tokyo_station_6677();
  double day = 0, night = 0, share_far_centre = -1, share_far_edge = 2;
  for (auto& f : *ds->GetLayerByName("zones")) {
    double sum = 0;
    for (const char* k : {"home_0_5", "home_5_10", "home_10_15", "home_15_20", "home_20_30", "home_30_plus"}) {
      const double s = f->GetFieldAsDouble(k);
      CHECK(s >= 0);
      CHECK(s <= 1);
      sum += s;
    }
    CHECK(sum == doctest::Approx(1.0).epsilon(1e-9));
    day += f->GetFieldAsDouble("day_pop");
    night += f->GetFieldAsDouble("night_pop");
    OGRPoint centroid;
    f->GetGeometryRef()->Centroid(&centroid);
    const double r = kitaku::distance({centroid.getX(), centroid.getY()}, c);
    const double far = f->GetFieldAsDouble("home_20_30") + f->GetFieldAsDouble("home_30_plus");
    if (r < 100) share_far_centre = far;
    if (r > 2400) share_far_edge = std::min(share_far_edge, far);
  }
  // MLIT 2019-10 weekday: 3.57 M by day and 0.72 M at night within 3 km of Tokyo station.
  CHECK(day == doctest::Approx(3.57e6).epsilon(0.25));
  CHECK(night == doctest::Approx(0.72e6).epsilon(0.3));
  CHECK(day == doctest::Approx(city.report.day_population).epsilon(1e-9));
  CHECK(share_far_centre > share_far_edge);  // more long-distance commuters in the centre

  double capacity = 0;
  std::size_t n = 0;
  for (auto& f : *ds->GetLayerByName("facilities")) {
    const int cap = f->GetFieldAsInteger("capacity");
    CHECK(cap > 0);
    capacity += cap;
    ++n;
    CHECK(std::string(f->GetFieldAsString("area")).size() > 0);
  }
  CHECK(capacity == doctest::Approx(0.10 * day).epsilon(0.01));
  CHECK(capacity / static_cast<double>(n) == doctest::Approx(377).epsilon(0.15));  // Tokyo's mean
  CHECK(capacity == doctest::Approx(city.report.facility_capacity));

  double riders_max = 0;
  for (auto& f : *ds->GetLayerByName("stations")) riders_max = std::max(riders_max, f->GetFieldAsDouble("daily_riders"));
  CHECK(riders_max >= 3e5);
  CHECK(riders_max <= 1.5e6);
}

TEST_CASE("synth: streets meet only at shared vertices, and the network is one piece") {
  const City city(kitaku::test::test_seed());
  const std::vector<Line> lines = read_roads(city.path);
  const Topology t = topology(lines);
  CHECK(t.segments.size() == city.report.segments);
  CHECK(unshared_crossings(t) == 0);
  CHECK(min_vertex_gap(t) >= 1.0);
  CHECK(largest_component_share(t) >= 0.99);
  // Facilities sit on or within a few metres of a street.
  const geo::DatasetPtr ds = geo::open_vector(city.path);
  double worst = 0;
  for (auto& f : *ds->GetLayerByName("facilities")) {
    const Point p{f->GetGeometryRef()->toPoint()->getX(), f->GetGeometryRef()->toPoint()->getY()};
    double best = INFINITY;
    for (const auto& [a, b] : t.links)
      best = std::min(best, kitaku::project_on_segment(p, t.pos[a], t.pos[b]).dist);
    worst = std::max(worst, best);
  }
  CHECK(worst <= 10.0);
}

TEST_CASE("synth: the topology checks find what they look for") {
  // A cross drawn as two lines without a shared vertex, then with one.
  //      |
  //   ---+---
  //      |
  const std::vector<Line> apart{{{{0, 0}, {10, 0}}, "residential", 4, 1}, {{{5, -5}, {5, 5}}, "residential", 4, 1}};
  const Topology t1 = topology(apart);
  CHECK(unshared_crossings(t1) == 1);
  CHECK(largest_component_share(t1) == doctest::Approx(0.5));
  const std::vector<Line> joined{{{{0, 0}, {5, 0}, {10, 0}}, "residential", 4, 1},
                                 {{{5, -5}, {5, 0}, {5, 5}}, "residential", 4, 1}};
  const Topology t2 = topology(joined);
  CHECK(unshared_crossings(t2) == 0);
  CHECK(t2.segments.size() == 4);
  CHECK(largest_component_share(t2) == 1.0);
  CHECK(min_vertex_gap(t2) == doctest::Approx(5.0));
  const std::vector<Line> close{{{{0, 0}, {10, 0}}, "residential", 4, 1}, {{{10.3, 0}, {20, 0}}, "residential", 4, 1}};
  CHECK(min_vertex_gap(topology(close)) == doctest::Approx(0.3));
}

// Slow (a few seconds): the same checks on the 10 km default city. Run with --no-skip.
TEST_CASE("synth: the 10 km city is planar where it should be and connected" * doctest::skip()) {
  const City city(kitaku::test::test_seed(), 10.0);
  const Topology t = topology(read_roads(city.path));
  MESSAGE("R = 10 km: " << t.segments.size() << " segments");
  CHECK(t.segments.size() == city.report.segments);
  CHECK(unshared_crossings(t) == 0);
  CHECK(min_vertex_gap(t) >= 1.0);
  CHECK(largest_component_share(t) >= 0.99);
}

TEST_CASE("synth: the importer builds one connected network from the roads layer") {
  const City city(kitaku::test::test_seed());
  geo::ImportOptions opt;
  opt.layer = "roads";
  opt.use_cache = false;
  opt.keep_largest_component = false;
  const geo::LoadedNetwork loaded = geo::load_network(city.path, opt);
  CHECK(loaded.network.epsg() == 6677);
  CHECK(loaded.report.features_walkable == city.report.roads);
  CHECK(loaded.network.edge_count() >= static_cast<std::size_t>(0.99 * static_cast<double>(city.report.segments)));
  geo::ImportOptions keep = opt;
  keep.keep_largest_component = true;
  const geo::LoadedNetwork largest = geo::load_network(city.path, keep);
  CHECK(largest.network.edge_count() >= 0.99 * static_cast<double>(loaded.network.edge_count()));
}

TEST_CASE("synth: bad options are one clear error") {
  TempDir dir;
  CHECK_THROWS_WITH_AS(geo::write_synthetic_city(dir / "a.gpkg", {0.0, 1}),
                       "--radius-km: must be in (0, 100] km, got 0", kitaku::InputError);
  CHECK_THROWS_WITH_AS(geo::write_synthetic_city(dir / "a.gpkg", {100.5, 1}),
                       "--radius-km: must be in (0, 100] km, got 100.5", kitaku::InputError);
  CHECK_THROWS_AS(geo::write_synthetic_city(dir / "a.gpkg", {NAN, 1}), kitaku::InputError);
  CHECK_THROWS_AS(geo::write_synthetic_city(dir / "no/such/folder/a.gpkg", {1.0, 1}), kitaku::InputError);
  CHECK_THROWS_WITH_AS(geo::write_synthetic_city(dir / "a.gpkg", {1.0, 1, 0.0}),
                       "--capacity-share: must be in (0, 1], got 0", kitaku::InputError);
  CHECK(std::filesystem::is_empty(dir.path));
}

TEST_CASE("synth: --capacity-share sets total places against the daytime population") {
  TempDir dir;
  const auto tokyo = geo::write_synthetic_city(dir / "t.gpkg", {2.0, 3, 0.027});
  CHECK(tokyo.facility_capacity / tokyo.day_population == doctest::Approx(0.027).epsilon(0.05));
  const auto brief = geo::write_synthetic_city(dir / "b.gpkg", {2.0, 3});
  CHECK(brief.facility_capacity / brief.day_population == doctest::Approx(0.10).epsilon(0.05));
  CHECK(tokyo.facilities < brief.facilities);
}

TEST_CASE("synth: kitaku synth writes the city and reports it, a bad radius exits 1") {
  TempDir dir;
  const std::string out = dir / "city.gpkg";
  const auto ok = kitaku::test::run_kitaku("synth --radius-km 2 --seed 5 " + out);
  CAPTURE(ok.output);
  CHECK(ok.code == 0);
  CHECK(ok.output.find("wrote " + out) != std::string::npos);
  CHECK(ok.output.find("segments between crossings") != std::string::npos);
  CHECK(ok.output.find("10.0 % of the daytime population") != std::string::npos);
  CHECK(dump(out) == dump([&] {
          const std::string again = dir / "again.gpkg";
          geo::write_synthetic_city(again, {2.0, 5});
          return again;
        }()));

  const auto bad = kitaku::test::run_kitaku("synth --radius-km 0 " + (dir / "bad.gpkg"));
  CAPTURE(bad.output);
  CHECK(bad.code == 1);
  CHECK(bad.output.find("--radius-km: must be in (0, 100] km, got 0") != std::string::npos);
  CHECK(!std::filesystem::exists(dir / "bad.gpkg"));
  const auto shp = kitaku::test::run_kitaku("synth --radius-km 2 " + (dir / "city.shp"));
  CHECK(shp.code == 1);
  CHECK(shp.output.find("must be a GeoPackage") != std::string::npos);
}

// ---- the metropolis (kitaku synth --kind metropolis): the real mesh, hubs, bay, rivers ----

namespace {

struct Mesh {
  std::string polygons, population;
};
std::optional<Mesh> tokyo_mesh() {
  const auto poly = kitaku::test::shared_data("population/tokyo_mesh1km_polygons_epsg6668.geojson");
  const auto csv = kitaku::test::shared_data("population/tokyo_mlit_jinryu_mesh1km_2019-10.csv");
  if (!poly || !csv) return std::nullopt;
  return Mesh{*poly, *csv};
}

geo::SynthOptions metro_options(const Mesh& m, double radius_km) {
  geo::SynthOptions o;
  o.radius_km = radius_km;
  o.seed = 1;
  o.capacity_share = 0.027;
  o.kind = "metropolis";
  o.mesh_polygons = m.polygons;
  o.mesh_population = m.population;
  return o;
}

/// One 20 km metropolis for the checks below (about 1 s to write): all three rivers
/// reach into it.
struct Metropolis {
  TempDir dir;
  std::string path = dir / "metro.gpkg";
  geo::SynthReport report;
  explicit Metropolis(const Mesh& m) { report = geo::write_synthetic_city(path, metro_options(m, 20)); }
};

Point project(double lon, double lat) {
  REQUIRE(geo::Transform(geo::wgs84(), geo::srs_from_epsg(6677)).apply(lon, lat));
  return {lon, lat};
}

}  // namespace

TEST_CASE("metropolis: the mesh's people inside the radius, the real hubs, no streets in the bay") {
  const auto mesh = tokyo_mesh();
  if (!mesh) return;
  const Metropolis m(*mesh);
  // People: every mesh whose centre is inside the radius, as load_mesh_zones reads them.
  geo::MeshJoinReport join;
  const auto zones = geo::load_mesh_zones(mesh->polygons, mesh->population,
                                          geo::wkt2(geo::srs_from_epsg(6677)), &join);
  CHECK(join.day_total == doctest::Approx(17760686));  // SOURCES.md: 17.76 M by day
  double inside = 0;
  std::size_t n_inside = 0;
  const Point centre = tokyo_station_6677();
  for (const auto& z : zones) {
    Point c{0, 0};
    const auto& ring = z.rings.front();
    for (std::size_t k = 0; k + 1 < ring.size(); ++k) c = {c.x + ring[k].x, c.y + ring[k].y};
    c = {c.x / static_cast<double>(ring.size() - 1), c.y / static_cast<double>(ring.size() - 1)};
    if (kitaku::distance(c, centre) <= 20000 && z.day_population + z.night_population > 0) {
      inside += z.day_population;
      ++n_inside;
    }
  }
  CHECK(m.report.zones == n_inside);
  CHECK(m.report.day_population == doctest::Approx(inside));
  CHECK(m.report.mesh_day_total == doctest::Approx(17760686));
  CHECK(m.report.day_population > 0.6 * 17760686);  // the 23 wards and more
  CHECK(m.report.facility_capacity == doctest::Approx(0.027 * m.report.day_population).epsilon(0.01));

  // The six hubs stand at (the street crossing nearest) their real stations.
  const geo::DatasetPtr ds = geo::open_vector(m.path);
  std::map<std::string, Point> stations;
  for (auto& f : *ds->GetLayerByName("stations")) {
    const auto* p = f->GetGeometryRef()->toPoint();
    stations[f->GetFieldAsString("name")] = {p->getX(), p->getY()};
  }
  const std::vector<std::pair<std::string, std::pair<double, double>>> hubs{
      {"東京", {139.7671, 35.6812}}, {"新宿", {139.7005, 35.6896}}, {"渋谷", {139.7016, 35.6580}},
      {"池袋", {139.7109, 35.7295}}, {"品川", {139.7387, 35.6285}}, {"上野", {139.7774, 35.7141}}};
  for (const auto& [name, ll] : hubs) {
    CAPTURE(name);
    REQUIRE(stations.count(name));
    CHECK(kitaku::distance(stations[name], project(ll.first, ll.second)) < 80);
  }

  // No street vertex in open water: the bay south of 台場, off 浦安, and mid-bay east of 羽田.
  const std::vector<Point> sea{project(139.87, 35.57), project(139.92, 35.58), project(139.88, 35.54)};
  for (const Line& l : read_roads(m.path))
    for (const Point p : l.pts)
      for (const Point s : sea) REQUIRE(kitaku::distance(p, s) > 2000);
}

TEST_CASE("metropolis: the rivers are crossed only at bridges, of a realistic count and width") {
  const auto mesh = tokyo_mesh();
  if (!mesh) return;
  const Metropolis m(*mesh);
  const geo::DatasetPtr ds = geo::open_vector(m.path);
  OGRLayer* rivers = ds->GetLayerByName("rivers");
  REQUIRE(rivers != nullptr);
  std::map<std::string, std::vector<Point>> lines;
  for (auto& f : *rivers) {
    const auto* ls = f->GetGeometryRef()->toLineString();
    auto& pts = lines[f->GetFieldAsString("name")];
    for (int k = 0; k < ls->getNumPoints(); ++k) pts.push_back({ls->getX(k), ls->getY(k)});
  }
  REQUIRE(lines.size() == 3);
  CHECK(lines.count("隅田川"));
  CHECK(lines.count("荒川"));
  CHECK(lines.count("多摩川"));

  OGRLayer* roads = ds->GetLayerByName("roads");
  REQUIRE(roads->GetLayerDefn()->GetFieldIndex("bridge") >= 0);
  std::map<std::string, int> bridges_over;
  std::size_t unbridged = 0, bridges = 0;
  for (auto& f : *roads) {
    const auto* ls = f->GetGeometryRef()->toLineString();
    const bool bridge = std::string(f->GetFieldAsString("bridge")) == "yes";
    if (bridge) {
      ++bridges;
      CAPTURE(f->GetFieldAsString("name"));
      CHECK(ls->getNumPoints() == 2);  // the crossing segment alone
      CHECK(f->GetFieldAsDouble("width") >= 9.5);  // two lanes and their sidewalks at the least
      CHECK(std::string(f->GetFieldAsString("name")).ends_with("橋"));
      CHECK(std::string(f->GetFieldAsString("sidewalk")) == "both");
    }
    for (int k = 0; k + 1 < ls->getNumPoints(); ++k) {
      const Point a{ls->getX(k), ls->getY(k)}, b{ls->getX(k + 1), ls->getY(k + 1)};
      for (const auto& [name, pts] : lines)
        for (std::size_t r = 0; r + 1 < pts.size(); ++r) {
          if (!segments_touch(a, b, pts[r], pts[r + 1])) continue;
          if (bridge) ++bridges_over[name];
          else ++unbridged;
        }
    }
  }
  CHECK(unbridged == 0);
  std::size_t reported = 0;
  for (const geo::RiverReport& r : m.report.rivers) {
    CAPTURE(r.name);
    reported += r.bridges;
    CHECK(bridges_over[r.name] == static_cast<int>(r.bridges));
    CHECK(r.crossings > 5 * r.bridges);  // most streets end at the bank
    CHECK(r.main_bridges <= r.bridges);
    // About one crossing per 0.8 km (Sumida), 1.1 km (Ara), 1.6 km (Tama) of river inside.
    const double per_km = r.name == "隅田川" ? 0.8 : r.name == "荒川" ? 1.1 : 1.6;
    CHECK(static_cast<double>(r.bridges) >= 0.8 * r.length_km / per_km);
    CHECK(static_cast<double>(r.bridges) <= 1.3 * r.length_km / per_km + r.main_bridges);
  }
  CHECK(reported == bridges);
  CHECK(m.report.rivers.at(0).bridges >= 20);  // the Sumida lies wholly inside 20 km

  // Still one network, planar where it should be.
  const Topology t = topology(read_roads(m.path));
  CHECK(unshared_crossings(t) == 0);
  CHECK(largest_component_share(t) == 1.0);
}

TEST_CASE("metropolis: the same options give identical layers, another seed moves the streets") {
  const auto mesh = tokyo_mesh();
  if (!mesh) return;
  TempDir dir;
  geo::write_synthetic_city(dir / "a.gpkg", metro_options(*mesh, 6));
  geo::write_synthetic_city(dir / "b.gpkg", metro_options(*mesh, 6));
  CHECK(dump(dir / "a.gpkg") == dump(dir / "b.gpkg"));
  auto other = metro_options(*mesh, 6);
  other.seed = 2;
  geo::write_synthetic_city(dir / "c.gpkg", other);
  CHECK(dump(dir / "a.gpkg") != dump(dir / "c.gpkg"));
}

TEST_CASE("metropolis: bad options and a broken mesh are one clear error") {
  TempDir dir;
  geo::SynthOptions o;
  o.radius_km = 5;
  o.kind = "tokyo";
  CHECK_THROWS_WITH_AS(geo::write_synthetic_city(dir / "a.gpkg", o),
                       "--kind: must be \"circle\" or \"metropolis\", got \"tokyo\"", kitaku::InputError);
  o.kind = "metropolis";
  CHECK_THROWS_WITH_AS(geo::write_synthetic_city(dir / "a.gpkg", o),
                       doctest::Contains("needs the 1 km mesh polygons (--mesh)"), kitaku::InputError);
  o.kind = "circle";
  o.mesh_polygons = "x.geojson";
  CHECK_THROWS_WITH_AS(geo::write_synthetic_city(dir / "a.gpkg", o), doctest::Contains("only with --kind metropolis"),
                       kitaku::InputError);
  // A mesh CSV with a bad row names the file and the row.
  const std::string csv = dir / "mesh.csv";
  {
    std::FILE* f = std::fopen(csv.c_str(), "w");
    REQUIRE(f);
    std::fputs("mesh1kmid,dayflag,timezone,population\n53394611,1,0,100\n5339461,1,1,50\n", f);
    std::fclose(f);
  }
  const std::string poly = dir / "mesh.geojson";
  {
    std::FILE* f = std::fopen(poly.c_str(), "w");
    REQUIRE(f);
    std::fputs("{\"type\":\"FeatureCollection\",\"features\":[]}", f);
    std::fclose(f);
  }
  o.kind = "metropolis";
  o.mesh_polygons = poly;
  o.mesh_population = csv;
  CHECK_THROWS_WITH_AS(geo::write_synthetic_city(dir / "a.gpkg", o), doctest::Contains("row 2 (line 3)"),
                       kitaku::InputError);
  CHECK(!std::filesystem::exists(dir / "a.gpkg"));
}

TEST_CASE("metropolis: kitaku synth --kind metropolis reports the rivers and bridges") {
  const auto mesh = tokyo_mesh();
  if (!mesh) return;
  TempDir dir;
  const std::string out = dir / "m.gpkg";
  const auto r = kitaku::test::run_kitaku("synth --kind metropolis --radius-km 12 --mesh '" + mesh->polygons +
                                          "' --mesh-population '" + mesh->population + "' " + out);
  CAPTURE(r.output);
  CHECK(r.code == 0);
  CHECK(r.output.find("(metropolis, radius 12 km") != std::string::npos);
  CHECK(r.output.find("river       隅田川") != std::string::npos);
  CHECK(r.output.find("17760686 people by day in the whole file") != std::string::npos);
  const auto bad = kitaku::test::run_kitaku("synth --kind metropolis --radius-km 5 " + (dir / "bad.gpkg"));
  CAPTURE(bad.output);
  CHECK(bad.code == 1);
  CHECK(bad.output.find("--mesh-population") != std::string::npos);
}
