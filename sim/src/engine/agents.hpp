#pragma once
// The agents, as struct-of-arrays tables indexed by AgentId. What a walker's step
// changes (AgentsHot) is kept apart from what is fixed at setup (AgentsCold, with
// the Population's demographics and homes) and from the lists of agents the
// phases hand to one another (AgentLists).
#include <array>
#include <cstdint>
#include <vector>

#include "fields.hpp"
#include "kitaku/sim/ids.hpp"
#include "kitaku/sim/simulation.hpp"

namespace kitaku::engine {

/// Bits of AgentsHot::flags.
enum AgentFlag : std::uint8_t {
  kOffNet = 1,     // on the last stretch home, off the network
  kTiredDone = 2,  // has stopped once because tired
  kNightDone = 4,  // has stopped once for the night
  kStopover = 8,   // at / going to a facility only until morning
  kWillWalk = 16,  // can get home by the distance rule
  kActive = 32,    // in the walker list (AgentLists::active)
  kGoHome = 64,    // day 4: sets off home at its next wake-up, whatever the distance
  kOnStreet = 128, // has set off on the street network at some time (Summary::walkers)
};
inline void clear_flags(std::uint8_t& f, std::uint8_t bits) { f = static_cast<std::uint8_t>(f & ~bits); }

template <class T>
using PerAgent = IdVector<AgentId, T>;

/// Changed by the walker loops and the state transitions.
struct AgentsHot {
  PerAgent<AgentState> state;
  PerAgent<ArcId> arc;             // the arc walked along, or kNoArc
  PerAgent<NodeId> node;           // the node stood at when off an arc (kNoNode on one)
  PerAgent<ShelterId> facility;    // the facility reserved or inside, or kNoShelter
  PerAgent<float> pos;             // metres along `arc`
  PerAgent<float> walked;          // metres walked on the network so far
  PerAgent<std::int32_t> crowd4, crowd6;  // seconds on edges at >= 4 / >= 6 p/m2 (exposure)
  PerAgent<std::uint8_t> flags;    // AgentFlag bits
  PerAgent<std::uint16_t> wait;    // steps held at a full edge
  PerAgent<std::int64_t> wake_step;  // the step the agent acts next (-1: none)
  // Standing outdoors at a node (Kernel::restand, docs/model.md "Crowds where people
  // stand"): the node counted in (kNoNode: none), the node's JunctionAccounting
  // seconds at >= 4 / >= 6 p/m2 when it began standing there, and the seconds at
  // junctions at >= 4 / >= 6 p/m2 of its spells there that have ended.
  PerAgent<NodeId> stand;
  PerAgent<std::int32_t> stand4_from, stand6_from;
  PerAgent<std::int32_t> jcrowd4, jcrowd6;

  std::size_t size() const noexcept { return state.size(); }
  bool on_network_walker(AgentId a) const noexcept {  // walks the network this step
    return (state[a] == AgentState::kWalkingHome && !(flags[a] & kOffNet)) || state[a] == AgentState::kToFacility;
  }

  template <class Self, class F>
  static void fields(Self& s, F&& f) {
    f("agent states", s.state, Keep::kSaved);
    f("agent arcs", s.arc, Keep::kSaved);
    f("agent nodes", s.node, Keep::kSaved);
    f("agent facilities", s.facility, Keep::kSaved);
    f("agent positions", s.pos, Keep::kSaved);
    f("agent distances walked", s.walked, Keep::kSaved);
    f("agent exposure at 4 p/m2", s.crowd4, Keep::kSaved);
    f("agent exposure at 6 p/m2", s.crowd6, Keep::kSaved);
    f("agent flags", s.flags, Keep::kSaved);
    f("agent waiting times", s.wait, Keep::kSaved);
    f("agent wake-up steps", s.wake_step, Keep::kSaved);
    f("agent standing nodes", s.stand, Keep::kSaved);
    f("agent standing starts at 4 p/m2", s.stand4_from, Keep::kSaved);
    f("agent standing starts at 6 p/m2", s.stand6_from, Keep::kSaved);
    f("agent exposure at junctions at 4 p/m2", s.jcrowd4, Keep::kSaved);
    f("agent exposure at junctions at 6 p/m2", s.jcrowd6, Keep::kSaved);
  }
};

/// Read rarely: what setup fixes (with the Population: Inputs::pop), and the
/// per-person record of the run (agents.csv, Simulation::agent_records). Each record
/// field is written only by the phase or transition that knows the fact: the move
/// phase for the time walking (each walker's own slot, on the thread that moves it),
/// the Kernel (serial) for departures, arrivals and the facility entered, and the
/// events phase for the last stretch home off the network.
struct AgentsCold {
  PerAgent<std::uint32_t> home_cell;  // the home-route cell (HomeRoutes) the agent walks to
  PerAgent<std::uint8_t> variant;     // which of the cell's route variants it follows
  PerAgent<std::uint8_t> stranded;    // 1: cannot get home by the distance rule (drawn at setup)
  PerAgent<std::int32_t> depart_s;    // first set off on the street network (-1: never)
  PerAgent<std::int32_t> home_s;      // arrived home (-1: not)
  PerAgent<std::int32_t> entered_s;   // last went into a facility (-1: never)
  PerAgent<ShelterId> entered;        // the facility it last went into (kNoShelter: none)
  PerAgent<std::int32_t> walking_s;   // seconds as a walker on the network (steps x dt)
  PerAgent<float> walked_off;         // metres walked off the network (the last stretch home)

  template <class Self, class F>
  static void fields(Self& s, F&& f) {
    f("agent home cells", s.home_cell, Keep::kDerived);
    f("agent route variants", s.variant, Keep::kDerived);
    f("agent distance-rule verdicts", s.stranded, Keep::kDerived);
    f("agent departure times", s.depart_s, Keep::kSaved);
    f("agent arrival times home", s.home_s, Keep::kSaved);
    f("agent facility entry times", s.entered_s, Keep::kSaved);
    f("agent facilities entered", s.entered, Keep::kSaved);
    f("agent times walking", s.walking_s, Keep::kSaved);
    f("agent distances off the network", s.walked_off, Keep::kSaved);
  }
};

/// The lists of agents phases hand to one another, and the totals per state.
struct AgentLists {
  std::vector<AgentId> active;                 // walkers on the network (kActive), in the order they set off
  std::vector<std::vector<AgentId>> buckets;   // agents to wake, by step
  std::vector<AgentId> seekers;                // to look for a facility at the next seek phase
  std::vector<AgentId> check_cover;            // given a facility this step: their tree must reach them
  std::array<std::int64_t, kAgentStates> state_count{};  // agents per state (written by the Kernel only)

  template <class Self, class F>
  static void fields(Self& s, F&& f) {
    f("walker list", s.active, Keep::kSaved);
    f("wake-ups", s.buckets, Keep::kSaved);
    f("facility seekers", s.seekers, Keep::kSaved);
    f("route checks", s.check_cover, Keep::kSaved);
    f("state counts", s.state_count, Keep::kSaved);
  }
};

}  // namespace kitaku::engine
