// Rail recovery, aftershock pauses and the hazard plan in the simulation
// (docs/model.md, "Rail"): a resumed line carries agents near its stations, then sheltered
// agents whose home it serves, away at its capacity; walkers stand still during a
// pause; blocked roads, failed facilities and fires from the plan take effect.
#include <doctest/doctest.h>

#include <algorithm>
#include <cmath>
#include <string>
#include <vector>

#include "kitaku/sim/error.hpp"
#include "kitaku/sim/hazards.hpp"
#include "kitaku/sim/simulation.hpp"
#include "kitaku/sim/snapshot.hpp"
#include "grid.hpp"

using namespace kitaku;

namespace {

// An 11 x 11 grid of 100 m blocks (0..1000 m), 4 m streets. Node (x, y) has id
// y * 11 + x and stands at (100 x, 100 y). Stations West, Centre and East lie on
// the middle row; one facility stands in the north-west corner.
struct RailCity {
  Network net;
  City city;
};

std::uint32_t node_at(int x, int y) { return static_cast<std::uint32_t>(y * 11 + x); }

RailCity rail_city() {
  RailCity c{Network(test::grid_network(11, 100.0, 4.0f)), {}};
  for (const auto& [name, p] : {std::pair<const char*, Point>{"West", {0, 500}}, {"Centre", {500, 500}}, {"East", {1000, 500}}}) {
    Station s;
    s.name = name;
    s.pos = p;
    s.daily_riders = 100000;
    c.city.stations.push_back(s);
  }
  Facility f;
  f.name = "Shelter";
  f.pos = {0, 1000};
  f.capacity = 1000;
  c.city.facilities.push_back(f);
  return c;
}

RailLine east_line() {
  RailLine l;
  l.name = "East line";
  l.stations = {"Centre", "East"};  // runs on east from East for 40 km
  l.resume_h = 0.25;                // 900 s
  l.station_catchment_m = 150;
  l.home_catchment_km = 3;
  l.extends_km = 40;
  l.capacity_per_h = 720;           // 720 x 5 s / 3600 = one person per step
  return l;
}

Scenario rail_scenario() {
  Scenario sc;
  sc.name = "rail";
  sc.origin = "<test>";
  sc.run.step_s = 5;
  sc.run.duration_h = 0.5;
  sc.run.output_interval_s = 60;
  sc.facilities.opening_delay_min_min = 0;
  sc.facilities.opening_delay_max_min = 0;
  sc.behaviour.tired_stop_probability = 0;
  sc.behaviour.night_stop_probability = 0;
  sc.behaviour.departure_mean_min = 1e-6;  // whoever sets off does so in the first step
  sc.behaviour.retention_share = 0;
  sc.behaviour.school_retention = 0;
  sc.behaviour.stay_if_stranded = 1;       // stranded workers stay at work
  sc.routing.home_cell_m = 250;
  sc.quake.clock_s = 12 * 3600;
  sc.movement.v_floor = 0.01;  // let E creep at 0.02 m/s
  sc.hazards.rail_lines = {east_line()};
  return sc;
}

void add_agents(Population& p, const Network& net, std::uint32_t node, Point home, float home_km, Activity act,
                float v, int n) {
  for (int i = 0; i < n; ++i) {
    p.origin.push_back(NodeId{node});
    p.pos.push_back(net.pos(NodeId{node}));
    p.home.push_back(home);
    p.home_km.push_back(home_km);
    p.activity.push_back(act);
    p.age.push_back(AgeGroup::kAdult);
    p.vulnerable.push_back(0);
    p.v_free.push_back(v);
    p.zone.push_back(0);
  }
  p.persons_total += n;
}

// Agents 0-9 (A): workers at Centre, home 25 km east (served), staying.
// 10-14 (B): workers at Centre, home 25 km north (not served), staying.
// 15-19 (C): workers in the south-west corner, home served but far from a station.
// 20-27 (D): shoppers in the north-west corner, home served, stranded: sheltered.
// 28-30 (E): shoppers at Centre walking home 8 km east at 0.02 m/s: on an edge
//            next to Centre when the line resumes, and still short of its end
//            when they board.
Population rail_population(const Network& net) {
  Population p;
  p.persons_per_agent = 1;
  add_agents(p, net, node_at(5, 5), {25000, 1500}, 25, Activity::kWork, 1.34f, 10);
  add_agents(p, net, node_at(5, 5), {500, 25500}, 25, Activity::kWork, 1.34f, 5);
  add_agents(p, net, node_at(0, 0), {25000, 1000}, 25, Activity::kWork, 1.34f, 5);
  add_agents(p, net, node_at(0, 10), {25000, 2000}, 25, Activity::kShopping, 1.34f, 8);
  add_agents(p, net, node_at(5, 5), {8500, 500}, 8, Activity::kShopping, 0.02f, 3);
  return p;
}

std::int64_t count(const TimeseriesRow& r, AgentState s) { return r.state[static_cast<std::size_t>(s)]; }

bool same_rows(const std::vector<TimeseriesRow>& a, const std::vector<TimeseriesRow>& b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    const auto &x = a[i], &y = b[i];
    if (x.time_s != y.time_s || x.state != y.state || x.persons_sheltered != y.persons_sheltered ||
        x.persons_ge4 != y.persons_ge4 || x.persons_walking != y.persons_walking || x.km_ge6 != y.km_ge6 ||
        x.facilities_open != y.facilities_open || x.facilities_full != y.facilities_full)
      return false;
  }
  return true;
}

}  // namespace

TEST_CASE("a resumed line takes those near its stations, then the sheltered it serves, at its capacity") {
  const auto c = rail_city();
  RunConfig rc;
  rc.check_invariants = true;  // states partition the agents, counts match, nobody by rail on an edge
  Simulation sim(c.net, c.city, rail_scenario(), rc, rail_population(c.net));
  const ShelterId shelter{0};
  REQUIRE(sim.rail_running_since(0) == -1);
  bool e_on_edges_before = false;
  while (sim.step()) {
    const std::int64_t t = sim.time_s();
    const TimeseriesRow r = sim.current_row();
    const std::int64_t by_rail = count(r, AgentState::kByRail);
    CAPTURE(t);
    std::int64_t sum = 0;
    for (const auto n : r.state) sum += n;
    CHECK(sum == 31);
    if (t <= 900) {
      CHECK(by_rail == 0);  // nobody boards before the line resumes
      CHECK(sim.rail_running_since(0) == -1);
      if (t == 900) {
        CHECK(count(r, AgentState::kSheltered) == 8);
        CHECK(r.persons_walking == 3);  // E, on their first edge
        e_on_edges_before = true;
      }
      continue;
    }
    const std::int64_t k = (t - 900) / 5;  // steps since the line resumed
    CHECK(by_rail == std::min<std::int64_t>(k, 21));  // one person per step while people wait
    // First A (0-9) and E (28-30), on foot near a station, in agent order; then D from the facility.
    if (k >= 10) {
      for (std::uint32_t a = 0; a < 10; ++a) CHECK(sim.state(AgentId{a}) == AgentState::kByRail);
    }
    if (k == 10) CHECK(sim.state(AgentId{28}) == AgentState::kWalkingHome);
    if (k >= 13) CHECK(r.persons_walking == 0);  // E left their edges
    CHECK(sim.facility_occupancy(shelter) == std::clamp<double>(8.0 - static_cast<double>(k - 13), 0.0, 8.0));
  }
  CHECK(e_on_edges_before);
  CHECK(sim.rail_running_since(0) == 900);
  CHECK(sim.rail_boarded(0) == 21);
  for (std::uint32_t a = 10; a < 20; ++a) CHECK(sim.state(AgentId{a}) == AgentState::kStaying);  // B not served, C not near
  for (std::uint32_t a = 20; a < 31; ++a) CHECK(sim.state(AgentId{a}) == AgentState::kByRail);
  CHECK(sim.facility_reserved(shelter) == 0);
  CHECK(sim.summary().by_rail == 21);
  // The resumption is a hazard command in the log, at its time.
  const auto& log = sim.command_log();
  REQUIRE(log.size() == 1);
  CHECK(log[0].type == CommandType::kResumeRail);
  CHECK(log[0].time_s == 900);
  CHECK(log[0].value == 0);
  CHECK(log[0].source == "hazard");
  Snapshot snap;
  sim.fill_snapshot(snap, true);
  REQUIRE(snap.rail_running_since_s.size() == 1);
  CHECK(snap.rail_running_since_s[0] == 900);
  CHECK(std::count(snap.agent_state.begin(), snap.agent_state.end(), AgentState::kByRail) == 21);
}

TEST_CASE("a line's capacity below one agent per step is carried over; persons count, not agents") {
  const auto c = rail_city();
  auto sc = rail_scenario();
  SUBCASE("half a person per step") { sc.hazards.rail_lines[0].capacity_per_h = 360; }
  SUBCASE("one person per step, two persons per agent") {}
  Population pop = rail_population(c.net);
  const bool two = sc.hazards.rail_lines[0].capacity_per_h == 720;
  if (two) pop.persons_per_agent = 2;
  RunConfig rc;
  rc.check_invariants = true;
  Simulation sim(c.net, c.city, sc, rc, std::move(pop));
  while (sim.step()) {
    const std::int64_t t = sim.time_s();
    if (t <= 900) continue;
    const std::int64_t k = (t - 900) / 5;
    CAPTURE(t);
    CHECK(count(sim.current_row(), AgentState::kByRail) == std::min<std::int64_t>(k / 2, 21));
  }
  CHECK(sim.rail_boarded(0) == doctest::Approx(two ? 42.0 : 21.0));  // persons
}

TEST_CASE("a line that does not resume carries nobody until an inject resumes it") {
  const auto c = rail_city();
  auto sc = rail_scenario();
  sc.hazards.rail_lines[0].resume_h = -1;
  SUBCASE("never") {}
  SUBCASE("beyond the run") { sc.hazards.rail_lines[0].resume_h = 2; }
  RunConfig rc;
  rc.check_invariants = true;
  Simulation sim(c.net, c.city, sc, rc, rail_population(c.net));
  for (int i = 0; i < 240; ++i) sim.step();  // to 1200 s
  CHECK(count(sim.current_row(), AgentState::kByRail) == 0);
  CHECK(sim.command_log().empty());
  Command resume;
  resume.type = CommandType::kResumeRail;
  resume.value = 0;
  resume.source = "inject";
  sim.submit(resume);
  sim.step();
  CHECK(sim.rail_running_since(0) == 1200);
  CHECK(count(sim.current_row(), AgentState::kByRail) == 1);
  // Resuming a running line again changes nothing.
  sim.submit(resume);
  sim.step();
  CHECK(sim.rail_running_since(0) == 1200);
  CHECK(count(sim.current_row(), AgentState::kByRail) == 2);
  Command bad = resume;
  bad.value = 1;  // there is one line
  CHECK_THROWS_AS(sim.submit(bad), InputError);
}

TEST_CASE("a rail line naming a station the city does not have is refused, naming both") {
  const auto c = rail_city();
  auto sc = rail_scenario();
  sc.hazards.rail_lines[0].stations = {"Centre", "Nowhere"};
  try {
    Simulation sim(c.net, c.city, sc, RunConfig{}, rail_population(c.net));
    FAIL("no error");
  } catch (const InputError& e) {
    const std::string what = e.what();
    CHECK(what.find("East line") != std::string::npos);
    CHECK(what.find("Nowhere") != std::string::npos);
  }
}

TEST_CASE("rail boarding and aftershock pauses give the same results for 1 and 2 threads") {
  auto c = rail_city();
  Zone z;
  z.id = "all";
  z.rings = {{{0, 0}, {1000, 0}, {1000, 1000}, {0, 1000}, {0, 0}}};
  z.centroid = {500, 500};
  z.day_population = 6000;
  z.home_share = {0.2, 0.2, 0.1, 0.1, 0.2, 0.2};
  c.city.zones.push_back(z);
  auto sc = rail_scenario();
  sc.population.agents = 3000;
  sc.run.duration_h = 1;
  sc.behaviour.departure_mean_min = 10;
  sc.behaviour.retention_share = 0.3;
  sc.behaviour.stay_if_stranded = 0.5;
  sc.hazards.rail_lines[0].home_catchment_km = 10;
  sc.hazards.rail_lines[0].capacity_per_h = 20000;
  RailLine west = east_line();
  west.name = "West line";
  west.stations = {"Centre", "West"};
  west.resume_h = 0.5;
  sc.hazards.rail_lines.push_back(west);
  Aftershock as;
  as.at_min = 20;
  as.pause_min = 3;
  as.blockage = false;
  sc.hazards.aftershocks = {as};
  auto run = [&](int threads) {
    RunConfig rc;
    rc.seed = 11;
    rc.threads = threads;
    rc.check_invariants = true;
    rc.parallel_min_walkers = 0;
    Simulation sim(c.net, c.city, sc, rc);
    sim.run();
    return std::tuple{sim.timeseries(), sim.command_log(), sim.rail_boarded(0), sim.rail_boarded(1)};
  };
  const auto [rows1, log1, east1, west1] = run(1);
  const auto [rows2, log2, east2, west2] = run(2);
  CHECK(same_rows(rows1, rows2));
  CHECK(east1 == east2);
  CHECK(west1 == west2);
  REQUIRE(log1.size() == log2.size());
  for (std::size_t i = 0; i < log1.size(); ++i) CHECK(format_command(log1[i]) == format_command(log2[i]));
  CHECK(east1 > 0);
  CHECK(west1 > 0);
  CHECK(static_cast<double>(count(rows1.back(), AgentState::kByRail)) * 2 == east1 + west1);  // 2 persons per agent
  const bool paused = std::any_of(log1.begin(), log1.end(), [](const Command& x) {
    return x.type == CommandType::kPauseWalkers && x.source == "hazard" && x.time_s == 1200 && x.value == 180;
  });
  CHECK(paused);
}

TEST_CASE("walkers stand still for a pause's duration, keeping their place; arrivals move later by it") {
  const auto c = rail_city();
  auto sc = rail_scenario();
  sc.hazards.rail_lines.clear();
  sc.run.duration_h = 1;
  Population pop;
  pop.persons_per_agent = 1;
  add_agents(pop, c.net, node_at(0, 0), {2500, 0}, 2.5f, Activity::kShopping, 1.34f, 20);
  RunConfig rc;
  rc.check_invariants = true;
  Command pause;
  pause.time_s = 300;
  pause.type = CommandType::kPauseWalkers;
  pause.value = 60;
  pause.source = "operator";

  struct Run {
    std::vector<std::vector<Point>> pos;  // at 300, 360 and 365 s
    std::vector<std::vector<std::int32_t>> counts;
    std::int64_t all_home = -1;
  };
  auto run = [&](const Command* cmd) {
    Simulation sim(c.net, c.city, sc, rc, pop);
    if (cmd) sim.submit(*cmd);
    Run out;
    while (sim.step()) {
      const std::int64_t t = sim.time_s();
      if (t == 300 || t == 360 || t == 365) {
        std::vector<Point> p;
        std::vector<std::int32_t> n;
        for (std::uint32_t a = 0; a < 20; ++a) p.push_back(sim.position(AgentId{a}));
        for (std::uint32_t e = 0; e < c.net.edge_count(); ++e) n.push_back(sim.edge_view(EdgeId{e}).count);
        out.pos.push_back(p);
        out.counts.push_back(n);
      }
      if (t > 300 && t < 360) {  // during the pause, nothing moves
        std::vector<Point> p;
        for (std::uint32_t a = 0; a < 20; ++a) p.push_back(sim.position(AgentId{a}));
        if (cmd && cmd->radius_m == 0) {
          for (std::uint32_t a = 0; a < 20; ++a) {
            CHECK(p[a].x == out.pos[0][a].x);
            CHECK(p[a].y == out.pos[0][a].y);
          }
        }
      }
      if (out.all_home < 0 && count(sim.current_row(), AgentState::kArrivedHome) == 20) out.all_home = t;
    }
    return out;
  };
  const Run base = run(nullptr), stop = run(&pause);
  REQUIRE(base.pos.size() == 3);
  REQUIRE(stop.pos.size() == 3);
  auto same = [](const std::vector<Point>& a, const std::vector<Point>& b) {
    for (std::size_t i = 0; i < a.size(); ++i)
      if (a[i].x != b[i].x || a[i].y != b[i].y) return false;
    return true;
  };
  CHECK(same(base.pos[0], stop.pos[0]));
  CHECK(!same(base.pos[0], base.pos[1]));  // without the pause they walk on
  CHECK(same(stop.pos[0], stop.pos[1]));   // with it they stand for 60 s ...
  CHECK(stop.counts[0] == stop.counts[1]); // ... on their edges
  CHECK(!same(stop.pos[1], stop.pos[2]));  // and then go on
  REQUIRE(base.all_home > 0);
  CHECK(stop.all_home == base.all_home + 60);
  // A pause elsewhere stops nobody here.
  Command far = pause;
  far.x = 1000;
  far.y = 1000;
  far.radius_m = 50;
  const Run other = run(&far);
  CHECK(same(other.pos[1], base.pos[1]));
  CHECK(other.all_home == base.all_home);
}

namespace {

Scenario quake_scenario() {
  auto sc = rail_scenario();
  sc.hazards.rail_lines.clear();
  sc.population.agents = 3000;
  sc.run.duration_h = 1.5;
  sc.behaviour.departure_mean_min = 10;
  sc.behaviour.stay_if_stranded = 0.5;
  sc.facilities.opening_delay_min_min = 10;
  sc.facilities.opening_delay_max_min = 30;
  auto& s = sc.hazards.seismic;
  s.enabled = true;
  s.epicentre_x = 500;
  s.epicentre_y = 500;
  s.depth_km = 10;
  s.magnitude = 7.3;
  s.intensity_offset = 0.8;  // about 6.6 over the grid
  sc.hazards.facility_failure.fail_at_i6 = 0.5;
  sc.hazards.facility_failure.fail_at_i7 = 0.5;
  return sc;
}

RailCity quake_city() {
  auto c = rail_city();
  Zone z;
  z.id = "all";
  z.rings = {{{0, 0}, {1000, 0}, {1000, 1000}, {0, 1000}, {0, 0}}};
  z.centroid = {500, 500};
  z.day_population = 6000;
  z.home_share = {0.3, 0.3, 0.1, 0.1, 0.1, 0.1};
  c.city.zones.push_back(z);
  for (int i = 0; i < 7; ++i) {
    Facility f;
    f.name = "F" + std::to_string(i);
    f.pos = {100.0 + 130.0 * i, 100.0 + 120.0 * ((i * 3) % 7)};
    f.capacity = 200;
    c.city.facilities.push_back(f);
  }
  return c;
}

}  // namespace

TEST_CASE("the hazard plan's blocked roads are closed from t = 0, its failed facilities never open") {
  const auto c = quake_city();
  const auto sc = quake_scenario();
  RunConfig rc;
  rc.seed = 5;
  rc.check_invariants = true;  // nobody ever stands on a closed edge
  Simulation sim(c.net, c.city, sc, rc);
  const HazardPlan& plan = sim.hazard_plan();
  REQUIRE(plan.edge_blocked.size() == c.net.edge_count());
  REQUIRE(plan.facility_failed.size() == c.city.facilities.size());
  const auto blocked = std::count(plan.edge_blocked.begin(), plan.edge_blocked.end(), 1);
  CHECK(blocked > 0);
  CHECK(blocked < static_cast<std::ptrdiff_t>(c.net.edge_count()));
  const auto failed = std::count(plan.facility_failed.begin(), plan.facility_failed.end(), 1);
  CHECK(failed > 0);
  CHECK(failed < static_cast<std::ptrdiff_t>(c.city.facilities.size()));
  Snapshot snap;
  sim.fill_snapshot(snap, false);
  for (std::uint32_t e = 0; e < c.net.edge_count(); ++e) {
    CAPTURE(e);
    const EdgeView v = sim.edge_view(EdgeId{e});
    CHECK(v.closed == (plan.edge_blocked[e] != 0));
    CHECK(v.reason == (plan.edge_blocked[e] ? EdgeClosure::kCollapse : EdgeClosure::kOpen));
    CHECK(snap.edge_closed[e] == (plan.edge_blocked[e] ? 2 : 0));
  }
  sim.run();
  const auto stats = sim.edge_stats();
  const auto fac = sim.facility_stats();
  for (std::uint32_t e = 0; e < c.net.edge_count(); ++e)
    if (plan.edge_blocked[e]) {
      CHECK(sim.edge_view(EdgeId{e}).reason == EdgeClosure::kCollapse);
      CHECK(stats.peak_density[e] == 0);
    }
  for (std::size_t f = 0; f < c.city.facilities.size(); ++f) {
    CAPTURE(f);
    CHECK(sim.facility_damaged(ShelterId{static_cast<std::uint32_t>(f)}) == (plan.facility_failed[f] != 0));
    if (plan.facility_failed[f]) {
      CHECK(fac.open_time_s[f] == -1);
      CHECK(fac.peak_occupancy[f] == 0);
    } else {
      // Safety check: 10-30 min, plus the plan's extra delay for the shaking.
      CHECK(plan.facility_extra_delay_s[f] > 0);
      CHECK(fac.open_time_s[f] >= 600 + plan.facility_extra_delay_s[f] - 5);
    }
  }
  // An operator's reopen_area does not clear rubble; reopening the road by name does.
  std::uint32_t b = 0;
  while (!plan.edge_blocked[b]) ++b;
  const auto mid = c.net.geometry(EdgeId{b});
  Command area;
  area.type = CommandType::kReopenArea;
  area.x = (mid.front().x + mid.back().x) / 2;
  area.y = (mid.front().y + mid.back().y) / 2;
  area.radius_m = 10;
  auto sc2 = sc;
  sc2.run.duration_h = 0.01;
  Simulation again(c.net, c.city, sc2, rc);
  again.submit(area);
  again.step();
  CHECK(again.edge_view(EdgeId{b}).reason == EdgeClosure::kCollapse);
  Command road;
  road.type = CommandType::kReopenEdge;
  road.edge = make_id<EdgeId>(b);
  again.submit(road);
  again.step();
  CHECK(!again.edge_view(EdgeId{b}).closed);
}

TEST_CASE("fire closes roads with its own reason; the map gets the plan's fire cells") {
  const auto c = quake_city();
  auto sc = quake_scenario();
  sc.hazards.seismic.enabled = false;
  sc.hazards.fire.enabled = true;
  sc.hazards.fire.ignitions = {{550, 550}};
  sc.hazards.fire.burn_h = 3;
  RunConfig rc;
  rc.check_invariants = true;
  Simulation sim(c.net, c.city, sc, rc);
  const HazardPlan& plan = sim.hazard_plan();
  REQUIRE(!plan.fire_cells.empty());
  sim.step();  // the ignition at t = 0 applies in the first step
  // The edges around the burning cell (500..600 m) are closed by fire.
  std::vector<std::uint32_t> fire_edges;
  for (std::uint32_t e = 0; e < c.net.edge_count(); ++e)
    if (sim.edge_view(EdgeId{e}).reason == EdgeClosure::kFire) fire_edges.push_back(e);
  CHECK(fire_edges.size() >= 4);
  // An operator's cordon elsewhere is a command closure; reopening areas leaves the fire alone.
  Command cordon;
  cordon.type = CommandType::kCloseArea;
  cordon.x = 100;
  cordon.y = 100;
  cordon.radius_m = 20;
  sim.submit(cordon);
  Command reopen = cordon;
  reopen.type = CommandType::kReopenArea;
  reopen.x = 550;
  reopen.y = 550;
  reopen.radius_m = 200;
  sim.submit(reopen);
  sim.step();
  for (const auto e : fire_edges) CHECK(sim.edge_view(EdgeId{e}).reason == EdgeClosure::kFire);
  Snapshot snap;
  sim.fill_snapshot(snap, false);
  int command_closed = 0;
  for (std::uint32_t e = 0; e < c.net.edge_count(); ++e) command_closed += snap.edge_closed[e] == 1;
  CHECK(command_closed >= 2);  // the edges at (100, 100)
  for (const auto e : fire_edges) CHECK(snap.edge_closed[e] == 3);
  REQUIRE(snap.fire_cells);
  CHECK(snap.fire_cells.get() == &plan.fire_cells);  // shared, not copied
  CHECK(snap.fire_cells->front().ignite_s == 0);
  const auto n = std::count_if(sim.command_log().begin(), sim.command_log().end(),
                               [](const Command& x) { return x.source == "hazard" && x.type == CommandType::kCloseArea; });
  CHECK(n >= 1);
}
