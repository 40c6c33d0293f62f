#pragma once
// The plausible ranges of the counts and capacities Kitaku reads from data files,
// scenarios and command logs (docs/facilities.md, "Plausible ranges"). Each bound is
// far above any real value, so that no real data is refused, yet low enough that
// every sum and product of them stays exact in a double and fits a 64-bit integer
// once rounded (the reports' thousands separators, the agent counts). A value above
// its bound is an input error naming the file and the row, not a silent overflow.
#include <cstdint>
#include <string>

namespace kitaku::limits {

/// Persons one facility holds (a capacity column, --default-capacity, set_capacity).
/// Tokyo's largest temporary stay facilities (halls, stadiums) hold tens of thousands.
inline constexpr std::int32_t kMaxFacilityCapacity = 1'000'000;

/// Day or night population of one zone: more than any metropolitan area on Earth.
inline constexpr double kMaxZonePopulation = 50'000'000;

/// Population of one MLIT 1 km mesh cell: one person per m², several times the
/// densest daytime cell of central Tokyo.
inline constexpr double kMaxMeshPopulation = 1'000'000;

/// Daily riders of one station: Shinjuku, the busiest in the world, has about 3.5 million.
inline constexpr double kMaxStationRiders = 20'000'000;

/// "1,000,000": a bound as the messages print it.
inline std::string text(double bound) {
  std::string s = std::to_string(static_cast<long long>(bound));
  for (int i = static_cast<int>(s.size()) - 3; i > 0; i -= 3) s.insert(static_cast<std::size_t>(i), ",");
  return s;
}

}  // namespace kitaku::limits
