#include "kitaku/sim/toml_error.hpp"

#include "kitaku/sim/error.hpp"

#include <regex>

namespace kitaku {
namespace {

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r')) s.remove_suffix(1);
  return s;
}

std::string_view line_at(std::string_view text, long line) {
  std::size_t at = 0;
  for (long i = 1; i < line && at != std::string_view::npos; ++i) {
    at = text.find('\n', at);
    if (at != std::string_view::npos) ++at;
  }
  if (at == std::string_view::npos || at > text.size()) return {};
  const std::size_t end = text.find('\n', at);
  return text.substr(at, end == std::string_view::npos ? std::string_view::npos : end - at);
}

// The key a line defines, as written: `"a b" = 1` -> `"a b"`, `[x.y]` -> `[x.y]`.
std::string key_of(std::string_view line) {
  line = trim(line);
  if (!line.empty() && line.front() == '[') {
    const std::size_t close = line.rfind(']');
    return std::string(close == std::string_view::npos ? line : line.substr(0, close + 1));
  }
  // '=' outside quotes ends the key.
  char quote = 0;
  for (std::size_t i = 0; i < line.size(); ++i) {
    const char c = line[i];
    if (quote) {
      if (c == quote) quote = 0;
      else if (c == '\\' && quote == '"') ++i;
    } else if (c == '"' || c == '\'') {
      quote = c;
    } else if (c == '=') {
      return std::string(trim(line.substr(0, i)));
    }
  }
  return std::string(line);
}

}  // namespace

std::string toml_error_text(std::string_view description, std::string_view text, long line) {
  const std::string d(description);
  std::smatch m;
  static const std::regex redefine(R"(cannot redefine existing ([a-z -]+?) ')");
  if (std::regex_search(d, m, redefine)) {
    const std::string key = printable(key_of(line_at(text, line)));
    return key + " is given twice: the " + m[1].str() + " it names is already defined earlier in the file";
  }
  static const std::regex too_big(R"('([-+]?[0-9_]+)' is not representable in 64 bits)");
  if (std::regex_search(d, m, too_big)) {
    const std::string key = printable(key_of(line_at(text, line)));
    return key + ": " + m[1].str() +
           " is out of range: integers, seeds among them, run from -9223372036854775808 to "
           "9223372036854775807 (2^63 - 1)";
  }
  return printable(d);
}

}  // namespace kitaku
