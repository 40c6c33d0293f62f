// kitaku sweep and kitaku rerun end to end (docs/research.md): a small sweep on a
// 2 km synthetic city, locally and under mpirun; kill -9 and resume; bad sweep
// files; rerun reproducing a run and catching a tampered one.
#include <doctest/doctest.h>

#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <regex>
#include <set>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "test_util.hpp"

extern char** environ;

using kitaku::test::quoted;
using kitaku::test::run_kitaku;
using kitaku::test::run_shell;
using kitaku::test::skip_slow;
using kitaku::test::slurp;
using kitaku::test::TempDir;
using kitaku::test::use_shared_cache;
namespace fs = std::filesystem;
using json = nlohmann::json;

namespace {

std::string write_file(const TempDir& dir, const std::string& name, const std::string& text) {
  const std::string path = dir / name;
  std::ofstream(path) << text;
  return path;
}

struct Csv {
  std::vector<std::string> header;
  std::vector<std::vector<std::string>> rows;
  std::size_t col(const std::string& name) const {
    const auto it = std::find(header.begin(), header.end(), name);
    REQUIRE_MESSAGE(it != header.end(), "no column " << name);
    return static_cast<std::size_t>(it - header.begin());
  }
};

std::vector<std::string> split(const std::string& line) {
  std::vector<std::string> out;
  std::string cell;
  std::istringstream ss(line);
  while (std::getline(ss, cell, ',')) out.push_back(cell);
  if (!line.empty() && line.back() == ',') out.emplace_back();
  return out;
}

Csv read_csv(const std::string& path) {
  std::istringstream in(slurp(path));
  Csv csv;
  std::string line;
  REQUIRE(std::getline(in, line));
  csv.header = split(line);
  while (std::getline(in, line)) csv.rows.push_back(split(line));
  return csv;
}

// The small scenario every sweep here is based on: the 2 km synthetic city, 2,000
// agents, one hour in 10 s steps; people set off and facilities open soon.
const char* const kSmallScenario =
    "[scenario]\nname = \"Sweep test city\"\nseed = 5\n"
    "[city]\nsynthetic_radius_km = 2\n"
    "[population]\nagents = 2000\n"
    "[policy]\nretention_share = 0.3\n"
    "[behaviour]\ndeparture_mean_min = 5\n"
    "[facilities]\nopening_delay_min = 0\nopening_delay_max = 10\n"
    "[run]\nduration_h = 1\nstep_s = 10\noutput_interval_s = 600\n";

// 2 x 2 points x 2 seeds = 8 runs.
const char* const kSweep8 =
    "[sweep]\nname = \"test8\"\nbase = \"small.toml\"\nseeds = 2\nseed_base = 11\n"
    "[[axis]]\nkey = \"policy.retention_share\"\nvalues = [0.0, 0.8]\n"
    "[[axis]]\nkey = \"behaviour.departure_mean_min\"\nfrom = 5\nto = 25\nstep = 20\n";

std::string make_sweep(const TempDir& dir, const std::string& sweep_text) {
  write_file(dir, "small.toml", kSmallScenario);
  return write_file(dir, "sweep.toml", sweep_text);
}

// index.csv rows by id: the parameter, seed, status and metric cells.
std::map<std::string, std::vector<std::string>> index_rows(const std::string& dir) {
  const Csv csv = read_csv(dir + "/index.csv");
  std::map<std::string, std::vector<std::string>> rows;
  for (const auto& r : csv.rows) rows[r.at(0)] = r;
  return rows;
}

std::set<std::string> finished_runs(const fs::path& runs) {
  std::set<std::string> out;
  if (!fs::exists(runs)) return out;
  for (const auto& e : fs::directory_iterator(runs)) {
    const std::string name = e.path().filename().string();
    if (name.front() != '.' && fs::exists(e.path() / "run.json")) out.insert(name);
  }
  return out;
}

std::size_t partial_runs(const fs::path& runs) {
  std::size_t n = 0;
  if (!fs::exists(runs)) return n;
  for (const auto& e : fs::directory_iterator(runs)) {
    const std::string name = e.path().filename().string();
    n += name.front() == '.' && name.find(".partial") != std::string::npos;
  }
  return n;
}

void check_complete_sweep(const std::string& out, std::size_t runs) {
  const Csv index = read_csv(out + "/index.csv");
  REQUIRE(index.rows.size() == runs);
  for (const auto& r : index.rows) {
    CAPTURE(r[0]);
    CHECK(r.at(index.col("status")) == "done");
    CHECK(!r.at(index.col("person_minutes_ge4")).empty());
    const fs::path run = fs::path(out) / "runs" / r[0];
    for (const char* f : {"timeseries.csv", "results.gpkg", "summary.json", "scenario.toml", "run.json"})
      CHECK_MESSAGE(fs::is_regular_file(run / f), f);
  }
  CHECK(finished_runs(fs::path(out) / "runs").size() == runs);
  CHECK(partial_runs(fs::path(out) / "runs") == 0);
}

}  // namespace

TEST_CASE("kitaku sweep runs every point and seed and aggregates them, and mpirun -np 2 gives the same") {
  use_shared_cache();
  TempDir dir;
  const std::string sweep = make_sweep(dir, kSweep8);
  const std::string out = dir / "local";
  const auto r = run_kitaku("sweep " + quoted(sweep) + " --out " + quoted(out));
  CAPTURE(r.output);
  REQUIRE(r.code == 0);
  CHECK(r.output.find("4 points (policy.retention_share x behaviour.departure_mean_min) x 2 seeds from 11 = 8 runs") !=
        std::string::npos);
  CHECK(r.output.find("Finished: 8 runs done now") != std::string::npos);
  check_complete_sweep(out, 8);

  // index.csv: the points in order (first axis slowest), seeds 11 and 12 at each.
  const Csv index = read_csv(out + "/index.csv");
  CHECK(index.header.at(0) == "id");
  CHECK(index.header.at(1) == "point");
  CHECK(index.header.at(2) == "policy.retention_share");
  CHECK(index.header.at(3) == "behaviour.departure_mean_min");
  CHECK(index.header.at(4) == "seed");
  CHECK(index.header.at(5) == "status");
  for (const char* k : {"wall_seconds", "threads", "agent_updates_per_second"})
    CHECK(std::find(index.header.begin(), index.header.end(), k) == index.header.end());
  const std::vector<std::string> ids = {"p00-s00", "p00-s01", "p01-s00", "p01-s01",
                                        "p02-s00", "p02-s01", "p03-s00", "p03-s01"};
  const std::vector<std::string> retention = {"0", "0", "0", "0", "0.8", "0.8", "0.8", "0.8"};
  const std::vector<std::string> departure = {"5", "5", "25", "25", "5", "5", "25", "25"};
  for (std::size_t i = 0; i < 8; ++i) {
    CAPTURE(i);
    CHECK(index.rows[i][0] == ids[i]);
    CHECK(index.rows[i][2] == retention[i]);
    CHECK(index.rows[i][3] == departure[i]);
    CHECK(index.rows[i][4] == (i % 2 ? "12" : "11"));
  }
  // Each run's outputs and run.json agree with the index; the scenario is resolved.
  const json run = json::parse(slurp(out + "/runs/p02-s01/run.json"));
  CHECK(run.at("run_id") == "p02-s01");
  CHECK(run.at("seed") == 12);
  CHECK(run.at("threads") == 1);
  CHECK(run.at("params").at("policy.retention_share") == 0.8);
  CHECK(run.at("params").at("behaviour.departure_mean_min") == 5);
  CHECK(!run.at("kitaku_version").get<std::string>().empty());
  CHECK(!run.at("host").get<std::string>().empty());
  CHECK(run.at("wall_seconds").get<double>() > 0);
  CHECK(run.at("sweep_id") == json::parse(slurp(out + "/plan.json")).at("sweep_id"));
  const std::string scen = slurp(out + "/runs/p02-s01/scenario.toml");
  CHECK(scen.find("seed = 12\n") != std::string::npos);
  CHECK(scen.find("retention_share = 0.8\n") != std::string::npos);
  CHECK(scen.find("departure_mean_min = 5\n") != std::string::npos);
  const json summary = json::parse(slurp(out + "/runs/p02-s01/summary.json"));
  CHECK(summary.at("seed") == 12);
  CHECK(index.rows[5][index.col("person_minutes_ge4")] != "");
  CHECK(std::stod(index.rows[5][index.col("arrived_home")]) == doctest::Approx(summary.at("arrived_home").get<double>()));
  // Retention keeps people in: the retained points send fewer home than the others.
  CHECK(std::stod(index.rows[4][index.col("arrived_home")]) < std::stod(index.rows[0][index.col("arrived_home")]));

  // aggregate.csv: mean, sd and the Student-t 95 % CI (t(0.975, 1) = 12.7062) per point.
  const Csv agg = read_csv(out + "/aggregate.csv");
  REQUIRE(agg.rows.size() == 4);
  CHECK(agg.header.at(0) == "point");
  CHECK(agg.header.at(3) == "n");
  for (std::size_t p = 0; p < 4; ++p) {
    CAPTURE(p);
    const auto& row = agg.rows[p];
    CHECK(row[agg.col("n")] == "2");
    const double a = std::stod(index.rows[2 * p][index.col("arrived_home")]);
    const double b = std::stod(index.rows[2 * p + 1][index.col("arrived_home")]);
    const double mean = (a + b) / 2, sd = std::fabs(a - b) / std::sqrt(2.0);
    CHECK(std::stod(row[agg.col("arrived_home_mean")]) == doctest::Approx(mean));
    CHECK(std::stod(row[agg.col("arrived_home_sd")]) == doctest::Approx(sd));
    const double half = 12.706204736 * sd / std::sqrt(2.0);
    CHECK(std::stod(row[agg.col("arrived_home_ci95_lo")]) == doctest::Approx(mean - half));
    CHECK(std::stod(row[agg.col("arrived_home_ci95_hi")]) == doctest::Approx(mean + half));
  }
  // Plots: each varying metric against each axis, one line per value of the other axis.
  const std::string svg = slurp(out + "/plots/arrived_home-vs-policy.retention_share.svg");
  CHECK(svg.rfind("<svg xmlns=\"http://www.w3.org/2000/svg\"", 0) == 0);
  CHECK(svg.find("behaviour.departure_mean_min = 5") != std::string::npos);
  CHECK(svg.find("behaviour.departure_mean_min = 25") != std::string::npos);
  CHECK(std::count(svg.begin(), svg.end(), '\n') > 20);
  CHECK(std::regex_search(svg, std::regex("<polyline")));
  CHECK(fs::exists(out + "/plots/arrived_home-vs-behaviour.departure_mean_min.svg"));
  CHECK(!fs::exists(out + "/plots/agents-vs-policy.retention_share.svg"));  // constant: not plotted

  // The same sweep again into the same folder: nothing to do, the same tables.
  const std::string index_text = slurp(out + "/index.csv"), agg_text = slurp(out + "/aggregate.csv");
  const auto again = run_kitaku("sweep " + quoted(sweep) + " --out " + quoted(out));
  CAPTURE(again.output);
  REQUIRE(again.code == 0);
  CHECK(again.output.find("8 runs finished earlier (kept)") != std::string::npos);
  CHECK(again.output.find("0 runs to do") != std::string::npos);
  CHECK(slurp(out + "/index.csv") == index_text);
  CHECK(slurp(out + "/aggregate.csv") == agg_text);
  CHECK(slurp(out + "/plots/arrived_home-vs-policy.retention_share.svg") == svg);

  // Concurrency and threads do not change results: 2 runs at once with 2 threads each.
  const std::string out2 = dir / "jobs2";
  const auto r2 = run_kitaku("sweep " + quoted(sweep) + " --out " + quoted(out2) + " --jobs 2 --threads-per-run 2");
  CAPTURE(r2.output);
  REQUIRE(r2.code == 0);
  CHECK(slurp(out2 + "/index.csv") == index_text);
  CHECK(slurp(out2 + "/aggregate.csv") == agg_text);

  // The same sweep under mpirun with 2 ranks: the same tables, byte for byte.
  if (skip_slow("the mpirun part (Open MPI and the sanitizers do not mix)")) return;
  if (run_shell("command -v mpirun").code != 0) {
    MESSAGE("SKIPPED: mpirun is not installed (scripts/setup.sh installs openmpi-bin)");
    return;
  }
  const std::string out_mpi = dir / "mpi";
  const auto m = run_shell("OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1 OMPI_MCA_btl=self,vader "
                           "mpirun -np 2 --oversubscribe " + std::string(KITAKU_BINARY) + " sweep " + quoted(sweep) +
                           " --out " + quoted(out_mpi));
  CAPTURE(m.output);
  if (m.output.find("built without MPI") != std::string::npos) {
    MESSAGE("SKIPPED: kitaku was built without MPI (KITAKU_WITH_MPI=OFF)");
    return;
  }
  REQUIRE(m.code == 0);
  CHECK(m.output.find("2 processes") != std::string::npos);
  check_complete_sweep(out_mpi, 8);
  CHECK(slurp(out_mpi + "/index.csv") == index_text);
  CHECK(slurp(out_mpi + "/aggregate.csv") == agg_text);
  CHECK(slurp(out_mpi + "/plots/arrived_home-vs-policy.retention_share.svg") == svg);
  // Rank 0 runs too: both ranks did runs.
  std::set<int> ranks;
  for (const auto& id : ids) ranks.insert(json::parse(slurp(out_mpi + "/runs/" + id + "/run.json")).at("rank").get<int>());
  CHECK(ranks == std::set<int>{0, 1});
}

TEST_CASE("kitaku sweep killed with -9 resumes: no run lost, none done twice") {
  use_shared_cache();
  TempDir dir;
  const std::string sweep = make_sweep(dir, kSweep8);
  const std::string out = dir / "out";
  const fs::path runs = fs::path(out) / "runs";
  // Warm the city cache, so that the sweep spends its time in runs.
  REQUIRE(run_kitaku("run " + quoted(dir / "small.toml") + " --out " + quoted(dir / "warm")).code == 0);

  const std::string log = dir / "first.log";
  posix_spawn_file_actions_t fa;
  posix_spawn_file_actions_init(&fa);
  posix_spawn_file_actions_addopen(&fa, 1, log.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
  posix_spawn_file_actions_adddup2(&fa, 1, 2);
  std::vector<std::string> args = {KITAKU_BINARY, "sweep", sweep, "--out", out, "--jobs", "1"};
  std::vector<char*> argv;
  for (auto& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);
  pid_t pid = 0;
  REQUIRE(posix_spawn(&pid, KITAKU_BINARY, &fa, nullptr, argv.data(), environ) == 0);
  posix_spawn_file_actions_destroy(&fa);

  // Kill it in the middle of a run, once some runs are finished.
  const auto t0 = std::chrono::steady_clock::now();
  bool exited = false;
  int status = 0;
  while (std::chrono::steady_clock::now() - t0 < std::chrono::seconds(300)) {
    if (::waitpid(pid, &status, WNOHANG) == pid) {
      exited = true;
      break;
    }
    if (finished_runs(runs).size() >= 2 && partial_runs(runs) == 1) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  const std::string first_log = slurp(log);
  CAPTURE(first_log);
  REQUIRE_MESSAGE(!exited, "the sweep finished before it could be killed");
  REQUIRE(::kill(pid, SIGKILL) == 0);
  ::waitpid(pid, &status, 0);
  REQUIRE(WIFSIGNALED(status));

  const std::set<std::string> before = finished_runs(runs);
  REQUIRE(before.size() >= 2);
  REQUIRE(before.size() < 8);
  std::map<std::string, fs::file_time_type> mtimes;
  for (const auto& id : before) mtimes[id] = fs::last_write_time(runs / id / "summary.json");
  for (const auto& id : before) CHECK(fs::exists(runs / id / "results.gpkg"));  // never half-written

  const auto r = run_kitaku("sweep " + quoted(sweep) + " --out " + quoted(out) + " --jobs 1");
  CAPTURE(r.output);
  REQUIRE(r.code == 0);
  const std::size_t left = 8 - before.size();
  CHECK(r.output.find("resuming in " + out + ": " + std::to_string(before.size()) + " runs finished earlier (kept)") !=
        std::string::npos);
  CHECK(r.output.find(std::to_string(left) + " run" + (left == 1 ? "" : "s") + " to do") != std::string::npos);
  CHECK(r.output.find("Finished: " + std::to_string(left) + " run") != std::string::npos);
  // Only the runs not finished before were done now, each once.
  for (const auto& id : before) CHECK_MESSAGE(r.output.find(" " + id + " done") == std::string::npos, id);
  check_complete_sweep(out, 8);
  for (const auto& e : mtimes)  // no structured binding: clang 14 (scripts/tsan.sh) cannot capture one in CHECK_MESSAGE
    CHECK_MESSAGE(fs::last_write_time(runs / e.first / "summary.json") == e.second, e.first);
  const auto rows = index_rows(out);
  CHECK(rows.size() == 8);

  // The resumed sweep gives the same tables as one that ran straight through.
  const auto straight = run_kitaku("sweep " + quoted(sweep) + " --out " + quoted(dir / "straight") + " --jobs 2");
  CAPTURE(straight.output);
  REQUIRE(straight.code == 0);
  CHECK(slurp(out + "/index.csv") == slurp(dir / "straight/index.csv"));
  CHECK(slurp(out + "/aggregate.csv") == slurp(dir / "straight/aggregate.csv"));

  // A different sweep into the same folder is refused, and changes nothing.
  const std::string other = write_file(dir, "other.toml", std::regex_replace(std::string(kSweep8), std::regex("seeds = 2"), "seeds = 3"));
  const auto bad = run_kitaku("sweep " + quoted(other) + " --out " + quoted(out));
  CAPTURE(bad.output);
  CHECK(bad.code == 1);
  CHECK(bad.output.find("kitaku: error: " + out + ": holds a different sweep than " + other + " (seeds was 2, now 3)") !=
        std::string::npos);
  CHECK(slurp(out + "/sweep.toml") == slurp(sweep));
}

TEST_CASE("kitaku sweep with a bad sweep file names the file, the line and the key") {
  TempDir dir;
  write_file(dir, "small.toml", kSmallScenario);
  struct Case {
    std::string text, expected;
  };
  const std::string head = "[sweep]\nbase = \"small.toml\"\n";
  const std::vector<Case> cases = {
      {head + "seedz = 3\n", "line 3: [sweep] seedz: unknown key"},
      {"[sweep]\nseeds = 2\n", "line 1: [sweep] base: missing"},
      {head + "[[axis]]\nkey = \"policy.retension_share\"\nvalues = [0.1]\n",
       "line 3: [[axis]] key \"policy.retension_share\" = 0.1: [policy] retension_share: unknown key"},
      {head + "[[axis]]\nkey = \"policy.retention_share\"\nvalues = []\n", "line 5: [[axis]] values: is empty"},
      {head + "[[axis]]\nkey = \"policy.retention_share\"\nfrom = 0.5\nto = 0.1\nstep = 0.1\n",
       "line 6: [[axis]] to: must be >= from (0.5), got 0.1"},
      {head + "[[axis]]\nkey = \"policy.retention_share\"\nfrom = 0\nto = 1\nstep = 0\n",
       "line 7: [[axis]] step: must be > 0, got 0"},
      {head + "[[axis]]\nkey = \"policy.retention_share\"\nfrom = 0\nto = 1\n",
       "line 3: [[axis]] key \"policy.retention_share\": step: missing"},
      {head + "[[axis]]\nkey = \"policy.retention_share\"\nvalues = [0.5]\nfrom = 0\n",
       "line 3: [[axis]] key \"policy.retention_share\": give exactly one of"},
      {head + "[[axis]]\nkey = \"population.agents\"\nvalues = [1000, 1500.5]\n",
       "line 3: [[axis]] key \"population.agents\" = 1500.5: [population] agents: must be an integer"},
      {head + "[[axis]]\nkey = \"policy.retention_share\"\nvalues = [1.5]\n",
       "line 3: [[axis]] key \"policy.retention_share\" = 1.5: [policy] retention_share: must be in"},
      {head + "[[axis]]\nkey = \"policy\"\nvalues = [1]\n", "line 3: [[axis]] key \"policy\": names a table"},
      {head + "[[axis]]\nkey = \"scenario.seed\"\nvalues = [1, 2]\n", "line 4: [[axis]] key: the seed is not a parameter"},
      {head + "[[axis]]\nkey = \"policy.retention_share\"\nlatin = [0, 0.5]\n",
       "[sweep] latin_samples: missing"},
      {head + "[[axis]]\nkey = \"policy.retention_share\"\nvalues = [0.1]\nvalus = [2]\n",
       "line 6: [[axis]] valus: unknown key"},
      {head + "[axes]\n", "line 3: axes: unknown key"},
  };
  for (std::size_t i = 0; i < cases.size(); ++i) {
    CAPTURE(i);
    CAPTURE(cases[i].text);
    const std::string file = write_file(dir, "bad" + std::to_string(i) + ".toml", cases[i].text);
    const auto r = run_kitaku("sweep " + quoted(file) + " --out " + quoted(dir / "out"));
    CAPTURE(r.output);
    CHECK(r.code == 1);
    CHECK(r.output.rfind("kitaku: error: " + file + ": ", 0) == 0);
    CHECK(r.output.find(cases[i].expected) != std::string::npos);
    CHECK(std::count(r.output.begin(), r.output.end(), '\n') == 1);
    CHECK(!fs::exists(dir / "out"));
  }
}

TEST_CASE("kitaku sweep samples a Latin hypercube: one sample in each stratum of each axis") {
  use_shared_cache();
  TempDir dir;
  const std::string sweep = make_sweep(dir,
                                       "[sweep]\nbase = \"small.toml\"\nlatin_samples = 4\nlatin_seed = 9\n"
                                       "[[axis]]\nkey = \"policy.retention_share\"\nlatin = [0.0, 0.8]\n"
                                       "[[axis]]\nkey = \"population.agents\"\nlatin = [400, 800]\n");
  const auto r = run_kitaku("sweep " + quoted(sweep) + " --out " + quoted(dir / "out"));
  CAPTURE(r.output);
  REQUIRE(r.code == 0);
  const Csv index = read_csv(dir / "out/index.csv");
  REQUIRE(index.rows.size() == 4);
  std::set<int> share_strata, agent_strata;
  for (const auto& row : index.rows) {
    const double share = std::stod(row[2]);
    const std::string agents = row[3];
    CHECK(agents.find('.') == std::string::npos);  // integer bounds: integer samples
    share_strata.insert(static_cast<int>(share / 0.2));
    agent_strata.insert(std::min(3, static_cast<int>((std::stod(agents) - 400) / 100)));
    CHECK(row[index.col("agents")] == agents);
  }
  CHECK(share_strata == std::set<int>{0, 1, 2, 3});
  CHECK(agent_strata.size() >= 3);  // rounding to integers may move a sample across a boundary
  // Latin samples are plotted as markers, not joined by lines.
  const std::string svg = slurp(dir / "out/plots/arrived_home-vs-policy.retention_share.svg");
  CHECK(svg.find("<polyline") == std::string::npos);
  CHECK(svg.find("<circle") != std::string::npos);
}

TEST_CASE("kitaku rerun reproduces a sweep run exactly, and exits 1 when an output was changed") {
  use_shared_cache();
  TempDir dir;
  const std::string sweep = make_sweep(dir, "[sweep]\nbase = \"small.toml\"\nseeds = 1\nseed_base = 21\n");
  const std::string out = dir / "out";
  const auto s = run_kitaku("sweep " + quoted(sweep) + " --out " + quoted(out));
  CAPTURE(s.output);
  REQUIRE(s.code == 0);
  const std::string run = out + "/runs/p00-s00";

  const auto r = run_kitaku("rerun " + quoted(run) + " --threads 2");
  CAPTURE(r.output);
  REQUIRE(r.code == 0);
  CHECK(r.output.find("seed 21, 2 threads (recorded with 1)") != std::string::npos);
  CHECK(r.output.find("version: same as recorded") != std::string::npos);
  CHECK(r.output.find("same  timeseries.csv: byte-identical") != std::string::npos);
  CHECK(r.output.find("same  agents.csv: byte-identical") != std::string::npos);
  CHECK(r.output.find("same  summary.json: ") != std::string::npos);
  CHECK(r.output.find("same  results.gpkg: every value and geometry equal (edges ") != std::string::npos);
  CHECK(r.output.find("facilities ") != std::string::npos);
  CHECK(r.output.find("Reproduced exactly.") != std::string::npos);
  CHECK(r.output.find("DIFF") == std::string::npos);

  // --out keeps the rerun's outputs.
  const auto kept = run_kitaku("rerun " + quoted(run) + " --out " + quoted(dir / "again"));
  CAPTURE(kept.output);
  REQUIRE(kept.code == 0);
  CHECK(slurp(dir / "again/timeseries.csv") == slurp(run + "/timeseries.csv"));

  // Another version recorded: reported, and the outputs still match.
  std::string info = slurp(run + "/run.json");
  const std::string version = json::parse(info).at("kitaku_version");
  const std::string original_info = info;
  info.replace(info.find(version), version.size(), "0.0.1-old");
  std::ofstream(run + "/run.json") << info;
  const auto v = run_kitaku("rerun " + quoted(run));
  CAPTURE(v.output);
  CHECK(v.code == 0);
  CHECK(v.output.find("version: MISMATCH: recorded with 0.0.1-old") != std::string::npos);
  CHECK(v.output.find("Reproduced exactly (although recorded with Kitaku 0.0.1-old)") != std::string::npos);
  std::ofstream(run + "/run.json") << original_info;

  // A tampered timeseries: rerun lists the difference and exits 1.
  std::string ts = slurp(run + "/timeseries.csv");
  const std::size_t last_line = ts.rfind('\n', ts.size() - 2) + 1;
  const std::size_t digit = ts.find_first_of("123456789", ts.find(',', last_line) + 1);
  ts[digit] = ts[digit] == '9' ? '8' : static_cast<char>(ts[digit] + 1);
  std::ofstream(run + "/timeseries.csv", std::ios::binary) << ts;
  const auto t = run_kitaku("rerun " + quoted(run));
  CAPTURE(t.output);
  CHECK(t.code == 1);
  CHECK(t.output.find("DIFF  timeseries.csv: differs from line ") != std::string::npos);
  CHECK(t.output.find("same  results.gpkg") != std::string::npos);
  CHECK(t.output.find("kitaku: error: " + run + ": not reproduced: 1 difference") != std::string::npos);

  // Not a run folder.
  const auto n = run_kitaku("rerun " + quoted(out));
  CHECK(n.code == 1);
  CHECK(n.output.find("not a finished sweep run: run.json is missing") != std::string::npos);
}
