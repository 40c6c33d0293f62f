#include "kitaku/sim/scenario.hpp"
#include "kitaku/sim/limits.hpp"

#include <cctype>
#include <charconv>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <limits>
#include <sstream>
#include <type_traits>
#include <toml++/toml.h>

#include "kitaku/sim/error.hpp"
#include "kitaku/sim/toml_error.hpp"
#include "scenario_text.hpp"

namespace kitaku {
namespace {

using scenario_text::num;

constexpr double kInf = std::numeric_limits<double>::infinity();

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
    if constexpr (std::is_same_v<T, bool>) {
      if (!n->is_boolean()) fail(*n, key, "must be true or false");
      out = **n->as_boolean();
    } else if constexpr (std::is_same_v<T, std::string>) {
      if (!n->is_string()) fail(*n, key, "must be a string");
      out = **n->as_string();
    } else if constexpr (std::is_floating_point_v<T>) {
      if (!n->is_number()) fail(*n, key, "must be a number");
      out = static_cast<T>(n->is_integer() ? static_cast<double>(**n->as_integer()) : **n->as_floating_point());
      if (!std::isfinite(out)) fail(*n, key, "must be a finite number");
    } else {
      if (!n->is_integer()) fail(*n, key, "must be an integer");
      const auto v = **n->as_integer();
      if constexpr (std::is_unsigned_v<T>) if (v < 0) fail(*n, key, "must not be negative");
      if constexpr (std::is_signed_v<T> && sizeof(T) < sizeof(v))
        if (v < std::numeric_limits<T>::min() || v > std::numeric_limits<T>::max())
          fail(*n, key, "is out of range, got " + std::to_string(v));
      out = static_cast<T>(v);
    }
    return true;
  }

  /// get(), then the value must lie in [lo, hi] (open at an end when lo_open / hi_open).
  template <class T>
  bool get(std::string_view key, T& out, T lo, T hi, bool lo_open = false, bool hi_open = false) {
    if (!get(key, out)) return false;
    check_range(key, out, lo, hi, lo_open, hi_open);
    return true;
  }

  template <class T>
  void check_range(std::string_view key, T v, T lo, T hi, bool lo_open = false, bool hi_open = false) const {
    const bool below = lo_open ? !(v > lo) : !(v >= lo);
    const bool above = hi_open ? !(v < hi) : !(v <= hi);
    if (!below && !above) return;
    std::ostringstream s;
    if constexpr (std::is_floating_point_v<T>) {
      if (hi == kInf) {
        s << "must be " << (lo_open ? "> " : ">= ") << lo << ", got " << v;
        fail_at(key, s.str());
      }
    }
    s << "must be in " << (lo_open ? "(" : "[") << lo << ", " << hi << (hi_open ? ")" : "]") << ", got " << v;
    fail_at(key, s.str());
  }

  /// A local clock time "HH:MM" (or "HH:MM:SS"), as seconds after midnight.
  bool get_clock(std::string_view key, int& seconds) {
    std::string text;
    if (!get(key, text)) return false;
    const auto digits = [&](std::size_t at) {
      return at + 2 <= text.size() && std::isdigit(static_cast<unsigned char>(text[at])) &&
             std::isdigit(static_cast<unsigned char>(text[at + 1]));
    };
    const auto two = [&](std::size_t at) { return (text[at] - '0') * 10 + (text[at + 1] - '0'); };
    const bool shape = (text.size() == 5 || (text.size() == 8 && text[5] == ':' && digits(6))) &&
                       digits(0) && text[2] == ':' && digits(3);
    if (!shape || two(0) > 23 || two(3) > 59 || (text.size() == 8 && two(6) > 59))
      fail_at(key, "must be a clock time \"HH:MM\" from 00:00 to 23:59, got \"" + text + "\"");
    seconds = two(0) * 3600 + two(3) * 60 + (text.size() == 8 ? two(6) : 0);
    return true;
  }

  /// A sub-table (marked as known), or null when absent.
  const toml::table* table(std::string_view key) {
    const toml::node* n = t_.get(key);
    if (!n) return nullptr;
    seen_.emplace_back(key);
    if (!n->is_table()) fail(*n, key, "must be a table");
    return n->as_table();
  }

  /// An array of tables ([[key]]) (marked as known), or null when absent.
  const toml::array* array_of_tables(std::string_view key) {
    const toml::node* n = t_.get(key);
    if (!n) return nullptr;
    seen_.emplace_back(key);
    if (!n->is_array_of_tables()) fail(*n, key, "must be an array of tables ([[" + std::string(key) + "]])");
    return n->as_array();
  }

  /// An array (marked as known), or null when absent.
  const toml::array* array(std::string_view key) {
    const toml::node* n = t_.get(key);
    if (!n) return nullptr;
    seen_.emplace_back(key);
    if (!n->is_array()) fail(*n, key, "must be an array");
    return n->as_array();
  }

  /// An array of strings (marked as known); false when absent.
  bool get_strings(std::string_view key, std::vector<std::string>& out) {
    const toml::array* a = array(key);
    if (!a) return false;
    out.clear();
    for (const toml::node& e : *a) {
      if (!e.is_string()) fail(e, key, "must be an array of strings");
      out.push_back(**e.as_string());
    }
    return true;
  }

  bool has(std::string_view key) const { return t_.get(key) != nullptr; }

  /// Every key not read is unknown.
  void finish(const std::string& why = "unknown key") const {
    for (const auto& [k, v] : t_) {
      bool known = false;
      for (const auto& s : seen_) known |= (s == k.str());
      if (!known) fail(v, k.str(), why);
    }
  }

  [[noreturn]] void fail(const toml::node& n, std::string_view key, const std::string& why) const {
    throw InputError(origin_, line_of(n), prefix() + std::string(key) + ": " + why);
  }
  /// Fails at the key's line, or at the table's when the key is absent.
  [[noreturn]] void fail_at(std::string_view key, const std::string& why) const {
    const toml::node* n = t_.get(key);
    fail(n ? *n : static_cast<const toml::node&>(t_), key, why);
  }

 private:
  std::string prefix() const { return section_.empty() ? "" : "[" + section_ + "] "; }

  const std::string& origin_;
  const toml::table& t_;
  std::string section_;
  std::vector<std::string> seen_;
};

std::string resolve(const std::string& base, const std::string& p) {
  if (p.empty() || std::filesystem::path(p).is_absolute()) return p;
  // Absolute, so that to_toml's copy beside a run's outputs still names the same files.
  return std::filesystem::absolute(std::filesystem::path(base) / p).lexically_normal().string();
}

void read_city(const std::string& origin, const toml::table& t, const std::string& base_dir, CitySource& c) {
  TableReader r(origin, t, "city");
  r.get("synthetic_radius_km", c.synthetic_radius_km, 0.5, 100.0);
  r.get("synthetic_seed", c.synthetic_seed);
  r.get("synthetic_capacity_share", c.synthetic_capacity_share, 0.0, 1.0, true);
  if (r.get("synthetic_kind", c.synthetic_kind) && c.synthetic_kind != "circle" && c.synthetic_kind != "metropolis")
    r.fail_at("synthetic_kind", "must be \"circle\" or \"metropolis\", got \"" + c.synthetic_kind + "\"");
  r.get("network", c.network);
  r.get("network_layer", c.network_layer);
  r.get("crs_epsg", c.crs_epsg, 0, 999999);
  r.get("facilities", c.facilities);
  r.get("stations", c.stations);
  r.get("zones", c.zones);
  r.get("population_csv", c.population_csv);
  r.get("shelters", c.shelters);
  r.get("shelter_capacity", c.shelter_capacity, 0, static_cast<std::int32_t>(limits::kMaxFacilityCapacity));
  r.get("evacuation_sites", c.evacuation_sites);
  r.get("clip_margin_m", c.clip_margin_m, 0.0, kInf);
  r.get("facility_snap_max_m", c.facility_snap_max_m, 0.0, kInf, true);
  r.finish();
  if (c.synthetic() == !c.network.empty())
    throw InputError(origin, line_of(t), "[city] needs exactly one of synthetic_radius_km and network");
  if (r.has("synthetic_kind") && !c.synthetic())
    r.fail_at("synthetic_kind", "only with synthetic_radius_km (a network file is a real city)");
  if (c.synthetic()) {
    const bool metropolis = c.synthetic_kind == "metropolis";
    for (const char* key : {"network_layer", "facilities", "stations", "zones", "population_csv", "shelters",
                            "evacuation_sites"}) {
      const bool mesh_key = std::string_view(key) == "zones" || std::string_view(key) == "population_csv";
      if (r.has(key) && !(metropolis && mesh_key))
        r.fail_at(key, metropolis ? "only with network (the metropolis takes zones and population_csv only: its 1 km mesh)"
                                  : "only with network (a synthetic city brings its own layers)");
    }
    if (metropolis && (c.zones.empty() || c.population_csv.empty()))
      r.fail_at(c.zones.empty() ? "zones" : "population_csv",
                "synthetic_kind = \"metropolis\" needs zones (the 1 km mesh polygons) and population_csv (the MLIT CSV)");
    c.zones = resolve(base_dir, c.zones);
    c.population_csv = resolve(base_dir, c.population_csv);
    return;
  }
  if (!c.population_csv.empty() && c.zones.empty())
    r.fail_at("population_csv", "needs zones (the 1 km mesh polygons the CSV's mesh ids refer to)");
  c.network = resolve(base_dir, c.network);
  c.facilities = resolve(base_dir, c.facilities);
  c.stations = resolve(base_dir, c.stations);
  c.zones = resolve(base_dir, c.zones);
  c.population_csv = resolve(base_dir, c.population_csv);
  c.shelters = resolve(base_dir, c.shelters);
  c.evacuation_sites = resolve(base_dir, c.evacuation_sites);
}

CapacityOverride read_capacity_override(const std::string& origin, const toml::table& t) {
  TableReader r(origin, t, "facility_capacity");
  CapacityOverride o;
  if (!r.get("name", o.name)) r.fail(t, "name", "missing (the facility's name as its file gives it)");
  if (o.name.empty()) r.fail_at("name", "must not be empty");
  if (!r.get("capacity", o.capacity, 0, static_cast<std::int32_t>(limits::kMaxFacilityCapacity)))
    r.fail(t, "capacity", "missing (persons)");
  r.get("basis", o.basis);
  r.finish();
  return o;
}

void read_quake(const std::string& origin, const toml::table& t, QuakeTime& q) {
  TableReader r(origin, t, "quake");
  std::string day;
  if (r.get("day", day)) {
    if (day == "weekday") q.day = DayType::kWeekday;
    else if (day == "holiday") q.day = DayType::kHoliday;
    else r.fail_at("day", "must be \"weekday\" or \"holiday\", got \"" + day + "\"");
  }
  r.get_clock("time", q.clock_s);
  r.finish();
}

// The five activity shares (given or default) must sum to 1 once any of them is given.
void read_shares(const std::string& origin, const toml::table& t, TableReader& r, const std::string& section,
                 const std::array<const char*, 5>& keys, const std::array<double*, 5>& out) {
  bool any = false;
  for (std::size_t i = 0; i < keys.size(); ++i) any |= r.get(keys[i], *out[i], 0.0, 1.0);
  if (!any) return;
  double sum = 0;
  for (const double* v : out) sum += *v;
  if (std::abs(sum - 1.0) <= 1e-6) return;
  std::ostringstream s;
  s.precision(10);
  s << "[" << section << "] " << keys[0] << " + " << keys[1] << " + " << keys[2] << " + " << keys[3] << " + "
    << keys[4] << ": must sum to 1 (keys not given keep their defaults), got " << sum;
  throw InputError(origin, line_of(t), s.str());
}

void read_population(const std::string& origin, const toml::table& t, const std::string& base_dir,
                     PopulationParams& p) {
  TableReader r(origin, t, "population");
  if (r.get("source", p.source) && p.source != "zones" && p.source != "trips" && p.source != "crowdwalk")
    r.fail_at("source", "must be \"zones\", \"trips\" or \"crowdwalk\", got \"" + p.source + "\"");
  r.get("trips", p.trips);
  r.get("generation", p.generation);
  if (p.source == "trips" && p.trips.empty()) r.fail_at("source", "source = \"trips\" needs trips = \"FILE\"");
  if (p.source == "crowdwalk" && p.generation.empty())
    r.fail_at("source", "source = \"crowdwalk\" needs generation = \"FILE.gen.json\"");
  if (p.source != "trips" && r.has("trips")) r.fail_at("trips", "only with source = \"trips\"");
  if (p.source != "crowdwalk" && r.has("generation")) r.fail_at("generation", "only with source = \"crowdwalk\"");
  if (p.source != "zones" && r.has("agents"))
    r.fail_at("agents", "the trips file says how many agents; give persons_per_agent (default 1) instead");
  if (p.source != "zones") p.agents = 0;
  p.trips = resolve(base_dir, p.trips);
  p.generation = resolve(base_dir, p.generation);
  if (r.has("agents") && r.has("persons_per_agent"))
    r.fail_at("persons_per_agent", "give agents or persons_per_agent, not both");
  r.get("agents", p.agents, std::int64_t{1}, std::int64_t{50'000'000});
  if (r.get("persons_per_agent", p.persons_per_agent, 0.0, kInf, true)) p.agents = 0;
  if (r.get("scale", p.scale, 0.0, 10.0, true) && p.source != "zones")
    r.fail_at("scale", "only with source = \"zones\" (a trips or generation file gives its own people)");
  read_shares(origin, t, r, "population", {"share_work", "share_school", "share_shopping", "share_visitor", "share_transit"},
              {&p.share_work, &p.share_school, &p.share_shopping, &p.share_visitor, &p.share_transit});
  r.get("elderly_share", p.elderly_share, 0.0, 1.0);
  r.get("vulnerable_share", p.vulnerable_share, 0.0, 1.0);
  r.get("home_direction_sd_deg", p.home_direction_sd_deg, 0.0, 360.0);
  if (const toml::table* h = r.table("holiday")) {
    TableReader hr(origin, *h, "population.holiday");
    read_shares(origin, *h, hr, "population.holiday", {"work", "school", "shopping", "visitor", "transit"},
                {&p.holiday_share_work, &p.holiday_share_school, &p.holiday_share_shopping,
                 &p.holiday_share_visitor, &p.holiday_share_transit});
    hr.finish();
  }
  r.finish();
}

void read_movement(const std::string& origin, const toml::table& t, MovementParams& m) {
  TableReader r(origin, t, "movement");
  r.get("v0_mean", m.v0_mean, 0.3, 3.0);
  r.get("v0_sd", m.v0_sd, 0.0, 1.0);
  r.get("v_elderly", m.v_elderly, 0.2, 3.0);
  r.get("v_elderly_sd", m.v_elderly_sd, 0.0, 1.0);
  r.get("v_child", m.v_child, 0.2, 3.0);
  r.get("v_child_sd", m.v_child_sd, 0.0, 1.0);
  r.get("v_vulnerable", m.v_vulnerable, 0.2, 3.0);
  r.get("gamma", m.gamma, 0.1, 10.0);
  r.get("rho_max", m.rho_max, 1.0, 15.0);
  r.get("v_floor", m.v_floor, 0.01, 0.5);
  if (r.get("rho_jam", m.rho_jam, 3.8, 12.0) && m.rho_jam < 6.0) {
    std::ostringstream s;
    s << "must be at least 6 so that the danger density of 6 persons/m2 can occur, got " << m.rho_jam;
    r.fail_at("rho_jam", s.str());
  }
  r.get("night_factor", m.night_factor, 0.3, 1.0);
  r.get("stairs_factor", m.stairs_factor, 0.2, 1.0);
  r.get("stuck_s", m.stuck_s, 0.0, 86400.0);
  r.get("rho_limit", m.rho_limit, 6.0, 12.0);
  if (m.rho_limit < m.rho_jam) {
    std::ostringstream s;
    s << "must be at least rho_jam (" << m.rho_jam << "), got " << m.rho_limit;
    r.fail_at("rho_limit", s.str());
  }
  r.get("carriageway_share", m.carriageway_share, 0.0, 1.0);
  r.get("back_street_carriageway_share", m.back_street_carriageway_share, 0.0, 1.0);
  r.get("min_walkable_m", m.min_walkable_m, 0.1, 10.0);
  r.get_clock("night_start", m.night_start_clock_s);
  r.get_clock("night_end", m.night_end_clock_s);
  r.finish();
}

void read_policy(const std::string& origin, const toml::table& t, BehaviourParams& b) {
  TableReader r(origin, t, "policy");
  r.get("retention_share", b.retention_share, 0.0, 1.0);
  r.get("retention_hours", b.retention_hours, 0.0, 336.0);
  r.get("school_retention", b.school_retention, 0.0, 1.0);
  r.get("stay_if_stranded", b.stay_if_stranded, 0.0, 1.0);
  r.get("long_walk_share", b.long_walk_share, 0.0, 1.0);
  r.get("release_spread_min", b.release_spread_min, 0.0, 1440.0);
  r.get("guidance_compliance", b.guidance_compliance, 0.0, 1.0);
  if (const toml::array* waves = r.array_of_tables("release_wave")) {
    b.release_waves.clear();
    double sum = 0;
    for (const toml::node& n : *waves) {
      const toml::table& w = *n.as_table();
      TableReader wr(origin, w, "policy.release_wave");
      ReleaseWave wave;
      if (!wr.get("after_h", wave.after_h, 0.0, 336.0)) wr.fail(w, "after_h", "missing");
      if (!wr.get("share", wave.share, 0.0, 1.0, true)) wr.fail(w, "share", "missing");
      wr.finish();
      if (!b.release_waves.empty() && !(wave.after_h > b.release_waves.back().after_h)) {
        std::ostringstream s;
        s << "waves must come in increasing after_h, got " << wave.after_h << " after "
          << b.release_waves.back().after_h;
        wr.fail_at("after_h", s.str());
      }
      sum += wave.share;
      if (sum > 1.0 + 1e-9) {
        std::ostringstream s;
        s << "the waves' shares must sum to at most 1, got " << sum;
        wr.fail_at("share", s.str());
      }
      b.release_waves.push_back(wave);
    }
  }
  r.finish();
}

void read_behaviour(const std::string& origin, const toml::table& t, BehaviourParams& b) {
  TableReader r(origin, t, "behaviour");
  r.get("departure_mean_min", b.departure_mean_min, 0.1, 600.0);
  r.get("tired_km", b.tired_km, 0.5, 100.0);
  r.get("tired_stop_probability", b.tired_stop_probability, 0.0, 1.0);
  r.get("night_stop_probability", b.night_stop_probability, 0.0, 1.0);
  int resume_s = 0;
  if (r.get_clock("resume_at", resume_s)) b.resume_clock_h = resume_s / 3600.0;
  r.get("facility_search_m", b.facility_search_m, 100.0, 50000.0);
  r.get("retry_min", b.retry_min, 1.0, 1440.0);
  r.finish();
}

void read_facilities(const std::string& origin, const toml::table& t, FacilityParams& f) {
  TableReader r(origin, t, "facilities");
  r.get("opening_delay_min", f.opening_delay_min_min, 0.0, 10080.0);
  r.get("opening_delay_max", f.opening_delay_max_min, 0.0, 10080.0);
  if (f.opening_delay_min_min > f.opening_delay_max_min) {
    if (r.has("opening_delay_max"))
      r.fail_at("opening_delay_max", "must not be less than opening_delay_min (" + num(f.opening_delay_min_min) +
                                         "), got " + num(f.opening_delay_max_min));
    r.fail_at("opening_delay_min", "must not exceed opening_delay_max (" + num(f.opening_delay_max_min) +
                                       "), got " + num(f.opening_delay_min_min));
  }
  r.get("priority_reserve", f.priority_reserve, 0.0, 0.5);
  r.finish();
}

void read_run(const std::string& origin, const toml::table& t, RunParams& p) {
  TableReader r(origin, t, "run");
  r.get("duration_h", p.duration_h, 0.0, 336.0, true);
  r.get("step_s", p.step_s, 1, 60);
  r.get("output_interval_s", p.output_interval_s, 1, 86400);
  r.get("station_front_m", p.station_front_m, 10.0, 5000.0);
  const char* key = r.has("output_interval_s") ? "output_interval_s" : "step_s";
  if (p.output_interval_s < p.step_s || p.output_interval_s % p.step_s != 0)
    r.fail_at(key, "output_interval_s must be a multiple of step_s (" + std::to_string(p.step_s) + "), got " +
                       std::to_string(p.output_interval_s));
  r.finish();
}

void read_routing(const std::string& origin, const toml::table& t, RoutingParams& p) {
  TableReader r(origin, t, "routing");
  r.get("home_cell_m", p.home_cell_m, 250.0, 20000.0);
  r.get("minor_road_factor", p.minor_road_factor, 1.0, 3.0);
  r.get("route_variants", p.route_variants, 1, 8);
  r.get("route_noise", p.route_noise, 0.0, 0.5);
  r.finish();
}

// Both keys of a pair, or neither; `what` says what the pair is for.
void both_or_neither(TableReader& r, const toml::table& t, const char* a, const char* b, const std::string& what) {
  if (r.has(a) != r.has(b)) r.fail(t, r.has(a) ? b : a, "missing (" + what + ")");
}

bool known_fault_type(const std::string& s) { return s == "crustal" || s == "interplate" || s == "intraplate"; }

void read_seismic(const std::string& origin, const toml::table& t, const std::string& base_dir, SeismicParams& s) {
  TableReader r(origin, t, "seismic");
  s.enabled = true;  // the table's presence turns it on
  r.get("enabled", s.enabled);
  r.get("epicentre_x", s.epicentre_x, -kInf, kInf);
  r.get("epicentre_y", s.epicentre_y, -kInf, kInf);
  r.get("depth_km", s.depth_km, 0.0, 200.0);
  r.get("magnitude", s.magnitude, 4.0, 9.0);
  if (r.get("fault_type", s.fault_type) && !known_fault_type(s.fault_type))
    r.fail_at("fault_type", "must be \"crustal\", \"interplate\" or \"intraplate\", got \"" + s.fault_type + "\"");
  r.get("site_amplification", s.site_amplification, 0.5, 5.0);
  if (r.get("intensity_raster", s.intensity_raster)) s.intensity_raster = resolve(base_dir, s.intensity_raster);
  r.get("intensity_offset", s.intensity_offset, -3.0, 3.0);
  r.get("fault_length_km", s.fault_length_km, 0.0, 1000.0);
  r.get("fault_width_km", s.fault_width_km, 0.0, 500.0);
  r.get("fault_strike_deg", s.fault_strike_deg, 0.0, 360.0);
  r.get("fault_dip_deg", s.fault_dip_deg, 0.0, 90.0, true);
  r.finish();
  if (s.fault_width_km > 0 && !(s.fault_length_km > 0))
    r.fail_at("fault_length_km", "must be > 0 when fault_width_km is given (a fault is length x width)");
  if (s.enabled && s.intensity_raster.empty())
    for (const char* key : {"epicentre_x", "epicentre_y"})
      if (!r.has(key))
        r.fail(t, key, "missing (a point source needs epicentre_x and epicentre_y in the network's CRS; or give intensity_raster)");
}

void read_blockage(const std::string& origin, const toml::table& t, BlockageParams& b) {
  TableReader r(origin, t, "blockage");
  r.get("enabled", b.enabled);
  r.get("max_width_m", b.max_width_m, 0.0, 100.0, true);
  r.get("rate_scale", b.rate_scale, 0.0, 10.0);
  r.get("min_intensity", b.min_intensity, 0.0, 7.5);
  r.get("collapse_median_pgv_cms", b.collapse_median_pgv_cms, 1.0, 2000.0);
  r.get("half_collapse_median_pgv_cms", b.half_collapse_median_pgv_cms, 1.0, 2000.0);
  r.get("fragility_beta", b.fragility_beta, 0.05, 3.0);
  r.finish();
  if (b.half_collapse_median_pgv_cms > b.collapse_median_pgv_cms) {
    if (r.has("half_collapse_median_pgv_cms"))
      r.fail_at("half_collapse_median_pgv_cms", "must not exceed collapse_median_pgv_cms (" +
                                                    num(b.collapse_median_pgv_cms) + "), got " +
                                                    num(b.half_collapse_median_pgv_cms));
    r.fail_at("collapse_median_pgv_cms", "must not be less than half_collapse_median_pgv_cms (" +
                                             num(b.half_collapse_median_pgv_cms) + "), got " +
                                             num(b.collapse_median_pgv_cms));
  }
}

void read_fire(const std::string& origin, const toml::table& t, FireParams& f) {
  TableReader r(origin, t, "fire");
  f.enabled = true;  // the table's presence turns it on
  r.get("enabled", f.enabled);
  if (r.has("ignitions") && r.has("ignition"))
    r.fail_at("ignition", "give either ignitions = [[x, y], ...] or [[fire.ignition]] tables, not both");
  if (const toml::array* a = r.array("ignitions")) {
    f.ignitions.clear();
    for (const toml::node& e : *a) {
      const toml::array* xy = e.as_array();
      if (!xy || xy->size() != 2 || !(*xy)[0].is_number() || !(*xy)[1].is_number())
        r.fail(e, "ignitions", "each ignition must be [x, y]: two numbers in the network's CRS");
      const auto value = [](const toml::node& v) {
        return v.is_integer() ? static_cast<double>(**v.as_integer()) : **v.as_floating_point();
      };
      const Point p{value((*xy)[0]), value((*xy)[1])};
      if (!std::isfinite(p.x) || !std::isfinite(p.y)) r.fail(e, "ignitions", "must be finite numbers");
      f.ignitions.push_back(p);
    }
  }
  if (const toml::array* tables = r.array_of_tables("ignition")) {
    f.ignitions.clear();
    for (const toml::node& n : *tables) {
      const toml::table& it = *n.as_table();
      TableReader ir(origin, it, "fire.ignition");
      Point p;
      if (!ir.get("x", p.x, -kInf, kInf)) ir.fail(it, "x", "missing");
      if (!ir.get("y", p.y, -kInf, kInf)) ir.fail(it, "y", "missing");
      ir.finish();
      f.ignitions.push_back(p);
    }
  }
  r.get("ignition_rate_per_km2", f.ignition_rate_per_km2, 0.0, 1000.0);
  r.get("wind_speed_ms", f.wind_speed_ms, 0.0, 50.0);
  r.get("wind_from_deg", f.wind_from_deg, 0.0, 360.0);
  r.get("cell_m", f.cell_m, 10.0, 5000.0);
  r.get("spread_ms", f.spread_ms, 0.0, 10.0, true);
  r.get("burn_h", f.burn_h, 0.0, 336.0, true);
  r.get("reopen_burnt", f.reopen_burnt);
  r.get("wind_factor_per_ms", f.wind_factor_per_ms, 0.0, 2.0);
  r.get("buildings_per_km_road", f.buildings_per_km_road, 0.0, 10000.0);
  r.get("catch_p", f.catch_p, 0.0, 1.0);
  r.get("ignition_window_min", f.ignition_window_min, 0.0, 1440.0);
  r.get("update_min", f.update_min, 0.0, 1440.0);
  r.finish();
}

void read_facility_failure(const std::string& origin, const toml::table& t, FacilityFailureParams& f) {
  TableReader r(origin, t, "facility_failure");
  r.get("enabled", f.enabled);
  r.get("fail_at_i6", f.fail_at_i6, 0.0, 1.0);
  r.get("fail_at_i7", f.fail_at_i7, 0.0, 1.0);
  r.get("delay_extra_min_per_intensity", f.delay_extra_min_per_intensity, 0.0, 1440.0);
  r.finish();
  if (f.fail_at_i7 < f.fail_at_i6) {
    if (r.has("fail_at_i7"))
      r.fail_at("fail_at_i7", "must not be less than fail_at_i6 (" + num(f.fail_at_i6) + "), got " + num(f.fail_at_i7));
    r.fail_at("fail_at_i6", "must not exceed fail_at_i7 (" + num(f.fail_at_i7) + "), got " + num(f.fail_at_i6));
  }
}

Aftershock read_aftershock(const std::string& origin, const toml::table& t) {
  TableReader r(origin, t, "aftershock");
  Aftershock a;
  if (!r.get("at_min", a.at_min, 0.0, 336.0 * 60)) r.fail(t, "at_min", "missing");
  r.get("magnitude", a.magnitude, 4.0, 9.0);
  both_or_neither(r, t, "epicentre_x", "epicentre_y", "give both epicentre_x and epicentre_y, or neither for the main epicentre");
  r.get("epicentre_x", a.epicentre_x, -kInf, kInf);
  r.get("epicentre_y", a.epicentre_y, -kInf, kInf);
  r.get("depth_km", a.depth_km, 0.0, 200.0);
  r.get("pause_min", a.pause_min, 0.0, 1440.0);
  r.get("blockage", a.blockage);
  r.finish();
  return a;
}

RailLine read_rail_line(const std::string& origin, const toml::table& t) {
  TableReader r(origin, t, "rail_line");
  RailLine l;
  if (!r.get("name", l.name)) r.fail(t, "name", "missing");
  if (l.name.empty()) r.fail_at("name", "must not be empty");
  if (!r.get_strings("stations", l.stations)) r.fail(t, "stations", "missing");
  if (l.stations.empty()) r.fail_at("stations", "must name at least one station");
  for (const auto& st : l.stations)
    if (st.empty()) r.fail_at("stations", "station names must not be empty");
  if (r.get("resume_h", l.resume_h) && l.resume_h > 336)
    r.fail_at("resume_h", "must be at most 336 (or negative: does not resume), got " + num(l.resume_h));
  r.get("station_catchment_m", l.station_catchment_m, 0.0, 20000.0, true);
  r.get("home_catchment_km", l.home_catchment_km, 0.0, 200.0, true);
  r.get("extends_km", l.extends_km, 0.0, 1000.0);
  r.get("capacity_per_h", l.capacity_per_h, 0.0, 1e7);
  r.finish();
  return l;
}

void read_optimiser(const std::string& origin, const toml::table& t, OptimiserParams& o) {
  TableReader r(origin, t, "optimiser");
  r.get("period_min", o.period_min, 0.0, 10080.0);
  r.get("unserved_penalty_m", o.unserved_penalty_m, 0.0, 1e8);
  r.get("max_walk_m", o.max_walk_m, 0.0, 100000.0, true);
  r.get("compliance", o.compliance, 0.0, 1.0);
  r.finish();
}

Command read_command(const std::string& origin, const toml::table& t, std::size_t index, std::size_t rail_lines) {
  TableReader r(origin, t, "command");
  Command c;
  c.seq = index;
  c.source = "scenario";
  double at_min = 0;
  if (!r.get("at_min", at_min, 0.0, 336.0 * 60)) r.fail(t, "at_min", "missing");
  c.time_s = std::llround(at_min * 60);
  std::string type;
  if (!r.get("type", type)) r.fail(t, "type", "missing");
  if (!parse_command_type(type, c.type))
    r.fail_at("type", "unknown command type \"" + type +
                          "\" (open_facility, close_facility, set_capacity, close_edge, reopen_edge, guidance, "
                          "release_retained, damage_facility, close_area, reopen_area, pause_walkers, resume_rail)");
  const auto need = [&](std::string_view key, auto& out, auto lo, auto hi) {
    if (!r.get(key, out, lo, hi)) r.fail(t, key, "missing (" + type + " needs it)");
  };
  // A facility or edge number: from 0 to one below the id type's "none".
  const auto need_id = [&](std::string_view key, auto& out) {
    using Id = std::remove_reference_t<decltype(out)>;
    std::int64_t n = 0;
    need(key, n, std::int64_t{0}, static_cast<std::int64_t>(kitaku::index(invalid_id<Id>())) - 1);
    out = make_id<Id>(static_cast<std::uint64_t>(n));
  };
  switch (c.type) {
    case CommandType::kOpenFacility:
    case CommandType::kCloseFacility:
    case CommandType::kDamageFacility:
      need_id("facility", c.facility);
      break;
    case CommandType::kCloseArea:
    case CommandType::kReopenArea:
      need("x", c.x, -kInf, kInf);
      need("y", c.y, -kInf, kInf);
      need("radius_m", c.radius_m, 0.0, kInf);
      break;
    case CommandType::kSetCapacity:
      need_id("facility", c.facility);
      need("value", c.value, 0.0, kInf);
      break;
    case CommandType::kCloseEdge:
    case CommandType::kReopenEdge:
      need_id("edge", c.edge);
      break;
    case CommandType::kGuidance:
      need_id("facility", c.facility);
      c.value = -1;  // absent: [policy] guidance_compliance, filled in below
      r.get("value", c.value, 0.0, 1.0);
      need("x", c.x, -kInf, kInf);
      need("y", c.y, -kInf, kInf);
      need("radius_m", c.radius_m, 0.0, kInf);
      break;
    case CommandType::kReleaseRetained:
    case CommandType::kPauseWalkers: {
      if (c.type == CommandType::kReleaseRetained) {
        c.value = 1.0;
        r.get("value", c.value, 0.0, 1.0);
      } else {
        need("value", c.value, 0.0, 86400.0);  // seconds
      }
      const int area = int(r.has("x")) + int(r.has("y")) + int(r.has("radius_m"));
      if (area > 0) {
        need("x", c.x, -kInf, kInf);
        need("y", c.y, -kInf, kInf);
        need("radius_m", c.radius_m, 0.0, kInf);
      }
      break;
    }
    case CommandType::kResumeRail: {
      std::int64_t line = 0;
      need("value", line, std::int64_t{0}, std::int64_t{1'000'000});
      if (static_cast<std::size_t>(line) >= rail_lines)
        r.fail_at("value", "resume_rail names rail line " + std::to_string(line) + ", but the scenario has " +
                               std::to_string(rail_lines) + " [[rail_line]] table(s) (indices from 0)");
      c.value = static_cast<double>(line);
      break;
    }
  }
  r.finish("unknown key for type " + type);
  return c;
}

}  // namespace

Scenario parse_scenario(std::string_view text, const std::string& origin, const std::string& base_dir) {
  toml::table root;
  try {
    root = toml::parse(text, origin);
  } catch (const toml::parse_error& e) {
    const long line = static_cast<long>(e.source().begin.line);
    throw InputError(origin, "line " + std::to_string(line), toml_error_text(e.description(), text, line));
  }
  Scenario s;
  s.origin = origin;
  TableReader top(origin, root, "");
  if (const toml::table* t = top.table("scenario")) {
    TableReader r(origin, *t, "scenario");
    r.get("name", s.name);
    r.get("name_ja", s.name_ja);
    r.get("description", s.description);
    r.get("seed", s.seed);
    r.finish();
  }
  const toml::table* city = top.table("city");
  if (!city) throw InputError(origin, "", "missing [city] table (synthetic_radius_km or network)");
  read_city(origin, *city, base_dir, s.city);
  if (const toml::array* a = top.array_of_tables("facility_capacity")) {
    if (s.city.synthetic())
      throw InputError(origin, line_of(*a), "[[facility_capacity]]: only with [city] network (a synthetic city's capacities are generated)");
    for (const toml::node& n : *a) s.city.capacity_overrides.push_back(read_capacity_override(origin, *n.as_table()));
  }
  if (const toml::table* t = top.table("quake")) read_quake(origin, *t, s.quake);
  if (const toml::table* t = top.table("population")) read_population(origin, *t, base_dir, s.population);
  if (const toml::table* t = top.table("movement")) read_movement(origin, *t, s.movement);
  if (const toml::table* t = top.table("policy")) read_policy(origin, *t, s.behaviour);
  if (const toml::table* t = top.table("behaviour")) read_behaviour(origin, *t, s.behaviour);
  if (const toml::table* t = top.table("facilities")) read_facilities(origin, *t, s.facilities);
  if (const toml::table* t = top.table("run")) read_run(origin, *t, s.run);
  if (const toml::table* t = top.table("routing")) read_routing(origin, *t, s.routing);
  // Explicit demand ends at a place, not somewhere in a home area: unless the file
  // says otherwise, walkers are routed to the smallest home cells (docs/scenario-format.md, "Trips").
  if (s.population.source != "zones") {
    const toml::table* t = top.table("routing");
    if (!t || !t->contains("home_cell_m")) s.routing.home_cell_m = kTripHomeCellM;
  }
  HazardParams& h = s.hazards;
  if (const toml::table* t = top.table("seismic")) read_seismic(origin, *t, base_dir, h.seismic);
  if (const toml::table* t = top.table("blockage")) read_blockage(origin, *t, h.blockage);
  if (const toml::table* t = top.table("fire")) read_fire(origin, *t, h.fire);
  if (const toml::table* t = top.table("facility_failure")) read_facility_failure(origin, *t, h.facility_failure);
  if (const toml::array* a = top.array_of_tables("aftershock"))
    for (const toml::node& n : *a) h.aftershocks.push_back(read_aftershock(origin, *n.as_table()));
  if (const toml::array* a = top.array_of_tables("rail_line"))
    for (const toml::node& n : *a) h.rail_lines.push_back(read_rail_line(origin, *n.as_table()));
  if (const toml::table* t = top.table("optimiser")) read_optimiser(origin, *t, h.optimiser);
  if (const toml::array* cmds = top.array_of_tables("command"))
    for (std::size_t i = 0; i < cmds->size(); ++i)
      s.commands.push_back(read_command(origin, *cmds->get(i)->as_table(), i, h.rail_lines.size()));
  for (auto& c : s.commands)
    if (c.type == CommandType::kGuidance && c.value < 0) c.value = s.behaviour.guidance_compliance;
  top.finish();
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
