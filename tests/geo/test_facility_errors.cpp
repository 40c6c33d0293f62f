// Bad facility, station and zone sources: one InputError naming the file, the place and
// the problem, through the API and through `kitaku facilities ...` (exit code 1).
#include <doctest/doctest.h>

#include <string>

#include "facility_test_util.hpp"
#include "kitaku/geo/facilities.hpp"
#include "kitaku/sim/error.hpp"
#include "test_util.hpp"

using namespace kitaku;
using kitaku::test::ZoneRecord;

namespace {

struct Expect {
  std::string place;    // InputError::place()
  std::string problem;  // a part of InputError::problem()
};

// Runs `load` expecting an InputError for `file` at `e.place` whose problem contains `e.problem`.
template <class Load>
void expect_error(const std::string& file, const Expect& e, Load&& load) {
  try {
    load();
    FAIL("no InputError for " << file);
  } catch (const InputError& err) {
    INFO(std::string(err.what()));
    CHECK(err.file() == file);
    CHECK(err.place() == e.place);
    CHECK(err.problem().find(e.problem) != std::string::npos);
  }
}

// The same through the CLI: exit code 1 and "kitaku: error: FILE: PLACE: PROBLEM".
void expect_cli_error(const std::string& args, const std::string& file, const Expect& e) {
  const auto r = test::run_kitaku(args);
  INFO(r.output);
  CHECK(r.code == 1);
  CHECK(r.output.find("kitaku: error: " + file + ": " + (e.place.empty() ? "" : e.place + ": ")) != std::string::npos);
  CHECK(r.output.find(e.problem) != std::string::npos);
}

void facilities_case(const std::string& file, const Expect& e, const geo::PointSourceOptions& o = {},
                     const std::string& cli_flags = "") {
  expect_error(file, e, [&] { geo::load_facilities(file, "", o); });
  expect_cli_error("facilities info " + cli_flags + " " + file, file, e);
}

}  // namespace

TEST_CASE("a CSV without coordinate columns lists the columns it has") {
  test::TempDir dir;
  const std::string f = dir / "nocoords.csv";
  test::write_text(f, "番号,施設名称,所在地\n1,千代田都税事務所,千代田区内神田2-1-12\n");
  facilities_case(f, {"header", "no latitude/longitude column"});
  facilities_case(f, {"header", "the columns are: 番号, 施設名称, 所在地"});
  test::write_text(f, "name,lat\nA,35.6\n");
  facilities_case(f, {"header", "no longitude column"});
}

TEST_CASE("swapped latitude and longitude are named as such, with the row") {
  test::TempDir dir;
  const std::string all = dir / "swapped.csv";
  test::write_text(all, "name,lat,lon\nA,139.76,35.68\nB,139.77,35.69\n");
  facilities_case(all, {"row 1 (line 2)", "latitude and longitude look swapped"});
  const std::string one = dir / "one_swapped.csv";
  test::write_text(one, "name,緯度,経度\nA,35.68,139.76\n\nB,139.77,35.69\n");  // blank line 3
  facilities_case(one, {"row 2 (line 4)", "latitude and longitude look swapped"});
}

TEST_CASE("coordinates out of range name the row and the column") {
  test::TempDir dir;
  const std::string lat = dir / "lat.csv";
  test::write_text(lat, "name,lat,lon\nA,35.6,139.7\nB,95.1,139.7\n");
  facilities_case(lat, {"row 2 (line 3)", "latitude 95.1 (column lat) is outside [-90, 90]"});
  const std::string lon = dir / "lon.csv";
  test::write_text(lon, "name,lat,lon\nA,35.6,239.7\n");
  facilities_case(lon, {"row 1 (line 2)", "longitude 239.7 (column lon) is outside [-180, 180]"});
}

TEST_CASE("a non-numeric or empty coordinate names the row and the column") {
  test::TempDir dir;
  const std::string f = dir / "text.csv";
  test::write_text(f, "name,lat,lon\nA,35.6,139.7\nB,35.6N,139.7\n");
  facilities_case(f, {"row 2 (line 3)", "column lat: '35.6N' is not a number"});
  test::write_text(f, "name,lat,lon\nA,35.6,139.7\nB,35.6,\n");
  facilities_case(f, {"row 2 (line 3)", "no longitude (column lon is empty)"});
}

TEST_CASE("empty, header-only and missing files") {
  test::TempDir dir;
  const std::string empty = dir / "empty.csv";
  test::write_text(empty, "");
  facilities_case(empty, {"", "the file is empty"});
  const std::string header = dir / "header.csv";
  test::write_text(header, "name,lat,lon\n");
  facilities_case(header, {"header", "has no facilities"});
  facilities_case(dir / "missing.csv", {"", "no such file"});
  const std::string junk = dir / "junk.gpkg";
  test::write_text(junk, "this is not a GeoPackage\n");
  expect_error(junk, {"", "GDAL"}, [&] { geo::load_facilities(junk, ""); });
}

TEST_CASE("broken CSV structure: an unclosed quote, too many values") {
  test::TempDir dir;
  const std::string f = dir / "q.csv";
  test::write_text(f, "name,lat,lon\nA,35.6,139.7\n\"B,35.6,139.7\nC,35.6,139.7\n");
  facilities_case(f, {"line 3", "a quoted field is never closed"});
  test::write_text(f, "name,lat,lon\nA,35.6,139.7,extra\n");
  facilities_case(f, {"row 1 (line 2)", "has 4 values but the header has 3 columns"});
}

TEST_CASE("a negative or non-integer capacity names the feature") {
  test::TempDir dir;
  const std::string csv = dir / "cap.csv";
  test::write_text(csv, "name,capacity,lat,lon\nA,100,35.6,139.7\nB,-5,35.6,139.7\n");
  facilities_case(csv, {"row 2 (line 3)", "column capacity: capacity '-5' is negative"});
  test::write_text(csv, "name,capacity,lat,lon\nA,12.5,35.6,139.7\n");
  facilities_case(csv, {"row 1 (line 2)", "capacity '12.5' is not a whole number"});
  test::write_text(csv, "name,capacity,lat,lon\nA,many,35.6,139.7\n");
  facilities_case(csv, {"row 1 (line 2)", "capacity 'many' is not a number"});

  const std::string gpkg = dir / "cap.gpkg";
  test::write_points(gpkg, "GPKG", "facilities", 4326,
                     {{"A", 10, "", 139.7, 35.6}, {"B", -20, "", 139.71, 35.61}});
  facilities_case(gpkg, {"layer facilities: feature 2", "capacity '-20' is negative"});

  geo::PointSourceOptions o;
  o.default_capacity = -1;
  expect_error(gpkg, {"default capacity", "-1 is negative"}, [&] { geo::load_facilities(gpkg, "", o); });
}

TEST_CASE("a named field that does not exist lists the fields that do") {
  test::TempDir dir;
  const std::string csv = dir / "f.csv";
  test::write_text(csv, "name,lat,lon\nA,35.6,139.7\n");
  geo::PointSourceOptions o;
  o.capacity_field = "収容人数";
  facilities_case(csv, {"field 収容人数", "no such field (given by --capacity-field); the fields are: name, lat, lon"}, o,
                  "--capacity-field 収容人数");
  geo::PointSourceOptions l;
  l.layer = "shelters";
  test::write_points(dir / "p.gpkg", "GPKG", "facilities", 4326, {{"A", 10, "", 139.7, 35.6}});
  expect_error(dir / "p.gpkg", {"layer shelters", "no such layer (the layers are: facilities)"},
               [&] { geo::load_facilities(dir / "p.gpkg", "", l); });
}

TEST_CASE("a Shift_JIS file is refused with a hint, not loaded as garbage") {
  test::TempDir dir;
  const std::string csv = dir / "sjis.csv";
  // "name,lat,lon" then 東京 in Shift_JIS (93 8C 8B 9E).
  test::write_text(csv, "name,lat,lon\n\x93\x8C\x8B\x9E,35.6,139.7\n");
  facilities_case(csv, {"row 1 (line 2)", "is not valid UTF-8"});
}

TEST_CASE("a point layer without a CRS, and non-point geometries") {
  test::TempDir dir;
  const std::string gpkg = dir / "lines.gpkg";
  {
    geo::DatasetPtr ds = geo::create_vector(gpkg, "GPKG");
    OGRSpatialReference srs = geo::srs_from_epsg(4326);
    OGRLayer* layer = ds->CreateLayer("facilities", &srs, wkbUnknown, nullptr);
    OGRFeature f(layer->GetLayerDefn());
    OGRLineString l;
    l.addPoint(139.7, 35.6);
    l.addPoint(139.71, 35.6);
    f.SetGeometry(&l);
    REQUIRE(layer->CreateFeature(&f) == OGRERR_NONE);
  }
  facilities_case(gpkg, {"layer facilities: feature 1", "has a Line String geometry, not a point"});
}

TEST_CASE("stations need a daily-riders field") {
  test::TempDir dir;
  const std::string csv = dir / "st.csv";
  test::write_text(csv, "name,lat,lon\n渋谷,35.658,139.701\n");
  expect_error(csv, {"header", "no daily-riders field"}, [&] { geo::load_stations(csv, ""); });
  expect_cli_error("facilities stations " + csv, csv, {"header", "the fields are: name, lat, lon"});
  test::write_text(csv, "name,lat,lon,passengers\n渋谷,35.658,139.701,-3\n");
  expect_error(csv, {"row 1 (line 2)", "daily riders -3 is negative"}, [&] { geo::load_stations(csv, ""); });
  const std::string json = dir / "st.json";
  test::write_text(json, "[{\"name\": \"a\", \"lat\": 35.6, \"lng\": 139.7, \"passenger\": 5}, 7]");
  expect_error(json, {"record 2", "is not a JSON object"}, [&] { geo::load_stations(json, ""); });
  test::write_text(json, "[{\"name\": \"a\", \"lat\": 35.6, ");
  expect_error(json, {"byte 29", "not valid JSON"}, [&] { geo::load_stations(json, ""); });
}

TEST_CASE("zones: shares that do not sum to 1, negative populations, missing fields") {
  test::TempDir dir;
  const std::vector<std::vector<std::pair<double, double>>> sq{{{0, 0}, {10, 0}, {10, 10}, {0, 10}}};
  const std::string z = dir / "z.gpkg";
  test::write_zones(z, "zones", 6677,
                    {{"ok", sq, 10, 5, {0.5, 0.5, 0, 0, 0, 0}}, {"bad", sq, 10, 5, {0.5, 0.4, 0, 0, 0, 0}}});
  const Expect sum{"layer zones: feature 2 (zone_id bad)", "home shares home_0_5 ... home_30_plus sum to 0.9, not 1"};
  expect_error(z, sum, [&] { geo::load_zones(z, ""); });
  expect_cli_error("facilities zones " + z, z, sum);

  const std::string neg = dir / "neg.gpkg";
  test::write_zones(neg, "zones", 6677, {{"n", sq, -10, 5, {}}}, false);
  const Expect negative{"layer zones: feature 1 (zone_id n)", "day_pop -10 is negative"};
  expect_error(neg, negative, [&] { geo::load_zones(neg, ""); });
  expect_cli_error("facilities zones " + neg, neg, negative);

  const std::string null_pop = dir / "null.gpkg";
  test::write_zones(null_pop, "zones", 6677, {{"n", sq, 10, std::nullopt, {}}}, false);
  expect_error(null_pop, {"layer zones: feature 1 (zone_id n)", "night_pop is empty"},
               [&] { geo::load_zones(null_pop, ""); });

  // Some share fields but not all.
  const std::string partial = dir / "partial.gpkg";
  {
    geo::DatasetPtr ds = geo::create_vector(partial, "GPKG");
    OGRSpatialReference srs = geo::srs_from_epsg(6677);
    OGRLayer* layer = ds->CreateLayer("zones", &srs, wkbPolygon, nullptr);
    for (const char* n : {"day_pop", "night_pop", "home_0_5", "home_5_10"}) {
      OGRFieldDefn fd(n, OFTReal);
      layer->CreateField(&fd);
    }
  }
  expect_error(partial, {"layer zones", "not home_10_15, home_15_20, home_20_30, home_30_plus"},
               [&] { geo::load_zones(partial, ""); });

  // The mesh polygons on their own have no population: say how to join it.
  if (const auto poly = test::shared_data("population/tokyo_mesh1km_polygons_epsg6668.geojson")) {
    const Expect e{"layer 13tokyo1km_epsg6668", "no day_pop field"};
    expect_error(*poly, e, [&] { geo::load_zones(*poly, ""); });
    expect_cli_error("facilities zones " + *poly, *poly, {e.place, "--population"});
  }
}

TEST_CASE("mesh population CSV: bad rows are named") {
  const auto poly = test::shared_data("population/tokyo_mesh1km_polygons_epsg6668.geojson");
  if (!poly) return;
  test::TempDir dir;
  const std::string csv = dir / "pop.csv";
  const std::string head = "mesh1kmid,prefcode,citycode,year,month,dayflag,timezone,population\n";
  test::write_text(csv, head + "53394611,13,13101,2019,10,1,0,100\n53394611,13,13101,2019,10,1,0,-4\n");
  const Expect neg{"row 2 (line 3)", "population -4 is negative"};
  expect_error(csv, neg, [&] { geo::load_mesh_zones(*poly, csv, ""); });
  expect_cli_error("facilities zones " + *poly + " --population " + csv, csv, neg);
  test::write_text(csv, head + "53394611,13,13101,2019,10,1,0,100\n53394611,13,13101,2019,10,1,0,200\n");
  expect_error(csv, {"row 2 (line 3)", "a second weekday daytime value for mesh 53394611 (the first is at row 1 (line 2))"},
               [&] { geo::load_mesh_zones(*poly, csv, ""); });
  test::write_text(csv, head + "5339461X,13,13101,2019,10,1,0,100\n");
  expect_error(csv, {"row 1 (line 2)", "8 digits"}, [&] { geo::load_mesh_zones(*poly, csv, ""); });
  test::write_text(csv, "mesh,population\n53394611,100\n");
  expect_error(csv, {"header", "the columns are: mesh, population"}, [&] { geo::load_mesh_zones(*poly, csv, ""); });

  // Valid: one mesh, joined with its polygon.
  test::write_text(csv, head + "53394611,13,13101,2019,10,1,0,100\n53394611,13,13101,2019,10,0,0,7\n");
  geo::MeshJoinReport rep;
  const auto z = geo::load_mesh_zones(*poly, csv, "", &rep);
  REQUIRE(z.size() == 1);
  CHECK(z[0].day_population == 100);
  CHECK(z[0].night_population == 0);
  CHECK(rep.meshes_from_code == 0);
}
