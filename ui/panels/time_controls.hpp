#pragma once
// Time controls for the top bar: play / pause, single step, speed from x1 to
// x3600 or as fast as possible, the scenario clock ("day 1 15:32") and the time
// since the quake, and how far the run has got; a slider to review the past from
// the runner's history of snapshots ("reviewing 13:05 - live at 14:20").
#include <memory>
#include <vector>

#include "kitaku/ui/context.hpp"

namespace kitaku::ui {

struct TimeControls {
  /// The speeds offered (simulated seconds per wall second; 0 = as fast as possible).
  static constexpr double kSpeeds[] = {1, 10, 60, 300, 600, 1800, 3600, 0};
  void Draw(DashboardContext& ctx);

  // Measured: simulated seconds per wall second over the last second.
  double measured_rate = 0;
  /// The review slider's position: an index into the controller's history, or -1 at live.
  int review_index = -1;

 private:
  void draw_review(DashboardContext& ctx);
  std::vector<std::shared_ptr<const Snapshot>> history_;  // this frame's copy of the controller's
  double last_wall_ = -1;
  std::int64_t last_sim_ = 0;
};

}  // namespace kitaku::ui
