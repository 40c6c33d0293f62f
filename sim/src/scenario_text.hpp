#pragma once
// Text helpers shared by the scenario reader (scenario.cpp) and writer
// (scenario_toml.cpp). Private to sim/.
#include <string>
#include <string_view>

namespace kitaku::scenario_text {

/// Shortest text that reads back as the same double (TOML accepts it as a float or integer).
std::string num(double v);
/// "HH:MM", or "HH:MM:SS" when the seconds are not zero.
std::string clock_text(long long s);
/// A TOML basic string.
std::string toml_string(std::string_view s);

}  // namespace kitaku::scenario_text
