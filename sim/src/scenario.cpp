#include "kitaku/sim/scenario.hpp"

#include <filesystem>
#include <fstream>
#include <sstream>
#include <toml++/toml.h>

#include "kitaku/sim/error.hpp"

namespace kitaku {
namespace {

std::string line_of(const toml::node& n) {
  return "line " + std::to_string(n.source().begin.line);
}

// Reads the keys of one table, refusing any it does not know.
class TableReader {
 public:
  TableReader(const std::string& origin, const toml::table& t, std::string section)
      : origin_(origin), t_(t), section_(std::move(section)) {}

  template <class T>
  bool get(std::string_view key, T& out) {
    const toml::node* n = t_.get(key);
    if (!n) return false;
    seen_.emplace_back(key);
    if constexpr (std::is_same_v<T, std::string>) {
      if (!n->is_string()) fail(*n, key, "must be a string");
      out = **n->as_string();
    } else if constexpr (std::is_floating_point_v<T>) {
      if (!n->is_number()) fail(*n, key, "must be a number");
      out = static_cast<T>(n->is_integer() ? static_cast<double>(**n->as_integer()) : **n->as_floating_point());
    } else {
      if (!n->is_integer()) fail(*n, key, "must be an integer");
      const auto v = **n->as_integer();
      if constexpr (std::is_unsigned_v<T>) if (v < 0) fail(*n, key, "must not be negative");
      out = static_cast<T>(v);
    }
    return true;
  }

  template <class T>
  void check_range(std::string_view key, T v, T lo, T hi) {
    if (v < lo || v > hi) {
      std::ostringstream s;
      s << "must be in [" << lo << ", " << hi << "], got " << v;
      fail(*t_.get(key), key, s.str());
    }
  }

  /// Every key not read is unknown.
  void finish() const {
    for (const auto& [k, v] : t_) {
      bool known = false;
      for (const auto& s : seen_) known |= (s == k.str());
      if (!known) fail(v, k.str(), "unknown key");
    }
  }

  [[noreturn]] void fail(const toml::node& n, std::string_view key, const std::string& why) const {
    throw InputError(origin_, line_of(n), (section_.empty() ? "" : "[" + section_ + "] ") +
                                              std::string(key) + ": " + why);
  }

 private:
  const std::string& origin_;
  const toml::table& t_;
  std::string section_;
  std::vector<std::string> seen_;
};

std::string resolve(const std::string& base, const std::string& p) {
  if (p.empty() || std::filesystem::path(p).is_absolute()) return p;
  return (std::filesystem::path(base) / p).lexically_normal().string();
}

}  // namespace

Scenario parse_scenario(std::string_view text, const std::string& origin, const std::string& base_dir) {
  toml::table root;
  try {
    root = toml::parse(text, origin);
  } catch (const toml::parse_error& e) {
    throw InputError(origin, "line " + std::to_string(e.source().begin.line), std::string(e.description()));
  }
  Scenario s;
  s.origin = origin;
  TableReader top(origin, root, "");
  const toml::table* scen = root["scenario"].as_table();
  const toml::table* city = root["city"].as_table();
  for (const char* key : {"scenario", "city"})
    if (root.get(key) && !root.get(key)->is_table()) top.fail(*root.get(key), key, "must be a table");
  if (scen) {
    TableReader r(origin, *scen, "scenario");
    r.get("name", s.name);
    r.get("description", s.description);
    r.get("seed", s.seed);
    r.finish();
  }
  if (!city) throw InputError(origin, "", "missing [city] table (synthetic_radius_km or network)");
  TableReader c(origin, *city, "city");
  if (c.get("synthetic_radius_km", s.city.synthetic_radius_km))
    c.check_range("synthetic_radius_km", s.city.synthetic_radius_km, 0.5, 100.0);
  c.get("synthetic_seed", s.city.synthetic_seed);
  c.get("network", s.city.network);
  c.get("network_layer", s.city.network_layer);
  if (c.get("crs_epsg", s.city.crs_epsg)) c.check_range("crs_epsg", s.city.crs_epsg, 0, 999999);
  c.get("facilities", s.city.facilities);
  c.get("stations", s.city.stations);
  c.get("zones", s.city.zones);
  c.finish();
  if (s.city.synthetic() == !s.city.network.empty())
    throw InputError(origin, line_of(*city), "[city] needs exactly one of synthetic_radius_km and network");
  if (!s.city.synthetic()) {
    s.city.network = resolve(base_dir, s.city.network);
    s.city.facilities = resolve(base_dir, s.city.facilities);
    s.city.stations = resolve(base_dir, s.city.stations);
    s.city.zones = resolve(base_dir, s.city.zones);
  }
  for (const auto& [k, v] : root)
    if (k.str() != "scenario" && k.str() != "city") top.fail(v, k.str(), "unknown key");
  return s;
}

Scenario load_scenario(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw InputError(path, "", "cannot open scenario file");
  std::ostringstream ss;
  ss << in.rdbuf();
  return parse_scenario(ss.str(), path, std::filesystem::path(path).parent_path().string());
}

}  // namespace kitaku
