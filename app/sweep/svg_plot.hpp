#pragma once
// A small SVG line-plot writer for the sweep's plots: mean with 95 % CI error
// bars, one line per series. Written here rather than taken from a plotting
// library: it is a few hundred lines, its output is plain deterministic text
// (the same numbers give the same bytes, so plots diff and test well), and it
// needs no display, X, Qt or gnuplot on a headless CI machine (docs/research.md).
#include <string>
#include <vector>

namespace kitaku::app::sweep {

struct PlotPoint {
  double x = 0, y = 0;
  double lo = 0, hi = 0;  // error bar from lo to hi; NaN: none
};

struct PlotSeries {
  std::string label;       // shown in the legend when there is more than one series
  std::vector<PlotPoint> points;  // drawn in this order
  bool lines = true;       // join the points (false: markers only, e.g. Latin hypercube samples)
};

struct LinePlot {
  std::string title, subtitle, x_label, y_label;
  /// Non-empty: x is categorical; point x = i stands for x_categories[i].
  std::vector<std::string> x_categories;
  std::vector<PlotSeries> series;
  int width = 720, height = 450;  // pixels; a legend (more than one series) widens the picture
};

/// The plot as an SVG document. Points with a NaN y are left out.
std::string render_svg(const LinePlot& plot);

/// Tick positions for [lo, hi]: about `target` "nice" values (1, 2, 2.5, 5 x 10^k) covering it.
std::vector<double> nice_ticks(double lo, double hi, int target = 6);

/// A tick label: 0.25, 40, 1.5k, 2.25M (same decimals for every tick of one axis).
std::string tick_label(double v, double step, double max_abs);

}  // namespace kitaku::app::sweep
