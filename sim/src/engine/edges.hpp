#pragma once
// Per-edge tables, indexed by EdgeId: the capacities and thresholds fixed at setup
// (EdgeParams), the occupancy and closures that change during a run (EdgeState),
// and Weidmann's speed factor tabulated (SpeedTable).
#include <cstdint>
#include <vector>

#include "fields.hpp"
#include "kitaku/sim/grid_index.hpp"
#include "kitaku/sim/ids.hpp"

namespace kitaku::engine {

template <class T>
using PerEdge = IdVector<EdgeId, T>;

/// Fixed at setup from the network's lengths and widths and persons per agent.
struct EdgeParams {
  PerEdge<std::int32_t> cap;          // agents the edge stores (rho_jam x area)
  PerEdge<std::int32_t> limit;        // agents it can ever hold: stuck walkers squeeze in up to it (rho_limit x area)
  PerEdge<std::int32_t> thr4, thr6;   // agents at >= 4 / >= 6 persons/m2
  PerEdge<float> area;                // walkable m2 (length x walkable width)
  PerEdge<float> w_over_area;         // persons per agent / m2

  template <class Self, class F>
  static void fields(Self& s, F&& f) {
    f("edge capacities", s.cap, Keep::kDerived);
    f("edge limits", s.limit, Keep::kDerived);
    f("edge thresholds at 4 p/m2", s.thr4, Keep::kDerived);
    f("edge thresholds at 6 p/m2", s.thr6, Keep::kDerived);
    f("edge areas", s.area, Keep::kDerived);
    f("edge persons per agent and m2", s.w_over_area, Keep::kDerived);
  }
};

/// Weidmann's factor tabulated over [0, rho_max] (the exp() per walker per step
/// dominated the movement loop); linear interpolation, error < 1e-4.
struct SpeedTable {
  static constexpr int kSteps = 2048;
  std::vector<float> lut;
  float scale = 0;  // table steps per person/m2

  float factor(float rho) const noexcept {
    const float x = rho * scale;
    if (x >= kSteps) return 0.0f;
    const int i = static_cast<int>(x);
    const float f = x - static_cast<float>(i);
    return lut[static_cast<std::size_t>(i)] * (1 - f) + lut[static_cast<std::size_t>(i) + 1] * f;
  }
  template <class Self, class F>
  static void fields(Self& s, F&& f) {
    f("speed table", s.lut, Keep::kDerived);
    f("speed table scale", s.scale, Keep::kDerived);
  }
};

/// What is on each edge now. `count` and the totals are written by the Kernel only.
struct EdgeState {
  PerEdge<std::int32_t> count;        // agents on the edge
  PerEdge<std::uint8_t> closed;       // EdgeClosure code (0: open)
  std::int64_t agents_on_edges = 0;   // sum of count
  bool walkers_on_closed = false;     // closures since walkers last stepped off closed edges
  // Edges whose count changed this step, for the accounting phase (each once:
  // touch_stamp holds the step it was listed in).
  PerEdge<std::int64_t> touch_stamp;
  std::vector<EdgeId> touched;
  PerEdge<std::int32_t> req_count;    // resolve: requests per target edge (0 between steps)

  template <class Self, class F>
  static void fields(Self& s, F&& f) {
    f("edge counts", s.count, Keep::kSaved);
    f("edge closures", s.closed, Keep::kSaved);
    f("agents on edges", s.agents_on_edges, Keep::kSaved);
    f("walkers on closed edges", s.walkers_on_closed, Keep::kSaved);
    f("edge touch stamps", s.touch_stamp, Keep::kScratch);
    f("touched edges", s.touched, Keep::kScratch);
    f("edge requests", s.req_count, Keep::kScratch);
  }
};

/// Edges by grid cell, for commands over an area (a fire, a cordon); built on first use.
struct AreaIndex {
  GridIndex grid;                    // empty until the first area command
  PerEdge<std::uint32_t> stamp;      // the query that last listed the edge
  std::uint32_t query = 0;

  template <class Self, class F>
  static void fields(Self& s, F&& f) {
    f("area grid", s.grid, Keep::kDerived);
    f("area stamps", s.stamp, Keep::kScratch);
    f("area query", s.query, Keep::kScratch);
  }
};

}  // namespace kitaku::engine
