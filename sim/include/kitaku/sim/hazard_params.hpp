#pragma once
// Scenario inputs for the quake's hazards (issue #5; docs/model.md, "Hazards"):
// seismic intensity, road blockage, fire, facility failure, aftershocks, rail
// recovery and the allocation optimiser. Plain data, part of Scenario; parsed from
// the [seismic], [blockage], [fire], [facility_failure], [[aftershock]],
// [[rail_line]] and [optimiser] tables (docs/scenario-format.md).
#include <cstdint>
#include <string>
#include <vector>

#include "kitaku/sim/geometry.hpp"

namespace kitaku {

/// Ground shaking. Off unless [seismic] is given. Either a point source through a
/// published attenuation relation, or a raster of JMA instrumental intensity.
struct SeismicParams {
  bool enabled = false;
  // Point source (network CRS), hypocentral depth and moment magnitude.
  double epicentre_x = 0, epicentre_y = 0;
  double depth_km = 30;
  double magnitude = 7.3;             // Mw (都心南部直下 M7.3, Tokyo 2022)
  std::string fault_type = "crustal"; // crustal | interplate | intraplate (attenuation coefficient)
  double site_amplification = 1.6;    // surface PGV / engineering-bedrock PGV (AVS30 ~300 m/s; lowland 2-2.5)
  std::string intensity_raster;       // alternative: GeoTIFF of JMA intensity (read through GDAL in geo/)
  double intensity_offset = 0;        // added to every intensity (sensitivity runs)
  // Finite fault (optional): a rectangle centred on the hypocentre; length 0 = point source.
  // The attenuation relation's distance is then the shortest distance to this rectangle.
  double fault_length_km = 0;         // along strike
  double fault_width_km = 0;          // down dip
  double fault_strike_deg = 0;        // clockwise from north; the fault dips to the right of the strike
  double fault_dip_deg = 90;          // (0, 90]
};

/// Road blockage by collapsed buildings (Tokyo 2022 formulas, DOMAIN.md).
struct BlockageParams {
  bool enabled = true;                // when [seismic] is enabled
  double max_width_m = 13;            // wider roads are never blocked
  double rate_scale = 1.0;            // multiplies every link's blockage rate (sensitivity)
  double min_intensity = 5.0;         // no blockage below this JMA intensity (judgement: 5 upper)
  // Lognormal fragility of the building stock in surface PGV (cm/s), one shared log-SD
  // (docs/model.md, "Hazards"; judgement values near the Kobe wooden-building curves).
  double collapse_median_pgv_cms = 250;       // PGV at which half the buildings collapse (全壊)
  double half_collapse_median_pgv_cms = 130;  // ... are at least half-collapsed (半壊以上)
  double fragility_beta = 0.6;                // log-standard deviation of both curves
};

/// Fire: ignitions given, or drawn by intensity; spread over a grid of cells with
/// the wind (cluster method, DOMAIN.md); burning cells close roads and facilities.
struct FireParams {
  bool enabled = false;
  std::vector<Point> ignitions;       // network CRS
  double ignition_rate_per_km2 = 0;   // > 0: also draw ignitions by intensity (rate at intensity 7)
  double wind_speed_ms = 4;           // Tokyo 2022 scenarios: 4 and 8 m/s
  double wind_from_deg = 0;           // direction the wind blows FROM, degrees clockwise from north
  double cell_m = 100;                // fire grid cell size
  double spread_ms = 0.02;            // base spread speed without wind (m/s); wind adds to it downwind
  double burn_h = 3;                  // a cell burns this long (its roads closed); then burnt out
  bool reopen_burnt = false;          // reopen roads once a cell has burnt out
  double wind_factor_per_ms = 0.15;   // downwind speed-up per m/s of wind: speed x (1 + f * U * cos angle)
  double buildings_per_km_road = 100; // building-count proxy n of a cell: its road length times this
  double catch_p = 0.03;              // cluster method: P(a cell reached by fire burns) = 1 - exp(-n * catch_p)
  double ignition_window_min = 60;    // drawn ignitions break out uniformly within this many minutes
  double update_min = 10;             // fire reaches the roads in batches: ignition times rounded up to this (0: exact)
};

/// Facilities: failure to open and opening delays that grow with intensity.
struct FacilityFailureParams {
  bool enabled = true;                // when [seismic] is enabled
  double fail_at_i6 = 0.05;           // probability of failing to open at JMA 6-/6+ (lower 6)
  double fail_at_i7 = 0.30;           // ... at intensity 7
  double delay_extra_min_per_intensity = 30;  // extra safety-check delay per intensity step above 5
};

/// An aftershock: walkers stop for a while, and more roads may be blocked.
struct Aftershock {
  double at_min = 0;                  // minutes after the main quake
  double magnitude = 6.0;
  double epicentre_x = 0, epicentre_y = 0;  // network CRS; 0,0 with seismic on: the main epicentre
  double depth_km = 20;
  double pause_min = 5;               // walkers stand still this long
  bool blockage = true;               // draw further blockage from the aftershock's intensity
};

/// A rail line: suspended at the quake, resumes at a given time. Then agents near
/// its stations, and sheltered agents whose home it serves, leave by train.
struct RailLine {
  std::string name;
  std::vector<std::string> stations;  // names of the city's stations, in line order
  double resume_h = 24;               // hours after the quake (< 0: does not resume in the run)
  double station_catchment_m = 800;   // "near a station": within this distance
  double home_catchment_km = 3;       // a home is served within this distance of the line
  double extends_km = 40;             // the line runs on beyond its last listed station, outwards
  double capacity_per_h = 20000;      // persons the line carries away per hour once running
};

/// The allocation optimiser (min-cost flow): on demand, and optionally periodically.
struct OptimiserParams {
  double period_min = 0;              // > 0: re-optimise and apply as guidance every this many minutes
  double unserved_penalty_m = 20000;  // cost of leaving a person unserved, in metres of walking
  double max_walk_m = 5000;           // farthest assignment considered
  double compliance = 0.6;            // share who follow a plan applied as guidance
};

struct HazardParams {
  SeismicParams seismic;
  BlockageParams blockage;
  FireParams fire;
  FacilityFailureParams facility_failure;
  std::vector<Aftershock> aftershocks;
  std::vector<RailLine> rail_lines;
  OptimiserParams optimiser;
};

}  // namespace kitaku
