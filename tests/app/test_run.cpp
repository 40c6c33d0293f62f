// The main job: `kitaku` with no arguments and `kitaku run SCENARIO`.
#include <doctest/doctest.h>

#include <algorithm>
#include <cstdlib>
#include <fstream>
#include <regex>

#include "test_util.hpp"

using kitaku::test::run_kitaku;
using kitaku::test::TempDir;

namespace {

// The child inherits the cache folder, so runs never touch ~/.cache.
struct CacheDir {
  TempDir dir;
  CacheDir() { ::setenv("KITAKU_CACHE_DIR", dir.path.c_str(), 1); }
  ~CacheDir() { ::unsetenv("KITAKU_CACHE_DIR"); }
};

long long number_after(const std::string& text, const std::string& label) {
  std::smatch m;
  REQUIRE(std::regex_search(text, m, std::regex(label + R"(\s+([0-9,]+))")));
  std::string digits = m[1];
  digits.erase(std::remove(digits.begin(), digits.end(), ','), digits.end());
  return std::stoll(digits);
}

}  // namespace

TEST_CASE("kitaku with no arguments runs the embedded default scenario, then reuses its city") {
  CacheDir cache;
  const auto first = run_kitaku("");
  CAPTURE(first.output);
  REQUIRE(first.code == 0);
  CHECK(first.output.find("scenario: Synthetic Tokyo-like city") != std::string::npos);
  CHECK(first.output.find("<embedded default>") != std::string::npos);
  CHECK(first.output.find("Generating the synthetic city (radius 10 km, seed 1)") != std::string::npos);
  CHECK(number_after(first.output, "edges") > 100000);
  CHECK(first.output.find("connected components                 1") != std::string::npos);
  CHECK(number_after(first.output, "cannot get home by the distance rule \\(Tokyo 2022 estimate, §3.5.2\\):") > 1000000);
  CHECK(first.output.find("0 beyond 200 m") != std::string::npos);

  const auto second = run_kitaku("run");
  CAPTURE(second.output);
  REQUIRE(second.code == 0);
  CHECK(second.output.find("Generating") == std::string::npos);
  CHECK(second.output.find("(from cache)") != std::string::npos);
  CHECK(number_after(second.output, "edges") == number_after(first.output, "edges"));
}

TEST_CASE("kitaku run on real data: OSM network with Tokyo's facility list") {
  const auto osm = kitaku::test::shared_data("osm/shibuya_station_area_overpass_2025-07.osm");
  const auto csv = kitaku::test::shared_data("shelters/tokyo_metro_temporary_stay_facilities_geocoded.csv");
  if (!osm || !csv) return;
  CacheDir cache;
  const std::string scen = cache.dir / "shibuya.toml";
  std::ofstream(scen) << "[scenario]\nname = \"Shibuya\"\n[city]\nnetwork = \"" << *osm << "\"\nfacilities = \"" << *csv
                      << "\"\ncrs_epsg = 6677\n";
  const auto r = run_kitaku("run " + scen);
  CAPTURE(r.output);
  REQUIRE(r.code == 0);
  CHECK(r.output.find("EPSG:6677") != std::string::npos);
  CHECK(number_after(r.output, "Temporary stay facilities") == 227);
  // The extract is 1.4 km across; nearly all of Tokyo's 227 facilities are far from it.
  CHECK(r.output.find("225 beyond 200 m") != std::string::npos);
}

TEST_CASE("kitaku run with a bad scenario names the file, line and key, and exits 1") {
  TempDir dir;
  const std::string scen = dir / "bad.toml";
  std::ofstream(scen) << "[city]\nsynthetic_radius_km = 5\nsynthetic_sead = 2\n";
  const auto r = run_kitaku("run " + scen);
  CHECK(r.code == 1);
  CHECK(r.output == "kitaku: error: " + scen + ": line 3: [city] synthetic_sead: unknown key\n");
  CHECK(run_kitaku("run " + (dir / "missing.toml")).code != 0);
}
