#include "kitaku/sim/timeseries_csv.hpp"

#include <algorithm>
#include <charconv>
#include <stdexcept>

namespace kitaku {

void append_csv_int(std::string& s, std::int64_t v) {
  char buf[24];
  const auto r = std::to_chars(buf, buf + sizeof buf, v);
  s.append(buf, r.ptr);
}

void append_csv_real(std::string& s, double v) {
  char buf[64];
  const auto r = std::to_chars(buf, buf + sizeof buf, v, std::chars_format::fixed, 3);
  if (r.ec != std::errc()) {  // beyond 1e60: not a count, but still write something parseable
    const auto g = std::to_chars(buf, buf + sizeof buf, v);
    s.append(buf, g.ptr);
    return;
  }
  char* end = r.ptr;
  if (std::find(buf, end, '.') != end) {
    while (end[-1] == '0') --end;
    if (end[-1] == '.') --end;
  }
  s.append(buf, end);
}

std::vector<std::string> timeseries_columns() {
  std::vector<std::string> c{"time_s", "agents", "persons_per_agent"};
  for (const char* unit : {"_agents", "_persons"})
    for (int s = 0; s < kAgentStates; ++s) {
      std::string name = "state_";
      name += state_name(static_cast<AgentState>(s));
      name += unit;
      c.push_back(std::move(name));
    }
  for (const char* n : {"persons_sheltered", "persons_walking", "persons_ge4", "persons_ge6", "km_road_ge6",
                        "facilities_open", "facilities_full", "persons_at_junctions", "persons_junction_ge4",
                        "persons_junction_ge6", "junctions_ge6", "persons_station_fronts", "places_ge6"})
    c.emplace_back(n);
  return c;
}

std::string stations_csv(const std::vector<StationFrontRow>& rows, const std::vector<Station>& stations) {
  std::string s = "time_s,station,name,x,y,daily_riders,persons,peak_density\n";
  s.reserve(64 + rows.size() * 64);
  for (const StationFrontRow& r : rows) {
    const auto i = static_cast<std::size_t>(r.station);
    if (i >= stations.size())
      throw std::invalid_argument("stations.csv: station " + std::to_string(i) + " of " +
                                  std::to_string(stations.size()));
    const Station& st = stations[i];
    append_csv_int(s, r.time_s);
    s += ',';
    append_csv_int(s, r.station);
    s += ',';
    if (st.name.find_first_of(",\"\r\n") == std::string::npos) {
      s += st.name;
    } else {
      s += '"';
      for (const char ch : st.name) s += ch == '"' ? std::string("\"\"") : std::string(1, ch);
      s += '"';
    }
    for (const double v : {st.pos.x, st.pos.y, st.daily_riders, r.persons, r.peak_density}) {
      s += ',';
      append_csv_real(s, v);
    }
    s += '\n';
  }
  return s;
}

std::string timeseries_csv(const std::vector<TimeseriesRow>& rows, double persons_per_agent) {
  std::string s;
  s.reserve(512 + rows.size() * 240);
  const auto cols = timeseries_columns();
  // persons_per_agent exactly (shortest round trip), so that a reader multiplying the
  // _agents columns by it gets the _persons columns.
  char wb[64];
  const auto wr = std::to_chars(wb, wb + sizeof wb, persons_per_agent);
  const std::string w_text(wb, wr.ptr);
  for (std::size_t i = 0; i < cols.size(); ++i) s += (i ? "," : "") + cols[i];
  s += '\n';
  for (const TimeseriesRow& r : rows) {
    append_csv_int(s, r.time_s);
    s += ',';
    append_csv_int(s, r.agents);
    s += ',';
    s += w_text;
    for (const std::int64_t n : r.state) {
      s += ',';
      append_csv_int(s, n);
    }
    for (const std::int64_t n : r.state) {
      s += ',';
      append_csv_real(s, static_cast<double>(n) * persons_per_agent);
    }
    for (const double v : {r.persons_sheltered, r.persons_walking, r.persons_ge4, r.persons_ge6, r.km_ge6}) {
      s += ',';
      append_csv_real(s, v);
    }
    s += ',';
    append_csv_int(s, r.facilities_open);
    s += ',';
    append_csv_int(s, r.facilities_full);
    for (const double v : {r.persons_at_junctions, r.persons_junction_ge4, r.persons_junction_ge6}) {
      s += ',';
      append_csv_real(s, v);
    }
    s += ',';
    append_csv_int(s, r.junctions_ge6);
    s += ',';
    append_csv_real(s, r.persons_station_fronts);
    s += ',';
    append_csv_int(s, r.places_ge6);
    s += '\n';
  }
  return s;
}

}  // namespace kitaku
