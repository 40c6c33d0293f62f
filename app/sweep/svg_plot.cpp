#include "sweep/svg_plot.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <limits>

namespace kitaku::app::sweep {
namespace {

// Okabe-Ito: distinguishable with the common colour-vision deficiencies.
constexpr const char* kColours[] = {"#0072B2", "#D55E00", "#009E73", "#CC79A7",
                                    "#E69F00", "#56B4E9", "#000000", "#F0E442"};
constexpr int kColourCount = sizeof kColours / sizeof kColours[0];

std::string xml_escape(const std::string& s) {
  std::string out;
  for (const char c : s) {
    switch (c) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '"': out += "&quot;"; break;
      default: out += c;
    }
  }
  return out;
}

// Coordinates with two decimals: enough for a screen, and the same text every time.
std::string c2(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.2f", v);
  return std::string(buf) == "-0.00" ? "0.00" : buf;
}

double nice_step(double raw) {
  const double mag = std::pow(10.0, std::floor(std::log10(raw)));
  const double f = raw / mag;
  const double nice = f <= 1 ? 1 : f <= 2 ? 2 : f <= 2.5 ? 2.5 : f <= 5 ? 5 : 10;
  return nice * mag;
}

struct Range {
  double lo = 0, hi = 1;
};

// A value range padded so that the data does not touch the frame; a flat range is widened.
Range pad_range(double lo, double hi, double share) {
  if (!(hi > lo)) {
    const double w = lo == 0 ? 1 : std::fabs(lo) * 0.1;
    return {lo - w, hi + w};
  }
  const double w = (hi - lo) * share;
  return {lo - w, hi + w};
}

}  // namespace

std::vector<double> nice_ticks(double lo, double hi, int target) {
  std::vector<double> ticks;
  if (!(hi > lo) || !std::isfinite(lo) || !std::isfinite(hi)) return ticks;
  const double step = nice_step((hi - lo) / std::max(1, target - 1));
  const double first = std::ceil(lo / step - 1e-9);
  for (double k = first; k * step <= hi + step * 1e-9; k += 1) ticks.push_back(k * step == 0 ? 0.0 : k * step);
  return ticks;
}

std::string tick_label(double v, double step, double max_abs) {
  const char* suffix = "";
  double scale = 1;
  if (max_abs >= 1e6) {
    scale = 1e6;
    suffix = "M";
  } else if (max_abs >= 1e4) {
    scale = 1e3;
    suffix = "k";
  }
  const double s = step / scale;
  int decimals = s >= 1 ? 0 : static_cast<int>(std::ceil(-std::log10(s) - 1e-9));
  if (decimals > 0 && std::fabs(s * std::pow(10.0, decimals) - std::round(s * std::pow(10.0, decimals))) > 1e-6)
    ++decimals;  // 0.25: two decimals
  decimals = std::clamp(decimals, 0, 9);
  char buf[48];
  std::snprintf(buf, sizeof buf, "%.*f%s", decimals, v / scale, v == 0 ? "" : suffix);
  std::string out = buf;
  if (out.rfind("-0", 0) == 0 && std::strtod(out.c_str() + 1, nullptr) == 0) out.erase(0, 1);
  return out;
}

std::string render_svg(const LinePlot& plot) {
  const bool legend = plot.series.size() > 1;
  std::size_t longest = 0;  // legend labels, in characters (about 7 px each at 12 px)
  for (const PlotSeries& s : plot.series) longest = std::max(longest, s.label.size());
  const double left = 84, right = legend ? 60 + 7.0 * static_cast<double>(longest) : 24;
  const double top = plot.subtitle.empty() ? 44 : 60, bottom = 58;
  const double W = plot.width + (legend ? right - 24 : 0), H = plot.height;  // the legend widens the picture
  const double pw = plot.width - left - 24, ph = H - top - bottom;

  // Data extents.
  double x_lo = std::numeric_limits<double>::infinity(), x_hi = -x_lo, y_lo = x_lo, y_hi = -x_lo;
  for (const PlotSeries& s : plot.series)
    for (const PlotPoint& p : s.points) {
      if (!std::isfinite(p.y) || !std::isfinite(p.x)) continue;
      x_lo = std::min(x_lo, p.x);
      x_hi = std::max(x_hi, p.x);
      y_lo = std::min(y_lo, p.y);
      y_hi = std::max(y_hi, p.y);
      if (std::isfinite(p.lo)) y_lo = std::min(y_lo, p.lo);
      if (std::isfinite(p.hi)) y_hi = std::max(y_hi, p.hi);
    }
  const bool empty = !std::isfinite(x_lo);
  if (empty) x_lo = x_hi = y_lo = y_hi = 0;
  const bool categorical = !plot.x_categories.empty();
  Range xr = categorical ? Range{-0.5, static_cast<double>(plot.x_categories.size()) - 0.5} : pad_range(x_lo, x_hi, 0.04);
  if (y_lo >= 0 && y_lo <= 0.5 * y_hi) y_lo = 0;  // counts and shares: show the zero
  Range yr = pad_range(y_lo, y_hi, 0.03);
  if (y_lo == 0 && y_hi > 0) yr.lo = 0;
  {  // the frame ends on ticks
    const std::vector<double> t = nice_ticks(yr.lo, yr.hi);
    const double step = t.size() > 1 ? t[1] - t[0] : 1;
    yr.lo = std::floor(yr.lo / step + 1e-9) * step;
    yr.hi = std::ceil(yr.hi / step - 1e-9) * step;
  }
  const std::vector<double> yticks = nice_ticks(yr.lo, yr.hi);
  const auto X = [&](double x) { return left + (x - xr.lo) / (xr.hi - xr.lo) * pw; };
  const auto Y = [&](double y) { return top + (yr.hi - y) / (yr.hi - yr.lo) * ph; };

  std::string o;
  o += "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"" + c2(W) + "\" height=\"" + c2(H) + "\" viewBox=\"0 0 " +
       c2(W) + " " + c2(H) + "\" font-family=\"DejaVu Sans, Helvetica, Arial, sans-serif\" font-size=\"12\">\n";
  o += "<rect width=\"100%\" height=\"100%\" fill=\"#ffffff\"/>\n";
  o += "<text x=\"" + c2(left) + "\" y=\"22\" font-size=\"15\" font-weight=\"bold\">" + xml_escape(plot.title) + "</text>\n";
  if (!plot.subtitle.empty())
    o += "<text x=\"" + c2(left) + "\" y=\"40\" fill=\"#555555\">" + xml_escape(plot.subtitle) + "</text>\n";

  // Grid and y ticks.
  double max_abs = 0;
  for (const double t : yticks) max_abs = std::max(max_abs, std::fabs(t));
  const double ystep = yticks.size() > 1 ? yticks[1] - yticks[0] : 1;
  for (const double t : yticks) {
    o += "<line x1=\"" + c2(left) + "\" y1=\"" + c2(Y(t)) + "\" x2=\"" + c2(left + pw) + "\" y2=\"" + c2(Y(t)) +
         "\" stroke=\"#e0e0e0\"/>\n";
    o += "<text x=\"" + c2(left - 6) + "\" y=\"" + c2(Y(t) + 4) + "\" text-anchor=\"end\">" +
         xml_escape(tick_label(t, ystep, max_abs)) + "</text>\n";
  }
  // x ticks.
  if (categorical) {
    for (std::size_t i = 0; i < plot.x_categories.size(); ++i) {
      const double x = X(static_cast<double>(i));
      o += "<line x1=\"" + c2(x) + "\" y1=\"" + c2(top + ph) + "\" x2=\"" + c2(x) + "\" y2=\"" + c2(top + ph + 5) +
           "\" stroke=\"#333333\"/>\n";
      o += "<text x=\"" + c2(x) + "\" y=\"" + c2(top + ph + 19) + "\" text-anchor=\"middle\">" +
           xml_escape(plot.x_categories[i]) + "</text>\n";
    }
  } else {
    const std::vector<double> xt = nice_ticks(xr.lo, xr.hi, 8);
    double xmax_abs = 0;
    for (const double t : xt) xmax_abs = std::max(xmax_abs, std::fabs(t));
    const double xstep = xt.size() > 1 ? xt[1] - xt[0] : 1;
    for (const double t : xt) {
      o += "<line x1=\"" + c2(X(t)) + "\" y1=\"" + c2(top + ph) + "\" x2=\"" + c2(X(t)) + "\" y2=\"" +
           c2(top + ph + 5) + "\" stroke=\"#333333\"/>\n";
      o += "<text x=\"" + c2(X(t)) + "\" y=\"" + c2(top + ph + 19) + "\" text-anchor=\"middle\">" +
           xml_escape(tick_label(t, xstep, xmax_abs)) + "</text>\n";
    }
  }
  // Frame and axis labels.
  o += "<rect x=\"" + c2(left) + "\" y=\"" + c2(top) + "\" width=\"" + c2(pw) + "\" height=\"" + c2(ph) +
       "\" fill=\"none\" stroke=\"#333333\"/>\n";
  o += "<text x=\"" + c2(left + pw / 2) + "\" y=\"" + c2(H - 14) + "\" text-anchor=\"middle\">" +
       xml_escape(plot.x_label) + "</text>\n";
  o += "<text transform=\"translate(18 " + c2(top + ph / 2) + ") rotate(-90)\" text-anchor=\"middle\">" +
       xml_escape(plot.y_label) + "</text>\n";
  if (empty)
    o += "<text x=\"" + c2(left + pw / 2) + "\" y=\"" + c2(top + ph / 2) +
         "\" text-anchor=\"middle\" fill=\"#888888\">no finished runs</text>\n";

  // Series: lines, error bars, markers.
  for (std::size_t si = 0; si < plot.series.size(); ++si) {
    const PlotSeries& s = plot.series[si];
    const std::string colour = kColours[si % kColourCount];
    // Series side by side at the same x are moved apart a little, so their error bars do not hide each other.
    const double dodge = 4.0 * (static_cast<double>(si) - (static_cast<double>(plot.series.size()) - 1) / 2);
    o += "<g stroke=\"" + colour + "\" fill=\"" + colour + "\">\n";
    std::string pts;
    int n = 0;
    for (const PlotPoint& p : s.points) {
      if (!std::isfinite(p.y)) continue;
      pts += (n++ ? " " : "") + c2(X(p.x) + dodge) + "," + c2(Y(p.y));
    }
    if (s.lines && n > 1) o += "<polyline fill=\"none\" stroke-width=\"1.8\" points=\"" + pts + "\"/>\n";
    for (const PlotPoint& p : s.points) {
      if (!std::isfinite(p.y)) continue;
      const double x = X(p.x) + dodge;
      if (std::isfinite(p.lo) && std::isfinite(p.hi)) {
        o += "<line stroke-width=\"1.2\" x1=\"" + c2(x) + "\" y1=\"" + c2(Y(p.lo)) + "\" x2=\"" + c2(x) + "\" y2=\"" +
             c2(Y(p.hi)) + "\"/>\n";
        for (const double e : {p.lo, p.hi})
          o += "<line stroke-width=\"1.2\" x1=\"" + c2(x - 4) + "\" y1=\"" + c2(Y(e)) + "\" x2=\"" + c2(x + 4) +
               "\" y2=\"" + c2(Y(e)) + "\"/>\n";
      }
      o += "<circle cx=\"" + c2(x) + "\" cy=\"" + c2(Y(p.y)) + "\" r=\"3.5\"/>\n";
    }
    o += "</g>\n";
  }

  if (legend) {
    const double lx = left + pw + 16;
    for (std::size_t si = 0; si < plot.series.size(); ++si) {
      const std::string colour = kColours[si % kColourCount];
      const double ly = top + 10 + 20.0 * static_cast<double>(si);
      o += "<line x1=\"" + c2(lx) + "\" y1=\"" + c2(ly) + "\" x2=\"" + c2(lx + 22) + "\" y2=\"" + c2(ly) +
           "\" stroke=\"" + colour + "\" stroke-width=\"1.8\"/>\n";
      o += "<circle cx=\"" + c2(lx + 11) + "\" cy=\"" + c2(ly) + "\" r=\"3.5\" fill=\"" + colour + "\"/>\n";
      o += "<text x=\"" + c2(lx + 28) + "\" y=\"" + c2(ly + 4) + "\">" + xml_escape(plot.series[si].label) + "</text>\n";
    }
  }
  o += "</svg>\n";
  return o;
}

}  // namespace kitaku::app::sweep
