#pragma once
// A consistent copy of a running simulation's state at a step boundary: what the
// dashboard draws. The sim thread fills one between steps (Simulation::fill_snapshot)
// and publishes it; the UI reads it without ever touching the live simulation.
#include <cstdint>
#include <memory>
#include <vector>

#include "kitaku/sim/commands.hpp"
#include "kitaku/sim/hazards.hpp"
#include "kitaku/sim/simulation.hpp"

namespace kitaku {

struct Snapshot {
  /// Publication number (set by the publisher; 0 = never published). Buffers are
  /// recycled, so caches must key on this, not on the Snapshot's address.
  std::uint64_t version = 0;
  std::int64_t time_s = 0;        // simulation seconds after the quake
  std::int64_t duration_s = 0;
  std::int64_t step_no = 0;
  bool done = false;
  double persons_per_agent = 1;
  double wall_seconds = 0;        // the simulation's own compute time so far

  // Per edge (EdgeId order).
  std::vector<float> edge_density;        // persons/m2 now
  std::vector<float> edge_speed;          // m/s of a 1.34 m/s walker at that density (Weidmann, floor)
  /// Why each edge is closed: an EdgeClosure code (0 open, 1 by a command, 2 blocked
  /// by collapse, 3 fire). Non-zero means closed.
  std::vector<std::uint8_t> edge_closed;
  /// When each edge's current spell at >= 6 p/m2 began (s after the quake; -1 when
  /// below 6 now): the time a crush alert is stamped with.
  std::vector<std::int64_t> edge_ge6_since_s;

  /// The hazard plan's fire cells (shared with the simulation, set once: the same
  /// pointer in every snapshot of a run; null or empty without fire). A cell burns
  /// while ignite_s <= time_s < burnt_out_s, and is burnt out after.
  std::shared_ptr<const std::vector<FireCell>> fire_cells;
  /// Per rail line (scenario.hazards.rail_lines order): running since (s), -1 not yet.
  std::vector<std::int64_t> rail_running_since_s;

  // Per facility (scenario order).
  std::vector<FacilityState> facility_state;
  std::vector<std::uint8_t> facility_damaged;
  std::vector<std::int64_t> facility_open_at_s;  // scheduled opening; -1 when closed by an operator
  std::vector<double> facility_capacity;         // persons
  std::vector<double> facility_occupancy;        // persons inside
  std::vector<double> facility_reserved;         // persons inside + on their way
  std::vector<std::int64_t> facility_full_since_s;  // when it last became full (no whole agent fits); -1 when not full

  // Per agent, filled only when asked for (AgentId order).
  bool has_agents = false;
  std::vector<float> agent_x, agent_y;   // network CRS
  std::vector<AgentState> agent_state;

  TimeseriesRow row;                      // the values now
  std::vector<TimeseriesRow> timeseries;  // recorded rows so far
  std::vector<Command> command_log;       // applied so far
};

}  // namespace kitaku
