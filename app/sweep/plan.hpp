#pragma once
// A sweep file (docs/research.md, "The sweep file") and the plan it expands to:
// every parameter point times every seed, each run with its fully resolved
// Scenario. The whole plan is built and validated before any run starts, so a
// bad key or value fails at once, naming the sweep file and the key.
#include <cstdint>
#include <string>
#include <variant>
#include <vector>

#include "kitaku/sim/scenario.hpp"

namespace kitaku::app::sweep {

/// One value of a parameter: a TOML scalar.
struct ParamValue {
  std::variant<std::int64_t, double, bool, std::string> v;

  bool numeric() const noexcept { return v.index() <= 1; }
  /// The value as a number (NaN when not numeric).
  double number() const noexcept;
  /// Shortest text that reads back as the same value: 0.1, 3, true, weekday.
  std::string text() const;
  bool operator==(const ParamValue&) const = default;
};

/// One parameter axis of the sweep: a scenario key and its values.
struct Axis {
  enum class Kind { kValues, kRange, kLatin };
  std::string key;                 // dotted scenario key, e.g. "policy.retention_share"
  Kind kind = Kind::kValues;
  std::vector<ParamValue> values;  // kValues / kRange: the grid values in order
  double lo = 0, hi = 0;           // kLatin: the interval sampled
  bool integer = false;            // kLatin: bounds are integers, so are the samples
  int line = 0;                    // of the [[axis]] table in the sweep file
};

/// One planned run: a point of the parameter space and a seed.
struct PlannedRun {
  std::string id;           // "p03-s07": point 3, seed index 7 (zero-padded)
  std::size_t point = 0;    // index into SweepPlan::points
  int seed_index = 0;       // k: seed = seed_base + k
  std::uint64_t seed = 0;
  Scenario scenario;        // fully resolved: base + the point's values + the seed
  std::string scenario_hash;  // of to_toml(scenario), for the frozen plan
  std::string city_key;     // runs with the same key share one loaded city
};

struct SweepPlan {
  std::string file;           // the sweep file as given
  std::string text;           // its content (frozen into DIR/sweep.toml)
  std::string name, description;
  std::string base;           // as written: a path relative to the sweep file, or "default"
  std::string base_toml;      // to_toml of the resolved base scenario
  int seeds = 1;
  std::uint64_t seed_base = 0;
  int threads_per_run = 0;    // from the file; 0: not given
  int latin_samples = 0;
  std::uint64_t latin_seed = 1;
  std::vector<Axis> axes;
  std::vector<std::vector<ParamValue>> points;  // one value per axis, in axis order
  std::vector<PlannedRun> runs;                 // point-major, then seed index
  std::string id;             // hash of the canonical plan: same id, same sweep
};

/// Reads, expands and validates a sweep file. `default_scenario_toml` is the
/// embedded default, used when base = "default". Throws InputError naming the
/// sweep file, the line and the key.
SweepPlan load_sweep(const std::string& path, const char* default_scenario_toml);

/// The plan as JSON text (DIR/plan.json). With `with_version`, the Kitaku version
/// that froze it is included; identity comparisons leave it (and the file's path) out.
std::string plan_json(const SweepPlan& plan, const std::string& kitaku_version);
/// The canonical form compared on restart and hashed into the sweep id.
std::string canonical_plan(const SweepPlan& plan);

/// The key under which runs share one loaded city: the scenario's [city] table and
/// the other inputs geo::load_city reads (the quake's day for mesh population, the
/// seismic intensity raster).
std::string city_key(const Scenario& sc);

/// The shortest text that reads back as the same double, with whole numbers below
/// 1e15 written out: 100000 (not 1e+05), 0.1, 2.5e-07.
std::string format_number(double v);

/// FNV-1a 64-bit of `text` as 16 hex digits.
std::string hash_text(const std::string& text);

/// A short description of a city key for messages ("synthetic r=10 km seed 1").
std::string describe_city(const Scenario& sc);

}  // namespace kitaku::app::sweep
