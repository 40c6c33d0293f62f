#pragma once
// The state transitions: the only code that writes the agents' state totals, the
// edges' counts and the facilities' reservations and occupancy, so that those
// always agree with the agents (Simulation::validate checks it).
#include <algorithm>
#include <atomic>
#include <cmath>

#include "agents.hpp"
#include "clock.hpp"
#include "edges.hpp"
#include "facilities.hpp"
#include "junctions.hpp"
#include "thread_buffers.hpp"

namespace kitaku::engine {

/// The node an agent acts from: the end of its arc, or where it stands.
inline NodeId decision_node(const Network& net, const AgentsHot& ag, AgentId a) {
  return valid(ag.arc[a]) ? net.head(ag.arc[a]) : ag.node[a];
}

/// The agent's position now: on its arc, at its node, or where it was placed.
inline Point agent_point(const Network& net, const Population& pop, const AgentsHot& ag, AgentId a) {
  if (valid(ag.arc[a])) {
    const ArcId ar = ag.arc[a];
    const Point p0 = net.pos(net.tail(ar)), p1 = net.pos(net.head(ar));
    const double f = std::clamp(ag.pos[a] / net.length(ar), 0.0f, 1.0f);
    return {p0.x + (p1.x - p0.x) * f, p0.y + (p1.y - p0.y) * f};
  }
  if (valid(ag.node[a])) return net.pos(ag.node[a]);
  return pop.pos[index(a)];
}

/// Where a stands outdoors now, counted in that node's junction density
/// (docs/model.md, "Crowds where people stand"), or kNoNode: off an arc, those
/// waiting to set off who have no place to stay (shoppers, visitors, travellers),
/// the unsheltered, and walkers at a node (setting off, or queued before their
/// first edge). Workers and pupils wait indoors.
inline NodeId standing_node(const Population& pop, const AgentsHot& ag, AgentId a) {
  if (valid(ag.arc[a])) return kNoNode;
  switch (ag.state[a]) {
    case AgentState::kWaiting: return has_place_to_stay(pop.activity[index(a)]) ? kNoNode : ag.node[a];
    case AgentState::kUnsheltered:
    case AgentState::kToFacility: return ag.node[a];
    case AgentState::kWalkingHome: return (ag.flags[a] & kOffNet) ? kNoNode : ag.node[a];
    default: return kNoNode;
  }
}

/// Node n's seconds at >= 6 p/m2 (ge6) or >= 4 p/m2 up to time T (at or after its
/// last accounting), for Kernel's standing spells.
inline std::int64_t junction_seconds_at(const JunctionParams& jp, const JunctionAccounting& ja, NodeId n,
                                        std::int64_t T, bool ge6) {
  const std::int32_t c = ja.acc_count[n];
  const bool over = c >= (ge6 ? jp.thr6[n] : jp.thr4[n]);
  return (ge6 ? ja.sec_ge6[n] : ja.sec_ge4[n]) + (over ? T - ja.acc_t[n] : 0);
}

class Kernel {
 public:
  Kernel(const Inputs& in, const StepClock& clk, AgentsHot& ag, AgentsCold& cold, AgentLists& ls, EdgeState& ed,
         FacilityTable& fac, const JunctionParams& jp, JunctionState& js, const JunctionAccounting& ja)
      : in_(in), clk_(clk), ag_(ag), cold_(cold), ls_(ls), ed_(ed), fac_(fac), jp_(jp), js_(js), ja_(ja) {}

  // ------------------------------------------------------------------ agents
  void set_state(AgentId a, AgentState s) {
    --ls_.state_count[static_cast<int>(ag_.state[a])];
    ++ls_.state_count[static_cast<int>(s)];
    ag_.state[a] = s;
    restand(a);
  }
  /// a stands at node n now (off any arc).
  void place_at(AgentId a, NodeId n) {
    ag_.node[a] = n;
    restand(a);
  }
  /// Brings a's junction count up to date with its state, arc, node and flags
  /// (standing_node): every transition that may change them ends with it, and
  /// validate() checks that none was missed. A change made in a step counts from the
  /// step's end, as edge counts do: its spell runs from t + dt.
  void restand(AgentId a) {
    const NodeId n = standing_node(in_.pop, ag_, a);
    const NodeId old = ag_.stand[a];
    if (n == old) return;
    const std::int64_t T = clk_.t + clk_.dt;
    if (valid(old)) {
      end_spell(a, old, T);
      --js_.count[old];
      --js_.agents_standing;
      touch_node(old);
    }
    if (valid(n)) {
      ag_.stand4_from[a] = static_cast<std::int32_t>(junction_seconds_at(jp_, ja_, n, T, false));
      ag_.stand6_from[a] = static_cast<std::int32_t>(junction_seconds_at(jp_, ja_, n, T, true));
      ++js_.count[n];
      ++js_.agents_standing;
      touch_node(n);
    }
    ag_.stand[a] = n;
  }
  /// a reaches home at the end of its last stretch, walked off the network from its
  /// node straight to its home.
  void arrive_home(AgentId a) {
    clear_flags(ag_.flags[a], kOffNet);
    if (valid(ag_.node[a])) {
      const Point p = in_.net.pos(ag_.node[a]), h = in_.pop.home[index(a)];
      cold_.walked_off[a] += static_cast<float>(std::hypot(h.x - p.x, h.y - p.y));
    }
    cold_.home_s[a] = static_cast<std::int32_t>(clk_.t);
    set_state(a, AgentState::kArrivedHome);
  }
  /// Counts an agent placed by setup in its state total.
  void count_initial(AgentId a) { ++ls_.state_count[static_cast<int>(ag_.state[a])]; }
  /// Wakes a at the first step at or after `time` (and after this one); not at all
  /// when that is beyond the end of the run.
  void schedule(AgentId a, std::int64_t time) {
    const std::int64_t k = std::max<std::int64_t>(clk_.step_no + 1, (time + clk_.dt - 1) / clk_.dt);
    if (k > clk_.total_steps) {
      ag_.wake_step[a] = -1;
      return;
    }
    ag_.wake_step[a] = k;
    ls_.buckets[static_cast<std::size_t>(k)].push_back(a);
  }
  /// Puts a in the walker list (once); the first time, it departs.
  void activate(AgentId a) {
    if (!(ag_.flags[a] & kOnStreet)) cold_.depart_s[a] = static_cast<std::int32_t>(clk_.t);
    if (!(ag_.flags[a] & kActive)) {
      ag_.flags[a] |= kActive | kOnStreet;
      ls_.active.push_back(a);
    }
  }

  // ------------------------------------------------------------------- edges
  void touch(EdgeId e) {
    if (ed_.touch_stamp[e] != clk_.step_no) {
      ed_.touch_stamp[e] = clk_.step_no;
      ed_.touched.push_back(e);
    }
  }
  /// Steps off the current arc (if any) onto node n (one of its ends).
  void leave_edge(AgentId a, NodeId n) {
    if (valid(ag_.arc[a])) {
      const EdgeId e = in_.net.edge(ag_.arc[a]);
      --ed_.count[e];
      --ed_.agents_on_edges;
      touch(e);
      ag_.arc[a] = kNoArc;
    }
    ag_.node[a] = n;
    ag_.pos[a] = 0;
    restand(a);
  }
  /// A transfer admitted by the resolve phase, run on many threads at once: each
  /// agent moves once, counts change by atomic steps, and touched edges go to the
  /// thread's list (their order does not matter to the accounting). `entered` is
  /// kNoEdge when the agent turns along the edge it is on (or enters from its node
  /// an arc of no new edge). b.on_edges collects the change of agents_on_edges.
  void transfer(AgentId a, ArcId to, EdgeId entered, float at, ThreadBuf& b) {
    const bool from_node = !valid(ag_.arc[a]);  // only those off an arc can be standing
    if (valid(entered)) {
      if (valid(ag_.arc[a])) {
        const EdgeId old = in_.net.edge(ag_.arc[a]);
        std::atomic_ref<std::int32_t>(ed_.count[old]).fetch_sub(1, std::memory_order_relaxed);
        --b.on_edges;
        touch_shared(old, b);
      }
      std::atomic_ref<std::int32_t>(ed_.count[entered]).fetch_add(1, std::memory_order_relaxed);
      ++b.on_edges;
      touch_shared(entered, b);
    }
    ag_.arc[a] = to;
    ag_.node[a] = kNoNode;
    ag_.pos[a] = at;
    ag_.wait[a] = 0;
    if (const NodeId s = from_node ? ag_.stand[a] : kNoNode; valid(s)) {  // stepped off its node onto the arc
      end_spell(a, s, clk_.t + clk_.dt);
      std::atomic_ref<std::int32_t>(js_.count[s]).fetch_sub(1, std::memory_order_relaxed);
      --b.standing;
      if (std::atomic_ref<std::int64_t>(js_.touch_stamp[s]).exchange(clk_.step_no, std::memory_order_relaxed) !=
          clk_.step_no)
        b.touched_nodes.push_back(s);
      ag_.stand[a] = kNoNode;
    }
  }
  /// After the parallel transfers: their totals and touched edges, in thread order.
  void merge_transfers(const ThreadBuffers& bufs) {
    for (const auto& b : bufs) {
      ed_.agents_on_edges += b.on_edges;
      ed_.touched.insert(ed_.touched.end(), b.touched.begin(), b.touched.end());
      js_.agents_standing += b.standing;
      js_.touched.insert(js_.touched.end(), b.touched_nodes.begin(), b.touched_nodes.end());
    }
  }

  // -------------------------------------------------------------- facilities
  void update_facility_state(ShelterId f) {
    FacilityState s;
    if (fac_.op_closed[f] || (!fac_.op_opened[f] && fac_.opened_time[f] < 0)) s = FacilityState::kClosed;
    else s = fac_.reserved[f] >= fac_.cap_agents[f] ? FacilityState::kFull : FacilityState::kOpen;
    if (s == fac_.state[f]) return;
    if (s == FacilityState::kOpen) ++fac_.avail_version;
    if (fac_.state[f] == FacilityState::kFull) fac_.seconds_full[f] += clk_.t - fac_.full_since[f];
    if (s == FacilityState::kFull) fac_.full_since[f] = clk_.t;
    fac_.state[f] = s;
  }
  void open_facility(ShelterId f) {
    if (fac_.opened_time[f] < 0) fac_.opened_time[f] = clk_.t;
    update_facility_state(f);
  }
  void set_capacity(ShelterId f, double persons) {
    fac_.cap[f] = persons;
    fac_.cap_agents[f] = static_cast<std::int32_t>(std::floor(persons / in_.w() + 1e-9));
  }
  /// a reserves a place at f.
  void take_place(AgentId a, ShelterId f) {
    ag_.facility[a] = f;
    ++fac_.reserved[f];
    update_facility_state(f);
  }
  /// a gives up its place (reserved or inside), if it has one.
  void release_place(AgentId a) {
    const ShelterId f = ag_.facility[a];
    if (!valid(f)) return;
    if (ag_.state[a] == AgentState::kSheltered) --fac_.occupied[f];
    --fac_.reserved[f];
    ag_.facility[a] = kNoShelter;
    ++fac_.avail_version;  // room freed
    update_facility_state(f);
  }
  /// a arrives at its facility and goes in.
  void enter_facility(AgentId a) {
    const ShelterId f = ag_.facility[a];
    cold_.entered[a] = f;
    cold_.entered_s[a] = static_cast<std::int32_t>(clk_.t);
    ++fac_.occupied[f];
    fac_.peak_occ[f] = std::max(fac_.peak_occ[f], fac_.occupied[f]);
    set_state(a, AgentState::kSheltered);
  }

 private:
  // a's spell at node n ends at T: its seconds there at the thresholds.
  void end_spell(AgentId a, NodeId n, std::int64_t T) {
    ag_.jcrowd4[a] += static_cast<std::int32_t>(junction_seconds_at(jp_, ja_, n, T, false) - ag_.stand4_from[a]);
    ag_.jcrowd6[a] += static_cast<std::int32_t>(junction_seconds_at(jp_, ja_, n, T, true) - ag_.stand6_from[a]);
  }
  void touch_node(NodeId n) {
    if (js_.touch_stamp[n] != clk_.step_no) {
      js_.touch_stamp[n] = clk_.step_no;
      js_.touched.push_back(n);
    }
  }
  void touch_shared(EdgeId e, ThreadBuf& b) {
    if (std::atomic_ref<std::int64_t>(ed_.touch_stamp[e]).exchange(clk_.step_no, std::memory_order_relaxed) !=
        clk_.step_no)
      b.touched.push_back(e);
  }

  const Inputs& in_;
  const StepClock& clk_;
  AgentsHot& ag_;
  AgentsCold& cold_;
  AgentLists& ls_;
  EdgeState& ed_;
  FacilityTable& fac_;
  const JunctionParams& jp_;
  JunctionState& js_;
  const JunctionAccounting& ja_;
};

}  // namespace kitaku::engine
