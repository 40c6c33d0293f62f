#pragma once
// The text of agents.csv: one row per agent, with who it is (the Population) and
// what happened to it (Simulation::agent_records). docs/outputs.md, "agents.csv",
// lists the columns; geo::write_run_outputs writes the file.
#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "kitaku/sim/city.hpp"
#include "kitaku/sim/population.hpp"
#include "kitaku/sim/simulation.hpp"

namespace kitaku {

/// id, weight, origin, origin_index, origin_name, origin_x, origin_y, home_km,
/// activity, age_group, stranded, departure_s, departure_clock, arrival_home_s,
/// arrival_home_clock, arrival_facility_s, facility_id, facility_name, final_state,
/// walked_network_m, walked_off_network_m, walking_s, seconds_ge4, seconds_ge6.
std::vector<std::string> agents_csv_columns();

/// Formats agents.csv: the header line, then one line per agent in id order, handed
/// to `sink` in pieces of about `piece_bytes` (each ends at a line end), so that a
/// million agents never sit in memory as one string. Clock columns are the local
/// time `quake_clock_s` + the time, as HH:MM:SS, hours running on past 24 on later
/// days. Throws std::invalid_argument when `records` and `pop` differ in size.
void format_agents_csv(const Population& pop, const City& city, const AgentRecords& records,
                       std::int64_t quake_clock_s, const std::function<void(std::string_view)>& sink,
                       std::size_t piece_bytes = 1 << 22);

/// The whole text at once (tests, small runs).
std::string agents_csv(const Population& pop, const City& city, const AgentRecords& records,
                       std::int64_t quake_clock_s);

}  // namespace kitaku
