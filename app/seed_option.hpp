#pragma once
// --seed S, the same on every subcommand: a whole number from 0 to 2^63 - 1, the
// range a scenario file's `seed` takes too (TOML integers are signed 64-bit), so a
// seed given on the command line can always be written into the run's scenario.toml
// and read back. Anything else is refused with the range, not clamped.
#include <CLI/CLI.hpp>

#include <charconv>
#include <cstdint>
#include <limits>
#include <string>

namespace kitaku::app {

inline constexpr std::int64_t kMaxSeed = std::numeric_limits<std::int64_t>::max();

/// The seed in `text`, or -1 when it is not a whole number from 0 to kMaxSeed.
inline std::int64_t parse_seed(const std::string& text) {
  std::int64_t v = -1;
  const char* end = text.data() + text.size();
  const auto r = std::from_chars(text.data(), end, v);
  return r.ec == std::errc() && r.ptr == end && v >= 0 ? v : -1;
}

/// Adds `name` (e.g. "--seed,-s") storing the seed into `out` (std::int64_t or std::uint64_t).
template <class T>
CLI::Option* add_seed_option(CLI::App& cmd, const std::string& name, T& out, const std::string& help) {
  return cmd
      .add_option_function<std::string>(
          name, [&out](const std::string& v) { out = static_cast<T>(parse_seed(v)); }, help)
      ->type_name("SEED")
      ->check(CLI::Validator(
          [](std::string& v) {
            return parse_seed(v) >= 0 ? std::string()
                                      : "must be a whole number from 0 to 9223372036854775807 (2^63 - 1), got " + v;
          },
          ""));
}

}  // namespace kitaku::app
