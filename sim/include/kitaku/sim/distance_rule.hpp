#pragma once
// Who cannot get home: the distance rule of the Tokyo damage estimate (2022, §3.5.2),
// from 1978 Miyagi-oki behaviour data (DOMAIN.md). With d the distance home in km,
// P(cannot get home) = 0 for d <= 10, (d - 10) / 10 for 10 < d < 20, 1 for d >= 20.
#include <array>

#include "kitaku/sim/city.hpp"

namespace kitaku {

constexpr double p_cannot_get_home(double home_km) noexcept {
  if (home_km <= 10) return 0;
  if (home_km >= 20) return 1;
  return (home_km - 10) / 10;
}

/// Mean of p_cannot_get_home over each home band of kHomeBandEdgesKm, with homes
/// spread evenly within a band: 0, 0, 0.25, 0.75, 1, 1.
constexpr std::array<double, kHomeBands> band_p_cannot_get_home() noexcept {
  std::array<double, kHomeBands> p{};
  for (std::size_t b = 0; b < kHomeBands; ++b) {
    const double lo = kHomeBandEdgesKm[b], hi = lo >= 30 ? 40 : kHomeBandEdgesKm[b + 1];
    constexpr int kSteps = 1000;  // midpoint rule; exact for this piecewise-linear rule
    double s = 0;
    for (int i = 0; i < kSteps; ++i) s += p_cannot_get_home(lo + (hi - lo) * (i + 0.5) / kSteps);
    p[b] = s / kSteps;
  }
  return p;
}

/// Expected number of a zone's daytime population who cannot get home.
inline double expected_stranded(const Zone& z) noexcept {
  static constexpr auto p = band_p_cannot_get_home();
  double s = 0;
  for (std::size_t b = 0; b < kHomeBands; ++b) s += z.home_share[b] * p[b];
  return z.day_population * s;
}

}  // namespace kitaku
