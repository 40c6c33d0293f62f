// Direction-of-effect validation (issue #5, docs/validation.md): on the synthetic
// city, staggered release and 3-day retention must each lower the person-minutes
// spent in crowds of >= 6 persons/m2 compared with everyone leaving at once, as
// the Central Disaster Management Council's 2008 study found (DOMAIN.md). The
// three runs use the shipped presets, the same city, population and seed.
#include <doctest/doctest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <string>

#include "test_util.hpp"

using kitaku::test::run_kitaku;
using kitaku::test::skip_slow;
using kitaku::test::TempDir;

namespace {

double exposure(const std::string& preset, const TempDir& out) {
  const std::string dir = (out.path / preset).string();
  const auto r = run_kitaku("run " + std::string(KITAKU_SOURCE_DIR) + "/scenarios/" + preset + ".toml --out " + dir);
  REQUIRE_MESSAGE(r.code == 0, r.output);
  std::ifstream in(dir + "/summary.json");
  const auto j = nlohmann::json::parse(in);
  return j.at("person_minutes_ge6").get<double>();
}

}  // namespace

TEST_CASE("staggered release and 3-day retention lower crowd exposure against everyone leaving at once") {
  if (skip_slow("three 12-hour runs of the default city")) return;
  TempDir out;
  const double at_once = exposure("everyone_at_once", out);
  const double staggered = exposure("staggered_release", out);
  const double retained = exposure("retention_3days", out);
  MESSAGE("person-minutes at >= 6 p/m2: at once " << at_once << ", staggered " << staggered << " ("
                                                   << 100 * (staggered / at_once - 1) << " %), 3-day retention 30 % "
                                                   << retained << " (" << 100 * (retained / at_once - 1) << " %)");
  CHECK(at_once > 0);
  CHECK(staggered < at_once);
  CHECK(retained < at_once);
}
