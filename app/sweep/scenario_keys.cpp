#include "sweep/scenario_keys.hpp"

#include <sstream>

#include "kitaku/sim/error.hpp"

namespace kitaku::app {

void set_scenario_key(toml::table& root, const std::string& key, const sweep::ParamValue& value,
                      const std::function<void(const std::string& why)>& fail) {
  toml::table* t = &root;
  std::size_t start = 0;
  for (;;) {
    const std::size_t dot = key.find('.', start);
    const std::string part = key.substr(start, dot == std::string::npos ? std::string::npos : dot - start);
    if (part.empty()) fail("an empty part in the key");
    if (dot == std::string::npos) {
      if (const toml::node* n = t->get(part); n && (n->is_table() || n->is_array()))
        fail("names a table or an array, not a value; only single values can be set");
      std::visit([&](const auto& v) { t->insert_or_assign(part, v); }, value.v);
      return;
    }
    toml::node* n = t->get(part);
    if (!n) {
      t->insert(part, toml::table{});
      n = t->get(part);
    }
    if (!n->is_table())
      fail("\"" + key.substr(0, dot) + "\" is not a table" +
           (n->is_array_of_tables() ? " ([[" + part + "]] entries cannot be set this way)" : ""));
    t = n->as_table();
    start = dot + 1;
  }
}

std::string toml_text(const toml::table& t) {
  std::ostringstream o;
  o << toml::toml_formatter(t);
  return o.str();
}

std::pair<std::string, sweep::ParamValue> parse_key_value(const std::string& arg) {
  const std::size_t eq = arg.find('=');
  const auto fail = [&](const std::string& why) { throw InputError("--set", arg, why); };
  if (eq == std::string::npos) fail("expected KEY=VALUE, such as population.agents=1000000");
  std::string key = arg.substr(0, eq), text = arg.substr(eq + 1);
  while (!key.empty() && key.back() == ' ') key.pop_back();
  while (!key.empty() && key.front() == ' ') key.erase(key.begin());
  if (key.empty()) fail("the key is empty");
  if (text.empty()) fail("the value is empty");
  sweep::ParamValue v;
  try {
    const toml::table t = toml::parse("v = " + text);
    const toml::node* n = t.get("v");
    if (n->is_integer()) v.v = **n->as_integer();
    else if (n->is_floating_point()) v.v = **n->as_floating_point();
    else if (n->is_boolean()) v.v = **n->as_boolean();
    else if (n->is_string()) v.v = **n->as_string();
    else fail("the value must be a number, true/false or text, not a table or an array");
  } catch (const toml::parse_error&) {
    v.v = text;  // a bare word: weekday, 14:46
  }
  return {key, v};
}

Scenario scenario_with_keys(std::string_view text, const std::string& origin, const std::string& base_dir,
                            const std::vector<std::string>& sets) {
  if (sets.empty()) return parse_scenario(text, origin, base_dir);
  toml::table root;
  try {
    root = toml::parse(text, origin);
  } catch (const toml::parse_error&) {
    return parse_scenario(text, origin, base_dir);  // reports the file's own error, with its line
  }
  // All keys are set before the scenario is checked, so that keys valid only
  // together (a metropolis's kind and its mesh files) can be given in any order.
  std::vector<std::string> after;  // the scenario's text after each --set
  for (const std::string& arg : sets) {
    const auto [key, value] = parse_key_value(arg);
    set_scenario_key(root, key, value, [&](const std::string& why) { throw InputError(origin, "--set " + arg, why); });
    after.push_back(toml_text(root));
  }
  try {
    return parse_scenario(after.back(), origin, base_dir);
  } catch (const InputError& full) {
    // Name the first --set from which on the scenario fails with this very error.
    for (std::size_t k = 0; k < sets.size(); ++k) {
      try {
        parse_scenario(after[k], origin, base_dir);
      } catch (const InputError& e) {
        if (e.problem() == full.problem()) throw InputError(origin, "--set " + sets[k], e.problem());
      }
    }
    throw InputError(origin, "--set " + sets.back(), full.problem());
  }
}

}  // namespace kitaku::app
