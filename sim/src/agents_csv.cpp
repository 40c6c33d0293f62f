#include "kitaku/sim/agents_csv.hpp"

#include <charconv>
#include <cmath>
#include <stdexcept>

#include "kitaku/sim/timeseries_csv.hpp"

namespace kitaku {

namespace {

// A text field, quoted (RFC 4180) when it holds a comma, a quote or a line break.
void append_text(std::string& s, std::string_view v) {
  if (v.find_first_of(",\"\r\n") == std::string_view::npos) {
    s.append(v);
    return;
  }
  s += '"';
  for (const char c : v) {
    if (c == '"') s += '"';
    s += c;
  }
  s += '"';
}

// A real with one decimal (metres), "-0.0" written as "0.0".
void append_fixed1(std::string& s, double v) {
  char buf[48];
  if (std::abs(v) < 0.05) v = 0;
  const auto r = std::to_chars(buf, buf + sizeof buf, v, std::chars_format::fixed, 1);
  if (r.ec != std::errc()) return append_csv_real(s, v);
  s.append(buf, r.ptr);
}

// A time (s) as a number, nothing when -1.
void append_time(std::string& s, std::int64_t t) {
  if (t >= 0) append_csv_int(s, t);
}

// HH:MM:SS of the local clock, nothing when the time is -1.
void append_clock(std::string& s, std::int64_t quake_clock_s, std::int64_t t) {
  if (t < 0) return;
  const std::int64_t c = quake_clock_s + t;
  append_csv_int(s, c / 3600);
  const auto two = [&](std::int64_t v) {
    s += ':';
    s += static_cast<char>('0' + v / 10);
    s += static_cast<char>('0' + v % 10);
  };
  if (c / 3600 < 10) s.insert(s.size() - 1, 1, '0');
  two(c / 60 % 60);
  two(c % 60);
}

}  // namespace

std::vector<std::string> agents_csv_columns() {
  return {"id",           "weight",         "origin",           "origin_index",       "origin_name",
          "origin_x",     "origin_y",       "home_km",          "activity",           "age_group",
          "stranded",     "departure_s",    "departure_clock",  "arrival_home_s",     "arrival_home_clock",
          "arrival_facility_s", "facility_id", "facility_name", "final_state",        "walked_network_m",
          "walked_off_network_m", "walking_s", "seconds_ge4",   "seconds_ge6",
          "junction_seconds_ge4", "junction_seconds_ge6"};
}

void format_agents_csv(const Population& pop, const City& city, const AgentRecords& rec, std::int64_t quake_clock_s,
                       const std::function<void(std::string_view)>& sink, std::size_t piece_bytes) {
  const std::size_t N = pop.size();
  if (rec.size() != N || rec.departure_s.size() != N || rec.walking_s.size() != N || rec.seconds_ge6.size() != N ||
      rec.junction_seconds_ge6.size() != N)
    throw std::invalid_argument("agents.csv: " + std::to_string(rec.size()) + " agent records for " +
                                std::to_string(N) + " agents");
  std::string s;
  s.reserve(piece_bytes + 4096);
  const auto cols = agents_csv_columns();
  for (std::size_t i = 0; i < cols.size(); ++i) {
    if (i) s += ',';
    s += cols[i];
  }
  s += '\n';
  // The weight: shortest text that reads back as the same double, so that the
  // weights sum to the population whatever it is.
  char wbuf[32];
  const std::string weight(wbuf, std::to_chars(wbuf, wbuf + sizeof wbuf, pop.persons_per_agent).ptr);
  const auto Z = static_cast<std::int32_t>(city.zones.size()), S = static_cast<std::int32_t>(city.stations.size());
  const auto F = static_cast<std::int32_t>(city.facilities.size());
  for (std::size_t i = 0; i < N; ++i) {
    append_csv_int(s, static_cast<std::int64_t>(i));
    s += ',';
    s += weight;
    s += ',';
    const std::int32_t z = i < pop.zone.size() ? pop.zone[i] : -1;
    if (!pop.departure_s.empty()) {  // explicit demand: the trip's row, and its group
      s += "trip,";
      append_csv_int(s, z);
      s += ',';
      if (i < pop.group.size() && pop.group[i] >= 0) append_csv_int(s, pop.group[i]);
    } else if (z >= 0) {
      s += "zone,";
      append_csv_int(s, z);
      s += ',';
      if (z < Z) append_text(s, city.zones[static_cast<std::size_t>(z)].id);
    } else {
      const std::int32_t st = -1 - z;
      s += "station,";
      append_csv_int(s, st);
      s += ',';
      if (st < S) append_text(s, city.stations[static_cast<std::size_t>(st)].name);
    }
    s += ',';
    append_fixed1(s, pop.pos[i].x);
    s += ',';
    append_fixed1(s, pop.pos[i].y);
    s += ',';
    append_csv_real(s, pop.home_km[i]);
    s += ',';
    s += activity_name(pop.activity[i]);
    s += ',';
    s += age_group_name(pop.age[i]);
    s += ',';
    s += rec.stranded[i] ? '1' : '0';
    s += ',';
    append_time(s, rec.departure_s[i]);
    s += ',';
    append_clock(s, quake_clock_s, rec.departure_s[i]);
    s += ',';
    append_time(s, rec.arrival_home_s[i]);
    s += ',';
    append_clock(s, quake_clock_s, rec.arrival_home_s[i]);
    s += ',';
    append_time(s, rec.arrival_facility_s[i]);
    s += ',';
    const std::int32_t f = rec.facility[i];
    if (f >= 0) {
      append_csv_int(s, f);
      s += ',';
      if (f < F) append_text(s, city.facilities[static_cast<std::size_t>(f)].name);
    } else {
      s += ',';
    }
    s += ',';
    s += state_name(rec.state[i]);
    s += ',';
    append_fixed1(s, rec.walked_network_m[i]);
    s += ',';
    append_fixed1(s, rec.walked_off_network_m[i]);
    s += ',';
    append_csv_int(s, rec.walking_s[i]);
    s += ',';
    append_csv_int(s, rec.seconds_ge4[i]);
    s += ',';
    append_csv_int(s, rec.seconds_ge6[i]);
    s += ',';
    append_csv_int(s, rec.junction_seconds_ge4[i]);
    s += ',';
    append_csv_int(s, rec.junction_seconds_ge6[i]);
    s += '\n';
    if (s.size() >= piece_bytes) {
      sink(s);
      s.clear();
    }
  }
  if (!s.empty()) sink(s);
}

std::string agents_csv(const Population& pop, const City& city, const AgentRecords& records,
                       std::int64_t quake_clock_s) {
  std::string all;
  format_agents_csv(pop, city, records, quake_clock_s, [&](std::string_view piece) { all.append(piece); });
  return all;
}

}  // namespace kitaku
