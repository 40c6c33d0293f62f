#pragma once
// The quake's hazards, planned before the run from the scenario and the seed
// (docs/model.md, "Hazards"): intensity per edge and facility, road blockage,
// facilities that fail to open or open late, fire spread, and aftershocks. The
// plan is deterministic in (scenario, seed); the simulation applies it: blocked
// edges and failed facilities from t = 0, and the timeline as commands with
// source "hazard" (logged, but dropped by --replay, since the plan is rebuilt).
#include <cstdint>
#include <string_view>
#include <vector>

#include "kitaku/sim/city.hpp"
#include "kitaku/sim/commands.hpp"
#include "kitaku/sim/network.hpp"
#include "kitaku/sim/scenario.hpp"

namespace kitaku {

/// A fire-grid cell that burns: when it ignites and burns out (seconds after the quake).
struct FireCell {
  Point centre;
  double size_m = 100;
  std::int64_t ignite_s = 0;
  std::int64_t burnt_out_s = 0;
};

struct HazardPlan {
  // Per edge (empty when there is no seismic input).
  std::vector<float> edge_intensity;       // JMA instrumental intensity at the edge's midpoint
  std::vector<float> edge_blockage_rate;   // probability the edge is blocked (0 for wide roads)
  std::vector<std::uint8_t> edge_blocked;  // drawn from the seed: impassable from t = 0
  // Per facility (empty when there is no seismic input).
  std::vector<float> facility_intensity;
  std::vector<std::uint8_t> facility_failed;      // does not open at all (damaged from t = 0)
  std::vector<double> facility_extra_delay_s;     // added to the safety-check delay
  // Fire and aftershocks, as commands (source "hazard"), in time order.
  std::vector<FireCell> fire_cells;        // cells that ignite within the run, by ignition time
  std::vector<Command> timeline;           // seq = index; sorted by (time_s, seq)

  bool empty() const noexcept {
    return edge_blocked.empty() && facility_failed.empty() && timeline.empty() && fire_cells.empty();
  }
};

/// Plans every hazard the scenario enables. Throws InputError for inputs that do
/// not fit the network (a fire ignition outside its extent, an unknown fault type,
/// a fire grid of more than 16 million cells). Rail lines are the simulation's business.
HazardPlan plan_hazards(const Network& net, const City& city, const Scenario& scenario, std::uint64_t seed);

// The relations plan_hazards is built from (docs/model.md, "Hazards"), for tests and reports.

/// Si & Midorikawa (1999): median PGV (cm/s) on engineering bedrock (Vs = 600 m/s) for
/// moment magnitude mw, focal depth (km) and shortest distance to the fault (km).
/// fault_type: "crustal", "interplate" or "intraplate"; anything else throws std::invalid_argument.
double bedrock_pgv_cms(double mw, double depth_km, double fault_distance_km, std::string_view fault_type);
/// Midorikawa, Fujimoto & Muramatsu (1999): JMA instrumental intensity from surface PGV (cm/s).
double jma_intensity_from_pgv(double pgv_cms);
/// Its inverse: the surface PGV (cm/s) of a JMA instrumental intensity.
double pgv_from_jma_intensity(double intensity);
/// Shortest distance (km) from a point on the ground to the fault: the hypocentre, or the
/// finite rectangle when fault_length_km > 0.
double fault_distance_km(const SeismicParams& s, Point site);
/// JMA intensity at a site from the point or finite source (site amplification and offset included).
double source_intensity(const SeismicParams& s, Point site);
/// The raster's value at p (nearest cell); NaN outside it or where it has no data.
double sample_intensity(const IntensityGrid& g, Point p);

/// Share of buildings collapsed and half-collapsed (exactly: at least half-collapsed but
/// not collapsed) at a surface PGV, from the lognormal fragility of BlockageParams.
struct DamageRates {
  double collapse = 0;
  double half_collapse = 0;
  /// x (%) of the Tokyo 2022 blockage formulas: collapse rate + half-collapse rate / 2, in percent.
  double x_percent() const noexcept { return 100.0 * (collapse + half_collapse / 2.0); }
};
DamageRates building_damage(double pgv_cms, const BlockageParams& b);
/// Tokyo 2022 link blockage rate (%) for a road of this width at x (%), clamped to [0, 100];
/// 0 for roads at least max_width_m wide.
double blockage_rate_percent(double x_percent, double width_m, double max_width_m = 13);
/// Probability an edge of this width is blocked at this intensity (rate_scale and min_intensity applied).
double blockage_probability(double intensity, double width_m, const BlockageParams& b);

/// Probability a facility fails to open at this intensity: 0 below 5.5, linear to fail_at_i6
/// at 6.0 and on to fail_at_i7 at 7.0, fail_at_i7 above.
double facility_failure_probability(double intensity, const FacilityFailureParams& f);
/// Extra safety-check delay (s): delay_extra_min_per_intensity minutes per intensity step above 5.
double facility_extra_delay_s(double intensity, const FacilityFailureParams& f);

/// Fire spread speed (m/s) in direction (dx, dy): spread_ms x max(0.2, 1 + f U cos a), a the
/// angle between the direction and downwind.
double fire_spread_speed_ms(const FireParams& f, double dx, double dy);
/// Relative ignition rate at an intensity (1 at 7, 0 at 5 and below).
double fire_ignition_factor(double intensity);

}  // namespace kitaku
