// OSM tags: GDAL's other_tags hstore, width values, and the walkable filter.
#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstring>

#include "network_internal.hpp"

namespace kitaku::geo::netimport {
namespace {

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

bool contains(const std::vector<std::string>& list, std::string_view v) {
  return std::find(list.begin(), list.end(), v) != list.end();
}

/// A number at the start of `s` (',' accepted as the decimal mark); advances `s`.
std::optional<double> take_number(std::string_view& s) {
  std::string tmp;
  std::size_t i = 0;
  while (i < s.size() && ((s[i] >= '0' && s[i] <= '9') || s[i] == '.' || s[i] == ',')) ++i;
  if (i == 0) return std::nullopt;
  tmp.assign(s.substr(0, i));
  std::replace(tmp.begin(), tmp.end(), ',', '.');
  double v = 0;
  const auto [end, ec] = std::from_chars(tmp.data(), tmp.data() + tmp.size(), v);
  if (ec != std::errc() || end != tmp.data() + tmp.size()) return std::nullopt;
  s.remove_prefix(i);
  return v;
}

/// One width: a number and an optional unit (m, metres, cm, mm, ft, ', ").
std::optional<double> parse_one_width(std::string_view s) {
  s = trim(s);
  auto v = take_number(s);
  if (!v) return std::nullopt;
  s = trim(s);
  if (s.empty() || s == "m" || s == "meter" || s == "meters" || s == "metre" || s == "metres" ||
      s == "\xEF\xBD\x8D" /* fullwidth m */)
    return v;
  if (s == "cm") return *v / 100;
  if (s == "mm") return *v / 1000;
  if (s == "ft" || s == "feet" || s == "'") return *v * 0.3048;
  if (s.front() == '\'') {  // 12'6"
    s.remove_prefix(1);
    s = trim(s);
    auto in = take_number(s);
    if (in && s == "\"") return *v * 0.3048 + *in * 0.0254;
  }
  return std::nullopt;
}

std::optional<int> parse_lanes(std::string_view s) {
  s = trim(s);
  int v = 0;
  const auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  // "2;3" (per-direction lists) reads as its first value.
  if (ec != std::errc() || (end != s.data() + s.size() && *end != ';')) return std::nullopt;
  if (v < 1 || v > 20) return std::nullopt;
  return v;
}

bool is_yes(std::optional<std::string_view> v) {
  return v && (*v == "yes" || *v == "both" || *v == "true" || *v == "1");
}

// Roads with a carriageway: sidewalk tags add to their width.
bool has_carriageway(RoadClass c) {
  switch (c) {
    case RoadClass::living_street: case RoadClass::residential: case RoadClass::service:
    case RoadClass::unclassified: case RoadClass::tertiary: case RoadClass::secondary:
    case RoadClass::primary: case RoadClass::trunk:
      return true;
    default:
      return false;
  }
}

// The lanes rule (3.5 m per lane + 2.5 m, DOMAIN.md) is for multi-lane through roads.
bool lanes_rule_applies(RoadClass c) {
  return c == RoadClass::tertiary || c == RoadClass::secondary || c == RoadClass::primary ||
         c == RoadClass::trunk;
}

constexpr double kSidewalkWidth = 2.0;  // per side: Road Structure Ordinance minimum

/// Sidewalks (both sides together) of a carriageway road with no sidewalk tag.
/// docs/network.md ("Walkable width") gives the reasoning for each.
double default_sidewalks(RoadClass c) {
  switch (c) {
    case RoadClass::trunk: case RoadClass::primary: return 2 * 3.5;  // ordinance: 3.5 m where pedestrians are many
    case RoadClass::secondary: return 2 * 3.0;                      // judgement: between 2.0 and 3.5
    case RoadClass::tertiary: return 2 * kSidewalkWidth;            // ordinance minimum
    default: return 0;  // back streets: no separate sidewalk, walkers share the carriageway
  }
}

/// Sidewalk width (both sides) of a carriageway road: from its sidewalk tags when it
/// has any (0 for "no", "none" or "separate": mapped as footways of their own), else
/// the class default.
double sidewalk_width(const TagSet& t, RoadClass cls) {
  bool tagged = false, left = false, right = false;
  if (auto s = t.get("sidewalk")) {
    tagged = true;
    if (*s == "both") left = right = true;
    else if (*s == "left" || *s == "yes") left = true;
    else if (*s == "right") right = true;
  }
  if (auto b = t.get("sidewalk:both")) {
    tagged = true;
    left = right = is_yes(b);
  }
  if (auto l = t.get("sidewalk:left")) tagged = true, left = is_yes(l);
  if (auto r = t.get("sidewalk:right")) tagged = true, right = is_yes(r);
  if (!tagged) return default_sidewalks(cls);
  auto side_width = [&](const char* side_key) {
    for (const char* k : {side_key, "sidewalk:both:width", "sidewalk:width"})
      if (auto v = t.get(k))
        if (auto w = parse_width(*v)) return *w;
    return kSidewalkWidth;
  };
  return (left ? side_width("sidewalk:left:width") : 0.0) +
         (right ? side_width("sidewalk:right:width") : 0.0);
}

RoadClass class_of(std::string_view hw) {
  if (auto c = parse_road_class(hw)) return *c;
  std::string_view base = hw;
  if (base.ends_with("_link")) base.remove_suffix(5);
  if (base == "corridor" || base == "elevator" || base == "platform") return RoadClass::footway;
  if (base == "track" || base == "cycleway" || base == "bridleway") return RoadClass::path;
  if (base == "road") return RoadClass::unclassified;
  if (base == "busway") return RoadClass::service;
  return RoadClass::other;
}

}  // namespace

void TagSet::add(std::string_view key, std::string_view value) {
  const auto k = static_cast<std::uint32_t>(buf_.size());
  buf_.append(key);
  const auto v = static_cast<std::uint32_t>(buf_.size());
  buf_.append(value);
  spans_.push_back({k, static_cast<std::uint32_t>(key.size()), v, static_cast<std::uint32_t>(value.size())});
}

bool TagSet::add_hstore(std::string_view s) {
  // GDAL writes "key"=>"value" pairs separated by ','; '"' and '\' are escaped with '\'.
  std::size_t i = 0;
  auto quoted = [&](std::uint32_t& start, std::uint32_t& len) {
    if (i >= s.size() || s[i] != '"') return false;
    ++i;
    start = static_cast<std::uint32_t>(buf_.size());
    while (i < s.size() && s[i] != '"') {
      if (s[i] == '\\' && i + 1 < s.size()) ++i;
      buf_.push_back(s[i++]);
    }
    if (i >= s.size()) return false;
    ++i;
    len = static_cast<std::uint32_t>(buf_.size() - start);
    return true;
  };
  while (i < s.size()) {
    while (i < s.size() && (s[i] == ' ' || s[i] == ',')) ++i;
    if (i >= s.size()) break;
    Span sp{};
    if (!quoted(sp.k, sp.kn)) return false;
    while (i < s.size() && s[i] == ' ') ++i;
    if (s.compare(i, 2, "=>") != 0) return false;
    i += 2;
    while (i < s.size() && s[i] == ' ') ++i;
    if (s.compare(i, 4, "NULL") == 0) {
      i += 4;
      continue;
    }
    if (!quoted(sp.v, sp.vn)) return false;
    spans_.push_back(sp);
  }
  return true;
}

std::optional<std::string_view> TagSet::get(std::string_view key) const {
  for (const auto& s : spans_)
    if (std::string_view(buf_.data() + s.k, s.kn) == key) return std::string_view(buf_.data() + s.v, s.vn);
  return std::nullopt;
}

std::optional<double> parse_width(std::string_view text) {
  text = trim(text);
  if (text.empty()) return std::nullopt;
  // Ranges such as the Japanese import's "3.0m〜5.5m" read as their middle.
  for (std::string_view sep : {"\xE3\x80\x9C" /* 〜 */, "\xEF\xBD\x9E" /* ～ */, "~", "-"}) {
    const auto p = text.find(sep);
    if (p != std::string_view::npos && p > 0) {
      auto a = parse_one_width(text.substr(0, p)), b = parse_one_width(text.substr(p + sep.size()));
      if (!a || !b) return std::nullopt;
      const double m = (*a + *b) / 2;
      return m > 0 && m <= 200 ? std::optional(m) : std::nullopt;
    }
  }
  auto w = parse_one_width(text);
  if (w && *w > 0 && *w <= 200) return w;
  return std::nullopt;
}

double default_width(std::string_view hw) {
  if (hw.ends_with("_link")) hw.remove_suffix(5);
  struct Row { std::string_view highway; double width; };
  // docs/network.md explains each figure.
  static constexpr Row table[] = {
      {"footway", 2.0},     {"pedestrian", 6.0},  {"steps", 2.0},      {"path", 1.5},
      {"living_street", 4.0}, {"residential", 4.0}, {"service", 3.0},  {"unclassified", 5.0},
      {"tertiary", 9.5},    {"secondary", 9.5},   {"primary", 16.5},   {"trunk", 16.5},
      {"corridor", 3.0},    {"track", 3.0},       {"cycleway", 2.0},   {"bridleway", 1.5},
      {"elevator", 1.5},    {"platform", 3.0},    {"road", 5.0},       {"busway", 3.5},
  };
  for (const auto& r : table)
    if (r.highway == hw) return r.width;
  return 2.0;  // other / unknown: as narrow as a footway
}

Verdict classify(const TagSet& t, const WalkableRules& rules, std::string_view class_key,
                 bool has_class_field) {
  Verdict v;
  std::string_view hw = "other";
  if (has_class_field) {
    auto h = t.get("highway");
    if (!h || trim(*h).empty()) {
      v.reason = class_key == "highway" ? "no highway tag" : "no " + std::string(class_key) + " value";
      return v;
    }
    hw = trim(*h);
    std::string_view base = hw;
    if (base.ends_with("_link")) base.remove_suffix(5);
    if (!contains(rules.highways, hw) && !contains(rules.highways, base) && hw != "other") {
      v.reason = std::string(class_key) + "=" + std::string(hw);
      return v;
    }
  }
  const auto foot = t.get("foot");
  const bool foot_allows = foot && contains(rules.foot_allows, *foot);
  for (const auto& [key, values] : rules.exclude) {
    const auto val = t.get(key);
    if (!val || !contains(values, *val)) continue;
    // foot=yes overrides access-like tags, but an area's outline is never a way to
    // walk along, and foot cannot both allow and forbid.
    if (foot_allows && key != "area" && key != "foot") continue;
    v.reason = key + "=" + std::string(*val);
    return v;
  }
  v.walkable = true;
  v.cls = class_of(hw);
  if (v.cls == RoadClass::steps) v.flags |= kStairs;
  if (hw == "elevator") v.flags |= kElevator;
  if (auto b = t.get("bridge"); b && *b != "no") v.flags |= kBridge;
  if (auto tu = t.get("tunnel"); tu && *tu != "no") v.flags |= kTunnel;

  std::optional<double> w;
  for (const char* k : {"width", "est_width", "yh:WIDTH"})
    if (auto s = t.get(k))
      if ((w = parse_width(*s))) break;
  if (!w && lanes_rule_applies(v.cls))
    if (auto l = t.get("lanes"))
      if (auto n = parse_lanes(*l)) w = 3.5 * *n + 2.5;
  if (!w) {
    const auto fw = t.get("footway");
    if (v.cls == RoadClass::footway && fw && *fw == "crossing") w = 4.0;  // standard crosswalk width
    else w = default_width(hw);
  }
  // On a road with a carriageway the width read so far is the carriageway's; its
  // sidewalks come on top. Elsewhere (footways, paths, steps) it is all for walkers.
  if (has_carriageway(v.cls)) {
    v.carriageway_m = static_cast<float>(*w);
    *w += sidewalk_width(t, v.cls);
  }
  v.width_m = static_cast<float>(*w);
  return v;
}

}  // namespace kitaku::geo::netimport
