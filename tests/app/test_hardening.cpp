// Hostile input and faults (issue #19): counts beyond any plausible range, a kill
// while outputs are written, two runs into one folder, seeds beyond 2^63 - 1, OSM
// ways with missing nodes, and the messages for files beyond a reader's limits.
// Each case runs the real program; the runs use a 2 km synthetic city and a few
// thousand agents, so each case takes a few seconds.
#include <doctest/doctest.h>

#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
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

std::string write_file(const TempDir& dir, const std::string& name, const std::string& text) {
  const std::string path = dir / name;
  std::ofstream(path, std::ios::binary) << text;
  return path;
}

bool has(const std::string& text, const std::string& part) { return text.find(part) != std::string::npos; }

// The 2 km synthetic city, 2,000 agents; `hours` simulated in 10 s steps.
std::string small_scenario(double hours, int seed = 5, const std::string& extra = "") {
  return "[scenario]\nname = \"Hardening test\"\nseed = " + std::to_string(seed) +
         "\n[city]\nsynthetic_radius_km = 2\n[population]\nagents = 2000\n"
         "[behaviour]\ndeparture_mean_min = 5\n[facilities]\nopening_delay_min = 0\nopening_delay_max = 10\n"
         "[run]\nduration_h = " + std::to_string(hours) + "\nstep_s = 10\noutput_interval_s = 600\n" + extra;
}


// Polls every millisecond until `ready()` or the process ends (or 120 s pass).
// True when ready() came first; `status` is set when the process ended.
template <class Ready>
bool wait_until(pid_t pid, Ready ready, int& status) {
  const auto t0 = std::chrono::steady_clock::now();
  while (std::chrono::steady_clock::now() - t0 < std::chrono::seconds(120)) {
    if (ready()) return true;
    if (::waitpid(pid, &status, WNOHANG) == pid) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  return false;
}

void kill9(pid_t pid) {
  REQUIRE(::kill(pid, SIGKILL) == 0);
  int status = 0;
  ::waitpid(pid, &status, 0);
  CHECK(WIFSIGNALED(status));
}

std::vector<std::string> temp_entries(const fs::path& dir) {
  std::vector<std::string> names;
  for (const auto& e : fs::directory_iterator(dir))
    if (e.path().filename().string().rfind(".tmp-", 0) == 0) names.push_back(e.path().filename().string());
  return names;
}

// `sha256sum -c` of DIR/manifest.sha256: exit 0 when every file of the set matches.
int verify_manifest(const fs::path& dir) {
  return run_shell("cd " + quoted(dir.string()) + " && sha256sum --quiet -c manifest.sha256").code;
}

std::uint64_t summary_seed(const fs::path& dir) {
  return json::parse(slurp(dir / "summary.json")).at("seed").get<std::uint64_t>();
}

}  // namespace

// ---- 1. Counts and capacities within a plausible range ---------------------------

TEST_CASE("a zone population of 1e300 or 1e17 is refused, naming the file and the feature") {
  TempDir dir;
  for (const std::string v : {"1e300", "1e17"}) {
    CAPTURE(v);
    const std::string z = write_file(
        dir, "zones.geojson",
        R"({"type":"FeatureCollection","features":[{"type":"Feature","properties":{"zone_id":"a","day_pop":)" + v +
            R"(,"night_pop":10},"geometry":{"type":"Polygon","coordinates":[[[139.7,35.6],[139.71,35.6],[139.71,35.61],[139.7,35.61],[139.7,35.6]]]}}]})");
    const auto r = run_kitaku("facilities zones " + quoted(z));
    CAPTURE(r.output);
    CHECK(r.code == 1);
    CHECK(has(r.output, "kitaku: error: " + z + ": layer zones: feature 0 (zone_id a): day_pop "));
    CHECK(has(r.output, "is above the plausible maximum of 50,000,000 persons"));
  }
}

TEST_CASE("an MLIT mesh CSV row, a facility capacity or a station's riders beyond range are refused by row") {
  TempDir dir;
  const std::string mesh = write_file(
      dir, "mesh.geojson",
      R"({"type":"FeatureCollection","features":[{"type":"Feature","properties":{"code":"53394519"},"geometry":{"type":"Polygon","coordinates":[[[139.7375,35.6667],[139.75,35.6667],[139.75,35.675],[139.7375,35.675],[139.7375,35.6667]]]}}]})");
  const std::string csv = write_file(dir, "pop.csv",
                                     "mesh1kmid,prefcode,citycode,year,month,dayflag,timezone,population\n"
                                     "53394519,13,13101,2019,10,1,1,5749\n"
                                     "53394519,13,13101,2019,10,1,0,1e17\n");
  auto r = run_kitaku("facilities zones " + quoted(mesh) + " --population " + quoted(csv));
  CAPTURE(r.output);
  CHECK(r.code == 1);
  CHECK(has(r.output, csv + ": row 2 (line 3): population 1e17 is above the plausible maximum of 1,000,000"));

  const std::string fac = write_file(dir, "fac.csv", "name,lat,lon,capacity\nA,35.6,139.7,100\nB,35.6,139.7,1e300\n");
  r = run_kitaku("facilities info " + quoted(fac));
  CAPTURE(r.output);
  CHECK(r.code == 1);
  CHECK(has(r.output, fac + ": row 2 (line 3): column capacity: capacity '1e300' is above 1,000,000 persons"));

  const std::string st = write_file(dir, "st.csv", "name,lat,lon,daily_riders\nA,35.6,139.7,1e17\n");
  r = run_kitaku("facilities stations " + quoted(st));
  CAPTURE(r.output);
  CHECK(r.code == 1);
  CHECK(has(r.output, st + ": row 1 (line 2): column daily_riders: daily riders 1e17 is above 20,000,000"));
}

TEST_CASE("set_capacity beyond 1,000,000 persons is refused in a scenario and in a replayed log") {
  use_shared_cache();
  TempDir dir;
  const std::string sc = write_file(dir, "s.toml", small_scenario(0.1, 5,
      "[[command]]\nat_min = 1\ntype = \"set_capacity\"\nfacility = 0\nvalue = 1e300\n"));
  auto r = run_kitaku("run " + quoted(sc) + " --out " + quoted(dir / "out"));
  CAPTURE(r.output);
  CHECK(r.code == 1);
  CHECK(has(r.output, "kitaku: error: " + sc + ": [[command]] 1 (scenario), t=60 s: set_capacity: capacity 1e+300 "
                      "is above 1,000,000 persons"));

  const std::string plain = write_file(dir, "plain.toml", small_scenario(0.1));
  const std::string log = write_file(dir, "commands.log",
      "# kitaku commands.log\n"
      "time_s=60 seq=0 type=set_capacity facility=0 edge=-1 value=1e17 x=0 y=0 radius_m=0 source=operator\n");
  r = run_kitaku("run " + quoted(plain) + " --replay " + quoted(log) + " --out " + quoted(dir / "out2"));
  CAPTURE(r.output);
  CHECK(r.code == 1);
  CHECK(has(r.output, "set_capacity: capacity 1e+17 is above 1,000,000 persons"));
}

// ---- 2. A kill while outputs are written, and stale temporary files ---------------

TEST_CASE("kill -9 while outputs are written leaves the previous whole set or none, and the next run cleans up") {
  use_shared_cache();
  TempDir dir;
  const fs::path out = dir.path / "out";
  const std::string sc = write_file(dir, "s.toml", small_scenario(0.5));
  auto r = run_kitaku("run " + quoted(sc) + " --out " + quoted(out.string()) + " --seed 7");
  CAPTURE(r.output);
  REQUIRE(r.code == 0);
  REQUIRE(fs::exists(out / "manifest.sha256"));
  CHECK(verify_manifest(out) == 0);
  const std::string manifest = slurp(out / "manifest.sha256");
  for (const char* f : {"timeseries.csv", "results.gpkg", "summary.json", "commands.log", "scenario.toml",
                        "peak_density.png"})
    CHECK_MESSAGE(has(manifest, std::string("  ") + f + "\n"), f << " is not in the manifest");

  // Another run into the same folder, killed once its staging folder appears (it
  // writes every file there first). Try again if it finished before the kill landed.
  bool killed = false;
  for (int attempt = 0; attempt < 5 && !killed; ++attempt) {
    const pid_t pid = spawn_kitaku({"run", sc, "--out", out.string(), "--seed", "8"}, dir / "second.log");
    const fs::path staging = out / (".tmp-" + std::to_string(pid) + "-staging");
    int status = 0;
    if (wait_until(pid, [&] { return fs::exists(staging); }, status)) {
      kill9(pid);
      killed = true;
    }
  }
  REQUIRE_MESSAGE(killed, "the second run always finished before it could be killed");
  CHECK(!temp_entries(out).empty());  // what the killed run left
  // The folder is never a silent mix: either the manifest is gone (a partial set) or
  // every file it lists is the one it names; here the first run's set is still whole.
  if (fs::exists(out / "manifest.sha256")) {
    CHECK(verify_manifest(out) == 0);
    CHECK(summary_seed(out) == 7);
  }

  // The next run removes the dead run's temporary files and writes a whole set.
  r = run_kitaku("run " + quoted(sc) + " --out " + quoted(out.string()) + " --seed 9");
  CAPTURE(r.output);
  REQUIRE(r.code == 0);
  CHECK(temp_entries(out).empty());
  CHECK(verify_manifest(out) == 0);
  CHECK(summary_seed(out) == 9);

  // A file from another run no longer matches: a reader can tell.
  const std::string ts = slurp(out / "timeseries.csv");
  std::ofstream(out / "timeseries.csv", std::ios::binary) << ts << "0\n";
  CHECK(verify_manifest(out) != 0);
}

// ---- 3. One run at a time per output folder ---------------------------------------

TEST_CASE("a second run into a folder a live run is writing is refused; after a kill -9 the same command resumes") {
  use_shared_cache();
  TempDir dir;
  const fs::path out = dir.path / "out";
  const std::string sc = write_file(dir, "s.toml", small_scenario(4));
  const std::vector<std::string> args = {"run", sc, "--out", out.string(), "--checkpoint-every", "30min"};
  const pid_t pid = spawn_kitaku(args, dir / "first.log");
  int status = 0;
  const bool running = wait_until(pid, [&] { return fs::exists(out / "checkpoint.kitaku"); }, status);
  if (!running) MESSAGE(slurp(dir / "first.log"));
  REQUIRE_MESSAGE(running, "the first run ended before its first checkpoint");

  const auto second = run_kitaku("run " + quoted(sc) + " --out " + quoted(out.string()) + " --checkpoint-every 30min");
  CAPTURE(second.output);
  CHECK(second.code == 1);
  CHECK(has(second.output, "kitaku: error: " + out.string() + ": another kitaku run (pid " + std::to_string(pid) +
                               ") is writing into this folder; wait for it to end, or choose another --out"));
  kill9(pid);

  // The lock died with its process: the same command takes it and resumes.
  const auto resumed = run_kitaku("run " + quoted(sc) + " --out " + quoted(out.string()) + " --checkpoint-every 30min");
  CAPTURE(resumed.output);
  CHECK(resumed.code == 0);
  CHECK(has(resumed.output, "resuming from checkpoint at "));
  CHECK(verify_manifest(out) == 0);
}

// ---- 4. Seeds: 0 to 2^63 - 1 on the command line and in a scenario alike --------

TEST_CASE("a seed beyond 2^63 - 1 is refused, not clamped, on the command line and in a scenario") {
  TempDir dir;
  for (const std::string seed : {"9223372036854775808", "18446744073709551615", "18446744073709551616", "-1"}) {
    CAPTURE(seed);
    const auto r = run_kitaku("run --seed " + seed + " --out " + quoted(dir / "out"));
    CAPTURE(r.output);
    CHECK(r.code > 100);  // the command line itself is wrong
    CHECK(has(r.output, "--seed: must be a whole number from 0 to 9223372036854775807 (2^63 - 1), got " + seed));
    CHECK(r.output.size() < 200);  // no 309-digit range
    CHECK(!fs::exists(dir / "out"));
  }
  for (const std::string seed : {"9223372036854775808", "18446744073709551615"}) {
    CAPTURE(seed);
    const std::string sc = write_file(dir, "s.toml", "[scenario]\nseed = " + seed + "\n[city]\nsynthetic_radius_km = 2\n");
    const auto r = run_kitaku("run " + quoted(sc) + " --out " + quoted(dir / "out"));
    CAPTURE(r.output);
    CHECK(r.code == 1);
    CHECK(has(r.output, "kitaku: error: " + sc + ": line 2: seed: " + seed +
                            " is out of range: integers, seeds among them, run from -9223372036854775808 to "
                            "9223372036854775807 (2^63 - 1)"));
  }
  // A sweep whose last seed would pass the top.
  write_file(dir, "small.toml", small_scenario(0.1));
  const std::string sweep = write_file(dir, "sweep.toml",
      "[sweep]\nbase = \"small.toml\"\nseeds = 2\nseed_base = 9223372036854775807\n");
  const auto s = run_kitaku("sweep " + quoted(sweep) + " --out " + quoted(dir / "sweep-out"));
  CAPTURE(s.output);
  CHECK(s.code == 1);
  CHECK(has(s.output, sweep + ": line 1: [sweep] seed_base + seeds - 1 is above 9223372036854775807 (2^63 - 1)"));

  // The top of the range is a seed like any other (the bad [run] key stops the run
  // after the command line was accepted).
  const std::string bad = write_file(dir, "bad.toml", "[city]\nsynthetic_radius_km = 2\n[run]\nnope = 1\n");
  const auto r = run_kitaku("run " + quoted(bad) + " --seed 9223372036854775807 --out " + quoted(dir / "out"));
  CAPTURE(r.output);
  CHECK(r.code == 1);
  CHECK(has(r.output, "[run] nope: unknown key"));
}

// ---- 6. Clear messages ------------------------------------------------------------

TEST_CASE("a key given twice is named as written, quoted or not") {
  TempDir dir;
  const std::string q = write_file(dir, "q.toml", "[scenario]\n\"seseed\" = 1\n\"seseed\" = 2\n[city]\nsynthetic_radius_km = 2\n");
  auto r = run_kitaku("run " + quoted(q));
  CAPTURE(r.output);
  CHECK(r.code == 1);
  CHECK(has(r.output, q + ": line 3: \"seseed\" is given twice: the integer it names is already defined earlier"));
  CHECK(!has(r.output, "'\"se"));
  const std::string t = write_file(dir, "t.toml", "[city]\nsynthetic_radius_km = 2\n[city]\n");
  r = run_kitaku("run " + quoted(t));
  CAPTURE(r.output);
  CHECK(r.code == 1);
  CHECK(has(r.output, t + ": line 3: [city] is given twice"));
}

TEST_CASE("files beyond a reader's limits say so, not 'damaged'; binary text is escaped") {
  TempDir dir;
  // An OSM way with a 5 MB width tag.
  const std::string osm = write_file(dir, "w.osm",
      "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<osm version=\"0.6\">\n"
      " <node id=\"1\" lat=\"35.600\" lon=\"139.700\"/>\n <node id=\"2\" lat=\"35.601\" lon=\"139.700\"/>\n"
      " <way id=\"10\"><nd ref=\"1\"/><nd ref=\"2\"/><tag k=\"highway\" v=\"footway\"/><tag k=\"width\" v=\"" +
          std::string(5'000'000, '9') + "\"/></way>\n</osm>\n");
  auto r = run_kitaku("network info --no-cache " + quoted(osm));
  const std::string head = r.output.substr(0, 600);
  CAPTURE(head);
  CHECK(r.code == 1);
  CHECK(has(r.output, "an element holds more text than GDAL's OSM reader takes"));
  CHECK(!has(r.output, "damaged"));
  CHECK(!has(r.output, "corrupted"));

  // A GeoJSON feature with a 10 MB string.
  const std::string gj = write_file(dir, "big.geojson",
      R"({"type":"FeatureCollection","features":[{"type":"Feature","properties":{"highway":"footway","name":")" +
          std::string(10'000'000, 'x') +
          R"("},"geometry":{"type":"LineString","coordinates":[[139.7,35.6],[139.701,35.6]]}}]})");
  r = run_kitaku("network info --no-cache " + quoted(gj));
  const std::string head2 = r.output.substr(0, 600);
  CAPTURE(head2);
  CHECK(r.code == 1);
  CHECK(has(r.output, "longer than GDAL's GeoJSON reader takes, 10,000,000 characters"));

  // A binary file given as a command log: its bytes are shown escaped.
  const std::string log = write_file(dir, "bin.log", std::string("# kitaku\ntime_s=0 \x1b[31mRED\x07\x01 x\n"));
  const std::string sc = write_file(dir, "s.toml", "[city]\nsynthetic_radius_km = 2\n");
  r = run_kitaku("run " + quoted(sc) + " --replay " + quoted(log) + " --out " + quoted(dir / "out"));
  CAPTURE(r.output);
  CHECK(r.code == 1);
  CHECK(has(r.output, log + ": line 2: "));
  CHECK(has(r.output, "\\x1B[31mRED\\x07"));
  for (const char c : r.output) CHECK_MESSAGE((static_cast<unsigned char>(c) >= 0x20 || c == '\n'), "byte " << int(c));
}

// ---- 5. OSM ways with missing nodes -----------------------------------------------

TEST_CASE("network info reports OSM ways with missing nodes, with way ids and counts, and warns") {
  TempDir dir;
  const std::string osm = write_file(dir, "m.osm",
      "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<osm version=\"0.6\">\n"
      " <node id=\"1\" lat=\"35.6000\" lon=\"139.7000\"/>\n <node id=\"2\" lat=\"35.6010\" lon=\"139.7000\"/>\n"
      " <node id=\"3\" lat=\"35.6020\" lon=\"139.7000\"/>\n <node id=\"4\" lat=\"35.6020\" lon=\"139.7010\"/>\n"
      " <way id=\"10\"><nd ref=\"1\"/><nd ref=\"2\"/><nd ref=\"3\"/><tag k=\"highway\" v=\"footway\"/></way>\n"
      " <way id=\"11\"><nd ref=\"3\"/><nd ref=\"99\"/><nd ref=\"4\"/><nd ref=\"98\"/><tag k=\"highway\" v=\"footway\"/></way>\n"
      " <way id=\"12\"><nd ref=\"97\"/><nd ref=\"96\"/><tag k=\"highway\" v=\"footway\"/></way>\n</osm>\n");
  auto r = run_kitaku("network info --no-cache " + quoted(osm));
  CAPTURE(r.output);
  CHECK(r.code == 0);
  CHECK(has(r.output, "kitaku: warning: " + osm + ": 2 ways list nodes the file does not hold: 1 cut short, 1 dropped "
                      "(way 11: 2 of 4 nodes found, way 12: 0 nodes found)"));
  CHECK(has(r.output, "  ways missing nodes                 2"));
  CHECK(has(r.output, "    cut short                        1"));
  CHECK(has(r.output, "    dropped                          1"));

  // The same from the cache, and as JSON.
  use_shared_cache();
  REQUIRE(run_kitaku("network info " + quoted(osm)).code == 0);
  r = run_kitaku("network info --json " + quoted(osm));
  CAPTURE(r.output);
  REQUIRE(r.code == 0);
  CHECK(has(r.output, "kitaku: warning: "));  // on stderr, before the JSON
  const json j = json::parse(r.output.substr(r.output.find('{')));
  CHECK(j.at("ways_missing_nodes").at("cut_short") == 1);
  CHECK(j.at("ways_missing_nodes").at("dropped") == 1);
  CHECK(j.at("ways_missing_nodes").at("examples").at(0).at("way_id") == 11);
  CHECK(j.at("ways_missing_nodes").at("examples").at(0).at("nodes_listed") == 4);

  // The same file as PBF (GDAL reads both through one OSM driver): the same report.
  if (std::system("command -v osmium >/dev/null 2>&1") != 0) {
    MESSAGE("SKIPPED the PBF half: osmium is not installed (scripts/setup.sh installs osmium-tool)");
    return;
  }
  const std::string pbf = (dir / "m.osm.pbf");
  REQUIRE(std::system(("osmium cat " + quoted(osm) + " -o " + quoted(pbf) + " 2>&1").c_str()) == 0);
  r = run_kitaku("network info --no-cache " + quoted(pbf));
  CAPTURE(r.output);
  CHECK(r.code == 0);
  CHECK(has(r.output, "kitaku: warning: " + pbf + ": 2 ways list nodes the file does not hold: 1 cut short, 1 dropped "
                      "(way 11: 2 of 4 nodes found, way 12: 0 nodes found)"));
  CHECK(has(r.output, "    cut short                        1"));
  CHECK(has(r.output, "    dropped                          1"));
}

// ---- 7. A running sweep's index.csv -----------------------------------------------

TEST_CASE("a running sweep writes index.csv at once, and updates it within seconds of a run finishing") {
  use_shared_cache();
  TempDir dir;
  write_file(dir, "small.toml", small_scenario(2));
  const std::string sweep = write_file(dir, "sweep.toml",
      "[sweep]\nname = \"live\"\nbase = \"small.toml\"\nseeds = 4\nseed_base = 1\n"
      "[[axis]]\nkey = \"policy.retention_share\"\nvalues = [0.0, 0.5]\n");
  const fs::path out = dir.path / "out";
  const auto finished_runs = [&] {
    std::error_code ec;
    std::size_t n = 0;
    for (fs::directory_iterator it(out / "runs", ec), end; !ec && it != end; it.increment(ec))
      n += it->path().filename().string()[0] != '.';
    return n;
  };
  const pid_t pid = spawn_kitaku({"sweep", sweep, "--out", out.string(), "--jobs", "1"}, dir / "sweep.log");
  int status = 0;
  bool ok = wait_until(pid, [&] { return fs::exists(out / "index.csv"); }, status);
  const std::size_t finished_then = finished_runs();
  std::string index = ok ? slurp(out / "index.csv") : "";
  // A second sweep into the folder of a live one is refused (it would otherwise clean
  // away the first one's runs in progress as unfinished leftovers).
  const auto second = ok ? run_kitaku("sweep " + quoted(sweep) + " --out " + quoted(out.string()) + " --jobs 1")
                         : kitaku::test::CommandResult{-1, ""};
  // Then, once a run is done, the index says so within a few seconds.
  ok = ok && wait_until(pid, [&] { return finished_runs() > 0; }, status);
  const auto t_done = std::chrono::steady_clock::now();
  ok = ok && wait_until(pid, [&] { return has(slurp(out / "index.csv"), ",done,"); }, status);
  const double lag_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t_done).count();
  const bool running = ok && ::waitpid(pid, &status, WNOHANG) == 0;
  if (running) kill9(pid);
  const std::string sweep_log = slurp(dir / "sweep.log");
  CAPTURE(sweep_log);
  REQUIRE_MESSAGE(running, "the sweep ended before its live index.csv was seen");
  CHECK(finished_then == 0);  // written before the first run finished
  CAPTURE(second.output);
  CHECK(second.code == 1);
  CHECK(has(second.output, "kitaku: error: " + out.string() + ": another kitaku run (pid " + std::to_string(pid) +
                               ") is writing into this folder"));
  CHECK(has(index, "id,point,policy.retention_share,seed,status"));
  CHECK(std::count(index.begin(), index.end(), '\n') == 9);  // the header and every run, all pending
  CHECK(lag_s < 4);
}
