// Network import: real OSM and CrowdWalk files, PBF, topology on a drawn map,
// routing sanity, the cache, widths from tags and write/read round trips.
#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <random>
#include <sstream>

#include "kitaku/geo/gdal_util.hpp"
#include "kitaku/geo/network_import.hpp"
#include "kitaku/sim/error.hpp"
#include "kitaku/sim/routing.hpp"
#include "kitaku/sim/spatial_index.hpp"
#include "test_util.hpp"

using namespace kitaku;
namespace fs = std::filesystem;
using kitaku::test::shared_data;
using kitaku::test::TempDir;

namespace {

geo::ImportOptions no_cache() {
  geo::ImportOptions o;
  o.use_cache = false;
  return o;
}

void write_file(const std::string& path, const std::string& text) {
  std::ofstream(path, std::ios::binary) << text;
}

std::size_t total_excluded(const geo::ImportReport& r) {
  std::size_t n = 0;
  for (const auto& [why, k] : r.excluded) n += k;
  return n;
}

std::size_t excluded(const geo::ImportReport& r, const std::string& why) {
  const auto it = r.excluded.find(why);
  return it == r.excluded.end() ? 0 : it->second;
}

/// Metres between two WGS84 points (equirectangular; fine at city scale).
double ground_m(double lon1, double lat1, double lon2, double lat2) {
  const double k = 6371000.0 * M_PI / 180;
  return std::hypot((lon2 - lon1) * k * std::cos(lat1 * M_PI / 180), (lat2 - lat1) * k);
}

void check_same_network(const Network& a, const Network& b) {
  const NetworkData& x = a.data();
  const NetworkData& y = b.data();
  REQUIRE(x.node_count() == y.node_count());
  REQUIRE(x.edge_count() == y.edge_count());
  CHECK(x.node_pos == y.node_pos);
  CHECK(x.edge_from == y.edge_from);
  CHECK(x.edge_to == y.edge_to);
  CHECK(x.edge_length_m == y.edge_length_m);
  CHECK(x.edge_width_m == y.edge_width_m);
  CHECK(x.edge_class == y.edge_class);
  CHECK(x.edge_flags == y.edge_flags);
  CHECK(x.edge_name == y.edge_name);
  CHECK(x.edge_source_id == y.edge_source_id);
  CHECK(x.geom_first == y.geom_first);
  CHECK(x.geom_points == y.geom_points);
  CHECK(x.names == y.names);
  CHECK(x.crs_wkt == y.crs_wkt);
  CHECK(x.epsg == y.epsg);
}

struct OsmExpect {
  const char* file;
  std::size_t min_edges, max_edges;
  double min_km, max_km;
  double lon_min, lat_min, lon_max, lat_max;  // the kept network's bbox lies inside
};
// Figures checked by hand against the files (SOURCES.md): a filter letting motorways
// or buildings in, or splitting failing, moves them out of these ranges.
constexpr OsmExpect kOsmFiles[] = {
    {"shibuya_station_area_overpass_2025-07.osm", 2000, 4000, 60, 120, 139.685, 35.645, 139.72, 35.675},
    {"ebisu_daikanyama_osm_export_2018-12.osm", 700, 1400, 35, 70, 139.685, 35.63, 139.72, 35.655},
    {"nerima_area_tokyo_osm_export.osm", 1100, 2200, 90, 160, 139.64, 35.72, 139.70, 35.77},
};

}  // namespace

TEST_CASE("every OSM file in shared/data/osm loads with plausible counts") {
  const auto dir = shared_data("osm");
  if (!dir) return;
  std::size_t seen = 0;
  for (const auto& entry : fs::directory_iterator(*dir)) {
    if (entry.path().extension() != ".osm") continue;
    const std::string file = entry.path().filename().string();
    CAPTURE(file);
    ++seen;
    const auto ln = geo::load_network(entry.path().string(), no_cache());
    const auto& r = ln.report;
    const auto& net = ln.network;
    CHECK(r.driver == "OSM");
    CHECK(r.layer == "lines");
    CHECK(r.epsg == 32654);  // Tokyo is in UTM zone 54N
    CHECK(r.features_read == r.features_walkable + total_excluded(r));
    CHECK(r.invalid_geometries == 0);
    // Splitting at shared vertices gives more edges than walkable ways, and a mean
    // edge of a city block's side, not of a whole street.
    CHECK(net.edge_count() > r.features_walkable);
    const double mean = net.total_length_m() / static_cast<double>(net.edge_count());
    CHECK(mean > 10);
    CHECK(mean < 150);
    // Walkable streets connect: the largest component holds nearly everything.
    CHECK(r.components.dropped_length_m < 0.05 * net.total_length_m());
    CHECK(r.components.kept_edges == net.edge_count());
    double by_class = 0;
    for (double m : r.length_by_class_m) by_class += m;
    CHECK(by_class == doctest::Approx(net.total_length_m()).epsilon(1e-6));
    for (std::uint32_t e = 0; e < net.edge_count(); ++e) {
      const EdgeId id{e};
      REQUIRE(net.road_class(id) != RoadClass::other);  // OSM classes all map
      REQUIRE(net.width(id) >= 1.0f);
      REQUIRE(net.width(id) <= 40.0f);
      REQUIRE(net.source_id(id) > 0);  // the OSM way id
    }
    for (const auto& x : kOsmFiles) {
      if (file != x.file) continue;
      CHECK(net.edge_count() >= x.min_edges);
      CHECK(net.edge_count() <= x.max_edges);
      CHECK(net.total_length_m() / 1000 >= x.min_km);
      CHECK(net.total_length_m() / 1000 <= x.max_km);
      CHECK(r.lon_min >= x.lon_min);
      CHECK(r.lat_min >= x.lat_min);
      CHECK(r.lon_max <= x.lon_max);
      CHECK(r.lat_max <= x.lat_max);
    }
    if (file == kOsmFiles[0].file) {
      // Shibuya (highways only): the excluded ways by tag, counted by hand in the file.
      CHECK(excluded(r, "highway=motorway") == 8);
      CHECK(excluded(r, "highway=motorway_link") == 12);
      CHECK(excluded(r, "highway=elevator") == 20);
      CHECK(excluded(r, "access=private") > 0);
      CHECK(excluded(r, "no highway tag") == 0);
      CHECK(r.stairs_edges >= 100);
      CHECK(r.stairs_edges <= 250);
      CHECK(r.length_by_class_m[static_cast<std::size_t>(RoadClass::footway)] > 20000);
    }
    if (file == kOsmFiles[1].file) {
      // Ebisu is a full export: rails, rivers and walls are lines without highway=*
      // (closed buildings are polygons, not in the lines layer).
      CHECK(excluded(r, "no highway tag") >= 40);
      CHECK(excluded(r, "highway=motorway") == 2);
    }
  }
  CHECK(seen >= 3);
}

TEST_CASE("the Ginza CrowdWalk map loads in the right place") {
  const auto path = shared_data("osm/crowdwalk_ginza/ginza00.map.xml");
  if (!path) return;
  const NetworkData raw = geo::read_crowdwalk_map(*path);
  CHECK(raw.node_count() == 4636);
  CHECK(raw.edge_count() == 5728);
  CHECK(raw.epsg == 6677);
  const auto ln = geo::load_network(*path, no_cache());
  const auto& r = ln.report;
  const auto& net = ln.network;
  CHECK(r.driver == "CrowdWalk");
  CHECK(r.epsg == 6677);
  CHECK(r.features_read == 5728);
  CHECK(r.features_walkable == 5728);
  CHECK(r.self_loops_dropped == 14);     // links from a node to itself
  CHECK(r.duplicate_edges_dropped == 2);  // same ends, same length
  CHECK(r.components.components == 1);
  CHECK(net.node_count() == 4636);
  CHECK(net.edge_count() == 5728 - 14 - 2 - r.zero_length_dropped);
  // Ginza, Tsukiji, Yaesu, Yurakucho and Shinbashi: a few km east of the Imperial Palace.
  CHECK(r.lat_min > 35.63);
  CHECK(r.lat_max < 35.70);
  CHECK(r.lon_min > 139.73);
  CHECK(r.lon_max < 139.79);
  CHECK(r.lon_min < 139.765);  // Ginza 4-chome crossing is inside
  CHECK(r.lon_max > 139.765);
  CHECK(r.lat_min < 35.6717);
  CHECK(r.lat_max > 35.6717);
  // Station exits named in the map lie at their stations: this fails if CrowdWalk's
  // x/y were read the wrong way round or the y sign were not flipped.
  const geo::Transform to_wgs(geo::srs_from_epsg(6677), geo::wgs84());
  struct Exit { const char* name; double lon, lat; };
  const Exit exits[] = {{"Tokyo_eki;YaesuMinami_exit", 139.7671, 35.6812},
                        {"Yurakucho_eki;ChuoNishi_exit", 139.7630, 35.6749},
                        {"Shinbashi_eki;Shiodome_exit", 139.7583, 35.6662}};
  for (const auto& x : exits) {
    CAPTURE(x.name);
    bool found = false;
    for (std::uint32_t e = 0; e < net.edge_count() && !found; ++e) {
      if (net.name(EdgeId{e}) != x.name) continue;
      found = true;
      const auto g = net.geometry(EdgeId{e});
      double lon = (g.front().x + g.back().x) / 2, lat = (g.front().y + g.back().y) / 2;
      REQUIRE(to_wgs.apply(lon, lat));
      CHECK(ground_m(lon, lat, x.lon, x.lat) < 500);
    }
    CHECK(found);
  }
  // Lengths come from the links' length attribute; here it equals the straight line.
  for (std::uint32_t e = 0; e < net.edge_count(); ++e) {
    const EdgeId id{e};
    REQUIRE(net.length(id) == doctest::Approx(distance(net.pos(net.from(id)), net.pos(net.to(id)))).epsilon(1e-4));
    REQUIRE(net.width(id) == 2.0f);
  }
}

TEST_CASE("an OSM PBF made by osmium gives the same network as the XML") {
  const auto src = shared_data("osm/shibuya_station_area_overpass_2025-07.osm");
  if (!src) return;
  if (std::system("command -v osmium >/dev/null 2>&1") != 0) {
    MESSAGE("SKIPPED: osmium is not installed");
    return;
  }
  TempDir tmp;
  const std::string pbf = tmp / "shibuya.osm.pbf";
  REQUIRE(std::system(("osmium cat '" + *src + "' -o '" + pbf + "' 2>&1").c_str()) == 0);
  const auto xml = geo::load_network(*src, no_cache());
  const auto bin = geo::load_network(pbf, no_cache());
  CHECK(bin.report.driver == "OSM");
  CHECK(bin.report.features_read == xml.report.features_read);
  CHECK(bin.report.excluded == xml.report.excluded);
  check_same_network(xml.network, bin.network);
}

TEST_CASE("walking distances on real networks are between 1 and 2 times the straight line") {
  // Real streets are not a grid: a 1.3 km viaduct of Kannana-dori in the Nerima file
  // has no junction, and rail lines have few crossings, so a few pairs of points walk
  // more than twice the straight line. The bound is therefore statistical: every pair
  // walks at least the straight line, 90 % walk at most twice it, and the median detour
  // is that of a city (about 1.3). Splitting or snapping gone wrong breaks all three.
  for (const std::string file : {"osm/shibuya_station_area_overpass_2025-07.osm", "osm/nerima_area_tokyo_osm_export.osm"}) {
    CAPTURE(file);
    const auto path = shared_data(file);
    if (!path) continue;
    const auto ln = geo::load_network(*path, no_cache());
    const Network& net = ln.network;
    const SpatialIndex index(net);
    // Points in the middle 60 % of the extract: at its edges streets are cut off.
    const BBox box = net.bbox();
    const double mx = 0.2 * (box.max_x - box.min_x), my = 0.2 * (box.max_y - box.min_y);
    std::mt19937 rng(kitaku::test::test_seed());
    std::uniform_real_distribution<double> ux(box.min_x + mx, box.max_x - mx), uy(box.min_y + my, box.max_y - my);
    std::vector<double> ratios;
    for (int tries = 0; tries < 5000 && ratios.size() < 300; ++tries) {
      const EdgeHit a = index.nearest_edge({ux(rng), uy(rng)});
      const EdgeHit b = index.nearest_edge({ux(rng), uy(rng)});
      const double straight = distance(a.point, b.point);
      if (straight < 200) continue;
      const double walk = shortest_distance(net, a, b);
      CAPTURE(straight);
      REQUIRE(walk >= straight * (1 - 1e-6));
      ratios.push_back(walk / straight);
    }
    REQUIRE(ratios.size() == 300);
    std::sort(ratios.begin(), ratios.end());
    const auto within = static_cast<std::size_t>(std::count_if(ratios.begin(), ratios.end(), [](double r) { return r <= 2; }));
    CHECK(within >= 270);
    CHECK(ratios[150] > 1.05);
    CHECK(ratios[150] < 1.5);
    MESSAGE(file << ": detour median " << ratios[150] << ", within 2x: " << within << "/300, largest " << ratios.back());
  }
}

namespace {

// A drawn test map. Each letter is a vertex: 10 m per column eastwards, 10 m per row
// southwards. `E` is `e` moved 0.3 m east (an undershoot to snap). Lines below list
// the vertices they pass through.
//
//   a . . b . . c . . . u . v
//         .
//         d . . e . . f
//         .
//   g . . x . . h
//         .     .
//         i     p . q
//               .   .
//               r . .
//       m
//   k . . . l
//       n
constexpr const char* kArt = R"(
a . . b . . c . . . u . v
      .
      d . . e . . f
      .
g . . x . . h
      .     .
      i     p . q
            .   .
            r . .
    m
k . . . l
    n
)";

// b is inside abc and ends bd: split there. x is inside both dxi and gxh: split.
// de twice: a duplicate. Ef: E snaps to e. pqrp: a ring, one self-loop edge.
// uv, kl, mn: islands (kl and mn cross without a shared vertex: no junction).
// ss: a line of two equal points (zero length).
const std::vector<std::string> kLines = {"abc", "bd", "dxi", "gxh", "de", "de", "Ef",
                                         "hp",  "pqrp", "uv", "kl", "mn", "ss"};

std::map<char, Point> art_vertices() {
  std::map<char, Point> v;
  std::istringstream in(kArt);
  std::string line;
  int row = -1;
  while (std::getline(in, line)) {
    if (row < 0 && line.empty()) { row = 0; continue; }
    for (std::size_t c = 0; c < line.size(); ++c)
      if (std::islower(static_cast<unsigned char>(line[c])))
        v[line[c]] = {-5000.0 + 10.0 * static_cast<double>(c), -36000.0 - 10.0 * row};
    ++row;
  }
  v['E'] = {v['e'].x + 0.3, v['e'].y};
  v['s'] = {-4000, -37000};
  return v;
}

/// The drawn map as a GeoJSON file in EPSG:6677.
std::string write_art(const TempDir& tmp) {
  const auto v = art_vertices();
  std::ostringstream js;
  js.precision(17);
  js << R"({"type":"FeatureCollection","crs":{"type":"name","properties":{"name":"urn:ogc:def:crs:EPSG::6677"}},"features":[)";
  for (std::size_t i = 0; i < kLines.size(); ++i) {
    js << (i ? "," : "") << R"({"type":"Feature","properties":{"highway":"footway","name":")" << kLines[i]
       << R"("},"geometry":{"type":"LineString","coordinates":[)";
    const std::string& l = kLines[i];
    for (std::size_t k = 0; k < l.size(); ++k) js << (k ? "," : "") << "[" << v.at(l[k]).x << "," << v.at(l[k]).y << "]";
    js << "]}}";
  }
  js << "]}";
  const std::string path = tmp / "art.geojson";
  write_file(path, js.str());
  return path;
}

/// The network's edges as sorted letter pairs ("ab", "bd", ...).
std::vector<std::string> letter_edges(const Network& net) {
  const auto v = art_vertices();
  auto letter = [&](Point p) {
    for (const auto& [c, q] : v)
      if (distance(p, q) < 1e-6 && c != 'E') return c;
    return '?';
  };
  std::vector<std::string> out;
  for (std::uint32_t e = 0; e < net.edge_count(); ++e) {
    std::string s{letter(net.pos(net.from(EdgeId{e}))), letter(net.pos(net.to(EdgeId{e})))};
    std::sort(s.begin(), s.end());
    out.push_back(s);
  }
  std::sort(out.begin(), out.end());
  return out;
}

}  // namespace

TEST_CASE("a drawn map: splitting, snapping, self-loops, zero length, duplicates, components") {
  TempDir tmp;
  const std::string path = write_art(tmp);
  const auto v = art_vertices();

  SUBCASE("defaults: snap 0.5 m, keep the largest component") {
    const auto ln = geo::load_network(path, no_cache());
    const auto& r = ln.report;
    CHECK(r.driver == "GeoJSON");
    CHECK(r.epsg == 6677);  // a projected source CRS is kept
    CHECK(r.features_read == kLines.size());
    CHECK(r.self_loops_dropped == 1);
    CHECK(r.zero_length_dropped == 1);
    CHECK(r.duplicate_edges_dropped == 1);
    CHECK(r.components.components == 4);  // main, uv, kl, mn
    CHECK(r.components.dropped_nodes == 6);
    CHECK(r.components.dropped_edges == 3);
    CHECK(letter_edges(ln.network) ==
          std::vector<std::string>{"ab", "bc", "bd", "de", "dx", "ef", "gx", "hp", "hx", "ix"});
    CHECK(ln.network.node_count() == 11);
    // Lengths follow the drawn geometry: ab is 6 columns.
    double total = 0;
    for (const char* e : {"ab", "bc", "bd", "de", "dx", "gx", "hp", "hx", "ix"})
      total += distance(v.at(e[0]), v.at(e[1]));
    total += distance(v.at('e'), v.at('f'));  // E moved onto e
    CHECK(ln.network.total_length_m() == doctest::Approx(total).epsilon(1e-6));
    CHECK(distance(v.at('a'), v.at('b')) == doctest::Approx(60));
  }
  SUBCASE("no snapping: the undershoot stays apart") {
    auto o = no_cache();
    o.snap_tolerance_m = 0;
    const auto ln = geo::load_network(path, o);
    CHECK(ln.report.components.components == 5);
    CHECK(letter_edges(ln.network) ==
          std::vector<std::string>{"ab", "bc", "bd", "de", "dx", "gx", "hp", "hx", "ix"});
  }
  SUBCASE("keep every component") {
    auto o = no_cache();
    o.keep_largest_component = false;
    const auto ln = geo::load_network(path, o);
    CHECK(ln.report.components.components == 4);
    CHECK(ln.report.components.dropped_edges == 0);
    CHECK(ln.network.edge_count() == 13);
    CHECK(ln.network.node_count() == 17);
  }
  SUBCASE("a projected --crs reprojects") {
    auto o = no_cache();
    o.target_epsg = 32654;
    const auto ln = geo::load_network(path, o);
    CHECK(ln.report.epsg == 32654);
    CHECK(ln.network.edge_count() == 10);
    // UTM and the plane-rectangular zone differ in scale by well under 0.1 %.
    CHECK(ln.network.total_length_m() == doctest::Approx(380 + distance(v.at('e'), v.at('f'))).epsilon(2e-3));
  }
}

TEST_CASE("the cache: hit, identical arrays, invalidation, corrupt files") {
  const auto src = shared_data("osm/shibuya_station_area_overpass_2025-07.osm");
  if (!src) return;
  TempDir tmp;
  const std::string file = tmp / "net.osm";
  fs::copy_file(*src, file);
  geo::ImportOptions o;
  o.cache_dir = tmp / "cache";

  const auto first = geo::load_network(file, o);
  CHECK_FALSE(first.report.from_cache);
  REQUIRE(fs::exists(first.report.cache_file));
  CHECK(fs::path(first.report.cache_file).extension() == ".kitnet");

  const auto second = geo::load_network(file, o);
  CHECK(second.report.from_cache);
  CHECK(second.report.cache_file == first.report.cache_file);
  check_same_network(first.network, second.network);
  CHECK(second.report.features_read == first.report.features_read);
  CHECK(second.report.excluded == first.report.excluded);
  CHECK(second.report.components.dropped_edges == first.report.components.dropped_edges);
  CHECK(second.report.length_by_class_m == first.report.length_by_class_m);
  CHECK(second.report.crs_name == first.report.crs_name);
  CHECK(second.report.lon_min == first.report.lon_min);

  SUBCASE("touching the file rebuilds") {
    fs::last_write_time(file, fs::last_write_time(file) + std::chrono::seconds(2));
    CHECK_FALSE(geo::load_network(file, o).report.from_cache);
    CHECK(geo::load_network(file, o).report.from_cache);
  }
  SUBCASE("changing the file rebuilds") {
    std::ofstream(file, std::ios::app) << "\n";
    const auto again = geo::load_network(file, o);
    CHECK_FALSE(again.report.from_cache);
    check_same_network(first.network, again.network);
  }
  SUBCASE("changing an option rebuilds") {
    auto o2 = o;
    o2.keep_largest_component = false;
    const auto all = geo::load_network(file, o2);
    CHECK_FALSE(all.report.from_cache);
    CHECK(all.network.edge_count() > first.network.edge_count());
    o2 = o;
    o2.rules.highways.push_back("elevator");
    CHECK_FALSE(geo::load_network(file, o2).report.from_cache);
    o2 = o;
    o2.target_epsg = 6677;
    CHECK_FALSE(geo::load_network(file, o2).report.from_cache);
    CHECK(geo::load_network(file, o).report.from_cache);  // the original entry is still there
  }
  SUBCASE("a corrupt cache file is ignored and rebuilt") {
    {
      std::fstream f(first.report.cache_file, std::ios::in | std::ios::out | std::ios::binary);
      f.seekp(static_cast<std::streamoff>(fs::file_size(first.report.cache_file) / 2));
      f.write("garbage!", 8);
    }
    const auto again = geo::load_network(file, o);
    CHECK_FALSE(again.report.from_cache);
    check_same_network(first.network, again.network);
    CHECK(geo::load_network(file, o).report.from_cache);
  }
  SUBCASE("a truncated cache file is ignored and rebuilt") {
    fs::resize_file(first.report.cache_file, fs::file_size(first.report.cache_file) / 3);
    CHECK_FALSE(geo::load_network(file, o).report.from_cache);
    fs::resize_file(first.report.cache_file, 5);
    CHECK_FALSE(geo::load_network(file, o).report.from_cache);
    CHECK(geo::load_network(file, o).report.from_cache);
  }
  SUBCASE("an unusable cache folder only warns") {
    write_file(tmp / "plain-file", "x");
    auto o2 = o;
    o2.cache_dir = tmp / "plain-file/cache";
    const auto ln = geo::load_network(file, o2);
    CHECK_FALSE(ln.report.from_cache);
    CHECK(ln.network.edge_count() == first.network.edge_count());
  }
  SUBCASE("--no-cache neither reads nor writes") {
    auto o2 = o;
    o2.use_cache = false;
    const auto ln = geo::load_network(file, o2);
    CHECK_FALSE(ln.report.from_cache);
    CHECK(ln.report.cache_file.empty());
  }
}

namespace {

// A star of ways from node 1, one per tag combination; way id = the case number.
struct WayCase {
  int id;
  const char* tags;  // k=v pairs separated by '|'
};
const WayCase kWays[] = {
    {1, "highway=footway|width=3.5"},
    {2, "highway=residential|width=4,5"},
    {3, "highway=primary|lanes=4"},
    {4, "highway=secondary|lanes=2|sidewalk=both"},
    {5, "highway=steps"},
    {6, "highway=footway|footway=crossing"},
    {7, "highway=tertiary|bridge=yes|width=7 m"},
    {8, "highway=service|tunnel=yes"},
    {9, "highway=motorway"},
    {10, "highway=footway|access=private"},
    {11, "highway=footway|access=private|foot=yes"},
    {12, "highway=trunk_link"},
    {13, "highway=corridor"},
    {14, "highway=unclassified|est_width=3.0m\xE3\x80\x9C" "5.5m"},
    {15, "highway=residential|sidewalk:left=yes|sidewalk:right=yes|sidewalk:both:width=1.5"},
    {16, "highway=residential|width=12'|name=\xE9\x81\x93\xE7\x8E\x84\xE5\x9D\x82"},
    {17, "highway=footway|area=yes"},
    {18, "highway=elevator"},
    {19, "waterway=river"},
    {20, "highway=living_street|width=garbage"},
};

std::string tag_osm(const TempDir& tmp) {
  std::ostringstream x;
  x << std::fixed;
  x.precision(7);
  x << "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<osm version=\"0.6\" generator=\"kitaku-test\">\n";
  x << " <node id=\"1\" version=\"1\" lat=\"35.6800000\" lon=\"139.7600000\"/>\n";
  for (const auto& w : kWays) {
    const double a = w.id * 0.3;  // a spoke of about 100 m
    x << " <node id=\"" << 100 + w.id << "\" version=\"1\" lat=\"" << 35.68 + 0.0009 * std::sin(a)
      << "\" lon=\"" << 139.76 + 0.0011 * std::cos(a) << "\"/>\n";
  }
  for (const auto& w : kWays) {
    x << " <way id=\"" << w.id << "\" version=\"1\"><nd ref=\"1\"/><nd ref=\"" << 100 + w.id << "\"/>";
    std::string tags = w.tags;
    std::size_t s = 0;
    while (s < tags.size()) {
      const std::size_t e = std::min(tags.find('|', s), tags.size());
      const std::string kv = tags.substr(s, e - s);
      const std::size_t eq = kv.find('=');
      std::string v = kv.substr(eq + 1);
      for (std::size_t p = 0; (p = v.find('\'', p)) != std::string::npos; p += 6) v.replace(p, 1, "&apos;");
      x << "<tag k=\"" << kv.substr(0, eq) << "\" v=\"" << v << "\"/>";
      s = e + 1;
    }
    x << "</way>\n";
  }
  x << "</osm>\n";
  const std::string path = tmp / "tags.osm";
  write_file(path, x.str());
  return path;
}

std::map<std::int64_t, EdgeId> edges_by_way(const Network& net) {
  std::map<std::int64_t, EdgeId> m;
  for (std::uint32_t e = 0; e < net.edge_count(); ++e) m[net.source_id(EdgeId{e})] = EdgeId{e};
  return m;
}

}  // namespace

TEST_CASE("walkable width, class and flags from OSM tags") {
  TempDir tmp;
  const std::string path = tag_osm(tmp);
  const auto ln = geo::load_network(path, no_cache());
  const auto& net = ln.network;
  const auto& r = ln.report;
  const auto by = edges_by_way(net);
  CHECK(r.features_read == 20);
  CHECK(excluded(r, "highway=motorway") == 1);
  CHECK(excluded(r, "access=private") == 1);
  CHECK(excluded(r, "area=yes") == 1);
  CHECK(excluded(r, "highway=elevator") == 1);
  CHECK(excluded(r, "no highway tag") == 1);
  CHECK(r.features_walkable == 15);
  CHECK(net.edge_count() == 15);
  for (int gone : {9, 10, 17, 18, 19}) CHECK(by.count(gone) == 0);

  auto width = [&](int way) { return static_cast<double>(net.width(by.at(way))); };
  CHECK(width(1) == doctest::Approx(3.5));
  CHECK(width(2) == doctest::Approx(4.5));    // decimal comma
  CHECK(width(3) == doctest::Approx(23.5));   // 3.5 * 4 lanes + 2.5, plus a primary road's default 7 m of sidewalks
  CHECK(width(4) == doctest::Approx(13.5));   // 3.5 * 2 + 2.5, plus 2 m each side
  CHECK(width(5) == doctest::Approx(2.0));
  CHECK(width(6) == doctest::Approx(4.0));    // a crosswalk
  CHECK(width(7) == doctest::Approx(11.0));   // 7 m, plus a tertiary road's default 4 m of sidewalks
  CHECK(width(8) == doctest::Approx(3.0));
  CHECK(width(11) == doctest::Approx(2.0));   // foot=yes overrides access=private
  CHECK(width(12) == doctest::Approx(23.5));  // a trunk link: the trunk's defaults
  CHECK(width(13) == doctest::Approx(3.0));
  CHECK(width(14) == doctest::Approx(4.25));  // the middle of 3.0m〜5.5m
  CHECK(width(15) == doctest::Approx(7.0));   // 4 m + two 1.5 m sidewalks
  CHECK(width(16) == doctest::Approx(12 * 0.3048));
  CHECK(width(20) == doctest::Approx(4.0));   // an unreadable width: the class default
  // The carriageway: the width read (tag, lanes rule or default) on roads that have one,
  // 0 on footways, steps and corridors; the rest of the width is sidewalks.
  auto carriageway = [&](int way) { return static_cast<double>(net.carriageway(by.at(way))); };
  CHECK(carriageway(1) == 0);
  CHECK(carriageway(2) == doctest::Approx(4.5));   // a back street: no sidewalk by default
  CHECK(carriageway(3) == doctest::Approx(16.5));
  CHECK(carriageway(4) == doctest::Approx(9.5));   // sidewalk=both: 2 m a side, not the default
  CHECK(carriageway(5) == 0);
  CHECK(carriageway(7) == doctest::Approx(7.0));
  CHECK(carriageway(13) == 0);
  CHECK(carriageway(15) == doctest::Approx(4.0));
  CHECK(net.sidewalks(by.at(15)) == doctest::Approx(3.0));

  CHECK(net.road_class(by.at(5)) == RoadClass::steps);
  CHECK(net.flags(by.at(5)) == kStairs);
  CHECK(net.flags(by.at(7)) == kBridge);
  CHECK(net.flags(by.at(8)) == kTunnel);
  CHECK(net.flags(by.at(1)) == 0);
  CHECK(net.road_class(by.at(12)) == RoadClass::trunk);
  CHECK(net.road_class(by.at(13)) == RoadClass::footway);
  CHECK(net.name(by.at(16)) == "\xE9\x81\x93\xE7\x8E\x84\xE5\x9D\x82");
  CHECK(r.stairs_edges == 1);

  SUBCASE("rules from a TOML file") {
    write_file(tmp / "rules.toml",
               "highways = [\"footway\", \"steps\", \"elevator\"]\n"
               "foot_allows = [\"yes\"]\n"
               "[exclude]\n"
               "access = [\"private\"]\n");
    auto o = no_cache();
    o.rules = geo::load_walkable_rules(tmp / "rules.toml");
    const auto ln2 = geo::load_network(path, o);
    const auto by2 = edges_by_way(ln2.network);
    // footway 1, 6, 11, 17 (area no longer excluded), steps 5, elevator 18.
    CHECK(ln2.network.edge_count() == 6);
    REQUIRE(by2.count(18) == 1);
    CHECK(ln2.network.flags(by2.at(18)) == kElevator);
    CHECK(by2.count(17) == 1);
    CHECK(excluded(ln2.report, "highway=residential") == 3);
  }
}

TEST_CASE("write_network round trips through GeoPackage, FlatGeobuf, Shapefile and GeoJSON") {
  const auto src = shared_data("osm/shibuya_station_area_overpass_2025-07.osm");
  if (!src) return;
  const auto orig = geo::load_network(*src, no_cache());
  const Network& a = orig.network;
  auto sorted_lengths = [](const Network& n) {
    std::vector<float> v(n.data().edge_length_m);
    std::sort(v.begin(), v.end());
    return v;
  };
  TempDir tmp;
  for (const char* ext : {".gpkg", ".fgb", ".shp", ".geojson"}) {
    CAPTURE(ext);
    const std::string out = tmp / (std::string("roads") + ext);
    geo::write_network(a, out);
    REQUIRE(fs::exists(out));
    // Exact vertex identity: the export's shared vertices are bit-identical.
    auto o = no_cache();
    o.snap_tolerance_m = 0;
    const auto back = geo::load_network(out, o);
    const Network& b = back.network;
    CHECK(back.report.epsg == 32654);
    CHECK(back.report.features_read == a.edge_count());
    CHECK(back.report.features_walkable == a.edge_count());
    CHECK(b.node_count() == a.node_count());
    CHECK(b.edge_count() == a.edge_count());
    CHECK(b.total_length_m() == doctest::Approx(a.total_length_m()).epsilon(1e-9));
    const auto la = sorted_lengths(a), lb = sorted_lengths(b);
    REQUIRE(la.size() == lb.size());
    for (std::size_t i = 0; i < la.size(); ++i) REQUIRE(lb[i] == doctest::Approx(la[i]).epsilon(1e-6));
    CHECK(back.report.length_by_class_m[static_cast<std::size_t>(RoadClass::steps)] ==
          doctest::Approx(orig.report.length_by_class_m[static_cast<std::size_t>(RoadClass::steps)]));
    CHECK(back.report.stairs_edges == orig.report.stairs_edges);
    double wa = 0, wb = 0;
    for (float w : a.data().edge_width_m) wa += w;
    for (float w : b.data().edge_width_m) wb += w;
    CHECK(wb == doctest::Approx(wa));
    double ca = 0, cb = 0;
    for (float c : a.data().edge_carriageway_m) ca += c;
    for (float c : b.data().edge_carriageway_m) cb += c;
    CHECK(ca > 0);
    CHECK(cb == doctest::Approx(ca));
  }
  // No stray temporaries are left next to the outputs.
  for (const auto& e : fs::directory_iterator(tmp.path))
    CHECK(e.path().filename().string().rfind(".tmp-", 0) != 0);
  CHECK_THROWS_AS(geo::write_network(a, tmp / "roads.xyz"), InputError);
}

TEST_CASE("kitaku network info --json reports the same figures as the API") {
  const auto src = shared_data("osm/shibuya_station_area_overpass_2025-07.osm");
  if (!src) return;
  TempDir tmp;
  const auto api = geo::load_network(*src, no_cache());
  const auto res = kitaku::test::run_kitaku("network info '" + *src + "' --no-cache --json --export '" +
                                            (tmp / "out.gpkg") + "'");
  REQUIRE(res.code == 0);
  const std::string& out = res.output;
  auto has = [&](const std::string& s) { return out.find(s) != std::string::npos; };
  CHECK(has("\"edges\": " + std::to_string(api.network.edge_count())));
  CHECK(has("\"nodes\": " + std::to_string(api.network.node_count())));
  CHECK(has("\"highway=motorway\": 8"));
  CHECK(has("\"epsg\": 32654"));
  CHECK(fs::exists(tmp / "out.gpkg"));
  const auto text = kitaku::test::run_kitaku("network info '" + *src + "' --no-cache");
  REQUIRE(text.code == 0);
  CHECK(text.output.find("highway=motorway") != std::string::npos);
  CHECK(text.output.find("EPSG:32654") != std::string::npos);
}

TEST_CASE("import reports progress that rises to 1") {
  const auto path = kitaku::test::shared_data("osm/shibuya_station_area_overpass_2025-07.osm");
  if (!path) return;
  std::vector<double> seen;
  auto o = no_cache();
  o.progress = [&](double f) { seen.push_back(f); };
  geo::load_network(*path, o);
  REQUIRE(seen.size() >= 2);
  CHECK(std::is_sorted(seen.begin(), seen.end()));
  CHECK(seen.front() >= 0);
  CHECK(seen.back() == 1.0);
}

TEST_CASE("data/walkable-rules.toml is the built-in default, written out") {
  const auto r = geo::load_walkable_rules(std::string(KITAKU_SOURCE_DIR) + "/data/walkable-rules.toml");
  const geo::WalkableRules d;
  CHECK(r.highways == d.highways);
  CHECK(r.foot_allows == d.foot_allows);
  CHECK(r.exclude == d.exclude);
}
