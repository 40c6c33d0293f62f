// libFuzzer: the scenario reader (parse_scenario) on arbitrary text. Bad input must
// end in InputError; anything else escaping, or a sanitizer report, is a finding.
// A scenario it accepts must be written by to_toml() as text it accepts again.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "kitaku/sim/error.hpp"
#include "kitaku/sim/scenario.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  kitaku::Scenario sc;
  try {
    sc = kitaku::parse_scenario(text, "<fuzz>", "/nonexistent-fuzz-base");
  } catch (const kitaku::InputError&) {
    return 0;
  }
  const std::string again = kitaku::to_toml(sc);
  kitaku::parse_scenario(again, "<fuzz: to_toml>", "/nonexistent-fuzz-base");  // must not throw
  return 0;
}
