#pragma once
// The network panel: what the loaded walking network holds (km by road class,
// widths, stairs) and the Fruin level-of-service legend the map uses.
#include <array>

#include "kitaku/sim/network.hpp"
#include "kitaku/sim/road_class.hpp"

namespace kitaku::ui {

struct NetworkPanel {
  bool show_legend = true;
  /// Draws the window; `open` (may be null) is cleared when the user closes it.
  void Draw(const char* title, bool* open, const Network& net);
  /// Draws the contents into the current window (the dashboard's Network tab).
  void DrawContents(const Network& net);

  // What the last Draw showed (read by tests and the status bar).
  double shown_total_km = 0;
  int shown_class_rows = 0;

 private:
  const Network* stats_for_ = nullptr;
  std::array<double, kRoadClassCount> km_{}, width_km_{};
  std::size_t stairs_ = 0;
};

}  // namespace kitaku::ui
