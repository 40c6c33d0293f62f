#pragma once
// Operator commands: the API the dashboard, drills and scenario scripts use to
// act on a running simulation. Commands are stamped with a simulation time and
// applied at the first step boundary at or after it, ordered by (time, seq).
// Every applied command is logged; replaying the log reproduces the run.
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "kitaku/sim/ids.hpp"

namespace kitaku {

enum class CommandType : std::uint8_t {
  kOpenFacility,      // facility
  kCloseFacility,     // facility: occupants and those on their way look elsewhere
  kSetCapacity,       // facility, value = persons
  kCloseEdge,         // edge: walkers on it step off to its nearer end
  kReopenEdge,        // edge
  kGuidance,          // x, y, radius: stranded within it; facility; value = share who comply
  kReleaseRetained,   // value = share of the retained released now (x, y, radius optional area)
  kDamageFacility,    // facility: damaged, closes for good (an open command cannot reopen it)
  kCloseArea,         // x, y, radius: every edge with a point within it closes (fire, cordon)
  kReopenArea,        // x, y, radius: those edges reopen
  kPauseWalkers,      // value = seconds: walkers (within x, y, radius; 0 = everywhere) stand still (aftershock)
  kResumeRail,        // value = rail line index (scenario order): the line runs again from now
};

struct Command {
  std::int64_t time_s = 0;     // simulation seconds after the quake
  std::uint64_t seq = 0;       // order among commands of the same time (assigned on submit)
  CommandType type = CommandType::kOpenFacility;
  ShelterId facility = kNoShelter;  // facility (scenario order); logged as -1 when none
  EdgeId edge = kNoEdge;            // edge; logged as -1 when none
  double value = 0;            // capacity, share
  double x = 0, y = 0, radius_m = 0;  // area (network CRS); radius 0 = everywhere
  std::string source;          // "scenario", "operator", "replay" (not part of the effect)
};

/// Source of the guidance the periodic optimiser ([optimiser] period_min) issues.
inline constexpr const char* kPeriodicOptimiserSource = "periodic-optimiser";
/// Whether a logged command is one the run makes itself from the scenario and the
/// seed — the hazard plan's ("hazard") and the periodic optimiser's — so a replay
/// of the log must leave it out (the replayed run makes it again). Also true with
/// a "replay:" prefix.
bool is_regenerated_source(std::string_view source);

std::string_view command_name(CommandType t);
/// Parses a command name ("open_facility", ...); returns false if unknown.
bool parse_command_type(std::string_view name, CommandType& out);

/// One line of commands.log: `time_s=3600 seq=0 type=close_edge edge=12 ...`.
std::string format_command(const Command& c);
/// Parses one log line; throws InputError(origin, "line N", ...) on a bad line.
Command parse_command_line(std::string_view line, const std::string& origin, int line_no);
/// Reads a whole commands.log (blank lines and lines starting with '#' skipped).
std::vector<Command> load_command_log(const std::string& path);

}  // namespace kitaku
