#pragma once
// The KPI panel ("Situation"): the values now (persons by state, persons and km at
// crush-risk density, facility fill), three time-series charts drawn with ImDrawList
// (persons by state; persons at >= 6 and >= 4 p/m2; facility fill), the alert log,
// and the KPI export (the columns of timeseries.csv).
//
// update_alerts() runs every frame before any panel draws; it does O(edges) work
// only when a new snapshot arrives, and raises alerts into ctx.alerts when an edge
// reaches 6 p/m2 (once per crossing; re-armed below 5 p/m2; many at once become one
// alert), a facility becomes full, or a command closes or damages a facility.
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "kitaku/sim/snapshot.hpp"
#include "kitaku/ui/context.hpp"
#include "panels/facilities_panel.hpp"  // SnapshotKey

namespace kitaku::ui {

struct KpiPanel {
  /// A tab to select on the next frame: now | charts | alerts | export.
  std::string show_tab;
  // Alert thresholds.
  float crush_density = 6.0f;   // persons/m2: an edge reaching this raises an alert
  float rearm_density = 5.0f;   // ... and can raise another once it has dropped below this
  std::size_t aggregate_over = 5;  // more crossings than this in one snapshot: one alert for all
  std::size_t max_alerts = 5000;   // the oldest alerts are dropped beyond this
  /// Alert kinds shown (Alert::Kind order), and whether acknowledged alerts are hidden.
  bool show_kind[Alert::kKinds] = {true, true, true, true, true};
  bool hide_acknowledged = false;
  /// An opened group lists at most this many of its alerts (newest first).
  std::size_t max_group_rows = 200;

  /// Alerts of one kind and source (repeats), as the alert tab shows them: one line,
  /// opened to list its members.
  struct AlertGroup {
    Alert::Kind kind = Alert::Kind::kInfo;
    std::string source;
    std::vector<std::size_t> members;  // indices into ctx.alerts, newest first
    std::int64_t first_s = 0, last_s = 0;
    std::size_t unacknowledged = 0;
    Alert::Severity severity = Alert::Severity::kInfo;  // the highest of its members
  };
  /// The groups the last Draw of the alert tab showed (after the filters), newest first.
  const std::vector<AlertGroup>& groups() const { return groups_; }
  static std::size_t unacknowledged(const DashboardContext& ctx);
  static Alert::Severity severity_of(Alert::Kind kind);

  /// Call once per frame (cheap unless ctx.snap is a new snapshot).
  void update_alerts(DashboardContext& ctx);
  void Draw(DashboardContext& ctx);

  /// Writes the time series so far (recorded rows plus the row now) with the columns
  /// of timeseries.csv, atomically. False with the reason in *error on failure.
  static bool export_csv(const DashboardContext& ctx, const std::string& path, std::string* error);
  /// "kpis-HHMM.csv", HHMM the scenario clock of the snapshot.
  static std::string default_export_path(const DashboardContext& ctx);

  // What the last Draw showed (tests).
  /// One chart's data: x in hours since the quake, one y array per series.
  struct Chart {
    std::vector<float> x_h;
    std::vector<std::vector<float>> y;
  };
  enum ChartId : int { kChartStates, kChartCrush, kChartFill, kChartCount };
  const Chart& chart(ChartId id) const { return charts_[id]; }
  int chart_rebuilds() const { return chart_rebuilds_; }
  /// The sample under the mouse in the last hovered chart (-1: none) and its readout.
  int hover_sample() const { return hover_sample_; }
  const std::string& hover_text() const { return hover_text_; }
  /// Capacity of all facilities now (persons): the fill chart's denominator.
  double total_capacity() const { return total_capacity_; }
  const std::string& export_message() const { return export_message_; }

 private:
  void reset_alert_state();
  void push_alert(DashboardContext& ctx, Alert a);
  void rebuild_charts(const DashboardContext& ctx);
  void draw_headline(DashboardContext& ctx);
  void draw_values(DashboardContext& ctx);
  void draw_chart(DashboardContext& ctx, ChartId id, float height);
  void draw_alerts(DashboardContext& ctx);
  void group_alerts(const DashboardContext& ctx);
  void draw_export(DashboardContext& ctx);

  // Alerts.
  SnapshotKey alerts_for_;
  std::int64_t alerts_time_ = -1;
  std::vector<std::uint8_t> above_;           // per edge: counted as above crush_density
  std::vector<FacilityState> facility_state_;  // per facility, as last seen
  std::size_t commands_seen_ = 0;
  std::vector<AlertGroup> groups_;
  bool ended_ = false;  // the end of the scenario has been announced
  std::vector<std::uint8_t> damaged_seen_;  // per facility: its damage has been announced
  // Charts.
  SnapshotKey charts_for_;
  Chart charts_[kChartCount];
  int chart_rebuilds_ = 0;
  double total_capacity_ = 0;
  double open_capacity_ = 0;
  int hover_sample_ = -1;
  std::string hover_text_;
  // Export.
  char export_path_[512] = {};
  bool export_path_edited_ = false;
  std::string export_message_;
  bool export_failed_ = false;
};

}  // namespace kitaku::ui
