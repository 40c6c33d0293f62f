// The allocation optimiser: walking costs against Boost's Dijkstra, a case worked by
// hand where greedy nearest-first is provably worse, the unserved penalty, priority
// groups, the walking limit, optimality against brute force on small random cases,
// grouping the simulation's unsheltered, and guidance that carries a plan out.
#include <doctest/doctest.h>

#include <boost/graph/dijkstra_shortest_paths.hpp>
#include <cmath>
#include <algorithm>
#include <functional>
#include <limits>
#include <random>

#include "kitaku/sim/optimiser.hpp"
#include "kitaku/sim/snapshot.hpp"
#include "grid.hpp"
#include "test_util.hpp"

using namespace kitaku;

namespace {

// Four nodes on a street, positions in metres:
//
//   a ---100--- x ------150------ b ---------200--------- y
//   0           100               250                     450
//
// Group B (10 persons) stands at b, group A (10) at a. Facility X at x and
// facility Y at y have room for 10 each. Walks: A-X 100, A-Y 450, B-X 150, B-Y 200.
struct Line {
  Network net;
  NodeId a{0}, x{1}, b{2}, y{3};
  Line() : net(make()) {}
  static Network make() {
    NetworkData d;
    d.node_pos = {{0, 0}, {100, 0}, {250, 0}, {450, 0}};
    for (std::uint32_t i = 0; i + 1 < 4; ++i) {
      const Point g[2] = {d.node_pos[i], d.node_pos[i + 1]};
      d.add_edge(NodeId{i}, NodeId{i + 1}, g, 3.0f, RoadClass::residential);
    }
    d.crs_wkt = "LOCAL";
    return Network(std::move(d));
  }
  // Group 0 is B and group 1 is A: greedy, going in index order, serves B first.
  std::vector<AllocationGroup> groups(std::int64_t b_persons = 10, std::int64_t a_persons = 10) const {
    AllocationGroup gb, ga;
    gb.node = b;
    gb.point = gb.centre = net.pos(b);
    gb.radius_m = 50;
    gb.persons = b_persons;
    ga.node = a;
    ga.point = ga.centre = net.pos(a);
    ga.radius_m = 50;
    ga.persons = a_persons;
    return {gb, ga};
  }
  std::vector<AllocationFacility> facilities(std::int64_t x_room = 10, std::int64_t y_room = 10) const {
    return {{x, x_room, true}, {y, y_room, true}};
  }
};

OptimiserParams params(double penalty = 20000, double max_walk = 5000) {
  OptimiserParams p;
  p.unserved_penalty_m = penalty;
  p.max_walk_m = max_walk;
  p.compliance = 0.6;
  return p;
}

std::int64_t sent(const Plan& p, std::uint32_t g, std::uint32_t f) {
  for (const Assignment& a : p.assignments)
    if (a.group == g && a.facility == f) return a.persons;
  return 0;
}

// Everything a plan must satisfy whatever the solver: no facility over its room, no
// group sending more than it has, nobody sent beyond the walking limit, and totals
// that add up to what the assignments say.
void check_feasible(const Plan& p, std::span<const AllocationGroup> groups,
                    std::span<const AllocationFacility> facilities, const WalkCosts& costs, const OptimiserParams& par) {
  std::vector<std::int64_t> load(facilities.size(), 0), out(groups.size(), 0);
  std::int64_t walk = 0, served = 0;
  for (const Assignment& a : p.assignments) {
    REQUIRE(a.group < groups.size());
    REQUIRE(a.facility < facilities.size());
    CHECK(a.persons > 0);
    CHECK(static_cast<double>(a.metres) <= par.max_walk_m + 0.5);
    bool listed = false;
    for (const WalkCost& c : costs.pairs) listed |= c.group == a.group && c.facility == a.facility && c.metres == a.metres;
    CHECK(listed);
    load[a.facility] += a.persons;
    out[a.group] += a.persons;
    walk += a.persons * a.metres;
    served += a.persons;
  }
  for (std::size_t f = 0; f < facilities.size(); ++f) {
    CHECK(load[f] == p.facility_load[f]);
    CHECK(load[f] <= (facilities[f].open ? facilities[f].room : 0));
  }
  std::int64_t persons = 0;
  for (std::size_t g = 0; g < groups.size(); ++g) {
    CHECK(out[g] <= groups[g].persons);
    persons += groups[g].persons;
  }
  CHECK(p.persons == persons);
  CHECK(p.served == served);
  CHECK(p.unserved == persons - served);
  CHECK(p.walk_person_m == walk);
  CHECK(p.cost == walk + std::llround(par.unserved_penalty_m) * p.unserved);
}


}  // namespace

TEST_CASE("walking costs are network distances within the limit, searched from the smaller side") {
  const Line l;
  const auto groups = l.groups();
  const auto fac = l.facilities();
  const WalkCosts c = walking_costs(l.net, groups, fac, 5000);
  REQUIRE(c.pairs.size() == 4);
  CHECK(c.searches == 2);
  const std::int64_t want[2][2] = {{150, 200}, {100, 450}};  // [group][facility]
  for (const WalkCost& w : c.pairs) CHECK(w.metres == want[w.group][w.facility]);

  // Three groups and two facilities: searched from the facilities; one group and two
  // facilities: from the group. The distances are the same either way.
  auto three = groups;
  three.push_back(groups[0]);
  const WalkCosts c3 = walking_costs(l.net, three, fac, 5000);
  CHECK(c3.from_facilities);
  CHECK(c3.searches == 2);
  REQUIRE(c3.pairs.size() == 6);
  const std::vector<AllocationGroup> one{groups[1]};
  const WalkCosts c1 = walking_costs(l.net, one, fac, 5000);
  CHECK_FALSE(c1.from_facilities);
  CHECK(c1.searches == 1);
  REQUIRE(c1.pairs.size() == 2);
  CHECK(c1.pairs[0].metres == 100);
  CHECK(c1.pairs[1].metres == 450);

  // The limit cuts A-Y (450 m); a closed edge b-y cuts both walks to Y; a closed
  // facility and one without room are not searched at all.
  const WalkCosts lim = walking_costs(l.net, groups, fac, 300);
  CHECK(lim.pairs.size() == 3);
  for (const WalkCost& w : lim.pairs) CHECK(w.metres <= 300);
  const std::vector<std::uint8_t> closed{0, 0, 1};
  const WalkCosts cut = walking_costs(l.net, groups, fac, 5000, closed);
  CHECK(cut.pairs.size() == 2);
  for (const WalkCost& w : cut.pairs) CHECK(w.facility == 0);
  auto shut = fac;
  shut[0].open = false;
  shut[1].room = 0;
  const WalkCosts none = walking_costs(l.net, groups, shut, 5000);
  CHECK(none.pairs.empty());
  CHECK(none.searches == 0);
}

TEST_CASE("walking costs agree with Boost's Dijkstra on a jittered grid") {
  std::mt19937 rng(test::test_seed());
  std::uniform_real_distribution<double> jit(-25, 25);
  const Network net(test::grid_network(12, 100.0, 3.0f, [&](Point p) { return Point{p.x + jit(rng), p.y + jit(rng)}; }));
  std::uniform_int_distribution<std::uint32_t> node(0, static_cast<std::uint32_t>(net.node_count() - 1));
  std::vector<AllocationGroup> groups(9);
  for (auto& g : groups) {
    g.node = NodeId{node(rng)};
    g.persons = 5;
  }
  std::vector<AllocationFacility> fac(4);
  for (auto& f : fac) f = {NodeId{node(rng)}, 10, true};
  const double limit = 600;
  const WalkCosts c = walking_costs(net, groups, fac, limit);
  CHECK(c.from_facilities);

  const auto& g = net.graph();
  std::vector<double> w(net.arc_count());
  for (std::uint32_t a = 0; a < w.size(); ++a) w[a] = net.length(ArcId{a});
  std::size_t expected = 0;
  for (std::uint32_t f = 0; f < fac.size(); ++f) {
    std::vector<double> dist(net.node_count());
    boost::dijkstra_shortest_paths(g, index(fac[f].node),
                                   boost::weight_map(boost::make_iterator_property_map(w.begin(), get(boost::edge_index, g)))
                                       .distance_map(boost::make_iterator_property_map(dist.begin(), get(boost::vertex_index, g))));
    for (std::uint32_t gr = 0; gr < groups.size(); ++gr) {
      const double d = dist[index(groups[gr].node)];
      const WalkCost* hit = nullptr;
      for (const WalkCost& x : c.pairs)
        if (x.group == gr && x.facility == f) hit = &x;
      if (d <= limit - 0.01) {
        ++expected;
        REQUIRE(hit != nullptr);
        CHECK(std::abs(static_cast<double>(hit->metres) - d) <= 0.5 + 1e-4 * d);
      } else if (d > limit + 0.01) {
        CHECK(hit == nullptr);
      }
    }
  }
  CHECK(expected > 0);
  CHECK(c.pairs.size() >= expected);
}

TEST_CASE("greedy nearest-first is provably worse here; the optimiser finds the hand-computed optimum") {
  // Greedy serves B first: B takes X (150 m, the nearest), which fills it, so A must
  // walk 450 m to Y: 10 x 150 + 10 x 450 = 6000 person-metres. Sending A to X and B
  // to Y costs 10 x 100 + 10 x 200 = 3000. That is the optimum: A's cheapest walk is
  // X, B's second cheapest is Y, and they cannot both have X (room 10), so any plan
  // serving all 20 costs at least min(1000 + 2000, 1500 + 4500) = 3000, and leaving
  // anyone unserved costs 20000 each.
  const Line l;
  const auto groups = l.groups();
  const auto fac = l.facilities();
  const auto par = params();
  const WalkCosts c = walking_costs(l.net, groups, fac, par.max_walk_m);
  const Plan greedy = greedy_nearest_first(groups, fac, c, par);
  const Plan best = optimise_allocation(groups, fac, c, par);
  check_feasible(greedy, groups, fac, c, par);
  check_feasible(best, groups, fac, c, par);

  CHECK(greedy.cost == 6000);
  CHECK(sent(greedy, 0, 0) == 10);
  CHECK(sent(greedy, 1, 1) == 10);
  CHECK(best.cost == 3000);
  CHECK(best.cost < greedy.cost);
  REQUIRE(best.assignments.size() == 2);
  CHECK(sent(best, 1, 0) == 10);  // A -> X
  CHECK(sent(best, 0, 1) == 10);  // B -> Y
  CHECK(best.served == 20);
  CHECK(best.unserved == 0);
  CHECK(best.mean_walk_m() == doctest::Approx(150));
  CHECK(greedy.mean_walk_m() == doctest::Approx(300));
  CHECK(best.facility_load == std::vector<std::int64_t>{10, 10});

  // The overload that computes the costs itself gives the same plan, and so does every run.
  const Plan again = optimise_allocation(l.net, groups, fac, par);
  CHECK(again.cost == best.cost);
  CHECK(again.assignments.size() == best.assignments.size());
  for (std::size_t i = 0; i < best.assignments.size(); ++i) {
    CHECK(again.assignments[i].group == best.assignments[i].group);
    CHECK(again.assignments[i].facility == best.assignments[i].facility);
    CHECK(again.assignments[i].persons == best.assignments[i].persons);
  }
}

TEST_CASE("with too few places the penalty decides who is left unserved") {
  const Line l;
  const auto groups = l.groups();
  const auto fac = l.facilities(10, 5);  // 15 places for 20 persons
  // A large penalty: serve as many as possible, cheapest first: A -> X, 5 of B -> Y.
  auto par = params(20000);
  const WalkCosts c = walking_costs(l.net, groups, fac, par.max_walk_m);
  const Plan p = optimise_allocation(groups, fac, c, par);
  check_feasible(p, groups, fac, c, par);
  CHECK(p.served == 15);
  CHECK(p.unserved == 5);
  CHECK(sent(p, 1, 0) == 10);
  CHECK(sent(p, 0, 1) == 5);
  CHECK(p.cost == 1000 + 1000 + 5 * 20000);

  // A penalty below B's 200 m walk to Y: leaving B outdoors is "cheaper" than the walk,
  // so B is left unserved altogether: 1000 + 10 x 180 = 2800 < 1000 + 5 x 200 + 5 x 180.
  par = params(180);
  const Plan q = optimise_allocation(groups, fac, c, par);
  check_feasible(q, groups, fac, c, par);
  CHECK(q.served == 10);
  CHECK(sent(q, 1, 0) == 10);
  CHECK(sent(q, 0, 1) == 0);
  CHECK(q.cost == 2800);
  // Greedy walks B to X (150 m), then half of A to Y (450 m): 1500 + 2250 + 5 x 180.
  const Plan g = greedy_nearest_first(groups, fac, c, par);
  check_feasible(g, groups, fac, c, par);
  CHECK(g.cost == 4650);
}

TEST_CASE("priority groups are served first, even where serving others would cost less") {
  const Line l;
  auto groups = l.groups();
  const auto fac = l.facilities(10, 0);  // only X, room for one group
  const auto par = params();
  const WalkCosts c = walking_costs(l.net, groups, fac, par.max_walk_m);
  // Without priority the optimum gives X to A (100 m < 150 m).
  const Plan plain = optimise_allocation(groups, fac, c, par);
  CHECK(sent(plain, 1, 0) == 10);
  CHECK(sent(plain, 0, 0) == 0);
  // B is a priority group: it is served first, and A is left outdoors.
  groups[0].priority = true;
  const Plan prio = optimise_allocation(groups, fac, c, par);
  check_feasible(prio, groups, fac, c, par);
  CHECK(sent(prio, 0, 0) == 10);
  CHECK(sent(prio, 1, 0) == 0);
  CHECK(prio.priority_persons == 10);
  CHECK(prio.priority_served == 10);
  CHECK(prio.cost > plain.cost);  // the price of priority
  // Greedy also takes priority groups first, whatever their index.
  std::swap(groups[0], groups[1]);  // B (priority) is now group 1
  const WalkCosts c2 = walking_costs(l.net, groups, fac, par.max_walk_m);
  const Plan g = greedy_nearest_first(groups, fac, c2, par);
  CHECK(sent(g, 1, 0) == 10);
  CHECK(g.priority_served == 10);

  // The priority stage is a least-cost plan for priority groups alone: a priority
  // group is never left unserved while a place it can reach is taken by others.
  groups = l.groups(10, 10);
  groups[1].priority = true;  // A
  const auto two = l.facilities(10, 10);
  const Plan p2 = optimise_allocation(l.net, groups, two, par);
  CHECK(sent(p2, 1, 0) == 10);  // A -> X, as in the joint optimum
  CHECK(sent(p2, 0, 1) == 10);
}

TEST_CASE("nobody is sent farther than max_walk_m") {
  const Line l;
  const auto groups = l.groups();
  const auto fac = l.facilities();
  const auto par = params(20000, 300);  // A-Y (450 m) is out of reach
  const WalkCosts c = walking_costs(l.net, groups, fac, par.max_walk_m);
  const Plan g = greedy_nearest_first(groups, fac, c, par);
  const Plan p = optimise_allocation(groups, fac, c, par);
  check_feasible(g, groups, fac, c, par);
  check_feasible(p, groups, fac, c, par);
  CHECK(g.unserved == 10);  // B took X; A cannot reach Y
  CHECK(p.unserved == 0);
  CHECK(p.cost == 3000);
  // With only Y open and within 300 m of nobody but B, A stays unserved whatever the penalty.
  const auto only_y = l.facilities(0, 20);
  const Plan q = optimise_allocation(l.net, groups, only_y, params(1e9, 300));
  CHECK(sent(q, 0, 1) == 10);
  CHECK(q.unserved == 10);
  for (const Assignment& a : q.assignments) CHECK(a.metres <= 300);
}

TEST_CASE("the plan is optimal: brute force over every allocation of small random cases") {
  std::mt19937 rng(test::test_seed() + 17);
  std::uniform_real_distribution<double> jit(-30, 30);
  const Network net(test::grid_network(6, 100.0, 3.0f, [&](Point p) { return Point{p.x + jit(rng), p.y + jit(rng)}; }));
  std::uniform_int_distribution<std::uint32_t> node(0, static_cast<std::uint32_t>(net.node_count() - 1));
  std::uniform_int_distribution<int> persons(0, 4), room(0, 5);
  std::uniform_real_distribution<double> penalty(100, 900);
  int beaten = 0;
  for (int round = 0; round < 40; ++round) {
    std::vector<AllocationGroup> groups(3);
    for (auto& g : groups) {
      g.node = NodeId{node(rng)};
      g.persons = persons(rng);
    }
    std::vector<AllocationFacility> fac(2);
    for (auto& f : fac) f = {NodeId{node(rng)}, room(rng), true};
    const auto par = params(std::round(penalty(rng)), 600);
    const WalkCosts c = walking_costs(net, groups, fac, par.max_walk_m);
    const Plan p = optimise_allocation(groups, fac, c, par);
    const Plan g = greedy_nearest_first(groups, fac, c, par);
    check_feasible(p, groups, fac, c, par);
    check_feasible(g, groups, fac, c, par);

    // Every split of every group over the two facilities (or none), within room and reach.
    std::int64_t dist[3][2];
    for (auto& row : dist) row[0] = row[1] = -1;
    for (const WalkCost& w : c.pairs) dist[w.group][w.facility] = w.metres;
    const auto pen = static_cast<std::int64_t>(par.unserved_penalty_m);
    std::int64_t best = std::numeric_limits<std::int64_t>::max();
    std::function<void(std::size_t, std::int64_t, std::int64_t, std::int64_t)> go =
        [&](std::size_t gi, std::int64_t r0, std::int64_t r1, std::int64_t cost) {
          if (gi == groups.size()) {
            best = std::min(best, cost);
            return;
          }
          const std::int64_t n = groups[gi].persons;
          for (std::int64_t to0 = 0; to0 <= n; ++to0)
            for (std::int64_t to1 = 0; to0 + to1 <= n; ++to1) {
              if ((to0 > 0 && (dist[gi][0] < 0 || to0 > r0)) || (to1 > 0 && (dist[gi][1] < 0 || to1 > r1))) continue;
              go(gi + 1, r0 - to0, r1 - to1,
                 cost + to0 * std::max<std::int64_t>(dist[gi][0], 0) + to1 * std::max<std::int64_t>(dist[gi][1], 0) +
                     (n - to0 - to1) * pen);
            }
        };
    go(0, fac[0].room, fac[1].room, 0);
    CHECK(p.cost == best);
    CHECK(g.cost >= p.cost);
    beaten += g.cost > p.cost;
  }
  CHECK(beaten > 0);  // greedy is not always optimal on random cases either
}

TEST_CASE("a larger case: capacities hold, the optimiser never loses to greedy, and runs are identical") {
  std::mt19937 rng(test::test_seed() + 5);
  const Network net(test::grid_network(30, 100.0, 3.0f));
  std::uniform_int_distribution<std::uint32_t> node(0, static_cast<std::uint32_t>(net.node_count() - 1));
  std::uniform_int_distribution<int> persons(1, 200), room(0, 600);
  std::bernoulli_distribution prio(0.2);
  std::vector<AllocationGroup> groups(80);
  for (auto& g : groups) {
    g.node = NodeId{node(rng)};
    g.persons = persons(rng);
    g.priority = prio(rng);
  }
  std::vector<AllocationFacility> fac(25);
  for (auto& f : fac) f = {NodeId{node(rng)}, room(rng), std::bernoulli_distribution(0.9)(rng)};
  const auto par = params(20000, 1500);
  const WalkCosts c = walking_costs(net, groups, fac, par.max_walk_m);
  CHECK(c.from_facilities);
  const Plan p = optimise_allocation(groups, fac, c, par);
  const Plan g = greedy_nearest_first(groups, fac, c, par);
  check_feasible(p, groups, fac, c, par);
  check_feasible(g, groups, fac, c, par);
  CHECK(p.served > 0);
  CHECK(p.unserved > 0);  // a case with too few places
  // The penalty exceeds every walk, so the priority stage serves as many priority
  // persons as can be served at all.
  CHECK(p.priority_served >= g.priority_served);
  // Without priority the plan is the global optimum, so it never loses to greedy.
  auto equal = groups;
  for (auto& x : equal) x.priority = false;
  const Plan pe = optimise_allocation(equal, fac, c, par);
  const Plan ge = greedy_nearest_first(equal, fac, c, par);
  CHECK(pe.cost <= ge.cost);
  CHECK(pe.cost <= p.cost);  // priority can only cost more overall
  MESSAGE("80 groups, 25 facilities: optimiser " << pe.cost << " vs greedy " << ge.cost << " person-m; served "
                                                  << pe.served << " vs " << ge.served << " of " << pe.persons);
  CHECK_FALSE(p.pruned);
  CHECK(p.pairs == c.pairs.size());

  // Pruned to each group's nearest facilities: with room for any number of times its
  // persons nothing is dropped and the plan is the same; with less it stays feasible,
  // considers fewer pairs, and costs no less than the exact plan.
  OptimiserLimits all;
  all.prune_above_pairs = 0;
  all.candidate_room_factor = 1e9;
  const Plan same = optimise_allocation(groups, fac, c, par, all);
  CHECK(same.pruned);
  CHECK(same.cost == p.cost);
  CHECK(same.pairs == static_cast<std::size_t>(std::count_if(c.pairs.begin(), c.pairs.end(), [&](const WalkCost& w) {
          return fac[w.facility].open && fac[w.facility].room > 0;
        })));
  OptimiserLimits few;
  few.prune_above_pairs = 0;
  few.candidate_room_factor = 1;
  few.min_candidates = 2;
  const Plan pruned = optimise_allocation(groups, fac, c, par, few);
  check_feasible(pruned, groups, fac, c, par);
  CHECK(pruned.pruned);
  CHECK(pruned.pairs < same.pairs);
  std::vector<std::size_t> reach(groups.size(), 0);
  for (const WalkCost& w : c.pairs) reach[w.group] += fac[w.facility].open && fac[w.facility].room > 0;
  std::size_t at_least = 0;
  for (const auto r : reach) at_least += std::min<std::size_t>(r, 2);
  CHECK(pruned.pairs >= at_least);  // min_candidates each, where there are that many
  CHECK(pruned.cost >= p.cost);
  CHECK(pruned.priority_served <= p.priority_served);

  const Plan again = optimise_allocation(net, groups, fac, par);
  REQUIRE(again.assignments.size() == p.assignments.size());
  for (std::size_t i = 0; i < p.assignments.size(); ++i) {
    CHECK(again.assignments[i].group == p.assignments[i].group);
    CHECK(again.assignments[i].facility == p.assignments[i].facility);
    CHECK(again.assignments[i].persons == p.assignments[i].persons);
  }
}

TEST_CASE("groups_by_node groups the unsheltered by cell and priority, at the node nearest their mean") {
  const Network net(test::grid_network(5, 100.0, 3.0f));  // nodes at 0..400 m
  const SpatialIndex idx(net, 0, false);
  // Cells of 200 m from (0, 0). Agents 0-2 in cell (0, 0), 3 in (1, 0), 4 priority in
  // (0, 0), 5 sheltered (ignored), 6 walking home (ignored).
  const std::vector<float> x{10, 90, 110, 370, 30, 20, 30};
  const std::vector<float> y{10, 30, 20, 20, 60, 20, 30};
  const std::vector<AgentState> st{AgentState::kUnsheltered, AgentState::kUnsheltered, AgentState::kUnsheltered,
                                   AgentState::kUnsheltered, AgentState::kUnsheltered, AgentState::kSheltered,
                                   AgentState::kWalkingHome};
  const std::vector<std::uint8_t> prio{0, 0, 0, 0, 1, 1, 0};
  const auto groups = groups_by_node(idx, x, y, st, 2.5, {0, 0, 200}, prio);
  REQUIRE(groups.size() == 3);
  // Cell (0, 0), others: mean (70, 20), nearest node (100, 0).
  CHECK(groups[0].persons == 8);  // 3 agents x 2.5 = 7.5, rounded
  CHECK_FALSE(groups[0].priority);
  CHECK(groups[0].point.x == doctest::Approx(70));
  CHECK(groups[0].point.y == doctest::Approx(20));
  CHECK(net.pos(groups[0].node) == Point{100, 0});
  CHECK(groups[0].centre == Point{100, 100});
  CHECK(groups[0].radius_m == doctest::Approx(100 * std::sqrt(2.0)));
  CHECK(groups[1].priority);      // same cell, priority: at (30, 60), nearest node (0, 100)
  CHECK(groups[1].persons == 3);  // 2.5 rounded away from zero
  CHECK(net.pos(groups[1].node) == Point{0, 100});
  CHECK(groups[1].centre == Point{100, 100});
  CHECK_FALSE(groups[2].priority);  // cell (1, 0)
  CHECK(groups[2].centre == Point{300, 100});
  CHECK(net.pos(groups[2].node) == Point{400, 0});
  // Without priority flags the cell is one group.
  const auto plain = groups_by_node(idx, x, y, st, 1, {0, 0, 200});
  REQUIRE(plain.size() == 2);
  CHECK(plain[0].persons == 4);
  CHECK_FALSE(plain[0].priority);
}

TEST_CASE("facilities from a snapshot: open ones with their room; guidance values are cumulative shares") {
  Snapshot s;
  s.facility_state = {FacilityState::kOpen, FacilityState::kFull, FacilityState::kClosed};
  s.facility_capacity = {100, 50, 80};
  s.facility_reserved = {40.5, 50, 0};
  const std::vector<NodeId> nodes{NodeId{1}, NodeId{2}, NodeId{3}};
  const auto f = facilities_from_snapshot(s, nodes);
  REQUIRE(f.size() == 3);
  CHECK(f[0].open);
  CHECK(f[0].room == 59);
  CHECK(f[0].node == NodeId{1});
  CHECK_FALSE(f[1].open);
  CHECK(f[1].room == 0);
  CHECK_FALSE(f[2].open);

  // One area of 100 persons (a priority and an other group sharing a circle) sends 50
  // to facility 2, 20 to facility 0; a second area sends all its 10 to facility 1.
  std::vector<AllocationGroup> groups(3);
  groups[0].centre = groups[1].centre = {100, 100};
  groups[0].radius_m = groups[1].radius_m = 70;
  groups[0].persons = 90;
  groups[1].persons = 10;
  groups[1].priority = true;
  groups[2].centre = {500, 100};
  groups[2].radius_m = 70;
  groups[2].persons = 10;
  Plan p;
  p.assignments = {{0, 0, 20, 100}, {0, 2, 40, 300}, {1, 2, 10, 300}, {2, 1, 10, 50}};
  OptimiserParams par;
  par.compliance = 0.5;
  const auto cmds = plan_to_guidance(p, groups, par, 3600);
  REQUIRE(cmds.size() == 3);
  for (const Command& c : cmds) {
    CHECK(c.type == CommandType::kGuidance);
    CHECK(c.time_s == 3600);
    CHECK(c.radius_m == 70);
    CHECK(c.source == "optimiser");
  }
  // Largest first, with the share of everything still to place: 0.5 x 70/100, then 0.5 x 20/100.
  CHECK(cmds[0].facility == make_id<ShelterId>(2));
  CHECK(cmds[0].value == doctest::Approx(0.35));
  CHECK(cmds[0].x == 100);
  CHECK(cmds[1].facility == make_id<ShelterId>(0));
  CHECK(cmds[1].value == doctest::Approx(0.10));
  CHECK(cmds[2].facility == make_id<ShelterId>(1));
  CHECK(cmds[2].value == doctest::Approx(0.5));
  CHECK(cmds[2].x == 500);

  groups[2].radius_m = 0;
  CHECK_THROWS_AS(plan_to_guidance(p, groups, par, 0), std::invalid_argument);
  WalkCosts bad;
  bad.pairs = {{5, 0, 10}};
  CHECK_THROWS_AS(optimise_allocation(groups, f, bad, par), std::invalid_argument);
}

TEST_CASE("a plan applied as guidance sends about compliance x the planned persons to each facility") {
  // Two identical runs; only the first gets the plan's guidance, the second is the control.
  const Network net(test::grid_network(9, 100.0, 4.0f));
  const City city = test::grid_test_city();
  RunConfig rc;
  rc.seed = 11;
  Simulation sim(net, city, test::grid_test_scenario(), rc), control(net, city, test::grid_test_scenario(), rc);
  for (int i = 0; i < 360; ++i) {  // both facilities open and (nearly) full
    sim.step();
    control.step();
  }
  Snapshot s;
  sim.fill_snapshot(s, true);
  REQUIRE(s.row.state[static_cast<int>(AgentState::kUnsheltered)] > 0);
  // The operator finds room for more in both facilities, and plans before anyone
  // else has taken it (the plan is computed on this snapshot's room).
  const double extra[2] = {1500, 1000};
  for (std::int64_t f = 0; f < 2; ++f) {
    Command c;
    c.type = CommandType::kSetCapacity;
    c.facility = make_id<ShelterId>(f);
    c.value = s.facility_capacity[static_cast<std::size_t>(f)] + extra[f];
    sim.submit(c);
    control.submit(c);
    s.facility_capacity[static_cast<std::size_t>(f)] = c.value;
    s.facility_state[static_cast<std::size_t>(f)] = FacilityState::kOpen;
  }
  const SpatialIndex idx(net, 0, false);
  const auto prio = priority_flags(sim.population());
  const auto groups = groups_by_node(idx, s.agent_x, s.agent_y, s.agent_state, s.persons_per_agent, {0, 0, 200}, prio);
  REQUIRE(groups.size() > 3);
  const auto fac = facilities_from_snapshot(s, facility_nodes(idx, city));
  OptimiserParams par;
  par.compliance = 0.6;
  const Plan plan = optimise_allocation(net, groups, fac, par);
  CHECK(plan.persons == std::llround(static_cast<double>(s.row.state[static_cast<int>(AgentState::kUnsheltered)]) *
                                     s.persons_per_agent));
  REQUIRE(plan.served > 200);
  const auto cmds = plan_to_guidance(plan, groups, par, s.time_s);
  REQUIRE_FALSE(cmds.empty());
  for (const Command& c : cmds) sim.submit(c);
  sim.step();
  control.step();
  Snapshot with, without;
  sim.fill_snapshot(with, false);
  control.fill_snapshot(without, false);
  REQUIRE(with.command_log.size() == 2 + cmds.size());
  // Places reserved beyond the control run: compliance x the plan, less only those the
  // control's own search placed in the same step. Guidance also moves facility-bound
  // walkers in its circles between the two facilities; that cancels in the sum.
  double total = 0;
  for (std::size_t f = 0; f < 2; ++f) {
    const double got = with.facility_reserved[f] - without.facility_reserved[f];
    MESSAGE("facility " << f << ": planned " << plan.facility_load[f] << " -> expected "
                        << par.compliance * static_cast<double>(plan.facility_load[f]) << ", reserved +" << got);
    total += got;
    CHECK(got == doctest::Approx(par.compliance * static_cast<double>(plan.facility_load[f])).epsilon(0.2));
  }
  CHECK(total == doctest::Approx(par.compliance * static_cast<double>(plan.served)).epsilon(0.15));
  CHECK(with.row.state[static_cast<int>(AgentState::kUnsheltered)] <
        without.row.state[static_cast<int>(AgentState::kUnsheltered)]);
}
