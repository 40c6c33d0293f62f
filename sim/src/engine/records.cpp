// The per-person record of a run (engine.hpp, "records"): the AgentsCold fields
// that the Kernel, the move phase and the events phase fill in, copied out for
// agents.csv.
#include "engine.hpp"

namespace kitaku::engine {

void setup_records(const Inputs& in, const AgentsHot& ag, AgentsCold& cold) {
  const std::size_t N = in.pop.size();
  cold.stranded.resize(N);
  // The distance rule's verdict, drawn again (a long walker is stranded and walks
  // all the same; a walker cut off from home later loses kWillWalk, not its verdict).
  for (const AgentId a : ag.state.ids()) cold.stranded[a] = draws_stranded(in, a) ? 1 : 0;
  cold.depart_s.assign(N, -1);
  cold.home_s.assign(N, -1);
  cold.entered_s.assign(N, -1);
  cold.entered.assign(N, kNoShelter);
  cold.walking_s.assign(N, 0);
  cold.walked_off.assign(N, 0);
}

AgentRecords agent_records(const Inputs& in, const Tables& tb) {
  const AgentsHot& ag = tb.ag;
  const AgentsCold& cold = tb.cold;
  const std::size_t N = in.pop.size();
  AgentRecords r;
  r.stranded = cold.stranded.raw();
  r.departure_s.resize(N);
  r.arrival_home_s.resize(N);
  r.arrival_facility_s.resize(N);
  r.facility.resize(N);
  r.state = ag.state.raw();
  r.walked_network_m = ag.walked.raw();
  r.walked_off_network_m = cold.walked_off.raw();
  r.walking_s.resize(N);
  r.seconds_ge4.resize(N);
  r.seconds_ge6.resize(N);
  r.junction_seconds_ge4.resize(N);
  r.junction_seconds_ge6.resize(N);
  for (const AgentId a : ag.state.ids()) {
    const std::size_t i = index(a);
    r.departure_s[i] = cold.depart_s[a];
    r.arrival_home_s[i] = cold.home_s[a];
    r.arrival_facility_s[i] = cold.entered_s[a];
    r.facility[i] = valid(cold.entered[a]) ? static_cast<std::int32_t>(index(cold.entered[a])) : -1;
    r.walking_s[i] = cold.walking_s[a];
    r.seconds_ge4[i] = ag.crowd4[a];
    r.seconds_ge6[i] = ag.crowd6[a];
    const auto [j4, j6] = junction_exposure(tb, a);
    r.junction_seconds_ge4[i] = j4;
    r.junction_seconds_ge6[i] = j6;
  }
  return r;
}

}  // namespace kitaku::engine
