// kitaku rerun DIR/runs/<id> [--out DIR] [--threads N]: runs one run of a sweep
// again from its stored scenario.toml and seed, and checks that it reproduces the
// recorded outputs exactly (docs/research.md, "Reproducing a run"). Exit 0 when
// every output matches, 1 with the differences listed otherwise.
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <string>

#include "commands.hpp"
#include "kitaku/geo/city_loader.hpp"
#include "kitaku/sim/error.hpp"
#include "kitaku/sim/progress.hpp"
#include "kitaku/sim/scenario.hpp"
#include "out_lock.hpp"
#include "run_job.hpp"
#include "sweep/compare.hpp"
#include "sweep/sweep_dir.hpp"

namespace kitaku::app {
namespace {

namespace fs = std::filesystem;

struct RerunOptions {
  std::string run_dir;
  std::string out;     // empty: a temporary folder, removed afterwards
  int threads = -1;    // -1: the recorded thread count
};

// Removes the temporary output folder however the rerun ends.
struct TempOut {
  std::string path;
  bool remove = false;
  ~TempOut() {
    std::error_code ec;
    if (remove) fs::remove_all(path, ec);
  }
};

void rerun(const RerunOptions& o) {
  const fs::path dir(o.run_dir);
  for (const char* f : {"run.json", "scenario.toml", "summary.json"})
    if (!fs::is_regular_file(dir / f))
      throw InputError(o.run_dir, "", std::string("not a finished sweep run: ") + f + " is missing");
  nlohmann::json info;
  try {
    info = nlohmann::json::parse(sweep::read_file((dir / "run.json").string()));
  } catch (const nlohmann::json::exception& e) {
    throw InputError((dir / "run.json").string(), "", std::string("cannot be read: ") + e.what());
  }
  const std::string recorded_version = info.value("kitaku_version", "?");
  const int recorded_threads = info.value("threads", 1);
  const std::uint64_t seed = info.value("seed", std::uint64_t{0});
  const Scenario sc = load_scenario((dir / "scenario.toml").string());
  if (sc.seed != seed)
    throw InputError((dir / "scenario.toml").string(), "[scenario] seed",
                     "is " + std::to_string(sc.seed) + " but run.json records seed " + std::to_string(seed));
  const int threads = o.threads >= 0 ? o.threads : recorded_threads;

  TempOut out;
  if (o.out.empty()) {
    std::string tmpl = (fs::temp_directory_path() / "kitaku-rerun-XXXXXX").string();
    if (!::mkdtemp(tmpl.data())) throw InputError(tmpl, "", "cannot create a temporary folder");
    out.path = tmpl;
    out.remove = true;
  } else {
    out.path = o.out;
  }
  ensure_writable_dir(out.path);
  const OutDirLock lock(out.path);  // as kitaku run: one writer per folder

  std::printf("Kitaku %s | rerun of %s (run %s of sweep %s)\n", kitaku_version(), o.run_dir.c_str(),
              info.value("run_id", "?").c_str(), info.value("sweep_name", "?").c_str());
  std::printf("  seed %llu, %d thread%s (recorded with %d), into %s%s\n", static_cast<unsigned long long>(seed),
              threads, threads == 1 ? "" : "s", recorded_threads, out.path.c_str(),
              out.remove ? " (temporary)" : "");
  const bool same_version = recorded_version == kitaku_version();
  std::printf("  version: %s\n", same_version ? ("same as recorded (" + recorded_version + ")").c_str()
                                              : ("MISMATCH: recorded with " + recorded_version + ", this is " +
                                                 kitaku_version()).c_str());
  std::fflush(stdout);

  geo::LoadedCity city;
  {
    ProgressBar bar("loading city");
    city = geo::load_city(sc, bar.fn());
  }
  JobOptions jo;
  jo.threads = threads;
  const auto t0 = std::chrono::steady_clock::now();
  {
    ProgressBar bar("simulating");
    jo.progress = bar.fn();
    run_job(sc, city, out.path, jo);
  }
  std::printf("  ran in %.1f s\n", std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count());

  const sweep::Comparison c = sweep::compare_run_dirs(o.run_dir, out.path);
  for (const std::string& m : c.matched) std::printf("  same  %s\n", m.c_str());
  for (const std::string& d : c.differences) std::printf("  DIFF  %s\n", d.c_str());
  std::fflush(stdout);
  if (!c.differences.empty())
    throw InputError(o.run_dir, "",
                     "not reproduced: " + std::to_string(c.differences.size()) + " difference" +
                         (c.differences.size() == 1 ? "" : "s") + " (listed above)" +
                         (same_version ? "" : "; the run was recorded with Kitaku " + recorded_version +
                                                  ", which may explain them"));
  std::printf("Reproduced exactly%s.\n",
              same_version ? "" : (" (although recorded with Kitaku " + recorded_version + ")").c_str());
}

}  // namespace

void add_rerun_command(CLI::App& app) {
  auto opts = std::make_shared<RerunOptions>();
  auto* cmd = app.add_subcommand("rerun", "Run one run of a sweep again and check it reproduces exactly");
  cmd->add_option("run", opts->run_dir, "A finished run's folder: SWEEP_DIR/runs/<id>")->required();
  cmd->add_option("--out,-o", opts->out, "Keep the rerun's outputs here (default: a temporary folder, removed)");
  cmd->add_option("--threads,-t", opts->threads, "OpenMP threads (default: as recorded); results do not depend on it")
      ->check(CLI::Range(0, 1024));
  cmd->callback([opts] { rerun(*opts); });
}

}  // namespace kitaku::app
