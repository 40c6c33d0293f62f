#include "kitaku/sim/run_comparison.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <functional>

#include "kitaku/sim/error.hpp"
#include "kitaku/sim/timeseries_csv.hpp"

namespace kitaku {
namespace {

// Relative differences below this are noise of the number formats, not of the model.
constexpr double kSameWeight = 1e-6;

struct MetricDef {
  const char* key;
  const char* label;
  const char* unit;
  std::function<double(const RunRecord&)> value;
};

double roads_reached_ge6(const RunRecord& r) {
  double n = 0;
  for (const float m : r.first_crush_min) n += std::isfinite(m) ? 1 : 0;
  return n;
}

double road_minutes_ge6(const RunRecord& r) {
  double s = 0;
  for (const float m : r.minutes_ge6) s += std::isfinite(m) ? m : 0;
  return s;
}

const std::vector<MetricDef>& metric_defs() {
  static const std::vector<MetricDef> defs = {
      {"persons", "persons modelled", "persons", [](const RunRecord& r) { return r.persons; }},
      {"arrived_home", "arrived home", "persons", [](const RunRecord& r) { return r.summary.arrived_home; }},
      {"by_rail", "left by a resumed rail line", "persons", [](const RunRecord& r) { return r.summary.by_rail; }},
      {"walkers", "set off on foot", "persons", [](const RunRecord& r) { return r.summary.walkers; }},
      {"peak_sheltered", "peak sheltered in facilities", "persons",
       [](const RunRecord& r) { return r.summary.peak_sheltered; }},
      {"peak_unsheltered_stranded", "peak stranded outdoors", "persons",
       [](const RunRecord& r) { return r.summary.peak_unsheltered_stranded; }},
      {"person_minutes_ge6", "time in crowds at >= 6 p/m2", "person-minutes",
       [](const RunRecord& r) { return r.summary.person_minutes_ge6; }},
      {"person_minutes_ge4", "time in crowds at >= 4 p/m2", "person-minutes",
       [](const RunRecord& r) { return r.summary.person_minutes_ge4; }},
      {"persons_ge6_1h", "persons with >= 1 h at >= 6 p/m2", "persons",
       [](const RunRecord& r) { return r.summary.persons_ge6_1h; }},
      {"persons_ge6_3h", "persons with >= 3 h at >= 6 p/m2", "persons",
       [](const RunRecord& r) { return r.summary.persons_ge6_3h; }},
      {"share_walkers_ge6_3h", "share of walkers with >= 3 h at >= 6 p/m2", "%",
       [](const RunRecord& r) { return 100.0 * r.summary.share_walkers_ge6_3h; }},
      {"persons_ge4_3h", "persons with >= 3 h at >= 4 p/m2", "persons",
       [](const RunRecord& r) { return r.summary.persons_ge4_3h; }},
      {"peak_km_road_ge6", "peak road length at >= 6 p/m2", "km",
       [](const RunRecord& r) { return r.summary.peak_km_road_ge6; }},
      {"roads_reached_ge6", "roads that reached 6 p/m2 (results.gpkg)", "roads", roads_reached_ge6},
      {"road_minutes_ge6", "road-minutes at >= 6 p/m2 (results.gpkg)", "road-minutes", road_minutes_ge6},
      {"sim_hours", "simulated", "h", [](const RunRecord& r) { return static_cast<double>(r.summary.sim_seconds) / 3600.0; }},
      {"persons_per_agent", "persons per agent", "persons/agent",
       [](const RunRecord& r) { return r.summary.persons_per_agent; }},
  };
  return defs;
}

std::string g(double v) {
  char b[32];
  std::snprintf(b, sizeof b, "%g", v);
  return b;
}

std::string hours(std::int64_t s) { return g(static_cast<double>(s) / 3600.0) + " h"; }

std::string md_escape(const std::string& s) {
  std::string out;
  for (const char c : s) {
    if (c == '|' || c == '*' || c == '_' || c == '`') out += '\\';
    out += c;
  }
  return out;
}

}  // namespace

double MetricRow::relative() const noexcept { return a == 0 ? NAN : (b - a) / std::fabs(a); }

RunComparison compare_runs(const RunRecord& a, const RunRecord& b) {
  if (a.edge_count() != b.edge_count())
    throw InputError(b.dir + "/results.gpkg", "layer edges",
                     "has " + std::to_string(b.edge_count()) + " roads, but " + a.dir + "/results.gpkg has " +
                         std::to_string(a.edge_count()) +
                         ": the runs are on different networks, so no per-road difference can be made");
  RunComparison c;
  for (const MetricDef& d : metric_defs()) c.metrics.push_back({d.key, d.label, d.unit, d.value(a), d.value(b)});

  if (a.city != b.city)
    c.warnings.push_back("the runs' [city] tables differ (" + a.dir + "/scenario.toml, " + b.dir +
                         "/scenario.toml): same number of roads, but maybe not the same roads, facilities or population");
  const double wa = a.summary.persons_per_agent, wb = b.summary.persons_per_agent;
  if (std::fabs(wa - wb) > kSameWeight * std::max(std::fabs(wa), std::fabs(wb)))
    c.warnings.push_back("A's agents stand for " + g(wa) + " persons each, B's for " + g(wb) +
                         ": coarser agents make densities lumpier (docs/model.md, \"Coarse agents\"), so part of "
                         "the difference may come from the agent weight, not the scenario");
  if (std::fabs(a.persons - b.persons) > 0.01 * std::max(std::fabs(a.persons), std::fabs(b.persons)))
    c.warnings.push_back("A models " + format_metric(a.persons, "persons") + " persons, B " +
                         format_metric(b.persons, "persons") + ": totals in persons are not like for like");
  if (a.summary.sim_seconds != b.summary.sim_seconds)
    c.warnings.push_back("A simulated " + hours(a.summary.sim_seconds) + ", B " + hours(b.summary.sim_seconds) +
                         ": totals over the run cover different spans");

  c.difference_minutes_ge6.resize(a.edge_count());
  for (std::size_t e = 0; e < a.edge_count(); ++e) {
    const float va = std::isfinite(a.minutes_ge6[e]) ? a.minutes_ge6[e] : 0.0f;
    const float vb = std::isfinite(b.minutes_ge6[e]) ? b.minutes_ge6[e] : 0.0f;
    const float d = vb - va;
    c.difference_minutes_ge6[e] = d;
    c.roads_worse += d > 0;
    c.roads_better += d < 0;
  }
  return c;
}

DifferenceScale DifferenceScale::for_max(double max_abs) {
  // The largest class starts at half the largest change, the others at an eighth
  // and a quarter of it, each rounded down to a nice number (at least 1 minute:
  // the outputs' resolution is a step, 10 s, but a minute is what reads).
  static const double nice[] = {1, 2, 5, 10, 15, 30, 60, 120, 240, 480, 960, 1440, 2880, 5760};
  const auto down = [](double v) {
    double best = nice[0];
    for (const double n : nice)
      if (n <= v) best = n;
    return best;
  };
  DifferenceScale s;
  const double m = std::isfinite(max_abs) ? std::fabs(max_abs) : 0.0;
  double b1 = down(m / 8), b2 = down(m / 4), b3 = down(m / 2);
  if (b2 <= b1) b2 = b1 * 2;
  if (b3 <= b2) b3 = b2 * 2;
  s.breaks = {b1, b2, b3};
  return s;
}

int DifferenceScale::class_of(double d) const noexcept {
  if (!(std::fabs(d) > 1e-9)) return 0;
  const double a = std::fabs(d);
  int c = 1;
  for (const double b : breaks) c += a > b ? 1 : 0;
  return d > 0 ? c : -c;
}

std::array<std::uint8_t, 3> DifferenceScale::colour(int cls) const noexcept {
  static constexpr std::array<std::uint8_t, 3> red[] = {{244, 165, 130}, {230, 110, 80}, {200, 40, 45}, {120, 0, 20}};
  static constexpr std::array<std::uint8_t, 3> blue[] = {{146, 197, 222}, {80, 150, 200}, {33, 102, 172}, {5, 40, 110}};
  if (cls == 0) return {200, 200, 200};
  const std::size_t i = static_cast<std::size_t>(std::min(4, std::abs(cls)) - 1);
  return cls > 0 ? red[i] : blue[i];
}

std::array<std::uint8_t, 3> DifferenceScale::colour_on_dark(int cls) const noexcept {
  static constexpr std::array<std::uint8_t, 3> red[] = {{255, 200, 180}, {255, 140, 110}, {255, 80, 60}, {255, 20, 20}};
  static constexpr std::array<std::uint8_t, 3> blue[] = {{190, 220, 255}, {120, 180, 255}, {60, 140, 255}, {0, 100, 255}};
  if (cls == 0) return {150, 150, 150};
  const std::size_t i = static_cast<std::size_t>(std::min(4, std::abs(cls)) - 1);
  return cls > 0 ? red[i] : blue[i];
}

std::string DifferenceScale::label(int cls) const {
  if (cls == 0) return "0";
  const auto n = [](double v) { return g(v); };
  const int a = std::min(4, std::abs(cls));
  const char* sign = cls > 0 ? "+" : "-";
  if (a == 4) return std::string(cls > 0 ? "> +" : "< -") + n(breaks[2]);
  const double lo = a == 1 ? 0 : breaks[static_cast<std::size_t>(a - 2)];
  const double hi = breaks[static_cast<std::size_t>(a - 1)];
  return a == 1 ? "0 to " + std::string(sign) + n(hi) : std::string(sign) + n(lo) + " to " + sign + n(hi);
}

std::string format_metric(double v, const std::string& unit) {
  if (!std::isfinite(v)) return "-";
  char b[64];
  const bool whole = unit == "persons" || unit == "person-minutes" || unit == "roads" || unit == "road-minutes";
  if (whole || std::fabs(v) >= 1000) {
    std::snprintf(b, sizeof b, "%.0f", std::fabs(v));
    std::string digits = b, out;
    for (std::size_t i = 0; i < digits.size(); ++i) {
      if (i > 0 && (digits.size() - i) % 3 == 0) out += ',';
      out += digits[i];
    }
    return (v < 0 && out != "0" ? "-" : "") + out;
  }
  std::snprintf(b, sizeof b, "%.2f", v);
  std::string s = b;
  if (s == "-0.00") s = "0.00";
  return s;
}

std::string metrics_csv(const RunComparison& c) {
  std::string s = "metric,unit,a,b,b_minus_a,relative_change\n";
  for (const MetricRow& m : c.metrics) {
    s += m.key + "," + m.unit + ",";
    append_csv_real(s, m.a);
    s += ',';
    append_csv_real(s, m.b);
    s += ',';
    append_csv_real(s, m.difference());
    s += ',';
    if (std::isfinite(m.relative())) {
      char b[32];
      std::snprintf(b, sizeof b, "%.6f", m.relative());
      s += b;
    }
    s += '\n';
  }
  return s;
}

std::string metrics_markdown(const RunComparison& c, const RunRecord& a, const RunRecord& b) {
  std::string s = "# Run comparison\n\n";
  s += "- A (baseline): `" + a.dir + "`, scenario \"" + md_escape(a.scenario_name) + "\"\n";
  s += "- B: `" + b.dir + "`, scenario \"" + md_escape(b.scenario_name) + "\"\n\n";
  if (!c.warnings.empty()) {
    for (const std::string& w : c.warnings) s += "> **Warning:** " + md_escape(w) + "\n>\n";
    s += "\n";
  }
  s += "| Metric | Unit | A | B | B - A | Change |\n|---|---|--:|--:|--:|--:|\n";
  for (const MetricRow& m : c.metrics) {
    std::string rel = "-";
    if (std::isfinite(m.relative())) {
      char buf[32];
      std::snprintf(buf, sizeof buf, "%+.1f %%", 100.0 * m.relative());
      rel = buf;
    }
    const double d = m.difference();
    s += "| " + md_escape(m.label) + " | " + m.unit + " | " + format_metric(m.a, m.unit) + " | " +
         format_metric(m.b, m.unit) + " | " + (d > 0 ? "+" : "") + format_metric(d, m.unit) + " | " + rel + " |\n";
  }
  s += "\nRoads with more minutes at >= 6 p/m2 in B: " + format_metric(static_cast<double>(c.roads_worse), "roads") +
       "; with fewer: " + format_metric(static_cast<double>(c.roads_better), "roads") +
       " (difference.gpkg, difference.png).\n";
  return s;
}

}  // namespace kitaku
