#pragma once
// Two finished runs side by side: what `kitaku compare RUN_A RUN_B` writes and the
// dashboard's after-action view shows (docs/outputs.md, "Comparing two runs").
//
// A RunRecord is a run read back from its folder (geo::read_run_folder reads
// summary.json, scenario.toml, timeseries.csv and results.gpkg); compare_runs()
// makes the headline-metric table (A, B, B - A, relative change, in persons and
// named units), the per-road difference of minutes at >= 6 p/m2, and warnings when
// the two runs are not alike enough for a fair comparison. Plain data, no I/O: the
// CLI and the dashboard share it without either linking the other.
#include <array>
#include <cstddef>
#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "kitaku/sim/geometry.hpp"
#include "kitaku/sim/simulation.hpp"

namespace kitaku {

/// A finished run, as read back from its output folder.
struct RunRecord {
  std::string dir;              // the folder it was read from
  std::string scenario_name;    // summary.json "scenario"
  std::string kitaku_version;   // summary.json "kitaku_version"
  /// scenario.toml's [city] table (normalised text): the network, facilities and
  /// population sources the run used. Two runs on the same city have the same text.
  std::string city;
  Summary summary;              // summary.json's figures (persons, not agents)
  double persons = 0;           // summary.json "persons": agents x persons_per_agent

  /// timeseries.csv: the sample times, and every column by name (in its own unit:
  /// persons, km, facilities; docs/outputs.md).
  std::vector<double> time_s;
  std::map<std::string, std::vector<double>> series;

  /// results.gpkg's edges layer, indexed by edge_id. Times are minutes after the
  /// quake, NaN where results.gpkg has null (never reached 6 p/m2 / nobody on it).
  std::vector<float> minutes_ge6;
  std::vector<float> peak_density;     // persons/m2
  std::vector<float> first_crush_min;
  std::vector<float> peak_at_min;
  /// The roads' shapes, widths, names and classes (network CRS), for maps; empty
  /// unless asked for.
  std::vector<std::vector<Point>> edge_geometry;
  std::vector<float> edge_width_m;
  std::vector<std::string> edge_name, edge_class;
  std::string crs_wkt;                 // the layer's CRS (empty: none)

  std::size_t edge_count() const noexcept { return minutes_ge6.size(); }
};

/// One headline figure of both runs.
struct MetricRow {
  std::string key;     // summary.json key, or a figure computed from results.gpkg
  std::string label;   // "arrived home"
  std::string unit;    // "persons", "person-minutes", "km", "%", "h", "roads"
  double a = 0, b = 0;
  double difference() const noexcept { return b - a; }
  /// (B - A) / |A|; NaN when A is 0.
  double relative() const noexcept;
};

/// The time-series columns the comparison charts, with their labels and unit.
struct SeriesSpec {
  const char* column;  // timeseries.csv column
  const char* label;   // chart title
  const char* unit;
};
inline constexpr SeriesSpec kComparedSeries[] = {
    {"persons_walking", "walking", "persons"},
    {"persons_ge6", "on roads at >= 6 p/m2", "persons"},
    {"state_unsheltered_persons", "stranded outdoors, no facility", "persons"},
    {"state_arrived_home_persons", "arrived home", "persons"},
};

/// The diverging colour scale of per-road differences (difference.png and the
/// dashboard's difference layer): four classes each side of zero, split at three
/// "nice" breaks (1, 2, 5 x 10^k, or 15, 30, 60, 120 min) of the largest change.
struct DifferenceScale {
  std::vector<double> breaks;  // 3 rising values > 0 (minutes)
  static DifferenceScale for_max(double max_abs_minutes);
  /// -4..-1 fewer minutes in B (blue), 0 no change, 1..4 more in B (red).
  int class_of(double minutes) const noexcept;
  /// sRGB of a class: ColorBrewer RdBu (darker for larger changes: on white),
  /// grey for 0.
  std::array<std::uint8_t, 3> colour(int cls) const noexcept;
  /// The same classes for a dark background (the dashboard's map): brighter and
  /// more saturated for larger changes.
  std::array<std::uint8_t, 3> colour_on_dark(int cls) const noexcept;
  /// "+1 to +5", "> +60", "-5 to -1", "0": a class's range for a legend.
  std::string label(int cls) const;
};

struct RunComparison {
  std::vector<MetricRow> metrics;
  /// Why the comparison may mislead (different city, agent weight or length); empty: none.
  std::vector<std::string> warnings;
  /// Per road (edge id): B's minutes at >= 6 p/m2 minus A's.
  std::vector<float> difference_minutes_ge6;
  /// Roads whose minutes at >= 6 p/m2 rose, fell.
  std::size_t roads_worse = 0, roads_better = 0;
};

/// Compares run B against run A (the baseline). Throws InputError naming B's
/// results.gpkg when the two have different numbers of roads (no per-road
/// difference can be made then).
RunComparison compare_runs(const RunRecord& a, const RunRecord& b);

/// metrics.csv: metric,unit,a,b,b_minus_a,relative_change (relative as a fraction;
/// empty when A is 0), one line per MetricRow, numbers with at most 3 decimals.
std::string metrics_csv(const RunComparison& c);
/// metrics.md: a heading naming both runs, the warnings, and the table in Markdown.
std::string metrics_markdown(const RunComparison& c, const RunRecord& a, const RunRecord& b);

/// "12,345" / "0.25" / "-3.5": a figure for a table (thousands separated above 1,000).
std::string format_metric(double v, const std::string& unit);

}  // namespace kitaku
