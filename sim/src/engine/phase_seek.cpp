// The seek phase (engine.hpp): the step's facility seekers choose the nearest
// available facility within the search radius, in list order.
#include <omp.h>

#include <atomic>
#include <cmath>
#include <limits>

#include "engine.hpp"

namespace kitaku::engine {

namespace {

bool facility_available(const Inputs& in, const FacilityTable& fac, ShelterId f, AgentId a) {
  if (fac.state[f] != FacilityState::kOpen) return false;
  const std::int32_t room = fac.cap_agents[f] - fac.reserved[f];
  if (room <= 0) return false;
  const double reserve = in.sc.facilities.priority_reserve * fac.cap_agents[f];
  return in.priority(a) || room > reserve;
}

// Nearest available facility by straight-line distance within `limit` metres of p
// (ties: the lower id), or kNoShelter. Searches rings of doubling radius.
ShelterId search_facility(const Inputs& in, const FacilityTable& fac, AgentId a, Point p, double limit) {
  for (double r = std::min(500.0, limit);; r = std::min(r * 2, limit)) {
    ShelterId best = kNoShelter;
    double best_d2 = r * r;
    fac.grid.for_each_cell({p.x - r, p.y - r, p.x + r, p.y + r}, [&](std::size_t c) {
      for (const std::uint32_t i : fac.grid.items(c)) {
        const ShelterId f = make_id<ShelterId>(i);
        if (fac.state[f] != FacilityState::kOpen) continue;
        const Point q = in.city.facilities[i].pos;
        const double d2 = (q.x - p.x) * (q.x - p.x) + (q.y - p.y) * (q.y - p.y);
        if ((d2 < best_d2 || (d2 == best_d2 && f < best)) && facility_available(in, fac, f, a)) {
          best = f;
          best_d2 = d2;
        }
      }
    });
    if (valid(best) || r >= limit) return best;
  }
}

// A facility search made ahead, from the state before a batch of seeks: what
// choose_facility() would give then.
struct Proposal {
  ShelterId f = kNoShelter;
  std::uint64_t version = 0;  // avail_version it was made at (0: never holds)
  bool wide_miss = false;     // nothing even one facility-grid diagonal farther
};

// Runs on several threads at once: the only thing it writes is the miss cache,
// atomically, and only with a miss that holds for the state every proposal of the
// batch is made from (so which thread records it first changes no result, only how
// many searches are skipped; as in the serial search, most seekers of a crowded
// place find nothing and skip their search).
Proposal propose(const StepContext& cx, const AgentsHot& ag, FacilityTable& fac, AgentId a) {
  const Point p = cx.in.net.pos(decision_node(cx.in.net, ag, a));
  Proposal r;
  r.version = fac.avail_version;
  std::atomic_ref<std::uint64_t> failed(fac.search_failed[search_key(cx.in, fac, a, p)]);
  if (failed.load(std::memory_order_relaxed) == fac.avail_version) return r;
  const double limit = cx.in.sc.behaviour.facility_search_m;
  r.f = search_facility(cx.in, fac, a, p, limit);
  if (!valid(r.f)) r.wide_miss = !valid(search_facility(cx.in, fac, a, p, limit + fac.grid.geometry().cell * 1.4143));
  if (r.wide_miss) failed.store(fac.avail_version, std::memory_order_relaxed);
  return r;
}

// Nearest available facility by straight-line distance within the search radius.
// A proposal made earlier stands when it still holds: no facility has become
// available since (avail_version unchanged; reserving only ever takes room away),
// and the one it found still has room for this agent. Then no nearer one can have
// become available, so it is what a search now would give.
ShelterId choose_facility(const Inputs& in, FacilityTable& fac, AgentId a, Point p, const Proposal* hint) {
  const std::size_t key = search_key(in, fac, a, p);
  if (hint && hint->version == fac.avail_version && (!valid(hint->f) || facility_available(in, fac, hint->f, a))) {
    if (hint->wide_miss) fac.search_failed[key] = fac.avail_version;
    return hint->f;
  }
  if (fac.search_failed[key] == fac.avail_version) return kNoShelter;
  const double limit = in.sc.behaviour.facility_search_m;
  const ShelterId f = search_facility(in, fac, a, p, limit);
  // Remember the miss for the whole grid cell only if nothing is available even one
  // cell diagonal farther: then no point of the cell finds anything within the
  // limit, and skipping those searches changes no result.
  if (!valid(f) && !valid(search_facility(in, fac, a, p, limit + fac.grid.geometry().cell * 1.4143)))
    fac.search_failed[key] = fac.avail_version;
  return f;
}

// Finds a facility for agent a (stranded, stopping over, evicted or rerouted).
void seek(const StepContext& cx, const AgentsCold& cold, AgentsHot& ag, AgentLists& lists, FacilityTable& fac,
          HomeRoutes& homes, RouteState& routes, Kernel& k, AgentId a, const Proposal* hint) {
  const NodeId n = decision_node(cx.in.net, ag, a);
  const Point p = cx.in.net.pos(n);
  const ShelterId f = choose_facility(cx.in, fac, a, p, hint);
  if (valid(f)) {
    reserve(cx, lists, fac, routes, k, a, f, p);
    k.set_state(a, AgentState::kToFacility);
    if (!valid(ag.arc[a])) k.place_at(a, n);
    k.activate(a);
    return;
  }
  if (ag.flags[a] & kStopover) {  // nowhere to rest: walk on
    clear_flags(ag.flags[a], kStopover);
    start_walking_home(cx, cold, ag, homes, routes, k, a, n);
    return;
  }
  k.leave_edge(a, n);
  k.set_state(a, AgentState::kUnsheltered);
  k.schedule(a, cx.clk.t + static_cast<std::int64_t>(cx.in.sc.behaviour.retry_min * 60));
}

}  // namespace

std::size_t search_key(const Inputs& in, const FacilityTable& fac, AgentId a, Point p) {
  return 2 * fac.grid.geometry().cell_of(p) + (in.priority(a) ? 1 : 0);
}

void run_seek(const StepContext& cx, const AgentsCold& cold, AgentsHot& ag, AgentLists& lists, FacilityTable& fac,
              HomeRoutes& homes, RouteState& routes, Kernel& k) {
  std::vector<AgentId> list;
  list.swap(lists.seekers);
  auto seeks = [&](AgentId a) {
    if (ag.state[a] == AgentState::kToFacility && valid(ag.facility[a])) return false;  // guided meanwhile
    return ag.state[a] == AgentState::kWaiting || ag.state[a] == AgentState::kWalkingHome ||
           ag.state[a] == AgentState::kUnsheltered || ag.state[a] == AgentState::kToFacility;
  };
  // The searches run ahead in parallel from the state before the batch; the seeks
  // then take effect one by one in list order, each checking that its proposal
  // still holds (choose_facility), so the result is the serial one.
  const auto L = static_cast<std::int64_t>(list.size());
  const bool ahead = cx.clk.threads > 1 && L > 0 &&
                     static_cast<std::size_t>(L) >= std::min<std::size_t>(256, cx.in.cfg.parallel_min_walkers);
  std::vector<Proposal> proposals(ahead ? list.size() : 0);
#pragma omp parallel for schedule(dynamic, 64) if (ahead)
  for (std::int64_t i = 0; i < (ahead ? L : 0); ++i) {
    const AgentId a = list[static_cast<std::size_t>(i)];
    proposals[static_cast<std::size_t>(i)] = seeks(a) ? propose(cx, ag, fac, a) : Proposal{};
  }
  for (std::size_t i = 0; i < list.size(); ++i)
    if (seeks(list[i])) seek(cx, cold, ag, lists, fac, homes, routes, k, list[i], ahead ? &proposals[i] : nullptr);
}

}  // namespace kitaku::engine
