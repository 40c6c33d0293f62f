#pragma once
// What the run measures: per-edge accounting (time at density thresholds, peaks),
// the running totals, and the timeseries rows.
#include <array>
#include <cstdint>
#include <vector>

#include "fields.hpp"
#include "kitaku/sim/ids.hpp"
#include "kitaku/sim/simulation.hpp"

namespace kitaku::engine {

using PhaseSeconds = std::array<double, static_cast<int>(Simulation::Phase::kCount)>;

/// Per edge, updated by the accounting phase for the edges touched in a step: the
/// count seen at the last change and since when, so time above a threshold adds up
/// exactly without visiting every edge every step.
struct EdgeAccounting {
  IdVector<EdgeId, std::int32_t> acc_count;
  IdVector<EdgeId, std::int64_t> acc_t;
  IdVector<EdgeId, std::int64_t> sec_ge4, sec_ge6;
  IdVector<EdgeId, float> peak_density, peak_flow;
  IdVector<EdgeId, std::int64_t> peak_t;     // when peak_density was reached (-1: nobody yet)
  IdVector<EdgeId, std::int64_t> ge6_since;  // start of the current spell at >= 6 p/m2 (-1: below)
  IdVector<EdgeId, std::int64_t> first_ge6;  // start of the first spell at >= 6 p/m2 (-1: never)
  std::int64_t agents_ge4 = 0, agents_ge6 = 0;  // agents on edges at >= 4 / >= 6 p/m2 now
  std::int64_t cm_ge6 = 0;                      // centimetres of road at >= 6 p/m2 now

  template <class Self, class F>
  static void fields(Self& s, F&& f) {
    f("edge accounting counts", s.acc_count, Keep::kSaved);
    f("edge accounting times", s.acc_t, Keep::kSaved);
    f("edge seconds at 4 p/m2", s.sec_ge4, Keep::kSaved);
    f("edge seconds at 6 p/m2", s.sec_ge6, Keep::kSaved);
    f("edge peak densities", s.peak_density, Keep::kSaved);
    f("edge peak flows", s.peak_flow, Keep::kSaved);
    f("edge peak density times", s.peak_t, Keep::kSaved);
    f("edge crush spell starts", s.ge6_since, Keep::kSaved);
    f("edge first crush times", s.first_ge6, Keep::kSaved);
    f("agents at 4 p/m2", s.agents_ge4, Keep::kSaved);
    f("agents at 6 p/m2", s.agents_ge6, Keep::kSaved);
    f("road at 6 p/m2", s.cm_ge6, Keep::kSaved);
  }
};

struct Metrics {
  std::vector<TimeseriesRow> rows;
  std::vector<StationFrontRow> station_rows;  // one per station per row
  std::int64_t agent_steps = 0, steps_ge4 = 0, steps_ge6 = 0;  // walker updates (at >= 4 / >= 6 p/m2)
  std::int64_t junction_steps_ge4 = 0, junction_steps_ge6 = 0; // agent-steps standing at junctions at >= 4 / >= 6
  std::int64_t peak_junctions_ge6 = 0, peak_standing = 0;      // most junctions at >= 6, most agents standing
  std::int64_t peak_cm_ge6 = 0, peak_sheltered = 0, peak_unsheltered = 0;
  double wall = 0;          // wall seconds stepping (saved: a resumed run keeps adding)
  bool partial = false;     // stopped before the end
  PhaseSeconds phase_s{};   // wall seconds by phase

  template <class Self, class F>
  static void fields(Self& s, F&& f) {
    f("timeseries rows", s.rows, Keep::kSaved);
    f("station front rows", s.station_rows, Keep::kSaved);
    f("agent steps", s.agent_steps, Keep::kSaved);
    f("steps at 4 p/m2", s.steps_ge4, Keep::kSaved);
    f("steps at 6 p/m2", s.steps_ge6, Keep::kSaved);
    f("junction steps at 4 p/m2", s.junction_steps_ge4, Keep::kSaved);
    f("junction steps at 6 p/m2", s.junction_steps_ge6, Keep::kSaved);
    f("peak junctions at 6 p/m2", s.peak_junctions_ge6, Keep::kSaved);
    f("peak agents standing", s.peak_standing, Keep::kSaved);
    f("peak road at 6 p/m2", s.peak_cm_ge6, Keep::kSaved);
    f("peak sheltered", s.peak_sheltered, Keep::kSaved);
    f("peak unsheltered", s.peak_unsheltered, Keep::kSaved);
    f("wall seconds", s.wall, Keep::kSaved);
    f("partial", s.partial, Keep::kDiagnostic);
    f("phase seconds", s.phase_s, Keep::kDiagnostic);
  }
};

}  // namespace kitaku::engine
