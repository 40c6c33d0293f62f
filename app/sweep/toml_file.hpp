#pragma once
// Reading the TOML files of kitaku sweep and kitaku calibrate strictly: the file
// parsed with its errors placed at their line, and a reader of one table whose
// unknown keys, wrong types and out-of-range values are errors naming the file,
// the line and the key.
#include <toml++/toml.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <fstream>
#include <sstream>
#include <string>
#include <string_view>
#include <vector>

#include "kitaku/sim/error.hpp"
#include "kitaku/sim/toml_error.hpp"

namespace kitaku::app::sweep {

inline std::string line_of(const toml::node& n) { return "line " + std::to_string(n.source().begin.line); }

/// Reads and parses PATH (`what`: "sweep file", "calibration file", for the
/// message when it cannot be opened); its text goes to `text`.
inline toml::table parse_toml_file(const std::string& path, const char* what, std::string& text) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw InputError(path, "", std::string("cannot open ") + what);
  std::ostringstream ss;
  ss << in.rdbuf();
  text = ss.str();
  try {
    return toml::parse(text, path);
  } catch (const toml::parse_error& e) {
    const long line = static_cast<long>(e.source().begin.line);
    throw InputError(path, "line " + std::to_string(line), toml_error_text(e.description(), text, line));
  }
}

/// A strict reader of one table: unknown keys are errors (finish()).
class TableReader {
 public:
  TableReader(const std::string& file, const toml::table& t, std::string prefix)
      : file_(file), t_(t), prefix_(std::move(prefix)) {}

  const toml::node* node(std::string_view key) {
    const toml::node* n = t_.get(key);
    if (n) seen_.emplace_back(key);
    return n;
  }
  bool get_string(std::string_view key, std::string& out) {
    const toml::node* n = node(key);
    if (!n) return false;
    if (!n->is_string()) fail(*n, key, "must be a string");
    out = **n->as_string();
    return true;
  }
  bool get_int(std::string_view key, std::int64_t& out, std::int64_t lo, std::int64_t hi) {
    const toml::node* n = node(key);
    if (!n) return false;
    if (!n->is_integer()) fail(*n, key, "must be an integer");
    out = **n->as_integer();
    if (out < lo || out > hi)
      fail(*n, key, "must be in [" + std::to_string(lo) + ", " + std::to_string(hi) + "], got " + std::to_string(out));
    return true;
  }
  bool get_number(std::string_view key, double& out, double lo, double hi) {
    const toml::node* n = node(key);
    if (!n) return false;
    if (!n->is_integer() && !n->is_floating_point()) fail(*n, key, "must be a number");
    out = n->is_integer() ? static_cast<double>(**n->as_integer()) : **n->as_floating_point();
    if (!std::isfinite(out) || out < lo || out > hi) {
      std::ostringstream m;
      m << "must be in [" << lo << ", " << hi << "], got " << out;
      fail(*n, key, m.str());
    }
    return true;
  }
  void finish() const {
    for (const auto& [k, v] : t_)
      if (std::find(seen_.begin(), seen_.end(), k.str()) == seen_.end()) fail(v, k.str(), "unknown key");
  }
  [[noreturn]] void fail(const toml::node& n, std::string_view key, const std::string& why) const {
    throw InputError(file_, line_of(n), prefix_ + std::string(key) + ": " + why);
  }
  [[noreturn]] void fail_table(const std::string& why) const { throw InputError(file_, line_of(t_), prefix_ + why); }

 private:
  const std::string& file_;
  const toml::table& t_;
  std::string prefix_;  // "[sweep] ", "[[axis]] ", "[calibrate] "
  std::vector<std::string> seen_;
};

}  // namespace kitaku::app::sweep
