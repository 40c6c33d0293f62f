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

TimeseriesRow current_row(const StepContext& cx, const AgentLists& lists, const EdgeAccounting& acct,
                          const EdgeState& ed, const FacilityTable& fac) {
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
  return r;
}

void record_row(const StepContext& cx, const AgentLists& lists, const EdgeAccounting& acct, const EdgeState& ed,
                const FacilityTable& fac, Metrics& metrics) {
  if (!metrics.rows.empty() && metrics.rows.back().time_s == cx.clk.t) return;
  metrics.rows.push_back(current_row(cx, lists, acct, ed, fac));
}

void run_account(const StepContext& cx, const EdgeParams& edge, AgentsHot& ag, AgentLists& lists, EdgeState& ed,
                 EdgeAccounting& acct, const FacilityTable& fac, Metrics& metrics) {
  account_edges(cx, edge, ed, acct);
  compact_active(cx, ag, lists.active);
  const auto& n = lists.state_count;
  const std::int64_t sheltered = n[static_cast<int>(AgentState::kSheltered)];
  const std::int64_t unsheltered =
      n[static_cast<int>(AgentState::kUnsheltered)] + n[static_cast<int>(AgentState::kToFacility)];
  metrics.peak_sheltered = std::max(metrics.peak_sheltered, sheltered);
  metrics.peak_unsheltered = std::max(metrics.peak_unsheltered, unsheltered);
  metrics.peak_cm_ge6 = std::max(metrics.peak_cm_ge6, acct.cm_ge6);
  if (cx.clk.t % cx.in.sc.run.output_interval_s == 0 || cx.clk.t >= cx.clk.end_t)
    record_row(cx, lists, acct, ed, fac, metrics);
}

}  // namespace kitaku::engine
