// The resolved scenario as TOML (to_toml): what `kitaku run` writes as
// scenario.toml, and what checkpoints fingerprint. Reading is in scenario.cpp.
#include <charconv>
#include <cmath>
#include <cstdio>
#include <limits>
#include <sstream>

#include "kitaku/sim/scenario.hpp"
#include "scenario_text.hpp"

namespace kitaku {

namespace scenario_text {

// Shortest text that reads back as the same double (TOML accepts it as a float or integer).
std::string num(double v) {
  char buf[64];
  const auto r = std::to_chars(buf, buf + sizeof buf, v);
  return std::string(buf, r.ptr);
}

// "HH:MM", or "HH:MM:SS" when the seconds are not zero.
std::string clock_text(long long s) {
  s = ((s % 86400) + 86400) % 86400;
  char buf[16];
  if (s % 60 == 0)
    std::snprintf(buf, sizeof buf, "%02lld:%02lld", s / 3600, s / 60 % 60);
  else
    std::snprintf(buf, sizeof buf, "%02lld:%02lld:%02lld", s / 3600, s / 60 % 60, s % 60);
  return buf;
}

// A TOML basic string.
std::string toml_string(std::string_view s) {
  std::string out = "\"";
  for (const char ch : s) {
    const auto c = static_cast<unsigned char>(ch);
    switch (ch) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\n': out += "\\n"; break;
      case '\t': out += "\\t"; break;
      case '\r': out += "\\r"; break;
      default:
        if (c < 0x20 || c == 0x7f) {
          char buf[8];
          std::snprintf(buf, sizeof buf, "\\u%04x", c);
          out += buf;
        } else {
          out += ch;
        }
    }
  }
  return out + "\"";
}

}  // namespace scenario_text

using scenario_text::clock_text;
using scenario_text::num;
using scenario_text::toml_string;

std::string to_toml(const Scenario& s) {
  std::ostringstream o;
  const auto kv = [&o](const char* key, const std::string& value) { o << key << " = " << value << "\n"; };
  const auto d = [&kv](const char* key, double v) { kv(key, num(v)); };
  const auto i = [&kv](const char* key, long long v) { kv(key, std::to_string(v)); };
  const auto str = [&kv](const char* key, const std::string& v) { kv(key, toml_string(v)); };
  const auto path = [&str](const char* key, const std::string& v) { if (!v.empty()) str(key, v); };

  o << "# The scenario as run, every field written out (docs/scenario-format.md).\n"
    << "# `kitaku run` on this file reproduces the run.\n\n[scenario]\n";
  str("name", s.name);
  if (!s.name_ja.empty()) str("name_ja", s.name_ja);
  str("description", s.description);
  kv("seed", std::to_string(s.seed));

  const CitySource& c = s.city;
  o << "\n[city]\n";
  if (c.synthetic()) d("synthetic_radius_km", c.synthetic_radius_km);
  kv("synthetic_seed", std::to_string(c.synthetic_seed));
  d("synthetic_capacity_share", c.synthetic_capacity_share);
  if (c.synthetic() && c.synthetic_kind != "circle") {  // the metropolis: its mesh files
    str("synthetic_kind", c.synthetic_kind);
    path("zones", c.zones);
    path("population_csv", c.population_csv);
  }
  if (!c.synthetic()) {  // a synthetic city's layer paths are the program's business, never the file's
    path("network", c.network);
    path("network_layer", c.network_layer);
    path("facilities", c.facilities);
    path("stations", c.stations);
    path("zones", c.zones);
    path("population_csv", c.population_csv);
    path("shelters", c.shelters);
    if (!c.shelters.empty()) i("shelter_capacity", c.shelter_capacity);
    path("evacuation_sites", c.evacuation_sites);
  }
  i("crs_epsg", c.crs_epsg);
  d("clip_margin_m", c.clip_margin_m);
  d("facility_snap_max_m", c.facility_snap_max_m);

  for (const CapacityOverride& co : c.capacity_overrides) {
    o << "\n[[facility_capacity]]\n";
    str("name", co.name);
    i("capacity", co.capacity);
    if (!co.basis.empty()) str("basis", co.basis);
  }

  o << "\n[quake]\n";
  str("day", s.quake.day == DayType::kHoliday ? "holiday" : "weekday");
  str("time", clock_text(s.quake.clock_s));

  const PopulationParams& p = s.population;
  o << "\n[population]\n";
  str("source", p.source);
  path("trips", p.trips);
  path("generation", p.generation);
  if (p.source != "zones") {
    if (p.persons_per_agent > 0) d("persons_per_agent", p.persons_per_agent);
  } else if (p.agents > 0 || p.persons_per_agent <= 0) {
    i("agents", p.agents);
  } else {
    d("persons_per_agent", p.persons_per_agent);
  }
  if (p.source == "zones") d("scale", p.scale);
  d("share_work", p.share_work);
  d("share_school", p.share_school);
  d("share_shopping", p.share_shopping);
  d("share_visitor", p.share_visitor);
  d("share_transit", p.share_transit);
  d("elderly_share", p.elderly_share);
  d("vulnerable_share", p.vulnerable_share);
  d("home_direction_sd_deg", p.home_direction_sd_deg);
  o << "\n[population.holiday]\n";
  d("work", p.holiday_share_work);
  d("school", p.holiday_share_school);
  d("shopping", p.holiday_share_shopping);
  d("visitor", p.holiday_share_visitor);
  d("transit", p.holiday_share_transit);

  const MovementParams& m = s.movement;
  o << "\n[movement]\n";
  d("v0_mean", m.v0_mean);
  d("v0_sd", m.v0_sd);
  d("v_elderly", m.v_elderly);
  d("v_elderly_sd", m.v_elderly_sd);
  d("v_child", m.v_child);
  d("v_child_sd", m.v_child_sd);
  d("v_vulnerable", m.v_vulnerable);
  d("gamma", m.gamma);
  d("rho_max", m.rho_max);
  d("v_floor", m.v_floor);
  d("rho_jam", m.rho_jam);
  d("night_factor", m.night_factor);
  d("stairs_factor", m.stairs_factor);
  d("stuck_s", m.stuck_s);
  d("rho_limit", m.rho_limit);
  d("carriageway_share", m.carriageway_share);
  d("back_street_carriageway_share", m.back_street_carriageway_share);
  d("min_walkable_m", m.min_walkable_m);
  str("night_start", clock_text(m.night_start_clock_s));
  str("night_end", clock_text(m.night_end_clock_s));

  const BehaviourParams& b = s.behaviour;
  o << "\n[policy]\n";
  d("retention_share", b.retention_share);
  d("retention_hours", b.retention_hours);
  d("school_retention", b.school_retention);
  d("stay_if_stranded", b.stay_if_stranded);
  d("long_walk_share", b.long_walk_share);
  d("release_spread_min", b.release_spread_min);
  d("guidance_compliance", b.guidance_compliance);
  for (const ReleaseWave& w : b.release_waves) {
    o << "\n[[policy.release_wave]]\n";
    d("after_h", w.after_h);
    d("share", w.share);
  }

  o << "\n[behaviour]\n";
  d("departure_mean_min", b.departure_mean_min);
  d("tired_km", b.tired_km);
  d("tired_stop_probability", b.tired_stop_probability);
  d("night_stop_probability", b.night_stop_probability);
  str("resume_at", clock_text(std::llround(b.resume_clock_h * 3600)));
  d("facility_search_m", b.facility_search_m);
  d("retry_min", b.retry_min);

  o << "\n[facilities]\n";
  d("opening_delay_min", s.facilities.opening_delay_min_min);
  d("opening_delay_max", s.facilities.opening_delay_max_min);
  d("priority_reserve", s.facilities.priority_reserve);

  o << "\n[run]\n";
  d("duration_h", s.run.duration_h);
  i("step_s", s.run.step_s);
  i("output_interval_s", s.run.output_interval_s);
  d("station_front_m", s.run.station_front_m);

  o << "\n[routing]\n";
  d("home_cell_m", s.routing.home_cell_m);
  d("minor_road_factor", s.routing.minor_road_factor);
  i("route_variants", s.routing.route_variants);
  d("route_noise", s.routing.route_noise);

  const auto flag = [&kv](const char* key, bool v) { kv(key, v ? "true" : "false"); };
  const HazardParams& h = s.hazards;
  const SeismicParams& sm = h.seismic;
  o << "\n[seismic]\n";
  flag("enabled", sm.enabled);
  d("epicentre_x", sm.epicentre_x);
  d("epicentre_y", sm.epicentre_y);
  d("depth_km", sm.depth_km);
  d("magnitude", sm.magnitude);
  str("fault_type", sm.fault_type);
  d("site_amplification", sm.site_amplification);
  path("intensity_raster", sm.intensity_raster);
  d("intensity_offset", sm.intensity_offset);
  d("fault_length_km", sm.fault_length_km);
  d("fault_width_km", sm.fault_width_km);
  d("fault_strike_deg", sm.fault_strike_deg);
  d("fault_dip_deg", sm.fault_dip_deg);

  const BlockageParams& bl = h.blockage;
  o << "\n[blockage]\n";
  flag("enabled", bl.enabled);
  d("max_width_m", bl.max_width_m);
  d("rate_scale", bl.rate_scale);
  d("min_intensity", bl.min_intensity);
  d("collapse_median_pgv_cms", bl.collapse_median_pgv_cms);
  d("half_collapse_median_pgv_cms", bl.half_collapse_median_pgv_cms);
  d("fragility_beta", bl.fragility_beta);

  const FireParams& fi = h.fire;
  o << "\n[fire]\n";
  flag("enabled", fi.enabled);
  d("ignition_rate_per_km2", fi.ignition_rate_per_km2);
  d("wind_speed_ms", fi.wind_speed_ms);
  d("wind_from_deg", fi.wind_from_deg);
  d("cell_m", fi.cell_m);
  d("spread_ms", fi.spread_ms);
  d("burn_h", fi.burn_h);
  flag("reopen_burnt", fi.reopen_burnt);
  d("wind_factor_per_ms", fi.wind_factor_per_ms);
  d("buildings_per_km_road", fi.buildings_per_km_road);
  d("catch_p", fi.catch_p);
  d("ignition_window_min", fi.ignition_window_min);
  d("update_min", fi.update_min);
  for (const Point& p : fi.ignitions) {
    o << "\n[[fire.ignition]]\n";
    d("x", p.x);
    d("y", p.y);
  }

  const FacilityFailureParams& ff = h.facility_failure;
  o << "\n[facility_failure]\n";
  flag("enabled", ff.enabled);
  d("fail_at_i6", ff.fail_at_i6);
  d("fail_at_i7", ff.fail_at_i7);
  d("delay_extra_min_per_intensity", ff.delay_extra_min_per_intensity);

  for (const Aftershock& a : h.aftershocks) {
    o << "\n[[aftershock]]\n";
    d("at_min", a.at_min);
    d("magnitude", a.magnitude);
    d("epicentre_x", a.epicentre_x);
    d("epicentre_y", a.epicentre_y);
    d("depth_km", a.depth_km);
    d("pause_min", a.pause_min);
    flag("blockage", a.blockage);
  }

  for (const RailLine& l : h.rail_lines) {
    o << "\n[[rail_line]]\n";
    str("name", l.name);
    std::string names = "[";
    for (std::size_t k = 0; k < l.stations.size(); ++k) names += (k ? ", " : "") + toml_string(l.stations[k]);
    kv("stations", names + "]");
    d("resume_h", l.resume_h);
    d("station_catchment_m", l.station_catchment_m);
    d("home_catchment_km", l.home_catchment_km);
    d("extends_km", l.extends_km);
    d("capacity_per_h", l.capacity_per_h);
  }

  const OptimiserParams& op = h.optimiser;
  o << "\n[optimiser]\n";
  d("period_min", op.period_min);
  d("unserved_penalty_m", op.unserved_penalty_m);
  d("max_walk_m", op.max_walk_m);
  d("compliance", op.compliance);

  for (const Command& cmd : s.commands) {
    o << "\n[[command]]\n";
    d("at_min", static_cast<double>(cmd.time_s) / 60.0);
    str("type", std::string(command_name(cmd.type)));
    switch (cmd.type) {
      case CommandType::kOpenFacility:
      case CommandType::kCloseFacility:
      case CommandType::kDamageFacility:
        i("facility", static_cast<std::int64_t>(index(cmd.facility)));
        break;
      case CommandType::kCloseArea:
      case CommandType::kReopenArea:
        d("x", cmd.x);
        d("y", cmd.y);
        d("radius_m", cmd.radius_m);
        break;
      case CommandType::kSetCapacity:
        i("facility", static_cast<std::int64_t>(index(cmd.facility)));
        d("value", cmd.value);
        break;
      case CommandType::kCloseEdge:
      case CommandType::kReopenEdge:
        i("edge", static_cast<std::int64_t>(index(cmd.edge)));
        break;
      case CommandType::kGuidance:
      case CommandType::kReleaseRetained:
      case CommandType::kPauseWalkers:
        if (cmd.type == CommandType::kGuidance) i("facility", static_cast<std::int64_t>(index(cmd.facility)));
        d("value", cmd.value);
        if (cmd.type == CommandType::kGuidance || cmd.x != 0 || cmd.y != 0 || cmd.radius_m != 0) {
          d("x", cmd.x);
          d("y", cmd.y);
          d("radius_m", cmd.radius_m);
        }
        break;
      case CommandType::kResumeRail:
        i("value", std::llround(cmd.value));
        break;
    }
  }
  return o.str();
}


}  // namespace kitaku
