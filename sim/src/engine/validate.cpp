// The invariants (engine.hpp, "validate"): checked after every step in tests
// (RunConfig::check_invariants), and after loading a checkpoint.
#include <sstream>

#include "engine.hpp"
#include "kitaku/sim/error.hpp"

namespace kitaku::engine {

void validate(const Inputs& in, const Tables& tb) {
  auto fail = [&](const std::string& what) {
    std::ostringstream s;
    s << "simulation invariant broken at t=" << tb.clk.t << " s: " << what;
    throw InvariantError(s.str());
  };
  const AgentsHot& ag = tb.ag;
  const FacilityTable& fac = tb.fac;
  const double w = in.w();
  std::array<std::int64_t, kAgentStates> counted{};
  IdVector<EdgeId, std::int32_t> on_edge(in.net.edge_count(), 0);
  IdVector<NodeId, std::int32_t> standing(in.net.node_count(), 0);
  PerFacility<std::int32_t> inside(fac.cap.size(), 0), bound(fac.cap.size(), 0);
  for (const AgentId a : ag.state.ids()) {
    auto who = [&] { return "agent " + std::to_string(index(a)); };
    ++counted[static_cast<int>(ag.state[a])];
    if (valid(ag.arc[a])) {
      const EdgeId e = in.net.edge(ag.arc[a]);
      ++on_edge[e];
      if (tb.ed.closed[e]) fail(who() + " is on closed edge " + std::to_string(index(e)));
      if (ag.state[a] != AgentState::kWalkingHome && ag.state[a] != AgentState::kToFacility)
        fail(who() + " is on an edge while " + std::string(state_name(ag.state[a])));
    }
    const NodeId sn = standing_node(in.pop, ag, a);
    if (sn != ag.stand[a])
      fail(who() + " is counted standing at node " + (valid(ag.stand[a]) ? std::to_string(index(ag.stand[a])) : "-") +
           " but stands at " + (valid(sn) ? std::to_string(index(sn)) : "none") + " (a transition missed Kernel::restand)");
    if (valid(sn)) ++standing[sn];
    if (ag.jcrowd6[a] < 0 || ag.jcrowd6[a] > ag.jcrowd4[a])
      fail(who() + " has junction exposure " + std::to_string(ag.jcrowd6[a]) + " s at 6 and " +
           std::to_string(ag.jcrowd4[a]) + " s at 4 p/m2");
    // The per-person record (agents.csv) agrees with the state and with itself.
    const AgentsCold& cold = tb.cold;
    if (!(ag.crowd6[a] <= ag.crowd4[a] && ag.crowd4[a] <= cold.walking_s[a]))
      fail(who() + " spent more time in crowds than walking (" + std::to_string(ag.crowd6[a]) + " s at 6, " +
           std::to_string(ag.crowd4[a]) + " s at 4, " + std::to_string(cold.walking_s[a]) + " s walking)");
    if ((cold.home_s[a] >= 0) != (ag.state[a] == AgentState::kArrivedHome) ||
        (cold.home_s[a] >= 0 && cold.home_s[a] < cold.depart_s[a]))
      fail(who() + "'s arrival home (" + std::to_string(cold.home_s[a]) + " s) does not match its state or departure");
    if (valid(cold.entered[a]) != (cold.entered_s[a] >= 0) || (cold.entered_s[a] >= 0 && cold.depart_s[a] < 0) ||
        (ag.state[a] == AgentState::kSheltered && cold.entered[a] != ag.facility[a]))
      fail(who() + "'s facility record does not match its departure or the facility it is in");
    if (ag.state[a] == AgentState::kByRail &&
        (valid(ag.arc[a]) || valid(ag.facility[a]) || (ag.flags[a] & kActive) || ag.wake_step[a] >= 0))
      fail(who() + " left by rail but is still on the network, holds a place or is scheduled");
    if (valid(ag.facility[a])) {
      ++bound[ag.facility[a]];
      if (ag.state[a] == AgentState::kSheltered) ++inside[ag.facility[a]];
    }
  }
  std::int64_t sum = 0;
  for (int s = 0; s < kAgentStates; ++s) {
    sum += counted[static_cast<std::size_t>(s)];
    if (counted[static_cast<std::size_t>(s)] != tb.lists.state_count[static_cast<std::size_t>(s)])
      fail("state counter for " + std::string(state_name(static_cast<AgentState>(s))) + " is off");
  }
  if (sum != static_cast<std::int64_t>(ag.size())) fail("agents not conserved");
  for (const EdgeId e : on_edge.ids())
    if (on_edge[e] != tb.ed.count[e])
      fail("edge " + std::to_string(index(e)) + " count " + std::to_string(tb.ed.count[e]) + " but " +
           std::to_string(on_edge[e]) + " agents on it");
  std::int64_t standing_sum = 0;
  for (const NodeId n : standing.ids()) {
    standing_sum += standing[n];
    if (standing[n] != tb.js.count[n])
      fail("junction " + std::to_string(index(n)) + " count " + std::to_string(tb.js.count[n]) + " but " +
           std::to_string(standing[n]) + " agents stand there");
  }
  if (standing_sum != tb.js.agents_standing) fail("agents standing at junctions: the total is off");
  for (const ShelterId f : fac.cap.ids()) {
    auto which = [&] { return "facility " + std::to_string(index(f)); };
    if (fac.occupied[f] != inside[f]) fail(which() + " occupancy does not match its agents");
    if (fac.reserved[f] != bound[f]) fail(which() + " reservations do not match its agents");
    if (fac.occupied[f] * w > fac.cap[f] + 1e-6) fail(which() + " occupancy above capacity");
    if (fac.reserved[f] > fac.cap_agents[f] && !fac.op_closed[f]) fail(which() + " over-reserved");
  }
}

}  // namespace kitaku::engine
