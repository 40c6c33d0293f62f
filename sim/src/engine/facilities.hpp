#pragma once
// The temporary stay facilities, indexed by ShelterId: capacity, reservations and
// occupancy (written by the Kernel only), opening and closing, the route trees
// that lead to each, and the grid the nearest-available search runs over.
#include <cstdint>
#include <vector>

#include "fields.hpp"
#include "kitaku/sim/grid_index.hpp"
#include "kitaku/sim/ids.hpp"
#include "kitaku/sim/route_trees.hpp"
#include "kitaku/sim/simulation.hpp"

namespace kitaku::engine {

template <class T>
using PerFacility = IdVector<ShelterId, T>;

struct FacilityTable {
  PerFacility<double> cap;                 // persons (set_capacity changes it)
  PerFacility<std::int32_t> cap_agents;    // whole agents that fit
  PerFacility<std::int32_t> reserved;      // agents inside or on their way
  PerFacility<std::int32_t> occupied;      // agents inside
  PerFacility<std::int32_t> peak_occ;
  PerFacility<FacilityState> state;
  PerFacility<std::uint8_t> op_closed;     // closed by an operator (or damaged)
  PerFacility<std::uint8_t> op_opened;     // opened by an operator
  PerFacility<std::uint8_t> damaged;       // closed for good
  PerFacility<std::int64_t> open_at;       // scheduled opening (s)
  PerFacility<std::int64_t> opened_time;   // when it opened (-1: not yet)
  PerFacility<std::int64_t> full_since, seconds_full;
  PerFacility<NodeId> node;                // the node it is reached at
  PerFacility<BoundedTree> tree;           // routes to it, over the nodes within tree.radius
  PerFacility<double> tree_need;           // radius the tree must grow to
  std::vector<ShelterId> open_order;       // by scheduled opening time
  std::size_t next_open = 0;               // open_order[0, next_open) have had their time
  GridIndex grid;                          // facilities by cell, for the nearest-available search
  // Bumped whenever a facility may have become available to someone (opened, room
  // freed); a search that found nothing is not repeated from the same place until then.
  std::uint64_t avail_version = 1;
  std::vector<std::uint64_t> search_failed;  // per grid cell x priority: version of the last miss

  template <class Self, class F>
  static void fields(Self& s, F&& f) {
    f("facility capacities", s.cap, Keep::kSaved);
    f("facility capacities in agents", s.cap_agents, Keep::kSaved);
    f("facility reservations", s.reserved, Keep::kSaved);
    f("facility occupancy", s.occupied, Keep::kSaved);
    f("facility peak occupancy", s.peak_occ, Keep::kSaved);
    f("facility states", s.state, Keep::kSaved);
    f("facility closures", s.op_closed, Keep::kSaved);
    f("facility openings", s.op_opened, Keep::kSaved);
    f("facility damage", s.damaged, Keep::kSaved);
    f("facility scheduled openings", s.open_at, Keep::kDerived);
    f("facility opening times", s.opened_time, Keep::kSaved);
    f("facility full times", s.full_since, Keep::kSaved);
    f("facility seconds full", s.seconds_full, Keep::kSaved);
    f("facility nodes", s.node, Keep::kDerived);
    f("facility routes", s.tree, Keep::kSaved);  // radius and whether built; the trees are rebuilt
    f("facility route needs", s.tree_need, Keep::kSaved);
    f("facility opening order", s.open_order, Keep::kDerived);
    f("facility openings done", s.next_open, Keep::kSaved);
    f("facility grid", s.grid, Keep::kDerived);
    f("facility availability version", s.avail_version, Keep::kSaved);
    f("facility search cache", s.search_failed, Keep::kSaved);
  }
};

}  // namespace kitaku::engine
