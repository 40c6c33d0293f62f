// The main job end to end: `kitaku` with no arguments and `kitaku run SCENARIO`
// run the simulation and write the outputs (geo/include/kitaku/geo/results.hpp).
// Most tests use a small synthetic city (radius 3 km) and a few thousand agents;
// only the first runs the full embedded default, and it is skipped when
// KITAKU_SKIP_SLOW is set (the ASan pass).
#include <doctest/doctest.h>

#include <cmath>

#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <regex>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "test_util.hpp"

extern char** environ;

using kitaku::test::quoted;
using kitaku::test::CacheDir;
using kitaku::test::CommandResult;
using kitaku::test::run_shell;
using kitaku::test::run_kitaku;
using kitaku::test::skip_slow;
using kitaku::test::slurp;
using kitaku::test::TempDir;
using kitaku::test::use_shared_cache;
namespace fs = std::filesystem;
using json = nlohmann::json;

namespace {

json read_json(const std::string& path) { return json::parse(slurp(path)); }

long long number_after(const std::string& text, const std::string& label) {
  std::smatch m;
  REQUIRE_MESSAGE(std::regex_search(text, m, std::regex(label + R"(\s+([0-9,]+))")), "no number after " << label);
  std::string digits = m[1];
  digits.erase(std::remove(digits.begin(), digits.end(), ','), digits.end());
  return std::stoll(digits);
}

// A small scenario: the 3 km synthetic city, 10,000 agents, half an hour in 10 s
// steps; people set off soon and facilities open soon, so that things happen.
std::string small_scenario(const std::string& run = "duration_h = 0.5\n",
                           const std::string& population = "agents = 10000\n") {
  return "[scenario]\nname = \"Small test city\"\nseed = 3\n"
         "[city]\nsynthetic_radius_km = 3\n"
         "[population]\n" + population +
         "[policy]\nretention_share = 0.3\n"
         "[behaviour]\ndeparture_mean_min = 5\n"
         "[facilities]\nopening_delay_min = 0\nopening_delay_max = 10\n"
         "[run]\n" + run + "step_s = 10\noutput_interval_s = 300\n";
}

std::string write_file(const TempDir& dir, const std::string& name, const std::string& text) {
  const std::string path = dir / name;
  std::ofstream(path) << text;
  return path;
}

struct Csv {
  std::vector<std::string> header;
  std::vector<std::vector<std::string>> rows;
};

std::vector<std::string> split(const std::string& line, char sep) {
  std::vector<std::string> out;
  std::string cell;
  std::istringstream ss(line);
  while (std::getline(ss, cell, sep)) out.push_back(cell);
  if (!line.empty() && line.back() == sep) out.emplace_back();
  return out;
}

Csv read_csv(const std::string& path) {
  std::istringstream in(slurp(path));
  Csv csv;
  std::string line;
  REQUIRE(std::getline(in, line));
  csv.header = split(line, ',');
  while (std::getline(in, line)) csv.rows.push_back(split(line, ','));
  return csv;
}

// Checks timeseries.csv: time_s, agents, persons_per_agent, then the state_*_agents
// columns, which sum to agents on every row, and the state_*_persons columns, each
// its agents times persons_per_agent; one row per output interval from 0, the last row possibly
// at the end of a stopped run. Returns the file.
Csv check_timeseries(const std::string& path, long long interval_s, long long agents) {
  const Csv csv = read_csv(path);
  REQUIRE(csv.header.size() > 3);
  CHECK(csv.header[0] == "time_s");
  CHECK(csv.header[1] == "agents");
  CHECK(csv.header[2] == "persons_per_agent");
  std::vector<std::size_t> states, persons;
  for (std::size_t i = 3; i < csv.header.size() && csv.header[i].rfind("state_", 0) == 0; ++i) {
    const std::string& h = csv.header[i];
    if (h.ends_with("_agents")) states.push_back(i);
    else if (h.ends_with("_persons")) persons.push_back(i);
    else FAIL_CHECK("a state column that does not say its unit: " << h);
  }
  CHECK(states.size() == 9);  // kAgentStates, by_rail included
  CHECK(states.front() == 3);
  REQUIRE(persons.size() == states.size());
  for (const std::string& h : csv.header) {
    CHECK(h.find("wall") == std::string::npos);
    CHECK(h.find("clock") == std::string::npos);
  }
  REQUIRE(!csv.rows.empty());
  for (std::size_t r = 0; r < csv.rows.size(); ++r) {
    const auto& row = csv.rows[r];
    CAPTURE(r);
    REQUIRE(row.size() == csv.header.size());
    const long long t = std::stoll(row[0]), due = static_cast<long long>(r) * interval_s;
    if (r + 1 < csv.rows.size() || r == 0) {
      CHECK(t == due);
    } else {  // the final time: a stopped run ends between two intervals
      CHECK(t > due - interval_s);
      CHECK(t <= due);
    }
    CHECK(std::stoll(row[1]) == agents);
    long long sum = 0;
    for (std::size_t i : states) sum += std::stoll(row[i]);
    CHECK(sum == agents);
    const double w = std::stod(row[2]);
    for (std::size_t k = 0; k < states.size(); ++k)
      CHECK(std::abs(std::stod(row[persons[k]]) - std::stod(row[states[k]]) * w) <= 0.0005);  // 3 decimals written
  }
  return csv;
}

const std::vector<std::string> kOutputs = {"timeseries.csv", "stations.csv",  "agents.csv",       "results.gpkg",
                                           "summary.json",   "commands.log",  "scenario.toml",    "peak_density.png",
                                           "manifest.sha256"};

void check_output_set(const fs::path& out) {
  for (const auto& name : kOutputs) {
    CAPTURE(name);
    CHECK(fs::is_regular_file(out / name));
    if (fs::is_regular_file(out / name)) CHECK(fs::file_size(out / name) > 0);
  }
  for (const auto& e : fs::directory_iterator(out))
    CHECK_MESSAGE(e.path().filename().string().rfind(".tmp-", 0) != 0, "leftover " << e.path());
}

// The content of one layer of a GeoPackage as ogrinfo prints it.
std::string layer_dump(const std::string& gpkg, const std::string& layer) {
  const auto r = run_shell("ogrinfo -ro -al -q " + quoted(gpkg) + " " + layer);
  CAPTURE(r.output);
  REQUIRE(r.code == 0);
  return r.output;
}

long long feature_count(const std::string& gpkg, const std::string& layer) {
  const auto r = run_shell("ogrinfo -ro -so " + quoted(gpkg) + " " + layer);
  CAPTURE(r.output);
  REQUIRE(r.code == 0);
  return number_after(r.output, "Feature Count:");
}

// summary.json without the keys that depend on the machine.
json comparable_summary(const std::string& path) {
  json j = read_json(path);
  for (const char* k : {"wall_seconds", "threads", "agent_updates_per_second"}) {
    CHECK_MESSAGE(j.contains(k), k);
    j.erase(k);
  }
  return j;
}

}  // namespace

TEST_CASE("kitaku with no arguments runs the embedded default scenario into ./out") {
  if (skip_slow("the full default scenario")) return;
  CacheDir cache;
  TempDir work;
  const auto first = run_shell("cd " + quoted(work.path.string()) + " && " + KITAKU_BINARY);
  CAPTURE(first.output);
  REQUIRE(first.code == 0);
  CHECK(first.output.find("scenario: Synthetic Tokyo-like city") != std::string::npos);
  CHECK(first.output.find("<embedded default>") != std::string::npos);
  CHECK(first.output.find("Finished after") != std::string::npos);

  const fs::path out = work.path / "out";
  check_output_set(out);
  const json s = read_json((out / "summary.json").string());
  for (const char* k : {"agents", "seed", "threads", "sim_seconds", "wall_seconds", "person_minutes_ge6",
                        "person_minutes_ge4", "peak_km_road_ge6", "peak_sheltered", "peak_unsheltered_stranded",
                        "arrived_home", "partial"})
    CHECK_MESSAGE(s.contains(k), "summary.json lacks " << k);
  CHECK(s.at("agents") == 100000);
  CHECK(s.at("partial") == false);
  CHECK(s.at("sim_seconds") == 43200);
  CHECK(s.at("seed") == 1);
  CHECK(s.at("wall_seconds").get<double>() > 0);
  CHECK(s.at("arrived_home").get<double>() > 0);
  CHECK(s.at("peak_sheltered").get<double>() > 0);
  const Csv ts = check_timeseries((out / "timeseries.csv").string(), 300, 100000);
  CHECK(ts.rows.size() == 43200 / 300 + 1);
  CHECK(slurp((out / "scenario.toml").string()).find("synthetic_radius_km = 10") != std::string::npos);

  // A second run on the same synthetic city (radius 10 km, seed 1) reuses the
  // cached city: nothing in the cache is written again.
  std::map<std::string, fs::file_time_type> cached;
  for (const auto& e : fs::recursive_directory_iterator(cache.dir.path))
    if (e.is_regular_file()) cached[e.path().string()] = e.last_write_time();
  REQUIRE(!cached.empty());
  const std::string scen = write_file(work, "same_city.toml",
                                      "[city]\nsynthetic_radius_km = 10\nsynthetic_seed = 1\n"
                                      "[population]\nagents = 1000\n[run]\nduration_h = 0.25\n");
  const auto second = run_kitaku("run " + quoted(scen) + " --out " + quoted(work / "out2"));
  CAPTURE(second.output);
  REQUIRE(second.code == 0);
  CHECK(second.output.find("enerating") == std::string::npos);
  std::map<std::string, fs::file_time_type> after;
  for (const auto& e : fs::recursive_directory_iterator(cache.dir.path))
    if (e.is_regular_file()) after[e.path().string()] = e.last_write_time();
  CHECK(after == cached);
}

TEST_CASE("kitaku run writes a consistent timeseries.csv, one row per output interval") {
  use_shared_cache();
  TempDir dir;
  const std::string scen =
      write_file(dir, "s.toml", small_scenario());
  // output_interval_s = 600 instead of 300: the row count follows it.
  std::string text = slurp(scen);
  text.replace(text.find("output_interval_s = 300"), 23, "output_interval_s = 600");
  std::ofstream(scen) << text;
  const auto r = run_kitaku("run " + quoted(scen) + " --out " + quoted(dir / "out"));
  CAPTURE(r.output);
  REQUIRE(r.code == 0);
  check_output_set(dir.path / "out");
  const Csv ts = check_timeseries(dir / "out/timeseries.csv", 600, 10000);
  CHECK(ts.rows.size() == 1800 / 600 + 1);
  CHECK(ts.rows.back()[0] == "1800");
  const json s = read_json(dir / "out/summary.json");
  CHECK(s.at("agents") == 10000);
  CHECK(s.at("sim_seconds") == 1800);
  CHECK(s.at("partial") == false);
  // People move: by half an hour some have set off and some are home.
  const auto col = [&](const std::string& name) {
    const auto it = std::find(ts.header.begin(), ts.header.end(), name);
    REQUIRE_MESSAGE(it != ts.header.end(), name);
    return static_cast<std::size_t>(it - ts.header.begin());
  };
  CHECK(std::stoll(ts.rows.front()[col("state_arrived_home_agents")]) == 0);
  CHECK(std::stoll(ts.rows.back()[col("state_arrived_home_agents")]) > 0);
  CHECK(std::stoll(ts.rows.back()[col("state_waiting_agents")]) < std::stoll(ts.rows.front()[col("state_waiting_agents")]));
}

TEST_CASE("kitaku run gives the same results for any thread count, and again on a second run") {
  use_shared_cache();
  TempDir dir;
  const std::string scen = write_file(dir, "s.toml", small_scenario());
  auto run = [&](const std::string& name, int threads) {
    const auto r = run_kitaku("run " + quoted(scen) + " --threads " + std::to_string(threads) + " --out " +
                              quoted(dir / name));
    CAPTURE(r.output);
    REQUIRE(r.code == 0);
    return dir.path / name;
  };
  const fs::path a = run("t1", 1), b = run("t2", 2), c = run("t2again", 2);
  CHECK(read_json((a / "summary.json").string()).at("threads") == 1);
  CHECK(read_json((b / "summary.json").string()).at("threads") == 2);
  const std::string ts = slurp((a / "timeseries.csv").string());
  const std::string edges = layer_dump((a / "results.gpkg").string(), "edges");
  const std::string facilities = layer_dump((a / "results.gpkg").string(), "facilities");
  const json summary = comparable_summary((a / "summary.json").string());
  CHECK(edges.find("peak_density") != std::string::npos);
  CHECK(facilities.find("peak_occupancy") != std::string::npos);
  for (const fs::path& other : {b, c}) {
    CAPTURE(other);
    CHECK(slurp((other / "timeseries.csv").string()) == ts);
    CHECK(slurp((other / "agents.csv").string()) == slurp((a / "agents.csv").string()));
    CHECK(layer_dump((other / "results.gpkg").string(), "edges") == edges);
    CHECK(layer_dump((other / "results.gpkg").string(), "facilities") == facilities);
    CHECK(comparable_summary((other / "summary.json").string()) == summary);
    CHECK(slurp((other / "commands.log").string()) == slurp((a / "commands.log").string()));
    CHECK(slurp((other / "scenario.toml").string()) == slurp((a / "scenario.toml").string()));
  }
}

TEST_CASE("kitaku run writes agents.csv, one row per person-agent, and kitaku report reads it") {
  use_shared_cache();
  TempDir dir;
  const std::string scen = write_file(dir, "s.toml", small_scenario("duration_h = 1.5\n"));
  const auto r = run_kitaku("run " + quoted(scen) + " --out " + quoted(dir / "out"));
  CAPTURE(r.output);
  REQUIRE(r.code == 0);
  CHECK(r.output.find("agents.csv") != std::string::npos);
  const Csv csv = read_csv(dir / "out/agents.csv");
  const std::vector<std::string> documented = {
      "id",          "weight",         "origin",           "origin_index",   "origin_name",        "origin_x",
      "origin_y",    "home_km",        "activity",         "age_group",      "stranded",           "departure_s",
      "departure_clock", "arrival_home_s", "arrival_home_clock", "arrival_facility_s", "facility_id", "facility_name",
      "final_state", "walked_network_m", "walked_off_network_m", "walking_s", "seconds_ge4",     "seconds_ge6",
      "junction_seconds_ge4", "junction_seconds_ge6"};
  CHECK(csv.header == documented);
  REQUIRE(csv.rows.size() == 10000);
  const json s = read_json(dir / "out/summary.json");
  CHECK(s.at("outputs").dump().find("agents.csv") != std::string::npos);
  const auto col = [&](const std::string& name) {
    return static_cast<std::size_t>(std::find(csv.header.begin(), csv.header.end(), name) - csv.header.begin());
  };
  double weights = 0, home = 0, walkers = 0;
  long long ge6 = 0;
  std::map<std::string, int> origins;
  for (const auto& row : csv.rows) {
    if (row.size() != csv.header.size()) {  // a name with a comma is quoted: not split here
      CHECK(row.size() > csv.header.size());
      continue;
    }
    const double w = std::stod(row[col("weight")]);
    weights += w;
    const std::string& dep = row[col("departure_s")];
    const std::string& arr = row[col("arrival_home_s")];
    if (!dep.empty()) walkers += w;
    if (!arr.empty()) {
      home += w;
      REQUIRE(!dep.empty());
      CHECK(std::stoll(arr) >= std::stoll(dep));
      CHECK(row[col("final_state")] == "arrived_home");
    }
    if (!row[col("arrival_facility_s")].empty()) CHECK(std::stoll(row[col("arrival_facility_s")]) >= std::stoll(dep));
    const long long s4 = std::stoll(row[col("seconds_ge4")]), s6 = std::stoll(row[col("seconds_ge6")]);
    CHECK(s6 <= s4);
    CHECK(s4 <= std::stoll(row[col("walking_s")]));
    ge6 += s6;
    ++origins[row[col("origin")]];
  }
  CHECK(weights == doctest::Approx(s.at("persons").get<double>()).epsilon(1e-9));
  CHECK(home == doctest::Approx(s.at("arrived_home").get<double>()).epsilon(1e-9));
  CHECK(walkers == doctest::Approx(s.at("walkers").get<double>()).epsilon(1e-9));
  CHECK(origins["zone"] > 0);
  CHECK(origins["station"] > 0);  // the synthetic city places commuters at its stations
  MESSAGE(home << " persons home, " << walkers << " walkers, " << ge6 << " agent-seconds at >= 6 p/m2");

  // kitaku report: the headline share is summary.json's, and the tables are there.
  const auto rep = run_kitaku("report " + quoted(dir / "out"));
  CAPTURE(rep.output);
  REQUIRE(rep.code == 0);
  char share[32];
  std::snprintf(share, sizeof share, "%.1f %%", 100.0 * s.at("share_walkers_ge6_3h").get<double>());
  CHECK(rep.output.find(std::string(share) + " of walkers") != std::string::npos);
  CHECK(rep.output.find("Crowd exposure by origin") != std::string::npos);
  CHECK(rep.output.find("Departures and arrivals home") != std::string::npos);
  CHECK(rep.output.find("14:46") != std::string::npos);  // the first row's clock: the quake's time
  for (const char* by : {"activity", "distance", "stranded", "age", "state"}) {
    const auto b = run_kitaku("report " + quoted(dir / "out/agents.csv") + " --by " + by + " --bin-min 30");
    CAPTURE(b.output);
    CHECK(b.code == 0);
    CHECK(b.output.find(std::string("Crowd exposure by ") + by) != std::string::npos);
  }
  // Bad input: one line naming the file or the option, exit 1.
  const auto none = run_kitaku("report " + quoted(dir / "nothing-here"));
  CHECK(none.code == 1);
  CHECK(none.output.find("nothing-here") != std::string::npos);
  const auto bad = run_kitaku("report " + quoted(dir / "out") + " --by colour");
  CHECK(bad.code == 1);
  CHECK(bad.output.find("--by") != std::string::npos);
  const auto ts = run_kitaku("report " + quoted(dir / "out/timeseries.csv"));
  CHECK(ts.code == 1);
  CHECK(ts.output.find("no column") != std::string::npos);
}

TEST_CASE("kitaku run --seed changes the result and is recorded") {
  use_shared_cache();
  TempDir dir;
  const std::string scen = write_file(dir, "s.toml", small_scenario());
  const auto base = run_kitaku("run " + quoted(scen) + " --out " + quoted(dir / "base"));
  const auto seeded = run_kitaku("run " + quoted(scen) + " --seed 77 --out " + quoted(dir / "seeded"));
  CAPTURE(base.output);
  CAPTURE(seeded.output);
  REQUIRE(base.code == 0);
  REQUIRE(seeded.code == 0);
  CHECK(seeded.output.find("seed 77") != std::string::npos);
  CHECK(read_json(dir / "base/summary.json").at("seed") == 3);
  CHECK(read_json(dir / "seeded/summary.json").at("seed") == 77);
  CHECK(slurp(dir / "base/scenario.toml").find("seed = 3\n") != std::string::npos);
  CHECK(slurp(dir / "seeded/scenario.toml").find("seed = 77\n") != std::string::npos);
  CHECK(slurp(dir / "seeded/timeseries.csv") != slurp(dir / "base/timeseries.csv"));
  // The scenario.toml written beside the outputs reproduces the seeded run.
  const auto again = run_kitaku("run " + quoted(dir / "seeded/scenario.toml") + " --out " + quoted(dir / "again"));
  CAPTURE(again.output);
  REQUIRE(again.code == 0);
  CHECK(slurp(dir / "again/timeseries.csv") == slurp(dir / "seeded/timeseries.csv"));
}

TEST_CASE("kitaku run --set changes scenario keys, gives what the edited file gives, and is recorded") {
  use_shared_cache();
  TempDir dir;
  const std::string scen = write_file(dir, "s.toml", small_scenario());
  // The same run two ways: keys set on the command line, and the file edited.
  const auto set = run_kitaku("run --set population.agents=4000 --set 'run.duration_h=0.25' --set quake.day=holiday " +
                              quoted(scen) + " --out " + quoted(dir / "set"));
  const std::string edited = write_file(dir, "e.toml", small_scenario("duration_h = 0.25\n", "agents = 4000\n") +
                                                        "[quake]\nday = \"holiday\"\n");
  const auto file = run_kitaku("run " + quoted(edited) + " --out " + quoted(dir / "file"));
  CAPTURE(set.output);
  REQUIRE(set.code == 0);
  REQUIRE(file.code == 0);
  CHECK(set.output.find("quake holiday") != std::string::npos);
  CHECK(read_json(dir / "set/summary.json").at("agents") == 4000);
  CHECK(slurp(dir / "set/timeseries.csv") == slurp(dir / "file/timeseries.csv"));
  CHECK(slurp(dir / "set/agents.csv") == slurp(dir / "file/agents.csv"));
  // The scenario.toml beside the outputs has the keys as set: it reproduces the run.
  CHECK(slurp(dir / "set/scenario.toml").find("agents = 4000\n") != std::string::npos);
  const auto again = run_kitaku("run " + quoted(dir / "set/scenario.toml") + " --out " + quoted(dir / "again"));
  REQUIRE(again.code == 0);
  CHECK(slurp(dir / "again/timeseries.csv") == slurp(dir / "set/timeseries.csv"));
  // Bad keys and values: one message naming the file and the --set, exit 1.
  const std::vector<std::pair<std::string, std::string>> bad{
      {"population.agentz=5", scen + ": --set population.agentz=5: [population] agentz: unknown key"},
      {"population.agents=0", scen + ": --set population.agents=0: [population] agents: must be in"},
      {"population=3", scen + ": --set population=3: names a table or an array"},
      {"population", "--set: population: expected KEY=VALUE"},
  };
  for (const auto& [arg, message] : bad) {
    CAPTURE(arg);
    const auto r = run_kitaku("run --set " + quoted(arg) + " " + quoted(scen) + " --out " + quoted(dir / "bad"));
    CAPTURE(r.output);
    CHECK(r.code == 1);
    CHECK(r.output.rfind("kitaku: error: " + message, 0) == 0);
    CHECK(std::count(r.output.begin(), r.output.end(), '\n') == 1);
  }
  CHECK_FALSE(fs::exists(dir / "bad/summary.json"));
}

TEST_CASE("kitaku run --replay commands.log reproduces a run with commands") {
  use_shared_cache();
  TempDir dir;
  const std::string commands =
      "[[command]]\nat_min = 5\ntype = \"close_edge\"\nedge = 5\n"
      "[[command]]\nat_min = 10\ntype = \"set_capacity\"\nfacility = 1\nvalue = 10\n"
      "[[command]]\nat_min = 15\ntype = \"close_facility\"\nfacility = 0\n"
      "[[command]]\nat_min = 20\ntype = \"guidance\"\nfacility = 2\nvalue = 0.8\nx = 0\ny = 0\nradius_m = 100000\n"
      "[[command]]\nat_min = 25\ntype = \"release_retained\"\nvalue = 1\n";
  const std::string with = write_file(dir, "with.toml", small_scenario() + commands);
  const std::string without = write_file(dir, "without.toml", small_scenario());

  const auto r1 = run_kitaku("run " + quoted(with) + " --out " + quoted(dir / "with"));
  CAPTURE(r1.output);
  REQUIRE(r1.code == 0);
  const std::string log = slurp(dir / "with/commands.log");
  CAPTURE(log);
  std::vector<std::string> lines;
  {
    std::istringstream in(log);
    std::string line;
    while (std::getline(in, line))
      if (!line.empty() && line[0] != '#') lines.push_back(line);
  }
  REQUIRE(lines.size() == 5);
  CHECK(lines[0].rfind("time_s=300 seq=0 type=close_edge facility=-1 edge=5 ", 0) == 0);
  CHECK(lines[1].rfind("time_s=600 seq=1 type=set_capacity facility=1 edge=-1 value=10 ", 0) == 0);
  CHECK(lines[2].rfind("time_s=900 seq=2 type=close_facility facility=0 ", 0) == 0);
  CHECK(lines[3].rfind("time_s=1200 seq=3 type=guidance facility=2 ", 0) == 0);
  CHECK(lines[3].find(" radius_m=100000 ") != std::string::npos);
  CHECK(lines[4].rfind("time_s=1500 seq=4 type=release_retained ", 0) == 0);
  CHECK(read_json(dir / "with/summary.json").at("commands_applied") == 5);

  const auto r2 = run_kitaku("run " + quoted(without) + " --replay " + quoted(dir / "with/commands.log") + " --out " +
                             quoted(dir / "replayed"));
  CAPTURE(r2.output);
  REQUIRE(r2.code == 0);
  CHECK(slurp(dir / "replayed/timeseries.csv") == slurp(dir / "with/timeseries.csv"));
  CHECK(read_json(dir / "replayed/summary.json").at("commands_applied") == 5);
  CHECK(layer_dump(dir / "replayed/results.gpkg", "facilities") == layer_dump(dir / "with/results.gpkg", "facilities"));

  // The commands matter: without them the run differs.
  const auto r3 = run_kitaku("run " + quoted(without) + " --out " + quoted(dir / "plain"));
  CAPTURE(r3.output);
  REQUIRE(r3.code == 0);
  CHECK(slurp(dir / "plain/timeseries.csv") != slurp(dir / "with/timeseries.csv"));
  CHECK(read_json(dir / "plain/summary.json").at("commands_applied") == 0);
}

TEST_CASE("Ctrl-C stops kitaku run with exit code 130 and complete, partial outputs") {
  use_shared_cache();
  TempDir dir;
  // Long enough that it cannot finish in the seconds before the signal.
  const std::string scen =
      write_file(dir, "long.toml", small_scenario("duration_h = 336\n", "agents = 60000\n"));
  const std::string log = dir / "run.log";
  const std::string out = dir / "out";

  posix_spawn_file_actions_t fa;
  posix_spawn_file_actions_init(&fa);
  posix_spawn_file_actions_addopen(&fa, 1, log.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
  posix_spawn_file_actions_adddup2(&fa, 1, 2);
  std::vector<std::string> args = {KITAKU_BINARY, "run", scen, "--out", out, "--threads", "2"};
  std::vector<char*> argv;
  for (auto& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);
  pid_t pid = 0;
  REQUIRE(posix_spawn(&pid, KITAKU_BINARY, &fa, nullptr, argv.data(), environ) == 0);
  posix_spawn_file_actions_destroy(&fa);

  // Wait until the simulation has started (the agents line), then let it run a while.
  const auto t0 = std::chrono::steady_clock::now();
  auto elapsed = [&] { return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count(); };
  int status = 0;
  bool exited = false;
  while (elapsed() < 300) {
    if (::waitpid(pid, &status, WNOHANG) == pid) { exited = true; break; }
    if (slurp(log).find("set up in") != std::string::npos) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  const std::string started = slurp(log);  // CAPTURE keeps a reference: not a temporary
  CAPTURE(started);
  REQUIRE_MESSAGE(!exited, "kitaku exited before the simulation started");
  std::this_thread::sleep_for(std::chrono::milliseconds(500));
  REQUIRE(::kill(pid, SIGINT) == 0);
  const auto t_sig = std::chrono::steady_clock::now();
  while (!exited) {
    if (::waitpid(pid, &status, WNOHANG) == pid) { exited = true; break; }
    if (std::chrono::steady_clock::now() - t_sig > std::chrono::seconds(120)) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  if (!exited) {
    ::kill(pid, SIGKILL);
    ::waitpid(pid, &status, 0);
    FAIL("kitaku did not stop within 120 s of SIGINT");
  }
  const std::string output = slurp(log);
  CAPTURE(output);
  REQUIRE(WIFEXITED(status));
  CHECK(WEXITSTATUS(status) == 130);
  CHECK(output.find("Interrupted after") != std::string::npos);
  CHECK(output.find("kitaku: interrupted") != std::string::npos);

  check_output_set(out);
  const json s = read_json(out + "/summary.json");
  CHECK(s.at("partial") == true);
  const long long sim_s = s.at("sim_seconds");
  CHECK(sim_s > 0);
  CHECK(sim_s < 336 * 3600);
  const Csv ts = check_timeseries(out + "/timeseries.csv", 300, 60000);
  CHECK(std::stoll(ts.rows.back()[0]) == sim_s);
  CHECK(ts.rows.size() == static_cast<std::size_t>((sim_s + 299) / 300 + 1));
}

TEST_CASE("kitaku run with a bad scenario names the file, line and key, and exits 1") {
  TempDir dir;
  const std::string scen = dir / "bad.toml";
  std::ofstream(scen) << "[city]\nsynthetic_radius_km = 5\nsynthetic_sead = 2\n";
  const auto r = run_kitaku("run " + scen);
  CHECK(r.code == 1);
  CHECK(r.output == "kitaku: error: " + scen + ": line 3: [city] synthetic_sead: unknown key\n");
  const auto missing = run_kitaku("run " + (dir / "missing.toml"));
  CHECK(missing.code != 0);
  CHECK(missing.output.find("missing.toml") != std::string::npos);
}

TEST_CASE("kitaku run --replay with a malformed log names the log and the line, and exits 1") {
  use_shared_cache();
  TempDir dir;
  const std::string scen = write_file(dir, "s.toml", small_scenario());
  const std::string log = write_file(dir, "commands.log",
                                     "# kitaku commands.log\n"
                                     "time_s=300 seq=0 type=close_edge facility=-1 edge=5 value=0 x=0 y=0 radius_m=0 "
                                     "source=scenario\n"
                                     "\n"
                                     "time_s=900 seq=1 type=close_edge facility=-1 edge=6 value=0 x=0 y=0 radius_m=0\n");
  const auto r = run_kitaku("run " + quoted(scen) + " --replay " + quoted(log) + " --out " + quoted(dir / "out"));
  CAPTURE(r.output);
  CHECK(r.code == 1);
  CHECK(r.output.rfind("kitaku: error: " + log + ": line 4: ", 0) == 0);
  CHECK(r.output.find("source") != std::string::npos);
  CHECK(std::count(r.output.begin(), r.output.end(), '\n') == 1);
  CHECK(!fs::exists(dir / "out/summary.json"));

  const std::string bad_number = write_file(dir, "bad_number.log",
                                            "time_s=300 seq=0 type=close_edge facility=-1 edge=5 value=1.5x x=0 y=0 "
                                            "radius_m=0 source=scenario\n");
  const auto r2 = run_kitaku("run " + quoted(scen) + " --replay " + quoted(bad_number) + " --out " + quoted(dir / "out"));
  CAPTURE(r2.output);
  CHECK(r2.code == 1);
  CHECK(r2.output.find(bad_number + ": line 1: value") != std::string::npos);
}

TEST_CASE("kitaku run with a command on a facility that does not exist exits 1 naming it") {
  use_shared_cache();
  TempDir dir;
  const std::string scen = write_file(dir, "s.toml",
                                      small_scenario() +
                                          "[[command]]\nat_min = 5\ntype = \"close_facility\"\nfacility = 99999\n");
  const auto r = run_kitaku("run " + quoted(scen) + " --out " + quoted(dir / "out"));
  CAPTURE(r.output);
  CHECK(r.code == 1);
  CHECK(r.output.find("kitaku: error: ") != std::string::npos);
  CHECK(r.output.find("facility 99999 does not exist") != std::string::npos);
  CHECK(!fs::exists(dir / "out/summary.json"));
}

TEST_CASE("kitaku run into an --out that is a regular file fails with a clear message") {
  use_shared_cache();
  TempDir dir;
  const std::string scen = write_file(dir, "s.toml", small_scenario("duration_h = 0.1\n", "agents = 500\n"));
  const std::string file = write_file(dir, "not_a_dir", "I am a file\n");
  const auto r = run_kitaku("run " + quoted(scen) + " --out " + quoted(file));
  CAPTURE(r.output);
  CHECK(r.code != 0);
  CHECK(r.output.find("kitaku: error: " + file + ": ") != std::string::npos);
  CHECK(r.output.find("output folder") != std::string::npos);
  CHECK(slurp(file) == "I am a file\n");
}

TEST_CASE("kitaku run on real data: the Ginza network with Tokyo's facilities, stations and mesh population") {
  const auto network = kitaku::test::shared_data("osm/crowdwalk_ginza/ginza00.map.xml");
  const auto facilities = kitaku::test::shared_data("shelters/tokyo_metro_temporary_stay_facilities_geocoded.csv");
  const auto stations =
      kitaku::test::shared_data("population/stations_passenger_S12-22_east_tokyo_chiba_partial.json");
  const auto zones = kitaku::test::shared_data("population/tokyo_mesh1km_polygons_epsg6668.geojson");
  const auto population = kitaku::test::shared_data("population/tokyo_mlit_jinryu_mesh1km_2019-10.csv");
  if (!network || !facilities || !stations || !zones || !population) return;
  use_shared_cache();
  TempDir dir;
  const std::string scen = write_file(
      dir, "ginza.toml",
      "[scenario]\nname = \"Ginza (real data)\"\nseed = 1\n"
      "[city]\nnetwork = \"" + *network + "\"\nfacilities = \"" + *facilities + "\"\nstations = \"" + *stations +
          "\"\nzones = \"" + *zones + "\"\npopulation_csv = \"" + *population + "\"\nclip_margin_m = 300\n"
          "[quake]\nday = \"weekday\"\ntime = \"14:46\"\n"
          "[population]\npersons_per_agent = 100\n"
          "[policy]\nretention_share = 0.3\nretention_hours = 72\n"
          "[run]\nduration_h = 1\nstep_s = 5\noutput_interval_s = 300\n");
  const auto r = run_kitaku("run " + quoted(scen) + " --out " + quoted(dir / "out"));
  CAPTURE(r.output);
  REQUIRE(r.code == 0);
  std::smatch m;
  REQUIRE(std::regex_search(r.output, m, std::regex(R"(([0-9,]+) facilities \(([0-9,]+) outside dropped\))")));
  const long long kept = std::stoll(m[1]), dropped = std::stoll(m[2]);
  CHECK(kept > 0);
  CHECK(dropped > 0);
  CHECK(kept + dropped == 227);
  check_output_set(dir.path / "out");
  const json s = read_json(dir / "out/summary.json");
  CHECK(s.at("agents").get<long long>() > 1000);
  CHECK(s.at("persons_per_agent").get<double>() == doctest::Approx(100).epsilon(0.001));
  CHECK(s.at("partial") == false);
  CHECK(s.at("sim_seconds") == 3600);
  check_timeseries(dir / "out/timeseries.csv", 300, s.at("agents").get<long long>());
  CHECK(feature_count(dir / "out/results.gpkg", "edges") == 5712);
  CHECK(feature_count(dir / "out/results.gpkg", "facilities") == kept);
}

TEST_CASE("kitaku run on an OSM extract with Tokyo's facility list needs clip_margin_m") {
  const auto osm = kitaku::test::shared_data("osm/shibuya_station_area_overpass_2025-07.osm");
  const auto csv = kitaku::test::shared_data("shelters/tokyo_metro_temporary_stay_facilities_geocoded.csv");
  const auto zones = kitaku::test::shared_data("population/tokyo_mesh1km_polygons_epsg6668.geojson");
  const auto population = kitaku::test::shared_data("population/tokyo_mlit_jinryu_mesh1km_2019-10.csv");
  if (!osm || !csv || !zones || !population) return;
  use_shared_cache();
  TempDir dir;
  const std::string base = "[scenario]\nname = \"Shibuya\"\n[city]\nnetwork = \"" + *osm + "\"\nfacilities = \"" +
                           *csv + "\"\nzones = \"" + *zones + "\"\npopulation_csv = \"" + *population +
                           "\"\ncrs_epsg = 6677\n";
  const std::string rest = "[population]\nagents = 2000\n[run]\nduration_h = 1\n";
  // The people come from Tokyo's mesh population, clipped to the extract.

  // The extract is 1.4 km across; nearly all of Tokyo's 227 facilities are far from it.
  const std::string unclipped = write_file(dir, "unclipped.toml", base + rest);
  const auto r1 = run_kitaku("run " + quoted(unclipped) + " --out " + quoted(dir / "out1"));
  CAPTURE(r1.output);
  CHECK(r1.code == 1);
  CHECK(r1.output.find("kitaku: error: ") != std::string::npos);
  CHECK(r1.output.find(*csv) != std::string::npos);
  CHECK(r1.output.find("from the network") != std::string::npos);
  CHECK(!fs::exists(dir / "out1/summary.json"));

  const std::string clipped = write_file(dir, "clipped.toml", base + "clip_margin_m = 100\n" + rest);
  const auto r2 = run_kitaku("run " + quoted(clipped) + " --out " + quoted(dir / "out2"));
  CAPTURE(r2.output);
  REQUIRE(r2.code == 0);
  std::smatch m;
  REQUIRE(std::regex_search(r2.output, m, std::regex(R"(([0-9,]+) facilities \(([0-9,]+) outside dropped\))")));
  CHECK(std::stoll(m[2]) > 200);
  CHECK(std::stoll(m[1]) + std::stoll(m[2]) == 227);
  check_output_set(dir.path / "out2");
  CHECK(read_json(dir / "out2/summary.json").at("agents") == 2000);
}
