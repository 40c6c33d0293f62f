// The accounting phase (engine.hpp): per-edge statistics of the edges touched in
// the step, the walker list without those who left the network, the peaks, and
// the timeseries row.
#include <omp.h>

#include <algorithm>
#include <cmath>

#include "engine.hpp"

namespace kitaku::engine {

namespace {

void account_edges(const StepContext& cx, const EdgeParams& edge, EdgeState& ed, EdgeAccounting& acct) {
  const Network& net = cx.in.net;
  const auto& mp = cx.in.sc.movement;
  const double w = cx.in.w();
  const std::int64_t now = cx.clk.t;
  std::int64_t d4 = 0, d6 = 0, dcm = 0;
  const auto T = static_cast<std::int64_t>(ed.touched.size());
  // Each touched edge appears once; the totals are integer sums, so any order agrees.
#pragma omp parallel for schedule(static) reduction(+ : d4, d6, dcm) if (T > 4096)
  for (std::int64_t k = 0; k < T; ++k) {
    const EdgeId e = ed.touched[static_cast<std::size_t>(k)];
    const std::int32_t old = acct.acc_count[e], c = ed.count[e];
    const std::int64_t span = now - acct.acc_t[e];
    if (old >= edge.thr4[e]) acct.sec_ge4[e] += span;
    if (old >= edge.thr6[e]) acct.sec_ge6[e] += span;
    const std::int64_t cm = static_cast<std::int64_t>(std::llround(net.length(e) * 100.0));
    d4 += (c >= edge.thr4[e] ? c : 0) - (old >= edge.thr4[e] ? old : 0);
    d6 += (c >= edge.thr6[e] ? c : 0) - (old >= edge.thr6[e] ? old : 0);
    dcm += (c >= edge.thr6[e] ? cm : 0) - (old >= edge.thr6[e] ? cm : 0);
    acct.acc_count[e] = c;
    acct.acc_t[e] = now;
    if (c >= edge.thr6[e] && old < edge.thr6[e]) {
      acct.ge6_since[e] = now;
      if (acct.first_ge6[e] < 0) acct.first_ge6[e] = now;
    } else if (c < edge.thr6[e]) {
      acct.ge6_since[e] = -1;
    }
    const double rho = c * w / edge.area[e];
    if (rho > acct.peak_density[e]) {
      acct.peak_density[e] = static_cast<float>(rho);
      acct.peak_t[e] = now;
      const double q = rho * mp.v0_mean * weidmann_factor(rho, mp.gamma, mp.rho_max, mp.v_floor / mp.v0_mean);
      acct.peak_flow[e] = std::max(acct.peak_flow[e], static_cast<float>(q));
    }
  }
  acct.agents_ge4 += d4;
  acct.agents_ge6 += d6;
  acct.cm_ge6 += dcm;
  ed.touched.clear();
}

// The junctions whose standing count changed in the step, as account_edges does for
// edges (serial: a step changes few). First the step's agent-steps at the
// thresholds, from the counts that held during it.
void account_junctions(const StepContext& cx, const JunctionParams& jp, JunctionState& js, JunctionAccounting& ja,
                       Metrics& metrics) {
  const double w = cx.in.w();
  const std::int64_t now = cx.clk.t;
  metrics.junction_steps_ge4 += ja.agents_ge4;
  metrics.junction_steps_ge6 += ja.agents_ge6;
  for (const NodeId n : js.touched) {
    const std::int32_t old = ja.acc_count[n], c = js.count[n];
    const std::int64_t span = now - ja.acc_t[n];
    if (old >= jp.thr4[n]) ja.sec_ge4[n] += span;
    if (old >= jp.thr6[n]) ja.sec_ge6[n] += span;
    ja.agents_ge4 += (c >= jp.thr4[n] ? c : 0) - (old >= jp.thr4[n] ? old : 0);
    ja.agents_ge6 += (c >= jp.thr6[n] ? c : 0) - (old >= jp.thr6[n] ? old : 0);
    ja.nodes_ge6 += (c >= jp.thr6[n] ? 1 : 0) - (old >= jp.thr6[n] ? 1 : 0);
    ja.acc_count[n] = c;
    ja.acc_t[n] = now;
    const float rho = static_cast<float>(c * w / jp.area[n]);
    if (rho > ja.peak_density[n]) {
      ja.peak_density[n] = rho;
      ja.peak_t[n] = now;
    }
  }
  js.touched.clear();
  metrics.peak_junctions_ge6 = std::max(metrics.peak_junctions_ge6, ja.nodes_ge6);
  metrics.peak_standing = std::max(metrics.peak_standing, js.agents_standing);
}

// Places at >= 6 p/m2: the connected groups of edges and junctions at >= 6 p/m2,
// where an edge joins its two end nodes and a junction is its node (docs/model.md,
// "Crowds where people stand"). Union-find over the nodes, O(edges + nodes).
std::int64_t count_places(const Inputs& in, const EdgeParams& edge, const EdgeState& ed, const JunctionParams& jp,
                          const JunctionState& js) {
  const Network& net = in.net;
  const std::size_t V = net.node_count();
  std::vector<std::uint32_t> parent(V, UINT32_MAX);  // UINT32_MAX: in no dense edge or junction
  auto find = [&](std::uint32_t x) {
    while (parent[x] != x) x = parent[x] = parent[parent[x]];
    return x;
  };
  auto mark = [&](std::uint32_t x) {
    if (parent[x] == UINT32_MAX) parent[x] = x;
  };
  for (const NodeId n : js.count.ids())
    if (js.count[n] >= jp.thr6[n]) mark(index(n));
  for (const EdgeId e : ed.count.ids()) {
    if (ed.count[e] < edge.thr6[e]) continue;
    const auto u = static_cast<std::uint32_t>(index(net.from(e))), v = static_cast<std::uint32_t>(index(net.to(e)));
    mark(u);
    mark(v);
    const std::uint32_t ru = find(u), rv = find(v);
    if (ru != rv) parent[std::max(ru, rv)] = std::min(ru, rv);
  }
  std::int64_t places = 0;
  for (std::uint32_t x = 0; x < V; ++x) places += parent[x] == x;
  return places;
}

// Drops those who are no longer on the network from the walker list, keeping the
// order. Each thread compacts a contiguous slice in place, then the slices close
// up in order: the same list as one pass would give, for any number of slices.
void compact_active(const StepContext& cx, AgentsHot& ag, std::vector<AgentId>& active) {
  const std::size_t A = active.size();
  const int T = cx.clk.par && A >= 65536 ? cx.clk.threads : 1;
  std::vector<std::size_t> kept(static_cast<std::size_t>(T));
#pragma omp parallel for schedule(static, 1) if (T > 1)
  for (int s = 0; s < T; ++s) {
    const std::size_t lo = A * static_cast<std::size_t>(s) / static_cast<std::size_t>(T);
    const std::size_t hi = A * static_cast<std::size_t>(s + 1) / static_cast<std::size_t>(T);
    std::size_t k = lo;
    for (std::size_t i = lo; i < hi; ++i) {
      const AgentId a = active[i];
      if (ag.on_network_walker(a)) active[k++] = a;
      else clear_flags(ag.flags[a], kActive);
    }
    kept[static_cast<std::size_t>(s)] = k - lo;
  }
  std::size_t k = kept[0];
  for (int s = 1; s < T; ++s) {
    const std::size_t lo = A * static_cast<std::size_t>(s) / static_cast<std::size_t>(T);
    std::copy(active.begin() + static_cast<std::ptrdiff_t>(lo),
              active.begin() + static_cast<std::ptrdiff_t>(lo + kept[static_cast<std::size_t>(s)]),
              active.begin() + static_cast<std::ptrdiff_t>(k));
    k += kept[static_cast<std::size_t>(s)];
  }
  active.resize(k);
}

}  // namespace

TimeseriesRow current_row(const StepContext& cx, const Tables& tb, std::vector<StationFrontRow>* fronts,
                          bool places) {
  const AgentLists& lists = tb.lists;
  const EdgeAccounting& acct = tb.acct;
  const EdgeState& ed = tb.ed;
  const FacilityTable& fac = tb.fac;
  const JunctionState& js = tb.js;
  const double w = cx.in.w();
  TimeseriesRow r;
  r.time_s = cx.clk.t;
  r.agents = static_cast<std::int64_t>(cx.in.pop.size());
  r.state = lists.state_count;
  std::int64_t occ = 0, open = 0, full = 0;
  for (const ShelterId f : fac.state.ids()) {
    occ += fac.occupied[f];
    open += fac.state[f] != FacilityState::kClosed;
    full += fac.state[f] == FacilityState::kFull;
  }
  r.persons_sheltered = static_cast<double>(occ) * w;
  r.persons_ge4 = static_cast<double>(acct.agents_ge4) * w;
  r.persons_ge6 = static_cast<double>(acct.agents_ge6) * w;
  r.km_ge6 = static_cast<double>(acct.cm_ge6) / 100000.0;
  r.persons_walking = static_cast<double>(ed.agents_on_edges) * w;
  r.facilities_open = open;
  r.facilities_full = full;
  r.persons_at_junctions = static_cast<double>(js.agents_standing) * w;
  r.persons_junction_ge4 = static_cast<double>(tb.jacc.agents_ge4) * w;
  r.persons_junction_ge6 = static_cast<double>(tb.jacc.agents_ge6) * w;
  r.junctions_ge6 = tb.jacc.nodes_ge6;
  if (places) r.places_ge6 = count_places(cx.in, tb.edge, ed, tb.jp, js);
  else if (!tb.metrics.rows.empty()) r.places_ge6 = tb.metrics.rows.back().places_ge6;
  // Station fronts: everyone on the edges and at the junctions near each station.
  const StationFronts& sf = tb.fronts;
  std::int64_t any = 0;
  for (const EdgeId e : sf.any_edges) any += ed.count[e];
  for (const NodeId n : sf.any_nodes) any += js.count[n];
  r.persons_station_fronts = static_cast<double>(any) * w;
  if (fronts)
    for (std::size_t s = 0; s < sf.nodes.size(); ++s) {
      std::int64_t c = 0;
      float peak = 0;
      for (const EdgeId e : sf.edges[s]) {
        c += ed.count[e];
        peak = std::max(peak, static_cast<float>(ed.count[e]) * tb.edge.w_over_area[e]);
      }
      for (const NodeId n : sf.nodes[s]) {
        c += js.count[n];
        peak = std::max(peak, static_cast<float>(js.count[n] * w / tb.jp.area[n]));
      }
      fronts->push_back({r.time_s, static_cast<std::int64_t>(s), static_cast<double>(c) * w, peak});
    }
  return r;
}

void record_row(const StepContext& cx, const Tables& tb, Metrics& metrics) {
  if (!metrics.rows.empty() && metrics.rows.back().time_s == cx.clk.t) return;
  metrics.rows.push_back(current_row(cx, tb, &metrics.station_rows));
}

void run_account(const StepContext& cx, Tables& tb) {
  const EdgeParams& edge = tb.edge;
  AgentsHot& ag = tb.ag;
  AgentLists& lists = tb.lists;
  EdgeState& ed = tb.ed;
  EdgeAccounting& acct = tb.acct;
  Metrics& metrics = tb.metrics;
  account_edges(cx, edge, ed, acct);
  account_junctions(cx, tb.jp, tb.js, tb.jacc, metrics);
  compact_active(cx, ag, lists.active);
  const auto& n = lists.state_count;
  const std::int64_t sheltered = n[static_cast<int>(AgentState::kSheltered)];
  const std::int64_t unsheltered =
      n[static_cast<int>(AgentState::kUnsheltered)] + n[static_cast<int>(AgentState::kToFacility)];
  metrics.peak_sheltered = std::max(metrics.peak_sheltered, sheltered);
  metrics.peak_unsheltered = std::max(metrics.peak_unsheltered, unsheltered);
  metrics.peak_cm_ge6 = std::max(metrics.peak_cm_ge6, acct.cm_ge6);
  if (cx.clk.t % cx.in.sc.run.output_interval_s == 0 || cx.clk.t >= cx.clk.end_t)
    record_row(cx, tb, metrics);
}

}  // namespace kitaku::engine
