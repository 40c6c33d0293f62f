#pragma once
// The text of timeseries.csv, shared by `kitaku run` (geo::write_run_outputs) and
// the dashboard's KPI export, so the two files always have the same columns and
// number format (docs/outputs.md).
#include <cstdint>
#include <string>
#include <vector>

#include "kitaku/sim/city.hpp"
#include "kitaku/sim/simulation.hpp"

namespace kitaku {

/// time_s, agents, persons_per_agent, state_<name>_agents x 9 (agents in each
/// state), state_<name>_persons x 9 (the same in persons: agents x persons_per_agent),
/// persons_sheltered, persons_walking, persons_ge4, persons_ge6, km_road_ge6,
/// facilities_open, facilities_full, persons_at_junctions, persons_junction_ge4,
/// persons_junction_ge6, junctions_ge6, persons_station_fronts, places_ge6. Every
/// column says its unit (docs/outputs.md).
std::vector<std::string> timeseries_columns();
/// stations.csv: time_s, station (index into City::stations), name, x, y,
/// daily_riders, persons, peak_density; one line per row (docs/outputs.md).
std::string stations_csv(const std::vector<StationFrontRow>& rows, const std::vector<Station>& stations);
/// The header line and one line per row; `persons_per_agent` converts the agent
/// counts to persons.
std::string timeseries_csv(const std::vector<TimeseriesRow>& rows, double persons_per_agent);

/// CSV number formats: integers as they are; reals with at most 3 decimals and
/// trailing zeros dropped (exact enough for persons, and km to the metre, at any
/// magnitude, where %g would switch to an exponent above 1e6).
void append_csv_int(std::string& s, std::int64_t v);
void append_csv_real(std::string& s, double v);

}  // namespace kitaku
