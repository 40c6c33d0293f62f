// Facility capacities and kinds (docs/facilities.md, "Capacities" and "Kinds"): a
// capacity column, a scenario's [[facility_capacity]] override, the default with its
// one warning, designated shelters as stays and evacuation sites as map-only points,
// and bad values that stop with the file and row.
#include <doctest/doctest.h>

#include <cmath>
#include <fstream>
#include <sstream>
#include <string>

#include "facility_test_util.hpp"
#include "kitaku/geo/city_loader.hpp"
#include "kitaku/geo/facilities.hpp"
#include "kitaku/geo/gdal_util.hpp"
#include "kitaku/sim/error.hpp"
#include "kitaku/sim/scenario.hpp"
#include "test_util.hpp"

using namespace kitaku;
using test::TempDir;

namespace {

// A 1 km street grid near Tokyo station in EPSG:6677 (200 m blocks).
void write_grid(const std::string& path) {
  std::ostringstream js;
  js << R"({"type":"FeatureCollection","crs":{"type":"name","properties":{"name":"urn:ogc:def:crs:EPSG::6677"}},"features":[)";
  for (int i = 0; i <= 5; ++i)
    for (int k = 0; k < 2; ++k) {
      js << (i || k ? "," : "")
         << R"({"type":"Feature","properties":{"highway":"residential"},"geometry":{"type":"LineString","coordinates":[)";
      for (int j = 0; j <= 5; ++j) {
        const double along = 200.0 * j, across = 200.0 * i;
        js << (j ? "," : "") << "[" << -6500 + (k ? along : across) << "," << -35500 + (k ? across : along) << "]";
      }
      js << "]}}";
    }
  js << "]}";
  std::ofstream(path) << js.str();
}

// WGS84 lon/lat of an EPSG:6677 point.
std::pair<double, double> lonlat(double x, double y) {
  const geo::Transform t(geo::srs_from_epsg(6677), geo::wgs84());
  REQUIRE(t.apply(x, y));
  return {x, y};
}

std::string ll(double x, double y) {
  const auto [lon, lat] = lonlat(x, y);
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.7f,%.7f", lat, lon);
  return buf;
}

// A GSI-style GeoJSON point file (施設・場所名, 住所) at EPSG:6677 points.
void write_gsi(const std::string& path, const std::vector<std::tuple<std::string, std::string, double, double>>& pts) {
  std::ostringstream js;
  js << R"({"type":"FeatureCollection","features":[)";
  for (std::size_t i = 0; i < pts.size(); ++i) {
    const auto& [name, addr, x, y] = pts[i];
    const auto [lon, lat] = lonlat(x, y);
    char c[96];
    std::snprintf(c, sizeof c, "[%.7f,%.7f]", lon, lat);
    js << (i ? "," : "") << R"({"type":"Feature","geometry":{"type":"Point","coordinates":)" << c
       << R"(},"properties":{"施設・場所名":")" << name << R"(","住所":")" << addr << R"("}})";
  }
  js << "]}";
  std::ofstream(path) << js.str();
}

struct Fixture {
  TempDir tmp;
  test::CacheDir cache;
  Fixture() {
    write_grid(tmp / "net.geojson");
    // Two temporary stay facilities: one with a capacity, one without.
    std::ofstream(tmp / "fac.csv") << "name,capacity,address,lat,lon\n"
                                   << "東京国際フォーラム,,東京都千代田区丸の内3-5-1," << ll(-6300, -35300) << "\n"
                                   << "交通会館,1200,東京都千代田区有楽町2-10-1," << ll(-6100, -35100) << "\n";
    write_gsi(tmp / "shelters.geojson", {{"泰明小学校", "東京都中央区銀座5-1-13", -5900, -34900},
                                         {"交通会館", "東京都千代田区有楽町2-10-1", -6100, -35090},  // listed as both
                                         {"遠い小学校", "東京都港区芝1-1", -20000, -35000}});        // off the network
    write_gsi(tmp / "evac.geojson", {{"日比谷公園", "東京都千代田区日比谷公園1", -6400, -35400}});
  }
  Scenario scenario(const std::string& extra_city, const std::string& extra = "") const {
    const std::string toml = "[city]\nnetwork = \"net.geojson\"\nfacilities = \"fac.csv\"\nclip_margin_m = 300\n" +
                             extra_city + extra;
    return parse_scenario(toml, tmp / "s.toml", tmp.path.string());
  }
};

const Facility* find(const std::vector<Facility>& v, const std::string& name) {
  for (const auto& f : v)
    if (f.name == name) return &f;
  return nullptr;
}

}  // namespace

TEST_CASE("capacity sources: the file's column, the default with one warning, and an override") {
  Fixture fx;
  {
    const geo::LoadedCity lc = geo::load_city(fx.scenario(""));
    REQUIRE(lc.city.facilities.size() == 2);
    const Facility* forum = find(lc.city.facilities, "東京国際フォーラム");
    const Facility* kaikan = find(lc.city.facilities, "交通会館");
    REQUIRE(forum);
    REQUIRE(kaikan);
    CHECK(forum->capacity == geo::kDefaultFacilityCapacity);
    CHECK(forum->capacity_source == CapacitySource::kDefault);
    CHECK(kaikan->capacity == 1200);
    CHECK(kaikan->capacity_source == CapacitySource::kFile);
    CHECK(forum->kind == FacilityKind::kTemporaryStay);
    CHECK(forum->area == "千代田区");
    CHECK(lc.report.capacity_default == 1);
    REQUIRE(lc.report.warnings.size() == 1);  // once, with the count
    CHECK(lc.report.warnings[0].find("1 of 2 facilities") == 0);
    CHECK(lc.report.warnings[0].find("377") != std::string::npos);
  }
  {
    const geo::LoadedCity lc = geo::load_city(fx.scenario(
        "", "[[facility_capacity]]\nname = \"東京国際フォーラム\"\ncapacity = 3000\nbasis = \"judgement: floor area\"\n"));
    const Facility* forum = find(lc.city.facilities, "東京国際フォーラム");
    REQUIRE(forum);
    CHECK(forum->capacity == 3000);
    CHECK(forum->capacity_source == CapacitySource::kOverride);
    CHECK(lc.report.capacity_override == 1);
    CHECK(lc.report.capacity_default == 0);
    CHECK(lc.report.warnings.empty());  // no default left
  }
  // An override naming no facility stops with the scenario and the name.
  try {
    geo::load_city(fx.scenario("", "[[facility_capacity]]\nname = \"無い施設\"\ncapacity = 10\n"));
    FAIL("an override naming no facility was accepted");
  } catch (const InputError& e) {
    CHECK(e.file() == fx.tmp / "s.toml");
    CHECK(e.place() == "[[facility_capacity]] name = \"無い施設\"");
    CHECK(e.problem().find("names no facility") != std::string::npos);
  }
  // The override round-trips through the resolved scenario.
  const Scenario sc = fx.scenario("", "[[facility_capacity]]\nname = \"A\"\ncapacity = 5\nbasis = \"b\"\n");
  const Scenario back = parse_scenario(to_toml(sc), "back.toml", ".");
  REQUIRE(back.city.capacity_overrides.size() == 1);
  CHECK(back.city.capacity_overrides[0].name == "A");
  CHECK(back.city.capacity_overrides[0].capacity == 5);
  CHECK(back.city.capacity_overrides[0].basis == "b");
}

TEST_CASE("designated shelters are stays of their own kind; evacuation sites are shown, not stays") {
  Fixture fx;
  const geo::LoadedCity lc = geo::load_city(
      fx.scenario("shelters = \"shelters.geojson\"\nshelter_capacity = 250\nevacuation_sites = \"evac.geojson\"\n"));
  // 2 temporary stay facilities + 1 shelter: the one listed as both is kept once, the far one dropped.
  REQUIRE(lc.city.facilities.size() == 3);
  CHECK(lc.report.shelters_read == 3);
  CHECK(lc.report.shelters_duplicate == 1);
  CHECK(lc.report.shelters_kept == 1);
  const Facility* school = find(lc.city.facilities, "泰明小学校");
  REQUIRE(school);
  CHECK(school->kind == FacilityKind::kDesignatedShelter);
  CHECK(school->capacity == 250);
  CHECK(school->capacity_source == CapacitySource::kDefault);
  CHECK(school->area == "中央区");
  CHECK(find(lc.city.facilities, "交通会館")->kind == FacilityKind::kTemporaryStay);
  // The warning counts both kinds with their defaults.
  REQUIRE(lc.report.warnings.size() == 1);
  CHECK(lc.report.warnings[0].find("2 of 3 facilities") == 0);
  CHECK(lc.report.warnings[0].find("1 designated shelters at 250") != std::string::npos);
  // Evacuation sites: kept apart, no places.
  REQUIRE(lc.city.evacuation_sites.size() == 1);
  CHECK(lc.city.evacuation_sites[0].kind == FacilityKind::kEvacuationSite);
  CHECK(lc.city.evacuation_sites[0].capacity == 0);
  CHECK(lc.city.evacuation_sites[0].name == "日比谷公園");
  CHECK(std::string(facility_kind_name(FacilityKind::kDesignatedShelter)) == "designated_shelter");
  CHECK(std::string(capacity_source_name(CapacitySource::kOverride)) == "override");
}

TEST_CASE("bad capacities name the file and row; bad scenario keys the line") {
  Fixture fx;
  for (const auto& [value, problem] : std::vector<std::pair<std::string, std::string>>{
           {"-5", "is negative"}, {"many", "is not a number"}, {"2000000", "above 1,000,000"}, {"12.5", "not a whole"}}) {
    std::ofstream(fx.tmp / "fac.csv") << "name,capacity,lat,lon\nA,100," << ll(-6300, -35300) << "\nB," << value << ","
                                      << ll(-6100, -35100) << "\n";
    try {
      geo::load_city(fx.scenario(""));
      FAIL("capacity " << value << " was accepted");
    } catch (const InputError& e) {
      INFO(e.what());
      CHECK(e.file() == fx.tmp / "fac.csv");
      CHECK(e.place() == "row 2 (line 3)");
      CHECK(e.problem().find(problem) != std::string::npos);
    }
  }
  const auto scenario_error = [&](const std::string& city, const std::string& extra) {
    try {
      fx.scenario(city, extra);
    } catch (const InputError& e) {
      return std::string(e.what());
    }
    return std::string();
  };
  CHECK(scenario_error("shelter_capacity = -1\n", "").find("[city] shelter_capacity: must be in [0, 1000000]") !=
        std::string::npos);
  CHECK(scenario_error("", "[[facility_capacity]]\nname = \"A\"\ncapacity = 2000000\n")
            .find("[facility_capacity] capacity: must be in [0, 1000000]") != std::string::npos);
  CHECK(scenario_error("", "[[facility_capacity]]\nname = \"A\"\n").find("capacity: missing") != std::string::npos);
  CHECK(scenario_error("", "[[facility_capacity]]\nname = \"A\"\ncapacity = 1\nplaces = 2\n")
            .find("places: unknown key") != std::string::npos);
}

TEST_CASE("the Ginza M7.3 preset loads designated shelters and evacuation sites in its area") {
  const auto map = test::shared_data("osm/crowdwalk_ginza/ginza00.map.xml");
  const auto sh = test::shared_data("shelters/tokyo_gsi_evacuation_sites.geojson");
  if (!map || !sh) return;
  test::CacheDir cache;
  const Scenario sc = load_scenario(std::string(KITAKU_SOURCE_DIR) + "/scenarios/tokyo_ginza_m73_weekday_1200.toml");
  CHECK(!sc.name_ja.empty());
  const geo::LoadedCity lc = geo::load_city(sc);
  std::size_t stay = 0, shelter = 0;
  for (const Facility& f : lc.city.facilities) {
    stay += f.kind == FacilityKind::kTemporaryStay;
    shelter += f.kind == FacilityKind::kDesignatedShelter;
  }
  MESSAGE("Ginza: " << stay << " temporary stay facilities, " << shelter << " designated shelters, "
                    << lc.city.evacuation_sites.size() << " evacuation sites");
  CHECK(stay == 5);
  CHECK(shelter >= 10);
  CHECK(lc.city.evacuation_sites.size() >= 5);
  const Facility* forum = find(lc.city.facilities, "東京国際フォーラム");
  REQUIRE(forum);
  CHECK(forum->capacity_source == CapacitySource::kOverride);
}
