#include <doctest/doctest.h>

#include "kitaku/sim/distance_rule.hpp"

using namespace kitaku;

TEST_CASE("distance rule: 0 to 10 km walk, each km beyond 10 adds 10 %, 20 km and more stranded") {
  CHECK(p_cannot_get_home(0) == 0);
  CHECK(p_cannot_get_home(10) == 0);
  CHECK(p_cannot_get_home(11) == doctest::Approx(0.1));
  CHECK(p_cannot_get_home(15) == doctest::Approx(0.5));
  CHECK(p_cannot_get_home(19.5) == doctest::Approx(0.95));
  CHECK(p_cannot_get_home(20) == 1);
  CHECK(p_cannot_get_home(80) == 1);
  constexpr auto p = band_p_cannot_get_home();
  CHECK(p[0] == 0);
  CHECK(p[1] == 0);
  CHECK(p[2] == doctest::Approx(0.25));
  CHECK(p[3] == doctest::Approx(0.75));
  CHECK(p[4] == 1);
  CHECK(p[5] == 1);
  Zone z;
  z.day_population = 1000;
  z.home_share = {0.2, 0.2, 0.2, 0.2, 0.1, 0.1};
  CHECK(expected_stranded(z) == doctest::Approx(1000 * (0.2 * 0.25 + 0.2 * 0.75 + 0.2)));
}
