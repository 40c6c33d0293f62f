#pragma once
// The engine: the tables (one header each) and the phases of a step (one file
// each), as functions of the tables they read and write. docs/architecture.md
// draws the same picture; Simulation::Impl::step() (sim/src/simulation.cpp) runs
// the phases in order.
#include <iosfwd>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "agents.hpp"
#include "clock.hpp"
#include "command_queue.hpp"
#include "edges.hpp"
#include "facilities.hpp"
#include "hazards.hpp"
#include "kernel.hpp"
#include "metrics.hpp"
#include "rail.hpp"
#include "routes.hpp"
#include "thread_buffers.hpp"

namespace kitaku {
class AllocationPlanner;
struct Snapshot;
}  // namespace kitaku

namespace kitaku::engine {

/// What every phase may read: the run's inputs and the clock.
struct StepContext {
  const Inputs& in;
  const StepClock& clk;
};

/// Every table of a run. Owned by Simulation::Impl; the phases get the parts they need.
struct Tables {
  StepClock clk;
  AgentsHot ag;
  AgentsCold cold;
  AgentLists lists;
  EdgeParams edge;
  SpeedTable speed;
  EdgeState ed;
  EdgeAccounting acct;
  JunctionParams jp;
  JunctionState js;
  JunctionAccounting jacc;
  StationFronts fronts;
  AreaIndex area;
  FacilityTable fac;
  HomeRoutes homes;
  RouteState routes;
  std::vector<RailLineState> rails;
  HazardState hz;
  CommandQueue cmds;
  Metrics metrics;
  ThreadBuffers bufs;
};

// ------------------------------------------------------------------ behaviour
// (behaviour.cpp) Decisions shared by several phases.

/// a sets off (or goes on) home from node `at`; its home tree is built if it has none.
void start_walking_home(const StepContext& cx, const AgentsCold& cold, AgentsHot& ag, HomeRoutes& homes,
                        RouteState& routes, Kernel& k, AgentId a, NodeId at);
/// a reserves a place at f, seen from `from`; f's tree is grown if it may not reach a.
void reserve(const StepContext& cx, AgentLists& lists, FacilityTable& fac, RouteState& routes, Kernel& k,
             AgentId a, ShelterId f, Point from);
/// a's home tree key: its cell x route_variants + its variant (HomeRoutes::cell_tree).
inline std::uint32_t route_key(const Scenario& sc, const AgentsCold& cold, AgentId a) {
  return cold.home_cell[a] * static_cast<std::uint32_t>(sc.routing.route_variants) + cold.variant[a];
}
/// Whether a command comes from the hazard plan ("hazard", or "replay:hazard").
bool is_hazard(const std::string& source);

// ---------------------------------------------------------------------- setup
// (setup.cpp) Fills the edge, route, facility and agent tables from the inputs
// (the clock, the rail lines and the hazard plan are set first).
void setup_tables(const Inputs& in, Tables& tb, Kernel& k);

// ------------------------------------------------------------------- commands
// (phase_commands.cpp)
/// Throws InputError naming `file` (or the command's source) and `place` when c
/// cannot be applied to this run: a facility, edge or rail line that does not
/// exist, or a value out of range.
void check_command(const Inputs& in, const Command& c, const std::string& file = {}, const std::string& place = {});
/// Queues the scenario's commands and the hazard plan's timeline (source "hazard").
void queue_initial_commands(const Inputs& in, const StepClock& clk, const HazardPlan& plan, CommandQueue& q);
/// Applies the commands due now (and the periodic optimiser's plan when due), in
/// the logged order. Reads the queue (under `queue_mu`); writes whatever the
/// commands change: facilities, closures, agents sent elsewhere, pauses, rail.
void run_commands(const StepContext& cx, std::mutex& queue_mu, Tables& tb, Kernel& k,
                  std::unique_ptr<AllocationPlanner>& planner);

// --------------------------------------------------------------------- events
// (phase_events.cpp) Facility openings due, the agents whose wake-up step it is
// (in id order), and from day 4 the release of everyone still out.
void run_events(const StepContext& cx, const AgentsCold& cold, AgentsHot& ag, AgentLists& lists,
                FacilityTable& fac, HomeRoutes& homes, RouteState& routes, HazardState& hz, Kernel& k);

// ----------------------------------------------------------------------- rail
// (phase_rail.cpp)
void setup_rails(const Inputs& in, std::vector<RailLineState>& rails);
/// Line l runs again from now: which nodes lie near its stations, whose homes it serves.
void resume_rail(const StepContext& cx, const AgentsHot& ag, std::vector<RailLineState>& rails, std::size_t l);
/// Each running line carries its step's capacity away, in agent order.
void run_rail(const StepContext& cx, AgentsHot& ag, std::vector<RailLineState>& rails, Kernel& k);

// ----------------------------------------------------------------------- seek
// (phase_seek.cpp) The step's facility seekers, in list order: each reserves the
// nearest available facility, walks on, or stays stranded outdoors.
void run_seek(const StepContext& cx, const AgentsCold& cold, AgentsHot& ag, AgentLists& lists, FacilityTable& fac,
              HomeRoutes& homes, RouteState& routes, Kernel& k);
/// The facility grid's search cache key of agent a at p.
std::size_t search_key(const Inputs& in, const FacilityTable& fac, AgentId a, Point p);

// --------------------------------------------------------------------- routes
// (phase_routes.cpp)
/// Routing weights from the closures (walkers keep to main roads; variants spread them).
void make_weights(const Inputs& in, const EdgeState& ed, RouteState& routes);
/// Repairs or rebuilds the trees closures touched, builds the trees needed, and
/// grows facility trees until they reach everyone given a place this step.
void run_routes(const StepContext& cx, const AgentsHot& ag, AgentLists& lists, const EdgeState& ed,
                FacilityTable& fac, HomeRoutes& homes, RouteState& routes);
/// Builds the listed home trees (indices into homes.trees) and facility trees
/// (facility, radius) afresh, in parallel.
void build_listed(const Inputs& in, const FacilityTable& fac_nodes, HomeRoutes& homes, const RouteState& routes,
                  PerFacility<BoundedTree>& ftrees, const std::vector<std::uint32_t>& home_list,
                  const std::vector<std::pair<ShelterId, double>>& facility_list);

// ----------------------------------------------------------------------- move
// (phase_move.cpp) Every walker walks dt at its density-dependent speed; one at a
// node asks (in its thread's buffer) to arrive, stop, or enter its next arc.
void run_move(const StepContext& cx, AgentsCold& cold, const EdgeParams& edge, const SpeedTable& speed,
              const EdgeState& ed, const FacilityTable& fac, const HomeRoutes& homes, const HazardState& hz,
              const std::vector<AgentId>& active, AgentsHot& ag, ThreadBuffers& bufs, Metrics& metrics);

// -------------------------------------------------------------------- resolve
// (phase_resolve.cpp) Admits transfers by each edge's room (longest-waiting
// first, ties by a random key), moves those admitted, and carries out arrivals,
// stops and lost routes in walker-list order.
void run_resolve(const StepContext& cx, const EdgeParams& edge, EdgeState& ed, AgentsHot& ag, AgentLists& lists,
                 ThreadBuffers& bufs, Kernel& k);

// -------------------------------------------------------------------- account
// (phase_account.cpp) After the clock moved on: edge statistics of the touched
// edges, the walker list without those who left, peaks, and the timeseries row.
// Writes the accounting tables (edges, junctions), the walker list and the metrics.
void run_account(const StepContext& cx, Tables& tb);
/// The timeseries row now; with `fronts`, each station's front is appended to it.
/// Without `places`, places_ge6 is the last recorded row's (counting them visits
/// every edge and node: the dashboard's snapshots skip it).
TimeseriesRow current_row(const StepContext& cx, const Tables& tb, std::vector<StationFrontRow>* fronts = nullptr,
                          bool places = true);
void record_row(const StepContext& cx, const Tables& tb, Metrics& metrics);

/// Agent a's seconds standing at junctions at >= 4 and >= 6 p/m2 up to now: its
/// ended spells and the one it is in (between steps).
inline std::pair<std::int64_t, std::int64_t> junction_exposure(const Tables& tb, AgentId a) {
  std::int64_t j4 = tb.ag.jcrowd4[a], j6 = tb.ag.jcrowd6[a];
  if (const NodeId n = tb.ag.stand[a]; valid(n)) {
    j4 += junction_seconds_at(tb.jp, tb.jacc, n, tb.clk.t, false) - tb.ag.stand4_from[a];
    j6 += junction_seconds_at(tb.jp, tb.jacc, n, tb.clk.t, true) - tb.ag.stand6_from[a];
  }
  return {j4, j6};
}

// -------------------------------------------------------------------- records
// (records.cpp) The per-person record of the run (AgentsCold, agents.csv).
/// Sizes the record fields for the agents setup placed (nothing yet) and keeps each
/// agent's distance-rule verdict as setup drew it.
/// Whether agent a cannot get home by the distance rule: its one draw at setup
/// (docs/model.md, "Who cannot get home").
bool draws_stranded(const Inputs& in, AgentId a);
void setup_records(const Inputs& in, const AgentsHot& ag, AgentsCold& cold);
/// The record so far, for Simulation::agent_records.
AgentRecords agent_records(const Inputs& in, const Tables& tb);

// ------------------------------------------------------------------- validate
// (validate.cpp) Throws InvariantError naming the first broken invariant.
void validate(const Inputs& in, const Tables& tb);

// ------------------------------------------------------------------- snapshot
// (snapshot.cpp) The state now, for the dashboard and the periodic optimiser.
void fill_snapshot(const Inputs& in, const Tables& tb, Snapshot& out, bool with_agents);

// ---------------------------------------------------------------- checkpoints
// (checkpoint_state.cpp) Between steps, on the stepping thread; `queue_mu` guards
// the pending commands another thread may be adding to.
void save_state(const Inputs& in, const Tables& tb, std::mutex& queue_mu, std::ostream& out);
/// Into freshly set-up tables; an InputError naming `origin` when the file is
/// truncated, corrupt or written for another run.
void load_state(const Inputs& in, Tables& tb, std::mutex& queue_mu, std::istream& in_stream, const std::string& origin);

}  // namespace kitaku::engine
