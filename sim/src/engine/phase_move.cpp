// The move phase (engine.hpp): walkers walk at Weidmann's density-dependent speed,
// in parallel over the walker list; each that reaches a node writes one request
// into its thread's buffer. Nothing shared is written here except each walker's
// own entries, so the result does not depend on the thread count.
#include <omp.h>

#include <algorithm>

#include "engine.hpp"
#include "kitaku/sim/rng.hpp"

namespace kitaku::engine {

void run_move(const StepContext& cx, AgentsCold& cold, const EdgeParams& edge, const SpeedTable& speed,
              const EdgeState& ed, const FacilityTable& fac, const HomeRoutes& homes, const HazardState& hz,
              const std::vector<AgentId>& active, AgentsHot& ag, ThreadBuffers& bufs, Metrics& metrics) {
  const Network& net = cx.in.net;
  const Scenario& sc = cx.in.sc;
  const auto& mp = sc.movement;
  const std::int64_t t = cx.clk.t, step_no = cx.clk.step_no;
  const int dt = cx.clk.dt;
  const bool is_dark = is_night(sc, t);
  const double night = is_dark ? mp.night_factor : 1.0;
  const auto nact = static_cast<std::int64_t>(active.size());
  const std::int64_t night_index = (sc.quake.clock_s + t) / 86400;
  const double tired_m = sc.behaviour.tired_km * 1000;
  for (auto& b : bufs) {
    b.req.clear();
    b.events.clear();
    b.steps = b.ge4 = b.ge6 = 0;
  }
  const std::int64_t* paused_until = hz.pause_until.empty() ? nullptr : hz.pause_until.data();
#pragma omp parallel if (cx.clk.par)
  {
    ThreadBuf& buf = bufs[static_cast<std::size_t>(omp_get_thread_num())];
#pragma omp for schedule(static)
    for (std::int64_t i = 0; i < nact; ++i) {
      const AgentId a = active[static_cast<std::size_t>(i)];
      const bool walking = (ag.state[a] == AgentState::kWalkingHome && !(ag.flags[a] & kOffNet)) ||
                           (ag.state[a] == AgentState::kToFacility && valid(ag.facility[a]));
      if (!walking) continue;  // left the network earlier in this step
      // Stopped by an aftershock: in its place (still counted in the crowd), no request.
      const bool paused = paused_until && paused_until[index(a)] > step_no;
      float leftover = 0;
      NodeId n;
      ++buf.steps;
      cold.walking_s[a] += dt;  // a's own slot: the thread moving a is the only writer
      if (valid(ag.arc[a])) {
        const ArcId ar = ag.arc[a];
        const EdgeId e = net.edge(ar);
        const std::int32_t c = ed.count[e];
        if (c >= edge.thr4[e]) {
          ++buf.ge4;
          ag.crowd4[a] += dt;
        }
        if (c >= edge.thr6[e]) {
          ++buf.ge6;
          ag.crowd6[a] += dt;
        }
        if (paused) continue;
        const float len = net.length(ar);
        if (ag.pos[a] < len) {
          const float rho = static_cast<float>(c) * edge.w_over_area[e];
          const float vf = cx.in.pop.v_free[index(a)];
          double v = std::max(vf * speed.factor(rho), static_cast<float>(mp.v_floor)) * night;
          if (net.flags(e) & kStairs) v *= mp.stairs_factor;
          const float np = ag.pos[a] + static_cast<float>(v * dt);
          ag.walked[a] += std::min(np, len) - ag.pos[a];
          if (np < len) {
            ag.pos[a] = np;
            continue;
          }
          leftover = np - len;
          ag.pos[a] = len;
        }
        n = net.head(ar);
      } else {
        if (paused) continue;
        n = ag.node[a];
      }
      // At node n: arrived, or which arc next?
      if (ag.state[a] == AgentState::kToFacility) {
        const ShelterId f = ag.facility[a];
        if (n == fac.node[f]) {
          buf.req.push_back({a, Ev::kArriveFacility, 0, kNoArc, 0, n});
          continue;
        }
        const ArcId next = fac.tree[f].next_arc(net, n);
        if (!valid(next)) buf.req.push_back({a, Ev::kNoRoute, 0, kNoArc, 0, n});
        else buf.req.push_back({a, Ev::kTransfer, 0, next, leftover, n});
        continue;
      }
      const std::uint32_t cell = cold.home_cell[a];
      const NextHopTree& tree = homes.trees[static_cast<std::size_t>(homes.cell_tree[route_key(sc, cold, a)])];
      if (homes.cell_of(net.pos(n)) == cell || n == tree.root) {
        buf.req.push_back({a, Ev::kReachHome, 0, kNoArc, 0, n});
        continue;
      }
      if (!(ag.flags[a] & kStopover)) {
        bool stop = false;
        if (!(ag.flags[a] & kTiredDone) && ag.walked[a] >= tired_m)
          stop = Rng(cx.in.cfg.seed, index(a), 0, Purpose::kTiredStop).bernoulli(sc.behaviour.tired_stop_probability);
        if (!stop && is_dark && !(ag.flags[a] & kNightDone))
          stop = Rng(cx.in.cfg.seed, index(a), static_cast<std::uint64_t>(night_index), Purpose::kNightStop)
                     .bernoulli(sc.behaviour.night_stop_probability);
        if (stop) {
          buf.req.push_back({a, Ev::kStop, 0, kNoArc, 0, n});
          continue;
        }
      }
      const ArcId next = tree.next_arc(net, n);
      if (!valid(next)) buf.req.push_back({a, Ev::kNoRoute, 0, kNoArc, 0, n});
      else buf.req.push_back({a, Ev::kTransfer, 0, next, leftover, n});
    }
  }
  for (const auto& b : bufs) {
    metrics.agent_steps += b.steps;
    metrics.steps_ge4 += b.ge4;
    metrics.steps_ge6 += b.ge6;
  }
}

}  // namespace kitaku::engine
