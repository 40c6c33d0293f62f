#include <doctest/doctest.h>
#include <omp.h>

#include <cmath>
#include <string>

#include "grid.hpp"
#include "kitaku/sim/error.hpp"
#include "kitaku/sim/hazards.hpp"
#include "kitaku/sim/scenario.hpp"
#include "test_util.hpp"

using namespace kitaku;

namespace {

/// A raster of one intensity over the whole test area.
IntensityGrid uniform_raster(double intensity, double size_m = 20000) {
  IntensityGrid g;
  g.x0 = g.y0 = -1000;
  g.cell_x = g.cell_y = 500;
  g.nx = g.ny = static_cast<int>(size_m / 500);
  g.value.assign(static_cast<std::size_t>(g.nx * g.ny), static_cast<float>(intensity));
  return g;
}

/// The M7.3 shallow crustal event of the tests: a 40 x 20 km fault dipping 45 degrees,
/// hypocentre 10 km deep (the fault's top edge 2.9 km down), site amplification 1.6.
SeismicParams m73(Point epicentre) {
  SeismicParams s;
  s.enabled = true;
  s.epicentre_x = epicentre.x;
  s.epicentre_y = epicentre.y;
  s.depth_km = 10;
  s.magnitude = 7.3;
  s.fault_length_km = 40;
  s.fault_width_km = 20;
  s.fault_dip_deg = 45;
  return s;
}

std::string error_of(const std::string& body) {
  try {
    parse_scenario("[city]\nsynthetic_radius_km = 5\n" + body, "s.toml", "/base");
  } catch (const InputError& e) {
    return e.what();
  }
  return "no error";
}

bool same_plan(const HazardPlan& a, const HazardPlan& b) {
  if (a.edge_intensity != b.edge_intensity || a.edge_blockage_rate != b.edge_blockage_rate ||
      a.edge_blocked != b.edge_blocked || a.facility_intensity != b.facility_intensity ||
      a.facility_failed != b.facility_failed || a.facility_extra_delay_s != b.facility_extra_delay_s ||
      a.fire_cells.size() != b.fire_cells.size() || a.timeline.size() != b.timeline.size())
    return false;
  for (std::size_t i = 0; i < a.fire_cells.size(); ++i)
    if (a.fire_cells[i].centre != b.fire_cells[i].centre || a.fire_cells[i].ignite_s != b.fire_cells[i].ignite_s)
      return false;
  for (std::size_t i = 0; i < a.timeline.size(); ++i)
    if (format_command(a.timeline[i]) != format_command(b.timeline[i])) return false;
  return true;
}

std::size_t count(const std::vector<Command>& cmds, CommandType t) {
  std::size_t n = 0;
  for (const Command& c : cmds) n += c.type == t;
  return n;
}

}  // namespace

TEST_CASE("Si & Midorikawa (1999): PGV falls with distance, grows with magnitude, fault-type terms") {
  // log10 PGV = 0.58 Mw + 0.0038 D + d - 1.29 - log10(X + 0.0028 * 10^(0.5 Mw)) - 0.002 X
  CHECK(bedrock_pgv_cms(7.3, 10, 10, "crustal") == doctest::Approx(40.70799161964274).epsilon(1e-12));
  CHECK(bedrock_pgv_cms(6.0, 20, 30, "intraplate") == doctest::Approx(6.458418095269819).epsilon(1e-12));
  double prev = INFINITY;
  for (double x : {0.0, 5.0, 10.0, 20.0, 50.0, 100.0, 200.0}) {
    const double v = bedrock_pgv_cms(7.0, 20, x, "crustal");
    CHECK(v < prev);
    prev = v;
  }
  for (double x : {5.0, 30.0, 100.0}) {
    CHECK(bedrock_pgv_cms(6.0, 20, x, "crustal") < bedrock_pgv_cms(7.0, 20, x, "crustal"));
    CHECK(bedrock_pgv_cms(7.0, 20, x, "crustal") < bedrock_pgv_cms(8.0, 20, x, "crustal"));
    CHECK(bedrock_pgv_cms(7.0, 20, x, "interplate") < bedrock_pgv_cms(7.0, 20, x, "crustal"));
    CHECK(bedrock_pgv_cms(7.0, 20, x, "crustal") < bedrock_pgv_cms(7.0, 20, x, "intraplate"));
  }
  CHECK_THROWS_AS(bedrock_pgv_cms(7, 10, 10, "volcanic"), std::invalid_argument);

  // Midorikawa, Fujimoto & Muramatsu (1999): I = 2.68 + 1.72 log10 PGV, and its inverse.
  CHECK(jma_intensity_from_pgv(100) == doctest::Approx(6.12));
  CHECK(jma_intensity_from_pgv(10) == doctest::Approx(4.40));
  for (double i : {4.0, 5.5, 6.5, 7.0}) CHECK(jma_intensity_from_pgv(pgv_from_jma_intensity(i)) == doctest::Approx(i));

  // The site term and the offset.
  SeismicParams s = m73({0, 0});
  s.fault_length_km = s.fault_width_km = 0;
  const double i16 = source_intensity(s, {20000, 0});
  s.site_amplification = 3.2;
  CHECK(source_intensity(s, {20000, 0}) == doctest::Approx(i16 + 1.72 * std::log10(2.0)));
  s.intensity_offset = -0.5;
  CHECK(source_intensity(s, {20000, 0}) == doctest::Approx(i16 + 1.72 * std::log10(2.0) - 0.5));
}

TEST_CASE("fault distance: the hypocentre, or the nearest point of the finite fault") {
  SeismicParams s;
  s.epicentre_x = 1000;
  s.epicentre_y = 2000;
  s.depth_km = 10;
  CHECK(fault_distance_km(s, {1000, 2000}) == doctest::Approx(10));
  CHECK(fault_distance_km(s, {1000 + 30000, 2000 + 40000}) == doctest::Approx(std::sqrt(2500.0 + 100.0)));
  // A vertical fault striking north, 40 km long, 10 km wide: its top edge is 5 km deep,
  // and a site above the fault 15 km north of the epicentre is 5 km from it.
  s.fault_length_km = 40;
  s.fault_width_km = 10;
  s.fault_dip_deg = 90;
  CHECK(fault_distance_km(s, {1000, 2000 + 15000}) == doctest::Approx(5));
  CHECK(fault_distance_km(s, {1000 + 12000, 2000}) == doctest::Approx(std::hypot(12.0, 5.0)));
  CHECK(fault_distance_km(s, {1000, 2000 + 26000}) == doctest::Approx(std::hypot(6.0, 5.0)));
  // Wider than twice its depth: the part above ground is cut off, so the fault reaches the surface.
  s.fault_width_km = 30;
  CHECK(fault_distance_km(s, {1000, 2000}) == doctest::Approx(0).epsilon(1e-9));
  // Dipping 45 degrees east (strike north): the top edge lies west of the epicentre.
  s.fault_width_km = 10;
  s.fault_dip_deg = 45;
  const double top_depth = 10 - 5 * std::sin(M_PI / 4), top_west = 5 * std::cos(M_PI / 4);
  CHECK(fault_distance_km(s, {1000 - top_west * 1000, 2000}) == doctest::Approx(top_depth));
}

TEST_CASE("the M7.3 shallow event: 6+ near the epicentre, below 5 far away; areas of strong shaking") {
  const SeismicParams s = m73({0, 0});
  // The fault dips east, so its top edge (2.9 km down) runs 7.1 km west of the epicentre.
  CHECK(source_intensity(s, {0, 0}) > 5.9);
  CHECK(source_intensity(s, {-7071, 0}) >= 6.0);
  CHECK(source_intensity(s, {-7071, 15000}) >= 6.0);  // along the fault
  CHECK(source_intensity(s, {60000, 0}) < 5.0);
  CHECK(source_intensity(s, {0, 100000}) < 5.0);
  // Areas over a 160 x 160 km grid of 0.5 km cells (DOMAIN.md: Tokyo 2022 has intensity 7
  // over ~14 km2 and 6+ over ~388 km2; docs/model.md records what this relation gives).
  double a60 = 0, a65 = 0, i_max = 0;
  const double step = 500;
  for (int i = -160; i < 160; ++i)
    for (int j = -160; j < 160; ++j) {
      const double v = source_intensity(s, {(i + 0.5) * step, (j + 0.5) * step});
      i_max = std::max(i_max, v);
      if (v >= 6.0) a60 += step * step / 1e6;
      if (v >= 6.5) a65 += step * step / 1e6;
    }
  MESSAGE("M7.3 shallow: max intensity " << i_max << ", area >= 6.0: " << a60 << " km2, >= 6.5: " << a65 << " km2");
  CHECK(a60 > 200);  // 374 km2 when this was written
  CHECK(a60 < 600);
  CHECK(a65 == 0);   // the median relation never reaches 6.5 with site amplification 1.6
  SeismicParams soft = s;
  soft.site_amplification = 2.5;
  CHECK(source_intensity(soft, {0, 0}) > source_intensity(s, {0, 0}));
}

TEST_CASE("fragility: damage rises with PGV; x = collapse + half-collapse / 2") {
  const BlockageParams b;
  double prev_c = -1, prev_x = -1;
  for (double pgv : {10.0, 50.0, 100.0, 150.0, 200.0, 400.0}) {
    const DamageRates d = building_damage(pgv, b);
    CHECK(d.collapse > prev_c);
    CHECK(d.x_percent() > prev_x);
    CHECK(d.half_collapse >= 0);
    CHECK(d.collapse + d.half_collapse <= 1.0);
    prev_c = d.collapse;
    prev_x = d.x_percent();
  }
  const DamageRates at_median = building_damage(b.collapse_median_pgv_cms, b);
  CHECK(at_median.collapse == doctest::Approx(0.5));
  const DamageRates at_half = building_damage(b.half_collapse_median_pgv_cms, b);
  CHECK(at_half.collapse + at_half.half_collapse == doctest::Approx(0.5));
  CHECK(at_half.x_percent() == doctest::Approx(100 * (at_half.collapse + at_half.half_collapse / 2)));
  CHECK(building_damage(0, b).x_percent() == 0);
}

TEST_CASE("Tokyo 2022 blockage formulas, exactly as given, by width class") {
  // width < 3.5 m: 0.9009x + 19.845
  CHECK(blockage_rate_percent(0, 3.0) == doctest::Approx(19.845));
  CHECK(blockage_rate_percent(10, 3.0) == doctest::Approx(28.854));
  CHECK(blockage_rate_percent(50, 2.0) == doctest::Approx(64.89));
  CHECK(blockage_rate_percent(100, 3.4) == 100);  // 109.935, clamped
  // 3.5-5.5 m: 0.3514x + 13.189
  CHECK(blockage_rate_percent(0, 3.5) == doctest::Approx(13.189));
  CHECK(blockage_rate_percent(10, 4.5) == doctest::Approx(16.703));
  CHECK(blockage_rate_percent(50, 5.4) == doctest::Approx(30.759));
  // 5.5-13 m: 0.2229x - 1.5026
  CHECK(blockage_rate_percent(0, 5.5) == 0);  // -1.5026, clamped
  CHECK(blockage_rate_percent(10, 8.0) == doctest::Approx(0.7264));
  CHECK(blockage_rate_percent(50, 12.9) == doctest::Approx(9.6424));
  // 13 m and wider: never.
  CHECK(blockage_rate_percent(100, 13.0) == 0);
  CHECK(blockage_rate_percent(100, 30.0) == 0);
  CHECK(blockage_rate_percent(100, 10.0, 10.0) == 0);

  BlockageParams b;
  const double x = building_damage(pgv_from_jma_intensity(6.2), b).x_percent();
  CHECK(blockage_probability(6.2, 3.0, b) == doctest::Approx((0.9009 * x + 19.845) / 100));
  b.rate_scale = 0.5;
  CHECK(blockage_probability(6.2, 3.0, b) == doctest::Approx((0.9009 * x + 19.845) / 200));
  CHECK(blockage_probability(4.9, 3.0, b) == 0);  // below min_intensity
  b.enabled = false;
  CHECK(blockage_probability(6.2, 3.0, b) == 0);
}

TEST_CASE("blockage on the network: wide roads never, narrow roads at the rate, weak shaking none") {
  Scenario sc;
  sc.hazards.seismic.enabled = true;
  City city;
  city.intensity = uniform_raster(6.2);
  SUBCASE("wide roads are never blocked") {
    for (float w : {13.0f, 20.0f}) {
      const Network net(test::grid_network(30, 100, w));
      city.intensity = uniform_raster(7.0);
      const HazardPlan p = plan_hazards(net, city, sc, 7);
      REQUIRE(p.edge_blocked.size() == net.edge_count());
      for (std::size_t e = 0; e < net.edge_count(); ++e) {
        CHECK(p.edge_blockage_rate[e] == 0);
        CHECK(p.edge_blocked[e] == 0);
        CHECK(p.edge_intensity[e] == doctest::Approx(7.0));
      }
    }
  }
  SUBCASE("the blocked share of many narrow edges matches the rate") {
    const Network net(test::grid_network(100, 50, 3.0f));  // 19,800 edges 3 m wide
    const HazardPlan p = plan_hazards(net, city, sc, test::test_seed());
    const double rate = blockage_probability(6.2, 3.0, sc.hazards.blockage);
    double blocked = 0;
    for (std::size_t e = 0; e < net.edge_count(); ++e) {
      CHECK(p.edge_blockage_rate[e] == doctest::Approx(rate));
      blocked += p.edge_blocked[e];
    }
    const double n = static_cast<double>(net.edge_count());
    const double share = blocked / n, sd = std::sqrt(rate * (1 - rate) / n);
    MESSAGE("rate " << rate << ", blocked share " << share << " of " << n << " edges (sd " << sd << ")");
    CHECK(std::abs(share - rate) < 4 * sd);
    // A 5.5-13 m road blocks far less often at the same shaking.
    const Network wide(test::grid_network(100, 50, 8.0f));
    const HazardPlan q = plan_hazards(wide, city, sc, test::test_seed());
    double wide_blocked = 0;
    for (auto b : q.edge_blocked) wide_blocked += b;
    CHECK(wide_blocked / n < share / 3);
  }
  SUBCASE("below min_intensity nothing is blocked; blockage can be turned off") {
    const Network net(test::grid_network(30, 100, 3.0f));
    city.intensity = uniform_raster(4.9);
    HazardPlan p = plan_hazards(net, city, sc, 3);
    for (auto b : p.edge_blocked) CHECK(b == 0);
    city.intensity = uniform_raster(6.5);
    sc.hazards.blockage.enabled = false;
    p = plan_hazards(net, city, sc, 3);
    REQUIRE(p.edge_blocked.size() == net.edge_count());
    for (auto b : p.edge_blocked) CHECK(b == 0);
    CHECK(p.edge_intensity[0] == doctest::Approx(6.5));
  }
  SUBCASE("no seismic input: no per-edge or per-facility arrays") {
    Scenario none;
    const Network net(test::grid_network(5, 100, 3.0f));
    const HazardPlan p = plan_hazards(net, City{}, none, 1);
    CHECK(p.empty());
    CHECK(p.edge_intensity.empty());
  }
  SUBCASE("the raster's intensity plus the offset; outside the raster there is no shaking") {
    const Network net(test::grid_network(5, 100, 3.0f));
    sc.hazards.seismic.intensity_offset = 0.3;
    HazardPlan p = plan_hazards(net, city, sc, 1);
    CHECK(p.edge_intensity[0] == doctest::Approx(6.5));
    city.intensity.x0 = 1e6;
    p = plan_hazards(net, city, sc, 1);
    CHECK(p.edge_intensity[0] == 0);
    CHECK(p.edge_blocked[0] == 0);
  }
}

TEST_CASE("facility failure and extra delay by intensity") {
  const FacilityFailureParams f;  // 0.05 at 6, 0.30 at 7
  CHECK(facility_failure_probability(5.4, f) == 0);
  CHECK(facility_failure_probability(5.75, f) == doctest::Approx(0.025));
  CHECK(facility_failure_probability(6.0, f) == doctest::Approx(0.05));
  CHECK(facility_failure_probability(6.5, f) == doctest::Approx(0.175));
  CHECK(facility_failure_probability(7.0, f) == doctest::Approx(0.30));
  CHECK(facility_failure_probability(7.4, f) == doctest::Approx(0.30));
  CHECK(facility_extra_delay_s(4.5, f) == 0);
  CHECK(facility_extra_delay_s(6.5, f) == doctest::Approx(1.5 * 30 * 60));

  // 4,000 facilities at intensity 6.5: about 17.5 % fail.
  Scenario sc;
  sc.hazards.seismic.enabled = true;
  City city;
  city.intensity = uniform_raster(6.5);
  for (int i = 0; i < 4000; ++i) {
    Facility fac;
    fac.pos = {static_cast<double>(i % 50) * 20, static_cast<double>(i / 50) * 20};
    city.facilities.push_back(fac);
  }
  const Network net(test::grid_network(10, 100, 3.0f));
  const HazardPlan p = plan_hazards(net, city, sc, test::test_seed());
  REQUIRE(p.facility_failed.size() == 4000);
  double failed = 0;
  for (std::size_t i = 0; i < 4000; ++i) {
    failed += p.facility_failed[i];
    CHECK(p.facility_intensity[i] == doctest::Approx(6.5));
    CHECK(p.facility_extra_delay_s[i] == doctest::Approx(2700));
  }
  const double sd = std::sqrt(0.175 * 0.825 / 4000);
  CHECK(std::abs(failed / 4000 - 0.175) < 4 * sd);
  sc.hazards.facility_failure.enabled = false;
  const HazardPlan q = plan_hazards(net, city, sc, test::test_seed());
  for (std::size_t i = 0; i < 4000; ++i) CHECK(q.facility_failed[i] == 0);
}

TEST_CASE("fire spreads faster downwind than upwind") {
  FireParams f;  // wind 4 m/s
  f.wind_from_deg = 270;  // from the west: blows east
  const double east = fire_spread_speed_ms(f, 100, 0), west = fire_spread_speed_ms(f, -100, 0);
  const double north = fire_spread_speed_ms(f, 0, 100);
  CHECK(east == doctest::Approx(f.spread_ms * (1 + 0.15 * 4)));
  CHECK(west == doctest::Approx(f.spread_ms * (1 - 0.15 * 4)));
  CHECK(north == doctest::Approx(f.spread_ms));
  f.wind_speed_ms = 8;
  CHECK(fire_spread_speed_ms(f, 100, 0) > east);                                  // more wind, faster downwind
  CHECK(fire_spread_speed_ms(f, -100, 0) == doctest::Approx(0.2 * f.spread_ms));  // upwind floor
  f.wind_speed_ms = 0;
  CHECK(fire_spread_speed_ms(f, 100, 0) == doctest::Approx(fire_spread_speed_ms(f, -100, 0)));

  // On a dense grid (every cell burns: catch_p = 1), one fire at the centre.
  const Network net(test::grid_network(61, 50, 4.0f));  // 3 x 3 km
  Scenario sc;
  sc.run.duration_h = 48;
  sc.hazards.fire.enabled = true;
  sc.hazards.fire.catch_p = 1;
  sc.hazards.fire.wind_from_deg = 270;
  sc.hazards.fire.ignitions = {{1510, 1510}};
  sc.hazards.fire.update_min = 0;  // exact times
  const HazardPlan p = plan_hazards(net, City{}, sc, 5);
  REQUIRE(!p.fire_cells.empty());
  const auto ignite_at = [&](Point q) -> std::int64_t {
    for (const FireCell& c : p.fire_cells)
      if (std::abs(c.centre.x - q.x) <= c.size_m / 2 && std::abs(c.centre.y - q.y) <= c.size_m / 2) return c.ignite_s;
    return -1;
  };
  const std::int64_t t_east = ignite_at({2510, 1510}), t_west = ignite_at({510, 1510});
  const std::int64_t t_north = ignite_at({1510, 2510});
  MESSAGE("1 km from the fire: downwind " << t_east / 3600.0 << " h, across " << t_north / 3600.0 << " h, upwind "
                                          << t_west / 3600.0 << " h");
  REQUIRE(t_east > 0);
  REQUIRE(t_west > 0);
  CHECK(t_east < t_north);
  CHECK(t_north < t_west);
  // 1 km downwind at 0.02 x 1.6 m/s takes 1000 / 0.032 s.
  CHECK(t_east == doctest::Approx(1000 / 0.032).epsilon(0.01));
  CHECK(ignite_at({1510, 1510}) == 0);
  // In batches of update_min: each cell at the first update at or after the fire reaches it.
  sc.hazards.fire.update_min = 10;
  const HazardPlan batched = plan_hazards(net, City{}, sc, 5);
  REQUIRE(batched.fire_cells.size() <= p.fire_cells.size());  // the last 10 minutes may fall after the end
  CHECK(batched.fire_cells.size() + 10 > p.fire_cells.size());
  for (std::size_t i = 0; i < batched.fire_cells.size(); ++i) {
    const std::int64_t t = batched.fire_cells[i].ignite_s;
    CHECK(t % 600 == 0);
    CHECK(t >= p.fire_cells[i].ignite_s);
    CHECK(t < p.fire_cells[i].ignite_s + 600);
  }
  // Stopped at the run's end.
  sc.run.duration_h = 5;
  const HazardPlan short_run = plan_hazards(net, City{}, sc, 5);
  CHECK(short_run.fire_cells.size() < p.fire_cells.size());
  for (const FireCell& c : short_run.fire_cells) CHECK(c.ignite_s <= 5 * 3600);
}

TEST_CASE("fire: cells close, facilities inside are damaged, burnt cells reopen; firebreaks") {
  const Network net(test::grid_network(21, 50, 4.0f));  // 1 x 1 km
  City city;
  Facility in_fire, far;
  in_fire.pos = {520, 530};
  far.pos = {30, 980};
  city.facilities = {far, in_fire};
  Scenario sc;
  sc.run.duration_h = 2;
  sc.hazards.fire.enabled = true;
  sc.hazards.fire.ignitions = {{510, 510}};
  sc.hazards.fire.reopen_burnt = true;
  sc.hazards.fire.burn_h = 1;
  const HazardPlan p = plan_hazards(net, city, sc, 9);
  REQUIRE(!p.fire_cells.empty());
  CHECK(p.fire_cells[0].ignite_s == 0);
  CHECK(p.fire_cells[0].burnt_out_s == 3600);
  REQUIRE(p.timeline.size() >= 3);
  const Command& close = p.timeline[0];
  CHECK(close.type == CommandType::kCloseArea);
  CHECK(close.time_s == 0);
  CHECK(close.x == doctest::Approx(550));  // the cell [500, 600) x [500, 600)
  CHECK(close.y == doctest::Approx(550));
  CHECK(close.radius_m == doctest::Approx(100 * std::sqrt(2.0) / 2));
  CHECK(close.source == "hazard");
  const Command& dmg = p.timeline[1];
  CHECK(dmg.type == CommandType::kDamageFacility);
  CHECK(dmg.facility == make_id<ShelterId>(1));
  CHECK(dmg.time_s == 0);
  bool reopened = false;
  for (const Command& c : p.timeline) {
    CHECK(c.facility != make_id<ShelterId>(0));  // the far facility is not reached within 2 h
    if (c.type == CommandType::kReopenArea && c.x == close.x && c.y == close.y) {
      reopened = true;
      CHECK(c.time_s == 3600);
    }
  }
  CHECK(reopened);
  for (std::size_t i = 0; i < p.timeline.size(); ++i) {
    CHECK(p.timeline[i].seq == i);
    if (i) CHECK(p.timeline[i - 1].time_s <= p.timeline[i].time_s);
  }
  CHECK(count(p.timeline, CommandType::kCloseArea) == p.fire_cells.size());

  // With no buildings (catch_p 0) a given fire burns only its own cell.
  sc.hazards.fire.catch_p = 0;
  sc.run.duration_h = 48;
  CHECK(plan_hazards(net, city, sc, 9).fire_cells.size() == 1);
  // A given ignition outside the network is an error naming the key.
  sc.hazards.fire.ignitions = {{5000, 5000}};
  try {
    plan_hazards(net, city, sc, 9);
    FAIL("no error");
  } catch (const InputError& e) {
    CHECK(std::string(e.what()).find("[fire] ignition") != std::string::npos);
    CHECK(std::string(e.what()).find("outside the network") != std::string::npos);
  }
}

TEST_CASE("fire: ignitions drawn by intensity") {
  const Network net(test::grid_network(41, 50, 4.0f));  // 2 x 2 km
  Scenario sc;
  sc.hazards.seismic.enabled = true;
  sc.hazards.blockage.enabled = false;
  sc.hazards.fire.enabled = true;
  sc.hazards.fire.ignition_rate_per_km2 = 2;
  sc.hazards.fire.catch_p = 0;  // no spread: count the outbreaks
  sc.run.duration_h = 3;
  City city;
  city.intensity = uniform_raster(7.0);
  double strong = 0, weak = 0;
  for (std::uint64_t seed = 1; seed <= 20; ++seed) strong += plan_hazards(net, city, sc, seed).fire_cells.size();
  city.intensity = uniform_raster(6.0);
  for (std::uint64_t seed = 1; seed <= 20; ++seed) weak += plan_hazards(net, city, sc, seed).fire_cells.size();
  MESSAGE("outbreaks per 4 km2: " << strong / 20 << " at intensity 7, " << weak / 20 << " at 6");
  CHECK(strong / 20 == doctest::Approx(8.82).epsilon(0.3));  // 2 per km2 over the 2.1 x 2.1 km grid
  CHECK(weak < strong / 2);
  city.intensity = uniform_raster(5.0);
  CHECK(plan_hazards(net, city, sc, 1).fire_cells.empty());
  city.intensity = uniform_raster(7.0);
  for (const FireCell& c : plan_hazards(net, city, sc, 1).fire_cells) CHECK(c.ignite_s <= 3600);  // the first hour
}

TEST_CASE("aftershocks: everyone pauses, and stronger shaking blocks more roads") {
  const Network net(test::grid_network(60, 50, 3.0f));
  Scenario sc;
  sc.hazards.seismic = m73({1500, 1500});
  sc.hazards.seismic.magnitude = 5.0;  // a weak main shock: few roads blocked
  sc.hazards.seismic.fault_length_km = sc.hazards.seismic.fault_width_km = 0;
  sc.hazards.seismic.depth_km = 30;
  Aftershock a;
  a.at_min = 30;
  a.magnitude = 7.0;
  a.depth_km = 5;
  a.pause_min = 5;
  Aftershock quiet = a;
  quiet.at_min = 90;
  quiet.blockage = false;
  sc.hazards.aftershocks = {a, quiet};
  const HazardPlan p = plan_hazards(net, City{}, sc, 11);
  std::size_t main_blocked = 0;
  for (auto b : p.edge_blocked) main_blocked += b;
  REQUIRE(p.timeline.size() >= 2);
  CHECK(p.timeline[0].type == CommandType::kPauseWalkers);
  CHECK(p.timeline[0].time_s == 1800);
  CHECK(p.timeline[0].value == 300);
  CHECK(p.timeline[0].radius_m == 0);
  CHECK(p.timeline.back().type == CommandType::kPauseWalkers);
  CHECK(p.timeline.back().time_s == 5400);
  const std::size_t closures = count(p.timeline, CommandType::kCloseEdge);
  MESSAGE("main shock blocked " << main_blocked << " edges; the aftershock " << closures << " more");
  CHECK(closures > 100);
  for (const Command& c : p.timeline)
    if (c.type == CommandType::kCloseEdge) {
      CHECK(c.time_s == 1800);
      CHECK(p.edge_blocked[static_cast<std::size_t>(c.edge)] == 0);  // only edges still open
    }
  // Without blockage the aftershock only pauses walkers.
  sc.hazards.blockage.enabled = false;
  const HazardPlan q = plan_hazards(net, City{}, sc, 11);
  CHECK(q.timeline.size() == 2);
  CHECK(count(q.timeline, CommandType::kPauseWalkers) == 2);
  // Aftershocks after the run's end are left out.
  sc.run.duration_h = 1;
  CHECK(plan_hazards(net, City{}, sc, 11).timeline.size() == 1);
}

TEST_CASE("the plan is a pure function of the seed: two calls, one or two threads") {
  const Network net(test::grid_network(60, 50, 3.0f));
  City city;
  for (int i = 0; i < 50; ++i) {
    Facility f;
    f.pos = {i * 55.0, i * 50.0};
    city.facilities.push_back(f);
  }
  Scenario sc;
  sc.run.duration_h = 12;
  sc.hazards.seismic = m73({1500, 1500});
  sc.hazards.seismic.magnitude = 6.5;  // intensity ~5.3: some blockage, more from the aftershock
  sc.hazards.seismic.fault_length_km = sc.hazards.seismic.fault_width_km = 0;
  sc.hazards.fire.enabled = true;
  sc.hazards.fire.ignition_rate_per_km2 = 1;
  sc.hazards.fire.ignitions = {{100, 100}};
  sc.hazards.fire.reopen_burnt = true;
  Aftershock a;
  a.at_min = 45;
  a.magnitude = 7.0;
  a.depth_km = 5;
  sc.hazards.aftershocks = {a};
  const int threads = omp_get_max_threads();
  omp_set_num_threads(1);
  const HazardPlan one = plan_hazards(net, city, sc, 21);
  omp_set_num_threads(2);
  const HazardPlan two = plan_hazards(net, city, sc, 21);
  const HazardPlan again = plan_hazards(net, city, sc, 21);
  omp_set_num_threads(threads);
  CHECK(same_plan(one, two));
  CHECK(same_plan(two, again));
  CHECK_FALSE(one.fire_cells.empty());
  CHECK(count(one.timeline, CommandType::kCloseEdge) > 0);
  std::size_t blocked = 0;
  for (auto b : one.edge_blocked) blocked += b;
  CHECK(blocked > 0);
  const HazardPlan other = plan_hazards(net, city, sc, 22);
  CHECK_FALSE(same_plan(one, other));
}

TEST_CASE("hazard tables: bad values are InputErrors naming the file, line and key") {
  CHECK(error_of("[seismic]\nepicentre_x = 0\nepicentre_y = 0\nmagnitude = 12\n") ==
        "s.toml: line 6: [seismic] magnitude: must be in [4, 9], got 12");
  CHECK(error_of("[seismic]\nepicentre_x = 0\nepicentre_y = 0\nfault_type = \"volcanic\"\n") ==
        "s.toml: line 6: [seismic] fault_type: must be \"crustal\", \"interplate\" or \"intraplate\", got \"volcanic\"");
  CHECK(error_of("[seismic]\nepicentre_x = 0\n").find("line 3: [seismic] epicentre_y: missing (a point source needs") !=
        std::string::npos);
  CHECK(error_of("[seismic]\nintensity_raster = \"i.tif\"\n") == "no error");
  CHECK(error_of("[seismic]\nenabled = 1\n") == "s.toml: line 4: [seismic] enabled: must be true or false");
  CHECK(error_of("[seismic]\nepicentre_x = 0\nepicentre_y = 0\nfault_width_km = 10\n") ==
        "s.toml: line 3: [seismic] fault_length_km: must be > 0 when fault_width_km is given (a fault is length x width)");
  CHECK(error_of("[seismic]\nepicentre_x = 0\nepicentre_y = 0\nfault_dip_deg = 0\n") ==
        "s.toml: line 6: [seismic] fault_dip_deg: must be in (0, 90], got 0");
  CHECK(error_of("[blockage]\nmax_width_m = 0\n") == "s.toml: line 4: [blockage] max_width_m: must be in (0, 100], got 0");
  CHECK(error_of("[blockage]\nhalf_collapse_median_pgv_cms = 300\n") ==
        "s.toml: line 4: [blockage] half_collapse_median_pgv_cms: must not exceed collapse_median_pgv_cms (250), got 300");
  CHECK(error_of("[blockage]\nwidth = 3\n") == "s.toml: line 4: [blockage] width: unknown key");
  CHECK(error_of("[fire]\nspread_ms = 0\n") == "s.toml: line 4: [fire] spread_ms: must be in (0, 10], got 0");
  CHECK(error_of("[fire]\nignitions = [[1, 2], [3]]\n") ==
        "s.toml: line 4: [fire] ignitions: each ignition must be [x, y]: two numbers in the network's CRS");
  CHECK(error_of("[fire]\nignitions = [[1, 2]]\n[[fire.ignition]]\nx = 1\ny = 2\n").find(
            "[fire] ignition: give either ignitions") != std::string::npos);
  CHECK(error_of("[[fire.ignition]]\nx = 1\n") == "s.toml: line 3: [fire.ignition] y: missing");
  CHECK(error_of("[facility_failure]\nfail_at_i6 = 0.5\nfail_at_i7 = 0.2\n") ==
        "s.toml: line 5: [facility_failure] fail_at_i7: must not be less than fail_at_i6 (0.5), got 0.2");
  CHECK(error_of("[[aftershock]]\nmagnitude = 6\n") == "s.toml: line 3: [aftershock] at_min: missing");
  CHECK(error_of("[[aftershock]]\nat_min = 10\nepicentre_x = 5\n").find("[aftershock] epicentre_y: missing") !=
        std::string::npos);
  CHECK(error_of("[[aftershock]]\nat_min = 10\npause_min = -1\n") ==
        "s.toml: line 5: [aftershock] pause_min: must be in [0, 1440], got -1");
  CHECK(error_of("[[rail_line]]\nname = \"Chuo\"\n") == "s.toml: line 3: [rail_line] stations: missing");
  CHECK(error_of("[[rail_line]]\nname = \"Chuo\"\nstations = [\"Tokyo\", 3]\n") ==
        "s.toml: line 5: [rail_line] stations: must be an array of strings");
  CHECK(error_of("[[rail_line]]\nname = \"Chuo\"\nstations = [\"Tokyo\"]\nresume_h = 400\n") ==
        "s.toml: line 6: [rail_line] resume_h: must be at most 336 (or negative: does not resume), got 400");
  CHECK(error_of("[optimiser]\ncompliance = 2\n") == "s.toml: line 4: [optimiser] compliance: must be in [0, 1], got 2");
  CHECK(error_of("[[command]]\nat_min = 5\ntype = \"pause_walkers\"\n") ==
        "s.toml: line 3: [command] value: missing (pause_walkers needs it)");
  CHECK(error_of("[[command]]\nat_min = 5\ntype = \"pause_walkers\"\nvalue = 60\nx = 1\n") ==
        "s.toml: line 3: [command] y: missing (pause_walkers needs it)");
  CHECK(error_of("[[command]]\nat_min = 5\ntype = \"resume_rail\"\nvalue = 0.5\n") ==
        "s.toml: line 6: [command] value: must be an integer");
  CHECK(error_of("[[command]]\nat_min = 5\ntype = \"resume_rail\"\nvalue = 1\n") ==
        "s.toml: line 6: [command] value: resume_rail names rail line 1, but the scenario has 0 [[rail_line]] table(s) "
        "(indices from 0)");
  CHECK(error_of("[[rail_line]]\nname = \"Chuo\"\nstations = [\"Tokyo\"]\n"
                 "[[command]]\nat_min = 5\ntype = \"resume_rail\"\nvalue = 0\n") == "no error");

  // A fault type set in code (not parsed) is refused by plan_hazards.
  Scenario sc;
  sc.origin = "s.toml";
  sc.hazards.seismic.enabled = true;
  sc.hazards.seismic.fault_type = "volcanic";
  const Network net(test::grid_network(3, 100, 3.0f));
  CHECK_THROWS_AS(plan_hazards(net, City{}, sc, 1), InputError);
}

TEST_CASE("hazard tables parse to the values given") {
  const Scenario s = parse_scenario(R"(
[city]
synthetic_radius_km = 5
[seismic]
epicentre_x = -5000
epicentre_y = -36000.5
depth_km = 25
magnitude = 7.3
fault_type = "intraplate"
site_amplification = 2
intensity_offset = 0.25
fault_length_km = 40
fault_width_km = 20
fault_strike_deg = 300
fault_dip_deg = 30
[fire]
ignitions = [[1, 2], [3.5, -4]]
wind_speed_ms = 8
reopen_burnt = true
[facility_failure]
enabled = false
[[aftershock]]
at_min = 60
blockage = false
[[rail_line]]
name = "JR Chuo"
stations = ["Tokyo", "Shinjuku"]
resume_h = -1
[[command]]
at_min = 60
type = "pause_walkers"
value = 300
[[command]]
at_min = 90
type = "resume_rail"
value = 0
)",
                                    "s.toml", "/base");
  const HazardParams& h = s.hazards;
  CHECK(h.seismic.enabled);
  CHECK(h.seismic.epicentre_y == -36000.5);
  CHECK(h.seismic.fault_type == "intraplate");
  CHECK(h.seismic.fault_strike_deg == 300);
  CHECK(h.blockage.enabled);  // defaults
  CHECK(h.fire.enabled);
  REQUIRE(h.fire.ignitions.size() == 2);
  CHECK(h.fire.ignitions[1] == Point{3.5, -4});
  CHECK(h.fire.reopen_burnt);
  CHECK_FALSE(h.facility_failure.enabled);
  REQUIRE(h.aftershocks.size() == 1);
  CHECK_FALSE(h.aftershocks[0].blockage);
  REQUIRE(h.rail_lines.size() == 1);
  CHECK(h.rail_lines[0].stations == std::vector<std::string>{"Tokyo", "Shinjuku"});
  CHECK(h.rail_lines[0].resume_h == -1);
  REQUIRE(s.commands.size() == 2);
  CHECK(s.commands[0].type == CommandType::kPauseWalkers);
  CHECK(s.commands[0].value == 300);
  CHECK(s.commands[1].type == CommandType::kResumeRail);
  CHECK(s.commands[1].value == 0);
  // A raster path resolves against the scenario's folder.
  CHECK(parse_scenario("[city]\nsynthetic_radius_km = 5\n[seismic]\nintensity_raster = \"i.tif\"\n", "s", "/base")
            .hazards.seismic.intensity_raster == "/base/i.tif");
  // A scenario without the tables keeps everything off.
  const Scenario none = parse_scenario("[city]\nsynthetic_radius_km = 5\n", "s", "/");
  CHECK_FALSE(none.hazards.seismic.enabled);
  CHECK_FALSE(none.hazards.fire.enabled);
}
