// Facilities, stations and zones: real Tokyo files, GDAL-written GeoJSON/GPKG sources,
// the 1 km mesh join, snapping, and `kitaku facilities ...`.
#include <doctest/doctest.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <map>
#include <nlohmann/json.hpp>
#include <set>

#include "facility_test_util.hpp"
#include "kitaku/geo/facilities.hpp"
#include "kitaku/geo/network_import.hpp"
#include "kitaku/geo/synth.hpp"
#include "kitaku/sim/error.hpp"
#include "test_util.hpp"

using namespace kitaku;
using kitaku::test::PointRecord;
using kitaku::test::ZoneRecord;

namespace {

constexpr const char* kShelters = "shelters/tokyo_metro_temporary_stay_facilities_geocoded.csv";

double haversine_m(double lon1, double lat1, double lon2, double lat2) {
  constexpr double r = 6371008.8, rad = M_PI / 180;
  const double a = std::pow(std::sin((lat2 - lat1) * rad / 2), 2) +
                   std::cos(lat1 * rad) * std::cos(lat2 * rad) * std::pow(std::sin((lon2 - lon1) * rad / 2), 2);
  return 2 * r * std::asin(std::sqrt(a));
}

// Two streets meeting at a right angle, in metres:
//
//   (0,1000)
//      |
//      |        edge 1
//      |
//   (0,0)-------------(1000,0)   edge 0
NetworkData corner(const std::string& crs_wkt, Point origin = {0, 0}) {
  NetworkData d;
  d.node_pos = {{origin.x, origin.y}, {origin.x + 1000, origin.y}, {origin.x, origin.y + 1000}};
  const Point e0[2] = {d.node_pos[0], d.node_pos[1]};
  const Point e1[2] = {d.node_pos[0], d.node_pos[2]};
  d.add_edge(NodeId{0}, NodeId{1}, e0, 3.0f, RoadClass::residential, 0, "east street");
  d.add_edge(NodeId{0}, NodeId{2}, e1, 3.0f, RoadClass::residential, 0, "north street");
  d.crs_wkt = crs_wkt;
  return d;
}

Facility at(double x, double y, std::string name) {
  Facility f;
  f.pos = {x, y};
  f.name = std::move(name);
  return f;
}

}  // namespace

TEST_CASE("the 227 Tokyo-run temporary stay facilities load from the real CSV") {
  const auto csv = test::shared_data(kShelters);
  if (!csv) return;
  geo::PointSourceReport rep;
  const auto f = geo::load_facilities(*csv, test::wkt_of_epsg(6677), {}, rep);
  REQUIRE(f.size() == 227);
  CHECK(rep.driver == "CSV");
  CHECK(rep.name_field == "施設名称");
  CHECK(rep.lat_field == "緯度");
  CHECK(rep.lon_field == "経度");
  CHECK(rep.area_field == "所在地");
  CHECK(rep.area_from_address);
  CHECK(rep.capacity_field.empty());
  CHECK(rep.capacity_defaulted == 227);
  CHECK(rep.target_crs.find("6677") != std::string::npos);

  CHECK(f[0].name == "千代田都税事務所");
  CHECK(f[0].area == "千代田区");
  CHECK(f[0].source_id == 1);
  CHECK(f[0].lat == doctest::Approx(35.689198));
  CHECK(f[0].lon == doctest::Approx(139.768311));
  CHECK(f[3].name == "日比谷公園飲食店第二号（霞門横）");  // full-width brackets kept byte for byte

  long long total = 0;
  std::set<std::string> areas;
  for (const auto& x : f) {
    CHECK(x.capacity == geo::kDefaultFacilityCapacity);
    CHECK(x.capacity_is_default());
    CHECK_FALSE(x.name.empty());
    CHECK_FALSE(x.area.empty());
    // Tokyo's mainland: 138.9-139.95 E, 35.5-35.9 N.
    CHECK(x.lon > 138.9);
    CHECK(x.lon < 139.95);
    CHECK(x.lat > 35.5);
    CHECK(x.lat < 35.9);
    total += x.capacity;
    areas.insert(x.area);
  }
  CHECK(total == 227 * 377);
  CHECK(areas.count("新宿区"));
  CHECK(areas.count("八王子市"));
  CHECK(areas.count("瑞穂町"));  // 瑞穂町石畑2027: a town, no ward or city
  CHECK(areas.size() > 30);
  for (const auto& a : areas) {
    const bool suffix = a.ends_with("区") || a.ends_with("市") || a.ends_with("町") || a.ends_with("村");
    CHECK_MESSAGE(suffix, a);
  }

  // Projection: planar distances in EPSG:6677 match great-circle distances (scale ~0.9999).
  for (std::size_t i : {1u, 50u, 120u, 226u}) {
    const double planar = distance(f[0].pos, f[i].pos);
    const double sphere = haversine_m(f[0].lon, f[0].lat, f[i].lon, f[i].lat);
    CHECK(planar == doctest::Approx(sphere).epsilon(0.004));
  }
  // Same input, same output.
  const auto again = geo::load_facilities(*csv, test::wkt_of_epsg(6677));
  for (std::size_t i = 0; i < f.size(); ++i) CHECK(again[i].pos == f[i].pos);
}

TEST_CASE("without a target CRS, facilities go into the UTM zone of their centre") {
  const auto csv = test::shared_data(kShelters);
  if (!csv) return;
  geo::PointSourceReport rep;
  const auto f = geo::load_facilities(*csv, "", {}, rep);
  CHECK(rep.target_crs.find("32654") != std::string::npos);  // UTM 54N holds 138-144 E
  CHECK(distance(f[0].pos, f[1].pos) ==
        doctest::Approx(haversine_m(f[0].lon, f[0].lat, f[1].lon, f[1].lat)).epsilon(0.004));
}

TEST_CASE("GeoJSON and GeoPackage point sources load the same facilities as CSV") {
  test::TempDir dir;
  const std::vector<PointRecord> recs{
      {"千代田都税事務所", 120, "千代田区", 139.768311, 35.689198},
      {"スクワール麹町", std::nullopt, "千代田区", 139.731735, 35.685661},
      {"Shibuya Hall", 1500, "Shibuya", 139.6982, 35.6620},
  };
  test::write_points(dir / "f.geojson", "GeoJSON", "facilities", 4326, recs);
  test::write_points(dir / "f.gpkg", "GPKG", "facilities", 6677, recs);  // stored projected
  test::write_text(dir / "f.csv",
                   "name,capacity,area,lat,lon\n"
                   "千代田都税事務所,120,千代田区,35.689198,139.768311\n"
                   "スクワール麹町,,千代田区,35.685661,139.731735\n"
                   "Shibuya Hall,\"1,500\",Shibuya,35.6620,139.6982\n");
  const std::string crs = test::wkt_of_epsg(6677);
  geo::PointSourceReport rj, rg, rc;
  const auto j = geo::load_facilities(dir / "f.geojson", crs, {}, rj);
  const auto g = geo::load_facilities(dir / "f.gpkg", crs, {}, rg);
  const auto c = geo::load_facilities(dir / "f.csv", crs, {}, rc);
  CHECK(rj.from_geometry);
  CHECK(rg.from_geometry);
  CHECK_FALSE(rc.from_geometry);
  CHECK(rg.source_crs.find("6677") != std::string::npos);
  for (const auto* v : {&j, &g, &c}) {
    REQUIRE(v->size() == 3);
    for (std::size_t i = 0; i < 3; ++i) {
      CAPTURE(i);
      CHECK((*v)[i].name == recs[i].name);
      CHECK((*v)[i].area == recs[i].area);
      CHECK((*v)[i].lon == doctest::Approx(recs[i].lon).epsilon(1e-9));
      CHECK((*v)[i].lat == doctest::Approx(recs[i].lat).epsilon(1e-9));
      CHECK(distance((*v)[i].pos, c[i].pos) < 1e-3);
    }
    CHECK((*v)[0].capacity == 120);
    CHECK_FALSE((*v)[0].capacity_is_default());
    CHECK((*v)[1].capacity == geo::kDefaultFacilityCapacity);  // empty value: the default, flagged
    CHECK((*v)[1].capacity_is_default());
    CHECK((*v)[2].capacity == 1500);
  }
  CHECK(rc.capacity_defaulted == 1);

  geo::PointSourceOptions o;
  o.default_capacity = 50;
  CHECK(geo::load_facilities(dir / "f.gpkg", crs, o)[1].capacity == 50);
}

TEST_CASE("explicit field options override auto-detection") {
  test::TempDir dir;
  test::write_text(dir / "odd.csv",
                   "label,seats,north,east,lat\n"
                   "A,10,35.60,139.70,999\n"
                   "B,20,35.61,139.71,999\n");
  geo::PointSourceOptions o;
  o.name_field = "label";
  o.capacity_field = "seats";
  o.lat_field = "north";
  o.lon_field = "east";
  geo::PointSourceReport rep;
  const auto f = geo::load_facilities(dir / "odd.csv", "", o, rep);
  REQUIRE(f.size() == 2);
  CHECK(f[1].name == "B");
  CHECK(f[1].capacity == 20);
  CHECK(f[1].lat == doctest::Approx(35.61));
  CHECK(rep.lat_field == "north");
}

TEST_CASE("CSV dialects: BOM, CRLF, semicolons, quoted commas, quotes and line breaks") {
  test::TempDir dir;
  test::write_text(dir / "d.csv",
                   "\xEF\xBB\xBF\"name\";\"収容\n人数\";lat;lon\r\n"
                   "\"Hall \"\"A\"\"; east\";10;35.6;139.7\r\n"
                   "\r\n"
                   ";;;\r\n"
                   "\"two\nlines\";20;35.7;139.8\r\n");
  geo::PointSourceOptions o;
  o.capacity_field = "収容 人数";  // a line break in a header cell reads as one space
  geo::PointSourceReport rep;
  const auto f = geo::load_facilities(dir / "d.csv", "", o, rep);
  REQUIRE(f.size() == 2);
  CHECK(rep.blank_rows == 1);
  CHECK(f[0].name == "Hall \"A\"; east");
  CHECK(f[0].capacity == 10);
  CHECK(f[1].name == "two\nlines");
  CHECK(f[1].capacity == 20);
  CHECK(f[1].source_id == 3);  // the third record after the header (the blank one counts)

  // Tokyo's evacuation-site list: BOM, quoted multi-line header cells, a blank row after it.
  if (const auto evac = test::shared_data("shelters/tokyo_130001_evacuation_area.csv")) {
    geo::PointSourceReport r;
    const auto e = geo::load_facilities(*evac, "", {}, r);
    CHECK(e.size() == 2251);
    CHECK(r.blank_rows == 1);
    CHECK(r.name_field == "施設名");
    CHECK(r.area_field == "区市町村");
    CHECK(e[0].name == "北の丸公園");
    CHECK(e[0].area == "千代田区");
  }
}

TEST_CASE("the area is the ward/city/town prefix of a Japanese address") {
  test::TempDir dir;
  test::write_text(dir / "a.csv",
                   "施設名,住所,緯度,経度\n"
                   "a,東京都新宿区西新宿2-8-1,35.68,139.69\n"
                   "b,西多摩郡瑞穂町石畑2027,35.77,139.35\n"
                   "c,町田市森野2-2-22,35.55,139.44\n"
                   "d,千葉県市川市八幡1-1-1,35.72,139.93\n"
                   "e,三重県四日市市諏訪町1-5,34.97,136.62\n"
                   "f,〒100-0101 大島町元町1-1-14,34.75,139.36\n"
                   "g,1-2-3 Jingumae Shibuya,35.67,139.70\n"
                   "h,神奈川県横浜市中区港町1-1,35.44,139.64\n");
  const auto f = geo::load_facilities(dir / "a.csv", "");
  REQUIRE(f.size() == 8);
  const std::vector<std::string> want{"新宿区", "瑞穂町", "町田市", "市川市", "四日市市", "大島町", "", "横浜市"};
  for (std::size_t i = 0; i < want.size(); ++i) CHECK(f[i].area == want[i]);
}

TEST_CASE("stations: a JSON array of records and a GeoPackage layer among others") {
  if (const auto json = test::shared_data("population/stations_passenger_S12-22_east_tokyo_chiba_partial.json")) {
    geo::PointSourceReport rep;
    const auto s = geo::load_stations(*json, test::wkt_of_epsg(6677), {}, rep);
    CHECK(s.size() == 696);
    CHECK(rep.driver == "JSON");
    CHECK(rep.riders_field == "passenger");
    CHECK(rep.lon_field == "lng");
    CHECK(s[0].name == "池袋");
    CHECK(s[0].daily_riders == 1926362);
    CHECK(s[0].lat == doctest::Approx(35.72766));
  }
  // A synthetic-city-like GeoPackage: roads first, stations second.
  test::TempDir dir;
  const std::string gpkg = dir / "city.gpkg";
  {
    geo::DatasetPtr ds = geo::create_vector(gpkg, "GPKG");
    OGRSpatialReference srs = geo::srs_from_epsg(6677);
    OGRLayer* roads = ds->CreateLayer("roads", &srs, wkbLineString, nullptr);
    OGRFeature road(roads->GetLayerDefn());
    OGRLineString line;
    line.addPoint(0, 0);
    line.addPoint(100, 0);
    road.SetGeometry(&line);
    REQUIRE(roads->CreateFeature(&road) == OGRERR_NONE);
    OGRLayer* st = ds->CreateLayer("stations", &srs, wkbPoint, nullptr);
    OGRFieldDefn name("name", OFTString), riders("daily_riders", OFTReal);
    st->CreateField(&name);
    st->CreateField(&riders);
    for (int i = 0; i < 3; ++i) {
      OGRFeature f(st->GetLayerDefn());
      f.SetField("name", ("駅" + std::to_string(i)).c_str());
      f.SetField("daily_riders", 1000.0 * (i + 1));
      OGRPoint p(-5000.0 + 100 * i, -35000.0);
      f.SetGeometry(&p);
      REQUIRE(st->CreateFeature(&f) == OGRERR_NONE);
    }
  }
  geo::PointSourceReport rep;
  const auto s = geo::load_stations(gpkg, test::wkt_of_epsg(6677), {}, rep);
  CHECK(rep.layer == "stations");
  REQUIRE(s.size() == 3);
  CHECK(s[2].name == "駅2");
  CHECK(s[2].daily_riders == 3000);
  CHECK(s[2].pos.x == doctest::Approx(-4800));
  CHECK(s[2].pos.y == doctest::Approx(-35000));
  CHECK(s[2].lon > 139.7);  // zone IX origin 139°50'E, 36°N
  CHECK(s[2].lat < 36);
}

TEST_CASE("zones from a GeoPackage: populations, shares, holes, centroids, reprojection") {
  test::TempDir dir;
  const std::vector<ZoneRecord> recs{
      {"z1", {{{0, 0}, {1000, 0}, {1000, 1000}, {0, 1000}}}, 5000, 2000, {0.5, 0.2, 0.1, 0.1, 0.05, 0.05}},
      // 2 km square with a 1 km hole in its lower left quarter
      {"z2", {{{1000, 0}, {3000, 0}, {3000, 2000}, {1000, 2000}}, {{1000, 0}, {2000, 0}, {2000, 1000}, {1000, 1000}}},
       800.5, 12000, {0, 0, 0, 0.5, 0.25, 0.2505}},
  };
  test::write_zones(dir / "z.gpkg", "zones", 6677, recs);
  geo::ZoneSourceReport rep;
  const auto z = geo::load_zones(dir / "z.gpkg", test::wkt_of_epsg(6677), {}, rep);
  REQUIRE(z.size() == 2);
  CHECK(rep.layer == "zones");
  CHECK(rep.id_field == "zone_id");
  CHECK(rep.shares_from_fields);
  CHECK(z[0].id == "z1");
  CHECK(z[0].day_population == 5000);
  CHECK(z[0].night_population == 2000);
  CHECK(z[0].home_share[0] == 0.5);
  CHECK(z[0].centroid.x == doctest::Approx(500));
  CHECK(z[0].centroid.y == doctest::Approx(500));
  CHECK(z[1].day_population == 800.5);
  REQUIRE(z[1].rings.size() == 2);
  CHECK(z[1].rings[0].size() == 5);  // closed
  // L-shape of three unit squares centred at (2.5,0.5), (1.5,1.5), (2.5,1.5) km.
  CHECK(z[1].centroid.x == doctest::Approx(6500.0 / 3));
  CHECK(z[1].centroid.y == doctest::Approx(3500.0 / 3));

  // Reprojected into UTM 54N: the square keeps its area within the scale error.
  const auto u = geo::load_zones(dir / "z.gpkg", test::wkt_of_epsg(32654));
  double a = 0;
  const auto& r = u[0].rings[0];
  for (std::size_t i = 0; i + 1 < r.size(); ++i) a += r[i].x * r[i + 1].y - r[i + 1].x * r[i].y;
  CHECK(std::fabs(a / 2) == doctest::Approx(1e6).epsilon(0.002));

  // Without share fields: the documented default distribution.
  test::write_zones(dir / "plain.gpkg", "zones", 6677, {{"p", {{{0, 0}, {10, 0}, {10, 10}}}, 1, 2, {}}}, false);
  geo::ZoneSourceReport prep;
  const auto p = geo::load_zones(dir / "plain.gpkg", "", {}, prep);
  CHECK_FALSE(prep.shares_from_fields);
  CHECK(p[0].home_share == geo::kDefaultHomeShare);
  double sum = 0;
  for (double s : geo::kDefaultHomeShare) sum += s;
  CHECK(sum == doctest::Approx(1));
}

TEST_CASE("mesh codes give the JIS X 0410 squares the polygon file holds") {
  const auto b = geo::mesh1km_bounds("53394611");
  CHECK(b[0] == doctest::Approx(139.7625));
  CHECK(b[1] == doctest::Approx(35.675));
  CHECK(b[2] - b[0] == doctest::Approx(0.0125));
  CHECK(b[3] - b[1] == doctest::Approx(1.0 / 120));
  CHECK_THROWS_AS(geo::mesh1km_bounds("5339461"), std::invalid_argument);
  CHECK_THROWS_AS(geo::mesh1km_bounds("53398611"), std::invalid_argument);

  const auto poly = test::shared_data("population/tokyo_mesh1km_polygons_epsg6668.geojson");
  if (!poly) return;
  geo::DatasetPtr ds = geo::open_vector(*poly);
  OGRLayer* layer = ds->GetLayer(0);
  std::size_t n = 0;
  for (auto& f : *layer) {
    OGREnvelope e;
    f->GetGeometryRef()->getEnvelope(&e);
    const auto m = geo::mesh1km_bounds(f->GetFieldAsString("code"));
    // The file's axis order is lon/lat in memory (GDAL's GeoJSON reader).
    CHECK(e.MinX == doctest::Approx(m[0]).epsilon(1e-9));
    CHECK(e.MinY == doctest::Approx(m[1]).epsilon(1e-9));
    CHECK(e.MaxX == doctest::Approx(m[2]).epsilon(1e-9));
    CHECK(e.MaxY == doctest::Approx(m[3]).epsilon(1e-9));
    ++n;
  }
  CHECK(n == 2630);
}

TEST_CASE("the 1 km mesh joined with MLIT people-flow gives Tokyo's 17.76 M weekday daytime") {
  const auto poly = test::shared_data("population/tokyo_mesh1km_polygons_epsg6668.geojson");
  const auto csv = test::shared_data("population/tokyo_mlit_jinryu_mesh1km_2019-10.csv");
  if (!poly || !csv) return;
  geo::MeshJoinReport rep;
  const auto z = geo::load_mesh_zones(*poly, *csv, test::wkt_of_epsg(6677), &rep);
  CHECK(rep.polygons == 2630);
  CHECK(rep.csv_rows == 13848);
  CHECK(rep.weekday_rows == 3047);
  CHECK(rep.zones == 1585);
  CHECK(rep.day_meshes == 1564);  // SOURCES.md: 1,564 meshes
  CHECK(rep.night_meshes == 1483);
  CHECK(rep.meshes_from_code == 10);  // offshore meshes of the CSV with no polygon
  CHECK(rep.polygons_without_population == 1055);
  CHECK(rep.day_total == 17760686);    // SOURCES.md: ~17.76 million
  CHECK(rep.night_total == 14041019);  // SOURCES.md: ~14.04 million
  REQUIRE(z.size() == 1585);
  double day = 0;
  for (const auto& x : z) {
    day += x.day_population;
    CHECK(x.home_share == geo::kDefaultHomeShare);
  }
  CHECK(day == 17760686);
  CHECK(std::is_sorted(z.begin(), z.end(), [](const Zone& a, const Zone& b) { return a.id < b.id; }));
  // Marunouchi / Tokyo station: the busiest mesh.
  const auto it = std::find_if(z.begin(), z.end(), [](const Zone& x) { return x.id == "53394611"; });
  REQUIRE(it != z.end());
  CHECK(it->day_population == 379075);
  CHECK(std::max_element(z.begin(), z.end(), [](const Zone& a, const Zone& b) {
          return a.day_population < b.day_population;
        })->id == "53394611");
  // A 1 km mesh is ~1.13 km x 0.93 km at 35.7 N.
  BBox b;
  for (const auto& p : it->rings[0]) b.extend(p);
  CHECK(b.max_x - b.min_x == doctest::Approx(1129).epsilon(0.01));
  CHECK(b.max_y - b.min_y == doctest::Approx(925).epsilon(0.01));
  CHECK(it->centroid.x == doctest::Approx((b.min_x + b.max_x) / 2).epsilon(1e-4));
}

TEST_CASE("snapping against a hand-built network: distances and the far list") {
  Network net(corner("LOCAL"));
  SpatialIndex index(net);
  const std::vector<Facility> f{at(500, 50, "on the east street"), at(-100, 500, "by the north street"),
                                at(600, 700, "in the block"), at(2000, 0, "past the end")};
  const auto r = geo::snap_facilities(f, index, 200);
  REQUIRE(r.hits.size() == 4);
  CHECK(r.hits[0].dist == doctest::Approx(50));
  CHECK(r.hits[0].edge == EdgeId{0});
  CHECK(r.hits[0].offset_m == doctest::Approx(500));
  CHECK(r.hits[1].dist == doctest::Approx(100));
  CHECK(r.hits[1].edge == EdgeId{1});
  CHECK(r.hits[2].dist == doctest::Approx(600));
  CHECK(r.hits[3].dist == doctest::Approx(1000));
  CHECK(r.far == std::vector<std::size_t>{3, 2});  // farthest first
  CHECK(r.threshold_m == 200);
  CHECK(r.max_dist_m == doctest::Approx(1000));
  CHECK(r.mean_dist_m == doctest::Approx(437.5));
  CHECK(r.p95_dist_m == doctest::Approx(1000));
  CHECK(geo::snap_facilities(f, index, 1000).far.empty());
}

TEST_CASE("real facilities snap onto a hand-built network around the first of them") {
  const auto csv = test::shared_data(kShelters);
  if (!csv) return;
  const std::string crs = test::wkt_of_epsg(6677);
  const auto f = geo::load_facilities(*csv, crs);
  // Streets 30 m south and 40 m west of 千代田都税事務所.
  Network net(corner(crs, {f[0].pos.x - 40, f[0].pos.y - 30}));
  SpatialIndex index(net);
  const auto r = geo::snap_facilities(f, index, 200);
  CHECK(r.hits[0].dist == doctest::Approx(30));
  std::set<std::size_t> expect_far;
  for (std::size_t i = 0; i < f.size(); ++i) {
    const double dx = f[i].pos.x - (f[0].pos.x - 40), dy = f[i].pos.y - (f[0].pos.y - 30);
    const double d = std::min(std::hypot(std::clamp(dx, 0.0, 1000.0) - dx, dy),
                              std::hypot(dx, std::clamp(dy, 0.0, 1000.0) - dy));
    CHECK(r.hits[i].dist == doctest::Approx(d));
    if (d > 200) expect_far.insert(i);
  }
  CHECK(std::set<std::size_t>(r.far.begin(), r.far.end()) == expect_far);
  CHECK(expect_far.size() < f.size());
  CHECK_FALSE(expect_far.count(0));
}

TEST_CASE("the synthetic city's facilities, stations and zones load and sit on its roads") {
  test::TempDir dir;
  const std::string gpkg = dir / "city.gpkg";
  geo::SynthOptions so;
  so.radius_km = 2;
  so.seed = test::test_seed();
  const auto city = geo::write_synthetic_city(gpkg, so);
  geo::PointSourceReport fr, sr;
  geo::ZoneSourceReport zr;
  const auto f = geo::load_facilities(gpkg, "", {}, fr);
  const auto s = geo::load_stations(gpkg, "", {}, sr);
  const auto z = geo::load_zones(gpkg, "", {}, zr);
  CHECK(fr.layer == "facilities");
  CHECK(sr.layer == "stations");
  CHECK(zr.layer == "zones");
  CHECK(fr.target_crs.find("6677") != std::string::npos);  // the projected source CRS is kept
  CHECK(f.size() == city.facilities);
  CHECK(s.size() == city.stations);
  CHECK(z.size() == city.zones);
  CHECK(fr.capacity_defaulted == 0);
  double cap = 0, day = 0;
  for (const auto& x : f) cap += x.capacity;
  for (const auto& x : z) day += x.day_population;
  CHECK(cap == doctest::Approx(city.facility_capacity));
  CHECK(day == doctest::Approx(city.day_population));
  CHECK(zr.shares_from_fields);
  // One id space: the number in a facility's name is its id (ShelterId, the index
  // commands, logs and the dashboard use), so "facility=17" is 「… 00017」.
  REQUIRE(f.size() > 2);
  for (std::size_t i = 0; i < f.size(); ++i) {
    char num[32];
    std::snprintf(num, sizeof num, " %05zu", i);
    CHECK_MESSAGE(f[i].name.ends_with(num), "facility " << i << " is named " << f[i].name);
  }

  geo::ImportOptions io;
  io.cache_dir = (dir.path / "cache").string();
  geo::LoadedNetwork net;
  try {
    net = geo::load_network(gpkg, io);
  } catch (const std::exception& e) {
    MESSAGE("SKIPPED: geo::load_network is not usable yet: " << std::string(e.what()));
    return;
  }
  CHECK(net.network.epsg() == 6677);
  SpatialIndex index(net.network);
  const auto r = geo::snap_facilities(f, index, 200);
  CHECK(r.far.empty());
  CHECK(r.max_dist_m < 50);
}

TEST_CASE("kitaku facilities info prints count, capacity and areas; --json agrees") {
  const auto csv = test::shared_data(kShelters);
  if (!csv) return;
  const auto text = test::run_kitaku("facilities info " + *csv);
  INFO(text.output);
  CHECK(text.code == 0);
  CHECK(text.output.find("facilities  227") != std::string::npos);
  CHECK(text.output.find("85,579 persons") != std::string::npos);
  CHECK(text.output.find("all defaulted: 377") != std::string::npos);
  CHECK(text.output.find("千代田区") != std::string::npos);
  const auto js = test::run_kitaku("facilities info --json --crs 6677 " + *csv);
  REQUIRE(js.code == 0);
  const auto j = nlohmann::json::parse(js.output);
  CHECK(j["facilities"] == 227);
  CHECK(j["capacity_total"] == 85579);
  CHECK(j["fields"]["name"] == "施設名称");
  CHECK(j["crs"].get<std::string>().find("6677") != std::string::npos);
  long long sum = 0;
  for (const auto& a : j["by_area"]) sum += a["capacity"].get<long long>();
  CHECK(sum == 85579);
}

TEST_CASE("kitaku facilities zones and stations summarise their sources") {
  const auto poly = test::shared_data("population/tokyo_mesh1km_polygons_epsg6668.geojson");
  const auto csv = test::shared_data("population/tokyo_mlit_jinryu_mesh1km_2019-10.csv");
  if (poly && csv) {
    const auto r = test::run_kitaku("facilities zones " + *poly + " --population " + *csv);
    INFO(r.output);
    CHECK(r.code == 0);
    CHECK(r.output.find("zones       1,585") != std::string::npos);
    CHECK(r.output.find("17,760,686") != std::string::npos);
    CHECK(r.output.find("14,041,019") != std::string::npos);
    CHECK(r.output.find("EPSG:6668") != std::string::npos);
  }
  test::TempDir dir;
  test::write_zones(dir / "z.gpkg", "zones", 6677,
                    {{"a", {{{0, 0}, {100, 0}, {100, 100}}}, 10, 20, {1, 0, 0, 0, 0, 0}},
                     {"b", {{{0, 0}, {100, 0}, {100, -100}}}, 30, 5, {0, 0, 0, 0, 0, 1}}});
  const auto r = test::run_kitaku("facilities zones --json " + dir / "z.gpkg");
  INFO(r.output);
  REQUIRE(r.code == 0);
  const auto j = nlohmann::json::parse(r.output);
  CHECK(j["zones"] == 2);
  CHECK(j["day_population"] == 40);
  CHECK(j["night_population"] == 25);
  CHECK(j["home_share_day_weighted"][0] == doctest::Approx(0.25));
  CHECK(j["home_share_day_weighted"][5] == doctest::Approx(0.75));

  if (const auto st = test::shared_data("population/stations_passenger_S12-22_east_tokyo_chiba_partial.json")) {
    const auto s = test::run_kitaku("facilities stations --top 3 " + *st);
    INFO(s.output);
    CHECK(s.code == 0);
    CHECK(s.output.find("stations    696") != std::string::npos);
    CHECK(s.output.find("1,926,362  池袋") != std::string::npos);
  }
}

TEST_CASE("kitaku facilities info --network warns about facilities far from a hand-built network") {
  test::TempDir dir;
  // Two facilities near the street, one 1 km away, as GeoJSON in WGS84.
  const std::string crs = test::wkt_of_epsg(6677);
  const std::string net_path = dir / "roads.gpkg";
  {
    geo::DatasetPtr ds = geo::create_vector(net_path, "GPKG");
    OGRSpatialReference srs = geo::srs_from_epsg(6677);
    OGRLayer* roads = ds->CreateLayer("roads", &srs, wkbLineString, nullptr);
    OGRFieldDefn hw("highway", OFTString);
    roads->CreateField(&hw);
    for (int i = 0; i < 10; ++i) {  // a 1 km street along y = -35000 from x = -10000
      OGRFeature f(roads->GetLayerDefn());
      f.SetField("highway", "residential");
      OGRLineString l;
      l.addPoint(-10000 + 100 * i, -35000);
      l.addPoint(-10000 + 100 * (i + 1), -35000);
      f.SetGeometry(&l);
      REQUIRE(roads->CreateFeature(&f) == OGRERR_NONE);
    }
  }
  const OGRSpatialReference s6677 = geo::srs_from_epsg(6677);
  const geo::Transform back(s6677, geo::wgs84());
  auto lonlat = [&](double x, double y) { back.apply(x, y); return std::pair{x, y}; };
  std::vector<PointRecord> recs;
  auto add = [&](const char* name, double x, double y) {
    auto [lon, lat] = lonlat(x, y);
    recs.push_back({name, 100, "", lon, lat});
  };
  add("near A", -9500, -34990);      // 10 m
  add("near B", -9800, -35050);      // 50 m
  add("far away", -9500, -36000);    // 1000 m
  test::write_points(dir / "f.geojson", "GeoJSON", "facilities", 4326, recs);
  geo::LoadedNetwork net;
  geo::ImportOptions io;
  io.use_cache = false;
  try {
    net = geo::load_network(net_path, io);
  } catch (const std::exception& e) {
    MESSAGE("SKIPPED: geo::load_network is not usable yet: " << std::string(e.what()));
    return;
  }
  const auto r = test::run_kitaku("facilities info " + dir / "f.geojson" + " --network " + net_path +
                                  " --crs 6677 --snap-threshold 100 --no-cache");
  INFO(r.output);
  CHECK(r.code == 0);
  CHECK(r.output.find("WARNING: 1 of 3 facilities are farther than 100 m") != std::string::npos);
  CHECK(r.output.find("1000.0  far away") != std::string::npos);
  CHECK(r.output.find("max 1000.0 m") != std::string::npos);
  const auto js = test::run_kitaku("facilities info --json " + dir / "f.geojson" + " --network " + net_path +
                                   " --crs 6677 --snap-threshold 100 --no-cache");
  REQUIRE(js.code == 0);
  const auto j = nlohmann::json::parse(js.output);
  CHECK(j["snap"]["far_count"] == 1);
  CHECK(j["snap"]["far"][0]["name"] == "far away");
  CHECK(j["snap"]["far"][0]["distance_m"].get<double>() == doctest::Approx(1000).epsilon(1e-3));
  CHECK(j["snap"]["mean_m"].get<double>() == doctest::Approx(1060.0 / 3).epsilon(1e-3));
}

TEST_CASE("real data: the 227 facilities snapped onto the Shibuya OSM extract") {
  const auto csv = test::shared_data(kShelters);
  const auto osm = test::shared_data("osm/shibuya_station_area_overpass_2025-07.osm");
  if (!csv || !osm) return;
  test::TempDir cache;
  geo::ImportOptions io;
  io.cache_dir = cache.path.string();
  geo::LoadedNetwork net;
  try {
    net = geo::load_network(*osm, io);
  } catch (const std::exception& e) {
    MESSAGE("SKIPPED: geo::load_network is not usable yet: " << std::string(e.what()));
    return;
  }
  const auto f = geo::load_facilities(*csv, net.network.crs_wkt());
  SpatialIndex index(net.network);
  const auto r = geo::snap_facilities(f, index, 200);
  // Inside the extract (35.655-35.665 N, 139.695-139.710 E, less a 100 m margin) a
  // facility is on the network; more than 1 km outside it cannot be.
  const auto& b = net.report;
  const std::set<std::size_t> far(r.far.begin(), r.far.end());
  std::size_t inside = 0, outside = 0;
  for (std::size_t i = 0; i < f.size(); ++i) {
    CAPTURE(f[i].name);
    const double mlat = 0.0009, mlon = 0.0011;  // ~100 m
    if (f[i].lat > b.lat_min + mlat && f[i].lat < b.lat_max - mlat && f[i].lon > b.lon_min + mlon &&
        f[i].lon < b.lon_max - mlon) {
      ++inside;
      CHECK(r.hits[i].dist < 200);
      CHECK_FALSE(far.count(i));
    }
    const double dlat = std::max({0.0, b.lat_min - f[i].lat, f[i].lat - b.lat_max}) * 111000;
    const double dlon = std::max({0.0, b.lon_min - f[i].lon, f[i].lon - b.lon_max}) * 90000;
    if (std::hypot(dlat, dlon) > 1000) {
      ++outside;
      CHECK(far.count(i));
    }
  }
  MESSAGE("Shibuya extract: " << inside << " facilities inside, " << outside << " far outside, far list "
                              << r.far.size() << ", max " << r.max_dist_m << " m");
  CHECK(inside >= 1);
  CHECK(outside > 200);
}
