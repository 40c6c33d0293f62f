#pragma once
// Fruin's pedestrian level of service (LOS A–F) by space per person, with the
// colours the dashboard draws roads in. Thresholds from DOMAIN.md (Fruin):
// A > 3.25 m², B 2.3–3.25, C 1.4–2.3, D 0.9–1.4, E 0.46–0.9, F < 0.46 m² per person.
#include <array>
#include <cstdint>

namespace kitaku::ui {

enum class FruinLevel : std::uint8_t { A, B, C, D, E, F };

/// Level of service for a density in persons per m² (0 means empty: level A).
constexpr FruinLevel fruin_level(double persons_per_m2) noexcept {
  if (persons_per_m2 <= 0) return FruinLevel::A;
  const double space = 1.0 / persons_per_m2;
  if (space > 3.25) return FruinLevel::A;
  if (space > 2.3) return FruinLevel::B;
  if (space > 1.4) return FruinLevel::C;
  if (space > 0.9) return FruinLevel::D;
  if (space > 0.46) return FruinLevel::E;
  return FruinLevel::F;
}

/// RGBA colours, packed as ImGui's IM_COL32 (A in the high byte): green to dark red.
inline constexpr std::array<std::uint32_t, 6> kFruinColours{
    0xFF50AF4Cu,  // A green
    0xFF4AC38Bu,  // B yellow-green
    0xFF3BEBFFu,  // C yellow
    0xFF0098FFu,  // D orange
    0xFF3643F4u,  // E red
    0xFF1C1C8Bu,  // F dark red
};
inline constexpr std::array<const char*, 6> kFruinLabels{
    "A  > 3.25 m2/person", "B  2.3 - 3.25", "C  1.4 - 2.3",
    "D  0.9 - 1.4", "E  0.46 - 0.9", "F  < 0.46 (crush risk)"};

}  // namespace kitaku::ui
