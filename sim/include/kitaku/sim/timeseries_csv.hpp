#pragma once
// The text of timeseries.csv, shared by `kitaku run` (geo::write_run_outputs) and
// the dashboard's KPI export, so the two files always have the same columns and
// number format (docs/outputs.md).
#include <cstdint>
#include <string>
#include <vector>

#include "kitaku/sim/simulation.hpp"

namespace kitaku {

/// time_s, agents, state_<name> x 8, persons_sheltered, persons_walking,
/// persons_ge4, persons_ge6, km_road_ge6, facilities_open, facilities_full.
std::vector<std::string> timeseries_columns();
/// The header line and one line per row.
std::string timeseries_csv(const std::vector<TimeseriesRow>& rows);

/// CSV number formats: integers as they are; reals with at most 3 decimals and
/// trailing zeros dropped (exact enough for persons, and km to the metre, at any
/// magnitude, where %g would switch to an exponent above 1e6).
void append_csv_int(std::string& s, std::int64_t v);
void append_csv_real(std::string& s, double v);

}  // namespace kitaku
