#pragma once
// The step clock and the immutable inputs every phase reads.
#include <algorithm>
#include <cstdint>

#include "fields.hpp"
#include "kitaku/sim/city.hpp"
#include "kitaku/sim/network.hpp"
#include "kitaku/sim/population.hpp"
#include "kitaku/sim/scenario.hpp"
#include "kitaku/sim/simulation.hpp"
#include "kitaku/sim/spatial_index.hpp"

namespace kitaku::engine {

inline constexpr std::int64_t kDay4 = 72 * 3600;  // guideline: from day 4 people walk home

/// What a run is made from; nothing here changes after setup.
struct Inputs {
  const Network& net;
  const City& city;
  const Scenario& sc;
  const RunConfig& cfg;
  const SpatialIndex& sindex;  // nodes only
  const Population& pop;       // the agents' cold data: origin, home, speed, activity, age
  double w() const noexcept { return pop.persons_per_agent; }
  bool priority(AgentId a) const noexcept {  // may use the facilities' priority reserve
    return pop.vulnerable[index(a)] || pop.age[index(a)] != AgeGroup::kAdult;
  }
};

/// Simulated time: t = step_no x dt seconds after the quake, integer throughout.
struct StepClock {
  std::int64_t t = 0, step_no = 0;      // now
  int dt = 5;                           // seconds per step
  std::int64_t end_t = 0, total_steps = 0;
  int threads = 1;                      // OpenMP threads of the stepping thread
  bool par = true;                      // this step's walker loops run in parallel

  template <class Self, class F>
  static void fields(Self& s, F&& f) {
    f("time", s.t, Keep::kSaved);
    f("step", s.step_no, Keep::kSaved);
    f("step_s", s.dt, Keep::kDerived);
    f("end", s.end_t, Keep::kDerived);
    f("steps", s.total_steps, Keep::kDerived);
    f("threads", s.threads, Keep::kDerived);
    f("parallel", s.par, Keep::kScratch);
  }
};

/// Seconds since midnight at simulated time `time`.
inline std::int64_t clock_of_day(const Scenario& sc, std::int64_t time) { return (sc.quake.clock_s + time) % 86400; }
inline bool is_night(const Scenario& sc, std::int64_t time) {
  const auto c = clock_of_day(sc, time);
  const int a = sc.movement.night_start_clock_s, b = sc.movement.night_end_clock_s;
  return a <= b ? (c >= a && c < b) : (c >= a || c < b);
}
/// The next morning's resume time (behaviour.resume_clock_h) after `time`.
inline std::int64_t next_resume_time(const Scenario& sc, std::int64_t time) {
  const auto resume = static_cast<std::int64_t>(sc.behaviour.resume_clock_h * 3600);
  std::int64_t d = resume - clock_of_day(sc, time);
  if (d <= 0) d += 86400;
  return time + d;
}

}  // namespace kitaku::engine
