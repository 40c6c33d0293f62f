// kitaku report DIR|agents.csv [--by KEY] [--top N] [--bin-min M]: distributions
// from a run's per-person output (docs/cli.md, "kitaku report"; the columns are in
// docs/outputs.md, "agents.csv"). Persons, not agents: every figure is weighted.
#include <algorithm>
#include <array>
#include <charconv>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>
#include <memory>
#include <sstream>
#include <string>
#include <string_view>
#include <vector>

#include "commands.hpp"
#include "format.hpp"
#include "kitaku/sim/city.hpp"
#include "kitaku/sim/error.hpp"

namespace kitaku::app {
namespace {

namespace fs = std::filesystem;

struct ReportOptions {
  std::string input;
  std::string by = "origin";
  int top = 15;
  int bin_min = 60;
};

// Splits one CSV line (RFC 4180 quoting) into `out`.
void split_csv(std::string_view line, std::vector<std::string>& out) {
  out.clear();
  std::string cell;
  bool quoted = false;
  for (std::size_t i = 0; i < line.size(); ++i) {
    const char c = line[i];
    if (quoted) {
      if (c == '"' && i + 1 < line.size() && line[i + 1] == '"') cell += '"', ++i;
      else if (c == '"') quoted = false;
      else cell += c;
    } else if (c == '"') {
      quoted = true;
    } else if (c == ',') {
      out.push_back(std::move(cell));
      cell.clear();
    } else if (c != '\r') {
      cell += c;
    }
  }
  out.push_back(std::move(cell));
}

// One agent, as the report needs it.
struct Person {
  double w = 0;
  std::string group;
  int band = 0;            // sort order of the group (distance bands); 0 otherwise
  bool walker = false;     // set off on the street network
  double depart_s = -1, home_s = -1;
  double ge4 = 0, ge6 = 0;
};

struct Totals {
  double persons = 0, walkers = 0, ge6_1h = 0, ge6_3h = 0, ge4_3h = 0, home = 0;
  std::vector<std::pair<double, double>> trip;  // (seconds from departure to home, weight)
  int band = 0;
  void add(const Person& p) {
    persons += p.w;
    if (p.walker) {
      walkers += p.w;
      ge6_1h += p.ge6 >= 3600 ? p.w : 0;
      ge6_3h += p.ge6 >= 3 * 3600 ? p.w : 0;
      ge4_3h += p.ge4 >= 3 * 3600 ? p.w : 0;
    }
    if (p.home_s >= 0) {
      home += p.w;
      if (p.depart_s >= 0) trip.emplace_back(p.home_s - p.depart_s, p.w);
    }
  }
};

// The weighted q-quantile of (value, weight) pairs; NaN when empty.
double quantile(std::vector<std::pair<double, double>>& v, double q) {
  if (v.empty()) return std::nan("");
  std::sort(v.begin(), v.end());
  double total = 0;
  for (const auto& [x, w] : v) total += w;
  double acc = 0;
  for (const auto& [x, w] : v) {
    acc += w;
    if (acc >= q * total) return x;
  }
  return v.back().first;
}

std::string hm(double seconds) {
  if (!(seconds >= 0)) return "-";
  const auto m = static_cast<long long>(std::llround(seconds / 60));
  char buf[32];
  std::snprintf(buf, sizeof buf, "%lld:%02lld", m / 60, m % 60);
  return buf;
}

std::string pct(double part, double whole) { return whole > 0 ? fmt("%.1f %%", 100.0 * part / whole) : "-"; }

// The local clock of `s` seconds after the quake (HH:MM, hours past 24 on later days).
std::string clock_of(long long quake_clock_s, double s) {
  const auto c = quake_clock_s + static_cast<long long>(s);
  char buf[32];
  std::snprintf(buf, sizeof buf, "%02lld:%02lld", c / 3600, c / 60 % 60);
  return buf;
}

double number(const std::string& cell, const std::string& file, std::size_t line, const char* column) {
  double v = 0;
  const auto r = std::from_chars(cell.data(), cell.data() + cell.size(), v);
  if (r.ec != std::errc() || r.ptr != cell.data() + cell.size())
    throw InputError(file, "line " + std::to_string(line) + ", column " + column, "not a number: \"" + cell + "\"");
  return v;
}

// Seconds since midnight of "HH:MM:SS"; -1 when it is not one.
long long parse_clock(const std::string& s) {
  int h = 0, m = 0, sec = 0;
  if (std::sscanf(s.c_str(), "%d:%d:%d", &h, &m, &sec) != 3) return -1;
  return h * 3600LL + m * 60LL + sec;
}

void report(const ReportOptions& o) {
  const std::string file = fs::is_directory(o.input) ? (fs::path(o.input) / "agents.csv").string() : o.input;
  std::ifstream in(file, std::ios::binary);
  if (!in) throw InputError(file, "", "cannot be read (kitaku run writes agents.csv into its --out folder)");
  static const std::array<std::string_view, 6> kKeys{"origin", "activity", "distance", "stranded", "age", "state"};
  if (std::find(kKeys.begin(), kKeys.end(), o.by) == kKeys.end())
    throw InputError("--by", "", "is \"" + o.by + "\"; use origin, activity, distance, stranded, age or state");
  if (o.bin_min <= 0) throw InputError("--bin-min", "", "must be a positive number of minutes");

  std::string line;
  std::vector<std::string> cells;
  if (!std::getline(in, line)) throw InputError(file, "line 1", "empty: no header");
  split_csv(line, cells);
  const std::vector<std::string> header = cells;
  auto col = [&](const char* name) {
    const auto it = std::find(header.begin(), header.end(), name);
    if (it == header.end()) throw InputError(file, "line 1", std::string("no column \"") + name + "\" (is it agents.csv?)");
    return static_cast<std::size_t>(it - header.begin());
  };
  const std::size_t c_w = col("weight"), c_origin = col("origin"), c_oname = col("origin_name"),
                    c_oindex = col("origin_index"), c_km = col("home_km"), c_act = col("activity"),
                    c_age = col("age_group"), c_str = col("stranded"), c_dep = col("departure_s"),
                    c_depclk = col("departure_clock"), c_home = col("arrival_home_s"), c_state = col("final_state"),
                    c_ge4 = col("seconds_ge4"), c_ge6 = col("seconds_ge6");

  std::map<std::string, Totals> groups;
  Totals all;
  std::vector<std::pair<double, double>> departures;  // (departure_s, weight) of walkers
  std::vector<std::pair<double, double>> arrivals;    // (arrival_home_s, weight)
  std::map<std::string, double> not_home;              // persons not home by the end, by final state
  long long quake_clock = -1;
  std::size_t n = 0, lineno = 1;
  while (std::getline(in, line)) {
    ++lineno;
    if (line.empty() || line == "\r") continue;
    split_csv(line, cells);
    if (cells.size() != header.size())
      throw InputError(file, "line " + std::to_string(lineno),
                       std::to_string(cells.size()) + " fields where the header has " + std::to_string(header.size()));
    Person p;
    p.w = number(cells[c_w], file, lineno, "weight");
    p.walker = !cells[c_dep].empty();
    if (p.walker) p.depart_s = number(cells[c_dep], file, lineno, "departure_s");
    if (!cells[c_home].empty()) p.home_s = number(cells[c_home], file, lineno, "arrival_home_s");
    p.ge4 = number(cells[c_ge4], file, lineno, "seconds_ge4");
    p.ge6 = number(cells[c_ge6], file, lineno, "seconds_ge6");
    if (quake_clock < 0 && p.walker) {
      const long long c = parse_clock(cells[c_depclk]);
      if (c >= 0) quake_clock = c - static_cast<long long>(p.depart_s);
    }
    if (o.by == "origin") {
      p.group = cells[c_origin] + " " + (cells[c_oname].empty() ? cells[c_oindex] : cells[c_oname]);
    } else if (o.by == "activity") {
      p.group = cells[c_act];
    } else if (o.by == "age") {
      p.group = cells[c_age];
    } else if (o.by == "state") {
      p.group = cells[c_state];
    } else if (o.by == "stranded") {
      p.group = cells[c_str] == "1" ? "stranded (distance rule)" : "can get home (distance rule)";
      p.band = cells[c_str] == "1";
    } else {
      const double km = number(cells[c_km], file, lineno, "home_km");
      std::size_t b = 0;
      while (b + 1 < kHomeBands && km >= kHomeBandEdgesKm[b + 1]) ++b;
      p.band = static_cast<int>(b);
      p.group = b + 1 < kHomeBands ? fmt("%.0f", kHomeBandEdgesKm[b]) + "-" + fmt("%.0f km", kHomeBandEdgesKm[b + 1])
                                   : fmt(">= %.0f km", kHomeBandEdgesKm[b]);
    }
    Totals& g = groups[p.group];
    g.band = p.band;
    g.add(p);
    all.add(p);
    if (p.walker) departures.emplace_back(p.depart_s, p.w);
    if (p.home_s >= 0) arrivals.emplace_back(p.home_s, p.w);
    else not_home[cells[c_state]] += p.w;
    ++n;
  }
  if (quake_clock < 0) quake_clock = 0;

  std::printf("%s: %s agents for %s persons; %s walkers (%s) set off on the street network\n", file.c_str(),
              thousands(static_cast<double>(n)).c_str(), thousands(all.persons).c_str(), thousands(all.walkers).c_str(),
              pct(all.walkers, all.persons).c_str());
  std::printf("  walkers with >= 3 h at >= 6 p/m2: %s persons, %s of walkers (the 2008 panel: 16 %%)\n",
              thousands(all.ge6_3h).c_str(), pct(all.ge6_3h, all.walkers).c_str());

  // Crowd exposure by group.
  std::vector<std::pair<std::string, Totals*>> rows;
  for (auto& [k, t] : groups) rows.emplace_back(k, &t);
  const bool by_origin = o.by == "origin";
  if (by_origin)
    std::stable_sort(rows.begin(), rows.end(), [](const auto& a, const auto& b) { return a.second->walkers > b.second->walkers; });
  else
    std::stable_sort(rows.begin(), rows.end(), [](const auto& a, const auto& b) { return a.second->band < b.second->band; });
  std::printf("\nCrowd exposure by %s (persons; shares of walkers, except home: of persons)%s:\n", o.by.c_str(),
              by_origin ? (" — the " + std::to_string(o.top) + " origins with most walkers, then the rest").c_str() : "");
  std::printf("  %12s %12s %9s %9s %9s %8s %8s  %s\n", "persons", "walkers", ">=1h@6", ">=3h@6", ">=3h@4", "home",
              "trip p50", o.by.c_str());
  auto print_row = [&](Totals& t, const std::string& label) {
    std::printf("  %12s %12s %9s %9s %9s %8s %8s  %s\n", thousands(t.persons).c_str(), thousands(t.walkers).c_str(),
                pct(t.ge6_1h, t.walkers).c_str(), pct(t.ge6_3h, t.walkers).c_str(), pct(t.ge4_3h, t.walkers).c_str(),
                pct(t.home, t.persons).c_str(), hm(quantile(t.trip, 0.5)).c_str(), label.c_str());
  };
  Totals rest;
  std::size_t rest_n = 0;
  for (std::size_t i = 0; i < rows.size(); ++i) {
    if (by_origin && static_cast<int>(i) >= o.top) {
      Totals& t = *rows[i].second;
      rest.persons += t.persons, rest.walkers += t.walkers, rest.ge6_1h += t.ge6_1h, rest.ge6_3h += t.ge6_3h;
      rest.ge4_3h += t.ge4_3h, rest.home += t.home;
      rest.trip.insert(rest.trip.end(), t.trip.begin(), t.trip.end());
      ++rest_n;
      continue;
    }
    print_row(*rows[i].second, rows[i].first);
  }
  if (rest_n > 0) print_row(rest, "(" + thousands(static_cast<double>(rest_n)) + " other origins)");
  print_row(all, "all");

  // Departures and arrivals home over time.
  const double bin = o.bin_min * 60.0;
  double t_end = 0;
  for (const auto& [t, w] : arrivals) t_end = std::max(t_end, t);
  for (const auto& [t, w] : departures) t_end = std::max(t_end, t);
  const auto bins = static_cast<std::size_t>(std::floor(t_end / bin)) + 1;
  std::vector<double> dep(bins), arr(bins);
  for (const auto& [t, w] : departures) dep[static_cast<std::size_t>(t / bin)] += w;
  for (const auto& [t, w] : arrivals) arr[static_cast<std::size_t>(t / bin)] += w;
  std::printf("\nDepartures and arrivals home by time after the quake (persons; every %d min):\n", o.bin_min);
  std::printf("  %8s %6s %12s %12s %9s\n", "after", "clock", "set off", "home", "home cum");
  double cum = 0;
  for (std::size_t b = 0; b < bins; ++b) {
    cum += arr[b];
    std::printf("  %8s %6s %12s %12s %9s\n", ("+" + hm(static_cast<double>(b) * bin)).c_str(),
                clock_of(quake_clock, static_cast<double>(b) * bin).c_str(), thousands(dep[b]).c_str(),
                thousands(arr[b]).c_str(), pct(cum, all.persons).c_str());
  }
  std::string rest_states;
  for (const auto& [s, w] : not_home) rest_states += (rest_states.empty() ? "" : ", ") + s + " " + thousands(w);
  std::printf("  not home at the end: %s persons (%s)\n", thousands(all.persons - all.home).c_str(),
              rest_states.empty() ? "none" : rest_states.c_str());
  double within_1h = 0;
  for (const auto& [t, w] : departures) within_1h += t < 3600 ? w : 0;
  std::printf("  walkers who set off within 1 h of the quake: %s (3.11: more than 70 %%)\n",
              pct(within_1h, all.walkers).c_str());
  std::printf("  time from setting off to home (persons home): p10 %s, median %s, p90 %s, max %s (h:mm)\n",
              hm(quantile(all.trip, 0.1)).c_str(), hm(quantile(all.trip, 0.5)).c_str(),
              hm(quantile(all.trip, 0.9)).c_str(), hm(quantile(all.trip, 1.0)).c_str());
}

}  // namespace

void add_report_command(CLI::App& app) {
  auto o = std::make_shared<ReportOptions>();
  CLI::App* c = app.add_subcommand(
      "report", "Distributions from a run's agents.csv: crowd exposure by origin (or activity, distance, ...), "
                "departures and arrivals home over time");
  c->add_option("input", o->input, "a run's output folder, or its agents.csv")->required();
  c->add_option("--by", o->by, "group the exposure table by origin, activity, distance, stranded, age or state")
      ->capture_default_str();
  c->add_option("--top", o->top, "with --by origin: the origins with most walkers listed (the rest in one row)")
      ->capture_default_str()
      ->check(CLI::PositiveNumber);
  c->add_option("--bin-min", o->bin_min, "minutes per row of the departures and arrivals table")->capture_default_str();
  c->callback([o] { report(*o); });
}

}  // namespace kitaku::app
