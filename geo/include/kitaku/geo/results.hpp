#pragma once
// A run's outputs on disk: timeseries.csv, agents.csv, results.gpkg, summary.json,
// commands.log, scenario.toml and peak_density.png in one folder. Every file is
// written atomically (a temporary file renamed into place), and summary.json is
// written last, so its presence marks a finished, consistent set.
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "kitaku/geo/image.hpp"
#include "kitaku/sim/city.hpp"
#include "kitaku/sim/commands.hpp"
#include "kitaku/sim/network.hpp"
#include "kitaku/sim/population.hpp"
#include "kitaku/sim/simulation.hpp"
#include "kitaku/sim/timeseries_csv.hpp"

namespace kitaku::geo {

/// Everything a finished (or stopped) run writes.
struct RunOutputs {
  const Network* network = nullptr;
  const City* city = nullptr;                 // facilities in scenario order; may be null (no facilities)
  std::vector<TimeseriesRow> timeseries;
  std::vector<StationFrontRow> station_fronts;  // stations.csv (city->stations' names)
  EdgeStats edges;                            // one entry per edge id
  FacilityStats facilities;                   // one entry per facility
  Summary summary;
  const Population* population = nullptr;    // the agents; null: no agents.csv
  AgentRecords agents;                        // one record per agent of `population`
  std::int64_t quake_clock_s = 0;             // local time of the quake (agents.csv's clock columns)
  std::vector<Command> commands;              // applied, in order
  std::string scenario_toml;                  // the resolved scenario (written as scenario.toml)
  std::string kitaku_version;                 // written into summary.json
  std::string scenario_name;
};

/// File names write_run_outputs() writes, summary.json last.
inline constexpr std::string_view kTimeseriesFile = "timeseries.csv";
inline constexpr std::string_view kStationsFile = "stations.csv";
inline constexpr std::string_view kAgentsFile = "agents.csv";
inline constexpr std::string_view kResultsGpkgFile = "results.gpkg";
inline constexpr std::string_view kCommandLogFile = "commands.log";
inline constexpr std::string_view kScenarioFile = "scenario.toml";
inline constexpr std::string_view kPeakDensityPngFile = "peak_density.png";
inline constexpr std::string_view kSummaryFile = "summary.json";
/// The manifest, written after the set: "SHA256  NAME" per file (sha256sum's format).
inline constexpr std::string_view kManifestFile = "manifest.sha256";
/// The files of every run's set, in the order they are moved into place (summary.json
/// last); agents.csv, when written, goes first.
inline constexpr std::string_view kRunOutputFiles[] = {kTimeseriesFile, kStationsFile, kResultsGpkgFile, kCommandLogFile,
                                                      kScenarioFile,   kPeakDensityPngFile, kSummaryFile};

/// Writes DIR/timeseries.csv, agents.csv (when there is a population), results.gpkg,
/// summary.json, commands.log, scenario.toml and peak_density.png, creating DIR, then
/// DIR/manifest.sha256 listing each with its SHA-256. The inputs are checked before
/// anything is written (std::invalid_argument when sizes disagree with the network or
/// city). The set is first written whole into a staging folder in DIR (the previous set,
/// if any, stays whole meanwhile); then the old manifest and summary.json are removed,
/// the new files renamed into place (summary.json last) and the manifest written. A kill
/// at any point leaves either a whole set whose manifest matches, or no manifest
/// (docs/outputs.md, "Complete and partial sets"). Stale temporary files of dead
/// processes are removed first. Throws InputError(DIR or file, "", why) when a file
/// cannot be written.
void write_run_outputs(const std::string& dir, const RunOutputs& out);

/// Removes DIR/.tmp-PID-* files and folders whose process PID is no longer running
/// (left by a killed run: partial outputs, GeoPackage journals, checkpoints, staging
/// folders), and this process's own. Returns how many it removed; errors are ignored.
std::size_t remove_stale_temp_files(const std::string& dir);

/// The columns of timeseries.csv, in order: time_s, agents, persons_per_agent, one
/// state_<name>_agents per AgentState (agents in that state), one state_<name>_persons
/// (the same in persons), persons_sheltered, persons_walking, persons_ge4,
/// persons_ge6, km_road_ge6, facilities_open, facilities_full.
using kitaku::timeseries_columns;  // sim/timeseries_csv.hpp

/// One line per row; integers as integers, persons and km with at most 3 decimals
/// ('.' as the decimal point whatever the locale).
void write_timeseries_csv(const std::string& path, const std::vector<TimeseriesRow>& rows, double persons_per_agent);

/// agents.csv (kitaku/sim/agents_csv.hpp, docs/outputs.md): one line per agent,
/// formatted in pieces and streamed to the temporary file, then renamed into place.
void write_agents_csv(const std::string& path, const Population& pop, const City& city,
                      const AgentRecords& records, std::int64_t quake_clock_s);

inline constexpr std::size_t kGpkgSpatialIndexMaxEdges = 200'000;

/// GeoPackage in the network's CRS with layers `edges` (LineString: edge_id, name,
/// road_class, length_m, width_m, peak_density p/m², minutes_ge4, minutes_ge6,
/// peak_flow p/(m·s), peak_los A..F, walkable_m) and `facilities` (Point: facility_id, name, area,
/// capacity, peak_occupancy, minutes_full, opened_at_min (-1 = never), state).
/// Every edge is written, however many. The edges layer gets an R-tree spatial index
/// only up to kGpkgSpatialIndexMaxEdges edges: building it is two thirds of the write
/// time, about 10 s for a million edges. Add one later if needed with
/// `ogrinfo results.gpkg -sql "SELECT CreateSpatialIndex('edges', 'geom')"`.
void write_results_gpkg(const std::string& path, const Network& net, const City* city,
                        const EdgeStats& edges, const FacilityStats& facilities);

/// summary.json: the run's figures, pretty printed, keys in a fixed order, with
/// `outputs` listing the files of the set.
void write_summary_json(const std::string& path, const Summary& s, const std::string& scenario_name,
                        const std::string& kitaku_version, const std::vector<std::string>& outputs);

/// commands.log: a '#' header line, then format_command() of each command, one per line;
/// load_command_log() reads it back for `kitaku run SCENARIO --replay commands.log`.
void write_command_log(const std::string& path, const std::vector<Command>& commands);

/// Writes `text` as it is (scenario.toml).
void write_text_file(const std::string& path, std::string_view text);

/// Fruin level of service letter 'A'..'F' for a density in persons/m² (0 or less: 'A').
char fruin_los(double persons_per_m2) noexcept;

/// peak_density.png's caption for a run: the title and unit, the scenario, the time
/// span the peaks are over (since the quake and on the local clock), and the key.
MapCaption peak_density_caption(const RunOutputs& out);

/// The peak-density map: every edge coloured by the Fruin level of its peak density
/// in persons/m2 (light grey when it stayed empty; magenta when it reached 6 p/m2,
/// the crush-risk level), facilities as black squares, a legend, and `caption`
/// in a band above the map. The map's long side is `long_side_px`; the aspect
/// follows the network's bounding box.
RgbImage render_peak_density(const Network& net, const City* city, const EdgeStats& edges,
                             int long_side_px = 1600, const MapCaption& caption = {});

/// render_peak_density() then encode_png(), written atomically.
void write_peak_density_png(const std::string& path, const Network& net, const City* city,
                            const EdgeStats& edges, int long_side_px = 1600, const MapCaption& caption = {});

}  // namespace kitaku::geo
