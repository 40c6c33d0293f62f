// Simulation: the public face of the engine (sim/src/engine/, docs/architecture.md).
// Impl owns the inputs and the tables; step() runs the phases in order.
#include "kitaku/sim/simulation.hpp"

#include <omp.h>

#include <algorithm>
#include <chrono>
#include <cmath>

#include "engine/engine.hpp"
#include "kitaku/sim/allocation_planner.hpp"
#include "kitaku/sim/error.hpp"
#include "kitaku/sim/hazards.hpp"
#include "kitaku/sim/snapshot.hpp"

namespace kitaku {

std::string_view state_name(AgentState s) {
  switch (s) {
    case AgentState::kWaiting: return "waiting";
    case AgentState::kRetained: return "retained";
    case AgentState::kStaying: return "staying";
    case AgentState::kWalkingHome: return "walking_home";
    case AgentState::kToFacility: return "to_facility";
    case AgentState::kSheltered: return "sheltered";
    case AgentState::kUnsheltered: return "unsheltered";
    case AgentState::kByRail: return "by_rail";
    case AgentState::kArrivedHome: return "arrived_home";
  }
  return "?";
}

std::string_view facility_state_name(FacilityState s) {
  switch (s) {
    case FacilityState::kClosed: return "closed";
    case FacilityState::kOpen: return "open";
    case FacilityState::kFull: return "full";
  }
  return "?";
}

double weidmann_factor(double rho, double gamma, double rho_max, double floor_share) {
  if (rho <= 0) return 1.0;
  if (rho >= rho_max) return floor_share;
  const double f = 1.0 - std::exp(-gamma * (1.0 / rho - 1.0 / rho_max));
  return std::max(f, floor_share);
}

namespace {

using engine::PhaseSeconds;

// Adds the wall time since the last mark to a phase's total.
class PhaseClock {
 public:
  explicit PhaseClock(PhaseSeconds& total) : total_(total), last_(std::chrono::steady_clock::now()) {}
  void mark(Simulation::Phase p) {
    const auto now = std::chrono::steady_clock::now();
    total_[static_cast<std::size_t>(p)] += std::chrono::duration<double>(now - last_).count();
    last_ = now;
  }

 private:
  PhaseSeconds& total_;
  std::chrono::steady_clock::time_point last_;
};

}  // namespace

struct Simulation::Impl {
  // Inputs: fixed once set up.
  const Network& net;
  City city;
  Scenario sc;
  RunConfig cfg;
  SpatialIndex sindex;
  Population pop;
  engine::Inputs in{net, city, sc, cfg, sindex, pop};
  // State: every table, and the transitions that keep their counts.
  engine::Tables tb;
  engine::Kernel k{in, tb.clk, tb.ag, tb.cold, tb.lists, tb.ed, tb.fac, tb.jp, tb.js, tb.jacc};
  std::unique_ptr<AllocationPlanner> planner;  // the periodic optimiser's, built on first use
  // The hand-over to other threads: submit() may come from the dashboard's UI
  // thread while the sim thread steps. cmd_mu guards tb.cmds.pending and next_seq;
  // the clock is published in now_s after each step, so submit() never reads tb.clk.
  mutable std::mutex cmd_mu;
  std::atomic<std::int64_t> now_s{0};

  Impl(const Network& n, City c, const Scenario& s, const RunConfig& rc)
      : net(n), city(std::move(c)), sc(s), cfg(rc), sindex(n, 0, /*with_edges=*/false) {}

  void setup(bool place);
  bool step();
  engine::StepContext cx() const { return {in, tb.clk}; }
  void record_row() { engine::record_row(cx(), tb, tb.metrics); }
};

void Simulation::Impl::setup(bool place) {
  engine::StepClock& clk = tb.clk;
  clk.dt = sc.run.step_s;
  clk.end_t = static_cast<std::int64_t>(std::llround(sc.run.duration_h * 3600));
  clk.total_steps = (clk.end_t + clk.dt - 1) / clk.dt;
  clk.end_t = clk.total_steps * clk.dt;
  // The thread count is an OpenMP setting of the calling thread; step() sets it
  // again, since the dashboard steps the simulation on a thread of its own.
  clk.threads = cfg.threads > 0 ? cfg.threads : omp_get_max_threads();
  omp_set_num_threads(clk.threads);
  tb.bufs.resize(static_cast<std::size_t>(clk.threads));

  engine::setup_rails(in, tb.rails);  // names the line and station when a station is missing
  tb.hz.plan = std::make_shared<const HazardPlan>(plan_hazards(net, city, sc, cfg.seed));
  tb.hz.fire_cells = std::shared_ptr<const std::vector<FireCell>>(tb.hz.plan, &tb.hz.plan->fire_cells);
  if (place) pop = place_population(net, sindex, city, sc, cfg.seed);
  engine::setup_tables(in, tb, k);
  engine::setup_records(in, tb.ag, tb.cold);
  engine::queue_initial_commands(in, clk, *tb.hz.plan, tb.cmds);
  record_row();
}

// One step, phase by phase. Each phase is a function of the tables it reads and
// writes (sim/src/engine/engine.hpp); the Kernel k is the only writer of the state
// totals, edge counts and facility places.
bool Simulation::Impl::step() {
  engine::StepClock& clk = tb.clk;
  omp_set_num_threads(clk.threads);  // this thread's OpenMP teams match the per-thread buffers
  if (clk.t >= clk.end_t) return false;
  const engine::StepContext c = cx();
  PhaseClock clock(tb.metrics.phase_s);
  // commands: the queue -> facilities, closures, pauses, rail, agents sent elsewhere
  engine::run_commands(c, cmd_mu, tb, k, planner);
  // events: facility openings, wake-ups, day 4 -> facilities, agents, seekers, home trees wanted
  engine::run_events(c, tb.cold, tb.ag, tb.lists, tb.fac, tb.homes, tb.routes, tb.hz, k);
  // rail: running lines board those near their stations -> agents, rail lines
  engine::run_rail(c, tb.ag, tb.rails, k);
  clock.mark(Phase::kEvents);
  // seek: seekers -> reservations, walkers, stranded agents, facility trees wanted
  engine::run_seek(c, tb.cold, tb.ag, tb.lists, tb.fac, tb.homes, tb.routes, k);
  clock.mark(Phase::kSeek);
  // routes: closures and wanted trees -> weights, home and facility trees
  engine::run_routes(c, tb.ag, tb.lists, tb.ed, tb.fac, tb.homes, tb.routes);
  clock.mark(Phase::kTrees);
  // move: walkers, densities, trees -> positions, exposure, per-thread requests.
  // Threads are forked only when there is enough to share: a step of a few thousand
  // walkers is faster on one thread than through a fork and barriers.
  clk.par = tb.lists.active.size() >= cfg.parallel_min_walkers;
  engine::run_move(c, tb.cold, tb.edge, tb.speed, tb.ed, tb.fac, tb.homes, tb.hz, tb.lists.active, tb.ag, tb.bufs,
                   tb.metrics);
  clock.mark(Phase::kMove);
  // resolve: requests, edge room -> transfers, arrivals, stops, seekers
  engine::run_resolve(c, tb.edge, tb.ed, tb.ag, tb.lists, tb.bufs, k);
  clock.mark(Phase::kResolve);
  clk.t += clk.dt;
  ++clk.step_no;
  now_s.store(clk.t, std::memory_order_release);
  // account: touched edges, walker list -> edge statistics, peaks, timeseries row
  engine::run_account(c, tb);
  clock.mark(Phase::kAccount);
  if (cfg.check_invariants) engine::validate(in, tb);
  return clk.t < clk.end_t;
}

// ---------------------------------------------------------------- Simulation

Simulation::Simulation(const Network& net, City city, const Scenario& scenario, const RunConfig& config)
    : impl_(std::make_unique<Impl>(net, std::move(city), scenario, config)) {
  impl_->setup(true);
}

Simulation::Simulation(const Network& net, City city, const Scenario& scenario, const RunConfig& config,
                       Population population)
    : impl_(std::make_unique<Impl>(net, std::move(city), scenario, config)) {
  impl_->pop = std::move(population);
  impl_->setup(false);
}

Simulation::~Simulation() = default;

void Simulation::submit(Command c) {
  engine::check_command(impl_->in, c);  // throws InputError before anything is queued
  std::lock_guard<std::mutex> lock(impl_->cmd_mu);
  c.time_s = std::max(c.time_s, impl_->now_s.load(std::memory_order_acquire));
  c.seq = impl_->tb.cmds.next_seq++;
  if (c.source.empty()) c.source = "operator";
  impl_->tb.cmds.pending.push_back(std::move(c));
}

bool Simulation::step() {
  const auto t0 = std::chrono::steady_clock::now();
  const bool more = impl_->step();
  impl_->tb.metrics.wall += std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  return more;
}

void Simulation::run(const ProgressFn& progress, const std::atomic<bool>* stop) {
  while (!done()) {
    if (stop && stop->load()) {
      impl_->tb.metrics.partial = true;
      impl_->record_row();
      return;
    }
    step();
    if (progress) progress(static_cast<double>(impl_->tb.clk.t) / static_cast<double>(impl_->tb.clk.end_t));
  }
}

std::int64_t Simulation::time_s() const noexcept { return impl_->now_s.load(std::memory_order_acquire); }
std::int64_t Simulation::duration_s() const noexcept { return impl_->tb.clk.end_t; }
bool Simulation::done() const noexcept { return time_s() >= impl_->tb.clk.end_t; }
const Network& Simulation::network() const noexcept { return impl_->net; }
const City& Simulation::city() const noexcept { return impl_->city; }
const Population& Simulation::population() const noexcept { return impl_->pop; }
const Scenario& Simulation::scenario() const noexcept { return impl_->sc; }
std::size_t Simulation::agent_count() const noexcept { return impl_->tb.ag.size(); }
AgentState Simulation::state(AgentId a) const { return impl_->tb.ag.state[a]; }
Point Simulation::position(AgentId a) const { return engine::agent_point(impl_->net, impl_->pop, impl_->tb.ag, a); }

EdgeId Simulation::agent_edge(AgentId a) const {
  const ArcId arc = impl_->tb.ag.arc[a];
  return arc == kNoArc ? kNoEdge : impl_->net.edge(arc);
}

EdgeView Simulation::edge_view(EdgeId e) const {
  const auto& tb = impl_->tb;
  return {tb.ed.count[e], static_cast<float>(tb.ed.count[e] * impl_->in.w() / tb.edge.area[e]), tb.ed.closed[e] != 0,
          static_cast<EdgeClosure>(tb.ed.closed[e])};
}
FacilityState Simulation::facility_state(ShelterId f) const { return impl_->tb.fac.state[f]; }
double Simulation::facility_occupancy(ShelterId f) const { return impl_->tb.fac.occupied[f] * impl_->in.w(); }
double Simulation::facility_reserved(ShelterId f) const { return impl_->tb.fac.reserved[f] * impl_->in.w(); }
double Simulation::facility_capacity(ShelterId f) const { return impl_->tb.fac.cap[f]; }
const std::vector<TimeseriesRow>& Simulation::timeseries() const noexcept { return impl_->tb.metrics.rows; }
TimeseriesRow Simulation::current_row() const {
  const auto& tb = impl_->tb;
  return engine::current_row(impl_->cx(), tb);
}
const std::vector<StationFrontRow>& Simulation::station_fronts() const noexcept { return impl_->tb.metrics.station_rows; }
const std::vector<Command>& Simulation::command_log() const noexcept { return impl_->tb.cmds.log; }
void Simulation::validate() const { engine::validate(impl_->in, impl_->tb); }
bool Simulation::facility_damaged(ShelterId f) const { return impl_->tb.fac.damaged[f] != 0; }
const HazardPlan& Simulation::hazard_plan() const noexcept { return *impl_->tb.hz.plan; }
std::int64_t Simulation::rail_running_since(std::size_t l) const { return impl_->tb.rails.at(l).since; }
double Simulation::rail_boarded(std::size_t l) const {
  return static_cast<double>(impl_->tb.rails.at(l).boarded) * impl_->in.w();
}
AgentExposure Simulation::exposure(AgentId a) const {
  const auto& tb = impl_->tb;
  const auto& ag = tb.ag;
  const auto j = engine::junction_exposure(tb, a);
  return {ag.crowd4[a], ag.crowd6[a], (ag.flags[a] & engine::kOnStreet) != 0, j.first, j.second};
}

AgentRecords Simulation::agent_records() const { return engine::agent_records(impl_->in, impl_->tb); }

Simulation::TreeRebuilds Simulation::tree_rebuilds() const {
  const auto& r = impl_->tb.routes;
  return {r.rebuilt, r.repaired, r.kept};
}

const char* Simulation::phase_name(Phase p) noexcept {
  switch (p) {
    case Phase::kEvents: return "events";
    case Phase::kSeek: return "seek";
    case Phase::kTrees: return "trees";
    case Phase::kMove: return "move";
    case Phase::kResolve: return "resolve";
    case Phase::kAccount: return "account";
    case Phase::kCount: break;
  }
  return "?";
}

PhaseSeconds Simulation::phase_seconds() const { return impl_->tb.metrics.phase_s; }

void Simulation::fill_snapshot(Snapshot& out, bool with_agents) const {
  engine::fill_snapshot(impl_->in, impl_->tb, out, with_agents);
}

EdgeStats Simulation::edge_stats() const {
  const auto& tb = impl_->tb;
  const auto& ac = tb.acct;
  EdgeStats s;
  const std::size_t E = tb.ed.count.size();
  s.peak_density = ac.peak_density.raw();
  s.peak_flow = ac.peak_flow.raw();
  s.peak_density_s = ac.peak_t.raw();
  s.first_ge6_s = ac.first_ge6.raw();
  s.seconds_ge4.resize(E);
  s.seconds_ge6.resize(E);
  s.walkable_m.resize(E);
  for (const EdgeId e : tb.ed.count.ids()) {
    s.walkable_m[index(e)] = tb.edge.area[e] / impl_->in.net.length(e);
    // Time since the last change counts with the current count.
    const std::int64_t span = tb.clk.t - ac.acc_t[e];
    const std::int32_t c = ac.acc_count[e];
    s.seconds_ge4[index(e)] = static_cast<float>(ac.sec_ge4[e] + (c >= tb.edge.thr4[e] ? span : 0));
    s.seconds_ge6[index(e)] = static_cast<float>(ac.sec_ge6[e] + (c >= tb.edge.thr6[e] ? span : 0));
  }
  return s;
}

FacilityStats Simulation::facility_stats() const {
  const auto& tb = impl_->tb;
  const auto& fac = tb.fac;
  const double w = impl_->in.w();
  FacilityStats s;
  const std::size_t F = fac.cap.size();
  s.capacity = fac.cap.raw();
  s.peak_occupancy.resize(F);
  s.seconds_full.resize(F);
  s.open_time_s.resize(F);
  s.state = fac.state.raw();
  for (const ShelterId f : fac.cap.ids()) {
    const auto i = index(f);
    s.peak_occupancy[i] = fac.peak_occ[f] * w;
    s.seconds_full[i] = static_cast<double>(fac.seconds_full[f] +
                                            (fac.state[f] == FacilityState::kFull ? tb.clk.t - fac.full_since[f] : 0));
    s.open_time_s[i] = static_cast<double>(fac.opened_time[f]);
  }
  return s;
}

Summary Simulation::summary() const {
  const auto& tb = impl_->tb;
  const auto& m = tb.metrics;
  const auto& n = tb.lists.state_count;
  const double w = impl_->in.w();
  Summary s;
  s.agents = static_cast<std::int64_t>(tb.ag.size());
  s.persons_per_agent = w;
  s.seed = impl_->cfg.seed;
  s.threads = tb.clk.threads;
  s.sim_seconds = tb.clk.t;
  s.wall_seconds = m.wall;
  s.partial = m.partial || tb.clk.t < tb.clk.end_t;
  s.person_minutes_ge6 = static_cast<double>(m.steps_ge6) * tb.clk.dt * w / 60.0;
  s.person_minutes_ge4 = static_cast<double>(m.steps_ge4) * tb.clk.dt * w / 60.0;
  s.peak_km_road_ge6 = static_cast<double>(m.peak_cm_ge6) / 100000.0;
  s.peak_sheltered = static_cast<double>(m.peak_sheltered) * w;
  s.peak_unsheltered_stranded = static_cast<double>(m.peak_unsheltered) * w;
  s.arrived_home = static_cast<double>(n[static_cast<int>(AgentState::kArrivedHome)]) * w;
  s.by_rail = static_cast<double>(n[static_cast<int>(AgentState::kByRail)]) * w;
  std::int64_t walkers = 0, ge6_3h = 0, ge6_1h = 0, ge4_3h = 0;
  std::int64_t j6_3h = 0, j6_1h = 0, j4_3h = 0, jw6_3h = 0;
  const auto& ag = tb.ag;
  for (const AgentId a : ag.state.ids()) {
    const bool walker = (ag.flags[a] & engine::kOnStreet) != 0;
    walkers += walker;
    ge6_3h += ag.crowd6[a] >= 3 * 3600;
    ge6_1h += ag.crowd6[a] >= 3600;
    ge4_3h += ag.crowd4[a] >= 3 * 3600;
    const auto [j4, j6] = engine::junction_exposure(tb, a);
    j6_3h += ag.crowd6[a] + j6 >= 3 * 3600;
    j6_1h += ag.crowd6[a] + j6 >= 3600;
    j4_3h += ag.crowd4[a] + j4 >= 3 * 3600;
    jw6_3h += walker && ag.crowd6[a] + j6 >= 3 * 3600;
  }
  s.persons_ge6_3h_with_junctions = static_cast<double>(j6_3h) * w;
  s.persons_ge6_1h_with_junctions = static_cast<double>(j6_1h) * w;
  s.persons_ge4_3h_with_junctions = static_cast<double>(j4_3h) * w;
  s.walkers_ge6_3h_with_junctions = static_cast<double>(jw6_3h) * w;
  s.share_walkers_ge6_3h_with_junctions =
      walkers > 0 ? static_cast<double>(jw6_3h) / static_cast<double>(walkers) : 0.0;
  s.junction_person_minutes_ge6 = static_cast<double>(m.junction_steps_ge6) * tb.clk.dt * w / 60.0;
  s.junction_person_minutes_ge4 = static_cast<double>(m.junction_steps_ge4) * tb.clk.dt * w / 60.0;
  s.total_person_minutes_ge6 = static_cast<double>(m.steps_ge6 + m.junction_steps_ge6) * tb.clk.dt * w / 60.0;
  s.total_person_minutes_ge4 = static_cast<double>(m.steps_ge4 + m.junction_steps_ge4) * tb.clk.dt * w / 60.0;
  for (const NodeId n : tb.jacc.peak_density.ids())
    if (tb.jacc.peak_density[n] > s.peak_junction_density) {
      s.peak_junction_density = tb.jacc.peak_density[n];
      s.peak_junction_density_s = tb.jacc.peak_t[n];
    }
  s.peak_junctions_ge6 = m.peak_junctions_ge6;
  s.peak_persons_at_junctions = static_cast<double>(m.peak_standing) * w;
  // Places: the recorded row nearest +3 h (the earlier on a tie), and the most.
  std::int64_t best = -1;
  for (const TimeseriesRow& r : m.rows) {
    if (r.places_ge6 > s.peak_places_ge6) s.peak_places_ge6 = r.places_ge6, s.peak_places_ge6_s = r.time_s;
    if (r.time_s > tb.clk.end_t) continue;
    const std::int64_t d = std::abs(r.time_s - 3 * 3600);
    if (tb.clk.end_t >= 3 * 3600 && (best < 0 || d < best)) best = d, s.places_ge6_3h = r.places_ge6;
  }
  const auto& st = impl_->city.stations;
  s.stations.resize(st.size());
  for (std::size_t i = 0; i < st.size(); ++i) s.stations[i].name = st[i].name;
  for (const StationFrontRow& r : m.station_rows) {
    StationPeak& p = s.stations[static_cast<std::size_t>(r.station)];
    if (p.peak_s < 0 || r.persons > p.peak_persons) p.peak_persons = r.persons, p.peak_s = r.time_s;
    p.peak_density = std::max(p.peak_density, r.peak_density);
  }
  s.walkers = static_cast<double>(walkers) * w;
  s.persons_ge6_3h = static_cast<double>(ge6_3h) * w;
  s.persons_ge6_1h = static_cast<double>(ge6_1h) * w;
  s.persons_ge4_3h = static_cast<double>(ge4_3h) * w;
  s.share_walkers_ge6_3h = walkers > 0 ? static_cast<double>(ge6_3h) / static_cast<double>(walkers) : 0.0;
  s.agent_steps = m.agent_steps;
  s.commands_applied = static_cast<std::int64_t>(tb.cmds.log.size());
  return s;
}

void Simulation::save_checkpoint(std::ostream& out) const {
  engine::save_state(impl_->in, impl_->tb, impl_->cmd_mu, out);
}

void Simulation::load_checkpoint(std::istream& in, const std::string& origin) {
  Impl& m = *impl_;
  omp_set_num_threads(m.tb.clk.threads);  // the route trees are rebuilt in parallel
  engine::load_state(m.in, m.tb, m.cmd_mu, in, origin);
  m.now_s.store(m.tb.clk.t, std::memory_order_release);
}

}  // namespace kitaku
