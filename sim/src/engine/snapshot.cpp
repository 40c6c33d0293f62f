// The state now as a Snapshot (engine.hpp): for the dashboard (published by the
// sim thread between steps) and the periodic optimiser.
#include <omp.h>

#include <algorithm>

#include "engine.hpp"
#include "kitaku/sim/snapshot.hpp"

namespace kitaku::engine {

void fill_snapshot(const Inputs& in, const Tables& tb, Snapshot& out, bool with_agents) {
  const StepClock& clk = tb.clk;
  const StepContext cx{in, clk};
  const double w = in.w();
  out.time_s = clk.t;
  out.duration_s = clk.end_t;
  out.step_no = clk.step_no;
  out.done = clk.t >= clk.end_t;
  out.persons_per_agent = w;
  out.wall_seconds = tb.metrics.wall;
  const std::size_t E = in.net.edge_count(), F = in.city.facilities.size(), A = tb.ag.size();
  out.edge_density.resize(E);
  out.edge_speed.resize(E);
  out.edge_closed.assign(tb.ed.closed.begin(), tb.ed.closed.end());
  out.edge_ge6_since_s.assign(tb.acct.ge6_since.begin(), tb.acct.ge6_since.end());
  const double v0 = in.sc.movement.v0_mean;
  for (const EdgeId e : tb.ed.count.ids()) {
    const float rho = static_cast<float>(tb.ed.count[e] * w / tb.edge.area[e]);
    out.edge_density[index(e)] = rho;
    out.edge_speed[index(e)] = static_cast<float>(std::max(in.sc.movement.v_floor, v0 * tb.speed.factor(rho)));
  }
  const FacilityTable& fac = tb.fac;
  out.facility_state = fac.state.raw();
  out.facility_damaged = fac.damaged.raw();
  out.facility_open_at_s.resize(F);
  out.facility_capacity = fac.cap.raw();
  out.facility_occupancy.resize(F);
  out.facility_reserved.resize(F);
  out.facility_full_since_s.resize(F);
  for (const ShelterId f : fac.cap.ids()) {
    const auto i = index(f);
    out.facility_open_at_s[i] = fac.op_closed[f] ? -1 : fac.opened_time[f] >= 0 ? fac.opened_time[f] : fac.open_at[f];
    out.facility_occupancy[i] = fac.occupied[f] * w;
    out.facility_reserved[i] = fac.reserved[f] * w;
    out.facility_full_since_s[i] = fac.state[f] == FacilityState::kFull ? fac.full_since[f] : -1;
  }
  out.has_agents = with_agents;
  if (with_agents) {
    out.agent_x.resize(A);
    out.agent_y.resize(A);
    out.agent_state.assign(tb.ag.state.begin(), tb.ag.state.end());
#pragma omp parallel for schedule(static) num_threads(clk.threads) if (A > 100000)
    for (std::size_t a = 0; a < A; ++a) {
      const Point p = agent_point(in.net, in.pop, tb.ag, make_id<AgentId>(a));
      out.agent_x[a] = static_cast<float>(p.x);
      out.agent_y[a] = static_cast<float>(p.y);
    }
  } else {
    out.agent_x.clear();
    out.agent_y.clear();
    out.agent_state.clear();
  }
  out.fire_cells = tb.hz.fire_cells;
  out.rail_running_since_s.resize(tb.rails.size());
  for (std::size_t l = 0; l < tb.rails.size(); ++l) out.rail_running_since_s[l] = tb.rails[l].since;
  out.row = current_row(cx, tb, nullptr, /*places=*/false);
  out.timeseries = tb.metrics.rows;
  out.command_log = tb.cmds.log;
}

}  // namespace kitaku::engine
