// Bad network input: every case gives one InputError naming the file, the place and
// the problem, through the API and through `kitaku network info` (exit code 1).
#include <filesystem>
#include <fstream>
#include <random>
#include <string>
#include <vector>

#include "kitaku/geo/network_import.hpp"
#include "kitaku/sim/error.hpp"
#include "test_util.hpp"

using namespace kitaku;
namespace fs = std::filesystem;
using kitaku::test::TempDir;

namespace {

void write_file(const std::string& path, const std::string& text) {
  std::ofstream(path, std::ios::binary) << text;
}

std::size_t count(const std::string& s, const std::string& what) {
  std::size_t n = 0;
  for (std::size_t p = 0; (p = s.find(what, p)) != std::string::npos; p += what.size()) ++n;
  return n;
}

/// Loads `path` through the API and the CLI and checks both fail with a message that
/// names the file and holds every one of `parts`.
void expect_error(const std::string& path, const geo::ImportOptions& options, const std::string& cli_args,
                  const std::vector<std::string>& parts) {
  CAPTURE(path);
  auto o = options;
  o.use_cache = false;
  try {
    (void)geo::load_network(path, o);
    FAIL("load_network accepted bad input");
  } catch (const InputError& e) {
    const std::string what = e.what();
    CAPTURE(what);
    CHECK(e.file() == path);
    CHECK(what.rfind(path + ": ", 0) == 0);
    for (const auto& p : parts) CHECK(what.find(p) != std::string::npos);
  }
  const auto res = kitaku::test::run_kitaku("network info '" + path + "' --no-cache " + cli_args);
  CAPTURE(res.output);
  CHECK(res.code == 1);
  CHECK(count(res.output, "error:") == 1);
  CHECK(res.output.find(path) != std::string::npos);
  for (const auto& p : parts) CHECK(res.output.find(p) != std::string::npos);
}

std::string geojson(const std::string& features) {
  return R"({"type":"FeatureCollection","features":[)" + features + "]}";
}

std::string line_feature(const std::string& highway, const std::string& coords) {
  return R"({"type":"Feature","properties":{"highway":")" + highway +
         R"("},"geometry":{"type":"LineString","coordinates":)" + coords + "}}";
}

/// A small but complete OSM XML file: a 20 x 20 grid of ways.
std::string grid_osm() {
  std::string s = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<osm version=\"0.6\" generator=\"kitaku-test\">\n";
  for (int i = 0; i < 20; ++i)
    for (int j = 0; j < 20; ++j)
      s += " <node id=\"" + std::to_string(1 + i * 20 + j) + "\" version=\"1\" lat=\"" +
           std::to_string(35.7 + 0.001 * i) + "\" lon=\"" + std::to_string(139.7 + 0.001 * j) + "\"/>\n";
  int way = 1;
  for (int i = 0; i < 20; ++i) {
    s += " <way id=\"" + std::to_string(way++) + "\" version=\"1\">";
    for (int j = 0; j < 20; ++j) s += "<nd ref=\"" + std::to_string(1 + i * 20 + j) + "\"/>";
    s += "<tag k=\"highway\" v=\"residential\"/></way>\n";
    s += " <way id=\"" + std::to_string(way++) + "\" version=\"1\">";
    for (int j = 0; j < 20; ++j) s += "<nd ref=\"" + std::to_string(1 + j * 20 + i) + "\"/>";
    s += "<tag k=\"highway\" v=\"residential\"/></way>\n";
  }
  return s + "</osm>\n";
}

}  // namespace

TEST_CASE("the grid OSM used below is itself valid") {
  TempDir tmp;
  write_file(tmp / "grid.osm", grid_osm());
  geo::ImportOptions o;
  o.use_cache = false;
  const auto ln = geo::load_network(tmp / "grid.osm", o);
  CHECK(ln.network.edge_count() == 2 * 20 * 19);
  CHECK(ln.network.node_count() == 400);
}

TEST_CASE("missing, empty and unreadable files") {
  TempDir tmp;
  expect_error(tmp / "nope.osm", {}, "", {"no such file"});
  write_file(tmp / "empty.osm", "");
  expect_error(tmp / "empty.osm", {}, "", {"empty"});
  std::mt19937 rng(kitaku::test::test_seed());
  std::string bytes(4096, '\0');
  for (auto& c : bytes) c = static_cast<char>(rng() & 0xFF);
  write_file(tmp / "random.osm", bytes);
  expect_error(tmp / "random.osm", {}, "", {"not a vector format"});
  write_file(tmp / "random.gpkg", bytes);
  expect_error(tmp / "random.gpkg", {}, "", {"not a vector format"});
  write_file(tmp / "notes.txt", "These are notes about walking home.\nNothing GIS here.\n");
  expect_error(tmp / "notes.txt", {}, "", {"not a vector format"});
}

TEST_CASE("a truncated OSM file") {
  TempDir tmp;
  const std::string full = grid_osm();
  write_file(tmp / "cut.osm", full.substr(0, full.size() / 2));
  expect_error(tmp / "cut.osm", {}, "", {"layer 'lines'", "read error"});
  // Cut inside the ways, after some have been read.
  write_file(tmp / "cut2.osm", full.substr(0, full.size() * 9 / 10));
  expect_error(tmp / "cut2.osm", {}, "", {"layer 'lines'", "read error"});
  if (const auto real = kitaku::test::shared_data("osm/shibuya_station_area_overpass_2025-07.osm")) {
    const std::string text = kitaku::test::slurp(*real);
    write_file(tmp / "shibuya-half.osm", text.substr(0, text.size() / 2));
    expect_error(tmp / "shibuya-half.osm", {}, "", {"layer 'lines'", "read error"});
  }
}

TEST_CASE("sources without usable lines") {
  TempDir tmp;
  write_file(tmp / "points.geojson",
             geojson(R"({"type":"Feature","properties":{"name":"a"},"geometry":{"type":"Point","coordinates":[139.7,35.6]}})"));
  expect_error(tmp / "points.geojson", {}, "", {"no layer with line geometries", "Point"});

  write_file(tmp / "motorways.geojson", geojson(line_feature("motorway", "[[139.7,35.6],[139.71,35.61]]") + "," +
                                                line_feature("motorway_link", "[[139.71,35.61],[139.72,35.6]]")));
  expect_error(tmp / "motorways.geojson", {}, "", {"layer 'motorways'", "no walkable features", "highway=motorway 1"});

  write_file(tmp / "invalid.geojson",
             geojson(line_feature("footway", "[[139.7,35.6]]") + "," +
                     R"({"type":"Feature","properties":{"highway":"footway"},"geometry":null})"));
  expect_error(tmp / "invalid.geojson", {}, "", {"layer 'invalid'", "valid line geometry"});

  write_file(tmp / "swapped.geojson", geojson(line_feature("footway", "[[35.6,139.7],[35.61,139.71]]")));
  expect_error(tmp / "swapped.geojson", {}, "", {"layer 'swapped', feature 0", "latitude 139.7 is out of range",
                                                "latitude and longitude look swapped"});
  write_file(tmp / "range.geojson", geojson(line_feature("footway", "[[139.7,35.6],[239.7,35.61]]")));
  expect_error(tmp / "range.geojson", {}, "", {"longitude 239.7, latitude 35.61 is out of range"});

  write_file(tmp / "nofeatures.geojson", geojson(""));
  expect_error(tmp / "nofeatures.geojson", {}, "", {"no features"});

  // A line of two equal points survives reading but leaves no edge.
  write_file(tmp / "dot.geojson", geojson(line_feature("footway", "[[139.7,35.6],[139.7,35.6]]")));
  expect_error(tmp / "dot.geojson", {}, "", {"no edges left"});
}

TEST_CASE("bad options: CRS, layer, snap tolerance, fields, rules") {
  TempDir tmp;
  write_file(tmp / "grid.osm", grid_osm());
  const std::string grid = tmp / "grid.osm";
  geo::ImportOptions o;

  o.target_epsg = 999999;
  expect_error(grid, o, "--crs 999999", {"--crs", "unknown CRS EPSG:999999"});
  o.target_epsg = 4326;
  expect_error(grid, o, "--crs 4326", {"--crs", "not a projected CRS"});

  o = {};
  o.layer = "roads";
  expect_error(grid, o, "--layer roads", {"layer 'roads'", "no such layer", "lines (Line String)", "points (Point)"});
  o.layer = "points";
  expect_error(grid, o, "--layer points", {"layer 'points'", "Point geometries, not lines"});

  o = {};
  o.snap_tolerance_m = -1;
  expect_error(grid, o, "--snap-tolerance -1", {"--snap-tolerance", ">= 0"});

  write_file(tmp / "lines.geojson", geojson(line_feature("footway", "[[139.7,35.6],[139.71,35.61]]")));
  o = {};
  o.mapping.class_field = "kind";
  expect_error(tmp / "lines.geojson", o, "--class-field kind", {"no field 'kind'", "highway"});

  // Rules: an unknown key (a typo) and a TOML syntax error, both with their line.
  write_file(tmp / "typo.toml", "highways = [\"footway\"]\nfoot_alows = [\"yes\"]\n");
  CHECK_THROWS_WITH_AS(geo::load_walkable_rules(tmp / "typo.toml"),
                       doctest::Contains("typo.toml: line 2: key 'foot_alows': unknown key"), InputError);
  auto res = kitaku::test::run_kitaku("network info '" + grid + "' --no-cache --rules '" + (tmp / "typo.toml") + "'");
  CHECK(res.code == 1);
  CHECK(res.output.find("key 'foot_alows'") != std::string::npos);

  write_file(tmp / "broken.toml", "highways = [\"footway\"\n");
  CHECK_THROWS_WITH_AS(geo::load_walkable_rules(tmp / "broken.toml"), doctest::Contains("broken.toml: line"), InputError);
  write_file(tmp / "types.toml", "highways = \"footway\"\n");
  CHECK_THROWS_WITH_AS(geo::load_walkable_rules(tmp / "types.toml"),
                       doctest::Contains("key 'highways': expected an array of strings"), InputError);
  write_file(tmp / "types2.toml", "[exclude]\naccess = [1, 2]\n");
  CHECK_THROWS_WITH_AS(geo::load_walkable_rules(tmp / "types2.toml"),
                       doctest::Contains("key 'exclude.access'"), InputError);
  CHECK_THROWS_WITH_AS(geo::load_walkable_rules(tmp / "none.toml"), doctest::Contains("no such file"), InputError);
}

TEST_CASE("broken CrowdWalk maps") {
  TempDir tmp;
  const std::string head = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Group id='0'>\n";
  write_file(tmp / "badref.xml", head +
                                     "  <Node id='n1' x='-5000' y='36000' height='0.0'/>\n"
                                     "  <Node id='n2' x='-5010' y='36000' height='0.0'/>\n"
                                     "  <Link id='l1' from='n1' to='n9' length='10' width='2.0'/>\n</Group>\n");
  expect_error(tmp / "badref.xml", {}, "", {"<Link id='l1'>", "to='n9' names no <Node>"});
  write_file(tmp / "badnum.xml", head + "  <Node id='n1' x='west' y='36000'/>\n</Group>\n");
  expect_error(tmp / "badnum.xml", {}, "", {"<Node id='n1'>", "x='west' is not a number"});
  write_file(tmp / "nonodes.xml", head + "</Group>\n");
  expect_error(tmp / "nonodes.xml", {}, "", {"no <Node>"});
  write_file(tmp / "cut.xml", head + "  <Node id='n1' x='-5000' y='36000' height='0.0'/>\n  <Link id='l1' fr");
  expect_error(tmp / "cut.xml", {}, "", {"not a readable XML file"});
}

TEST_CASE("projected coordinates beyond the CRS's range are an error, not a bad cast (found by fuzz_network_geojson)") {
  TempDir tmp;
  write_file(tmp / "far.geojson",
             R"({"type":"FeatureCollection","crs":{"type":"name","properties":{"name":"urn:ogc:def:crs:EPSG::6638"}},"features":[)"
             R"({"type":"Feature","properties":{"highway":"primary"},"geometry":{"type":"LineString","coordinates":)"
             R"([[-4901,-3.4933333333333333e115],[-5000,-35000]]}}]})");
  expect_error(tmp / "far.geojson", {}, "", {"layer 'far'", "has no longitude/latitude"});
}
