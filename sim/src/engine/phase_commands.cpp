// The commands phase (engine.hpp): operator commands, drill injects, the hazard
// plan's timed events and the periodic optimiser's guidance, applied at the step
// boundary in a fixed, logged order.
#include <algorithm>
#include <cmath>
#include <limits>
#include <sstream>

#include "engine.hpp"
#include "kitaku/sim/allocation_planner.hpp"
#include "kitaku/sim/error.hpp"
#include "kitaku/sim/limits.hpp"
#include "kitaku/sim/optimiser.hpp"
#include "kitaku/sim/rng.hpp"
#include "kitaku/sim/snapshot.hpp"

namespace kitaku::engine {

namespace {

constexpr std::uint8_t reason_code(EdgeClosure r) { return static_cast<std::uint8_t>(r); }

bool uses_facility(CommandType t) {
  return t == CommandType::kOpenFacility || t == CommandType::kCloseFacility || t == CommandType::kSetCapacity ||
         t == CommandType::kGuidance || t == CommandType::kDamageFacility;
}
bool uses_edge(CommandType t) { return t == CommandType::kCloseEdge || t == CommandType::kReopenEdge; }

// Whether any point of edge e's polyline lies within r of (x, y).
bool edge_in_area(const Network& net, EdgeId e, double x, double y, double r) {
  const auto g = net.geometry(e);
  for (std::size_t i = 0; i + 1 < g.size(); ++i)
    if (project_on_segment({x, y}, g[i], g[i + 1]).dist <= r) return true;
  return false;
}

// Edges with a point within r of (x, y), in increasing id order.
std::vector<EdgeId> edges_in_area(const Network& net, AreaIndex& ai, double x, double y, double r) {
  const std::size_t E = net.edge_count();
  auto box_of = [&](std::uint32_t e) {
    BBox b;
    for (const Point& p : net.geometry(make_id<EdgeId>(e))) b.extend(p);
    return b;
  };
  if (ai.stamp.empty()) {
    const GridGeometry g = GridGeometry::covering(net.bbox(), 250.0);
    ai.grid = GridIndex::build(g, E, [&](std::uint32_t e, auto&& emit) { g.for_each_cell(box_of(e), emit); });
    ai.stamp.assign(E, 0);
  }
  ++ai.query;
  std::vector<EdgeId> out;
  ai.grid.for_each_item({x - r, y - r, x + r, y + r}, [&](std::uint32_t i) {
    const EdgeId e = make_id<EdgeId>(i);
    if (ai.stamp[e] == ai.query) return;
    ai.stamp[e] = ai.query;
    if (edge_in_area(net, e, x, y, r)) out.push_back(e);
  });
  std::sort(out.begin(), out.end());
  return out;
}

// Closes edge e for `reason`; walkers on it step off to its nearer end (in
// step_off_closed, before the next command that is not a closure looks at them, so
// a run of closures — an aftershock blocking thousands of roads — costs one pass
// over the walkers). A hazard (collapse, fire) takes over the reason of an
// operator's closure, not the other way.
void close_edge(const Network& net, EdgeState& ed, RouteState& routes, EdgeId e, EdgeClosure reason) {
  if (ed.closed[e]) {
    if (ed.closed[e] == reason_code(EdgeClosure::kCommand)) ed.closed[e] = reason_code(reason);
    return;
  }
  ed.closed[e] = reason_code(reason);
  routes.trees_dirty = true;
  if (routes.newly_closed.empty()) routes.newly_closed.assign(net.edge_count(), 0);
  if (!routes.newly_closed[index(e)]) routes.newly_closed[index(e)] = 1, routes.newly_closed_list.push_back(e);
  ed.walkers_on_closed = true;
}

void reopen_edge(EdgeState& ed, RouteState& routes, EdgeId e) {
  if (!ed.closed[e]) return;
  ed.closed[e] = 0;
  routes.trees_dirty = true;
  routes.reopened = true;
}

void step_off_closed(const Network& net, const std::vector<AgentId>& active, const AgentsHot& ag, EdgeState& ed,
                     Kernel& k) {
  if (!ed.walkers_on_closed) return;
  ed.walkers_on_closed = false;
  for (const AgentId a : active) {
    const ArcId ar = ag.arc[a];
    if (!valid(ar) || !ed.closed[net.edge(ar)]) continue;
    const NodeId end = ag.pos[a] < net.length(ar) / 2 ? net.tail(ar) : net.head(ar);
    k.leave_edge(a, end);
  }
}

// The periodic optimiser ([optimiser] period_min) runs at the first step at or
// after each multiple of the period since the quake; a function of t alone, so a
// resumed checkpoint keeps the schedule.
bool periodic_due(const StepContext& cx) {
  const double pm = cx.in.sc.hazards.optimiser.period_min;
  if (!(pm > 0)) return false;
  const auto period = std::max<std::int64_t>(1, std::llround(pm * 60));
  const std::int64_t t = cx.clk.t;
  return t > 0 && t / period > (t - cx.clk.dt) / period;
}

// The optimiser on the state now, as guidance commands (docs/model.md, "Allocation
// optimiser", "Periodically"): the same planner and conversion as the dashboard's
// "Compute plan" and "Accept plan", over areas laid from the network's south-west
// corner. Deterministic for any thread count, like everything it calls.
std::vector<Command> periodic_plan(const StepContext& cx, const Tables& tb, std::unique_ptr<AllocationPlanner>& planner) {
  const Inputs& in = cx.in;
  if (!planner) planner = std::make_unique<AllocationPlanner>(in.net, in.city, priority_flags(in.pop));
  Snapshot s;
  fill_snapshot(in, tb, s, /*with_agents=*/true);
  PlannerSettings set;
  set.params = in.sc.hazards.optimiser;
  const BBox b = in.net.bbox();
  set.areas = {b.min_x, b.min_y, 10000};
  const AllocationPlanResult r = planner->plan(s, set, /*with_greedy=*/false);
  if (!r.error.empty()) throw InvariantError("periodic optimiser at t=" + std::to_string(cx.clk.t) + " s: " + r.error);
  std::vector<Command> cmds = plan_to_guidance(r.plan, r.groups, in.sc.hazards.optimiser, cx.clk.t);
  for (auto& c : cmds) c.source = kPeriodicOptimiserSource;
  return cmds;
}

// Applies one checked command.
void apply(const StepContext& cx, Tables& tb, Kernel& k, const Command& c) {
  const Inputs& in = cx.in;
  const Network& net = in.net;
  AgentsHot& ag = tb.ag;
  FacilityTable& fac = tb.fac;
  const std::int64_t step_no = cx.clk.step_no;
  const bool hazard = is_hazard(c.source);
  const ShelterId f = uses_facility(c.type) ? c.facility : kNoShelter;
  const EdgeId edge = uses_edge(c.type) ? c.edge : kNoEdge;
  auto in_area = [&](AgentId a) {
    if (c.radius_m <= 0) return true;
    const Point p = agent_point(net, in.pop, ag, a);
    return std::hypot(p.x - c.x, p.y - c.y) <= c.radius_m;
  };
  // Everyone bound for or inside facility f looks elsewhere (in agent order) until
  // no more than `keep` agents hold a place there.
  auto evict = [&](std::int32_t keep) {
    std::vector<AgentId> going, inside;
    for (const AgentId a : ag.state.ids()) {
      if (ag.facility[a] != f) continue;
      (ag.state[a] == AgentState::kSheltered ? inside : going).push_back(a);
    }
    // Cancel reservations of those still on their way first (highest agent id
    // first), then send out those inside (highest id first).
    std::vector<AgentId> order(going.rbegin(), going.rend());
    order.insert(order.end(), inside.rbegin(), inside.rend());
    for (const AgentId a : order) {
      if (fac.reserved[f] <= keep) break;
      const bool was_inside = ag.state[a] == AgentState::kSheltered;
      k.release_place(a);
      clear_flags(ag.flags[a], kStopover);
      if (was_inside) {
        ag.node[a] = fac.node[f];
        k.set_state(a, AgentState::kUnsheltered);  // stands outside the facility
      }
      tb.lists.seekers.push_back(a);
    }
  };
  switch (c.type) {
    case CommandType::kOpenFacility:
      if (fac.damaged[f]) break;  // a damaged building stays shut
      fac.op_closed[f] = 0;
      fac.op_opened[f] = 1;
      k.open_facility(f);
      break;
    case CommandType::kCloseFacility:
      fac.op_closed[f] = 1;
      k.update_facility_state(f);
      evict(0);
      break;
    case CommandType::kSetCapacity:
      k.set_capacity(f, std::max(0.0, c.value));
      evict(fac.cap_agents[f]);
      k.update_facility_state(f);
      break;
    case CommandType::kDamageFacility:
      fac.damaged[f] = 1;
      fac.op_closed[f] = 1;
      k.update_facility_state(f);
      evict(0);
      break;
    case CommandType::kCloseEdge:
      // From the hazard plan: blocked by collapse (an aftershock's further blockage).
      close_edge(net, tb.ed, tb.routes, edge, hazard ? EdgeClosure::kCollapse : EdgeClosure::kCommand);
      break;
    case CommandType::kReopenEdge:
      // An operator reopens a named road whatever closed it (cleared, or the fire is
      // out); the plan reopens only what a hazard closed.
      if (!hazard || tb.ed.closed[edge] != reason_code(EdgeClosure::kCommand)) reopen_edge(tb.ed, tb.routes, edge);
      break;
    case CommandType::kCloseArea:
    case CommandType::kReopenArea: {
      // From the hazard plan an area is a fire: it closes with reason fire and, burnt
      // out, reopens only fire closures. An operator's area (a cordon) reopens only
      // operator closures: reopening an area clears neither rubble nor fire.
      const bool close = c.type == CommandType::kCloseArea;
      const std::uint8_t mine = reason_code(hazard ? EdgeClosure::kFire : EdgeClosure::kCommand);
      auto& closed = tb.ed.closed;
      for (const EdgeId e : edges_in_area(net, tb.area, c.x, c.y, c.radius_m)) {
        if (close ? closed[e] == mine || (closed[e] != 0 && !hazard) : closed[e] != mine) continue;
        if (close) close_edge(net, tb.ed, tb.routes, e, hazard ? EdgeClosure::kFire : EdgeClosure::kCommand);
        else reopen_edge(tb.ed, tb.routes, e);
      }
      break;
    }
    case CommandType::kPauseWalkers: {
      // An aftershock: walkers in the area stand still for `value` seconds, keeping
      // their place on their edge.
      const auto steps = static_cast<std::int64_t>(std::ceil(c.value / cx.clk.dt - 1e-9));
      if (steps <= 0) break;
      auto& pause_until = tb.hz.pause_until;
      if (pause_until.empty()) pause_until.assign(ag.size(), 0);
      const std::int64_t until = step_no + steps;  // still in steps step_no .. until - 1
      for (const AgentId a : tb.lists.active) {
        if (ag.on_network_walker(a) && in_area(a)) pause_until[a] = std::max(pause_until[a], until);
      }
      if (c.radius_m <= 0) {
        // Felt everywhere: those on the off-network last stretch home stop too, so
        // their arrival moves later by the part of the pause not already counted.
        for (const AgentId a : ag.state.ids()) {
          if (ag.state[a] != AgentState::kWalkingHome || !(ag.flags[a] & kOffNet) || ag.wake_step[a] < 0) continue;
          const std::int64_t extra = until - std::max(pause_until[a], step_no);
          if (extra <= 0) continue;
          pause_until[a] = until;
          k.schedule(a, (ag.wake_step[a] + extra) * cx.clk.dt);
        }
      }
      break;
    }
    case CommandType::kResumeRail:
      resume_rail(cx, ag, tb.rails, static_cast<std::size_t>(c.value));
      break;
    case CommandType::kGuidance: {
      if (fac.state[f] == FacilityState::kClosed) break;  // nobody is sent to a closed facility
      for (const AgentId a : ag.state.ids()) {
        if (ag.state[a] != AgentState::kUnsheltered && ag.state[a] != AgentState::kToFacility) continue;
        if (ag.facility[a] == f || !in_area(a)) continue;
        Rng rng(in.cfg.seed, index(a), static_cast<std::uint64_t>(step_no), Purpose::kGuidance);
        if (!rng.bernoulli(c.value)) continue;
        if (fac.reserved[f] >= fac.cap_agents[f]) break;
        k.release_place(a);
        const NodeId n = decision_node(net, ag, a);
        reserve(cx, tb.lists, fac, tb.routes, k, a, f, net.pos(n));
        fac.tree_need[f] = std::numeric_limits<double>::infinity();
        tb.routes.trees_pending = true;
        if (ag.state[a] == AgentState::kUnsheltered) {
          ag.wake_step[a] = -1;  // no retry needed
          k.set_state(a, AgentState::kToFacility);
          k.place_at(a, n);
          k.activate(a);
        }
      }
      break;
    }
    case CommandType::kReleaseRetained:
      for (const AgentId a : ag.state.ids()) {
        if (ag.state[a] != AgentState::kRetained || !in_area(a)) continue;
        Rng rng(in.cfg.seed, index(a), static_cast<std::uint64_t>(step_no), Purpose::kReleaseCommand);
        if (!rng.bernoulli(c.value)) continue;
        k.schedule(a, cx.clk.t + static_cast<std::int64_t>(rng.uniform(0, in.sc.behaviour.release_spread_min * 60)));
      }
      break;
  }
}

}  // namespace

void check_command(const Inputs& in, const Command& c, const std::string& file, const std::string& place) {
  const std::size_t F = in.city.facilities.size(), E = in.net.edge_count();
  const std::string where = !file.empty() ? file : c.source.empty() ? "command" : c.source;
  const std::string at = (place.empty() ? std::string() : place + ", ") + "t=" + std::to_string(c.time_s) + " s";
  const std::string name(command_name(c.type));
  const auto number = [](auto id) { return valid(id) ? std::to_string(index(id)) : std::string("none"); };
  if (uses_facility(c.type) && !(valid(c.facility) && index(c.facility) < F))
    throw InputError(where, at, name + ": facility " + number(c.facility) + " does not exist (" +
                                    std::to_string(F) + " facilities)");
  if (uses_edge(c.type) && !(valid(c.edge) && index(c.edge) < E))
    throw InputError(where, at, name + ": edge " + number(c.edge) + " does not exist (" + std::to_string(E) +
                                    " edges)");
  if (!(c.value >= 0) || !std::isfinite(c.value) || !std::isfinite(c.x) || !std::isfinite(c.y) || !(c.radius_m >= 0))
    throw InputError(where, at, name + ": value, x, y and radius_m must be finite, value and radius_m not negative");
  if ((c.type == CommandType::kGuidance || c.type == CommandType::kReleaseRetained) && c.value > 1)
    throw InputError(where, at, name + ": the share must be in [0, 1]");
  if ((c.type == CommandType::kCloseArea || c.type == CommandType::kReopenArea) && !(c.radius_m > 0))
    throw InputError(where, at, name + ": radius_m must be positive");
  if (c.type == CommandType::kSetCapacity && c.value > limits::kMaxFacilityCapacity)
    throw InputError(where, at, name + ": capacity " + (std::ostringstream() << c.value).str() + " is above " +
                                    limits::text(limits::kMaxFacilityCapacity) +
                                    " persons, the most one facility can plausibly hold");
  if (c.type == CommandType::kResumeRail) {
    const std::size_t L = in.sc.hazards.rail_lines.size();
    if (c.value != std::floor(c.value) || c.value >= static_cast<double>(L))
      throw InputError(where, at, "resume_rail: rail line " + (std::ostringstream() << c.value).str() +
                                      " does not exist (" + std::to_string(L) + " rail lines)");
  }
}

void run_commands(const StepContext& cx, std::mutex& queue_mu, Tables& tb, Kernel& k,
                  std::unique_ptr<AllocationPlanner>& planner) {
  std::vector<Command> due;
  {
    std::lock_guard<std::mutex> lock(queue_mu);
    auto& pending = tb.cmds.pending;
    if (!pending.empty()) {
      std::stable_sort(pending.begin(), pending.end(), [](const Command& a, const Command& b) {
        return a.time_s != b.time_s ? a.time_s < b.time_s : a.seq < b.seq;
      });
      auto it = pending.begin();
      while (it != pending.end() && it->time_s <= cx.clk.t) ++it;
      due.assign(pending.begin(), it);
      pending.erase(pending.begin(), it);
    }
  }
  const bool periodic = periodic_due(cx);
  if (due.empty() && !periodic) return;
  const Network& net = cx.in.net;
  auto step_off = [&] { step_off_closed(net, tb.lists.active, tb.ag, tb.ed, k); };
  // The hazard plan's commands go first within a step, then the periodic
  // optimiser's guidance (planned on the state after them), then everything else.
  // A replay drops the first two from the log and the run makes them again, so this
  // keeps the order of everything applied in a step the same in the run and in its
  // replay.
  const auto others = std::stable_partition(due.begin(), due.end(), [](const Command& c) { return is_hazard(c.source); });
  auto apply_logged = [&](Command& c) {
    // Logged with the time it took effect and its place in the log, so that a
    // replay applies it at the same step and in the same order.
    c.time_s = cx.clk.t;
    c.seq = tb.cmds.log.size();
    if (c.type != CommandType::kCloseEdge && c.type != CommandType::kCloseArea) step_off();
    check_command(cx.in, c);  // checked when queued; again here, so no bad id can slip through
    apply(cx, tb, k, c);
    tb.cmds.log.push_back(c);
  };
  for (auto it = due.begin(); it != others; ++it) apply_logged(*it);
  if (periodic) {
    step_off();
    for (auto& c : periodic_plan(cx, tb, planner)) apply_logged(c);
  }
  for (auto it = others; it != due.end(); ++it) apply_logged(*it);
  step_off();
}

}  // namespace kitaku::engine

namespace kitaku::engine {

void queue_initial_commands(const Inputs& in, const StepClock& clk, const HazardPlan& plan, CommandQueue& q) {
  // The scenario's [[command]]s, checked now so that a bad one fails before the run.
  const Scenario& sc = in.sc;
  for (std::size_t i = 0; i < sc.commands.size(); ++i) {
    const Command& c = sc.commands[i];
    check_command(in, c, sc.origin, "[[command]] " + std::to_string(i + 1) + " (" + c.source + ")");
    Command copy = c;
    copy.source = copy.source.empty() ? "scenario" : copy.source;
    q.pending.push_back(copy);
    q.next_seq = std::max(q.next_seq, c.seq + 1);
  }
  // The hazard plan's timeline (fire, aftershocks) and each rail line's
  // resumption, queued as commands with source "hazard".
  std::vector<Command> cmds = plan.timeline;
  for (std::size_t l = 0; l < sc.hazards.rail_lines.size(); ++l) {
    const double h = sc.hazards.rail_lines[l].resume_h;
    if (!(h >= 0)) continue;  // does not resume in the run
    const auto at = static_cast<std::int64_t>(std::llround(h * 3600));
    if (at >= clk.end_t) continue;
    const bool planned = std::any_of(cmds.begin(), cmds.end(), [&](const Command& c) {
      return c.type == CommandType::kResumeRail && c.value == static_cast<double>(l);
    });
    if (planned) continue;
    Command c;
    c.time_s = at;
    c.type = CommandType::kResumeRail;
    c.value = static_cast<double>(l);
    cmds.push_back(c);
  }
  for (std::size_t i = 0; i < cmds.size(); ++i) {
    Command c = cmds[i];
    c.source = "hazard";
    check_command(in, c, "hazard plan", "command " + std::to_string(i + 1));
    c.seq = q.next_seq++;
    q.pending.push_back(std::move(c));
  }
}

}  // namespace kitaku::engine
