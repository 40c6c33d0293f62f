// The events phase (engine.hpp): facility openings due, scheduled wake-ups and the
// day-4 release.
#include <algorithm>

#include "engine.hpp"
#include "kitaku/sim/rng.hpp"

namespace kitaku::engine {

namespace {

// Agent a's wake-up: it acts on what it was waiting for.
void wake(const StepContext& cx, const AgentsCold& cold, AgentsHot& ag, AgentLists& lists, HomeRoutes& homes,
          RouteState& routes, Kernel& k, AgentId a) {
  const AgentState s = ag.state[a];
  if (s == AgentState::kByRail) return;  // gone (boarding cancels wake-ups anyway)
  if (ag.flags[a] & kGoHome) {
    clear_flags(ag.flags[a], kGoHome | kStopover);
    if (s == AgentState::kSheltered || s == AgentState::kToFacility) k.release_place(a);
    if (s != AgentState::kArrivedHome && s != AgentState::kWalkingHome)
      start_walking_home(cx, cold, ag, homes, routes, k, a, ag.node[a]);
    return;
  }
  switch (s) {
    case AgentState::kWaiting:
      if (ag.flags[a] & kWillWalk) start_walking_home(cx, cold, ag, homes, routes, k, a, ag.node[a]);
      else lists.seekers.push_back(a);
      break;
    case AgentState::kRetained:
      if ((ag.flags[a] & kWillWalk) || cx.clk.t >= kDay4) start_walking_home(cx, cold, ag, homes, routes, k, a, ag.node[a]);
      else k.set_state(a, AgentState::kStaying);
      break;
    case AgentState::kWalkingHome:  // end of the off-network stretch
      k.arrive_home(a);
      break;
    case AgentState::kUnsheltered:
      lists.seekers.push_back(a);
      break;
    case AgentState::kSheltered:  // a stopover ends in the morning
      k.release_place(a);
      clear_flags(ag.flags[a], kStopover);
      start_walking_home(cx, cold, ag, homes, routes, k, a, ag.node[a]);
      break;
    default:
      break;
  }
}

}  // namespace

void run_events(const StepContext& cx, const AgentsCold& cold, AgentsHot& ag, AgentLists& lists,
                FacilityTable& fac, HomeRoutes& homes, RouteState& routes, HazardState& hz, Kernel& k) {
  const std::int64_t t = cx.clk.t;
  // Facilities whose safety check is done open, unless an operator closed them.
  while (fac.next_open < fac.open_order.size() && fac.open_at[fac.open_order[fac.next_open]] <= t) {
    const ShelterId f = fac.open_order[fac.next_open++];
    if (!fac.op_closed[f]) k.open_facility(f);
  }
  // Wake-ups of this step, in agent order (a rescheduled agent's stale entry is skipped).
  {
    auto& b = lists.buckets[static_cast<std::size_t>(cx.clk.step_no)];
    std::sort(b.begin(), b.end());
    for (const AgentId a : b)
      if (ag.wake_step[a] == cx.clk.step_no) {
        ag.wake_step[a] = -1;
        wake(cx, cold, ag, lists, homes, routes, k, a);
      }
    std::vector<AgentId>().swap(b);
  }
  if (t >= kDay4 && !hz.day4_done) {
    // 2012 guideline: from day 4 everyone still out walks home (spread over the
    // release spread, like a release wave).
    hz.day4_done = true;
    const double spread = cx.in.sc.behaviour.release_spread_min * 60;
    for (const AgentId a : ag.state.ids()) {
      const auto s = ag.state[a];
      if (s != AgentState::kStaying && s != AgentState::kSheltered && s != AgentState::kUnsheltered &&
          s != AgentState::kToFacility)
        continue;
      ag.flags[a] |= kGoHome;
      if (s == AgentState::kToFacility) clear_flags(ag.flags[a], kStopover);
      k.schedule(a, t + static_cast<std::int64_t>(Rng(cx.in.cfg.seed, index(a), 0, Purpose::kDay4).uniform(0, spread)));
    }
  }
}

}  // namespace kitaku::engine
