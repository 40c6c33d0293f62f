// Checkpoints (Simulation::save_checkpoint / load_checkpoint): a run saved at time T
// and resumed in a fresh Simulation, on another thread count, ends bit for bit where
// the uninterrupted run ends — through commands, closures, fire, blockage, an
// aftershock's pause and a rail line; a truncated, corrupt or foreign checkpoint is
// an InputError naming the file and what is wrong, never a crash.
#include <doctest/doctest.h>

#include <algorithm>
#include <atomic>
#include <cstring>
#include <random>
#include <sstream>
#include <string>
#include <vector>

#include "../../sim/src/checkpoint_io.hpp"  // white box: re-seal a tampered file's checksum
#include "grid.hpp"
#include "kitaku/sim/agents_csv.hpp"
#include "kitaku/sim/checkpoint.hpp"
#include "kitaku/sim/error.hpp"
#include "kitaku/sim/hazards.hpp"
#include "kitaku/sim/simulation.hpp"
#include "test_util.hpp"

using namespace kitaku;

namespace {

struct GridCity {
  Network net;
  City city;
};
// Lanes 0.5 m wide: with 5 persons per agent, 40 agents make 4 p/m2 and queues form.
GridCity grid_city(int n = 9) {
  return {Network(test::grid_network(n, 100.0, 0.5f)), test::grid_test_city((n - 1) * 100.0)};
}

Command command(double at_min, CommandType type) {
  Command c;
  c.time_s = static_cast<std::int64_t>(at_min * 60);
  c.type = type;
  c.source = "scenario";
  return c;
}

// The grid scenario with something happening all the time: scripted operator
// commands, shaking that blocks roads and fails facilities, a fire that burns out,
// an aftershock that pauses walkers and blocks more roads, and a rail line.
Scenario busy_scenario() {
  Scenario sc = test::grid_test_scenario();
  sc.run.duration_h = 2.5;
  sc.behaviour.departure_mean_min = 15;
  auto& s = sc.hazards.seismic;
  s.enabled = true;
  s.epicentre_x = 400;
  s.epicentre_y = 400;
  s.depth_km = 10;
  s.magnitude = 7.3;
  s.intensity_offset = 0.5;
  sc.hazards.blockage.rate_scale = 0.5;
  sc.hazards.facility_failure.enabled = false;  // keep both facilities (the grid city has two)
  sc.hazards.fire.enabled = true;
  sc.hazards.fire.ignitions = {{250, 250}};
  sc.hazards.fire.burn_h = 1;
  sc.hazards.fire.reopen_burnt = true;
  sc.hazards.fire.update_min = 5;
  Aftershock as;
  as.at_min = 50;
  as.magnitude = 7.0;
  as.depth_km = 3;
  as.pause_min = 4;
  sc.hazards.aftershocks = {as};
  RailLine rail;
  rail.name = "Central line";
  rail.stations = {"Central"};
  rail.resume_h = 1.0;
  rail.station_catchment_m = 300;
  rail.home_catchment_km = 20;
  rail.capacity_per_h = 1500;
  sc.hazards.rail_lines = {rail};
  Command close = command(10, CommandType::kCloseEdge);
  close.edge = make_id<EdgeId>(40);
  Command reopen = command(70, CommandType::kReopenEdge);
  reopen.edge = make_id<EdgeId>(40);
  Command cap = command(35, CommandType::kSetCapacity);
  cap.facility = make_id<ShelterId>(1);
  cap.value = 150;
  Command cordon = command(25, CommandType::kCloseArea);
  cordon.x = 650;
  cordon.y = 650;
  cordon.radius_m = 60;
  Command lift = command(95, CommandType::kReopenArea);
  lift.x = 650;
  lift.y = 650;
  lift.radius_m = 60;
  Command guide = command(45, CommandType::kGuidance);
  guide.facility = make_id<ShelterId>(0);
  guide.value = 0.8;
  Command release = command(60, CommandType::kReleaseRetained);
  release.value = 0.5;
  sc.commands = {close, reopen, cap, cordon, lift, guide, release};
  return sc;
}

// A live operator command, queued at the start and due long after: it must survive
// a checkpoint as a pending command.
Command live_command() {
  Command c;
  c.time_s = 110 * 60;
  c.type = CommandType::kCloseFacility;
  c.facility = make_id<ShelterId>(0);
  return c;
}

RunConfig config(int threads) {
  RunConfig rc;
  rc.seed = 21;
  rc.threads = threads;
  rc.parallel_min_walkers = 0;  // the threads work even on this small city
  return rc;
}

// Everything a run reports, for bitwise comparison.
struct Outcome {
  std::vector<TimeseriesRow> rows;
  EdgeStats edges;
  FacilityStats fac;
  Summary summary;
  std::vector<std::string> log;
  std::vector<double> rail;
  std::vector<AgentState> states;
  std::vector<Point> positions;
  std::vector<std::int64_t> exposure;
  std::string agents;  // agents.csv
};

Outcome outcome(const Simulation& sim) {
  Outcome o{sim.timeseries(), sim.edge_stats(), sim.facility_stats(), sim.summary(), {}, {}, {}, {}, {},
            agents_csv(sim.population(), sim.city(), sim.agent_records(), sim.scenario().quake.clock_s)};
  for (const Command& c : sim.command_log()) o.log.push_back(format_command(c));
  for (std::size_t l = 0; l < sim.scenario().hazards.rail_lines.size(); ++l) {
    o.rail.push_back(sim.rail_boarded(l));
    o.rail.push_back(static_cast<double>(sim.rail_running_since(l)));
  }
  for (std::uint32_t a = 0; a < sim.agent_count(); ++a) {
    o.states.push_back(sim.state(AgentId{a}));
    o.positions.push_back(sim.position(AgentId{a}));
    const AgentExposure e = sim.exposure(AgentId{a});
    o.exposure.insert(o.exposure.end(), {e.seconds_ge4, e.seconds_ge6, e.walked ? 1 : 0});
  }
  return o;
}

template <class T>
bool same_bits(const std::vector<T>& a, const std::vector<T>& b) {
  static_assert(std::is_trivially_copyable_v<T>);
  return a.size() == b.size() && (a.empty() || std::memcmp(a.data(), b.data(), a.size() * sizeof(T)) == 0);
}
bool same_bits(double a, double b) { return std::memcmp(&a, &b, sizeof a) == 0; }

// Exactly equal, doubles and floats bit for bit; the summary's wall time and thread
// count describe how it ran, not what it computed.
void check_same(const Outcome& a, const Outcome& b) {
  CHECK(same_bits(a.rows, b.rows));
  CHECK(a.rows.size() == b.rows.size());
  CHECK(same_bits(a.edges.peak_density, b.edges.peak_density));
  CHECK(same_bits(a.edges.seconds_ge4, b.edges.seconds_ge4));
  CHECK(same_bits(a.edges.seconds_ge6, b.edges.seconds_ge6));
  CHECK(same_bits(a.edges.peak_flow, b.edges.peak_flow));
  CHECK(same_bits(a.fac.capacity, b.fac.capacity));
  CHECK(same_bits(a.fac.peak_occupancy, b.fac.peak_occupancy));
  CHECK(same_bits(a.fac.seconds_full, b.fac.seconds_full));
  CHECK(same_bits(a.fac.open_time_s, b.fac.open_time_s));
  CHECK(same_bits(a.fac.state, b.fac.state));
  CHECK(a.log == b.log);
  CHECK(same_bits(a.rail, b.rail));
  CHECK(same_bits(a.states, b.states));
  CHECK(same_bits(a.positions, b.positions));
  CHECK(same_bits(a.exposure, b.exposure));
  CHECK(a.agents == b.agents);
  const Summary &x = a.summary, &y = b.summary;
  CHECK(x.agents == y.agents);
  CHECK(x.seed == y.seed);
  CHECK(x.sim_seconds == y.sim_seconds);
  CHECK(x.partial == y.partial);
  CHECK(x.agent_steps == y.agent_steps);
  CHECK(x.commands_applied == y.commands_applied);
  for (const auto& [p, q] : {std::pair{x.persons_per_agent, y.persons_per_agent},
                             {x.person_minutes_ge6, y.person_minutes_ge6}, {x.person_minutes_ge4, y.person_minutes_ge4},
                             {x.peak_km_road_ge6, y.peak_km_road_ge6}, {x.peak_sheltered, y.peak_sheltered},
                             {x.peak_unsheltered_stranded, y.peak_unsheltered_stranded}, {x.arrived_home, y.arrived_home},
                             {x.by_rail, y.by_rail}, {x.walkers, y.walkers}, {x.persons_ge6_3h, y.persons_ge6_3h},
                             {x.persons_ge6_1h, y.persons_ge6_1h}, {x.persons_ge4_3h, y.persons_ge4_3h},
                             {x.share_walkers_ge6_3h, y.share_walkers_ge6_3h}})
    CHECK(same_bits(p, q));
}

std::string save(const Simulation& sim) {
  std::ostringstream out(std::ios::binary);
  sim.save_checkpoint(out);
  REQUIRE(out.good());
  return std::move(out).str();
}

void load(Simulation& sim, const std::string& bytes, const std::string& origin = "ck.kitaku") {
  std::istringstream in(bytes, std::ios::binary);
  sim.load_checkpoint(in, origin);
}

// The InputError's message from loading `bytes` into a fresh simulation; "" if it loads.
std::string load_error(const GridCity& c, const Scenario& sc, const RunConfig& rc, const std::string& bytes) {
  Simulation sim(c.net, c.city, sc, rc);
  try {
    load(sim, bytes);
  } catch (const InputError& e) {
    CHECK(e.file() == "ck.kitaku");
    return e.what();
  }
  return "";
}

}  // namespace

TEST_CASE("checkpoint and resume gives a bit-identical result, at any time and thread count") {
  const auto c = grid_city();
  const Scenario sc = busy_scenario();

  Simulation a(c.net, c.city, sc, config(1));
  a.submit(live_command());
  a.run();
  const Outcome straight = outcome(a);
  // The scenario exercises what a checkpoint must carry.
  const auto& log = straight.log;
  auto logged = [&](const char* what) {
    return std::any_of(log.begin(), log.end(), [&](const std::string& l) { return l.find(what) != std::string::npos; });
  };
  CHECK(logged("type=close_area"));     // the fire
  CHECK(logged("type=reopen_area"));    // burnt out
  CHECK(logged("type=pause_walkers"));  // the aftershock
  CHECK(logged("type=resume_rail"));
  CHECK(logged("type=close_facility"));  // the live command
  CHECK(std::count_if(log.begin(), log.end(), [](const std::string& l) { return l.find("type=close_edge") != std::string::npos; }) > 1);
  const auto& blocked = a.hazard_plan().edge_blocked;
  MESSAGE(std::count(blocked.begin(), blocked.end(), 1) << " edges blocked by the quake; " << log.size()
                                                         << " commands; " << straight.summary.person_minutes_ge6
                                                         << " person-minutes at 6 p/m2");
  CHECK(std::count(blocked.begin(), blocked.end(), 1) > 0);
  CHECK(straight.rail[0] > 0);
  CHECK(straight.summary.person_minutes_ge4 > 0);

  // Run B saves at several times along the way (saving changes nothing); each
  // checkpoint resumes in a fresh simulation on another thread count.
  const std::vector<std::int64_t> at = {5, 600, 2400, 3100, 3900, 6600, 8995};  // s; 3100: mid-pause
  std::vector<std::string> saved;
  {
    Simulation b(c.net, c.city, sc, config(2));
    b.submit(live_command());
    while (!b.done()) {
      b.step();
      if (std::find(at.begin(), at.end(), b.time_s()) != at.end()) saved.push_back(save(b));
    }
    check_same(outcome(b), straight);
  }
  REQUIRE(saved.size() == at.size());
  for (std::size_t i = 0; i < saved.size(); ++i) {
    CAPTURE(at[i]);
    Simulation resumed(c.net, c.city, sc, config(i % 2 ? 1 : 3));
    load(resumed, saved[i]);
    CHECK(resumed.time_s() == at[i]);
    resumed.validate();
    resumed.run();
    check_same(outcome(resumed), straight);
  }
}

TEST_CASE("rebuilding only the route trees a closure touches gives the same run as rebuilding all") {
  // The busy scenario closes roads (blockage, fire, the aftershock, a cordon) and
  // reopens them (burnt out, lifted): closures alone take the selective path,
  // reopenings rebuild everything.
  const auto c = grid_city();
  const Scenario sc = busy_scenario();
  RunConfig all = config(2);
  all.selective_tree_rebuild = false;
  Simulation full(c.net, c.city, sc, all);
  full.submit(live_command());
  full.run();
  Simulation sel(c.net, c.city, sc, config(2));
  sel.submit(live_command());
  sel.run();
  check_same(outcome(sel), outcome(full));
  const auto f = full.tree_rebuilds(), s = sel.tree_rebuilds();
  MESSAGE("trees after closures and reopenings: " << f.rebuilt << " rebuilt when rebuilding all; selectively "
                                                  << s.rebuilt << " rebuilt, " << s.repaired << " repaired, "
                                                  << s.kept << " kept");
  CHECK(f.kept == 0);
  CHECK(f.repaired == 0);
  CHECK(f.rebuilt > 0);
  CHECK(s.kept > 0);
  CHECK(s.repaired > 0);
  CHECK(s.rebuilt < f.rebuilt);
  CHECK(s.rebuilt + s.repaired + s.kept == f.rebuilt);
}

TEST_CASE("a run stopped early (Ctrl-C) and checkpointed resumes to the same result") {
  const auto c = grid_city();
  Scenario sc = busy_scenario();
  sc.run.duration_h = 1.5;
  Simulation a(c.net, c.city, sc, config(2));
  a.run();
  const Outcome straight = outcome(a);

  std::atomic<bool> stop{false};
  Simulation b(c.net, c.city, sc, config(2));
  b.run([&](double) { if (b.time_s() >= 2345) stop = true; }, &stop);
  REQUIRE(b.summary().partial);
  REQUIRE(b.timeseries().back().time_s == 2345);  // the stopped run's extra row
  const std::string bytes = save(b);
  Simulation resumed(c.net, c.city, sc, config(1));
  load(resumed, bytes);
  CHECK(resumed.timeseries().back().time_s == 2100);  // the extra row is not carried on
  // The wall time carries on from the saved run's.
  CHECK(resumed.summary().wall_seconds == b.summary().wall_seconds);
  resumed.run();
  CHECK(resumed.summary().wall_seconds >= b.summary().wall_seconds);
  check_same(outcome(resumed), straight);

  // A checkpoint at the end resumes to the end at once.
  Simulation end(c.net, c.city, sc, config(1));
  load(end, save(a));
  CHECK(end.done());
  CHECK(!end.step());
  check_same(outcome(end), straight);
}

TEST_CASE("a checkpoint of another run is refused, naming the file and what differs") {
  const auto c = grid_city();
  Scenario sc = test::grid_test_scenario();
  sc.run.duration_h = 0.25;
  Simulation b(c.net, c.city, sc, config(1));
  for (int i = 0; i < 60; ++i) b.step();
  const std::string bytes = save(b);
  CHECK(load_error(c, sc, config(2), bytes).empty());

  RunConfig other_seed = config(1);
  other_seed.seed = 22;
  const std::string seed = load_error(c, sc, other_seed, bytes);
  CAPTURE(seed);
  CHECK(seed.rfind("ck.kitaku: header: written for another run: ", 0) == 0);
  CHECK(seed.find("the seed differs (checkpoint 21, this run 22)") != std::string::npos);
  CHECK(seed.find("scenario") == std::string::npos);

  Scenario longer = sc;
  longer.run.duration_h = 0.5;
  const std::string scenario = load_error(c, longer, config(1), bytes);
  CAPTURE(scenario);
  CHECK(scenario.find("the scenario (its resolved TOML) differs") != std::string::npos);
  CHECK(scenario.find("seed") == std::string::npos);

  Scenario fewer = sc;
  fewer.population.agents = 3000;
  const std::string agents = load_error(c, fewer, config(1), bytes);
  CAPTURE(agents);
  CHECK(agents.find("the number of agents differs (checkpoint 4000, this run 3000)") != std::string::npos);

  const auto bigger = grid_city(10);
  const std::string network = load_error(bigger, sc, config(1), bytes);
  CAPTURE(network);
  CHECK(network.find("the network differs (checkpoint 81 nodes and 144 edges, this run 100 and 180)") != std::string::npos);

  auto moved = c;
  moved.city.facilities[0].capacity += 1;
  const std::string facilities = load_error(moved, sc, config(1), bytes);
  CAPTURE(facilities);
  CHECK(facilities.find("the facilities differ") != std::string::npos);

  // A simulation that has stepped cannot take a checkpoint.
  Simulation stepped(c.net, c.city, sc, config(1));
  stepped.step();
  CHECK_THROWS_AS(load(stepped, bytes), InvariantError);
}

TEST_CASE("a truncated or corrupt checkpoint is an InputError, never a crash") {
  const auto c = grid_city();
  Scenario sc = test::grid_test_scenario();
  sc.run.duration_h = 0.25;
  Simulation b(c.net, c.city, sc, config(1));
  for (int i = 0; i < 90; ++i) b.step();
  const std::string bytes = save(b);
  REQUIRE(bytes.size() > 1000);

  CHECK(load_error(c, sc, config(1), "").find("ck.kitaku: the checkpoint is empty") == 0);
  CHECK(load_error(c, sc, config(1), "hello, world").find("not a Kitaku checkpoint") != std::string::npos);
  for (const std::size_t n : {std::size_t{8}, std::size_t{12}, std::size_t{40}, std::size_t{100}, bytes.size() / 2,
                              bytes.size() - 9, bytes.size() - 1}) {
    CAPTURE(n);
    const std::string e = load_error(c, sc, config(1), bytes.substr(0, n));
    CAPTURE(e);
    CHECK(e.find("truncated") != std::string::npos);
  }
  std::string flipped = bytes;
  flipped[bytes.size() / 3] ^= 0x10;
  CHECK(load_error(c, sc, config(1), flipped).find("corrupt: the checksum does not match") != std::string::npos);
  std::string version = bytes;
  version[8] = 99;
  CHECK(load_error(c, sc, config(1), version).find("checkpoint format 99, but this Kitaku reads format " +
                                                            std::to_string(kCheckpointFormatVersion)) !=
        std::string::npos);

  // Tampered bytes with a valid checksum: still an InputError (or a load), never a crash.
  std::mt19937 rng(test::test_seed());
  int refused = 0;
  for (int i = 0; i < 24; ++i) {
    std::string t = bytes;
    const std::size_t body = 8 + 16 + 64;
    const std::size_t at = body + rng() % (t.size() - 16 - body);
    t[at] = static_cast<char>(t[at] ^ static_cast<char>(1 + rng() % 255));
    const std::uint64_t sum = ckpt::hash_bytes(t.data(), t.size() - 8);
    std::memcpy(t.data() + t.size() - 8, &sum, 8);
    Simulation sim(c.net, c.city, sc, config(1));
    try {
      load(sim, t);
    } catch (const InputError& e) {
      ++refused;
      CHECK(e.file() == "ck.kitaku");
    }
  }
  MESSAGE(refused << " of 24 tampered checkpoints refused");
  // An agent on an arc that does not exist.
  std::string t = bytes;
  const std::size_t arcs = 8 + 16 + 64 + 16 + 8 + 4000 + 8;  // header, time, states, then the arcs' length
  std::uint32_t bad = 0xfffffff0u;
  std::memcpy(t.data() + arcs, &bad, 4);
  const std::uint64_t sum = ckpt::hash_bytes(t.data(), t.size() - 8);
  std::memcpy(t.data() + t.size() - 8, &sum, 8);
  const std::string e = load_error(c, sc, config(1), t);
  CAPTURE(e);
  CHECK(e.find("agent 0 stands on an arc, node or facility that does not exist (corrupt checkpoint)") !=
        std::string::npos);
}
