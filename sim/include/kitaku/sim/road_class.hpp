#pragma once
// Road classes a pedestrian network distinguishes. Names follow OSM's highway=*.
#include <array>
#include <cstdint>
#include <optional>
#include <string_view>

namespace kitaku {

enum class RoadClass : std::uint8_t {
  footway, pedestrian, steps, path, living_street, residential, service,
  unclassified, tertiary, secondary, primary, trunk, other,
};
inline constexpr std::size_t kRoadClassCount = 13;

inline constexpr std::array<std::string_view, kRoadClassCount> kRoadClassNames{
    "footway", "pedestrian", "steps", "path", "living_street", "residential", "service",
    "unclassified", "tertiary", "secondary", "primary", "trunk", "other"};

constexpr std::string_view name(RoadClass c) noexcept {
  return kRoadClassNames[static_cast<std::size_t>(c)];
}

/// Parses a class name as printed by name(); `*_link` maps to its parent class.
constexpr std::optional<RoadClass> parse_road_class(std::string_view s) noexcept {
  if (s.ends_with("_link")) s.remove_suffix(5);
  for (std::size_t i = 0; i < kRoadClassCount; ++i)
    if (kRoadClassNames[i] == s) return static_cast<RoadClass>(i);
  return std::nullopt;
}

}  // namespace kitaku
