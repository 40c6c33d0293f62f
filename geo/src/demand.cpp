// Explicit demand: trips files, CrowdWalk generation files and SUMO pedestrian trips
// (kitaku/geo/demand.hpp).
#include "kitaku/geo/demand.hpp"

#include <cpl_minixml.h>
#include <ogr_spatialref.h>

#include <algorithm>
#include <cctype>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <iterator>
#include <limits>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <sstream>
#include <unordered_map>

#include "kitaku/geo/gdal_util.hpp"
#include "kitaku/sim/error.hpp"
#include "kitaku/sim/rng.hpp"
#include "kitaku/sim/spatial_index.hpp"
#include "kitaku/sim/timeseries_csv.hpp"
#include "point_table.hpp"

namespace kitaku::geo {
namespace {

using detail::PointTable;
using detail::TableRow;

const std::string* value(const TableRow& row, int field) {
  if (field < 0 || !row.values[static_cast<std::size_t>(field)]) return nullptr;
  return &*row.values[static_cast<std::size_t>(field)];
}

std::string table_place(const PointTable& t) { return t.driver == "CSV" ? "header" : "layer " + t.layer; }

// "18:05", "18:05:30" -> seconds after midnight; nullopt when malformed.
std::optional<std::int64_t> parse_clock(std::string_view s) {
  s = detail::trim(s);
  int h = 0, m = 0, sec = 0;
  char tail = 0;
  const std::string text(s);
  const int n = std::sscanf(text.c_str(), "%d:%d:%d%c", &h, &m, &sec, &tail);
  if (n == 2 || n == 3) {
    const bool shape = n == 2 ? text.size() <= 5 && text.find(':') != std::string::npos : true;
    if (shape && h >= 0 && h < 48 && m >= 0 && m < 60 && sec >= 0 && sec < 60)
      return static_cast<std::int64_t>(h) * 3600 + m * 60 + sec;
  }
  return std::nullopt;
}

// Seconds after the quake of a local clock time; the day wraps when it is earlier.
std::int64_t after_quake(std::int64_t clock_s, std::int64_t quake_clock_s) {
  std::int64_t d = clock_s - quake_clock_s;
  if (d < 0 && clock_s < 24 * 3600) d += 24 * 3600;
  return d;
}

}  // namespace

// ---- Trips files ------------------------------------------------------------------

std::vector<Trip> load_trips(const std::string& path, const Network& net, const TripOptions& o) {
  const PointTable t = detail::read_point_table(path, "", "trips");
  if (t.rows.empty()) throw InputError(path, table_place(t), "has no trips (no rows after the header)");
  const auto col = [&](std::initializer_list<std::string_view> names) { return detail::pick_field(t, "", "", names); };
  const int olon = col({"origin_lon", "from_lon", "o_lon"}), olat = col({"origin_lat", "from_lat", "o_lat"});
  const int dlon = col({"dest_lon", "destination_lon", "to_lon", "d_lon"});
  const int dlat = col({"dest_lat", "destination_lat", "to_lat", "d_lat"});
  const int home = col({"home_km"});
  const int dep_s = col({"departure_s", "depart_s"}), dep_clock = col({"departure", "departure_time", "depart"});
  const int persons = col({"persons", "person", "count"});
  const int group = col({"group"});
  const bool by_geometry = (olon < 0 || olat < 0) && t.spatial;
  const auto missing = [&](const std::string& what) {
    throw InputError(path, table_place(t), "no " + what + "; the columns are: " + t.field_list() +
                                               " (docs/scenario-format.md, \"Trips\")");
  };
  if (!by_geometry && (olon < 0 || olat < 0)) missing("origin_lon / origin_lat column (nor a point geometry)");
  if ((dlon < 0) != (dlat < 0)) missing(dlon < 0 ? "dest_lon column beside dest_lat" : "dest_lat column beside dest_lon");
  if (dlon < 0 && home < 0) missing("destination: give dest_lon and dest_lat, or home_km");
  if (dep_s < 0 && dep_clock < 0) missing("departure column (departure_s, seconds after the quake, or departure, \"HH:MM:SS\")");
  if (dep_s >= 0 && dep_clock >= 0)
    throw InputError(path, table_place(t), "give departure_s or departure, not both");
  if (by_geometry && !t.srs)
    throw InputError(path, table_place(t),
                     "the layer has no CRS, so its origins cannot be placed (assign one, e.g. ogr2ogr -a_srs EPSG:4326)");

  const OGRSpatialReference wgs = wgs84();
  std::unique_ptr<OGRSpatialReference> target = detail::srs_from_wkt(net.crs_wkt(), path);
  if (!target) throw InputError(path, "", "the network has no CRS to place the trips in");
  const Transform from_wgs(wgs, *target);
  std::optional<Transform> from_layer;
  if (by_geometry) from_layer.emplace(*t.srs, *target);
  const SpatialIndex index(net);

  std::vector<Trip> out;
  out.reserve(t.rows.size());
  for (const TableRow& row : t.rows) {
    const auto fail = [&](int f, const std::string& why) -> void {
      throw InputError(path, row.place + (f >= 0 ? ", column " + t.fields[static_cast<std::size_t>(f)] : std::string()), why);
    };
    const auto text = [&](int f) -> std::string {
      const std::string* v = value(row, f);
      return v ? std::string(detail::trim(*v)) : std::string();
    };
    const auto number = [&](int f, const char* what) {
      const std::string v = text(f);
      if (v.empty()) fail(f, std::string("empty (") + what + " expected)");
      const auto d = detail::parse_number(v);
      if (!d) fail(f, "'" + v + "' is not a number (" + what + " expected)");
      return *d;
    };
    const auto lonlat = [&](int flon, int flat) {
      const double lon = number(flon, "longitude in degrees"), lat = number(flat, "latitude in degrees");
      if (std::fabs(lat) > 90) fail(flat, "latitude " + text(flat) + " is outside [-90, 90]");
      if (std::fabs(lon) > 180) fail(flon, "longitude " + text(flon) + " is outside [-180, 180]");
      double x = lon, y = lat;
      if (!from_wgs.apply(x, y)) fail(flon, "the point cannot be projected into the network's CRS");
      return Point{x, y};
    };
    Trip trip;
    trip.row = row.id;
    if (by_geometry) {
      if (!row.has_point) fail(-1, row.geometry_problem);
      double x = row.x, y = row.y;
      if (!from_layer->apply(x, y)) fail(-1, "the origin point cannot be projected into the network's CRS");
      trip.origin = {x, y};
    } else {
      trip.origin = lonlat(olon, olat);
    }
    const double snap = index.nearest_edge(trip.origin).dist;
    if (!(snap <= o.origin_snap_max_m)) {
      char buf[160];
      std::snprintf(buf, sizeof buf, "the origin is %.0f m from the network (at most %.0f m)", snap, o.origin_snap_max_m);
      fail(by_geometry ? -1 : olon, buf);
    }
    if (dlon >= 0 && !(home >= 0 && text(dlon).empty() && text(dlat).empty())) {
      trip.destination = lonlat(dlon, dlat);
    } else {
      trip.has_destination = false;
      trip.home_km = number(home, "home distance in km");
      if (!(trip.home_km >= 0) || trip.home_km > 1000) fail(home, "home_km " + text(home) + " is outside [0, 1000]");
    }
    if (dep_s >= 0) {
      const double d = number(dep_s, "seconds after the quake");
      if (d < 0) fail(dep_s, "departure_s " + text(dep_s) + " is before the quake (negative)");
      if (d > 1e9) fail(dep_s, "departure_s " + text(dep_s) + " is too far in the future");
      trip.departure_s = static_cast<std::int64_t>(std::llround(d));
    } else {
      const auto c = parse_clock(text(dep_clock));
      if (!c) fail(dep_clock, "'" + text(dep_clock) + "' is not a clock time (HH:MM or HH:MM:SS expected)");
      trip.departure_s = after_quake(*c, o.quake_clock_s);
    }
    double p = 1;
    if (persons >= 0 && !text(persons).empty()) p = number(persons, "persons, a positive whole number");
    const double agents = p / o.persons_per_agent;
    if (!(p > 0) || std::fabs(agents - std::round(agents)) > 1e-6 || agents > 1e7) {
      char buf[200];
      std::snprintf(buf, sizeof buf, "persons %s must be a positive multiple of persons_per_agent (%g)",
                    text(persons).c_str(), o.persons_per_agent);
      fail(persons, buf);
    }
    trip.agents = static_cast<std::int64_t>(std::llround(agents));
    if (group >= 0 && !text(group).empty()) {
      const auto g = detail::parse_number(text(group));
      if (!g || *g < 0 || *g != std::floor(*g) || *g > 2e9) fail(group, "'" + text(group) + "' is not a group number (a whole number >= 0)");
      trip.group = static_cast<std::int32_t>(*g);
    }
    out.push_back(trip);
  }
  return out;
}

// ---- CrowdWalk generation files -------------------------------------------------------

namespace {

struct XmlDeleter {
  void operator()(CPLXMLNode* n) const noexcept { CPLDestroyXMLNode(n); }
};

bool is_element(const CPLXMLNode* n, const char* name) {
  return n->eType == CXT_Element && std::strcmp(n->pszValue, name) == 0;
}

// The CrowdWalk map's places: every link and node by id, with the tags each has.
struct CrowdWalkPlaces {
  struct Place {
    Point a, b;  // a link from a to b; a node at a == b
  };
  std::vector<Place> places;
  std::unordered_map<std::string, std::vector<std::uint32_t>> by_tag;  // tag or id -> places

  const std::vector<std::uint32_t>* find(const std::string& tag) const {
    const auto it = by_tag.find(tag);
    return it == by_tag.end() ? nullptr : &it->second;
  }
};

std::vector<std::string> tags_of(const CPLXMLNode* n) {
  std::vector<std::string> tags;
  for (const CPLXMLNode* c = n->psChild; c; c = c->psNext)
    if (is_element(c, "tag") && c->psChild && c->psChild->eType == CXT_Text) tags.emplace_back(c->psChild->pszValue);
  return tags;
}

CrowdWalkPlaces read_places(const std::string& map_path) {
  gdal_init();
  std::unique_ptr<CPLXMLNode, XmlDeleter> root(CPLParseXMLFile(map_path.c_str()));
  if (!root) throw InputError(map_path, "", "not a readable CrowdWalk map");
  const CPLXMLNode* group = nullptr;
  for (const CPLXMLNode* c = root.get(); c; c = c->psNext)
    if (is_element(c, "Group")) group = c;
  if (!group) throw InputError(map_path, "root element", "not a CrowdWalk map (expected <Group>)");
  CrowdWalkPlaces out;
  std::unordered_map<std::string, Point> node_pos;
  std::vector<const CPLXMLNode*> links;
  const auto collect = [&](auto&& self, const CPLXMLNode* g) -> void {
    for (const CPLXMLNode* c = g->psChild; c; c = c->psNext) {
      if (is_element(c, "Group")) {
        self(self, c);
      } else if (is_element(c, "Node")) {
        const char* id = CPLGetXMLValue(c, "id", "");
        // CrowdWalk's y axis points south, as in read_crowdwalk_map.
        const Point p{std::atof(CPLGetXMLValue(c, "x", "0")), -std::atof(CPLGetXMLValue(c, "y", "0"))};
        node_pos[id] = p;
        const auto k = static_cast<std::uint32_t>(out.places.size());
        out.places.push_back({p, p});
        out.by_tag[id].push_back(k);
        for (const std::string& tag : tags_of(c)) out.by_tag[tag].push_back(k);
      } else if (is_element(c, "Link")) {
        links.push_back(c);
      }
    }
  };
  collect(collect, group);
  for (const CPLXMLNode* l : links) {
    const auto a = node_pos.find(CPLGetXMLValue(l, "from", "")), b = node_pos.find(CPLGetXMLValue(l, "to", ""));
    if (a == node_pos.end() || b == node_pos.end()) continue;  // read_crowdwalk_map reports it
    const auto k = static_cast<std::uint32_t>(out.places.size());
    out.places.push_back({a->second, b->second});
    out.by_tag[CPLGetXMLValue(l, "id", "")].push_back(k);
    for (const std::string& tag : tags_of(l)) out.by_tag[tag].push_back(k);
  }
  return out;
}

// CrowdWalk's JSON is not strict JSON: it starts with a "#{ "version" : 2}" line and
// leaves out commas between members. Comment lines go, and a comma goes in where a
// value ends and the next string starts.
std::string strict_json(const std::string& text) {
  std::string out;
  out.reserve(text.size() + 256);
  bool in_string = false, escape = false, line_start = true, skipping = false;
  char last = 0;  // last significant character outside strings (or '"' at a string's end)
  for (const char c : text) {
    if (skipping) {
      if (c == '\n') skipping = false, line_start = true, out += c;
      continue;
    }
    if (in_string) {
      out += c;
      if (escape) escape = false;
      else if (c == '\\') escape = true;
      else if (c == '"') in_string = false, last = '"';
      continue;
    }
    if (line_start && c == '#') {
      skipping = true;
      continue;
    }
    if (c == '\n') line_start = true;
    else if (c != ' ' && c != '\t' && c != '\r') line_start = false;
    if (c == '"' || c == '{' || c == '[') {
      if (last == '"' || last == '}' || last == ']' || std::isalnum(static_cast<unsigned char>(last)) || last == '.')
        out += ',';
      if (c == '"') in_string = true;
    }
    out += c;
    if (c != ' ' && c != '\t' && c != '\r' && c != '\n' && c != '"') last = c;
  }
  return out;
}

nlohmann::json read_crowdwalk_json(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw InputError(path, "", "cannot open the CrowdWalk generation file");
  std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  if (text.starts_with("\xEF\xBB\xBF")) text.erase(0, 3);
  try {
    return nlohmann::json::parse(strict_json(text));
  } catch (const nlohmann::json::parse_error& e) {
    throw InputError(path, "", std::string("not a CrowdWalk generation file (JSON): ") + e.what());
  }
}

struct Rule {
  std::string kind = "EACH";   // EACH: total at each start place; RANDOM: total over them
  std::int64_t total = 0;
  std::string start, goal;
  bool start_at_point = false;  // genDist: start and goal are points, not tags
  Point start_point, goal_point;
  std::int64_t start_s = 0;     // clock seconds
  double duration_s = 0;
};

std::int64_t clock_of(const std::string& path, const std::string& place, const nlohmann::json& v) {
  if (!v.is_string()) throw InputError(path, place, "startTime must be a clock time like \"18:00:00\"");
  const auto c = parse_clock(v.get<std::string>());
  if (!c) throw InputError(path, place, "startTime '" + v.get<std::string>() + "' is not a clock time (HH:MM:SS)");
  return *c;
}

double number_of(const std::string& path, const std::string& place, const nlohmann::json& r, const char* key,
                 double fallback, bool required) {
  const auto it = r.find(key);
  if (it == r.end() || it->is_null()) {
    if (required) throw InputError(path, place, std::string("no \"") + key + "\"");
    return fallback;
  }
  if (!it->is_number()) throw InputError(path, place, std::string("\"") + key + "\" must be a number");
  return it->get<double>();
}

// A point of a genDist Gaussian2D ({"type": "Gaussian2D", "center": [x, y], "std": s}).
Point gaussian2d(const std::string& path, const std::string& place, const nlohmann::json& d, Rng& rng) {
  if (!d.is_object() || d.value("type", "") != "Gaussian2D" || !d.contains("center") || !d["center"].is_array() ||
      d["center"].size() != 2 || !d["center"][0].is_number() || !d["center"][1].is_number())
    throw InputError(path, place, "expected {\"type\": \"Gaussian2D\", \"center\": [x, y], \"std\": s}");
  const double sd = number_of(path, place, d, "std", 0, true);
  const double x = d["center"][0].get<double>() + sd * rng.normal();
  const double y = d["center"][1].get<double>() + sd * rng.normal();
  return {x, -y};  // CrowdWalk's y points south
}

std::vector<Rule> read_rules(const std::string& path, const nlohmann::json& doc, std::uint64_t seed) {
  std::vector<Rule> rules;
  const auto read_rule = [&](const nlohmann::json& r, const std::string& place, Rule& rule) {
    if (!r.is_object()) throw InputError(path, place, "a rule must be a JSON object");
    if (r.contains("rule")) {
      if (!r["rule"].is_string()) throw InputError(path, place, "\"rule\" must be a string");
      rule.kind = r["rule"].get<std::string>();
    }
    if (rule.kind != "EACH" && rule.kind != "RANDOM" && rule.kind != "EACHRANDOM")
      throw InputError(path, place, "rule \"" + rule.kind + "\" is not supported (EACH, RANDOM, EACHRANDOM)");
    const double total = number_of(path, place, r, "total", static_cast<double>(rule.total), rule.total == 0);
    if (!(total >= 0) || total != std::floor(total) || total > 1e7)
      throw InputError(path, place, "\"total\" must be a whole number >= 0");
    rule.total = static_cast<std::int64_t>(total);
    rule.duration_s = number_of(path, place, r, "duration", rule.duration_s, false);
    if (!(rule.duration_s >= 0)) throw InputError(path, place, "\"duration\" must be >= 0 seconds");
    if (r.contains("startTime")) rule.start_s = clock_of(path, place, r["startTime"]);
    const auto str = [&](const char* key, std::string& out) {
      if (!r.contains(key)) return;
      if (!r[key].is_string()) throw InputError(path, place, std::string("\"") + key + "\" must be a tag (a string)");
      out = r[key].get<std::string>();
    };
    str("startPlace", rule.start);
    str("goal", rule.goal);
  };
  if (doc.is_array()) {  // version 2: a list of rules
    for (std::size_t i = 0; i < doc.size(); ++i) {
      Rule rule;
      const std::string place = "rule " + std::to_string(i + 1);
      read_rule(doc[i], place, rule);
      if (rule.start.empty()) throw InputError(path, place, "no \"startPlace\"");
      if (rule.goal.empty()) throw InputError(path, place, "no \"goal\"");
      rules.push_back(rule);
    }
    return rules;
  }
  if (!doc.is_object() || !doc.contains("dist"))
    throw InputError(path, "", "not a CrowdWalk generation file: expected a list of rules, or a genDist object with \"dist\"");
  // genDist: ruleN rules, each drawn from one of the weighted distributions.
  Rule base;
  if (doc.contains("default")) read_rule(doc["default"], "default", base);
  const double n = number_of(path, "ruleN", doc, "ruleN", 0, true);
  if (!(n >= 1) || n != std::floor(n) || n > 1e6) throw InputError(path, "ruleN", "must be a whole number >= 1");
  if (doc.contains("timeOrigin")) base.start_s = clock_of(path, "timeOrigin", doc["timeOrigin"]);
  const auto& dists = doc["dist"];
  if (!dists.is_array() || dists.empty()) throw InputError(path, "dist", "must be a non-empty list");
  std::vector<double> cum;
  for (std::size_t k = 0; k < dists.size(); ++k) {
    const double w = number_of(path, "dist " + std::to_string(k + 1), dists[k], "weight", 1, false);
    if (!(w >= 0)) throw InputError(path, "dist " + std::to_string(k + 1), "\"weight\" must be >= 0");
    cum.push_back((cum.empty() ? 0 : cum.back()) + w);
  }
  if (!(cum.back() > 0)) throw InputError(path, "dist", "every weight is 0");
  for (std::int64_t i = 0; i < static_cast<std::int64_t>(n); ++i) {
    Rng rng(seed, static_cast<std::uint64_t>(i), 0, Purpose::kCrowdWalkDist);
    const double u = rng.uniform() * cum.back();
    const std::size_t k = static_cast<std::size_t>(std::upper_bound(cum.begin(), cum.end(), u) - cum.begin());
    const auto& d = dists[std::min(k, dists.size() - 1)];
    const std::string place = "dist " + std::to_string(std::min(k, dists.size() - 1) + 1);
    Rule rule = base;
    rule.start_at_point = true;
    rule.start_point = gaussian2d(path, place + ": fromDist", d.value("fromDist", nlohmann::json()), rng);
    rule.goal_point = gaussian2d(path, place + ": toDist", d.value("toDist", nlohmann::json()), rng);
    const auto& td = d.value("timeDist", nlohmann::json());
    if (!td.is_object() || td.value("type", "") != "Gaussian")
      throw InputError(path, place + ": timeDist", "expected {\"type\": \"Gaussian\", \"center\": s, \"std\": s}");
    const double t = number_of(path, place + ": timeDist", td, "center", 0, true) +
                     number_of(path, place + ": timeDist", td, "std", 0, true) * rng.normal();
    rule.start_s = base.start_s + std::max<std::int64_t>(0, std::llround(t));
    rules.push_back(rule);
  }
  return rules;
}

Point along(const CrowdWalkPlaces::Place& p, double f) { return {p.a.x + f * (p.b.x - p.a.x), p.a.y + f * (p.b.y - p.a.y)}; }
Point middle(const CrowdWalkPlaces::Place& p) { return along(p, 0.5); }

}  // namespace

std::vector<Trip> load_crowdwalk_generation(const std::string& path, const std::string& map_path,
                                            const TripOptions& o, std::uint64_t seed) {
  const nlohmann::json doc = read_crowdwalk_json(path);
  const std::vector<Rule> rules = read_rules(path, doc, seed);
  const CrowdWalkPlaces places = read_places(map_path);
  std::vector<Trip> out;
  for (std::size_t ri = 0; ri < rules.size(); ++ri) {
    const Rule& r = rules[ri];
    const std::string place = doc.is_array() ? "rule " + std::to_string(ri + 1) : "generated rule " + std::to_string(ri + 1);
    std::vector<std::uint32_t> starts, goals;
    if (!r.start_at_point) {
      const auto* s = places.find(r.start);
      if (!s) throw InputError(path, place, "startPlace \"" + r.start + "\": no link or node of " + map_path + " has this tag or id");
      const auto* g = places.find(r.goal);
      if (!g) throw InputError(path, place, "goal \"" + r.goal + "\": no link or node of " + map_path + " has this tag or id");
      starts = *s;
      goals = *g;
    }
    // Agents of the rule: EACH puts `total` at each start place; RANDOM and
    // EACHRANDOM spread `total` over them at random.
    const std::size_t n_starts = r.start_at_point ? 1 : starts.size();
    const std::int64_t n = r.kind == "EACH" ? r.total * static_cast<std::int64_t>(n_starts) : r.total;
    const std::int64_t depart0 = after_quake(r.start_s, o.quake_clock_s);
    if (depart0 < 0 || depart0 > 7 * 24 * 3600)
      throw InputError(path, place, "starts more than a week after the quake (check [quake] time against the startTime)");
    for (std::int64_t k = 0; k < n; ++k) {
      Rng rng(seed, (static_cast<std::uint64_t>(ri) << 32) | static_cast<std::uint64_t>(k), 0, Purpose::kCrowdWalkPlace);
      Trip t;
      t.row = static_cast<std::int64_t>(ri + 1);
      t.group = static_cast<std::int32_t>(ri);
      t.agents = 1;
      // Departures at CrowdWalk's even rate over the duration.
      const std::int64_t per_start = r.kind == "EACH" ? r.total : n;
      const std::int64_t slot = r.kind == "EACH" ? k % std::max<std::int64_t>(r.total, 1) : k;
      t.departure_s = depart0 + static_cast<std::int64_t>(std::floor(r.duration_s * static_cast<double>(slot) /
                                                                     static_cast<double>(std::max<std::int64_t>(per_start, 1))));
      if (r.start_at_point) {
        t.origin = r.start_point;
        t.destination = r.goal_point;
      } else {
        const std::uint32_t s = r.kind == "EACH" ? starts[static_cast<std::size_t>(k / std::max<std::int64_t>(r.total, 1))]
                                                 : starts[rng.below(starts.size())];
        t.origin = along(places.places[s], rng.uniform());
        // The goal place nearest the start, as the crow flies.
        double best = std::numeric_limits<double>::infinity();
        for (const std::uint32_t g : goals) {
          const double d = distance(middle(places.places[g]), t.origin);
          if (d < best) best = d, t.destination = middle(places.places[g]);
        }
      }
      out.push_back(t);
    }
  }
  return out;
}

// ---- SUMO ---------------------------------------------------------------------------

namespace {

struct SumoNet {
  std::unordered_map<std::string, Point> edge_mid;  // net coordinates
  double off_x = 0, off_y = 0;
  std::string proj;
};

// The point halfway along a lane's shape "x,y x,y ...".
std::optional<Point> shape_middle(const char* shape) {
  std::vector<Point> pts;
  std::istringstream in(shape);
  std::string tok;
  while (in >> tok) {
    const auto comma = tok.find(',');
    if (comma == std::string::npos) return std::nullopt;
    char* e1 = nullptr;
    char* e2 = nullptr;
    const double x = std::strtod(tok.c_str(), &e1);
    const double y = std::strtod(tok.c_str() + comma + 1, &e2);
    if (e1 != tok.c_str() + comma || !std::isfinite(x) || !std::isfinite(y)) return std::nullopt;
    pts.push_back({x, y});
  }
  if (pts.empty()) return std::nullopt;
  double len = 0;
  for (std::size_t i = 1; i < pts.size(); ++i) len += distance(pts[i - 1], pts[i]);
  double half = len / 2;
  for (std::size_t i = 1; i < pts.size(); ++i) {
    const double d = distance(pts[i - 1], pts[i]);
    if (half <= d && d > 0) {
      const double f = half / d;
      return Point{pts[i - 1].x + f * (pts[i].x - pts[i - 1].x), pts[i - 1].y + f * (pts[i].y - pts[i - 1].y)};
    }
    half -= d;
  }
  return pts.back();
}

SumoNet read_sumo_net(const std::string& path) {
  gdal_init();
  std::unique_ptr<CPLXMLNode, XmlDeleter> root(CPLParseXMLFile(path.c_str()));
  if (!root) throw InputError(path, "", "not a readable SUMO net.xml");
  const CPLXMLNode* net = nullptr;
  for (const CPLXMLNode* c = root.get(); c; c = c->psNext)
    if (is_element(c, "net")) net = c;
  if (!net) throw InputError(path, "root element", "not a SUMO network (expected <net>)");
  SumoNet out;
  bool located = false;
  for (const CPLXMLNode* c = net->psChild; c; c = c->psNext) {
    if (is_element(c, "location")) {
      const std::string off = CPLGetXMLValue(c, "netOffset", "0,0");
      if (std::sscanf(off.c_str(), "%lf,%lf", &out.off_x, &out.off_y) != 2)
        throw InputError(path, "<location>", "netOffset='" + off + "' is not \"x,y\"");
      out.proj = CPLGetXMLValue(c, "projParameter", "!");
      located = true;
    } else if (is_element(c, "edge")) {
      if (std::strcmp(CPLGetXMLValue(c, "function", ""), "internal") == 0) continue;
      const char* id = CPLGetXMLValue(c, "id", nullptr);
      if (!id) throw InputError(path, "<edge>", "missing attribute id");
      for (const CPLXMLNode* l = c->psChild; l; l = l->psNext) {
        if (!is_element(l, "lane")) continue;
        const char* shape = CPLGetXMLValue(l, "shape", nullptr);
        const auto mid = shape ? shape_middle(shape) : std::nullopt;
        if (!mid) throw InputError(path, std::string("<edge id='") + id + "'>", "its first <lane> has no usable shape");
        out.edge_mid[id] = *mid;
        break;
      }
    }
  }
  if (!located) throw InputError(path, "<net>", "no <location> element: the network has no geo-reference");
  if (out.proj.empty() || out.proj == "!")
    throw InputError(path, "<location>", "projParameter is \"!\": the network is not geo-referenced, so its trips have no lon/lat "
                                         "(build it with netconvert --proj.utm, or from OSM)");
  return out;
}

}  // namespace

std::vector<SumoTrip> read_sumo_trips(const std::string& routes_path, const std::string& net_path) {
  const SumoNet net = read_sumo_net(net_path);
  OGRSpatialReference src;
  if (src.importFromProj4(net.proj.c_str()) != OGRERR_NONE)
    throw InputError(net_path, "<location>", "projParameter '" + net.proj + "' is not a PROJ string GDAL understands");
  src.SetAxisMappingStrategy(OAMS_TRADITIONAL_GIS_ORDER);
  const Transform to_wgs(src, wgs84());
  std::unique_ptr<CPLXMLNode, XmlDeleter> root(CPLParseXMLFile(routes_path.c_str()));
  if (!root) throw InputError(routes_path, "", "not a readable SUMO routes file (XML)");
  const CPLXMLNode* routes = nullptr;
  for (const CPLXMLNode* c = root.get(); c; c = c->psNext)
    if (is_element(c, "routes")) routes = c;
  if (!routes) throw InputError(routes_path, "root element", "not a SUMO routes file (expected <routes>)");
  const auto lonlat = [&](const std::string& place, const std::string& edge, double& lon, double& lat) {
    const auto it = net.edge_mid.find(edge);
    if (it == net.edge_mid.end()) throw InputError(routes_path, place, "edge '" + edge + "' is not in " + net_path);
    double x = it->second.x - net.off_x, y = it->second.y - net.off_y;
    if (!to_wgs.apply(x, y)) throw InputError(routes_path, place, "edge '" + edge + "' cannot be placed in WGS84");
    lon = x;
    lat = y;
  };
  std::vector<SumoTrip> out;
  int ordinal = 0;
  for (const CPLXMLNode* c = routes->psChild; c; c = c->psNext) {
    const bool person = is_element(c, "person"), trip = is_element(c, "trip");
    if (!person && !trip) continue;
    ++ordinal;
    SumoTrip t;
    t.id = CPLGetXMLValue(c, "id", "");
    const std::string place = std::string(person ? "<person" : "<trip") + " id='" + t.id + "'>";
    const char* depart = CPLGetXMLValue(c, "depart", nullptr);
    if (!depart) throw InputError(routes_path, place, "missing attribute depart");
    char* end = nullptr;
    t.depart_s = std::strtod(depart, &end);
    if (end == depart || *end != '\0' || !(t.depart_s >= 0))
      throw InputError(routes_path, place, std::string("depart='") + depart + "' is not a time in seconds >= 0");
    std::string from, to;
    if (trip) {
      from = CPLGetXMLValue(c, "from", "");
      to = CPLGetXMLValue(c, "to", "");
    } else {
      for (const CPLXMLNode* s = c->psChild; s; s = s->psNext) {
        if (!is_element(s, "walk") && !is_element(s, "personTrip")) continue;
        if (from.empty()) {
          from = CPLGetXMLValue(s, "from", "");
          if (from.empty()) {  // <walk edges="a b c">
            const std::string edges = CPLGetXMLValue(s, "edges", "");
            std::istringstream in(edges);
            std::string e;
            while (in >> e) {
              if (from.empty()) from = e;
              to = e;
            }
          }
        }
        if (const char* t2 = CPLGetXMLValue(s, "to", nullptr)) to = t2;
      }
    }
    if (from.empty() || to.empty())
      throw InputError(routes_path, place, "no walk with from and to edges (expected <walk from= to=> or <personTrip from= to=>)");
    lonlat(place, from, t.from_lon, t.from_lat);
    lonlat(place, to, t.to_lon, t.to_lat);
    out.push_back(std::move(t));
  }
  if (out.empty()) throw InputError(routes_path, "<routes>", "no <person> or <trip> elements");
  return out;
}

std::string trips_csv(const std::vector<SumoTrip>& trips) {
  std::string s = "origin_lon,origin_lat,dest_lon,dest_lat,departure_s,persons,group,sumo_id\n";
  char buf[160];
  for (const SumoTrip& t : trips) {
    std::snprintf(buf, sizeof buf, "%.7f,%.7f,%.7f,%.7f,", t.from_lon, t.from_lat, t.to_lon, t.to_lat);
    s += buf;
    append_csv_int(s, std::llround(t.depart_s));
    s += ",1,,";
    // SUMO ids are XML names; a comma or quote would need quoting.
    if (t.id.find_first_of(",\"\n") != std::string::npos) {
      s += '"';
      for (const char c : t.id) s += c == '"' ? std::string("\"\"") : std::string(1, c);
      s += '"';
    } else {
      s += t.id;
    }
    s += '\n';
  }
  return s;
}

}  // namespace kitaku::geo
