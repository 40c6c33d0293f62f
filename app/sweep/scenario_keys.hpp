// Scenario keys set from outside the scenario file: a sweep's [[axis]] values
// (sweep/plan.cpp) and `kitaku run --set KEY=VALUE` (cmd_run.cpp).
#pragma once

#include <functional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <toml++/toml.h>

#include "kitaku/sim/scenario.hpp"
#include "sweep/plan.hpp"

namespace kitaku::app {

/// Sets the dotted `key` (`population.agents`) of a scenario's TOML to `value`,
/// creating tables that are missing. `fail(why)` must throw: it is called when
/// the key, or a part of it, names a table, an array or [[...]] entries.
void set_scenario_key(toml::table& root, const std::string& key, const sweep::ParamValue& value,
                      const std::function<void(const std::string& why)>& fail);

/// The table as TOML text.
std::string toml_text(const toml::table& t);

/// "KEY=VALUE" as given on the command line. VALUE is read as a TOML value
/// (3, 0.5, true, "text"), or else taken as a bare string (weekday, 14:46).
/// Throws InputError (place "--set ARG") on a missing '=' or an empty key.
std::pair<std::string, sweep::ParamValue> parse_key_value(const std::string& arg);

/// The scenario `text` (from `origin`, paths relative to `base_dir`) with each
/// "KEY=VALUE" of `sets` applied in order, then checked as a whole by the
/// scenario parser. An error names the file and the --set that caused it.
Scenario scenario_with_keys(std::string_view text, const std::string& origin, const std::string& base_dir,
                            const std::vector<std::string>& sets);

}  // namespace kitaku::app
