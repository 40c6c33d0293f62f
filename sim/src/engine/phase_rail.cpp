// Rail lines (engine.hpp, "rail"): set up from the scenario, resumed by a timed
// command, and each step carrying their capacity away.
#include <omp.h>

#include <algorithm>
#include <cmath>
#include <limits>

#include "engine.hpp"
#include "kitaku/sim/error.hpp"

namespace kitaku::engine {

namespace {

// Distance from p to a polyline (at least one point).
double distance_to_polyline(Point p, const std::vector<Point>& line) {
  if (line.size() == 1) return std::hypot(p.x - line[0].x, p.y - line[0].y);
  double best = std::numeric_limits<double>::infinity();
  for (std::size_t i = 0; i + 1 < line.size(); ++i) best = std::min(best, project_on_segment(p, line[i], line[i + 1]).dist);
  return best;
}

// On foot near one of the line's stations: waiting to set off, staying, stranded
// outdoors, or walking (home, or to a facility) — where it stands, or the node it
// walks towards.
bool on_foot_near(const Network& net, const AgentsHot& ag, const RailLineState& r, AgentId a) {
  switch (ag.state[a]) {
    case AgentState::kWaiting:
    case AgentState::kStaying:
    case AgentState::kUnsheltered:
    case AgentState::kToFacility:
      break;
    case AgentState::kWalkingHome:
      if (ag.flags[a] & kOffNet) return false;  // on the last stretch, beyond the network
      break;
    default:
      return false;
  }
  const NodeId n = decision_node(net, ag, a);
  return valid(n) && r.near[index(n)];
}

// Agent a boards a train: it leaves the network and gives up any facility place.
void board(const Network& net, AgentsHot& ag, Kernel& k, AgentId a) {
  const NodeId n = decision_node(net, ag, a);
  if (ag.state[a] == AgentState::kSheltered || ag.state[a] == AgentState::kToFacility) k.release_place(a);
  if (valid(ag.arc[a])) k.leave_edge(a, n);
  else k.place_at(a, n);
  clear_flags(ag.flags[a], kStopover | kGoHome | kOffNet);
  ag.wake_step[a] = -1;  // cancels a departure, retry, release or morning wake-up
  ag.wait[a] = 0;
  k.set_state(a, AgentState::kByRail);
}

}  // namespace

// Rail lines: stations resolved by name; the line's polyline runs through them in
// order and on outwards from the last station by extends_km, away from the first
// (a one-station line: away from the network's centre; a loop is not extended).
void setup_rails(const Inputs& in, std::vector<RailLineState>& rails) {
  const auto& lines = in.sc.hazards.rail_lines;
  rails.assign(lines.size(), RailLineState{});
  const BBox b = in.net.bbox();
  const Point centre{(b.min_x + b.max_x) / 2, (b.min_y + b.max_y) / 2};
  const std::string where = in.sc.origin.empty() ? "scenario" : in.sc.origin;
  for (std::size_t l = 0; l < lines.size(); ++l) {
    const RailLine& rl = lines[l];
    RailLineState& r = rails[l];
    const std::string place = "[[rail_line]] " + std::to_string(l + 1) + " \"" + rl.name + "\"";
    if (rl.stations.empty()) throw InputError(where, place, "the line lists no stations");
    for (const double v : {rl.station_catchment_m, rl.home_catchment_km, rl.extends_km, rl.capacity_per_h})
      if (!(v >= 0) || !std::isfinite(v))
        throw InputError(where, place, "station_catchment_m, home_catchment_km, extends_km and capacity_per_h must be finite and not negative");
    for (const std::string& name : rl.stations) {
      const auto it = std::find_if(in.city.stations.begin(), in.city.stations.end(),
                                   [&](const Station& st) { return st.name == name; });
      if (it == in.city.stations.end())
        throw InputError(where, place, "station \"" + name + "\" is not one of the city's " +
                                           std::to_string(in.city.stations.size()) + " stations");
      r.stations.push_back(it->pos);
    }
    r.polyline = r.stations;
    const Point last = r.stations.back(), from = r.stations.size() > 1 ? r.stations.front() : centre;
    const double dx = last.x - from.x, dy = last.y - from.y, len = std::hypot(dx, dy);
    if (len > 0 && rl.extends_km > 0)
      r.polyline.push_back({last.x + dx / len * rl.extends_km * 1000, last.y + dy / len * rl.extends_km * 1000});
  }
}

void resume_rail(const StepContext& cx, const AgentsHot& ag, std::vector<RailLineState>& rails, std::size_t l) {
  RailLineState& r = rails[l];
  if (r.since >= 0) return;  // already running
  const RailLine& rl = cx.in.sc.hazards.rail_lines[l];
  r.since = cx.clk.t;
  r.allowance = 0;
  r.near.assign(cx.in.net.node_count(), 0);
  for (const Point& p : r.stations)
    for (const NodeId n : cx.in.sindex.nodes_within(p, rl.station_catchment_m)) r.near[index(n)] = 1;
  const auto N = static_cast<std::int64_t>(ag.size());
  std::vector<std::uint8_t> serves(ag.size(), 0);
  const double reach = rl.home_catchment_km * 1000;
  const auto& home = cx.in.pop.home;
#pragma omp parallel for schedule(static) if (N > 65536)
  for (std::int64_t i = 0; i < N; ++i)
    serves[static_cast<std::size_t>(i)] = distance_to_polyline(home[static_cast<std::size_t>(i)], r.polyline) <= reach;
  r.served.clear();
  r.head = 0;
  for (const AgentId a : ag.state.ids())
    if (serves[index(a)] && ag.state[a] != AgentState::kArrivedHome && ag.state[a] != AgentState::kByRail)
      r.served.push_back(a);
}

// Every step, each running line (in line order) carries capacity_per_h x step_s /
// 3600 persons away; boarding runs serially in agent order, so it does not depend
// on the thread count. First those on foot near a station, then sheltered agents
// whose home the line serves. Places not taken in a step go empty (the fraction of
// an agent is carried).
void run_rail(const StepContext& cx, AgentsHot& ag, std::vector<RailLineState>& rails, Kernel& k) {
  auto gone = [&](AgentId a) { return ag.state[a] == AgentState::kArrivedHome || ag.state[a] == AgentState::kByRail; };
  for (std::size_t l = 0; l < rails.size(); ++l) {
    RailLineState& r = rails[l];
    if (r.since < 0) continue;
    r.allowance += cx.in.sc.hazards.rail_lines[l].capacity_per_h * cx.clk.dt / 3600.0 / cx.in.w();
    const auto quota = static_cast<std::int64_t>(std::floor(r.allowance + 1e-9));
    if (quota <= 0) continue;
    r.allowance -= static_cast<double>(quota);
    while (r.head < r.served.size() && gone(r.served[r.head])) ++r.head;
    std::int64_t n = 0;
    for (std::size_t i = r.head; i < r.served.size() && n < quota; ++i)
      if (on_foot_near(cx.in.net, ag, r, r.served[i])) {
        board(cx.in.net, ag, k, r.served[i]);
        ++n;
      }
    if (n < quota) {
      // This pass reads the whole list, so it also drops those who have gone.
      std::size_t kept = 0;
      for (std::size_t i = r.head; i < r.served.size(); ++i) {
        const AgentId a = r.served[i];
        if (n < quota && ag.state[a] == AgentState::kSheltered) {
          board(cx.in.net, ag, k, a);
          ++n;
        }
        if (!gone(a)) r.served[kept++] = a;
      }
      r.served.resize(kept);
      r.head = 0;
    }
    r.boarded += n;
  }
}

}  // namespace kitaku::engine
