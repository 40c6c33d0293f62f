#include <doctest/doctest.h>

#include <filesystem>
#include <fstream>
#include <iterator>
#include <set>
#include <string>
#include <utility>

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

namespace {

// Every table with values unlike the defaults.
constexpr const char* kFull = R"(
[scenario]
name = "full"
description = "every table"
seed = 7

[city]
network = "roads.osm"
network_layer = "lines"
crs_epsg = 6677
facilities = "fac.csv"
stations = "st.json"
zones = "mesh.geojson"
population_csv = "../pop/mesh.csv"
clip_margin_m = 300
facility_snap_max_m = 150.5
synthetic_capacity_share = 0.2

[quake]
day = "holiday"
time = "09:05"

[population]
persons_per_agent = 12.5
share_work = 0.5
share_school = 0.1
share_shopping = 0.2
share_visitor = 0.1
share_transit = 0.1
elderly_share = 0.2
vulnerable_share = 0.05
home_direction_sd_deg = 30

[population.holiday]
work = 0.2
school = 0.0
shopping = 0.6
visitor = 0.1
transit = 0.1

[movement]
v0_mean = 1.3
v0_sd = 0.3
v_elderly = 0.8
v_elderly_sd = 0.1
v_child = 1.0
v_child_sd = 0.25
v_vulnerable = 0.7
gamma = 2.0
rho_max = 6.0
v_floor = 0.05
rho_jam = 10
night_factor = 0.75
stairs_factor = 0.5
night_start = "18:30"
night_end = "05:45"

[policy]
retention_share = 0.3
retention_hours = 48
school_retention = 0.9
release_spread_min = 45
guidance_compliance = 0.7

[[policy.release_wave]]
after_h = 6
share = 0.3

[[policy.release_wave]]
after_h = 24.5
share = 0.7

[behaviour]
departure_mean_min = 25
tired_km = 12
tired_stop_probability = 0.4
night_stop_probability = 0.5
resume_at = "06:30"
facility_search_m = 2500
retry_min = 15

[facilities]
opening_delay_min = 30
opening_delay_max = 90
priority_reserve = 0.1

[run]
duration_h = 36
step_s = 10
output_interval_s = 600

[routing]
home_cell_m = 1000

[seismic]
epicentre_x = -5537.25
epicentre_y = -36000.1
depth_km = 25
magnitude = 7.3
fault_type = "intraplate"
site_amplification = 2.3
intensity_raster = "../hazard/jshis_i.tif"
intensity_offset = -0.2
fault_length_km = 40.5
fault_width_km = 20
fault_strike_deg = 292
fault_dip_deg = 35

[blockage]
enabled = false
max_width_m = 12
rate_scale = 1.5
min_intensity = 5.5
collapse_median_pgv_cms = 180
half_collapse_median_pgv_cms = 95.5
fragility_beta = 0.45

[fire]
wind_speed_ms = 8
wind_from_deg = 315
ignition_rate_per_km2 = 0.7
cell_m = 150
spread_ms = 0.03
burn_h = 4.5
reopen_burnt = true
wind_factor_per_ms = 0.2
buildings_per_km_road = 80
catch_p = 0.05
ignition_window_min = 90
update_min = 2.5

[[fire.ignition]]
x = 100.25
y = -200

[[fire.ignition]]
x = -3
y = 4e3

[facility_failure]
fail_at_i6 = 0.1
fail_at_i7 = 0.4
delay_extra_min_per_intensity = 45

[[aftershock]]
at_min = 45
magnitude = 6.5
epicentre_x = 1000
epicentre_y = 2000
depth_km = 15
pause_min = 3

[[aftershock]]
at_min = 300
blockage = false

[[rail_line]]
name = "JR 中央線"
stations = ["Tokyo", "Shinjuku", "Nakano"]
resume_h = 30.5
station_catchment_m = 600
home_catchment_km = 2.5
extends_km = 35
capacity_per_h = 15000

[[rail_line]]
name = "Metro"
stations = ["Ginza"]
resume_h = -1

[optimiser]
period_min = 30
unserved_penalty_m = 15000
max_walk_m = 4000
compliance = 0.7

[[command]]
at_min = 30
type = "open_facility"
facility = 3

[[command]]
at_min = 60.5
type = "set_capacity"
facility = 4
value = 250

[[command]]
at_min = 90
type = "close_edge"
edge = 17

[[command]]
at_min = 120
type = "guidance"
facility = 2
value = 0.55
x = -1234.5
y = 0.1
radius_m = 800

[[command]]
at_min = 4320
type = "release_retained"

[[command]]
at_min = 46
type = "pause_walkers"
value = 180
x = 10
y = -20
radius_m = 5000

[[command]]
at_min = 47
type = "pause_walkers"
value = 60.5

[[command]]
at_min = 1830
type = "resume_rail"
value = 1
)";

void check_equal(const Scenario& a, const Scenario& b) {
  CHECK(a.name == b.name);
  CHECK(a.description == b.description);
  CHECK(a.seed == b.seed);
  CHECK(a.city.synthetic_radius_km == b.city.synthetic_radius_km);
  CHECK(a.city.synthetic_seed == b.city.synthetic_seed);
  CHECK(a.city.synthetic_capacity_share == b.city.synthetic_capacity_share);
  CHECK(a.city.network == b.city.network);
  CHECK(a.city.network_layer == b.city.network_layer);
  CHECK(a.city.crs_epsg == b.city.crs_epsg);
  CHECK(a.city.facilities == b.city.facilities);
  CHECK(a.city.stations == b.city.stations);
  CHECK(a.city.zones == b.city.zones);
  CHECK(a.city.population_csv == b.city.population_csv);
  CHECK(a.city.clip_margin_m == b.city.clip_margin_m);
  CHECK(a.city.facility_snap_max_m == b.city.facility_snap_max_m);
  CHECK(a.quake.day == b.quake.day);
  CHECK(a.quake.clock_s == b.quake.clock_s);
  const auto& p = a.population;
  const auto& q = b.population;
  CHECK(p.agents == q.agents);
  CHECK(p.persons_per_agent == q.persons_per_agent);
  CHECK(p.scale == q.scale);
  CHECK(p.share_work == q.share_work);
  CHECK(p.share_school == q.share_school);
  CHECK(p.share_shopping == q.share_shopping);
  CHECK(p.share_visitor == q.share_visitor);
  CHECK(p.share_transit == q.share_transit);
  CHECK(p.holiday_share_work == q.holiday_share_work);
  CHECK(p.holiday_share_school == q.holiday_share_school);
  CHECK(p.holiday_share_shopping == q.holiday_share_shopping);
  CHECK(p.holiday_share_visitor == q.holiday_share_visitor);
  CHECK(p.holiday_share_transit == q.holiday_share_transit);
  CHECK(p.elderly_share == q.elderly_share);
  CHECK(p.vulnerable_share == q.vulnerable_share);
  CHECK(p.home_direction_sd_deg == q.home_direction_sd_deg);
  const auto& m = a.movement;
  const auto& n = b.movement;
  CHECK(m.v0_mean == n.v0_mean);
  CHECK(m.v0_sd == n.v0_sd);
  CHECK(m.v_elderly == n.v_elderly);
  CHECK(m.v_elderly_sd == n.v_elderly_sd);
  CHECK(m.v_child == n.v_child);
  CHECK(m.v_child_sd == n.v_child_sd);
  CHECK(m.v_vulnerable == n.v_vulnerable);
  CHECK(m.gamma == n.gamma);
  CHECK(m.rho_max == n.rho_max);
  CHECK(m.v_floor == n.v_floor);
  CHECK(m.rho_jam == n.rho_jam);
  CHECK(m.night_factor == n.night_factor);
  CHECK(m.stairs_factor == n.stairs_factor);
  CHECK(m.night_start_clock_s == n.night_start_clock_s);
  CHECK(m.night_end_clock_s == n.night_end_clock_s);
  const auto& x = a.behaviour;
  const auto& y = b.behaviour;
  CHECK(x.departure_mean_min == y.departure_mean_min);
  CHECK(x.retention_share == y.retention_share);
  CHECK(x.retention_hours == y.retention_hours);
  CHECK(x.school_retention == y.school_retention);
  REQUIRE(x.release_waves.size() == y.release_waves.size());
  for (std::size_t i = 0; i < x.release_waves.size(); ++i) {
    CHECK(x.release_waves[i].after_h == y.release_waves[i].after_h);
    CHECK(x.release_waves[i].share == y.release_waves[i].share);
  }
  CHECK(x.release_spread_min == y.release_spread_min);
  CHECK(x.guidance_compliance == y.guidance_compliance);
  CHECK(x.tired_km == y.tired_km);
  CHECK(x.tired_stop_probability == y.tired_stop_probability);
  CHECK(x.night_stop_probability == y.night_stop_probability);
  CHECK(x.resume_clock_h == y.resume_clock_h);
  CHECK(x.facility_search_m == y.facility_search_m);
  CHECK(x.retry_min == y.retry_min);
  CHECK(a.facilities.opening_delay_min_min == b.facilities.opening_delay_min_min);
  CHECK(a.facilities.opening_delay_max_min == b.facilities.opening_delay_max_min);
  CHECK(a.facilities.priority_reserve == b.facilities.priority_reserve);
  CHECK(a.run.duration_h == b.run.duration_h);
  CHECK(a.run.step_s == b.run.step_s);
  CHECK(a.run.output_interval_s == b.run.output_interval_s);
  CHECK(a.routing.home_cell_m == b.routing.home_cell_m);
  const SeismicParams& sa = a.hazards.seismic;
  const SeismicParams& sb = b.hazards.seismic;
  CHECK(sa.enabled == sb.enabled);
  CHECK(sa.epicentre_x == sb.epicentre_x);
  CHECK(sa.epicentre_y == sb.epicentre_y);
  CHECK(sa.depth_km == sb.depth_km);
  CHECK(sa.magnitude == sb.magnitude);
  CHECK(sa.fault_type == sb.fault_type);
  CHECK(sa.site_amplification == sb.site_amplification);
  CHECK(sa.intensity_raster == sb.intensity_raster);
  CHECK(sa.intensity_offset == sb.intensity_offset);
  CHECK(sa.fault_length_km == sb.fault_length_km);
  CHECK(sa.fault_width_km == sb.fault_width_km);
  CHECK(sa.fault_strike_deg == sb.fault_strike_deg);
  CHECK(sa.fault_dip_deg == sb.fault_dip_deg);
  const BlockageParams& ba = a.hazards.blockage;
  const BlockageParams& bb = b.hazards.blockage;
  CHECK(ba.enabled == bb.enabled);
  CHECK(ba.max_width_m == bb.max_width_m);
  CHECK(ba.rate_scale == bb.rate_scale);
  CHECK(ba.min_intensity == bb.min_intensity);
  CHECK(ba.collapse_median_pgv_cms == bb.collapse_median_pgv_cms);
  CHECK(ba.half_collapse_median_pgv_cms == bb.half_collapse_median_pgv_cms);
  CHECK(ba.fragility_beta == bb.fragility_beta);
  const FireParams& fa = a.hazards.fire;
  const FireParams& fb = b.hazards.fire;
  CHECK(fa.enabled == fb.enabled);
  CHECK(fa.ignitions == fb.ignitions);
  CHECK(fa.ignition_rate_per_km2 == fb.ignition_rate_per_km2);
  CHECK(fa.wind_speed_ms == fb.wind_speed_ms);
  CHECK(fa.wind_from_deg == fb.wind_from_deg);
  CHECK(fa.cell_m == fb.cell_m);
  CHECK(fa.spread_ms == fb.spread_ms);
  CHECK(fa.burn_h == fb.burn_h);
  CHECK(fa.reopen_burnt == fb.reopen_burnt);
  CHECK(fa.wind_factor_per_ms == fb.wind_factor_per_ms);
  CHECK(fa.buildings_per_km_road == fb.buildings_per_km_road);
  CHECK(fa.catch_p == fb.catch_p);
  CHECK(fa.ignition_window_min == fb.ignition_window_min);
  CHECK(fa.update_min == fb.update_min);
  const FacilityFailureParams& ffa = a.hazards.facility_failure;
  const FacilityFailureParams& ffb = b.hazards.facility_failure;
  CHECK(ffa.enabled == ffb.enabled);
  CHECK(ffa.fail_at_i6 == ffb.fail_at_i6);
  CHECK(ffa.fail_at_i7 == ffb.fail_at_i7);
  CHECK(ffa.delay_extra_min_per_intensity == ffb.delay_extra_min_per_intensity);
  REQUIRE(a.hazards.aftershocks.size() == b.hazards.aftershocks.size());
  for (std::size_t i = 0; i < a.hazards.aftershocks.size(); ++i) {
    const Aftershock& x = a.hazards.aftershocks[i];
    const Aftershock& y = b.hazards.aftershocks[i];
    CHECK(x.at_min == y.at_min);
    CHECK(x.magnitude == y.magnitude);
    CHECK(x.epicentre_x == y.epicentre_x);
    CHECK(x.epicentre_y == y.epicentre_y);
    CHECK(x.depth_km == y.depth_km);
    CHECK(x.pause_min == y.pause_min);
    CHECK(x.blockage == y.blockage);
  }
  REQUIRE(a.hazards.rail_lines.size() == b.hazards.rail_lines.size());
  for (std::size_t i = 0; i < a.hazards.rail_lines.size(); ++i) {
    const RailLine& x = a.hazards.rail_lines[i];
    const RailLine& y = b.hazards.rail_lines[i];
    CHECK(x.name == y.name);
    CHECK(x.stations == y.stations);
    CHECK(x.resume_h == y.resume_h);
    CHECK(x.station_catchment_m == y.station_catchment_m);
    CHECK(x.home_catchment_km == y.home_catchment_km);
    CHECK(x.extends_km == y.extends_km);
    CHECK(x.capacity_per_h == y.capacity_per_h);
  }
  const OptimiserParams& oa = a.hazards.optimiser;
  const OptimiserParams& ob = b.hazards.optimiser;
  CHECK(oa.period_min == ob.period_min);
  CHECK(oa.unserved_penalty_m == ob.unserved_penalty_m);
  CHECK(oa.max_walk_m == ob.max_walk_m);
  CHECK(oa.compliance == ob.compliance);
  REQUIRE(a.commands.size() == b.commands.size());
  for (std::size_t i = 0; i < a.commands.size(); ++i) {
    const Command& c = a.commands[i];
    const Command& d = b.commands[i];
    CHECK(c.time_s == d.time_s);
    CHECK(c.seq == d.seq);
    CHECK(c.type == d.type);
    CHECK(c.facility == d.facility);
    CHECK(c.edge == d.edge);
    CHECK(c.value == d.value);
    CHECK(c.x == d.x);
    CHECK(c.y == d.y);
    CHECK(c.radius_m == d.radius_m);
    CHECK(c.source == d.source);
  }
}

// The error for `body` added to a valid synthetic [city] (so line N counts from line 3).
std::string error_with_city(const std::string& body) {
  return error_of("[city]\nsynthetic_radius_km = 5\n" + body);
}

}  // namespace

TEST_CASE("the default scenario is the documented demo") {
  const auto s = load_scenario(std::string(KITAKU_SOURCE_DIR) + "/scenarios/default.toml");
  CHECK(s.city.synthetic_seed == 1);
  CHECK(s.quake.day == DayType::kWeekday);
  CHECK(s.quake.clock_s == 14 * 3600 + 46 * 60);
  CHECK(s.population.agents == 100000);
  CHECK(s.run.duration_h == 12);
  CHECK(s.run.step_s == 5);
  CHECK(s.run.output_interval_s == 300);
  CHECK(s.behaviour.retention_share == 0.3);
  CHECK(s.behaviour.retention_hours == 72);
}

TEST_CASE("missing tables keep the header's defaults") {
  const auto s = parse_scenario("[city]\nsynthetic_radius_km = 5\n", "s.toml", "/base");
  Scenario d;
  d.city.synthetic_radius_km = 5;
  check_equal(s, d);
  CHECK(s.population.agents == 100000);
  CHECK(s.movement.gamma == 1.913);
  CHECK(s.commands.empty());
}

TEST_CASE("a scenario with every table parses to the values given") {
  const auto s = parse_scenario(kFull, "full.toml", "/data/scen");
  CHECK(s.name == "full");
  CHECK(s.seed == 7);
  CHECK_FALSE(s.city.synthetic());
  CHECK(s.city.network == "/data/scen/roads.osm");
  CHECK(s.city.network_layer == "lines");
  CHECK(s.city.crs_epsg == 6677);
  CHECK(s.city.zones == "/data/scen/mesh.geojson");
  CHECK(s.city.population_csv == "/data/pop/mesh.csv");
  CHECK(s.city.clip_margin_m == 300);
  CHECK(s.city.facility_snap_max_m == 150.5);
  CHECK(s.city.synthetic_capacity_share == 0.2);
  CHECK(s.quake.day == DayType::kHoliday);
  CHECK(s.quake.clock_s == 9 * 3600 + 5 * 60);
  CHECK(s.population.agents == 0);
  CHECK(s.population.persons_per_agent == 12.5);
  CHECK(s.population.share_work == 0.5);
  CHECK(s.population.share_transit == 0.1);
  CHECK(s.population.holiday_share_shopping == 0.6);
  CHECK(s.population.holiday_share_school == 0.0);
  CHECK(s.population.home_direction_sd_deg == 30);
  CHECK(s.movement.v_child_sd == 0.25);
  CHECK(s.movement.rho_jam == 10);
  CHECK(s.movement.night_start_clock_s == 18 * 3600 + 30 * 60);
  CHECK(s.movement.night_end_clock_s == 5 * 3600 + 45 * 60);
  CHECK(s.behaviour.retention_share == 0.3);
  CHECK(s.behaviour.retention_hours == 48);
  CHECK(s.behaviour.school_retention == 0.9);
  CHECK(s.behaviour.release_spread_min == 45);
  CHECK(s.behaviour.guidance_compliance == 0.7);
  REQUIRE(s.behaviour.release_waves.size() == 2);
  CHECK(s.behaviour.release_waves[1].after_h == 24.5);
  CHECK(s.behaviour.release_waves[1].share == 0.7);
  CHECK(s.behaviour.departure_mean_min == 25);
  CHECK(s.behaviour.resume_clock_h == 6.5);
  CHECK(s.behaviour.retry_min == 15);
  CHECK(s.facilities.opening_delay_min_min == 30);
  CHECK(s.facilities.opening_delay_max_min == 90);
  CHECK(s.facilities.priority_reserve == 0.1);
  CHECK(s.run.duration_h == 36);
  CHECK(s.run.step_s == 10);
  CHECK(s.run.output_interval_s == 600);
  CHECK(s.routing.home_cell_m == 1000);
  const HazardParams& h = s.hazards;
  CHECK(h.seismic.enabled);
  CHECK(h.seismic.epicentre_x == -5537.25);
  CHECK(h.seismic.fault_type == "intraplate");
  CHECK(h.seismic.intensity_raster == "/data/hazard/jshis_i.tif");
  CHECK(h.seismic.fault_dip_deg == 35);
  CHECK_FALSE(h.blockage.enabled);
  CHECK(h.blockage.half_collapse_median_pgv_cms == 95.5);
  CHECK(h.fire.enabled);
  CHECK(h.fire.ignitions == std::vector<Point>{{100.25, -200}, {-3, 4000}});
  CHECK(h.fire.reopen_burnt);
  CHECK(h.fire.ignition_window_min == 90);
  CHECK(h.facility_failure.enabled);
  CHECK(h.facility_failure.fail_at_i7 == 0.4);
  REQUIRE(h.aftershocks.size() == 2);
  CHECK(h.aftershocks[0].epicentre_y == 2000);
  CHECK(h.aftershocks[1].magnitude == 6.0);  // default
  CHECK_FALSE(h.aftershocks[1].blockage);
  REQUIRE(h.rail_lines.size() == 2);
  CHECK(h.rail_lines[0].name == "JR 中央線");
  CHECK(h.rail_lines[0].stations.size() == 3);
  CHECK(h.rail_lines[1].resume_h == -1);
  CHECK(h.optimiser.compliance == 0.7);

  REQUIRE(s.commands.size() == 8);
  const auto& c = s.commands;
  CHECK(c[0].type == CommandType::kOpenFacility);
  CHECK(c[0].time_s == 1800);
  CHECK(c[0].facility == make_id<ShelterId>(3));
  CHECK(c[0].edge == kNoEdge);
  CHECK(c[1].type == CommandType::kSetCapacity);
  CHECK(c[1].time_s == 3630);
  CHECK(c[1].value == 250);
  CHECK(c[2].type == CommandType::kCloseEdge);
  CHECK(c[2].edge == make_id<EdgeId>(17));
  CHECK(c[2].facility == kNoShelter);
  CHECK(c[3].type == CommandType::kGuidance);
  CHECK(c[3].value == 0.55);
  CHECK(c[3].x == -1234.5);
  CHECK(c[3].y == 0.1);
  CHECK(c[3].radius_m == 800);
  CHECK(c[4].type == CommandType::kReleaseRetained);
  CHECK(c[4].time_s == 4320 * 60);
  CHECK(c[4].value == 1.0);
  CHECK(c[4].radius_m == 0);
  CHECK(c[5].type == CommandType::kPauseWalkers);
  CHECK(c[5].value == 180);
  CHECK(c[5].radius_m == 5000);
  CHECK(c[6].value == 60.5);
  CHECK(c[6].radius_m == 0);
  CHECK(c[7].type == CommandType::kResumeRail);
  CHECK(c[7].value == 1);
  for (std::size_t i = 0; i < c.size(); ++i) {
    CHECK(c[i].seq == i);
    CHECK(c[i].source == "scenario");
  }
}

TEST_CASE("to_toml writes a scenario that parses back to the same fields") {
  SUBCASE("every table") {
    const auto s = parse_scenario(kFull, "full.toml", "/data/scen");
    const std::string text = to_toml(s);
    const auto back = parse_scenario(text, "back.toml", "/elsewhere");
    check_equal(s, back);
    CHECK(to_toml(back) == text);
  }
  SUBCASE("awkward values, a synthetic city and agents") {
    Scenario s;
    s.name = "quote \" backslash \\ tab \t 帰宅";
    s.description = "two\nlines";
    s.seed = 1234567890123ull;
    s.city.synthetic_radius_km = 7.3;
    s.city.synthetic_seed = 99;
    s.city.synthetic_capacity_share = 0.1 + 0.2;
    s.quake.clock_s = 23 * 3600 + 59 * 60 + 30;
    s.population.agents = 123457;
    s.movement.gamma = 1.0 / 3.0;
    s.movement.v0_mean = 1.34000000000000007;
    s.behaviour.resume_clock_h = 7.25;
    s.behaviour.release_waves = {{0.1, 0.2}, {1.0 / 3.0, 0.4}};
    s.run.duration_h = 1e-3;
    Command c;
    c.type = CommandType::kReleaseRetained;
    c.time_s = 61;
    c.value = 0.3;
    c.x = 1e5 / 7;
    c.y = -2.5;
    c.radius_m = 0.0;
    c.source = "scenario";
    s.commands = {c};
    const auto back = parse_scenario(to_toml(s), "back.toml", "/x");
    check_equal(s, back);
    CHECK(back.city.network.empty());
    CHECK(back.city.facilities.empty());
    CHECK(back.city.zones.empty());
  }
  SUBCASE("the default scenario") {
    const auto s = load_scenario(std::string(KITAKU_SOURCE_DIR) + "/scenarios/default.toml");
    check_equal(s, parse_scenario(to_toml(s), "back.toml", "/x"));
  }
}

TEST_CASE("every table refuses unknown keys, wrong types and out-of-range values") {
  CHECK(error_with_city("[quake]\nday = \"weekday\"\nhour = 3\n") == "s.toml: line 5: [quake] hour: unknown key");
  CHECK(error_with_city("[population]\nagents = 5\nkids = 1\n") == "s.toml: line 5: [population] kids: unknown key");
  CHECK(error_with_city("[population.holiday]\nwork = 0.25\nsleep = 1\n") ==
        "s.toml: line 5: [population.holiday] sleep: unknown key");
  CHECK(error_with_city("[movement]\nspeed = 1\n") == "s.toml: line 4: [movement] speed: unknown key");
  CHECK(error_with_city("[policy]\nretention = 1\n") == "s.toml: line 4: [policy] retention: unknown key");
  CHECK(error_with_city("[[policy.release_wave]]\nafter_h = 1\nshare = 0.5\nwho = 1\n") ==
        "s.toml: line 6: [policy.release_wave] who: unknown key");
  CHECK(error_with_city("[behaviour]\npanic = 1\n") == "s.toml: line 4: [behaviour] panic: unknown key");
  CHECK(error_with_city("[facilities]\nopening_delay = 1\n") ==
        "s.toml: line 4: [facilities] opening_delay: unknown key");
  CHECK(error_with_city("[run]\nthreads = 4\n") == "s.toml: line 4: [run] threads: unknown key");
  CHECK(error_with_city("[routing]\nalgorithm = \"a*\"\n") == "s.toml: line 4: [routing] algorithm: unknown key");
  CHECK(error_with_city("clip = 3\n") == "s.toml: line 3: [city] clip: unknown key");

  CHECK(error_with_city("[population]\nagents = 1.5\n") == "s.toml: line 4: [population] agents: must be an integer");
  CHECK(error_with_city("[run]\nstep_s = 2.5\n") == "s.toml: line 4: [run] step_s: must be an integer");
  CHECK(error_with_city("[movement]\ngamma = \"high\"\n") == "s.toml: line 4: [movement] gamma: must be a number");
  CHECK(error_with_city("[quake]\nday = 1\n") == "s.toml: line 4: [quake] day: must be a string");
  CHECK(error_with_city("[quake]\nday = \"sunday\"\n") ==
        "s.toml: line 4: [quake] day: must be \"weekday\" or \"holiday\", got \"sunday\"");
  CHECK(error_with_city("policy = 3\n") == "s.toml: line 3: [city] policy: unknown key");
  CHECK(error_of("policy = 3\n[city]\nsynthetic_radius_km = 5\n") == "s.toml: line 1: policy: must be a table");
  CHECK(error_with_city("[policy]\nrelease_wave = 3\n") ==
        "s.toml: line 4: [policy] release_wave: must be an array of tables ([[release_wave]])");

  CHECK(error_with_city("[population]\nagents = 0\n") ==
        "s.toml: line 4: [population] agents: must be in [1, 50000000], got 0");
  CHECK(error_with_city("[population]\npersons_per_agent = 0\n") ==
        "s.toml: line 4: [population] persons_per_agent: must be > 0, got 0");
  CHECK(error_with_city("[population]\nscale = 0\n") ==
        "s.toml: line 4: [population] scale: must be in (0, 10], got 0");
  CHECK(error_with_city("[population]\nelderly_share = 1.5\n") ==
        "s.toml: line 4: [population] elderly_share: must be in [0, 1], got 1.5");
  CHECK(error_with_city("[movement]\nv0_mean = 5\n") ==
        "s.toml: line 4: [movement] v0_mean: must be in [0.3, 3], got 5");
  CHECK(error_with_city("[movement]\nrho_jam = 13\n") ==
        "s.toml: line 4: [movement] rho_jam: must be in [3.8, 12], got 13");
  CHECK(error_with_city("[movement]\nrho_jam = 5\n").find(
            "line 4: [movement] rho_jam: must be at least 6 so that the danger density of 6 persons/m2 can occur") !=
        std::string::npos);
  CHECK(error_with_city("[policy]\nretention_hours = 400\n") ==
        "s.toml: line 4: [policy] retention_hours: must be in [0, 336], got 400");
  CHECK(error_with_city("[[policy.release_wave]]\nafter_h = 1\nshare = 0\n") ==
        "s.toml: line 5: [policy.release_wave] share: must be in (0, 1], got 0");
  CHECK(error_with_city("[behaviour]\nfacility_search_m = 50\n") ==
        "s.toml: line 4: [behaviour] facility_search_m: must be in [100, 50000], got 50");
  CHECK(error_with_city("[facilities]\npriority_reserve = 0.6\n") ==
        "s.toml: line 4: [facilities] priority_reserve: must be in [0, 0.5], got 0.6");
  CHECK(error_with_city("[facilities]\nopening_delay_min = 200\nopening_delay_max = 100\n") ==
        "s.toml: line 5: [facilities] opening_delay_max: must not be less than opening_delay_min (200), got 100");
  CHECK(error_with_city("[facilities]\nopening_delay_min = 200\n") ==
        "s.toml: line 4: [facilities] opening_delay_min: must not exceed opening_delay_max (180), got 200");
  CHECK(error_with_city("[run]\nduration_h = 0\n") == "s.toml: line 4: [run] duration_h: must be in (0, 336], got 0");
  CHECK(error_with_city("[run]\nstep_s = 61\n") == "s.toml: line 4: [run] step_s: must be in [1, 60], got 61");
  CHECK(error_with_city("[routing]\nhome_cell_m = 100\n") ==
        "s.toml: line 4: [routing] home_cell_m: must be in [250, 20000], got 100");
  CHECK(error_with_city("synthetic_capacity_share = 0\n") ==
        "s.toml: line 3: [city] synthetic_capacity_share: must be in (0, 1], got 0");
  CHECK(error_with_city("clip_margin_m = -1\n") == "s.toml: line 3: [city] clip_margin_m: must be >= 0, got -1");
  CHECK(error_with_city("facility_snap_max_m = 0\n") ==
        "s.toml: line 3: [city] facility_snap_max_m: must be > 0, got 0");
}

TEST_CASE("city checks: population_csv needs a network and zones") {
  CHECK(error_with_city("population_csv = \"p.csv\"\n") ==
        "s.toml: line 3: [city] population_csv: only with network (a synthetic city brings its own layers)");
  CHECK(error_with_city("facilities = \"f.csv\"\n").find("line 3: [city] facilities: only with network") !=
        std::string::npos);
  CHECK(error_of("[city]\nnetwork = \"n.osm\"\npopulation_csv = \"p.csv\"\n") ==
        "s.toml: line 3: [city] population_csv: needs zones (the 1 km mesh polygons the CSV's mesh ids refer to)");
}

TEST_CASE("city checks: the metropolis takes its 1 km mesh, and only the metropolis does") {
  const auto s = parse_scenario("[city]\nsynthetic_radius_km = 30\nsynthetic_kind = \"metropolis\"\n"
                                "zones = \"../pop/mesh.geojson\"\npopulation_csv = \"../pop/mesh.csv\"\n",
                                "s.toml", "/data/scen");
  CHECK(s.city.synthetic_kind == "metropolis");
  CHECK(s.city.zones == "/data/pop/mesh.geojson");
  CHECK(s.city.population_csv == "/data/pop/mesh.csv");
  // Written out and read back, the run's scenario.toml names the same mesh.
  const auto again = parse_scenario(to_toml(s), "again.toml", "/elsewhere");
  CHECK(again.city.synthetic_kind == "metropolis");
  CHECK(again.city.zones == s.city.zones);
  CHECK(again.city.population_csv == s.city.population_csv);
  CHECK(parse_scenario("[city]\nsynthetic_radius_km = 5\n", "s.toml", "/base").city.synthetic_kind == "circle");

  CHECK(error_with_city("synthetic_kind = \"tokyo\"\n") ==
        "s.toml: line 3: [city] synthetic_kind: must be \"circle\" or \"metropolis\", got \"tokyo\"");
  CHECK(error_with_city("synthetic_kind = \"metropolis\"\nzones = \"m.geojson\"\n") ==
        "s.toml: line 1: [city] population_csv: synthetic_kind = \"metropolis\" needs zones (the 1 km mesh polygons) "
        "and population_csv (the MLIT CSV)");
  CHECK(error_with_city("synthetic_kind = \"metropolis\"\nzones = \"m.geojson\"\npopulation_csv = \"p.csv\"\n"
                        "facilities = \"f.csv\"\n")
            .find("line 6: [city] facilities: only with network (the metropolis takes zones and population_csv only") !=
        std::string::npos);
  CHECK(error_of("[city]\nnetwork = \"n.osm\"\nsynthetic_kind = \"metropolis\"\n") ==
        "s.toml: line 3: [city] synthetic_kind: only with synthetic_radius_km (a network file is a real city)");
}

TEST_CASE("shares, waves, agents, output interval and clock times are checked together") {
  const std::string shares = error_with_city("[population]\nshare_work = 0.5\n");
  CHECK(shares.find("s.toml: line 3: [population] share_work + share_school") == 0);
  CHECK(shares.find("must sum to 1") != std::string::npos);
  CHECK(shares.find("got 0.9") != std::string::npos);
  const std::string holiday = error_with_city("[population.holiday]\nwork = 0.3\ntransit = 0.3\n");
  CHECK(holiday.find("s.toml: line 3: [population.holiday] work + school") == 0);
  CHECK(holiday.find("got 1.2") != std::string::npos);
  CHECK(error_with_city("[population]\nshare_work = 0.5\nshare_shopping = 0.3\n") == "no error");

  CHECK(error_with_city("[population]\nagents = 10\npersons_per_agent = 5\n") ==
        "s.toml: line 5: [population] persons_per_agent: give agents or persons_per_agent, not both");

  CHECK(error_with_city("[[policy.release_wave]]\nafter_h = 24\nshare = 0.5\n"
                        "[[policy.release_wave]]\nafter_h = 12\nshare = 0.2\n") ==
        "s.toml: line 7: [policy.release_wave] after_h: waves must come in increasing after_h, got 12 after 24");
  CHECK(error_with_city("[[policy.release_wave]]\nafter_h = 24\nshare = 0.6\n"
                        "[[policy.release_wave]]\nafter_h = 48\nshare = 0.5\n") ==
        "s.toml: line 8: [policy.release_wave] share: the waves' shares must sum to at most 1, got 1.1");
  CHECK(error_with_city("[[policy.release_wave]]\nafter_h = 24\n") ==
        "s.toml: line 3: [policy.release_wave] share: missing");
  CHECK(error_with_city("[[policy.release_wave]]\nafter_h = 24\nshare = 0.7\n"
                        "[[policy.release_wave]]\nafter_h = 48\nshare = 0.3\n") == "no error");

  CHECK(error_with_city("[run]\nstep_s = 10\noutput_interval_s = 25\n") ==
        "s.toml: line 5: [run] output_interval_s: output_interval_s must be a multiple of step_s (10), got 25");
  CHECK(error_with_city("[run]\nstep_s = 7\n") ==
        "s.toml: line 4: [run] step_s: output_interval_s must be a multiple of step_s (7), got 300");
  CHECK(error_with_city("[run]\nstep_s = 10\noutput_interval_s = 5\n").find("multiple of step_s") !=
        std::string::npos);
  CHECK(error_with_city("[run]\noutput_interval_s = 90000\n") ==
        "s.toml: line 4: [run] output_interval_s: must be in [1, 86400], got 90000");

  CHECK(error_with_city("[quake]\ntime = \"24:00\"\n") ==
        "s.toml: line 4: [quake] time: must be a clock time \"HH:MM\" from 00:00 to 23:59, got \"24:00\"");
  for (const char* bad : {"9:05", "09:60", "0905", "09:05 ", "ab:cd", ""})
    CHECK(error_with_city(std::string("[movement]\nnight_start = \"") + bad + "\"\n")
              .find("line 4: [movement] night_start: must be a clock time") != std::string::npos);
  CHECK(error_with_city("[behaviour]\nresume_at = 6\n") == "s.toml: line 4: [behaviour] resume_at: must be a string");
  CHECK(parse_scenario("[city]\nsynthetic_radius_km = 5\n[quake]\ntime = \"00:00\"\n", "s", "/").quake.clock_s == 0);
  CHECK(parse_scenario("[city]\nsynthetic_radius_km = 5\n[quake]\ntime = \"23:59\"\n", "s", "/").quake.clock_s ==
        86340);
}

TEST_CASE("[[command]] entries: each type takes exactly its keys") {
  CHECK(error_with_city("[[command]]\nat_min = 5\n") == "s.toml: line 3: [command] type: missing");
  CHECK(error_with_city("[[command]]\ntype = \"open_facility\"\nfacility = 1\n") ==
        "s.toml: line 3: [command] at_min: missing");
  CHECK(error_with_city("[[command]]\nat_min = 5\ntype = \"close_edge\"\n") ==
        "s.toml: line 3: [command] edge: missing (close_edge needs it)");
  CHECK(error_with_city("[[command]]\nat_min = 5\ntype = \"close_edge\"\nedge = 3\nfacility = 2\n") ==
        "s.toml: line 7: [command] facility: unknown key for type close_edge");
  CHECK(error_with_city("[[command]]\nat_min = 5\ntype = \"open_facility\"\nfacility = 2\nvalue = 1\n") ==
        "s.toml: line 7: [command] value: unknown key for type open_facility");
  CHECK(error_with_city("[[command]]\nat_min = 5\ntype = \"explode\"\n").find(
            "s.toml: line 5: [command] type: unknown command type \"explode\"") == 0);
  CHECK(error_with_city("[[command]]\nat_min = -1\ntype = \"open_facility\"\nfacility = 1\n") ==
        "s.toml: line 4: [command] at_min: must be in [0, 20160], got -1");
  CHECK(error_with_city("[[command]]\nat_min = 5\ntype = \"open_facility\"\nfacility = -1\n").find(
            "line 6: [command] facility: must be in [0,") != std::string::npos);
  CHECK(error_with_city("[[command]]\nat_min = 5\ntype = \"guidance\"\nfacility = 1\nvalue = 0.5\nx = 1\ny = 2\n") ==
        "s.toml: line 3: [command] radius_m: missing (guidance needs it)");
  // Guidance without a value uses [policy] guidance_compliance.
  {
    const auto g = kitaku::parse_scenario(
        "[city]\nsynthetic_radius_km = 3\n[policy]\nguidance_compliance = 0.25\n"
        "[[command]]\nat_min = 5\ntype = \"guidance\"\nfacility = 1\nx = 1\ny = 2\nradius_m = 5\n",
        "s.toml", ".");
    REQUIRE(g.commands.size() == 1);
    CHECK(g.commands[0].value == 0.25);
  }
  CHECK(error_with_city("[[command]]\nat_min = 5\ntype = \"set_capacity\"\nfacility = 1\nvalue = -3\n") ==
        "s.toml: line 7: [command] value: must be >= 0, got -3");
  CHECK(error_with_city("[[command]]\nat_min = 5\ntype = \"release_retained\"\nradius_m = 100\n") ==
        "s.toml: line 3: [command] x: missing (release_retained needs it)");
  CHECK(error_with_city("[[command]]\nat_min = 5\ntype = \"release_retained\"\nvalue = 1.5\n") ==
        "s.toml: line 6: [command] value: must be in [0, 1], got 1.5");
  CHECK(error_with_city("command = 3\n") == "s.toml: line 3: [city] command: unknown key");
  CHECK(error_of("command = 3\n[city]\nsynthetic_radius_km = 5\n") ==
        "s.toml: line 1: command: must be an array of tables ([[command]])");

  const auto s = parse_scenario("[city]\nsynthetic_radius_km = 5\n"
                                "[[command]]\nat_min = 0.0083\ntype = \"reopen_edge\"\nedge = 4\n"
                                "[[command]]\nat_min = 10\ntype = \"release_retained\"\nvalue = 0.25\n"
                                "x = 10\ny = 20\nradius_m = 300\n",
                                "s.toml", "/");
  REQUIRE(s.commands.size() == 2);
  CHECK(s.commands[0].time_s == 0);  // llround(0.498 s)
  CHECK(s.commands[0].edge == make_id<EdgeId>(4));
  CHECK(s.commands[1].seq == 1);
  CHECK(s.commands[1].value == 0.25);
  CHECK(s.commands[1].radius_m == 300);
}

TEST_CASE("the real Tokyo Ginza scenario points at the shared data") {
  const auto s = load_scenario(std::string(KITAKU_SOURCE_DIR) + "/scenarios/tokyo_ginza_real.toml");
  CHECK_FALSE(s.city.synthetic());
  CHECK(s.population.persons_per_agent == 20);
  CHECK(s.population.agents == 0);
  CHECK(s.city.clip_margin_m == 300);
  CHECK(s.quake.day == DayType::kWeekday);
  CHECK(s.quake.clock_s == 14 * 3600 + 46 * 60);
  CHECK(s.run.duration_h == 6);
  const std::pair<std::string, std::string> files[] = {
      {s.city.network, "osm/crowdwalk_ginza/ginza00.map.xml"},
      {s.city.facilities, "shelters/tokyo_metro_temporary_stay_facilities_geocoded.csv"},
      {s.city.stations, "population/stations_passenger_S12-22_east_tokyo_chiba_partial.json"},
      {s.city.zones, "population/tokyo_mesh1km_polygons_epsg6668.geojson"},
      {s.city.population_csv, "population/tokyo_mlit_jinryu_mesh1km_2019-10.csv"}};
  // The scenario names the repository's sibling ../shared/data, whatever $KITAKU_SHARED_DATA says.
  const std::string shared = std::filesystem::path(std::string(KITAKU_SOURCE_DIR) + "/../shared/data")
                                 .lexically_normal().string();
  for (const auto& [path, rel] : files) {
    CHECK(path == shared + "/" + rel);
    if (test::shared_data(rel)) CHECK_MESSAGE(std::filesystem::exists(path), path);
  }
}

TEST_CASE("the complete example in docs/scenario-format.md parses") {
  std::ifstream in(std::string(KITAKU_SOURCE_DIR) + "/docs/scenario-format.md");
  REQUIRE(in);
  const std::string doc((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  const auto begin = doc.rfind("```toml\n");
  REQUIRE(begin != std::string::npos);
  const auto end = doc.find("```", begin + 8);
  REQUIRE(end != std::string::npos);
  const auto s = parse_scenario(doc.substr(begin + 8, end - begin - 8), "example.toml", "/");
  CHECK(s.behaviour.release_waves.size() == 2);
  CHECK(s.commands.size() == 3);
  CHECK(s.run.duration_h == 36);
}

TEST_CASE("every scenario shipped in scenarios/ and bench/ parses") {
  namespace fs = std::filesystem;
  int n = 0;
  for (const char* dir : {"/scenarios", "/bench"})
    for (const auto& e : fs::directory_iterator(std::string(KITAKU_SOURCE_DIR) + dir)) {
      if (e.path().extension() != ".toml") continue;
      const std::string path = e.path().string();
      CAPTURE(path);
      CHECK_NOTHROW(load_scenario(e.path().string()));
      ++n;
    }
  CHECK(n >= 4);
  // The drill example scripts one of each drill inject.
  const auto drill = load_scenario(std::string(KITAKU_SOURCE_DIR) + "/scenarios/drill_example.toml");
  std::set<CommandType> types;
  for (const auto& c : drill.commands) types.insert(c.type);
  CHECK(types.count(CommandType::kCloseArea) == 1);
  CHECK(types.count(CommandType::kDamageFacility) == 1);
  CHECK(types.count(CommandType::kReopenArea) == 1);
}

TEST_CASE("[population] source: zones, trips or crowdwalk, each with its file") {
  CHECK(error_with_city("[population]\nsource = \"sumo\"\n") ==
        "s.toml: line 4: [population] source: must be \"zones\", \"trips\" or \"crowdwalk\", got \"sumo\"");
  CHECK(error_with_city("[population]\nsource = \"trips\"\n") ==
        "s.toml: line 4: [population] source: source = \"trips\" needs trips = \"FILE\"");
  CHECK(error_with_city("[population]\nsource = \"crowdwalk\"\n") ==
        "s.toml: line 4: [population] source: source = \"crowdwalk\" needs generation = \"FILE.gen.json\"");
  CHECK(error_with_city("[population]\nsource = \"trips\"\ntrips = \"t.csv\"\nscale = 0.5\n") ==
        "s.toml: line 6: [population] scale: only with source = \"zones\" (a trips or generation file gives its own people)");
  CHECK(error_with_city("[population]\ntrips = \"t.csv\"\n") ==
        "s.toml: line 4: [population] trips: only with source = \"trips\"");
  CHECK(error_with_city("[population]\nsource = \"trips\"\ntrips = \"t.csv\"\nagents = 5\n") ==
        "s.toml: line 6: [population] agents: the trips file says how many agents; give persons_per_agent (default 1) "
        "instead");
  const Scenario s = parse_scenario("[city]\nsynthetic_radius_km = 5\n[population]\nsource = \"trips\"\n"
                                    "trips = \"t.csv\"\npersons_per_agent = 2\n",
                                    "s.toml", "/data");
  CHECK(s.population.trips == "/data/t.csv");
  CHECK(s.population.agents == 0);
  CHECK(s.routing.home_cell_m == kTripHomeCellM);  // trips end at places
  const Scenario back = parse_scenario(to_toml(s), "back.toml", "/elsewhere");
  CHECK(back.population.source == "trips");
  CHECK(back.population.trips == "/data/t.csv");
  CHECK(back.population.persons_per_agent == 2);
  CHECK(back.routing.home_cell_m == kTripHomeCellM);
  const Scenario z = parse_scenario("[city]\nsynthetic_radius_km = 5\n", "s.toml", ".");
  CHECK(z.population.source == "zones");
  CHECK(z.routing.home_cell_m == 2000);
}
