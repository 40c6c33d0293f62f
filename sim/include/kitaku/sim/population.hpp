#pragma once
// Who is where when the quake strikes (docs/model.md, "Population"). Agents are
// placed by zone daytime population and station ridership; each gets an
// activity, an age group, a free walking speed and a home. A struct of arrays
// indexed by AgentId; cold data (it does not change during a run).
#include <cstdint>
#include <string_view>
#include <vector>

#include "kitaku/sim/city.hpp"
#include "kitaku/sim/network.hpp"
#include "kitaku/sim/scenario.hpp"
#include "kitaku/sim/spatial_index.hpp"

namespace kitaku {

enum class Activity : std::uint8_t { kWork, kSchool, kShopping, kVisitor, kTransit };
inline constexpr int kActivities = 5;
std::string_view activity_name(Activity a);
/// Work and school have a place to stay; shoppers, visitors and travellers are outdoors.
constexpr bool has_place_to_stay(Activity a) { return a == Activity::kWork || a == Activity::kSchool; }

enum class AgeGroup : std::uint8_t { kChild, kAdult, kElderly };
std::string_view age_group_name(AgeGroup g);

struct Population {
  double persons_per_agent = 1;       // each agent stands for this many people
  double persons_total = 0;           // the population the agents sample
  std::vector<NodeId> origin;         // node the agent stands at
  std::vector<Point> pos;             // exact position at quake time (network CRS)
  std::vector<Point> home;            // home position (may lie off the network)
  std::vector<float> home_km;         // straight-line distance home, km
  std::vector<Activity> activity;
  std::vector<AgeGroup> age;
  std::vector<std::uint8_t> vulnerable;  // priority at facilities
  std::vector<float> v_free;          // free walking speed by day, m/s
  std::vector<std::int32_t> zone;     // zone index placed in, or -1 - station index; trips: the row
  /// Explicit departures (trips), seconds after the quake: the agent sets off then,
  /// whatever the behaviour model would draw. Empty when the model draws them.
  std::vector<std::int64_t> departure_s;
  std::vector<std::int32_t> group;    // trips: the row's group (-1: none); empty otherwise

  std::size_t size() const noexcept { return origin.size(); }
};

/// Places scenario.population.agents agents (or population / persons_per_agent); with
/// [population] source = "trips" or "crowdwalk", the city's trips instead (each row's
/// agents at its origin, walking to its destination from its departure time).
/// Deterministic in `seed` and parallel (OpenMP): the same result for any thread
/// count. Throws InputError when the city has no population.
Population place_population(const Network& net, const SpatialIndex& index, const City& city,
                            const Scenario& scenario, std::uint64_t seed);

}  // namespace kitaku
