// The simulation engine: model units (Weidmann, departures, spillback), a small
// network drawn as ASCII art whose flow is worked out by hand, facilities,
// commands and their replay, invariants, and determinism across thread counts.
#include <doctest/doctest.h>
#include <omp.h>

#include <algorithm>
#include <cmath>
#include <map>
#include <set>
#include <string>

#include "kitaku/sim/error.hpp"
#include "kitaku/sim/simulation.hpp"
#include "grid.hpp"
#include "test_util.hpp"

using namespace kitaku;

namespace {

// Builds a network from ASCII art: letters are nodes, '-' and '|' join the
// nearest letters along a row or column. One character is `scale` metres.
struct Ascii {
  NetworkData data;
  std::map<char, std::uint32_t> node;
};
Ascii ascii_network(const std::string& art, double scale, float width = 2.0f) {
  Ascii a;
  std::vector<std::string> rows;
  std::size_t start = 0;
  while (start <= art.size()) {
    const auto end = art.find('\n', start);
    rows.push_back(art.substr(start, end == std::string::npos ? std::string::npos : end - start));
    if (end == std::string::npos) break;
    start = end + 1;
  }
  auto at = [&](std::size_t r, std::size_t c) { return c < rows[r].size() ? rows[r][c] : ' '; };
  for (std::size_t r = 0; r < rows.size(); ++r)
    for (std::size_t c = 0; c < rows[r].size(); ++c)
      if (std::isalpha(static_cast<unsigned char>(rows[r][c]))) {
        a.node[rows[r][c]] = static_cast<std::uint32_t>(a.data.node_pos.size());
        a.data.node_pos.push_back({c * scale, -static_cast<double>(r) * scale});
      }
  auto add = [&](char x, char y) {
    const auto u = a.node[x], v = a.node[y];
    const Point g[2] = {a.data.node_pos[u], a.data.node_pos[v]};
    a.data.add_edge(NodeId{u}, NodeId{v}, g, width, RoadClass::residential, 0, std::string{x, y});
  };
  for (std::size_t r = 0; r < rows.size(); ++r)
    for (std::size_t c = 0; c < rows[r].size(); ++c) {
      const char ch = rows[r][c];
      if (!std::isalpha(static_cast<unsigned char>(ch))) continue;
      if (at(r, c + 1) == '-') {
        std::size_t k = c + 1;
        while (at(r, k) == '-') ++k;
        add(ch, at(r, k));
      }
      if (r + 1 < rows.size() && at(r + 1, c) == '|') {
        std::size_t k = r + 1;
        while (k < rows.size() && at(k, c) == '|') ++k;
        add(ch, at(k, c));
      }
    }
  a.data.crs_wkt = "LOCAL";
  return a;
}

EdgeId edge_named(const Network& net, std::string_view name) {
  for (std::uint32_t e = 0; e < net.edge_count(); ++e)
    if (net.name(EdgeId{e}) == name) return EdgeId{e};
  FAIL("no edge " << name);
  return EdgeId{0};
}

Scenario quiet_scenario() {
  Scenario sc;
  sc.name = "test";
  sc.origin = "<test>";
  sc.run.step_s = 1;
  sc.run.duration_h = 1;
  sc.run.output_interval_s = 60;
  sc.facilities.opening_delay_min_min = 0;
  sc.facilities.opening_delay_max_min = 0;
  sc.behaviour.tired_stop_probability = 0;
  sc.behaviour.night_stop_probability = 0;
  sc.routing.home_cell_m = 250;
  sc.quake.clock_s = 12 * 3600;
  return sc;
}

// n agents standing at `origin`, walking home to a point far east (5 km, so the
// distance rule lets them walk), all at free speed v, leaving at once.
Population walkers(const Network& net, NodeId origin, int n, float v, Point home) {
  Population p;
  p.persons_per_agent = 1;
  p.persons_total = n;
  for (int i = 0; i < n; ++i) {
    p.origin.push_back(origin);
    p.pos.push_back(net.pos(origin));
    p.home.push_back(home);
    p.home_km.push_back(5);
    p.activity.push_back(Activity::kShopping);
    p.age.push_back(AgeGroup::kAdult);
    p.vulnerable.push_back(0);
    p.v_free.push_back(v);
    p.zone.push_back(0);
  }
  return p;
}

}  // namespace

TEST_CASE("Weidmann speeds match the published values, with a floor above rho_max") {
  // DOMAIN.md: rho = 1 -> 1.06 m/s, 2 -> 0.61, 3 -> 0.33, 4 -> 0.16, 5 -> 0.04 (v0 = 1.34).
  const double v0 = 1.34, g = 1.913, rmax = 5.4;
  auto v = [&](double rho) { return v0 * weidmann_factor(rho, g, rmax, 0.0); };
  CHECK(v(0) == doctest::Approx(1.34));
  CHECK(v(1) == doctest::Approx(1.06).epsilon(0.01));
  CHECK(v(2) == doctest::Approx(0.61).epsilon(0.02));
  CHECK(v(3) == doctest::Approx(0.33).epsilon(0.03));
  CHECK(v(4) == doctest::Approx(0.16).epsilon(0.05));
  CHECK(v(5) == doctest::Approx(0.04).epsilon(0.15));
  // Flow peaks near 1.22 persons/(m s) at about 1.75 p/m2.
  double best = 0, at = 0;
  for (double rho = 0.05; rho < 5.4; rho += 0.01)
    if (rho * v(rho) > best) best = rho * v(rho), at = rho;
  CHECK(best == doctest::Approx(1.22).epsilon(0.03));
  CHECK(at == doctest::Approx(1.75).epsilon(0.1));
  // The floor: 0.1 m/s at 6 p/m2 and above, so dense crowds still creep (< 400 m/h).
  const double floor_share = 0.1 / v0;
  CHECK(v0 * weidmann_factor(6, g, rmax, floor_share) == doctest::Approx(0.1));
  CHECK(v0 * weidmann_factor(9, g, rmax, floor_share) == doctest::Approx(0.1));
  CHECK(v0 * weidmann_factor(5, g, rmax, floor_share) == doctest::Approx(0.1));  // 0.04 < floor
}

// The corridor used below: four nodes 100 m apart, 2 m wide.
//
//   A---B---C---D        (one character = 25 m)
//
// Homes lie far east, so everyone walks A -> B -> C -> D and leaves the network at D
// (the first node in the home's 250 m cell).
static const char* kCorridor = "A---B---C---D";

TEST_CASE("one walker crosses the corridor at free speed; a crowd at 1 p/m2 at Weidmann's speed") {
  const auto art = ascii_network(kCorridor, 25.0);
  const Network net(art.data);
  REQUIRE(net.edge_count() == 3);
  auto sc = quiet_scenario();
  const Point home{5000, 0};

  auto time_to_leave = [&](int n) {
    Simulation sim(net, City{}, sc, RunConfig{}, walkers(net, NodeId{art.node.at('A')}, n, 1.34f, home));
    // Departure delay: exponential, mean 40 min by default; make it 0 for the hand count.
    std::int64_t left = -1;
    while (sim.step()) {
      const auto r = sim.current_row();
      if (r.persons_walking == 0 && r.state[static_cast<int>(AgentState::kWaiting)] == 0 && left < 0) left = sim.time_s();
      if (left >= 0) break;
    }
    return left;
  };
  sc.behaviour.departure_mean_min = 1e-6;  // everyone sets off in the first step
  // Alone: 300 m at 1.34 m/s = 224 s (plus one step to enter and one to leave).
  const auto alone = time_to_leave(1);
  CHECK(alone >= 224);
  CHECK(alone <= 227);
  // 200 people on a 100 m x 2 m edge: 1 p/m2, so 1.06 m/s: 300 / 1.06 = 283 s.
  const auto crowd = time_to_leave(200);
  CHECK(crowd >= 281);
  CHECK(crowd <= 290);
}

TEST_CASE("a narrow edge's storage limit makes the queue spill back upstream") {
  //   A---B---C---D   with B-C only 0.2 m wide: it stores 8 p/m2 x 100 m x 0.2 m = 160 people.
  auto art = ascii_network(kCorridor, 25.0);
  const Network wide(art.data);
  const EdgeId bc = edge_named(wide, "BC"), ab = edge_named(wide, "AB");
  art.data.edge_width_m[index(bc)] = 0.2f;
  const Network net(art.data);
  auto sc = quiet_scenario();
  sc.behaviour.departure_mean_min = 1e-6;
  sc.movement.stuck_s = 0;  // nobody squeezes in: the limit holds
  RunConfig rc;
  rc.check_invariants = true;
  Simulation sim(net, City{}, sc, rc, walkers(net, NodeId{art.node.at('A')}, 300, 1.34f, {5000, 0}));
  int max_bc = 0;
  bool queued_on_ab = false;
  for (int i = 0; i < 600 && sim.step(); ++i) {
    max_bc = std::max(max_bc, sim.edge_view(bc).count);
    // Once B-C is full, people wait at the end of A-B instead of entering.
    if (sim.edge_view(bc).count >= 150 && sim.edge_view(ab).count > 0 && sim.time_s() > 120) queued_on_ab = true;
  }
  CHECK(max_bc <= 160);
  CHECK(max_bc >= 150);
  CHECK(queued_on_ab);
  // The jam on B-C is well above 6 p/m2 and is counted as such.
  CHECK(sim.edge_stats().peak_density[index(bc)] > 6.0f);
  CHECK(sim.summary().person_minutes_ge6 > 0);
}

namespace {

// A 9 x 9 grid, 100 m blocks, 4 m wide streets; one zone over all of it; two
// facilities; everyone's home 15 km away (so half cannot get home).
struct TestCity {
  Network net;
  City city;
};
TestCity grid_city(int n = 9) {
  return {Network(test::grid_network(n, 100.0, 4.0f)), test::grid_test_city((n - 1) * 100.0)};
}

Scenario grid_scenario() { return test::grid_test_scenario(); }

struct RunResult {
  std::vector<TimeseriesRow> rows;
  EdgeStats edges;
  FacilityStats fac;
  Summary summary;
  std::vector<Command> log;
};

RunResult run_grid(const TestCity& c, const Scenario& sc, int threads, bool check = false,
                   const std::vector<Command>& live = {}) {
  RunConfig rc;
  rc.seed = 7;
  rc.threads = threads;
  rc.check_invariants = check;
  rc.parallel_min_walkers = 0;  // use the threads even for this small city
  Simulation sim(c.net, c.city, sc, rc);
  for (const auto& cmd : live) sim.submit(cmd);
  sim.run();
  return {sim.timeseries(), sim.edge_stats(), sim.facility_stats(), sim.summary(), sim.command_log()};
}

// Every field of every row exactly (TimeseriesRow's operator==).
bool same_rows(const std::vector<TimeseriesRow>& a, const std::vector<TimeseriesRow>& b) { return a == b; }

}  // namespace

TEST_CASE("invariants hold every step, and the states partition the agents") {
  const auto c = grid_city();
  const auto r = run_grid(c, grid_scenario(), 2, /*check=*/true);
  REQUIRE(r.rows.size() == 3 * 12 + 1);
  for (const auto& row : r.rows) {
    std::int64_t sum = 0;
    for (const auto s : row.state) sum += s;
    CHECK(sum == row.agents);
    CHECK(row.persons_sheltered <= 1000.0 + 1e-9);  // both facilities' capacity
  }
  const auto& last = r.rows.back();
  CHECK(last.state[static_cast<int>(AgentState::kArrivedHome)] > 0);
  CHECK(last.state[static_cast<int>(AgentState::kSheltered)] > 0);
  CHECK(last.state[static_cast<int>(AgentState::kRetained)] > 0);
  for (std::size_t f = 0; f < 2; ++f) CHECK(r.fac.peak_occupancy[f] <= r.fac.capacity[f]);
}

TEST_CASE("with no retention, more than 70 % of those who leave set off within the first hour") {
  const auto c = grid_city();
  auto sc = grid_scenario();
  sc.behaviour.retention_share = 0;
  sc.behaviour.school_retention = 0;
  sc.behaviour.stay_if_stranded = 0;
  sc.run.duration_h = 2;
  const auto r = run_grid(c, sc, 2);
  const auto waiting0 = r.rows.front().state[static_cast<int>(AgentState::kWaiting)];
  REQUIRE(waiting0 == r.rows.front().agents);
  const TimeseriesRow* at1h = nullptr;
  for (const auto& row : r.rows)
    if (row.time_s == 3600) at1h = &row;
  REQUIRE(at1h);
  const double left = 1.0 - static_cast<double>(at1h->state[static_cast<int>(AgentState::kWaiting)]) / waiting0;
  CHECK(left >= 0.70);
  CHECK(left <= 0.85);  // exponential, mean 40 min: 1 - exp(-1.5) = 77.7 %
}

TEST_CASE("results are identical with 1 and 2 threads and on every run") {
  const auto c = grid_city();
  const auto sc = grid_scenario();
  const auto a = run_grid(c, sc, 1);
  const auto b = run_grid(c, sc, 2);
  const auto again = run_grid(c, sc, 2);
  CHECK(same_rows(a.rows, b.rows));
  CHECK(same_rows(b.rows, again.rows));
  CHECK(a.edges.peak_density == b.edges.peak_density);
  CHECK(a.edges.seconds_ge4 == b.edges.seconds_ge4);
  CHECK(a.edges.seconds_ge6 == b.edges.seconds_ge6);
  CHECK(a.edges.peak_flow == b.edges.peak_flow);
  CHECK(a.fac.peak_occupancy == b.fac.peak_occupancy);
  CHECK(a.fac.seconds_full == b.fac.seconds_full);
  CHECK(a.summary.person_minutes_ge4 == b.summary.person_minutes_ge4);
  CHECK(a.summary.arrived_home == b.summary.arrived_home);
  // A different seed gives a different run.
  RunConfig rc;
  rc.seed = 8;
  Simulation other(c.net, c.city, sc, rc);
  other.run();
  CHECK_FALSE(same_rows(other.timeseries(), a.rows));
}

TEST_CASE("stranded people go to the nearest open facility and never overfill it") {
  const auto c = grid_city();
  auto sc = grid_scenario();
  sc.population.share_work = 0;
  sc.population.share_school = 0;
  sc.population.share_shopping = 1;
  sc.population.share_visitor = 0;
  sc.population.share_transit = 0;
  RunConfig rc;
  rc.seed = 3;
  rc.check_invariants = true;
  Simulation sim(c.net, c.city, sc, rc);
  // Nobody moves to a facility before it opens (10-30 min after the quake).
  while (sim.time_s() < 600) sim.step();
  CHECK(sim.current_row().persons_sheltered == 0);
  sim.run();
  const auto fs = sim.facility_stats();
  // 4000 agents for 20,000 people: 5 per agent; capacities 600 and 400 -> 120 and 80 agents.
  CHECK(fs.peak_occupancy[0] == doctest::Approx(600));
  CHECK(fs.peak_occupancy[1] == doctest::Approx(400));
  CHECK(sim.facility_state(ShelterId{0}) == FacilityState::kFull);
  CHECK(sim.summary().peak_unsheltered_stranded > 0);  // more stranded than places
}

TEST_CASE("operator commands act at step boundaries and replaying the log reproduces the run") {
  const auto c = grid_city();
  const auto sc = grid_scenario();
  std::vector<Command> live;
  Command close;
  close.time_s = 1800;
  close.type = CommandType::kCloseFacility;
  close.facility = make_id<ShelterId>(0);
  live.push_back(close);
  Command cap;
  cap.time_s = 2400;
  cap.type = CommandType::kSetCapacity;
  cap.facility = make_id<ShelterId>(1);
  cap.value = 100;
  live.push_back(cap);
  Command shut;
  shut.time_s = 600;
  shut.type = CommandType::kCloseEdge;
  shut.edge = make_id<EdgeId>(40);
  live.push_back(shut);
  Command guide;
  guide.time_s = 3000;
  guide.type = CommandType::kGuidance;
  guide.facility = make_id<ShelterId>(1);
  guide.value = 1.0;
  guide.x = 400;
  guide.y = 400;
  guide.radius_m = 2000;
  live.push_back(guide);
  Command rel;
  rel.time_s = 3600;
  rel.type = CommandType::kReleaseRetained;
  rel.value = 0.5;
  live.push_back(rel);

  const auto first = run_grid(c, sc, 2, /*check=*/true, live);
  REQUIRE(first.log.size() == live.size());
  CHECK(first.log[0].type == CommandType::kCloseEdge);
  CHECK(first.fac.state[0] == FacilityState::kClosed);
  CHECK(first.fac.capacity[1] == 100);
  CHECK(first.edges.peak_density[40] >= 0);

  // Replay: the logged commands as the scenario's script give the same run.
  auto replay = sc;
  replay.commands = first.log;
  const auto second = run_grid(c, replay, 1, /*check=*/true);
  CHECK(same_rows(first.rows, second.rows));
  CHECK(first.edges.peak_density == second.edges.peak_density);
  CHECK(first.summary.person_minutes_ge4 == second.summary.person_minutes_ge4);

  // The commands changed the outcome.
  const auto none = run_grid(c, sc, 2);
  CHECK_FALSE(same_rows(none.rows, first.rows));
}

TEST_CASE("the periodic optimiser issues logged guidance; a replay makes it again; threads do not matter") {
  const auto c = grid_city();
  auto sc = grid_scenario();
  sc.hazards.optimiser.period_min = 20;
  sc.hazards.optimiser.compliance = 1.0;
  // More room in the north at 0:50: the periodic plan sends people to it at 1:00,
  // before the engine's own retries (here every hour) would find it.
  sc.behaviour.retry_min = 60;
  Command cap;
  cap.time_s = 3000;
  cap.type = CommandType::kSetCapacity;
  cap.facility = make_id<ShelterId>(0);
  cap.value = 1500;
  cap.source = "scenario";
  sc.commands = {cap};

  const auto first = run_grid(c, sc, 2, /*check=*/true);
  std::size_t periodic = 0;
  std::vector<std::int64_t> when;
  for (const Command& cmd : first.log)
    if (cmd.source == kPeriodicOptimiserSource) {
      ++periodic;
      CHECK(cmd.type == CommandType::kGuidance);
      CHECK(cmd.time_s % 1200 == 0);
      if (when.empty() || when.back() != cmd.time_s) when.push_back(cmd.time_s);
    }
  MESSAGE(periodic << " periodic guidance commands at " << when.size() << " of the 8 periods");
  REQUIRE(periodic > 0);
  CHECK(std::find(when.begin(), when.end(), 3600) != when.end());
  CHECK(is_regenerated_source(kPeriodicOptimiserSource));
  CHECK(is_regenerated_source(std::string("replay:") + kPeriodicOptimiserSource));
  CHECK_FALSE(is_regenerated_source("optimiser"));  // the dashboard's accepted plans are replayed as logged

  // One thread: the same run.
  const auto one = run_grid(c, sc, 1);
  CHECK(same_rows(first.rows, one.rows));
  CHECK(first.log.size() == one.log.size());

  // Replay: the log without what the run makes itself gives the same run, with the
  // periodic guidance made again at the same steps.
  auto replay = sc;
  replay.commands.clear();
  for (Command cmd : first.log)
    if (!is_regenerated_source(cmd.source)) replay.commands.push_back(cmd);
  REQUIRE(replay.commands.size() == first.log.size() - periodic);
  const auto second = run_grid(c, replay, 1, /*check=*/true);
  CHECK(same_rows(first.rows, second.rows));
  CHECK(first.log.size() == second.log.size());
  CHECK(first.edges.peak_density == second.edges.peak_density);

  // And it changed the run: fewer person-steps stranded outdoors than without it.
  auto off = sc;
  off.hazards.optimiser.period_min = 0;
  const auto without = run_grid(c, off, 2);
  auto outdoors = [](const RunResult& r) {
    std::int64_t n = 0;
    for (const auto& row : r.rows) n += row.state[static_cast<int>(AgentState::kUnsheltered)];
    return n;
  };
  MESSAGE("unsheltered agent-intervals: " << outdoors(first) << " with the periodic optimiser, " << outdoors(without)
                                          << " without");
  CHECK_FALSE(same_rows(first.rows, without.rows));
  CHECK(outdoors(first) < outdoors(without));
}

TEST_CASE("a closed edge carries nobody and walkers route around it") {
  const auto art = ascii_network(
      "A---B---C\n"
      "|       |\n"
      "D-------E", 100.0);
  const Network net(art.data);
  auto sc = quiet_scenario();
  sc.run.duration_h = 2;
  sc.behaviour.departure_mean_min = 1e-6;
  RunConfig rc;
  rc.check_invariants = true;
  // Home east of C; the home's cell holds C and E (x = 800 m). The short way is
  // A-B-C; with B-C closed it is A-D-E.
  sc.commands.push_back([&] {
    Command cmd;
    cmd.time_s = 0;
    cmd.type = CommandType::kCloseEdge;
    cmd.edge = edge_named(net, "BC");
    return cmd;
  }());
  Simulation sim(net, City{}, sc, rc, walkers(net, NodeId{art.node.at('A')}, 20, 1.34f, {2000, 0}));
  sim.run();
  const auto es = sim.edge_stats();
  CHECK(es.peak_density[index(edge_named(net, "BC"))] == 0.0f);
  CHECK(es.peak_density[index(edge_named(net, "DE"))] > 0.0f);
  CHECK(sim.summary().arrived_home == 20);
}

TEST_CASE("a command naming a facility or edge that does not exist is an error, before the run starts") {
  const auto c = grid_city();
  auto sc = grid_scenario();
  Command bad;
  bad.type = CommandType::kCloseFacility;
  bad.facility = make_id<ShelterId>(99);
  bad.source = "drill.toml";
  sc.commands.push_back(bad);
  CHECK_THROWS_WITH_AS(Simulation(c.net, c.city, sc, RunConfig{}), doctest::Contains("facility 99 does not exist"),
                       InputError);
  // Submitted live (the dashboard), a bad command is refused and nothing is queued.
  Simulation sim(c.net, c.city, grid_scenario(), RunConfig{});
  Command edge;
  edge.type = CommandType::kCloseEdge;
  edge.edge = make_id<EdgeId>(1 << 20);
  CHECK_THROWS_WITH_AS(sim.submit(edge), doctest::Contains("does not exist"), InputError);
  Command share;
  share.type = CommandType::kGuidance;
  share.facility = make_id<ShelterId>(0);
  share.value = 1.5;
  CHECK_THROWS_AS(sim.submit(share), InputError);
  sim.step();
  CHECK(sim.command_log().empty());
}

TEST_CASE("from day 4 everyone still out walks home") {
  const auto c = grid_city();
  auto sc = grid_scenario();
  sc.behaviour.retention_share = 1.0;  // all workers kept for 72 h
  sc.behaviour.stay_if_stranded = 1.0;
  sc.run.duration_h = 80;
  sc.run.step_s = 10;
  sc.run.output_interval_s = 3600;
  sc.population.agents = 1500;
  RunConfig rc;
  rc.check_invariants = false;
  Simulation sim(c.net, c.city, sc, rc);
  while (sim.time_s() < 71 * 3600) sim.step();
  auto row = sim.current_row();
  CHECK(row.state[static_cast<int>(AgentState::kRetained)] > 0);
  CHECK(row.state[static_cast<int>(AgentState::kSheltered)] > 0);
  sim.run();
  row = sim.current_row();
  CHECK(row.state[static_cast<int>(AgentState::kRetained)] == 0);
  CHECK(row.state[static_cast<int>(AgentState::kStaying)] == 0);
  CHECK(row.state[static_cast<int>(AgentState::kSheltered)] == 0);
  CHECK(row.state[static_cast<int>(AgentState::kWalkingHome)] + row.state[static_cast<int>(AgentState::kArrivedHome)] ==
        row.agents);
}

TEST_CASE("a walker held at a full edge for stuck_s squeezes in, so a jam cannot lock for good") {
  //   A---B---C---D   with B-C 0.2 m wide (160 people), as above, but stuck_s = 60 s.
  auto art = ascii_network(kCorridor, 25.0);
  const Network wide(art.data);
  const EdgeId bc = edge_named(wide, "BC");
  art.data.edge_width_m[index(bc)] = 0.2f;
  const Network net(art.data);
  auto sc = quiet_scenario();
  sc.behaviour.departure_mean_min = 1e-6;
  sc.movement.stuck_s = 60;
  RunConfig rc;
  rc.check_invariants = true;
  Simulation sim(net, City{}, sc, rc, walkers(net, NodeId{art.node.at('A')}, 600, 1.34f, {5000, 0}));
  int max_bc = 0;
  for (int i = 0; i < 900 && sim.step(); ++i) max_bc = std::max(max_bc, sim.edge_view(bc).count);
  CHECK(max_bc > 160);   // some squeezed in above the storage limit,
  CHECK(max_bc <= 200);  // but never above rho_limit: 10 p/m2 x 100 m x 0.2 m
}

TEST_CASE("long_walk_share: the stranded who walk home all the same, off the network's far side") {
  // 200 shoppers at A, homes 25 km away (the distance rule strands them all), far east.
  auto art = ascii_network(kCorridor, 25.0);
  const Network net(art.data);
  auto pop = walkers(net, NodeId{art.node.at('A')}, 200, 1.34f, {25000, 0});
  for (auto& km : pop.home_km) km = 25;
  const auto run = [&](double share) {
    auto sc = quiet_scenario();
    sc.behaviour.departure_mean_min = 1e-6;
    sc.behaviour.long_walk_share = share;
    Simulation sim(net, City{}, sc, RunConfig{}, pop);
    sim.run();
    return sim.summary();
  };
  const Summary none = run(0), some = run(0.5), all = run(1);
  CHECK(none.walkers == 0);  // nowhere to stay, no facility: stranded outdoors, nobody walks
  CHECK(all.walkers == 200);
  CHECK(some.walkers > 60);
  CHECK(some.walkers < 140);
  // 25 km at 1.34 m/s is more than 5 h: within the hour nobody is home yet.
  CHECK(all.arrived_home == 0);
}

TEST_CASE("no edge ever holds more than rho_limit persons/m2, however many squeeze") {
  // Everyone from one corner of a 5 x 5 grid of 1 m wide streets, all at once, and
  // held only 20 s before squeezing: the jam presses on every edge near the corner.
  const Network net(test::grid_network(5, 100.0, 1.0f));
  auto sc = quiet_scenario();
  sc.behaviour.departure_mean_min = 1e-6;
  sc.movement.stuck_s = 20;
  RunConfig rc;
  rc.check_invariants = true;
  Simulation sim(net, City{}, sc, rc, walkers(net, NodeId{0}, 3000, 1.34f, {5000, 0}));
  float peak = 0;
  bool above_jam = false;
  for (int i = 0; i < 1200 && sim.step(); ++i)
    for (std::uint32_t e = 0; e < net.edge_count(); ++e) {
      const EdgeView v = sim.edge_view(EdgeId{e});
      if (v.count <= 1) continue;  // one agent is always let on, whatever its density
      peak = std::max(peak, v.density);
      above_jam = above_jam || v.density > sc.movement.rho_jam;
    }
  CHECK(above_jam);  // walkers did squeeze above the storage limit...
  CHECK(peak <= sc.movement.rho_limit + 1e-4f);  // ...but no edge went above the limit
}

// Simulation::phase_seconds() splits each step's wall time into phases (a
// benchmark diagnostic): each phase is timed inside the step, so the phases add up
// to no more than the steps' wall time, and a run that moves walkers spends time
// moving them.
TEST_CASE("the wall time by phase covers the steps and names every phase") {
  const auto c = grid_city();
  RunConfig rc;
  rc.threads = 2;
  Simulation sim(c.net, c.city, grid_scenario(), rc);
  for (const double s : sim.phase_seconds()) CHECK(s == 0.0);
  sim.run();
  const auto ph = sim.phase_seconds();
  double sum = 0;
  for (const double s : ph) {
    CHECK(s >= 0.0);
    sum += s;
  }
  CHECK(sum > 0.0);
  CHECK(sum <= sim.summary().wall_seconds + 1e-9);
  CHECK(ph[static_cast<std::size_t>(Simulation::Phase::kMove)] > 0.0);
  std::set<std::string> names;
  for (int p = 0; p < static_cast<int>(Simulation::Phase::kCount); ++p)
    names.insert(Simulation::phase_name(static_cast<Simulation::Phase>(p)));
  CHECK(names.size() == static_cast<std::size_t>(Simulation::Phase::kCount));
  CHECK(names.count("?") == 0);
}
