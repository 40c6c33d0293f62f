#include "kitaku/sim/commands.hpp"

#include <array>
#include <charconv>
#include <cmath>
#include <cstdio>
#include <fstream>
#include <type_traits>

#include "kitaku/sim/error.hpp"

namespace kitaku {
namespace {

constexpr std::array<std::string_view, 12> kNames = {
    "open_facility", "close_facility",   "set_capacity",    "close_edge", "reopen_edge",   "guidance",
    "release_retained", "damage_facility", "close_area",    "reopen_area", "pause_walkers", "resume_rail"};

// The keys of a log line, in the order format_command writes them.
constexpr std::array<std::string_view, 10> kKeys = {"time_s", "seq",      "type", "facility", "edge",
                                                    "value",  "x",        "y",    "radius_m", "source"};

std::string exact(double v) {
  char buf[40];
  std::snprintf(buf, sizeof buf, "%.17g", v);
  return buf;
}

bool is_space(char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '\v' || c == '\f'; }

}  // namespace

std::string_view command_name(CommandType t) {
  const auto i = static_cast<std::size_t>(t);
  return i < kNames.size() ? kNames[i] : std::string_view("unknown");
}

bool parse_command_type(std::string_view name, CommandType& out) {
  for (std::size_t i = 0; i < kNames.size(); ++i)
    if (kNames[i] == name) {
      out = static_cast<CommandType>(i);
      return true;
    }
  return false;
}

namespace {
// An id as the log writes it: its number, or -1 for none.
template <class Id>
std::string id_text(Id id) {
  return valid(id) ? std::to_string(index(id)) : std::string("-1");
}
}  // namespace

std::string format_command(const Command& c) {
  std::string source = c.source;
  for (char& ch : source)  // one token: whitespace would split the line
    if (is_space(ch)) ch = '_';
  std::string out;
  out += "time_s=" + std::to_string(c.time_s);
  out += " seq=" + std::to_string(c.seq);
  out += " type=" + std::string(command_name(c.type));
  out += " facility=" + id_text(c.facility);
  out += " edge=" + id_text(c.edge);
  out += " value=" + exact(c.value);
  out += " x=" + exact(c.x);
  out += " y=" + exact(c.y);
  out += " radius_m=" + exact(c.radius_m);
  out += " source=" + source;
  return out;
}

Command parse_command_line(std::string_view line, const std::string& origin, int line_no) {
  const std::string place = "line " + std::to_string(line_no);
  const auto fail = [&](const std::string& why) -> void { throw InputError(origin, place, why); };
  std::array<std::string_view, kKeys.size()> values{};
  std::array<bool, kKeys.size()> found{};
  std::size_t i = 0;
  while (true) {
    while (i < line.size() && is_space(line[i])) ++i;
    if (i >= line.size()) break;
    std::size_t end = i;
    while (end < line.size() && !is_space(line[end])) ++end;
    const std::string_view token = line.substr(i, end - i);
    i = end;
    const auto eq = token.find('=');
    if (eq == std::string_view::npos) fail("expected key=value, got '" + std::string(token) + "'");
    const std::string_view key = token.substr(0, eq);
    std::size_t k = 0;
    while (k < kKeys.size() && kKeys[k] != key) ++k;
    if (k == kKeys.size()) fail("unknown key '" + std::string(key) + "'");
    if (found[k]) fail("key '" + std::string(key) + "' given twice");
    found[k] = true;
    values[k] = token.substr(eq + 1);
  }
  for (std::size_t k = 0; k < kKeys.size(); ++k)
    if (!found[k]) fail("missing key '" + std::string(kKeys[k]) + "'");

  const auto integer = [&](std::size_t k, auto& out) {
    const std::string_view v = values[k];
    const auto r = std::from_chars(v.data(), v.data() + v.size(), out);
    if (v.empty() || r.ec != std::errc() || r.ptr != v.data() + v.size())
      fail(std::string(kKeys[k]) + ": not an integer: '" + std::string(v) + "'");
  };
  const auto real = [&](std::size_t k, double& out) {
    const std::string_view v = values[k];
    const auto r = std::from_chars(v.data(), v.data() + v.size(), out);
    if (v.empty() || r.ec != std::errc() || r.ptr != v.data() + v.size() || !std::isfinite(out))
      fail(std::string(kKeys[k]) + ": not a finite number: '" + std::string(v) + "'");
  };
  Command c;
  integer(0, c.time_s);
  if (c.time_s < 0) fail("time_s: must not be negative, got " + std::to_string(c.time_s));
  integer(1, c.seq);
  if (!parse_command_type(values[2], c.type)) fail("type: unknown command type '" + std::string(values[2]) + "'");
  // An id: -1 (none) or a number below the id type's "none".
  const auto id = [&](std::size_t k, auto& out) {
    using Id = std::remove_reference_t<decltype(out)>;
    std::int64_t n = 0;
    integer(k, n);
    if (n == -1) {
      out = invalid_id<Id>();
      return;
    }
    if (n < 0 || static_cast<std::uint64_t>(n) >= index(invalid_id<Id>()))
      fail(std::string(kKeys[k]) + ": must be -1 (none) or a number from 0 to " +
           std::to_string(index(invalid_id<Id>()) - 1) + ", got " + std::to_string(n));
    out = make_id<Id>(static_cast<std::uint64_t>(n));
  };
  id(3, c.facility);
  id(4, c.edge);
  real(5, c.value);
  real(6, c.x);
  real(7, c.y);
  real(8, c.radius_m);
  if (c.radius_m < 0) fail("radius_m: must not be negative, got " + exact(c.radius_m));
  c.source = std::string(values[9]);
  return c;
}

std::vector<Command> load_command_log(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw InputError(path, "", "cannot open command log");
  std::vector<Command> out;
  std::string line;
  int line_no = 0;
  while (std::getline(in, line)) {
    ++line_no;
    std::size_t i = 0;
    while (i < line.size() && is_space(line[i])) ++i;
    if (i == line.size() || line[i] == '#') continue;
    out.push_back(parse_command_line(line, path, line_no));
  }
  return out;
}

bool is_regenerated_source(std::string_view source) {
  if (source.starts_with("replay:")) source.remove_prefix(7);
  return source == "hazard" || source == kPeriodicOptimiserSource;
}

}  // namespace kitaku
