#pragma once
// The DRILL panel, for trainers running an exercise on the live simulation:
//   Injects      close / reopen a road or an area (fire, cordon), damage a facility,
//                change a capacity, release retained staff, resume a suspended rail
//                line: now or at a chosen scenario time; each is a Command with
//                source "inject".
//   Script       the scenario's scripted commands, with their times and whether applied.
//   Event log    every applied command (scenario, inject, operator); "Save drill log"
//                writes it as a commands.log that `kitaku run SCENARIO --replay` replays.
//   After action two saved runs compared (ComparePanel: metric table, time series,
//                per-road difference on the map), and the drill against a baseline
//                run of the same scenario without the injects and operator actions
//                (BaselineRun, on a background thread).
//
// Per-frame cost is O(visible rows); matching the script against the command log is
// redone only when the snapshot changes.
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "kitaku/sim/commands.hpp"
#include "kitaku/ui/after_action.hpp"
#include "kitaku/ui/context.hpp"
#include "panels/compare_panel.hpp"
#include "panels/facilities_panel.hpp"  // SnapshotKey

namespace kitaku::ui {

/// For each command of `wanted`, whether `log` holds it: the same effect (type, target,
/// value, area, source) applied at or after its time. Each log entry matches once, in order.
std::vector<bool> applied_commands(const std::vector<Command>& wanted, const std::vector<Command>& log);

struct DrillPanel {
  /// A tab to select on the next frame: injects | script | log | after.
  std::string show_tab;
  // Inject settings (public so that the shell or a test can preset them).
  bool at_time = false;      // false: inject now; true: at at_hours:at_minutes after the quake
  int at_hours = 0, at_minutes = 0;
  EdgeId edge = kNoEdge;             // road to close or reopen; follows ctx.selected_edge when that changes
  ShelterId facility = kNoShelter;   // facility to damage or resize; follows ctx.selected_facility
  float area_radius_m = 200; // around ctx.picked_point
  double capacity = 0;       // persons, for "set capacity"; filled from the facility when it changes
  float release_share = 0.5f;
  bool release_in_area = false;  // release only the retained within the area around the picked point
  int rail_line = 0;             // rail line to resume (scenario.hazards.rail_lines order)

  void Draw(DashboardContext& ctx);

  /// Writes the command log (commands.log format, '#' header naming the scenario and
  /// seed) atomically: the commands applied so far, then the scenario's scripted
  /// commands and this panel's injects not applied yet (so that a replay carries on
  /// as the drill would). False with the reason in *error on failure.
  bool save_log(const DashboardContext& ctx, const std::string& path, std::string* error) const;
  /// "drill-HHMM.log", HHMM the scenario clock of the snapshot.
  static std::string default_log_path(const DashboardContext& ctx);

  /// The scenario time an inject sent now would carry.
  std::int64_t inject_time(const DashboardContext& ctx) const;
  /// Sends an inject (source "inject") at inject_time(); false if refused (reason in ctx.status).
  bool inject(DashboardContext& ctx, Command c);

  BaselineRun& baseline() { return baseline_; }
  /// The after-action comparison of two saved runs (its map layer is drawn by the dashboard).
  ComparePanel compare;

  // What the last Draw showed (tests).
  const std::vector<bool>& scripted_applied() const { return scripted_applied_; }
  const std::vector<Command>& injects_sent() const { return sent_; }
  const std::vector<bool>& injects_applied() const { return sent_applied_; }
  bool comparison_shown() const { return comparison_shown_; }
  const AfterActionFigures& drill_figures() const { return drill_figures_; }
  const AfterActionFigures& baseline_figures() const { return baseline_figures_; }
  const std::string& log_message() const { return log_message_; }

 private:
  void refresh(const DashboardContext& ctx);
  void draw_injects(DashboardContext& ctx);
  void draw_script(DashboardContext& ctx);
  void draw_event_log(DashboardContext& ctx);
  void draw_after_action(DashboardContext& ctx);

  SnapshotKey refreshed_for_;
  std::vector<bool> scripted_applied_;
  std::vector<Command> sent_;        // injects this panel sent, with the time asked for
  std::vector<bool> sent_applied_;
  std::optional<EdgeId> seen_selected_edge_;  // nothing seen yet: follow the first selection
  std::optional<ShelterId> seen_selected_facility_;
  std::optional<ShelterId> capacity_for_;
  char log_path_[512] = {};
  bool log_path_edited_ = false;
  std::string log_message_;
  bool log_failed_ = false;
  BaselineRun baseline_;
  bool comparison_shown_ = false;
  AfterActionFigures drill_figures_, baseline_figures_;
};

}  // namespace kitaku::ui
