#pragma once
// The stranded-commuter simulation (docs/model.md). A Simulation takes an
// immutable Network, the City on it, a Scenario and a RunConfig. step()
// advances one time step: commands due are applied, scheduled agents act,
// walkers move (OpenMP over agents), queued transfers are resolved in a fixed
// order, and metrics are updated. Results are identical for any thread count.
#include <array>
#include <atomic>
#include <cstdint>
#include <iosfwd>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include "kitaku/sim/city.hpp"
#include "kitaku/sim/commands.hpp"
#include "kitaku/sim/network.hpp"
#include "kitaku/sim/population.hpp"
#include "kitaku/sim/progress.hpp"
#include "kitaku/sim/scenario.hpp"

namespace kitaku {

struct Snapshot;
struct HazardPlan;

/// Why an edge is closed (Snapshot::edge_closed, EdgeView::reason).
enum class EdgeClosure : std::uint8_t {
  kOpen = 0,
  kCommand = 1,   // close_edge / close_area by an operator, a drill inject or the scenario
  kCollapse = 2,  // blocked by collapsed buildings (the hazard plan, or an aftershock)
  kFire = 3,      // inside a burning area (the hazard plan's fire)
};

/// What an agent is doing. The states partition the agents.
enum class AgentState : std::uint8_t {
  kWaiting,      // has not set off yet (departure scheduled)
  kRetained,     // kept at work or school by the policy, until released
  kStaying,      // cannot get home and stays at work or school
  kWalkingHome,  // on the way home (on the network, or on its last stretch off it)
  kToFacility,   // walking to a temporary stay facility with a place reserved
  kSheltered,    // inside a facility
  kUnsheltered,  // stranded outdoors with no facility to go to (yet)
  kByRail,       // left by a resumed rail line: off the street network for good
  kArrivedHome,
};
inline constexpr int kAgentStates = 9;
std::string_view state_name(AgentState s);

enum class FacilityState : std::uint8_t { kClosed, kOpen, kFull };
std::string_view facility_state_name(FacilityState s);

struct RunConfig {
  std::uint64_t seed = 1;
  int threads = 0;                 // 0: OpenMP's default
  bool check_invariants = false;   // validate() after every step (tests)
  /// Steps with fewer walkers than this run their walker loops on one thread, and
  /// batches of fewer than min(this, 256) facility seekers search on one thread (the
  /// result is the same either way; 0 forces threads, e.g. to test determinism).
  std::size_t parallel_min_walkers = 4096;
  /// After closures (and no reopening), repair only the home trees that run along a
  /// newly closed edge and rebuild only such facility trees; the others are what a
  /// fresh build would give. false rebuilds every tree (the result is the same;
  /// tests compare the two).
  bool selective_tree_rebuild = true;
};

/// One row of timeseries.csv.
struct TimeseriesRow {
  std::int64_t time_s = 0;
  std::int64_t agents = 0;
  std::array<std::int64_t, kAgentStates> state{};  // agents per state
  double persons_sheltered = 0;     // occupancy over all facilities, persons
  double persons_ge4 = 0, persons_ge6 = 0;  // persons on edges at >= 4 / >= 6 p/m2
  double km_ge6 = 0;                // km of road at >= 6 p/m2
  double persons_walking = 0;       // persons on the network
  std::int64_t facilities_open = 0, facilities_full = 0;
  // Standing at nodes (docs/model.md, "Crowds where people stand"): persons standing
  // outdoors at junctions, those of them at junctions at >= 4 / >= 6 p/m2, and the
  // junctions at >= 6 p/m2.
  double persons_at_junctions = 0;
  double persons_junction_ge4 = 0, persons_junction_ge6 = 0;
  std::int64_t junctions_ge6 = 0;
  double persons_station_fronts = 0;  // persons outdoors within station_front_m of any station
  std::int64_t places_ge6 = 0;        // places at >= 6 p/m2: connected dense edges and junctions
  friend bool operator==(const TimeseriesRow&, const TimeseriesRow&) = default;  // every field exactly
};

/// One row of stations.csv: a station's front at a recorded time (the times of the
/// timeseries rows). Persons outdoors, on edges (by midpoint) and standing at
/// nodes, within [run] station_front_m of the station; the highest density there,
/// over those edges and junctions.
struct StationFrontRow {
  std::int64_t time_s = 0;
  std::int64_t station = 0;     // index into City::stations
  double persons = 0;
  double peak_density = 0;      // persons/m2
  friend bool operator==(const StationFrontRow&, const StationFrontRow&) = default;
};

/// A station's busiest front over the run's recorded times (summary.json "stations").
struct StationPeak {
  std::string name;
  double peak_persons = 0;
  std::int64_t peak_s = -1;     // the first recorded time with that many (-1: no rows)
  double peak_density = 0;      // the highest density near it at any recorded time
};

/// Per edge, over the whole run.
struct EdgeStats {
  std::vector<float> peak_density;   // persons/m2
  std::vector<float> seconds_ge4, seconds_ge6;
  std::vector<float> peak_flow;      // persons/(m s): density x Weidmann speed, at its peak
  std::vector<float> walkable_m;     // the walkable width densities are taken over (docs/model.md)
  std::vector<std::int64_t> peak_density_s;  // when the peak density was first reached (s; -1: nobody ever)
  std::vector<std::int64_t> first_ge6_s;     // when it first reached 6 p/m2 (s; -1: never)
};

/// Per facility, over the whole run.
struct FacilityStats {
  std::vector<double> capacity;       // persons (current)
  std::vector<double> peak_occupancy; // persons
  std::vector<double> seconds_full;
  std::vector<double> open_time_s;    // when it opened (-1: never)
  std::vector<FacilityState> state;   // at the end
};

struct Summary {
  std::int64_t agents = 0;
  double persons_per_agent = 1;
  std::uint64_t seed = 0;
  int threads = 0;
  std::int64_t sim_seconds = 0;
  double wall_seconds = 0;
  bool partial = false;
  double person_minutes_ge6 = 0, person_minutes_ge4 = 0;
  double peak_km_road_ge6 = 0;
  double peak_sheltered = 0;              // persons
  double peak_unsheltered_stranded = 0;   // persons
  double arrived_home = 0;                // persons
  double by_rail = 0;                     // persons who left by a resumed rail line
  // Exposure per person (docs/model.md, "Metrics"): time on edges at >= 6 (>= 4) p/m2,
  // summed over the run for each agent.
  double walkers = 0;                     // persons who set off on the street network (home or to a facility)
  double persons_ge6_3h = 0;              // persons with >= 3 h in all at >= 6 p/m2
  double persons_ge6_1h = 0;              // persons with >= 1 h in all at >= 6 p/m2
  double persons_ge4_3h = 0;              // persons with >= 3 h in all at >= 4 p/m2
  double share_walkers_ge6_3h = 0;        // persons_ge6_3h / walkers (0 without walkers)
  // Junctions (docs/model.md, "Crowds where people stand"): person-minutes standing
  // at junctions at >= 6 (>= 4) p/m2, and with the edges' person-minutes added.
  double junction_person_minutes_ge6 = 0, junction_person_minutes_ge4 = 0;
  double total_person_minutes_ge6 = 0, total_person_minutes_ge4 = 0;
  double peak_junction_density = 0;       // persons/m2, over all junctions and steps
  std::int64_t peak_junction_density_s = -1;
  std::int64_t peak_junctions_ge6 = 0;    // most junctions at >= 6 p/m2 at once
  double peak_persons_at_junctions = 0;   // most persons standing at junctions at once
  // The exposure per person with the time standing at junctions added.
  double persons_ge6_3h_with_junctions = 0, persons_ge6_1h_with_junctions = 0;
  double persons_ge4_3h_with_junctions = 0;
  double share_walkers_ge6_3h_with_junctions = 0;  // walkers only: persons_ge6_3h_with_junctions counts everyone
  double walkers_ge6_3h_with_junctions = 0;        // persons: walkers with >= 3 h at >= 6, edges and junctions
  // Places at >= 6 p/m2 (TimeseriesRow::places_ge6): at the recorded time nearest
  // 3 h after the quake (-1: the run ends before), and the most at any recorded time.
  std::int64_t places_ge6_3h = -1;
  std::int64_t peak_places_ge6 = 0;
  std::int64_t peak_places_ge6_s = -1;
  std::vector<StationPeak> stations;      // City::stations order
  std::int64_t agent_steps = 0;           // walker updates performed
  std::int64_t commands_applied = 0;
};

/// One agent's crowd exposure so far: simulated seconds spent on an edge at >= 4 and
/// >= 6 persons/m2 (counted per step, as Summary::person_minutes_ge4/ge6 are), and
/// whether it has set off on the street network (home or to a facility) at some time.
struct AgentExposure {
  std::int64_t seconds_ge4 = 0;
  std::int64_t seconds_ge6 = 0;
  bool walked = false;
  // Standing outdoors at a junction at >= 4 / >= 6 p/m2 (waiting, stranded, or a
  // walker at a node), up to now.
  std::int64_t junction_seconds_ge4 = 0;
  std::int64_t junction_seconds_ge6 = 0;
};

/// Per agent (indexed by agent id), the run so far: what agents.csv holds besides
/// the Population's fixed data (docs/outputs.md, "agents.csv"). Times are simulation
/// seconds after the quake, -1 for none.
struct AgentRecords {
  std::vector<std::uint8_t> stranded;           // 1: cannot get home by the distance rule (docs/model.md)
  std::vector<std::int64_t> departure_s;        // first set off on the street network (home or to a facility)
  std::vector<std::int64_t> arrival_home_s;     // reached home on foot
  std::vector<std::int64_t> arrival_facility_s; // last went into a facility
  std::vector<std::int32_t> facility;           // the facility it last went into (-1: none)
  std::vector<AgentState> state;                // now
  std::vector<float> walked_network_m;          // metres walked along network edges
  std::vector<float> walked_off_network_m;      // metres walked off the network (the last stretch home)
  std::vector<std::int64_t> walking_s;          // seconds as a walker on the network (moving, queueing or paused)
  std::vector<std::int64_t> seconds_ge4, seconds_ge6;  // seconds on edges at >= 4 / >= 6 p/m2 (AgentExposure)
  std::vector<std::int64_t> junction_seconds_ge4, junction_seconds_ge6;  // standing at junctions (AgentExposure)
  std::size_t size() const noexcept { return state.size(); }
};

/// Live per-edge and per-facility values, for the dashboard and tests.
struct EdgeView {
  std::int32_t count = 0;  // agents on the edge
  float density = 0;       // persons/m2
  bool closed = false;
  EdgeClosure reason = EdgeClosure::kOpen;
};

class Simulation {
 public:
  Simulation(const Network& net, City city, const Scenario& scenario, const RunConfig& config);
  /// With agents placed by the caller (tests, replays of a saved population).
  Simulation(const Network& net, City city, const Scenario& scenario, const RunConfig& config,
             Population population);
  ~Simulation();
  Simulation(const Simulation&) = delete;
  Simulation& operator=(const Simulation&) = delete;

  /// Queues a command (thread-safe). Its time is clamped to now; seq is assigned.
  void submit(Command c);
  /// Advances one step. Returns false once the run's duration is reached.
  bool step();
  /// Steps until done, or until `stop` becomes true (then the summary is partial).
  void run(const ProgressFn& progress = {}, const std::atomic<bool>* stop = nullptr);

  std::int64_t time_s() const noexcept;
  std::int64_t duration_s() const noexcept;
  bool done() const noexcept;

  const Network& network() const noexcept;
  const City& city() const noexcept;
  const Population& population() const noexcept;
  const Scenario& scenario() const noexcept;
  std::size_t agent_count() const noexcept;

  AgentState state(AgentId a) const;
  /// The agent's position now (on its arc, at its node, or at its facility).
  Point position(AgentId a) const;
  /// The edge the agent is on now: walking or queued along it; kNoEdge when it stands
  /// at a node, is inside a facility, or is off the network.
  EdgeId agent_edge(AgentId a) const;
  EdgeView edge_view(EdgeId e) const;
  FacilityState facility_state(ShelterId f) const;
  double facility_occupancy(ShelterId f) const;   // persons inside
  double facility_reserved(ShelterId f) const;    // persons inside + on their way
  double facility_capacity(ShelterId f) const;    // persons

  /// Rows recorded so far (one per output interval, plus the final time).
  const std::vector<TimeseriesRow>& timeseries() const noexcept;
  /// Station fronts at the recorded times: one row per station per timeseries row.
  const std::vector<StationFrontRow>& station_fronts() const noexcept;
  TimeseriesRow current_row() const;
  EdgeStats edge_stats() const;          // flushed up to now
  FacilityStats facility_stats() const;  // flushed up to now
  Summary summary() const;
  /// Every command applied so far, in the order applied.
  const std::vector<Command>& command_log() const noexcept;
  /// Copies the state now into `out` (reusing its buffers); agents' positions and
  /// states only when with_agents. Call between steps, on the stepping thread.
  void fill_snapshot(Snapshot& out, bool with_agents) const;
  /// A facility damaged by a command (closed for good), or that failed to open (hazard plan).
  bool facility_damaged(ShelterId f) const;

  /// The hazards planned for this run from the scenario and the seed (empty when the
  /// scenario enables none): applied at construction and through timed commands.
  const HazardPlan& hazard_plan() const noexcept;
  /// Rail lines (scenario.hazards.rail_lines order): when line `l` resumed (-1: not
  /// yet), and the persons who have boarded it so far.
  std::int64_t rail_running_since(std::size_t l) const;
  double rail_boarded(std::size_t l) const;

  /// Agent a's crowd exposure so far.
  AgentExposure exposure(AgentId a) const;
  /// Every agent's record so far (agents.csv). Call between steps, on the stepping thread.
  AgentRecords agent_records() const;

  /// What closures and reopenings so far did to the route trees in use (home and
  /// facility): rebuilt from scratch, repaired in place (home trees routed along a
  /// newly closed edge), and left as they were (RunConfig::selective_tree_rebuild).
  struct TreeRebuilds {
    std::int64_t rebuilt = 0, repaired = 0, kept = 0;
  };
  TreeRebuilds tree_rebuilds() const;

  /// Wall seconds spent so far in each phase of step() (a diagnostic for benchmarks:
  /// it depends on the machine, so it is in no output file). kEvents: commands,
  /// facility openings, wake-ups, day-4 release and rail boarding; kSeek: choosing
  /// facilities; kTrees: building, growing and repairing route trees; kMove: walking
  /// and next-hop choice; kResolve: edge admission and the events it gives;
  /// kAccount: edge statistics, the walker list and the timeseries row.
  enum class Phase : int { kEvents, kSeek, kTrees, kMove, kResolve, kAccount, kCount };
  static const char* phase_name(Phase p) noexcept;
  std::array<double, static_cast<int>(Phase::kCount)> phase_seconds() const;

  /// Writes everything that changes during a run (agents, edge occupancy and queues,
  /// facilities, closures, pending commands and the command log, hazards and rail,
  /// metrics and statistics so far) at the current step boundary, in a binary format
  /// (sim/src/simulation.cpp, "Checkpoints") whose header fingerprints the run: the
  /// resolved scenario, the seed, the network, the facilities and the population.
  /// Call between steps, on the stepping thread.
  void save_checkpoint(std::ostream& out) const;
  /// Restores a checkpoint into this Simulation, which must be freshly built (no step
  /// taken) from the same scenario, seed, network, city and population. Stepping on
  /// then gives exactly the results the saved run would have given, for any thread
  /// count; the wall time keeps accumulating from the saved run's. A truncated or
  /// corrupt checkpoint, or one written for another run, is an InputError naming
  /// `origin` and what is wrong or differs; the Simulation is then unusable.
  void load_checkpoint(std::istream& in, const std::string& origin = "checkpoint");

  /// Throws InvariantError naming the first broken invariant: agents conserved,
  /// occupancy <= capacity, edge counts match, no agent on a closed edge, nobody
  /// who left by rail on the network or holding a place.
  void validate() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

/// Weidmann (1993) walking speed at density rho (persons/m2), as a share of the
/// free speed, never below floor_share.
double weidmann_factor(double rho, double gamma, double rho_max, double floor_share);

}  // namespace kitaku
