#pragma once
// Number formatting shared by the subcommands' human-readable reports.
#include <cmath>
#include <cstdio>
#include <string>

namespace kitaku::app {

/// printf-style formatting of one number.
inline std::string fmt(const char* f, double v) {
  char buf[64];
  std::snprintf(buf, sizeof buf, f, v);
  return buf;
}

/// 1234567 -> "1,234,567" (rounded to the nearest whole number). Values a 64-bit
/// integer cannot hold (inputs are bounded well below, sim/limits.hpp) are printed
/// in exponent form rather than overflowing.
inline std::string thousands(double v) {
  if (!(std::fabs(v) < 9e18)) return fmt("%.6g", v);
  const long long n = std::llround(v);
  std::string s = std::to_string(n < 0 ? -n : n);
  for (int i = static_cast<int>(s.size()) - 3; i > 0; i -= 3) s.insert(static_cast<std::size_t>(i), ",");
  return n < 0 ? "-" + s : s;
}

}  // namespace kitaku::app
