// The per-person record (Simulation::agent_records, agents.csv): one row per agent
// with the documented header, weights that sum to the population, times and
// exposures that agree with one another and with the run's metrics, and the same
// file for any thread count and after resuming from a checkpoint.
#include <doctest/doctest.h>

#include <algorithm>
#include <cmath>
#include <sstream>
#include <string>
#include <vector>

#include "grid.hpp"
#include "kitaku/sim/agents_csv.hpp"
#include "kitaku/sim/simulation.hpp"

using namespace kitaku;

namespace {

struct GridCity {
  Network net;
  City city;
};
// Lanes 0.5 m wide: with 5 persons per agent, 40 agents make 4 p/m2 and crowds form.
GridCity grid_city() { return {Network(test::grid_network(9, 100.0, 0.5f)), test::grid_test_city(800.0)}; }

Scenario scenario() {
  Scenario sc = test::grid_test_scenario();
  sc.run.duration_h = 2;
  sc.behaviour.departure_mean_min = 10;
  return sc;
}

RunConfig config(int threads) {
  RunConfig rc;
  rc.seed = 5;
  rc.threads = threads;
  rc.parallel_min_walkers = 0;  // the threads work even on this small city
  return rc;
}

std::string csv_of(const Simulation& sim) {
  return agents_csv(sim.population(), sim.city(), sim.agent_records(), sim.scenario().quake.clock_s);
}

std::vector<std::string> lines(const std::string& text) {
  std::vector<std::string> out;
  std::istringstream in(text);
  for (std::string l; std::getline(in, l);) out.push_back(l);
  return out;
}

std::vector<std::string> cells(const std::string& line) {
  std::vector<std::string> out;
  std::string c;
  std::istringstream in(line);
  while (std::getline(in, c, ',')) out.push_back(c);
  if (!line.empty() && line.back() == ',') out.emplace_back();
  return out;
}

}  // namespace

TEST_CASE("agents.csv: one row per agent under the documented header, weights summing to the population") {
  const auto c = grid_city();
  Simulation sim(c.net, c.city, scenario(), config(2));
  sim.run();
  const std::string text = csv_of(sim);
  const auto ls = lines(text);
  REQUIRE(ls.size() == sim.agent_count() + 1);
  std::string header;
  for (const auto& col : agents_csv_columns()) header += (header.empty() ? "" : ",") + col;
  CHECK(ls[0] == header);
  CHECK(ls[0] ==
        "id,weight,origin,origin_index,origin_name,origin_x,origin_y,home_km,activity,age_group,stranded,"
        "departure_s,departure_clock,arrival_home_s,arrival_home_clock,arrival_facility_s,facility_id,facility_name,"
        "final_state,walked_network_m,walked_off_network_m,walking_s,seconds_ge4,seconds_ge6,"
        "junction_seconds_ge4,junction_seconds_ge6");
  const std::size_t ncol = agents_csv_columns().size();
  double weights = 0;
  for (std::size_t i = 1; i < ls.size(); ++i) {
    const auto row = cells(ls[i]);
    REQUIRE(row.size() == ncol);  // the grid city's names hold no commas
    CHECK(row[0] == std::to_string(i - 1));
    weights += std::stod(row[1]);
  }
  const Population& pop = sim.population();
  CHECK(weights == doctest::Approx(pop.persons_per_agent * static_cast<double>(pop.size())).epsilon(1e-12));
  CHECK(weights == doctest::Approx(pop.persons_total).epsilon(1e-9));
  // A row in full: the clock columns are the quake's local time plus the seconds.
  const AgentRecords r = sim.agent_records();
  for (std::size_t i = 0; i < r.size(); ++i) {
    if (r.arrival_home_s[i] < 0) continue;
    const auto row = cells(ls[i + 1]);
    const std::int64_t clock = 14 * 3600 + 46 * 60 + r.arrival_home_s[i];
    char want[16];
    std::snprintf(want, sizeof want, "%02d:%02d:%02d", static_cast<int>(clock / 3600), static_cast<int>(clock / 60 % 60),
                  static_cast<int>(clock % 60));
    CHECK(row[13] == std::to_string(r.arrival_home_s[i]));
    CHECK(row[14] == want);
    CHECK(row[18] == "arrived_home");
    break;
  }
}

TEST_CASE("agent records agree with one another and with the run's metrics") {
  const auto c = grid_city();
  const Scenario sc = scenario();
  RunConfig rc = config(2);
  rc.check_invariants = true;  // validate(), the record's invariants included, after every step
  Simulation sim(c.net, c.city, sc, rc);
  sim.run();
  const AgentRecords r = sim.agent_records();
  const Population& pop = sim.population();
  const Summary s = sim.summary();
  REQUIRE(r.size() == sim.agent_count());
  const std::int64_t dt = sc.run.step_s, end = sim.duration_s();
  std::int64_t ge4 = 0, ge6 = 0, walking = 0, home = 0, sheltered = 0, walkers = 0, crowded = 0, off = 0;
  for (std::size_t i = 0; i < r.size(); ++i) {
    CAPTURE(i);
    const AgentId a{static_cast<std::uint32_t>(i)};
    const AgentExposure e = sim.exposure(a);
    CHECK(r.seconds_ge4[i] == e.seconds_ge4);
    CHECK(r.seconds_ge6[i] == e.seconds_ge6);
    CHECK(r.seconds_ge6[i] <= r.seconds_ge4[i]);
    CHECK(r.seconds_ge4[i] <= r.walking_s[i]);
    CHECK(r.walking_s[i] % dt == 0);
    CHECK(r.walking_s[i] <= end);
    CHECK(r.state[i] == sim.state(a));
    CHECK((r.departure_s[i] >= 0) == e.walked);
    if (r.walking_s[i] > 0) CHECK(r.departure_s[i] >= 0);
    CHECK((r.arrival_home_s[i] >= 0) == (r.state[i] == AgentState::kArrivedHome));
    if (r.arrival_home_s[i] >= 0) CHECK(r.arrival_home_s[i] >= r.departure_s[i]);
    if (r.arrival_facility_s[i] >= 0) {
      CHECK(r.arrival_facility_s[i] >= r.departure_s[i]);
      CHECK(r.departure_s[i] >= 0);
    }
    CHECK((r.facility[i] >= 0) == (r.arrival_facility_s[i] >= 0));
    if (r.state[i] == AgentState::kSheltered) CHECK(r.facility[i] >= 0);
    CHECK(r.facility[i] < static_cast<std::int32_t>(c.city.facilities.size()));
    CHECK(r.walked_network_m[i] >= 0);
    CHECK(r.walked_off_network_m[i] >= 0);
    if (r.walked_off_network_m[i] > 0) CHECK(r.state[i] == AgentState::kArrivedHome);
    // The distance rule (DOMAIN.md): nobody within 10 km is stranded, everyone beyond 20 km is.
    if (pop.home_km[i] <= 10) CHECK(r.stranded[i] == 0);
    if (pop.home_km[i] >= 20) CHECK(r.stranded[i] == 1);
    ge4 += r.seconds_ge4[i];
    ge6 += r.seconds_ge6[i];
    walking += r.walking_s[i];
    home += r.arrival_home_s[i] >= 0;
    sheltered += r.facility[i] >= 0;
    walkers += r.departure_s[i] >= 0;
    crowded += r.seconds_ge4[i] > 0;
    off += r.walked_off_network_m[i] > 0;
  }
  const double w = pop.persons_per_agent;
  // The same crowd counts as the metrics (person-minutes), and the time walking is the walker updates.
  CHECK(static_cast<double>(ge4) * w / 60 == doctest::Approx(s.person_minutes_ge4));
  CHECK(static_cast<double>(ge6) * w / 60 == doctest::Approx(s.person_minutes_ge6));
  CHECK(walking == s.agent_steps * dt);
  CHECK(static_cast<double>(walkers) * w == doctest::Approx(s.walkers));
  CHECK(static_cast<double>(home) * w == doctest::Approx(s.arrived_home));
  MESSAGE(walkers << " walkers, " << home << " home, " << sheltered << " went into a facility, " << crowded
                  << " at >= 4 p/m2 at some time, " << off << " walked off the network");
  // The scenario exercises every column.
  CHECK(home > 0);
  CHECK(sheltered > 0);
  CHECK(crowded > 0);
  CHECK(off > 0);
  CHECK(ge6 > 0);
}

TEST_CASE("agents.csv is the same with 1 and 2 threads, and after resuming from a checkpoint") {
  const auto c = grid_city();
  const Scenario sc = scenario();
  Simulation one(c.net, c.city, sc, config(1));
  one.run();
  const std::string straight = csv_of(one);
  std::vector<std::string> saved;
  {
    Simulation two(c.net, c.city, sc, config(2));
    while (!two.done()) {
      two.step();
      if (two.time_s() == 1200 || two.time_s() == 4000) {
        std::ostringstream out(std::ios::binary);
        two.save_checkpoint(out);
        saved.push_back(std::move(out).str());
      }
    }
    CHECK(csv_of(two) == straight);
  }
  REQUIRE(saved.size() == 2);
  for (std::size_t i = 0; i < saved.size(); ++i) {
    CAPTURE(i);
    Simulation resumed(c.net, c.city, sc, config(i % 2 ? 1 : 2));
    std::istringstream in(saved[i], std::ios::binary);
    resumed.load_checkpoint(in, "ck.kitaku");
    resumed.run();
    CHECK(csv_of(resumed) == straight);
  }
}
