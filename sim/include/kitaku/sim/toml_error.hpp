#pragma once
// Clearer wording for toml++'s parse errors, shared by the scenario and sweep readers.
#include <string>
#include <string_view>

namespace kitaku {

/// toml++'s `description` of a parse error at 1-based `line` of `text`, reworded
/// where toml++ is unclear: a key given twice is named as written (toml++ shows
/// quoted keys mangled, `'"seseed" '`), and an integer beyond 64 bits says the range
/// (TOML integers, seeds among them, run from -2^63 to 2^63 - 1). Other messages are
/// returned as they are, with control bytes escaped.
std::string toml_error_text(std::string_view description, std::string_view text, long line);

}  // namespace kitaku
