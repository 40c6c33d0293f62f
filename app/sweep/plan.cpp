#include "sweep/plan.hpp"

#include <charconv>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <limits>
#include <nlohmann/json.hpp>
#include <sstream>
#include <toml++/toml.h>

#include "kitaku/sim/error.hpp"
#include "kitaku/sim/toml_error.hpp"
#include "sweep/scenario_keys.hpp"
#include "sweep/toml_file.hpp"

namespace kitaku::app::sweep {
namespace {

namespace fs = std::filesystem;
using ojson = nlohmann::ordered_json;

constexpr std::size_t kMaxRuns = 1'000'000;


std::string shortest(double v) { return format_number(v); }

// v rounded to `digits` significant digits (so that 0.1 + 2 * 0.1 is written 0.3).
double round_sig(double v, int digits) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.*g", digits, v);
  return std::strtod(buf, nullptr);
}

using Reader = TableReader;

ParamValue scalar(const toml::node& n, bool& ok) {
  ok = true;
  if (n.is_integer()) return {**n.as_integer()};
  if (n.is_floating_point()) return {**n.as_floating_point()};
  if (n.is_boolean()) return {**n.as_boolean()};
  if (n.is_string()) return {**n.as_string()};
  ok = false;
  return {};
}

bool is_number(const toml::node* n) { return n && (n->is_integer() || n->is_floating_point()); }
double as_number(const toml::node& n) {
  return n.is_integer() ? static_cast<double>(**n.as_integer()) : **n.as_floating_point();
}

Axis read_axis(const std::string& file, const toml::table& t) {
  Reader r(file, t, "[[axis]] ");
  Axis a;
  a.line = static_cast<int>(t.source().begin.line);
  if (!r.get_string("key", a.key)) r.fail_table("key: missing (the scenario key to vary, e.g. \"policy.retention_share\")");
  const toml::node* key_node = t.get("key");
  if (a.key.empty() || a.key.front() == '.' || a.key.back() == '.' || a.key.find("..") != std::string::npos)
    r.fail(*key_node, "key", "must be a dotted scenario key like \"policy.retention_share\", got \"" + a.key + "\"");
  if (a.key == "scenario.seed")
    r.fail(*key_node, "key", "the seed is not a parameter: set [sweep] seeds and seed_base");

  const toml::node* values = r.node("values");
  const toml::node* from = r.node("from");
  const toml::node* to = r.node("to");
  const toml::node* step = r.node("step");
  const toml::node* latin = r.node("latin");
  const int kinds = (values ? 1 : 0) + ((from || to || step) ? 1 : 0) + (latin ? 1 : 0);
  if (kinds != 1)
    r.fail_table("key \"" + a.key + "\": give exactly one of values = [...], from/to/step, or latin = [min, max]");

  if (values) {
    a.kind = Axis::Kind::kValues;
    if (!values->is_array()) r.fail(*values, "values", "must be an array of numbers, booleans or strings");
    for (const toml::node& e : *values->as_array()) {
      bool ok = false;
      ParamValue v = scalar(e, ok);
      if (!ok) r.fail(e, "values", "must be an array of numbers, booleans or strings");
      for (const ParamValue& seen : a.values)
        if (seen == v) r.fail(e, "values", "lists " + v.text() + " twice");
      a.values.push_back(std::move(v));
    }
    if (a.values.empty()) r.fail(*values, "values", "is empty: an axis needs at least one value");
  } else if (from || to || step) {
    a.kind = Axis::Kind::kRange;
    for (auto [n, name] : {std::pair{from, "from"}, std::pair{to, "to"}, std::pair{step, "step"}}) {
      if (!n) r.fail_table("key \"" + a.key + "\": " + name + ": missing (a range needs from, to and step)");
      if (!is_number(n)) r.fail(*n, name, "must be a number");
    }
    const double f = as_number(*from), t_ = as_number(*to), s = as_number(*step);
    if (!std::isfinite(f) || !std::isfinite(t_) || !std::isfinite(s)) r.fail(*from, "from", "from, to and step must be finite");
    if (!(s > 0)) r.fail(*step, "step", "must be > 0, got " + shortest(s));
    if (t_ < f) r.fail(*to, "to", "must be >= from (" + shortest(f) + "), got " + shortest(t_));
    const double count = std::floor((t_ - f) / s + 1e-9) + 1;
    if (count > 100000) r.fail(*step, "step", "gives " + shortest(count) + " values; at most 100000");
    const bool ints = from->is_integer() && to->is_integer() && step->is_integer();
    for (std::int64_t i = 0; i < static_cast<std::int64_t>(count); ++i) {
      if (ints)
        a.values.push_back({**from->as_integer() + i * **step->as_integer()});
      else
        a.values.push_back({round_sig(f + static_cast<double>(i) * s, 12)});
    }
  } else {
    a.kind = Axis::Kind::kLatin;
    const toml::array* arr = latin->as_array();
    if (!arr || arr->size() != 2 || !is_number(arr->get(0)) || !is_number(arr->get(1)))
      r.fail(*latin, "latin", "must be [min, max] (two numbers)");
    a.lo = as_number(*arr->get(0));
    a.hi = as_number(*arr->get(1));
    a.integer = arr->get(0)->is_integer() && arr->get(1)->is_integer();
    if (!std::isfinite(a.lo) || !std::isfinite(a.hi) || !(a.hi > a.lo))
      r.fail(*latin, "latin", "needs min < max, got [" + shortest(a.lo) + ", " + shortest(a.hi) + "]");
  }
  r.finish();
  return a;
}

// splitmix64: a tiny, portable generator, so that a Latin hypercube is the same
// on every machine and standard library (the ranks of an MPI sweep each build it).
struct SplitMix {
  std::uint64_t s;
  std::uint64_t next() {
    std::uint64_t z = (s += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
  }
  double uniform() { return static_cast<double>(next() >> 11) * 0x1.0p-53; }
  std::uint64_t below(std::uint64_t n) { return next() % n; }
};

// The Latin hypercube: `samples` rows, one column per latin axis. Each axis's
// range is cut into `samples` equal strata and each stratum is used exactly once.
std::vector<std::vector<ParamValue>> latin_hypercube(const std::vector<const Axis*>& axes, int samples,
                                                     std::uint64_t seed) {
  SplitMix rng{seed};
  std::vector<std::vector<ParamValue>> rows(static_cast<std::size_t>(samples));
  for (const Axis* a : axes) {
    std::vector<int> perm(static_cast<std::size_t>(samples));
    for (int i = 0; i < samples; ++i) perm[static_cast<std::size_t>(i)] = i;
    for (std::size_t i = perm.size(); i > 1; --i) std::swap(perm[i - 1], perm[rng.below(i)]);
    for (int i = 0; i < samples; ++i) {
      const double u = (perm[static_cast<std::size_t>(i)] + rng.uniform()) / samples;
      const double x = a->lo + u * (a->hi - a->lo);
      ParamValue value;
      if (a->integer) value.v.emplace<std::int64_t>(std::llround(x));
      else value.v.emplace<double>(round_sig(x, 6));
      rows[static_cast<std::size_t>(i)].push_back(std::move(value));
    }
  }
  return rows;
}

void set_value(toml::table& root, const std::string& key, const ParamValue& value, const std::string& file,
               int line) {
  set_scenario_key(root, key, value, [&](const std::string& why) {
    throw InputError(file, "line " + std::to_string(line), "[[axis]] key \"" + key + "\": " + why);
  });
}

std::string to_text(const toml::table& t) { return toml_text(t); }

std::string pad(std::size_t v, std::size_t max) {
  const std::size_t width = std::max<std::size_t>(2, std::to_string(max).size());
  std::string s = std::to_string(v);
  return std::string(width > s.size() ? width - s.size() : 0, '0') + s;
}

ojson param_json(const ParamValue& p) {
  return std::visit([](const auto& v) { return ojson(v); }, p.v);
}

}  // namespace

double ParamValue::number() const noexcept {
  if (const auto* i = std::get_if<std::int64_t>(&v)) return static_cast<double>(*i);
  if (const auto* d = std::get_if<double>(&v)) return *d;
  return std::numeric_limits<double>::quiet_NaN();
}

std::string ParamValue::text() const {
  if (const auto* i = std::get_if<std::int64_t>(&v)) return std::to_string(*i);
  if (const auto* d = std::get_if<double>(&v)) return shortest(*d);
  if (const auto* b = std::get_if<bool>(&v)) return *b ? "true" : "false";
  return std::get<std::string>(v);
}

std::string format_number(double v) {
  char buf[64];
  if (std::isfinite(v) && v == std::floor(v) && std::fabs(v) < 1e15) {
    std::snprintf(buf, sizeof buf, "%.0f", v == 0 ? 0.0 : v);  // no "-0"
    return buf;
  }
  const auto r = std::to_chars(buf, buf + sizeof buf, v);
  return std::string(buf, r.ptr);
}

std::string hash_text(const std::string& text) {
  std::uint64_t h = 0xcbf29ce484222325ull;
  for (const unsigned char c : text) {
    h ^= c;
    h *= 0x100000001b3ull;
  }
  char buf[20];
  std::snprintf(buf, sizeof buf, "%016llx", static_cast<unsigned long long>(h));
  return buf;
}

std::string city_key(const Scenario& sc) {
  const toml::table resolved = toml::parse(to_toml(sc));
  std::string key = "[city]\n";
  if (const toml::table* c = resolved["city"].as_table()) key += to_text(*c);
  if (!sc.city.population_csv.empty())  // the mesh population depends on the day
    key += "\n[quake] day = " + std::string(sc.quake.day == DayType::kHoliday ? "holiday" : "weekday");
  if (sc.hazards.seismic.enabled && !sc.hazards.seismic.intensity_raster.empty())
    key += "\n[seismic] intensity_raster = " + sc.hazards.seismic.intensity_raster;
  return key;
}

std::string describe_city(const Scenario& sc) {
  char buf[160];
  if (sc.city.synthetic()) {
    std::snprintf(buf, sizeof buf, "synthetic %s r=%g km seed %llu",
                  sc.city.synthetic_kind == "circle" ? "city" : sc.city.synthetic_kind.c_str(),
                  sc.city.synthetic_radius_km, static_cast<unsigned long long>(sc.city.synthetic_seed));
    return buf;
  }
  return "city " + sc.city.network;
}

SweepPlan load_sweep(const std::string& path, const char* default_scenario_toml) {
  SweepPlan plan;
  plan.file = path;
  toml::table root = parse_toml_file(path, "sweep file", plan.text);
  for (const auto& [k, v] : root)
    if (k.str() != "sweep" && k.str() != "axis")
      throw InputError(path, line_of(v), std::string(k.str()) + ": unknown key (a sweep file has [sweep] and [[axis]] tables)");
  const toml::table* sw = root["sweep"].as_table();
  if (!sw) throw InputError(path, "", "missing [sweep] table (with base = \"SCENARIO.toml\" or \"default\")");

  // [sweep]
  Reader r(path, *sw, "[sweep] ");
  r.get_string("name", plan.name);
  if (plan.name.empty()) plan.name = fs::path(path).stem().string();
  r.get_string("description", plan.description);
  if (!r.get_string("base", plan.base)) r.fail_table("base: missing (a scenario file, relative to this file, or \"default\")");
  std::int64_t v = 0;
  if (r.get_int("seeds", v, 1, 100000)) plan.seeds = static_cast<int>(v);
  bool seed_base_given = false;
  if (r.get_int("seed_base", v, 0, std::numeric_limits<std::int64_t>::max())) {
    plan.seed_base = static_cast<std::uint64_t>(v);
    seed_base_given = true;
  }
  // Every run's seed must fit a scenario file's seed (0 to 2^63 - 1), as --seed must.
  if (plan.seed_base > static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max()) -
                           static_cast<std::uint64_t>(plan.seeds - 1))
    r.fail_table("seed_base + seeds - 1 is above 9223372036854775807 (2^63 - 1), the largest seed");
  if (r.get_int("threads_per_run", v, 0, 1024)) plan.threads_per_run = static_cast<int>(v);
  if (r.get_int("latin_samples", v, 1, 100000)) plan.latin_samples = static_cast<int>(v);
  if (r.get_int("latin_seed", v, 0, std::numeric_limits<std::int64_t>::max()))
    plan.latin_seed = static_cast<std::uint64_t>(v);
  r.finish();

  // The base scenario, parsed as is: its own errors name its own file.
  std::string base_text, base_origin, base_dir;
  if (plan.base == "default") {
    base_text = default_scenario_toml;
    base_origin = "<embedded default>";
    base_dir = ".";
  } else {
    const fs::path p = fs::path(plan.base).is_absolute() ? fs::path(plan.base) : fs::path(path).parent_path() / plan.base;
    base_origin = p.lexically_normal().string();
    base_dir = p.parent_path().string();
    std::ifstream in(p, std::ios::binary);
    if (!in)
      throw InputError(path, line_of(*sw->get("base")), "[sweep] base: cannot open scenario file " + base_origin);
    std::ostringstream ss;
    ss << in.rdbuf();
    base_text = ss.str();
  }
  const Scenario base = parse_scenario(base_text, base_origin, base_dir);
  plan.base_toml = to_toml(base);
  if (!seed_base_given) plan.seed_base = base.seed;
  const toml::table base_table = toml::parse(base_text, base_origin);

  // [[axis]]
  if (const toml::node* axes = root.get("axis")) {
    if (!axes->is_array_of_tables())
      throw InputError(path, line_of(*axes), "axis: must be [[axis]] tables");
    const toml::array& arr = *axes->as_array();
    for (std::size_t i = 0; i < arr.size(); ++i) {
      Axis a = read_axis(path, *arr.get(i)->as_table());
      for (const Axis& other : plan.axes)
        if (other.key == a.key)
          throw InputError(path, "line " + std::to_string(a.line), "[[axis]] key \"" + a.key + "\": given twice");
      plan.axes.push_back(std::move(a));
    }
  }
  std::vector<const Axis*> latin;
  for (const Axis& a : plan.axes)
    if (a.kind == Axis::Kind::kLatin) latin.push_back(&a);
  if (!latin.empty() && plan.latin_samples == 0)
    r.fail_table("latin_samples: missing (the axis \"" + latin.front()->key + "\" is a Latin hypercube axis)");
  if (latin.empty() && plan.latin_samples > 0)
    r.fail(*sw->get("latin_samples"), "latin_samples", "no [[axis]] has latin = [min, max]");

  // Each axis on its own: a key or value the scenario format refuses is reported
  // against that axis, before any combination is tried.
  const auto scenario_for = [&](const std::vector<std::pair<const Axis*, const ParamValue*>>& values,
                                const std::string& what) {
    toml::table t = base_table;
    for (const auto& [axis, value] : values) set_value(t, axis->key, *value, path, axis->line);
    try {
      return parse_scenario(to_text(t), base_origin, base_dir);
    } catch (const InputError& e) {
      throw InputError(path, what, e.problem());
    }
  };
  const auto axis_place = [&](const Axis& a, const ParamValue& value) {
    return "line " + std::to_string(a.line) + ": [[axis]] key \"" + a.key + "\" = " + value.text();
  };
  std::vector<std::vector<ParamValue>> lhs;
  if (!latin.empty()) lhs = latin_hypercube(latin, plan.latin_samples, plan.latin_seed);
  for (std::size_t ai = 0; ai < plan.axes.size(); ++ai) {
    const Axis& a = plan.axes[ai];
    std::vector<ParamValue> check = a.values;
    if (a.kind == Axis::Kind::kLatin) {
      std::size_t col = 0;
      while (latin[col] != &a) ++col;
      for (const auto& row : lhs) check.push_back(row[col]);
    }
    for (const ParamValue& value : check) scenario_for({{&a, &value}}, axis_place(a, value));
  }

  // Points: the grid of value/range axes (the first varying slowest), times the
  // Latin hypercube samples (varying fastest).
  std::vector<const Axis*> grid;
  for (const Axis& a : plan.axes)
    if (a.kind != Axis::Kind::kLatin) grid.push_back(&a);
  std::size_t count = lhs.empty() ? 1 : lhs.size();
  for (const Axis* a : grid) {
    count *= a->values.size();
    if (count * static_cast<std::size_t>(plan.seeds) > kMaxRuns)
      throw InputError(path, "line " + std::to_string(a->line),
                       "the sweep has more than " + std::to_string(kMaxRuns) + " runs");
  }
  for (std::size_t p = 0; p < count; ++p) {
    std::size_t rest = p;
    const std::size_t lhs_row = lhs.empty() ? 0 : rest % lhs.size();
    if (!lhs.empty()) rest /= lhs.size();
    std::vector<std::size_t> grid_index(grid.size());
    for (std::size_t g = grid.size(); g-- > 0;) {
      grid_index[g] = rest % grid[g]->values.size();
      rest /= grid[g]->values.size();
    }
    std::vector<ParamValue> point;
    std::size_t gi = 0, li = 0;
    for (const Axis& a : plan.axes) {
      if (a.kind == Axis::Kind::kLatin) point.push_back(lhs[lhs_row][li++]);
      else { point.push_back(a.values[grid_index[gi]]); ++gi; }
    }
    plan.points.push_back(std::move(point));
  }

  // Runs: every point with every seed.
  for (std::size_t p = 0; p < plan.points.size(); ++p) {
    std::vector<std::pair<const Axis*, const ParamValue*>> values;
    std::string what = "point";
    for (std::size_t ai = 0; ai < plan.axes.size(); ++ai) {
      values.push_back({&plan.axes[ai], &plan.points[p][ai]});
      what += " " + plan.axes[ai].key + "=" + plan.points[p][ai].text();
    }
    const Scenario point_sc = scenario_for(values, what);
    const std::string key = city_key(point_sc);
    for (int k = 0; k < plan.seeds; ++k) {
      PlannedRun run;
      run.id = "p" + pad(p, plan.points.size() - 1) + "-s" + pad(static_cast<std::size_t>(k), static_cast<std::size_t>(plan.seeds - 1));
      run.point = p;
      run.seed_index = k;
      run.seed = plan.seed_base + static_cast<std::uint64_t>(k);
      run.scenario = point_sc;
      run.scenario.seed = run.seed;
      run.scenario_hash = hash_text(to_toml(run.scenario));
      run.city_key = key;
      plan.runs.push_back(std::move(run));
    }
  }
  plan.id = hash_text(canonical_plan(plan));
  return plan;
}

namespace {
ojson canonical_json(const SweepPlan& plan) {
  ojson j;
  j["name"] = plan.name;
  j["description"] = plan.description;
  j["base"] = plan.base;
  j["seeds"] = plan.seeds;
  j["seed_base"] = plan.seed_base;
  j["latin_samples"] = plan.latin_samples;
  j["latin_seed"] = plan.latin_seed;
  ojson axes = ojson::array();
  for (const Axis& a : plan.axes) {
    ojson x;
    x["key"] = a.key;
    x["kind"] = a.kind == Axis::Kind::kValues ? "values" : a.kind == Axis::Kind::kRange ? "range" : "latin";
    if (a.kind == Axis::Kind::kLatin) {
      x["min"] = a.lo;
      x["max"] = a.hi;
    } else {
      ojson vals = ojson::array();
      for (const ParamValue& v : a.values) vals.push_back(param_json(v));
      x["values"] = vals;
    }
    axes.push_back(x);
  }
  j["axes"] = axes;
  ojson runs = ojson::array();
  for (const PlannedRun& r : plan.runs) {
    ojson x;
    x["id"] = r.id;
    x["point"] = r.point;
    ojson params = ojson::object();
    for (std::size_t ai = 0; ai < plan.axes.size(); ++ai) params[plan.axes[ai].key] = param_json(plan.points[r.point][ai]);
    x["params"] = params;
    x["seed"] = r.seed;
    x["scenario_hash"] = r.scenario_hash;
    runs.push_back(x);
  }
  j["runs"] = runs;
  return j;
}
}  // namespace

std::string canonical_plan(const SweepPlan& plan) { return canonical_json(plan).dump(1); }

std::string plan_json(const SweepPlan& plan, const std::string& kitaku_version) {
  ojson j;
  j["sweep_id"] = plan.id;
  j["sweep_file"] = plan.file;
  j["kitaku_version"] = kitaku_version;
  const ojson canonical = canonical_json(plan);
  for (const auto& [k, v] : canonical.items()) j[k] = v;
  return j.dump(1) + "\n";
}

}  // namespace kitaku::app::sweep
