#pragma once
// The operations dashboard: the fixed layout that hosts every panel.
//   top bar     time controls, clock, language switch, screenshot, KPI export
//   left        the map
//   right, top  KPIs (current values, time series, alerts)
//   right, low  tabs: Facilities | Allocation | Drill | Network
//   bottom      status line (last action or refusal, font notice, frame rate)
// Draw() draws one frame's windows between Backend::begin_frame and end_frame.
#include <imgui.h>

#include <functional>
#include <memory>
#include <string>

#include "kitaku/sim/run_comparison.hpp"
#include "kitaku/ui/context.hpp"
#include "kitaku/ui/fonts.hpp"
#include "kitaku/ui/view_settings.hpp"

namespace kitaku::ui {

struct ComparePanel;

struct DashboardOptions {
  std::string tab = "facilities";  // facilities | allocation | drill | network
  ViewSettings view;               // the UI scale (and language) to start with
  /// Where a changed view is saved (view_settings_path()); empty: not saved (tests).
  std::string view_path;
  /// The after-action view's run comparison: reads a run folder (the program passes
  /// geo::read_run_folder; the ui library does not link GDAL). Unset: no comparison.
  std::function<RunRecord(const std::string& dir)> run_loader;
  /// Run folders to compare when the dashboard opens (kitaku dashboard --compare A
  /// --compare-with B); with both set, the comparison is made before the first frame.
  std::string compare_a, compare_b;
};

class Dashboard {
 public:
  explicit Dashboard(DashboardContext& ctx, DashboardOptions options = {});
  ~Dashboard();
  Dashboard(const Dashboard&) = delete;
  Dashboard& operator=(const Dashboard&) = delete;

  void Draw();
  /// The font notice shown in the status bar (empty when the CJK font loaded).
  void set_font_report(const FontReport& r) { font_ = r; }
  /// True once after the screenshot button was pressed; `path` is where to save.
  bool take_screenshot_request(std::string& path);
  /// Selects a tab on the next frame (docs screenshots, tests).
  void select_tab(const std::string& tab);
  const std::string& current_tab() const { return tab_; }
  /// Select a tab of the Situation (KPI) or Drill panel on the next frame.
  void panels_kpi_tab(const std::string& tab);
  void panels_drill_tab(const std::string& tab);
  /// Zooms the map in by `factor` about its current centre.
  void zoom_map(double factor);
  /// The view now (UI scale, language), as it would be saved.
  const ViewSettings& view() const { return view_; }
  /// Sets the UI scale (clamped to ViewSettings' range), applies it and saves the view.
  void set_ui_scale(float scale);
  /// The after-action run comparison (its paths, result and map layer).
  ComparePanel& compare();

  struct Panels;
  Panels& panels() { return *p_; }

 private:
  DashboardContext& ctx_;
  std::unique_ptr<Panels> p_;
  FontReport font_;
  std::string tab_, pending_tab_;
  ViewSettings view_;
  std::string view_path_;
  ImGuiStyle base_style_;  // the style at scale 1
  void apply_scale();
  void save_view();
  bool screenshot_ = false;
  int screenshot_no_ = 0;
  std::string screenshot_path_;
};

}  // namespace kitaku::ui
