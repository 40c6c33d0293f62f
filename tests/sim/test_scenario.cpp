#include <doctest/doctest.h>

#include <fstream>

#include "kitaku/sim/error.hpp"
#include "kitaku/sim/scenario.hpp"
#include "test_util.hpp"

using namespace kitaku;

namespace {
std::string error_of(std::string_view toml) {
  try {
    parse_scenario(toml, "s.toml", "/base");
  } catch (const InputError& e) {
    return e.what();
  }
  return "no error";
}
}  // namespace

TEST_CASE("the default scenario parses") {
  const auto s = load_scenario(std::string(KITAKU_SOURCE_DIR) + "/scenarios/default.toml");
  CHECK(s.city.synthetic());
  CHECK(s.city.synthetic_radius_km == 10);
  CHECK(s.seed == 1);
  CHECK_FALSE(s.name.empty());
}

TEST_CASE("relative paths resolve against the scenario's folder") {
  const auto s = parse_scenario("[city]\nnetwork = \"../data/roads.gpkg\"\nfacilities = \"f.csv\"\n", "s.toml", "/base/scen");
  CHECK(s.city.network == "/base/data/roads.gpkg");
  CHECK(s.city.facilities == "/base/scen/f.csv");
}

TEST_CASE("scenario errors name the file, line and key") {
  CHECK(error_of("[city]\nsynthetic_radius_km = 10\nradius = 3\n") == "s.toml: line 3: [city] radius: unknown key");
  CHECK(error_of("[city]\nsynthetic_radius_km = \"ten\"\n") == "s.toml: line 2: [city] synthetic_radius_km: must be a number");
  CHECK(error_of("[city]\nsynthetic_radius_km = 500\n") ==
        "s.toml: line 2: [city] synthetic_radius_km: must be in [0.5, 100], got 500");
  CHECK(error_of("[scenario]\nseed = -1\n[city]\nsynthetic_radius_km = 5\n") ==
        "s.toml: line 2: [scenario] seed: must not be negative");
  CHECK(error_of("[city]\nsynthetic_radius_km = 5\n[weather]\nrain = 1\n") == "s.toml: line 3: weather: unknown key");
  CHECK(error_of("[scenario]\nname = \"x\"\n") == "s.toml: missing [city] table (synthetic_radius_km or network)");
  CHECK(error_of("[city]\nsynthetic_radius_km = 5\nnetwork = \"a.osm\"\n").find("exactly one of") != std::string::npos);
  CHECK(error_of("[city\n").find("s.toml: line 1:") == 0);
}
