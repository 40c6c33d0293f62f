// `kitaku run --checkpoint-every`: a run killed (kill -9) or stopped (Ctrl-C) after a
// checkpoint, then started again with the same command, resumes from it and writes
// exactly the outputs of a run that never stopped; a checkpoint of another run is
// refused unless --fresh. On the small synthetic city (radius 3 km), 6,000 agents.
#include <doctest/doctest.h>

#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <string>
#include <thread>
#include <vector>

#include "test_util.hpp"

using kitaku::test::quoted;
using kitaku::test::run_kitaku;
using kitaku::test::spawn_kitaku;
using kitaku::test::run_shell;
using kitaku::test::slurp;
using kitaku::test::TempDir;
using kitaku::test::use_shared_cache;
namespace fs = std::filesystem;
using json = nlohmann::json;

namespace {

std::string layer_dump(const std::string& gpkg, const std::string& layer) {
  const auto r = run_shell("ogrinfo -ro -al -q " + quoted(gpkg) + " " + layer);
  CAPTURE(r.output);
  REQUIRE(r.code == 0);
  return r.output;
}

// summary.json without what depends on the machine and the thread count.
json comparable_summary(const std::string& path) {
  json j = json::parse(slurp(path));
  for (const char* k : {"wall_seconds", "threads", "agent_updates_per_second"}) j.erase(k);
  return j;
}

// 6 simulated hours in 10 s steps; a checkpoint every simulated hour.
const std::string kScenario =
    "[scenario]\nname = \"Checkpoint test\"\nseed = 3\n"
    "[city]\nsynthetic_radius_km = 3\n"
    "[population]\nagents = 6000\n"
    "[policy]\nretention_share = 0.3\n"
    "[behaviour]\ndeparture_mean_min = 5\n"
    "[facilities]\nopening_delay_min = 0\nopening_delay_max = 10\n"
    "[run]\nduration_h = 6\nstep_s = 10\noutput_interval_s = 300\n"
    "[[command]]\nat_min = 30\ntype = \"close_edge\"\nedge = 5\n"
    "[[command]]\nat_min = 200\ntype = \"set_capacity\"\nfacility = 1\nvalue = 10\n";

struct Fixture {
  TempDir dir;
  std::string scenario;
  Fixture() {
    use_shared_cache();
    scenario = dir / "s.toml";
    std::ofstream(scenario) << kScenario;
  }
  std::string args(const std::string& out, int threads, const std::string& extra = "--checkpoint-every 1h") const {
    return "run " + quoted(scenario) + " --out " + quoted(dir / out) + " --threads " + std::to_string(threads) + " " +
           extra;
  }
};

// The uninterrupted run every test compares with (made once).
const fs::path& reference() {
  static TempDir dir;
  static bool made = false;
  if (!made) {
    use_shared_cache();
    std::ofstream(dir / "s.toml") << kScenario;
    const auto r = run_kitaku("run " + quoted(dir / "s.toml") + " --out " + quoted(dir / "ref") + " --threads 2");
    CAPTURE(r.output);
    REQUIRE(r.code == 0);
    made = true;
  }
  static const fs::path out = dir.path / "ref";
  return out;
}

void check_same_outputs(const fs::path& a, const fs::path& b) {
  CHECK(slurp((a / "timeseries.csv").string()) == slurp((b / "timeseries.csv").string()));
  CHECK(slurp((a / "agents.csv").string()) == slurp((b / "agents.csv").string()));
  CHECK(layer_dump((a / "results.gpkg").string(), "edges") == layer_dump((b / "results.gpkg").string(), "edges"));
  CHECK(layer_dump((a / "results.gpkg").string(), "facilities") ==
        layer_dump((b / "results.gpkg").string(), "facilities"));
  CHECK(comparable_summary((a / "summary.json").string()) == comparable_summary((b / "summary.json").string()));
  CHECK(slurp((a / "commands.log").string()) == slurp((b / "commands.log").string()));
  CHECK(slurp((a / "scenario.toml").string()) == slurp((b / "scenario.toml").string()));
}


// Waits until `file` exists; false if the process ended first (or after 120 s).
bool wait_for_file(pid_t pid, const fs::path& file, int& status) {
  const auto t0 = std::chrono::steady_clock::now();
  while (std::chrono::steady_clock::now() - t0 < std::chrono::seconds(120)) {
    if (fs::exists(file)) return true;
    if (::waitpid(pid, &status, WNOHANG) == pid) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  return false;
}

}  // namespace

TEST_CASE("kitaku run killed after a checkpoint resumes on the same command to the same outputs") {
  const fs::path& ref = reference();
  Fixture f;
  const fs::path out = f.dir.path / "out";
  const fs::path ckpt = out / "checkpoint.kitaku";
  const pid_t pid = spawn_kitaku({"run", f.scenario, "--out", out.string(), "--threads", "2", "--checkpoint-every", "1h"},
                                 f.dir / "run1.log");
  int status = 0;
  const bool appeared = wait_for_file(pid, ckpt, status);
  if (appeared) {
    REQUIRE(::kill(pid, SIGKILL) == 0);
    ::waitpid(pid, &status, 0);
  }
  const std::string log1 = slurp(f.dir / "run1.log");
  CAPTURE(log1);
  REQUIRE_MESSAGE(appeared, "no checkpoint appeared before kitaku ended");
  REQUIRE(WIFSIGNALED(status));
  CHECK(!fs::exists(out / "summary.json"));  // killed before any output
  REQUIRE(fs::exists(ckpt));

  // The same command again (on another thread count): it resumes and finishes.
  const auto r = run_kitaku(f.args("out", 1));
  CAPTURE(r.output);
  REQUIRE(r.code == 0);
  CHECK(r.output.find("resuming from checkpoint at ") != std::string::npos);
  CHECK(r.output.find("Finished after 6 h 00 min") != std::string::npos);
  CHECK(!fs::exists(ckpt));  // removed once the outputs are written
  for (const auto& e : fs::directory_iterator(out))
    CHECK_MESSAGE(e.path().filename().string().rfind(".tmp-", 0) != 0, "leftover " << e.path());
  check_same_outputs(ref, out);
  const json s = json::parse(slurp((out / "summary.json").string()));
  CHECK(s.at("partial") == false);
  CHECK(s.at("threads") == 1);
  CHECK(s.at("walkers").get<double>() > 0);
  CHECK(s.contains("persons_ge6_3h"));
  CHECK(s.contains("by_rail"));
}

TEST_CASE("Ctrl-C writes a checkpoint, and another run's checkpoint is refused unless --fresh") {
  const fs::path& ref = reference();
  Fixture f;
  const fs::path out = f.dir.path / "out";
  const fs::path ckpt = out / "checkpoint.kitaku";
  // Checkpoints only every 4 simulated hours: the one found after Ctrl-C is Ctrl-C's.
  const pid_t pid = spawn_kitaku({"run", f.scenario, "--out", out.string(), "--threads", "2", "--checkpoint-every", "4h"},
                                 f.dir / "run1.log");
  int status = 0;
  bool exited = false;
  const auto t0 = std::chrono::steady_clock::now();
  while (std::chrono::steady_clock::now() - t0 < std::chrono::seconds(120)) {
    if (::waitpid(pid, &status, WNOHANG) == pid) { exited = true; break; }
    if (slurp(f.dir / "run1.log").find("set up in") != std::string::npos) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  REQUIRE_MESSAGE(!exited, "kitaku ended before the simulation started");
  REQUIRE(::kill(pid, SIGINT) == 0);
  ::waitpid(pid, &status, 0);
  const std::string log1 = slurp(f.dir / "run1.log");
  CAPTURE(log1);
  REQUIRE(WIFEXITED(status));
  if (WEXITSTATUS(status) == 0) {
    MESSAGE("the run finished before Ctrl-C arrived: nothing to resume");
    return;
  }
  CHECK(WEXITSTATUS(status) == 130);
  CHECK(log1.find("run the same command again to resume") != std::string::npos);
  REQUIRE(fs::exists(ckpt));
  CHECK(json::parse(slurp((out / "summary.json").string())).at("partial") == true);

  // Another seed: the checkpoint is not this run's.
  const auto other = run_kitaku(f.args("out", 2, "--checkpoint-every 1h --seed 4"));
  CAPTURE(other.output);
  CHECK(other.code == 1);
  CHECK(other.output.find("kitaku: error: " + ckpt.string() + ": header: written for another run: ") != std::string::npos);
  CHECK(other.output.find("the seed differs") != std::string::npos);
  CHECK(other.output.find("--fresh") != std::string::npos);
  REQUIRE(fs::exists(ckpt));  // left alone

  // The same command resumes from Ctrl-C's checkpoint; without --checkpoint-every too.
  const auto r = run_kitaku(f.args("out", 1, ""));
  CAPTURE(r.output);
  REQUIRE(r.code == 0);
  CHECK(r.output.find("resuming from checkpoint at ") != std::string::npos);
  CHECK(!fs::exists(ckpt));
  check_same_outputs(ref, out);

  // --fresh deletes a checkpoint and starts over.
  std::ofstream(ckpt.string()) << "not a checkpoint";
  const auto bad = run_kitaku(f.args("out", 2));
  CAPTURE(bad.output);
  CHECK(bad.code == 1);
  CHECK(bad.output.find("not a Kitaku checkpoint") != std::string::npos);
  const auto fresh = run_kitaku(f.args("out", 2, "--fresh"));
  CAPTURE(fresh.output);
  REQUIRE(fresh.code == 0);
  CHECK(fresh.output.find("resuming") == std::string::npos);
  CHECK(!fs::exists(ckpt));
  CHECK(slurp((ref / "timeseries.csv").string()) == slurp((out / "timeseries.csv").string()));
}

TEST_CASE("kitaku run --checkpoint-every takes a simulated time") {
  Fixture f;
  for (const char* bad : {"0", "2 days", "abc", "0min", "1.5x"}) {
    CAPTURE(bad);
    const auto r = run_kitaku(f.args("out", 1, std::string("--checkpoint-every '") + bad + "'"));
    CAPTURE(r.output);
    CHECK(r.code > 100);  // a command-line error (CLI11), not an input error
    CHECK(r.output.find("--checkpoint-every") != std::string::npos);
    CHECK(r.output.find("2h, 90min or 3600s") != std::string::npos);
  }
  CHECK(!fs::exists(f.dir / "out/summary.json"));
}
