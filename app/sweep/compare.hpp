#pragma once
// Compares two runs' output folders, for `kitaku rerun`: byte for byte where the
// outputs are deterministic text or images, value for value in summary.json (the
// wall-clock fields left out) and in every layer of results.gpkg.
#include <string>
#include <vector>

namespace kitaku::app::sweep {

struct Comparison {
  std::vector<std::string> matched;      // "timeseries.csv: byte-identical (145 lines)"
  std::vector<std::string> differences;  // "summary.json: person_minutes_ge6 was 1234.5, now 1250"
};

/// summary.json keys that depend on the machine or the moment, not on the model.
inline const std::vector<std::string> kWallClockKeys = {"wall_seconds", "threads", "agent_updates_per_second",
                                                        "kitaku_version"};

/// Compares `recorded` (a run folder) with `rerun` (the same run again).
Comparison compare_run_dirs(const std::string& recorded, const std::string& rerun);

}  // namespace kitaku::app::sweep
