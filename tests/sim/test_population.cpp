#include <doctest/doctest.h>
#include <omp.h>

#include <array>
#include <cmath>
#include <map>

#include "kitaku/sim/error.hpp"
#include "kitaku/sim/network.hpp"
#include "kitaku/sim/population.hpp"
#include "kitaku/sim/spatial_index.hpp"
#include "grid.hpp"
#include "test_util.hpp"

using namespace kitaku;

namespace {

// A 41 x 41 grid of streets, 100 m apart, over [0, 4000] m squared, split into four
// zones. Zone C has a hole (a park nobody stands in); zone D has nobody by day.
//
//   4000 +-----------+-----------+
//        | C  50,000 | D       0 |
//        |   +---+   |           |
//        |   |   |   |   S1 *    |     S0 at (1000, 1000), 100,000 riders
//        |   +---+   |           |     S1 at (3000, 3000), 300,000 riders
//   2000 +-----------+-----------+
//        | A 100,000 | B 300,000 |
//        |   S0 *    |           |
//        |           |           |
//      0 +-----------+-----------+
//        0          2000        4000
constexpr int kGrid = 41;
constexpr double kSpacing = 100;

NetworkData grid() { return test::grid_network(kGrid, kSpacing, 3.0f); }

std::vector<Point> square(double x0, double y0, double x1, double y1) {
  return {{x0, y0}, {x1, y0}, {x1, y1}, {x0, y1}, {x0, y0}};
}

Zone zone(std::string id, std::vector<std::vector<Point>> rings, double pop,
          std::array<double, kHomeBands> share) {
  Zone z;
  z.id = std::move(id);
  const auto& r = rings[0];
  z.centroid = {0.5 * (r[0].x + r[2].x), 0.5 * (r[0].y + r[2].y)};
  z.rings = std::move(rings);
  z.day_population = pop;
  z.home_share = share;
  return z;
}

constexpr double kPop[4] = {100000, 300000, 50000, 0};
constexpr double kTotal = 450000;
// Share of each zone's daytime population living 20 km or more away (bands 4 and 5).
constexpr double kBeyond20[4] = {0.10, 0.50, 1.0, 0.0};

City city() {
  City c;
  c.zones.push_back(zone("A", {square(0, 0, 2000, 2000)}, kPop[0], {0.3, 0.3, 0.2, 0.1, 0.05, 0.05}));
  c.zones.push_back(zone("B", {square(2000, 0, 4000, 2000)}, kPop[1], {0.1, 0.1, 0.1, 0.2, 0.3, 0.2}));
  c.zones.push_back(zone("C", {square(0, 2000, 2000, 4000), square(500, 2500, 1500, 3500)}, kPop[2],
                         {0, 0, 0, 0, 0, 1}));
  // Nobody here by day; its home shares still serve the station whose nearest centroid it is.
  c.zones.push_back(zone("D", {square(2000, 2000, 4000, 4000)}, kPop[3], {1, 0, 0, 0, 0, 0}));
  c.stations.push_back({"S0", {1000, 1000}, 0, 0, 100000});
  c.stations.push_back({"S1", {3000, 3000}, 0, 0, 300000});
  return c;
}

struct World {
  Network net{grid()};
  SpatialIndex index{net};
  City c = city();
};

const World& world() {
  static const World w;
  return w;
}

Scenario scenario(std::int64_t agents) {
  Scenario s;
  s.origin = "test.toml";
  s.population.agents = agents;
  return s;
}

constexpr std::int64_t kBig = 200000;

// The 200k-agent weekday placement several tests look at.
const Population& big() {
  static const Population p = place_population(world().net, world().index, world().c, scenario(kBig), test::test_seed());
  return p;
}

// |observed share - p| within `k` binomial standard errors over n trials.
void check_share(double count, double n, double p, double k = 5) {
  const double se = std::sqrt(std::max(p * (1 - p), 1e-12) / n);
  INFO("observed " << count << " / " << n << " = " << count / n << ", expected " << p << " +- " << k * se);
  CHECK(std::fabs(count / n - p) <= k * se);
}

bool same(const Population& a, const Population& b) {
  return a.origin == b.origin && a.pos == b.pos && a.home == b.home && a.home_km == b.home_km &&
         a.activity == b.activity && a.age == b.age && a.vulnerable == b.vulnerable &&
         a.v_free == b.v_free && a.zone == b.zone && a.persons_per_agent == b.persons_per_agent;
}

}  // namespace

TEST_CASE("activity and age group names") {
  CHECK(activity_name(Activity::kWork) == "work");
  CHECK(activity_name(Activity::kSchool) == "school");
  CHECK(activity_name(Activity::kShopping) == "shopping");
  CHECK(activity_name(Activity::kVisitor) == "visitor");
  CHECK(activity_name(Activity::kTransit) == "transit");
  CHECK(age_group_name(AgeGroup::kChild) == "child");
  CHECK(age_group_name(AgeGroup::kAdult) == "adult");
  CHECK(age_group_name(AgeGroup::kElderly) == "elderly");
}

TEST_CASE("the agent count is exact and each agent stands for an equal share") {
  const auto& p = big();
  CHECK(p.size() == static_cast<std::size_t>(kBig));
  for (std::size_t n : {p.pos.size(), p.home.size(), p.home_km.size(), p.activity.size(), p.age.size(),
                        p.vulnerable.size(), p.v_free.size(), p.zone.size()})
    CHECK(n == p.size());
  CHECK(p.persons_total == kTotal);
  CHECK(p.persons_per_agent * static_cast<double>(p.size()) == doctest::Approx(kTotal));
}

TEST_CASE("persons_per_agent sizes the population when agents is 0") {
  const auto& w = world();
  auto s = scenario(0);
  s.population.persons_per_agent = 1290;  // 450000 / 1290 = 348.8 -> 349
  auto p = place_population(w.net, w.index, w.c, s, 1);
  CHECK(p.size() == 349);
  CHECK(p.persons_per_agent == doctest::Approx(kTotal / 349));
  s.population.persons_per_agent = 1300;  // 346.2 -> 346
  p = place_population(w.net, w.index, w.c, s, 1);
  CHECK(p.size() == 346);
  CHECK(p.persons_per_agent * 346 == doctest::Approx(kTotal));
  s.population.persons_per_agent = 0;
  CHECK_THROWS_AS(place_population(w.net, w.index, w.c, s, 1), InputError);
}

TEST_CASE("population.scale multiplies the people and keeps where they are") {
  const auto& w = world();
  auto s = scenario(0);
  s.population.persons_per_agent = 1290;
  s.population.scale = 0.5;  // 225000 / 1290 = 174.4 -> 174
  const auto p = place_population(w.net, w.index, w.c, s, 1);
  CHECK(p.size() == 174);
  CHECK(p.persons_total == doctest::Approx(kTotal * 0.5));
  CHECK(p.persons_per_agent * 174 == doctest::Approx(kTotal * 0.5));
  // With a fixed agent count only the weight changes: the same agents, half as heavy.
  auto a = scenario(300), b = scenario(300);
  b.population.scale = 0.25;
  const auto pa = place_population(w.net, w.index, w.c, a, 7), pb = place_population(w.net, w.index, w.c, b, 7);
  REQUIRE(pa.size() == pb.size());
  CHECK(pb.persons_per_agent == doctest::Approx(pa.persons_per_agent * 0.25));
  for (std::size_t i = 0; i < pa.size(); ++i) {
    CHECK(pa.zone[i] == pb.zone[i]);
    CHECK(pa.pos[i].x == pb.pos[i].x);
  }
}

TEST_CASE("activities follow the weekday shares") {
  const auto& p = big();
  const PopulationParams pp;
  std::array<double, kActivities> count{};
  for (auto a : p.activity) count[static_cast<int>(a)] += 1;
  const double n = static_cast<double>(p.size());
  check_share(count[0], n, pp.share_work);
  check_share(count[1], n, pp.share_school);
  check_share(count[2], n, pp.share_shopping);
  check_share(count[3], n, pp.share_visitor);
  check_share(count[4], n, pp.share_transit);
}

TEST_CASE("holidays use the holiday shares") {
  const auto& w = world();
  auto s = scenario(kBig);
  s.quake.day = DayType::kHoliday;
  const auto p = place_population(w.net, w.index, w.c, s, test::test_seed());
  const PopulationParams pp;
  std::array<double, kActivities> count{};
  for (auto a : p.activity) count[static_cast<int>(a)] += 1;
  const double n = static_cast<double>(p.size());
  check_share(count[0], n, pp.holiday_share_work);
  check_share(count[1], n, pp.holiday_share_school);
  check_share(count[2], n, pp.holiday_share_shopping);
  check_share(count[3], n, pp.holiday_share_visitor);
  check_share(count[4], n, pp.holiday_share_transit);
  CHECK(p.persons_total == kTotal);  // no separate holiday population
}

TEST_CASE("zone agents follow zone population and stand inside their zone") {
  const auto& p = big();
  const auto& c = world().c;
  std::array<double, 4> count{};
  double in_zones = 0;
  for (std::size_t i = 0; i < p.size(); ++i) {
    if (p.zone[i] < 0) {
      CHECK(p.activity[i] == Activity::kTransit);
      continue;
    }
    CHECK(p.activity[i] != Activity::kTransit);  // there are stations, so travellers are at them
    const auto z = static_cast<std::size_t>(p.zone[i]);
    REQUIRE(z < 4);
    count[z] += 1;
    in_zones += 1;
    const auto& outer = c.zones[z].rings[0];
    const Point q = p.pos[i];
    const bool inside = q.x >= outer[0].x && q.x <= outer[2].x && q.y >= outer[0].y && q.y <= outer[2].y;
    const bool in_hole = z == 2 && q.x > 500 && q.x < 1500 && q.y > 2500 && q.y < 3500;
    if (!inside || in_hole) {
      FAIL_CHECK("agent " << i << " at (" << q.x << ", " << q.y << ") is outside zone " << c.zones[z].id);
      break;
    }
  }
  for (std::size_t z = 0; z < 4; ++z) check_share(count[z], in_zones, kPop[z] / kTotal);
  CHECK(count[3] == 0);
}

TEST_CASE("station agents follow ridership and stand within 100 m of their station") {
  const auto& p = big();
  const auto& c = world().c;
  std::array<double, 2> count{};
  for (std::size_t i = 0; i < p.size(); ++i) {
    if (p.zone[i] >= 0) continue;
    const auto s = static_cast<std::size_t>(-1 - p.zone[i]);
    REQUIRE(s < 2);
    count[s] += 1;
    const Point d{p.pos[i].x - c.stations[s].pos.x, p.pos[i].y - c.stations[s].pos.y};
    if (std::fabs(d.x) > 100 || std::fabs(d.y) > 100) {
      FAIL_CHECK("agent " << i << " is " << d.x << ", " << d.y << " m from station " << s);
      break;
    }
  }
  const double at_stations = count[0] + count[1];
  CHECK(at_stations > 0);
  check_share(count[1], at_stations, 0.75);
}

TEST_CASE("without stations travellers are placed in zones") {
  const auto& w = world();
  City c = w.c;
  c.stations.clear();
  const auto p = place_population(w.net, w.index, c, scenario(20000), 3);
  std::size_t transit = 0;
  for (std::size_t i = 0; i < p.size(); ++i) {
    CHECK(p.zone[i] >= 0);
    transit += p.activity[i] == Activity::kTransit;
  }
  CHECK(transit > 0);
  c = w.c;
  for (auto& s : c.stations) s.daily_riders = 0;
  const auto q = place_population(w.net, w.index, c, scenario(2000), 3);
  for (auto z : q.zone) CHECK(z >= 0);
}

TEST_CASE("each agent's origin is the nearest network node") {
  const auto& p = big();
  const auto& net = world().net;
  for (std::size_t i = 0; i < 3000; ++i) {
    double best = INFINITY;
    for (std::uint32_t v = 0; v < net.node_count(); ++v) best = std::min(best, distance(p.pos[i], net.pos(NodeId{v})));
    REQUIRE(valid(p.origin[i]));
    CHECK(distance(p.pos[i], net.pos(p.origin[i])) == doctest::Approx(best));
  }
}

TEST_CASE("homes lie at the drawn distance, in the zone's bands, visitors far away") {
  const auto& p = big();
  std::array<double, 4> beyond{}, total{};
  std::array<double, 2> st_beyond{}, st_total{};
  for (std::size_t i = 0; i < p.size(); ++i) {
    const double km = p.home_km[i];
    CHECK(distance(p.pos[i], p.home[i]) / 1000 == doctest::Approx(km).epsilon(1e-5));
    if (p.activity[i] == Activity::kVisitor) {
      CHECK(km >= 100);
      CHECK(km <= 300);
      continue;
    }
    CHECK(km >= 0);
    CHECK(km <= 60);
    if (p.zone[i] >= 0) {
      const auto z = static_cast<std::size_t>(p.zone[i]);
      total[z] += 1;
      beyond[z] += km >= 20;
      if (z == 2) CHECK(km >= 30);  // zone C lives entirely in the last band
    } else {
      const auto s = static_cast<std::size_t>(-1 - p.zone[i]);
      st_total[s] += 1;
      st_beyond[s] += km >= 20;
      if (s == 1) CHECK(km < 5);  // S1's nearest centroid is zone D's: everyone within 5 km
    }
  }
  for (std::size_t z = 0; z < 3; ++z) check_share(beyond[z], total[z], kBeyond20[z]);
  check_share(st_beyond[0], st_total[0], kBeyond20[0]);  // S0 takes zone A's shares
}

TEST_CASE("homes lie outward from the city centre") {
  const auto& p = big();
  // With the angle ~ outward + N(0, 45 deg), E[cos(deviation)] = exp(-sigma^2 / 2).
  const double sigma = 45 * 3.14159265358979323846 / 180;
  double sum = 0, n = 0;
  for (std::size_t i = 0; i < p.size(); ++i) {
    const double ox = p.pos[i].x - 2000, oy = p.pos[i].y - 2000;
    const double r = std::hypot(ox, oy);
    if (r <= 1000) continue;
    const double hx = p.home[i].x - p.pos[i].x, hy = p.home[i].y - p.pos[i].y;
    sum += (ox * hx + oy * hy) / (r * std::hypot(hx, hy));
    n += 1;
  }
  REQUIRE(n > 1000);
  CHECK(sum / n == doctest::Approx(std::exp(-sigma * sigma / 2)).epsilon(0.02));
}

TEST_CASE("age groups, vulnerability and free speeds") {
  const auto& p = big();
  const PopulationParams pp;
  const MovementParams mv;
  double school = 0, children = 0, others = 0, elderly = 0, vulnerable = 0;
  double a_n = 0, a_sum = 0, a_sq = 0, e_n = 0, e_sum = 0, c_n = 0, c_sum = 0;
  for (std::size_t i = 0; i < p.size(); ++i) {
    const double v = p.v_free[i];
    CHECK(v >= 0.3);
    CHECK(v <= 2.5);
    vulnerable += p.vulnerable[i];
    if (p.vulnerable[i]) CHECK(v <= mv.v_vulnerable + 1e-6);
    if (p.activity[i] == Activity::kSchool) {
      school += 1;
      children += p.age[i] == AgeGroup::kChild;
      CHECK(p.age[i] != AgeGroup::kElderly);
    } else {
      others += 1;
      elderly += p.age[i] == AgeGroup::kElderly;
      CHECK(p.age[i] != AgeGroup::kChild);
    }
    if (p.vulnerable[i]) continue;
    if (p.age[i] == AgeGroup::kAdult) { a_n += 1; a_sum += v; a_sq += v * v; }
    if (p.age[i] == AgeGroup::kElderly) { e_n += 1; e_sum += v; }
    if (p.age[i] == AgeGroup::kChild) { c_n += 1; c_sum += v; }
  }
  check_share(children, school, 0.85);
  check_share(elderly, others, pp.elderly_share);
  check_share(vulnerable, static_cast<double>(p.size()), pp.vulnerable_share);
  const double a_mean = a_sum / a_n;
  CHECK(a_mean == doctest::Approx(1.34).epsilon(0.005));
  CHECK(std::sqrt(a_sq / a_n - a_mean * a_mean) == doctest::Approx(0.26).epsilon(0.03));
  CHECK(e_sum / e_n == doctest::Approx(0.9).epsilon(0.01));
  CHECK(c_sum / c_n == doctest::Approx(1.1).epsilon(0.01));
  CHECK(e_sum / e_n < a_mean - 0.3);
}

TEST_CASE("placement is deterministic in the seed and independent of the thread count") {
  const auto& w = world();
  const auto s = scenario(20000);
  const int threads = omp_get_max_threads();
  omp_set_num_threads(1);
  const auto one = place_population(w.net, w.index, w.c, s, 7);
  omp_set_num_threads(2);
  const auto two = place_population(w.net, w.index, w.c, s, 7);
  const auto again = place_population(w.net, w.index, w.c, s, 7);
  omp_set_num_threads(threads);
  CHECK(same(one, two));
  CHECK(same(two, again));
  const auto other = place_population(w.net, w.index, w.c, s, 8);
  CHECK_FALSE(other.pos == one.pos);
  CHECK_FALSE(other.activity == one.activity);
  CHECK_FALSE(other.v_free == one.v_free);
}

TEST_CASE("a zone without area puts its agents at its centroid") {
  const auto& w = world();
  City c;
  Zone z = zone("line", {{{0, 0}, {4000, 4000}, {0, 0}}}, 1000, {1, 0, 0, 0, 0, 0});
  z.centroid = {1234, 2345};
  c.zones.push_back(z);
  const auto p = place_population(w.net, w.index, c, scenario(500), 1);
  for (std::size_t i = 0; i < p.size(); ++i) {
    CHECK(p.zone[i] == 0);
    CHECK(p.pos[i] == Point{1234, 2345});
    CHECK(p.origin[i] == NodeId{23 * kGrid + 12});
  }
}

TEST_CASE("a city without population is an input error") {
  const auto& w = world();
  City c;
  CHECK_THROWS_WITH_AS(place_population(w.net, w.index, c, scenario(100), 1),
                       doctest::Contains("test.toml: [population]: the city has no population"), InputError);
  c = w.c;
  for (auto& z : c.zones) z.day_population = 0;
  CHECK_THROWS_WITH_AS(place_population(w.net, w.index, c, scenario(100), 1),
                       doctest::Contains("no population"), InputError);
}
