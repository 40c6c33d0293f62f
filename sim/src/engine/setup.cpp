// Setup (engine.hpp): fills the tables from the inputs, in parallel where it is
// per agent; every random draw is keyed by (seed, agent or facility, purpose), so
// the result does not depend on the thread count.
#include <omp.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <numeric>

#include "engine.hpp"
#include "kitaku/sim/distance_rule.hpp"
#include "kitaku/sim/error.hpp"
#include "kitaku/sim/rng.hpp"
#include "kitaku/sim/walkable.hpp"

namespace kitaku::engine {

namespace {

// Where the segment from `from` (inside box b) to `to` leaves b: `to` itself when
// it lies inside (Liang-Barsky clipping on the parameter t in [0, 1]).
Point exit_point(Point from, Point to, const BBox& b) {
  const Point inside{std::clamp(from.x, b.min_x, b.max_x), std::clamp(from.y, b.min_y, b.max_y)};
  const double dx = to.x - inside.x, dy = to.y - inside.y;
  double t = 1;
  if (dx > 0) t = std::min(t, (b.max_x - inside.x) / dx);
  if (dx < 0) t = std::min(t, (b.min_x - inside.x) / dx);
  if (dy > 0) t = std::min(t, (b.max_y - inside.y) / dy);
  if (dy < 0) t = std::min(t, (b.min_y - inside.y) / dy);
  t = std::clamp(t, 0.0, 1.0);
  return {std::clamp(inside.x + t * dx, b.min_x, b.max_x), std::clamp(inside.y + t * dy, b.min_y, b.max_y)};
}

void setup_edges(const Inputs& in, const HazardPlan& plan, Tables& tb) {
  const Network& net = in.net;
  const Scenario& sc = in.sc;
  const double w = in.w();
  const std::size_t E = net.edge_count();
  EdgeParams& p = tb.edge;
  tb.ed.count.assign(E, 0);
  p.cap.resize(E);
  p.limit.resize(E);
  p.thr4.resize(E);
  p.thr6.resize(E);
  p.area.resize(E);
  p.w_over_area.resize(E);
  SpeedTable& st = tb.speed;
  st.lut.resize(SpeedTable::kSteps + 1);
  st.scale = static_cast<float>(SpeedTable::kSteps / sc.movement.rho_max);
  for (int i = 0; i <= SpeedTable::kSteps; ++i)
    st.lut[static_cast<std::size_t>(i)] = static_cast<float>(
        weidmann_factor(i / static_cast<double>(st.scale), sc.movement.gamma, sc.movement.rho_max, 0.0));
  for (const EdgeId e : p.cap.ids()) {
    p.area[e] = static_cast<float>(net.length(e) * walkable_width(net, e, sc.movement));
    p.w_over_area[e] = static_cast<float>(w / p.area[e]);
    p.cap[e] = std::max(1, static_cast<int>(sc.movement.rho_jam * p.area[e] / w));
    p.limit[e] = std::max(p.cap[e], static_cast<int>(sc.movement.rho_limit * p.area[e] / w));
    p.thr4[e] = std::max(static_cast<std::int32_t>(std::ceil(4.0 * p.area[e] / w - 1e-9)), 1);
    p.thr6[e] = std::max(static_cast<std::int32_t>(std::ceil(6.0 * p.area[e] / w - 1e-9)), 1);
  }
  tb.ed.closed.assign(E, 0);
  if (!plan.edge_blocked.empty()) {
    if (plan.edge_blocked.size() != E)
      throw InvariantError("hazard plan: edge_blocked has " + std::to_string(plan.edge_blocked.size()) +
                           " entries for " + std::to_string(E) + " edges");
    for (const EdgeId e : tb.ed.closed.ids())  // impassable from t = 0
      if (plan.edge_blocked[index(e)]) tb.ed.closed[e] = static_cast<std::uint8_t>(EdgeClosure::kCollapse);
  }
  make_weights(in, tb.ed, tb.routes);
  EdgeAccounting& ac = tb.acct;
  ac.acc_count.assign(E, 0);
  ac.acc_t.assign(E, 0);
  ac.sec_ge4.assign(E, 0);
  ac.sec_ge6.assign(E, 0);
  ac.peak_density.assign(E, 0);
  ac.peak_flow.assign(E, 0);
  ac.peak_t.assign(E, -1);
  ac.ge6_since.assign(E, -1);
  ac.first_ge6.assign(E, -1);
  tb.ed.touch_stamp.assign(E, -1);
  tb.ed.req_count.assign(E, 0);
}

// Home cells: a square grid over the network; each cell's root is the node nearest its centre.
void setup_home_cells(const Inputs& in, HomeRoutes& h) {
  const BBox b = in.net.bbox();
  GridGeometry& g = h.cells;
  g.cell = in.sc.routing.home_cell_m;
  g.x0 = b.min_x;
  g.y0 = b.min_y;
  g.nx = static_cast<std::uint32_t>(std::max(1, static_cast<int>(std::ceil((b.max_x - b.min_x) / g.cell))));
  g.ny = static_cast<std::uint32_t>(std::max(1, static_cast<int>(std::ceil((b.max_y - b.min_y) / g.cell))));
  const std::size_t cells = g.cells();
  h.cell_root.assign(cells, kNoNode);
  h.cell_tree.assign(cells * static_cast<std::size_t>(in.sc.routing.route_variants), -1);
  std::vector<double> best(cells, std::numeric_limits<double>::infinity());
  for (std::uint32_t v = 0; v < in.net.node_count(); ++v) {
    const Point p = in.net.pos(make_id<NodeId>(v));
    const auto c = h.cell_of(p);
    const double cx = g.x0 + (c % g.nx + 0.5) * g.cell, cy = g.y0 + (c / g.nx + 0.5) * g.cell;
    const double d = std::hypot(p.x - cx, p.y - cy);
    if (d < best[c]) {
      best[c] = d;
      h.cell_root[c] = make_id<NodeId>(v);
    }
  }
}

void setup_facilities(const Inputs& in, const HazardPlan& plan, FacilityTable& fac) {
  const std::size_t F = in.city.facilities.size();
  const double w = in.w();
  fac.cap.resize(F);
  fac.cap_agents.resize(F);
  fac.reserved.assign(F, 0);
  fac.occupied.assign(F, 0);
  fac.peak_occ.assign(F, 0);
  fac.state.assign(F, FacilityState::kClosed);
  fac.op_closed.assign(F, 0);
  fac.op_opened.assign(F, 0);
  fac.damaged.assign(F, 0);
  fac.open_at.resize(F);
  fac.opened_time.assign(F, -1);
  fac.full_since.assign(F, 0);
  fac.seconds_full.assign(F, 0);
  fac.node.resize(F);
  fac.tree.resize(F);
  fac.tree_need.assign(F, 0);
  const double lo = in.sc.facilities.opening_delay_min_min * 60, hi = in.sc.facilities.opening_delay_max_min * 60;
  for (const ShelterId f : fac.cap.ids()) {
    fac.cap[f] = in.city.facilities[index(f)].capacity;
    fac.cap_agents[f] = static_cast<std::int32_t>(std::floor(fac.cap[f] / w + 1e-9));
    Rng rng(in.cfg.seed, index(f), 0, Purpose::kFacilityDelay);
    fac.open_at[f] = static_cast<std::int64_t>(std::llround(rng.uniform(lo, hi)));
    fac.node[f] = in.sindex.nearest_node(in.city.facilities[index(f)].pos).node;
  }
  // The hazard plan: facilities that fail to open are damaged from t = 0; the
  // others' safety checks take longer with the shaking.
  const auto& failed = plan.facility_failed;
  const auto& extra = plan.facility_extra_delay_s;
  if ((!failed.empty() && failed.size() != F) || (!extra.empty() && extra.size() != F))
    throw InvariantError("hazard plan: facility vectors do not match the " + std::to_string(F) + " facilities");
  for (const ShelterId f : fac.cap.ids()) {
    if (!extra.empty()) fac.open_at[f] += static_cast<std::int64_t>(std::llround(std::max(0.0, extra[index(f)])));
    if (!failed.empty() && failed[index(f)]) fac.damaged[f] = fac.op_closed[f] = 1;
  }
  fac.open_order.assign(fac.cap.ids().begin(), fac.cap.ids().end());
  std::stable_sort(fac.open_order.begin(), fac.open_order.end(),
                   [&](ShelterId a, ShelterId b) { return fac.open_at[a] < fac.open_at[b]; });
  // Grid over facilities for the nearest-available search: 500 m cells from a
  // metre south-west of the network.
  const BBox b = in.net.bbox();
  GridGeometry g;
  g.x0 = b.min_x - 1;
  g.y0 = b.min_y - 1;
  g.cell = 500;
  g.nx = static_cast<std::uint32_t>(std::max(1, static_cast<int>(std::ceil((b.max_x - g.x0 + 1) / g.cell))));
  g.ny = static_cast<std::uint32_t>(std::max(1, static_cast<int>(std::ceil((b.max_y - g.y0 + 1) / g.cell))));
  fac.grid = GridIndex::build(g, F, [&](std::uint32_t f, auto&& emit) { emit(g.cell_of(in.city.facilities[f].pos)); });
  fac.search_failed.assign(2 * g.cells(), 0);
}

void setup_agents(const Inputs& in, HomeRoutes& homes, Tables& tb, Kernel& k) {
  const Population& pop = in.pop;
  const Scenario& sc = in.sc;
  const std::size_t N = pop.size();
  AgentsHot& ag = tb.ag;
  AgentsCold& cold = tb.cold;
  ag.state.assign(N, AgentState::kWaiting);
  ag.arc.assign(N, kNoArc);
  ag.node.resize(N);
  ag.facility.assign(N, kNoShelter);
  cold.home_cell.resize(N);
  cold.variant.resize(N);
  ag.pos.assign(N, 0);
  ag.walked.assign(N, 0);
  ag.crowd4.assign(N, 0);
  ag.crowd6.assign(N, 0);
  ag.flags.assign(N, 0);
  ag.wait.assign(N, 0);
  ag.wake_step.assign(N, -1);
  PerAgent<std::int64_t> when(N, -1);
  const auto& bp = sc.behaviour;
  const BBox b = in.net.bbox();
  const std::uint64_t seed = in.cfg.seed;
#pragma omp parallel for schedule(static)
  for (std::int64_t i = 0; i < static_cast<std::int64_t>(N); ++i) {
    const AgentId a = make_id<AgentId>(static_cast<std::uint64_t>(i));
    const auto ai = static_cast<std::size_t>(i);
    ag.node[a] = pop.origin[ai];
    // The home's cell: the network node nearest the home, or, for a home beyond the
    // network's box, nearest where the straight line from the agent to its home leaves it.
    const Point h = exit_point(pop.pos[ai], pop.home[ai], b);
    const auto hn = in.sindex.nearest_node(h).node;
    cold.home_cell[a] = homes.cell_of(in.net.pos(hn));
    cold.variant[a] = static_cast<std::uint8_t>(
        Rng(seed, index(a), 0, Purpose::kRouteVariant).below(static_cast<std::uint64_t>(sc.routing.route_variants)));
    if (!pop.departure_s.empty()) {  // explicit demand: the trip says when, and where to
      ag.flags[a] |= kWillWalk;
      when[a] = pop.departure_s[ai];
      continue;
    }
    const bool stranded = draws_stranded(in, a);
    // The stranded who walk all the same (the panel's long-distance walkers).
    const bool walk = !stranded || (bp.long_walk_share > 0 &&
                                    Rng(seed, index(a), 0, Purpose::kLongWalk).bernoulli(bp.long_walk_share));
    if (walk) ag.flags[a] |= kWillWalk;
    const Activity act = pop.activity[ai];
    Rng rd(seed, index(a), 0, Purpose::kDeparture);
    const double depart = rd.exponential(bp.departure_mean_min * 60);
    if (has_place_to_stay(act)) {
      Rng rr(seed, index(a), 0, Purpose::kRetained);
      const double p_ret = act == Activity::kSchool ? bp.school_retention : bp.retention_share;
      if (rr.bernoulli(p_ret)) {
        ag.state[a] = AgentState::kRetained;
        Rng rl(seed, index(a), 0, Purpose::kRelease);
        double u = rl.uniform(), release = bp.retention_hours * 3600;
        for (const auto& wv : bp.release_waves) {
          if (u < wv.share) {
            release = wv.after_h * 3600;
            break;
          }
          u -= wv.share;
        }
        when[a] = static_cast<std::int64_t>(release + rl.uniform(0, bp.release_spread_min * 60));
        continue;
      }
      if (!walk && rr.bernoulli(bp.stay_if_stranded)) {
        ag.state[a] = AgentState::kStaying;
        continue;
      }
    }
    when[a] = static_cast<std::int64_t>(depart);
  }
  for (const AgentId a : ag.state.ids()) {
    k.count_initial(a);
    if (when[a] >= 0) k.schedule(a, when[a]);
  }
}

// Junction areas and thresholds (docs/model.md, "Crowds where people stand"), who
// stands where at the quake, and the nodes and edges near each station.
void setup_junctions(const Inputs& in, Tables& tb) {
  const Network& net = in.net;
  const double w = in.w();
  const std::size_t V = net.node_count();
  JunctionParams& jp = tb.jp;
  jp.area.resize(V);
  jp.thr4.resize(V);
  jp.thr6.resize(V);
  for (const NodeId n : jp.area.ids()) {
    double w1 = 0, w2 = 0, approaches = 0;
    const ArcId first = net.first_out(n);
    for (std::uint32_t i = 0; i < net.out_degree(n); ++i) {
      const EdgeId e = net.edge(make_id<ArcId>(index(first) + i));
      const double ww = walkable_width(net, e, in.sc.movement);
      if (ww > w1) w2 = w1, w1 = ww;
      else if (ww > w2) w2 = ww;
      approaches += std::min<double>(kJunctionApproachM, net.length(e) / 2) * ww;
    }
    if (w2 <= 0) w2 = w1;  // a dead end: a square of its street's width
    const double area = std::max(kJunctionMinM2, w1 * w2 + approaches);
    jp.area[n] = static_cast<float>(area);
    jp.thr4[n] = std::max(static_cast<std::int32_t>(std::ceil(4.0 * area / w - 1e-9)), 1);
    jp.thr6[n] = std::max(static_cast<std::int32_t>(std::ceil(6.0 * area / w - 1e-9)), 1);
  }
  JunctionState& js = tb.js;
  js.count.assign(V, 0);
  js.touch_stamp.assign(V, -1);
  js.touched.clear();
  AgentsHot& ag = tb.ag;
  const std::size_t N = ag.size();
  ag.stand.assign(N, kNoNode);
  ag.stand4_from.assign(N, 0);
  ag.stand6_from.assign(N, 0);
  ag.jcrowd4.assign(N, 0);
  ag.jcrowd6.assign(N, 0);
  for (const AgentId a : ag.state.ids()) {
    const NodeId n = standing_node(in.pop, ag, a);
    ag.stand[a] = n;
    if (valid(n)) ++js.count[n];
  }
  js.agents_standing = 0;
  JunctionAccounting& ja = tb.jacc;
  ja.acc_count = js.count;  // the first span, [0, dt], counts those standing at the quake
  ja.acc_t.assign(V, 0);
  ja.sec_ge4.assign(V, 0);
  ja.sec_ge6.assign(V, 0);
  ja.peak_density.assign(V, 0);
  ja.peak_t.assign(V, -1);
  ja.agents_ge4 = ja.agents_ge6 = ja.nodes_ge6 = 0;
  for (const NodeId n : js.count.ids()) {
    const std::int32_t c = js.count[n];
    js.agents_standing += c;
    if (c >= jp.thr4[n]) ja.agents_ge4 += c;
    if (c >= jp.thr6[n]) ja.agents_ge6 += c, ++ja.nodes_ge6;
    if (c > 0) ja.peak_density[n] = static_cast<float>(c * w / jp.area[n]), ja.peak_t[n] = 0;
  }

  // Station fronts: nodes, and edges by their midpoint, within station_front_m,
  // found through a grid of cells of that size.
  StationFronts& sf = tb.fronts;
  const auto& st = in.city.stations;
  const double r = in.sc.run.station_front_m;
  sf.nodes.assign(st.size(), {});
  sf.edges.assign(st.size(), {});
  sf.any_nodes.clear();
  sf.any_edges.clear();
  if (st.empty()) return;
  const BBox b = net.bbox();
  const GridGeometry g = GridGeometry::covering({b.min_x - 1, b.min_y - 1, b.max_x + 1, b.max_y + 1}, r);
  auto mid = [&](std::uint32_t e) {
    const Point p = net.pos(net.from(make_id<EdgeId>(e))), q = net.pos(net.to(make_id<EdgeId>(e)));
    return Point{(p.x + q.x) / 2, (p.y + q.y) / 2};
  };
  const GridIndex ng = GridIndex::build(g, static_cast<std::uint32_t>(V), [&](std::uint32_t n, auto&& emit) {
    emit(g.cell_of(net.pos(make_id<NodeId>(n))));
  });
  const GridIndex eg = GridIndex::build(g, static_cast<std::uint32_t>(net.edge_count()),
                                        [&](std::uint32_t e, auto&& emit) { emit(g.cell_of(mid(e))); });
  std::vector<std::uint8_t> node_near(V, 0), edge_near(net.edge_count(), 0);
  for (std::size_t s = 0; s < st.size(); ++s) {
    const Point c = st[s].pos;
    auto near = [&](Point p) { return std::hypot(p.x - c.x, p.y - c.y) <= r; };
    const BBox box{c.x - r, c.y - r, c.x + r, c.y + r};
    ng.for_each_item(box, [&](std::uint32_t n) {
      if (near(net.pos(make_id<NodeId>(n)))) sf.nodes[s].push_back(make_id<NodeId>(n));
    });
    eg.for_each_item(box, [&](std::uint32_t e) {
      if (near(mid(e))) sf.edges[s].push_back(make_id<EdgeId>(e));
    });
    std::sort(sf.nodes[s].begin(), sf.nodes[s].end());
    std::sort(sf.edges[s].begin(), sf.edges[s].end());
    for (const NodeId n : sf.nodes[s]) node_near[index(n)] = 1;
    for (const EdgeId e : sf.edges[s]) edge_near[index(e)] = 1;
  }
  for (std::size_t n = 0; n < V; ++n)
    if (node_near[n]) sf.any_nodes.push_back(make_id<NodeId>(n));
  for (std::size_t e = 0; e < edge_near.size(); ++e)
    if (edge_near[e]) sf.any_edges.push_back(make_id<EdgeId>(e));
}

}  // namespace

bool draws_stranded(const Inputs& in, AgentId a) {
  return Rng(in.cfg.seed, index(a), 0, Purpose::kStranded).bernoulli(p_cannot_get_home(in.pop.home_km[index(a)]));
}

void setup_tables(const Inputs& in, Tables& tb, Kernel& k) {
  const HazardPlan& plan = *tb.hz.plan;
  setup_edges(in, plan, tb);
  tb.lists.buckets.assign(static_cast<std::size_t>(tb.clk.total_steps + 1), {});
  setup_home_cells(in, tb.homes);
  setup_facilities(in, plan, tb.fac);
  setup_agents(in, tb.homes, tb, k);
  setup_junctions(in, tb);
}

}  // namespace kitaku::engine
