#pragma once
// The after-action view's comparison of two saved runs, as `kitaku compare` makes
// it (sim/run_comparison.hpp): the operator names two run folders, A (the baseline)
// and B, e.g. the scenario run as scripted and the drill replayed with
// `kitaku run SCENARIO --replay drill.log`. The panel shows the headline-metric
// table (A, B, B - A, change), both runs' time series on shared axes, and, as a
// map layer the operator can switch on and off, each road's change in minutes at
// >= 6 p/m2 on the diverging scale of difference.png.
//
// The ui library does not link GDAL: the program hands the panel a loader
// (geo::read_run_folder) that reads a folder into a RunRecord.
#include <imgui.h>

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "kitaku/sim/run_comparison.hpp"
#include "kitaku/ui/context.hpp"

namespace kitaku::ui {

struct MapPanel;

struct ComparePanel {
  /// Reads a run folder; throws (InputError naming the folder) when it cannot.
  using Loader = std::function<RunRecord(const std::string& dir)>;
  Loader load;
  /// Draw the per-road difference over the map (the "Difference on map" toggle).
  bool show_layer = true;

  void set_paths(const std::string& a, const std::string& b);
  /// Loads both folders and compares them; false (the reason in error()) on failure.
  bool compare(const DashboardContext& ctx);
  void Draw(DashboardContext& ctx);
  /// The difference layer over the map's region (call after MapPanel::Draw, in the
  /// map's window): changed roads in their class colours, and a legend.
  void draw_map_layer(const DashboardContext& ctx, const MapPanel& map);

  bool loaded() const noexcept { return comparison_.has_value(); }
  const RunComparison* comparison() const noexcept { return comparison_ ? &*comparison_ : nullptr; }
  const RunRecord& run_a() const noexcept { return a_; }
  const RunRecord& run_b() const noexcept { return b_; }
  const std::string& error() const noexcept { return error_; }
  /// The layer applies to this dashboard's network (same number of roads).
  bool layer_fits() const noexcept { return layer_fits_; }

  // What the last frames drew (tests).
  int table_rows_shown = 0;   // metric rows in the table the last Draw showed
  int charts_shown = 0;       // time-series charts the last Draw showed
  int layer_roads_drawn = 0;  // roads the last draw_map_layer drew
  bool layer_legend_drawn = false;

 private:
  void draw_chart(const SeriesSpec& spec, float height);

  char path_a_[512] = {};
  char path_b_[512] = {};
  RunRecord a_, b_;
  std::optional<RunComparison> comparison_;
  DifferenceScale scale_;
  std::vector<std::uint32_t> changed_;  // edges with a change, the smallest changes first
  bool layer_fits_ = false;
  std::string error_;
};

}  // namespace kitaku::ui
