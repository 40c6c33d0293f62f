// Crowds where people stand (docs/model.md, "Crowds where people stand"): the
// junction area of a node, the density of those standing at it (waiting outdoors,
// stranded, walkers queued), their exposure, station fronts and places.
#include <doctest/doctest.h>

#include <cmath>
#include <cstdint>

#include "grid.hpp"
#include "kitaku/sim/simulation.hpp"
#include "kitaku/sim/timeseries_csv.hpp"
#include "test_util.hpp"

using namespace kitaku;

namespace {

// A star: the centre C with four 100 m streets, 4 m wide, to W, E, S and N.
//
//          N
//          |
//   W------C------E      (C at the origin; one character = 20 m)
//          |
//          S
//
// C's junction: the crossing 4 x 4 m plus 25 m of each street (4 x 25 x 4 m) = 416 m2.
// A leaf's: 4 x 4 m (a dead end: a square of its street) plus 25 x 4 m = 116 m2.
Network star() {
  NetworkData d;
  d.node_pos = {{0, 0}, {-100, 0}, {100, 0}, {0, -100}, {0, 100}};
  for (std::uint32_t i = 1; i <= 4; ++i) {
    const Point g[2] = {d.node_pos[0], d.node_pos[i]};
    d.add_edge(NodeId{0}, NodeId{i}, g, 4.0f, RoadClass::residential);
  }
  d.crs_wkt = "LOCAL";
  return Network(d);
}

Scenario star_scenario() {
  Scenario sc;
  sc.name = "junctions";
  sc.origin = "<test>";
  sc.run.step_s = 5;
  sc.run.duration_h = 1;
  sc.run.output_interval_s = 300;
  sc.behaviour.departure_mean_min = 1;
  sc.behaviour.retention_share = 1;  // workers are kept at work, indoors
  sc.behaviour.retry_min = 10;
  sc.routing.home_cell_m = 250;
  sc.quake.clock_s = 12 * 3600;
  return sc;
}

// 10 persons per agent: `at_centre` shoppers at C and `at_leaf` at E, all 50 km from
// home (stranded; with no facility in the city they stand where they are), and
// `workers` kept at work at C.
Population people(int at_centre, int at_leaf, int workers) {
  Population p;
  p.persons_per_agent = 10;
  const int n = at_centre + at_leaf + workers;
  p.persons_total = n * 10.0;
  for (int i = 0; i < n; ++i) {
    const bool leaf = i >= at_centre && i < at_centre + at_leaf;
    p.origin.push_back(NodeId{leaf ? 2u : 0u});
    p.pos.push_back(leaf ? Point{100, 0} : Point{0, 0});
    p.home.push_back({50000, 0});
    p.home_km.push_back(50);
    p.activity.push_back(i < at_centre + at_leaf ? Activity::kShopping : Activity::kWork);
    p.age.push_back(AgeGroup::kAdult);
    p.vulnerable.push_back(0);
    p.v_free.push_back(1.34f);
    p.zone.push_back(0);
  }
  return p;
}

City stations(double far_x) {
  City c;
  Station a, b;
  a.name = "中央";
  a.pos = {0, 0};
  a.daily_riders = 100000;
  b.name = "遠く";
  b.pos = {far_x, 0};
  b.daily_riders = 1000;
  c.stations = {a, b};
  return c;
}

}  // namespace

TEST_CASE("people stranded at one node: the junction's density, their exposure and the crowd figures") {
  const Network net = star();
  const Scenario sc = star_scenario();
  RunConfig rc;
  rc.check_invariants = true;  // validate() holds each agent's standing node to its state
  // 300 agents (3000 persons) at C: 3000 / 416 = 7.2 p/m2; 50 (500) at E: 500 / 116 = 4.3.
  Simulation sim(net, stations(5000), sc, rc, people(300, 50, 100));
  sim.run();
  const auto& rows = sim.timeseries();
  REQUIRE(rows.size() == 13);
  for (const TimeseriesRow& r : rows) {
    CAPTURE(r.time_s);
    CHECK(r.persons_at_junctions == 3500);     // the 1000 workers are indoors
    CHECK(r.persons_junction_ge4 == 3500);
    CHECK(r.persons_junction_ge6 == 3000);
    CHECK(r.junctions_ge6 == 1);
    CHECK(r.places_ge6 == 1);
    CHECK(r.persons_ge6 == 0);                 // nobody on an edge
  }
  CHECK(rows.back().state[static_cast<int>(AgentState::kUnsheltered)] == 350);
  const Summary s = sim.summary();
  CHECK(s.peak_junction_density == doctest::Approx(3000.0 / 416.0).epsilon(1e-6));
  CHECK(s.peak_junction_density_s == 0);
  CHECK(s.peak_junctions_ge6 == 1);
  CHECK(s.peak_persons_at_junctions == 3500);
  // One hour standing: 3000 persons x 60 min at >= 6, 3500 x 60 at >= 4.
  CHECK(s.junction_person_minutes_ge6 == 3000.0 * 60);
  CHECK(s.junction_person_minutes_ge4 == 3500.0 * 60);
  CHECK(s.person_minutes_ge6 == 0);          // the edges' figure keeps its meaning
  CHECK(s.total_person_minutes_ge6 == 3000.0 * 60);
  CHECK(s.persons_ge6_1h_with_junctions == 3000);
  CHECK(s.persons_ge6_1h == 0);
  CHECK(s.walkers == 0);                      // nobody set off on the street network
  CHECK(s.share_walkers_ge6_3h_with_junctions == 0);
  CHECK(s.places_ge6_3h == -1);               // the run ends before +3 h
  CHECK(s.peak_places_ge6 == 1);
  const AgentRecords rec = sim.agent_records();
  for (std::uint32_t a = 0; a < 450; ++a) {
    CAPTURE(a);
    const AgentExposure x = sim.exposure(AgentId{a});
    CHECK(x.seconds_ge6 == 0);
    CHECK(x.junction_seconds_ge6 == (a < 300 ? 3600 : 0));
    CHECK(x.junction_seconds_ge4 == (a < 350 ? 3600 : 0));
    CHECK(rec.junction_seconds_ge6[a] == x.junction_seconds_ge6);
    CHECK(rec.junction_seconds_ge4[a] == x.junction_seconds_ge4);
  }
}

TEST_CASE("a station's front counts the people outdoors within its radius, on edges and at junctions") {
  const Network net = star();
  Scenario sc = star_scenario();
  sc.run.duration_h = 0.5;
  Simulation sim(net, stations(5000), sc, RunConfig{}, people(300, 50, 100));
  sim.run();
  const auto& fr = sim.station_fronts();
  REQUIRE(fr.size() == 2 * sim.timeseries().size());  // both stations at every row
  for (const StationFrontRow& r : fr) {
    CAPTURE(r.time_s);
    if (r.station == 0) {
      CHECK(r.persons == 3500);  // within 200 m: C, the leaves and the streets
      CHECK(r.peak_density == doctest::Approx(3000.0 / 416.0).epsilon(1e-6));
    } else {
      CHECK(r.persons == 0);     // 5 km away
      CHECK(r.peak_density == 0);
    }
  }
  for (const TimeseriesRow& r : sim.timeseries()) CHECK(r.persons_station_fronts == 3500);
  const Summary s = sim.summary();
  REQUIRE(s.stations.size() == 2);
  CHECK(s.stations[0].name == "中央");
  CHECK(s.stations[0].peak_persons == 3500);
  CHECK(s.stations[0].peak_s == 0);
  CHECK(s.stations[1].peak_persons == 0);
  const std::string csv = stations_csv(fr, sim.city().stations);
  CHECK(csv.starts_with("time_s,station,name,x,y,daily_riders,persons,peak_density\n0,0,中央,0,0,100000,3500,7.212\n"));

  // A radius of 60 m reaches C and the streets (midpoints 50 m off), not the leaves;
  // a second station 150 m east of C reaches only E (50 m off).
  sc.run.station_front_m = 60;
  Simulation near(net, stations(150), sc, RunConfig{}, people(300, 50, 100));
  near.run();
  for (const StationFrontRow& r : near.station_fronts()) CHECK(r.persons == (r.station == 0 ? 3000 : 500));
  CHECK(near.timeseries().back().persons_station_fronts == 3500);
}

TEST_CASE("walkers leaving a crowded junction: exposure adds up to the person-minutes, 1 and 2 threads alike") {
  const Network net(test::grid_network(9, 100.0, 4.0f));
  City city = test::grid_test_city(800);
  city.zones[0].day_population = 1e6;  // 333 persons per agent: at t = 0 the shoppers waiting at a corner are a crowd
  Scenario sc = test::grid_test_scenario();
  sc.population.agents = 3000;
  sc.run.duration_h = 1;
  Summary s1;
  std::vector<TimeseriesRow> rows1;
  for (const int threads : {1, 2}) {
    RunConfig rc;
    rc.seed = 3;
    rc.threads = threads;
    rc.parallel_min_walkers = 0;
    rc.check_invariants = threads == 1;
    Simulation sim(net, city, sc, rc);
    sim.run();
    const Summary s = sim.summary();
    std::int64_t j4 = 0, j6 = 0;
    for (std::uint32_t a = 0; a < sim.agent_count(); ++a) {
      const AgentExposure x = sim.exposure(AgentId{a});
      CHECK(x.junction_seconds_ge6 <= x.junction_seconds_ge4);
      j4 += x.junction_seconds_ge4;
      j6 += x.junction_seconds_ge6;
    }
    const double w = s.persons_per_agent;
    CHECK(s.junction_person_minutes_ge4 == doctest::Approx(static_cast<double>(j4) * w / 60.0));
    CHECK(s.junction_person_minutes_ge6 == doctest::Approx(static_cast<double>(j6) * w / 60.0));
    CHECK(s.junction_person_minutes_ge6 > 0);
    CHECK(s.peak_junctions_ge6 > 1);
    CHECK(s.persons_ge6_3h_with_junctions >= s.persons_ge6_3h);
    CHECK(s.total_person_minutes_ge6 == doctest::Approx(s.person_minutes_ge6 + s.junction_person_minutes_ge6));
    if (threads == 1) {
      s1 = s;
      rows1 = sim.timeseries();
    } else {
      CHECK(rows1 == sim.timeseries());
      CHECK(s.junction_person_minutes_ge6 == s1.junction_person_minutes_ge6);
      CHECK(s.peak_junction_density == s1.peak_junction_density);
      CHECK(s.share_walkers_ge6_3h_with_junctions == s1.share_walkers_ge6_3h_with_junctions);
    }
  }
}
