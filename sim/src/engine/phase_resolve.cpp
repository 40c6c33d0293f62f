// The resolve phase (engine.hpp): edge admission and the events of walkers at a
// node. Thread buffers hold contiguous slices of the walker list (static
// schedule), so reading them in thread order gives the same sequence for any
// thread count.
#include <omp.h>

#include <algorithm>
#include <cmath>

#include "engine.hpp"
#include "kitaku/sim/rng.hpp"

namespace kitaku::engine {

namespace {

struct Contender {
  EdgeId edge;
  std::uint16_t wait;
  std::uint64_t key;
  AgentId agent;
  Request* req;
};

// Marks the transfers denied this step. An edge admits as many as it has room for
// at the start of the resolution (its storage limit minus those on it). When more
// ask, those who have waited longest go first, ties broken by a random key. A
// walker held for stuck_s also enters above the storage limit, so that rings of full
// edges cannot lock for good (MATSim's stuck time), but never above the edge's
// limit (rho_limit): no edge ever holds more.
void admit(const StepContext& cx, const EdgeParams& edge, EdgeState& ed, const AgentsHot& ag, ThreadBuffers& bufs) {
  const Network& net = cx.in.net;
  const int nbuf = static_cast<int>(bufs.size());
  const bool par = cx.clk.par;
  // Counting requests per edge runs in parallel: the counts are integers, so they
  // come out the same in any order, and which thread lists an edge does not matter.
#pragma omp parallel for schedule(static, 1) if (par)
  for (int bi = 0; bi < nbuf; ++bi) {
    auto& b = bufs[static_cast<std::size_t>(bi)];
    b.targets.clear();
    for (std::uint32_t i = 0; i < b.req.size(); ++i) {
      auto& r = b.req[i];
      if (r.kind != Ev::kTransfer) {
        b.events.push_back(i);
        continue;
      }
      const EdgeId e = net.edge(r.arc);
      if (valid(ag.arc[r.agent]) && net.edge(ag.arc[r.agent]) == e) continue;  // same edge
      r.edge = e;
      if (std::atomic_ref<std::int32_t>(ed.req_count[e]).fetch_add(1, std::memory_order_relaxed) == 0)
        b.targets.push_back(e);
    }
  }
  std::vector<EdgeId> targets;
  for (const auto& b : bufs) targets.insert(targets.end(), b.targets.begin(), b.targets.end());
  bool any_full = false, any_contended = false;
  const bool squeeze = cx.in.sc.movement.stuck_s > 0;
  for (const EdgeId e : targets) {
    const std::int32_t room = std::max(0, edge.cap[e] - ed.count[e]);
    const std::int32_t room_stuck = squeeze ? std::max(0, edge.limit[e] - ed.count[e]) : 0;
    if (ed.req_count[e] <= room) ed.req_count[e] = 0;                             // everyone fits
    else if (room == 0 && room_stuck == 0) ed.req_count[e] = -1, any_full = true; // nobody fits
    else ed.req_count[e] = -2 - room, any_contended = true;                       // some fit: choose
  }
  const auto stuck_steps = static_cast<std::int32_t>(
      cx.in.sc.movement.stuck_s > 0 ? std::max(1.0, std::ceil(cx.in.sc.movement.stuck_s / cx.clk.dt)) : 0.0);
  if (any_full || any_contended) {
    // Marking the denied and gathering contenders reads shared state only; the
    // contenders are sorted below, so the order they are gathered in does not matter.
    std::vector<std::vector<Contender>> part(bufs.size());
#pragma omp parallel for schedule(static, 1) if (par)
    for (int bi = 0; bi < nbuf; ++bi)
      for (auto& r : bufs[static_cast<std::size_t>(bi)].req) {
        if (r.kind != Ev::kTransfer || !valid(r.edge)) continue;
        const std::int32_t m = ed.req_count[r.edge];
        // -2: full, only the stuck may squeeze in (and need choosing).
        if (m == -1 || (m == -2 && !(stuck_steps > 0 && ag.wait[r.agent] >= stuck_steps))) r.denied = 1;
        else if (m <= -2)
          part[static_cast<std::size_t>(bi)].push_back(
              {r.edge, ag.wait[r.agent],
               Rng(cx.in.cfg.seed, index(r.agent), static_cast<std::uint64_t>(cx.clk.step_no), Purpose::kTransfer)
                   .next_u64(),
               r.agent, &r});
      }
    std::vector<Contender> cont;
    for (const auto& pc : part) cont.insert(cont.end(), pc.begin(), pc.end());
    std::sort(cont.begin(), cont.end(), [](const Contender& x, const Contender& y) {
      if (x.edge != y.edge) return x.edge < y.edge;
      if (x.wait != y.wait) return x.wait > y.wait;
      if (x.key != y.key) return x.key < y.key;
      return x.agent < y.agent;
    });
    // In (edge, longest wait first) order: the stuck come first on each edge. Each
    // takes a place below the storage limit while there is one, else (stuck) one
    // below the edge's limit.
    for (std::size_t i = 0; i < cont.size();) {
      const EdgeId e = cont[i].edge;
      const std::int32_t room = -2 - ed.req_count[e];
      const std::int32_t room_stuck = squeeze ? std::max(room, edge.limit[e] - ed.count[e]) : room;
      std::int32_t admitted = 0;
      for (; i < cont.size() && cont[i].edge == e; ++i) {
        const bool stuck = stuck_steps > 0 && cont[i].wait >= stuck_steps;
        if (admitted < room || (stuck && admitted < room_stuck)) ++admitted;
        else cont[i].req->denied = 1;
      }
    }
  }
  for (const EdgeId e : targets) ed.req_count[e] = 0;
}

}  // namespace

void run_resolve(const StepContext& cx, const EdgeParams& edge, EdgeState& ed, AgentsHot& ag, AgentLists& lists,
                 ThreadBuffers& bufs, Kernel& k) {
  const Network& net = cx.in.net;
  const Scenario& sc = cx.in.sc;
  admit(cx, edge, ed, ag, bufs);

  // Transfers move in parallel: each agent has one request (Kernel::transfer).
  const int nbuf = static_cast<int>(bufs.size());
#pragma omp parallel for schedule(static, 1) if (cx.clk.par)
  for (int bi = 0; bi < nbuf; ++bi) {
    auto& b = bufs[static_cast<std::size_t>(bi)];
    b.touched.clear();
    b.touched_nodes.clear();
    b.on_edges = 0;
    b.standing = 0;
    for (const auto& r : b.req) {
      if (r.kind != Ev::kTransfer) continue;
      const AgentId a = r.agent;
      if (r.denied) {  // queue at the end of the arc (or at the node)
        if (ag.wait[a] < 0xffff) ++ag.wait[a];
        continue;
      }
      const float len = net.length(r.arc);
      k.transfer(a, r.arc, r.edge, std::min(r.leftover, len * 0.999f), b);
    }
  }
  k.merge_transfers(bufs);

  // The other events, serially in walker-list order.
  const std::int64_t t = cx.clk.t;
  for (auto& b : bufs)
    for (const std::uint32_t i : b.events) {
      const Request& r = b.req[i];
      const AgentId a = r.agent;
      switch (r.kind) {
        case Ev::kTransfer:
          break;  // done above
        case Ev::kArriveFacility:
          k.leave_edge(a, r.node);
          k.enter_facility(a);
          if (ag.flags[a] & kStopover) k.schedule(a, next_resume_time(sc, t));
          break;
        case Ev::kReachHome: {
          k.leave_edge(a, r.node);
          ag.flags[a] |= kOffNet;
          k.restand(a);  // off the network: no longer standing at the node
          const Point p = net.pos(r.node);
          const Point home = cx.in.pop.home[index(a)];
          const double rest = std::hypot(home.x - p.x, home.y - p.y);
          const double v = cx.in.pop.v_free[index(a)] * (is_night(sc, t) ? sc.movement.night_factor : 1.0);
          k.schedule(a, t + cx.clk.dt + static_cast<std::int64_t>(rest / v));
          break;
        }
        case Ev::kNoRoute:
          // Cut off from home (closures) or from the facility: look for a facility.
          if (ag.state[a] == AgentState::kToFacility) k.release_place(a);
          else clear_flags(ag.flags[a], kWillWalk);
          lists.seekers.push_back(a);
          break;
        case Ev::kStop:
          ag.flags[a] |= kStopover;
          if (ag.walked[a] >= sc.behaviour.tired_km * 1000) ag.flags[a] |= kTiredDone;
          if (is_night(sc, t)) ag.flags[a] |= kNightDone;
          lists.seekers.push_back(a);
          break;
      }
    }
}

}  // namespace kitaku::engine
