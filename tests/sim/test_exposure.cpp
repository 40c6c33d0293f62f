// Crowd exposure per person (docs/model.md, "Metrics"): each agent's time on edges
// at >= 6 (and >= 4) persons/m2, and the summary's walkers, persons_ge6_1h/3h and
// share_walkers_ge6_3h (the expert panel's "16 % spend 3 hours or more in such
// crowds", DOMAIN.md).
#include <doctest/doctest.h>

#include <cstdint>
#include <string>

#include "grid.hpp"
#include "kitaku/sim/simulation.hpp"
#include "test_util.hpp"

using namespace kitaku;

namespace {

// The corridor A---B---C---D, edges 200 m long and 0.25 m wide (50 m2 each): 300
// persons on one edge make exactly 6 p/m2, where everyone creeps at the 0.1 m/s floor.
//
//   A-------B-------C-------D   (one character = 25 m)
Network corridor() {
  NetworkData d;
  for (int i = 0; i < 4; ++i) d.node_pos.push_back({i * 200.0, 0});
  for (std::uint32_t i = 0; i < 3; ++i) {
    const Point g[2] = {d.node_pos[i], d.node_pos[i + 1]};
    d.add_edge(NodeId{i}, NodeId{i + 1}, g, 0.25f, RoadClass::residential);
  }
  d.crs_wkt = "LOCAL";
  return Network(d);
}

Scenario corridor_scenario() {
  Scenario sc;
  sc.name = "exposure";
  sc.origin = "<test>";
  sc.run.step_s = 1;
  sc.run.duration_h = 2;
  sc.run.output_interval_s = 60;
  sc.behaviour.departure_mean_min = 1e-6;  // everyone sets off in the first step
  sc.behaviour.tired_stop_probability = 0;
  sc.behaviour.night_stop_probability = 0;
  sc.behaviour.retention_share = 1;        // the workers are kept at work
  sc.routing.home_cell_m = 250;
  sc.quake.clock_s = 12 * 3600;
  return sc;
}

// `walkers` shoppers at A heading home far east at 1.34 m/s, and `workers` kept at work.
Population people(int walkers, int workers) {
  Population p;
  p.persons_per_agent = 1;
  p.persons_total = walkers + workers;
  for (int i = 0; i < walkers + workers; ++i) {
    p.origin.push_back(NodeId{0});
    p.pos.push_back({0, 0});
    p.home.push_back({5000, 0});
    p.home_km.push_back(5);
    p.activity.push_back(i < walkers ? Activity::kShopping : Activity::kWork);
    p.age.push_back(AgeGroup::kAdult);
    p.vulnerable.push_back(0);
    p.v_free.push_back(1.34f);
    p.zone.push_back(0);
  }
  return p;
}

}  // namespace

TEST_CASE("each walker's time at >= 6 p/m2 is counted step by step, with the walkers and the 1 h and 3 h shares") {
  const Network net = corridor();
  const Scenario sc = corridor_scenario();
  RunConfig rc;
  rc.check_invariants = true;
  Simulation sim(net, City{}, sc, rc, people(300, 10));

  // From the step loop: the 300 walkers move in lockstep (same start, same speed), so
  // at each step either all of them stand on an edge holding all 300 (6 p/m2) or none.
  std::int64_t expected = 0, steps_full = 0;
  while (!sim.done()) {
    int on_full_edge = 0;
    for (std::uint32_t e = 0; e < 3; ++e) on_full_edge += sim.edge_view(EdgeId{e}).count >= 300;
    if (on_full_edge) {
      CHECK(sim.edge_view(EdgeId{0}).count + sim.edge_view(EdgeId{1}).count + sim.edge_view(EdgeId{2}).count == 300);
      expected += sc.run.step_s;
      ++steps_full;
    }
    sim.step();
  }
  // By hand: 3 edges x 200 m at 0.1 m/s = 6000 s at 6 p/m2 (give or take a step per edge).
  MESSAGE("6 p/m2 for " << expected << " s");
  CHECK(expected >= 5997);
  CHECK(expected <= 6003);
  CHECK(sim.current_row().persons_walking == 0);  // all off the network, on their last stretch home

  for (std::uint32_t a = 0; a < 310; ++a) {
    CAPTURE(a);
    const AgentExposure x = sim.exposure(AgentId{a});
    if (a < 300) {
      CHECK(x.walked);
      CHECK(x.seconds_ge6 == expected);
      CHECK(x.seconds_ge4 == expected);  // 4 p/m2 is 200 persons: the same steps
    } else {
      CHECK(!x.walked);  // kept at work
      CHECK(x.seconds_ge6 == 0);
    }
  }
  const Summary s = sim.summary();
  CHECK(s.walkers == 300);             // the 10 workers never walked
  CHECK(s.persons_ge6_1h == 300);      // 1 h 40 min each
  CHECK(s.persons_ge6_3h == 0);
  CHECK(s.persons_ge4_3h == 0);
  CHECK(s.share_walkers_ge6_3h == 0);
  // Per person it adds up to the person-minutes at 6 p/m2.
  CHECK(s.person_minutes_ge6 == static_cast<double>(300 * expected) / 60.0);
  CHECK(s.person_minutes_ge4 == static_cast<double>(300 * expected) / 60.0);
  CHECK(steps_full == expected);  // 1 s steps
}

TEST_CASE("three hours in the crowd: 1200 m of corridor at 0.1 m/s") {
  // The corridor with 400 m edges of 50 m2: 3 x 4000 s = 3 h 20 min at 6 p/m2.
  NetworkData d;
  for (int i = 0; i < 4; ++i) d.node_pos.push_back({i * 400.0, 0});
  for (std::uint32_t i = 0; i < 3; ++i) {
    const Point g[2] = {d.node_pos[i], d.node_pos[i + 1]};
    d.add_edge(NodeId{i}, NodeId{i + 1}, g, 0.125f, RoadClass::residential);
  }
  d.crs_wkt = "LOCAL";
  const Network net(d);
  Scenario sc = corridor_scenario();
  sc.run.duration_h = 4;
  sc.run.step_s = 5;
  Simulation sim(net, City{}, sc, RunConfig{}, people(300, 0));
  sim.run();
  const Summary s = sim.summary();
  CHECK(s.walkers == 300);
  CHECK(s.persons_ge6_3h == 300);
  CHECK(s.persons_ge6_1h == 300);
  CHECK(s.share_walkers_ge6_3h == 1.0);
  for (std::uint32_t a = 0; a < 300; ++a) {
    const AgentExposure x = sim.exposure(AgentId{a});
    CHECK(x.seconds_ge6 >= 11990);
    CHECK(x.seconds_ge6 <= 12010);
  }
}

TEST_CASE("on the grid city the exposure metrics are consistent with the crowd totals") {
  const Network net(test::grid_network(9, 100.0, 4.0f));
  const City city = test::grid_test_city(800);
  Scenario sc = test::grid_test_scenario();
  sc.population.agents = 8000;  // 2.5 persons per agent: crowds form at the facilities and corners
  RunConfig rc;
  rc.seed = 3;
  rc.threads = 2;
  rc.parallel_min_walkers = 0;
  Simulation sim(net, city, sc, rc);
  sim.run();
  const Summary s = sim.summary();
  std::int64_t walked = 0, sum4 = 0, sum6 = 0, ge6_1h = 0;
  for (std::uint32_t a = 0; a < sim.agent_count(); ++a) {
    const AgentExposure x = sim.exposure(AgentId{a});
    walked += x.walked;
    sum4 += x.seconds_ge4;
    sum6 += x.seconds_ge6;
    ge6_1h += x.seconds_ge6 >= 3600;
    CHECK(x.seconds_ge6 <= x.seconds_ge4);
    if (!x.walked) CHECK(x.seconds_ge4 == 0);
    // Whoever is home, sheltered or walking has set off; whoever waits or is kept has not.
    const AgentState st = sim.state(AgentId{a});
    if (st == AgentState::kArrivedHome || st == AgentState::kWalkingHome || st == AgentState::kSheltered) CHECK(x.walked);
    if (st == AgentState::kWaiting || st == AgentState::kRetained) CHECK(!x.walked);
  }
  const double w = s.persons_per_agent;
  CHECK(s.walkers == static_cast<double>(walked) * w);
  CHECK(walked > 0);
  CHECK(walked < static_cast<std::int64_t>(sim.agent_count()));
  CHECK(s.person_minutes_ge4 == static_cast<double>(sum4) * w / 60.0);
  CHECK(s.person_minutes_ge6 == static_cast<double>(sum6) * w / 60.0);
  CHECK(s.persons_ge6_1h == static_cast<double>(ge6_1h) * w);
  CHECK(s.share_walkers_ge6_3h >= 0);
  CHECK(s.share_walkers_ge6_3h <= 1);
  CHECK(s.share_walkers_ge6_3h * s.walkers == doctest::Approx(s.persons_ge6_3h));
}
