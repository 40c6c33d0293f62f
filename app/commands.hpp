#pragma once
// Each subcommand of the `kitaku` program registers itself on the CLI11 app.
// The handlers throw kitaku::InputError on bad input; main() prints it and exits 1.
#include <CLI/CLI.hpp>

#include <stdexcept>
#include <string>
#include <vector>

#include "kitaku/geo/network_import.hpp"
#include "kitaku/sim/scenario.hpp"

namespace kitaku::app {

void add_network_command(CLI::App& app);     // kitaku network info FILE ...
void add_synth_command(CLI::App& app);       // kitaku synth --radius-km R --seed S OUT.gpkg
void add_facilities_command(CLI::App& app);  // kitaku facilities info FILE --network NET ...
void add_run_command(CLI::App& app);         // kitaku run [SCENARIO]: the main job
void add_dashboard_command(CLI::App& app);   // kitaku dashboard [SCENARIO] (built with KITAKU_BUILD_UI)
void add_sweep_command(CLI::App& app);       // kitaku sweep SWEEP.toml --out DIR: batch runs (docs/research.md)
void add_rerun_command(CLI::App& app);       // kitaku rerun DIR/runs/<id>: reproduce one run of a sweep
void add_report_command(CLI::App& app);      // kitaku report DIR: distributions from agents.csv
void add_calibrate_command(CLI::App& app);   // kitaku calibrate CALIB.toml --out DIR: fit parameters to figures
void add_compare_command(CLI::App& app);     // kitaku compare RUN_A RUN_B --out DIR: what changed between two runs

/// `kitaku sweep FILE --out DIR` as a function: also the engine of `kitaku calibrate`.
struct SweepOptions {
  std::string file;
  std::string out;
  int threads_per_run = -1;  // -1: the sweep file's, else 1; 0: all cores
  int jobs = 0;              // 0: cores / threads_per_run
};
/// Runs (or resumes) the sweep; throws InputError when a run failed, Interrupted on Ctrl-C.
void run_sweep(const SweepOptions& options);
void add_demand_command(CLI::App& app);      // kitaku demand from-sumo ROUTES --net NET OUT.csv

/// Thrown after a run stopped by Ctrl-C has written its partial outputs; main exits 130.
struct Interrupted : std::runtime_error {
  using std::runtime_error::runtime_error;
};

/// Ends the process with `code` and no message: the other ranks of an MPI sweep,
/// when rank 0 reports the error.
struct ExitQuietly {
  int code = 1;
};

/// The scenario of `kitaku run` / `kitaku dashboard`: the file (empty: the embedded
/// default), with each --set KEY=VALUE applied (sweep/scenario_keys.hpp), --seed
/// (>= 0) and --replay LOG (its commands replace the script).
Scenario load_run_scenario(const std::string& path, std::int64_t seed, const std::string& replay,
                           const std::vector<std::string>& sets = {});

/// Adds the repeatable --set KEY=VALUE option of `kitaku run` and `kitaku dashboard`.
void add_set_option(CLI::App& cmd, std::vector<std::string>& sets);

/// geo::load_network with a progress bar on stderr when it is a terminal.
geo::LoadedNetwork load_network_with_progress(const std::string& path, geo::ImportOptions options);

/// "way 11: 2 of 4 nodes found, way 12: 0 nodes found": the first OSM ways with missing nodes.
std::string missing_nodes_examples(const geo::ImportReport& report);
/// Warns on stderr when the network's OSM file lacks nodes some ways list (nothing otherwise).
void warn_missing_nodes(const geo::ImportReport& report);

/// The human-readable report of `kitaku network info`, also printed by `kitaku run`.
void print_network_report(const geo::LoadedNetwork& loaded, bool kept_all_components = false);

}  // namespace kitaku::app
