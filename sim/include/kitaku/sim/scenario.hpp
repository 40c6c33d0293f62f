#pragma once
// A scenario: plain data read from scenarios/*.toml (docs/scenario-format.md).
// Unknown keys, wrong types and out-of-range values are InputErrors naming the
// file, the line and the key. Every default below is documented, with its
// source, in docs/scenario-format.md and docs/model.md.
#include <array>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "kitaku/sim/commands.hpp"
#include "kitaku/sim/hazard_params.hpp"

namespace kitaku {

/// A scenario's capacity for one facility ([[facility_capacity]]): it names the
/// facility as its file does and wins over the file's capacity and the default.
struct CapacityOverride {
  std::string name;          // the facility's name in its file (every facility of that name)
  std::int32_t capacity = 0; // persons
  std::string basis;         // where the figure comes from (free text, for the reader)
};

/// Where the city comes from: a synthetic city (kitaku synth) or GIS files.
struct CitySource {
  double synthetic_radius_km = 0;   // > 0: generate the synthetic city
  std::uint64_t synthetic_seed = 1;
  double synthetic_capacity_share = 0.10;  // facility places per daytime person (kitaku synth --capacity-share)
  /// "circle" or "metropolis" (kitaku synth --kind). The metropolis reads the 1 km mesh:
  /// `zones` (its polygons) and `population_csv` (the MLIT CSV) go into the generated city.
  std::string synthetic_kind = "circle";
  std::string network;              // any network source (see docs/network.md)
  std::string network_layer;
  int crs_epsg = 0;                 // 0: automatic
  std::string facilities, stations, zones;  // files; for a synthetic city, its layers
  std::string population_csv;       // MLIT 1 km mesh CSV: `zones` is then the mesh polygon file
  /// Designated shelters (指定避難所): loaded after `facilities` as further stays of kind
  /// designated_shelter, with `shelter_capacity` places each when the file has none.
  std::string shelters;
  std::int32_t shelter_capacity = 300;  // judgement: docs/facilities.md, "Kinds"
  /// Designated emergency evacuation sites (指定緊急避難場所): on the map, not stays.
  std::string evacuation_sites;
  std::vector<CapacityOverride> capacity_overrides;  // [[facility_capacity]]
  /// Real data: keep only facilities / stations / zones within this distance (m) of
  /// the network's bounding box; 0 keeps everything (and a far facility is an error).
  double clip_margin_m = 0;
  double facility_snap_max_m = 200;  // a facility farther than this from the network is an error
  bool synthetic() const noexcept { return synthetic_radius_km > 0; }
};

enum class DayType : std::uint8_t { kWeekday, kHoliday };

/// When the quake strikes. Simulation time 0 is the quake.
struct QuakeTime {
  DayType day = DayType::kWeekday;
  int clock_s = 14 * 3600 + 46 * 60;  // seconds after local midnight (default 14:46, as on 3.11)
};

/// Who is where at quake time (docs/model.md, "Population").
struct PopulationParams {
  /// Where the agents come from: "zones" (zones and stations, below), "trips" (one
  /// row per group in the file `trips`: docs/scenario-format.md, "Trips") or
  /// "crowdwalk" (a CrowdWalk generation file `generation` beside its map: docs/crowdwalk.md).
  std::string source = "zones";
  std::string trips;                 // source = "trips": CSV, GeoPackage or GeoJSON
  std::string generation;            // source = "crowdwalk": *.gen.json or *.genDist.json
  std::int64_t agents = 100000;      // agents to place (0: use persons_per_agent)
  double persons_per_agent = 0;      // > 0: agents = population / persons_per_agent
  double scale = 1;                  // source = "zones": every zone's people times this
  // Activity shares of people in zones (weekday defaults; [population.holiday]
  // overrides for holidays). Work and school have a place to stay; the rest are outdoors.
  double share_work = 0.60, share_school = 0.08, share_shopping = 0.20, share_visitor = 0.04;
  double share_transit = 0.08;       // at stations / in transit, placed by station ridership
  double holiday_share_work = 0.25, holiday_share_school = 0.02, holiday_share_shopping = 0.50,
         holiday_share_visitor = 0.08, holiday_share_transit = 0.15;
  double elderly_share = 0.12;       // age 65+ among adults out of home
  double vulnerable_share = 0.03;    // pregnant, disabled, with infants: priority, slower
  double home_direction_sd_deg = 45; // spread of home direction around the outward direction
};

/// Walking (docs/model.md, "Movement"): Weidmann (1993) with a floor.
struct MovementParams {
  double v0_mean = 1.34, v0_sd = 0.26;     // adults, m/s (Weidmann 1993)
  double v_elderly = 0.9, v_elderly_sd = 0.15;  // older adults 0.7-0.9 m/s
  double v_child = 1.1, v_child_sd = 0.2;
  double v_vulnerable = 0.8;               // mobility-impaired (fire agency)
  double gamma = 1.913, rho_max = 5.4;     // Weidmann
  double v_floor = 0.1;                    // m/s: "< 400 m per hour" at 6 p/m2
  double rho_jam = 8.0;                    // storage limit, persons/m2 (published 3.8-10)
  double rho_limit = 10.0;                 // no edge ever holds more (stuck walkers squeeze in up to it)
  // Walkable width (kitaku/sim/walkable.hpp): sidewalks + share x carriageway.
  double carriageway_share = 0.2;             // main roads (tertiary and up): cars hold the rest
  double back_street_carriageway_share = 1.0; // back streets: walkers use all of them
  double min_walkable_m = 1.0;                // between stopped cars, at the least
  double night_factor = 0.8;               // night speed / day speed
  double stairs_factor = 0.6;
  double stuck_s = 300;                    // a walker held this long at a full edge squeezes in (0: never)
  int night_start_clock_s = 19 * 3600;     // dark from (local clock)
  int night_end_clock_s = 5 * 3600;
};

/// Behaviour at the quake and policies (docs/model.md, "Behaviour").
struct ReleaseWave {
  double after_h = 0;   // hours after the quake
  double share = 0;     // share of the retained released in this wave
};
struct BehaviourParams {
  double departure_mean_min = 40;   // exponential delay before setting off (>= 70 % within 1 h)
  double retention_share = 0.0;     // share of employers that keep staff on site
  double retention_hours = 72;      // ordinance: 3 days; released on day 4
  double school_retention = 1.0;    // schools keep pupils
  double stay_if_stranded = 0.5;    // not retained, cannot get home, has a workplace: share who stay there
  double long_walk_share = 0.0;     // cannot get home by the distance rule, not retained: share who walk home anyway
  std::vector<ReleaseWave> release_waves;  // staggered release of the retained
  double release_spread_min = 30;   // departures within a wave spread over this many minutes
  double guidance_compliance = 0.6; // default share who follow a guidance broadcast
  double tired_km = 10;             // walked this far: may stop at a facility
  double tired_stop_probability = 0.3;
  double night_stop_probability = 0.3;  // walking at night: may stop at a facility
  double resume_clock_h = 6;        // stopped walkers set off again at this clock hour
  double facility_search_m = 3000;  // straight-line radius searched for a facility
  double retry_min = 10;            // unsheltered stranded look again this often
};

struct FacilityParams {
  double opening_delay_min_min = 60;   // safety check: opening delay uniform in [min, max] minutes
  double opening_delay_max_min = 180;
  double priority_reserve = 0.05;      // last share of places kept for vulnerable people
};

struct RunParams {
  double duration_h = 24;
  int step_s = 5;
  int output_interval_s = 300;
  double station_front_m = 200;  // persons outdoors within this of a station are at its front (judgement)
};

/// [routing] home_cell_m's default with [population] source = "trips" or "crowdwalk"
/// (the smallest allowed): walkers leave the network within this of where their trip ends.
inline constexpr double kTripHomeCellM = 250;

struct RoutingParams {
  double home_cell_m = 2000;   // homes share a shortest-path tree per cell of this size
  double minor_road_factor = 1.2;  // routes count minor roads and footways as this much longer
  int route_variants = 3;      // trees per home cell; variants > 0 perturb edge weights
  double route_noise = 0.25;   // perturbation: weights times uniform [1 - noise, 1 + noise]
};

struct Scenario {
  std::string name;
  std::string name_ja;            // [scenario] name_ja: the title in Japanese (empty: `name`)
  std::string description;
  std::uint64_t seed = 1;
  CitySource city;
  QuakeTime quake;
  PopulationParams population;
  MovementParams movement;
  BehaviourParams behaviour;
  FacilityParams facilities;
  RunParams run;
  RoutingParams routing;
  HazardParams hazards;           // issue #5: seismic, blockage, fire, aftershocks, rail, optimiser
  std::vector<Command> commands;  // scripted [[command]] entries, applied like operator commands
  std::string origin;  // the file it came from, or "<embedded default>"
};

/// Parses TOML text. Relative paths resolve against base_dir.
Scenario parse_scenario(std::string_view toml_text, const std::string& origin,
                        const std::string& base_dir);
/// Reads and parses a scenario file.
Scenario load_scenario(const std::string& path);
/// The scenario written back as TOML (every field, resolved); parsing it gives the same Scenario.
std::string to_toml(const Scenario& s);

}  // namespace kitaku
