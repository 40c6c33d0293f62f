// libFuzzer: the command-log reader (parse_command_line, what --replay reads) on
// arbitrary lines. Bad input must end in InputError. A command it accepts must be
// written by format_command() as a line it reads back to the same command.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "kitaku/sim/commands.hpp"
#include "kitaku/sim/error.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  int line_no = 0;
  while (!text.empty()) {
    const std::size_t nl = text.find('\n');
    const std::string_view line = text.substr(0, nl);
    text = nl == std::string_view::npos ? std::string_view() : text.substr(nl + 1);
    ++line_no;
    kitaku::Command c;
    try {
      c = kitaku::parse_command_line(line, "<fuzz>", line_no);
    } catch (const kitaku::InputError&) {
      continue;
    }
    const std::string written = kitaku::format_command(c);
    const kitaku::Command back = kitaku::parse_command_line(written, "<fuzz: format_command>", 1);  // must not throw
    if (kitaku::format_command(back) != written) std::abort();  // the log must read back as written
  }
  return 0;
}
