#pragma once
// Routing state: the arc weights (one vector per route variant), the home-route
// cells with their shared trees, and what closures since the last tree build
// left to repair.
#include <cstdint>
#include <vector>

#include "fields.hpp"
#include "kitaku/sim/grid_index.hpp"
#include "kitaku/sim/ids.hpp"
#include "kitaku/sim/route_trees.hpp"

namespace kitaku::engine {

/// Homes are grouped into square cells (routing.home_cell_m); everyone bound for a
/// cell follows one of its route_variants trees, rooted at the node nearest the
/// cell's centre. Trees are built when first needed.
struct HomeRoutes {
  GridGeometry cells;                  // over the network's extent
  std::vector<NodeId> cell_root;       // per cell: root node or kNoNode
  std::vector<std::int32_t> cell_tree; // per cell x variant: index into trees, or -1
  std::vector<NextHopTree> trees;
  std::vector<std::uint32_t> tree_key; // per tree: its cell x variant

  std::uint32_t cell_of(Point p) const noexcept { return static_cast<std::uint32_t>(cells.cell_of(p)); }

  template <class Self, class F>
  static void fields(Self& s, F&& f) {
    f("home cell grid", s.cells, Keep::kDerived);
    f("home cell roots", s.cell_root, Keep::kDerived);
    f("home route trees", s.cell_tree, Keep::kSaved);
    f("home trees", s.trees, Keep::kDerived);  // rebuilt from tree_key and the closures
    f("home route cells", s.tree_key, Keep::kSaved);
  }
};

/// Weights and tree upkeep. A tree in use is always what a fresh build under the
/// current weights would give (docs/model.md, "Routing").
struct RouteState {
  std::vector<std::vector<float>> weights;  // per route variant, per ArcId; [0] unperturbed (also facilities)
  bool trees_dirty = false;    // closures or reopenings since the last build
  bool trees_pending = false;  // some tree must be built or grown
  // Closures and reopenings since the last build: closing only removes paths, so a
  // tree none of whose next hops runs along a newly closed edge is exactly what a
  // fresh build would give (canonical next hops, route_trees.hpp) and is kept; a
  // reopening can shorten any path, so it rebuilds every tree.
  std::vector<std::uint8_t> newly_closed;  // per EdgeId (allocated on the first closure)
  std::vector<EdgeId> newly_closed_list;   // the marked edges, to clear them
  bool reopened = false;
  std::int64_t kept = 0, rebuilt = 0, repaired = 0;  // diagnostics (not in checkpoints)

  template <class Self, class F>
  static void fields(Self& s, F&& f) {
    f("routing weights", s.weights, Keep::kDerived);
    f("routes dirty", s.trees_dirty, Keep::kSaved);
    f("routes pending", s.trees_pending, Keep::kSaved);
    f("newly closed edges", s.newly_closed, Keep::kScratch);
    f("newly closed list", s.newly_closed_list, Keep::kScratch);
    f("reopened", s.reopened, Keep::kScratch);
    f("trees kept", s.kept, Keep::kDiagnostic);
    f("trees rebuilt", s.rebuilt, Keep::kDiagnostic);
    f("trees repaired", s.repaired, Keep::kDiagnostic);
  }
};

}  // namespace kitaku::engine
