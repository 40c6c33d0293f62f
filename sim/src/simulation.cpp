#include "kitaku/sim/simulation.hpp"
#include "kitaku/sim/snapshot.hpp"

#include <omp.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstring>
#include <istream>
#include <iterator>
#include <limits>
#include <numeric>
#include <ostream>
#include <sstream>

#include "checkpoint_io.hpp"
#include "kitaku/sim/allocation_planner.hpp"
#include "kitaku/sim/checkpoint.hpp"
#include "kitaku/sim/distance_rule.hpp"
#include "kitaku/sim/error.hpp"
#include "kitaku/sim/hazards.hpp"
#include "kitaku/sim/optimiser.hpp"
#include "kitaku/sim/rng.hpp"
#include "kitaku/sim/route_trees.hpp"
#include "kitaku/sim/spatial_index.hpp"

namespace kitaku {

std::string_view state_name(AgentState s) {
  switch (s) {
    case AgentState::kWaiting: return "waiting";
    case AgentState::kRetained: return "retained";
    case AgentState::kStaying: return "staying";
    case AgentState::kWalkingHome: return "walking_home";
    case AgentState::kToFacility: return "to_facility";
    case AgentState::kSheltered: return "sheltered";
    case AgentState::kUnsheltered: return "unsheltered";
    case AgentState::kByRail: return "by_rail";
    case AgentState::kArrivedHome: return "arrived_home";
  }
  return "?";
}

std::string_view facility_state_name(FacilityState s) {
  switch (s) {
    case FacilityState::kClosed: return "closed";
    case FacilityState::kOpen: return "open";
    case FacilityState::kFull: return "full";
  }
  return "?";
}

double weidmann_factor(double rho, double gamma, double rho_max, double floor_share) {
  if (rho <= 0) return 1.0;
  if (rho >= rho_max) return floor_share;
  const double f = 1.0 - std::exp(-gamma * (1.0 / rho - 1.0 / rho_max));
  return std::max(f, floor_share);
}

namespace {

constexpr std::uint32_t kNone = std::numeric_limits<std::uint32_t>::max();
constexpr std::int64_t kDay4 = 72 * 3600;  // guideline: from day 4 people walk home

enum Flag : std::uint8_t {
  kOffNet = 1,     // on the last stretch home, off the network
  kTiredDone = 2,  // has stopped once because tired
  kNightDone = 4,  // has stopped once for the night
  kStopover = 8,   // at / going to a facility only until morning
  kWillWalk = 16,  // can get home by the distance rule
  kActive = 32,    // in the active (walker) list
  kGoHome = 64,    // day 4: sets off home at its next wake-up, whatever the distance
  kOnStreet = 128, // has set off on the street network at some time (Summary::walkers)
};

// Commands of the hazard plan carry source "hazard" ("replay:hazard" if a log kept them).
bool is_hazard(const std::string& source) {
  return source == "hazard" || (source.size() > 7 && source.ends_with(":hazard"));
}

constexpr std::uint8_t reason_code(EdgeClosure r) { return static_cast<std::uint8_t>(r); }

// Distance from p to a polyline (at least one point).
double distance_to_polyline(Point p, const std::vector<Point>& line) {
  if (line.size() == 1) return std::hypot(p.x - line[0].x, p.y - line[0].y);
  double best = std::numeric_limits<double>::infinity();
  for (std::size_t i = 0; i + 1 < line.size(); ++i) best = std::min(best, project_on_segment(p, line[i], line[i + 1]).dist);
  return best;
}

enum class Ev : std::uint8_t { kTransfer, kArriveFacility, kReachHome, kNoRoute, kStop };

struct Request {
  std::uint32_t agent;
  Ev kind;
  std::uint8_t denied = 0;      // kTransfer: no room on the target edge this step
  std::uint32_t arc;            // kTransfer: the arc to enter
  float leftover;               // metres to carry onto the new arc
  std::uint32_t node;           // the node the agent stands at
  std::uint32_t edge = 0xffffffffu;  // kTransfer: the edge entered (none when turning on the same edge)
};

struct ThreadBuf {
  std::vector<Request> req;
  std::vector<std::uint32_t> targets, touched;  // edges first asked for / touched by this thread
  std::vector<std::uint32_t> events;            // positions in req of the non-transfer requests
  std::int64_t steps = 0, ge4 = 0, ge6 = 0, on_edges = 0;
};

using Phase = Simulation::Phase;
using PhaseSeconds = std::array<double, static_cast<int>(Phase::kCount)>;

// Adds the wall time since the last mark to a phase's total.
class PhaseClock {
 public:
  explicit PhaseClock(PhaseSeconds& total) : total_(total), last_(std::chrono::steady_clock::now()) {}
  void mark(Phase p) {
    const auto now = std::chrono::steady_clock::now();
    total_[static_cast<std::size_t>(p)] += std::chrono::duration<double>(now - last_).count();
    last_ = now;
  }

 private:
  PhaseSeconds& total_;
  std::chrono::steady_clock::time_point last_;
};

}  // namespace

struct Simulation::Impl {
  const Network& net;
  City city;
  Scenario sc;
  RunConfig cfg;
  SpatialIndex sindex;
  Population pop;
  double w = 1;  // persons per agent
  int dt = 5;
  std::int64_t t = 0, step_no = 0, end_t = 0;
  std::int64_t total_steps = 0;
  int threads = 1;

  // Agents: hot state.
  std::vector<AgentState> state;
  std::vector<std::uint32_t> arc, node, facility, home_cell;
  std::vector<std::uint8_t> variant;  // which of the home cell's route trees the agent follows
  std::vector<float> pos, walked;
  std::vector<std::int32_t> crowd4, crowd6;  // seconds on edges at >= 4 / >= 6 p/m2 (exposure)
  std::vector<std::uint8_t> flags;
  std::vector<std::uint16_t> wait;
  std::vector<std::int64_t> wake_step;
  std::vector<std::uint32_t> active;
  std::vector<std::vector<std::uint32_t>> buckets;  // agents to wake, by step
  std::vector<std::uint32_t> seekers;
  std::array<std::int64_t, kAgentStates> state_count{};

  // Edges.
  std::vector<std::int32_t> count, cap, thr4, thr6;
  std::vector<float> area, w_over_area;  // m2; persons per agent / m2
  // Weidmann's factor tabulated over [0, rho_max] (the exp() per walker per step
  // dominated the movement loop); linear interpolation, error < 1e-4.
  static constexpr int kLutSteps = 2048;
  std::vector<float> lut;
  float lut_scale = 0;
  float speed_factor(float rho) const {
    const float x = rho * lut_scale;
    if (x >= kLutSteps) return 0.0f;
    const int i = static_cast<int>(x);
    const float f = x - static_cast<float>(i);
    return lut[static_cast<std::size_t>(i)] * (1 - f) + lut[static_cast<std::size_t>(i) + 1] * f;
  }
  std::vector<std::uint8_t> closed;
  std::vector<std::vector<float>> weights;  // per route variant; [0] unperturbed (also facilities)
  std::vector<std::int32_t> acc_count;
  std::vector<std::int64_t> acc_t, sec_ge4, sec_ge6;
  std::vector<float> peak_density, peak_flow;
  std::vector<std::int64_t> touch_stamp;
  std::vector<std::uint32_t> touched;
  std::vector<std::int32_t> req_count;
  std::int64_t agents_ge4 = 0, agents_ge6 = 0, cm_ge6 = 0, agents_on_edges = 0;

  // Facilities.
  std::vector<double> fcap;             // persons
  std::vector<std::int32_t> fcap_agents, reserved, occupied, peak_occ;
  std::vector<FacilityState> fstate;
  std::vector<std::uint8_t> op_closed, op_opened, damaged;
  std::vector<std::int64_t> open_at, opened_time, full_since, seconds_full;
  std::vector<NodeId> fnode;
  std::vector<BoundedTree> ftree;
  std::vector<double> ftree_need;
  std::vector<std::uint32_t> open_order;  // facilities by scheduled opening time
  std::size_t next_open = 0;
  double fx0 = 0, fy0 = 0, fcell = 500;
  int fnx = 1, fny = 1;
  std::vector<std::uint32_t> fgrid_first, fgrid_items;

  // Home cells and their trees.
  double hx0 = 0, hy0 = 0, hcell = 2000;
  int hnx = 1, hny = 1;
  std::vector<std::uint32_t> cell_root;  // per cell: root node or kNone
  std::vector<std::int32_t> cell_tree;   // per cell x variant: tree index or -1
  std::vector<NextHopTree> htrees;
  std::vector<std::uint32_t> htree_cell;
  bool trees_dirty = false;

  // Commands.
  mutable std::mutex cmd_mu;  // guards pending and next_seq (submit() may come from another thread)
  std::vector<Command> pending;
  std::uint64_t next_seq = 0;
  std::vector<Command> log;

  // Hazards: the plan (built once from the scenario and the seed) and the rail lines.
  std::shared_ptr<const HazardPlan> plan;
  std::shared_ptr<const std::vector<FireCell>> fire_cells;  // aliases plan->fire_cells
  struct Rail {
    std::vector<Point> stations;         // positions, in line order
    std::vector<Point> polyline;         // the stations, then the extension outwards
    std::int64_t since = -1;             // running since (s); -1: not yet
    double allowance = 0;                // agents that may board (the fraction is carried)
    std::vector<std::uint8_t> near;      // per node: within the station catchment (once running)
    std::vector<std::uint32_t> served;   // agents whose home it serves and not gone yet, by id
    std::size_t head = 0;                // served[0, head) have all gone (by rail or home)
    std::int64_t boarded = 0;            // agents
  };
  std::vector<Rail> rails;
  // Per agent, allocated by the first pause: the walker stands still while step_no < this.
  std::vector<std::int64_t> pause_until;

  // Metrics.
  std::vector<TimeseriesRow> rows;
  std::int64_t agent_steps = 0, steps_ge4 = 0, steps_ge6 = 0;
  std::int64_t peak_cm_ge6 = 0, peak_sheltered = 0, peak_unsheltered = 0;
  double wall = 0;
  PhaseSeconds phase_s{};  // not saved in checkpoints: a diagnostic of this process
  bool partial = false;
  std::vector<ThreadBuf> bufs;

  Impl(const Network& n, City c, const Scenario& s, const RunConfig& rc)
      : net(n), city(std::move(c)), sc(s), cfg(rc), sindex(n, 0, /*with_edges=*/false) {}

  // ---------------------------------------------------------------- helpers
  std::int64_t clock_s(std::int64_t time) const { return (sc.quake.clock_s + time) % 86400; }
  bool is_night(std::int64_t time) const {
    const auto c = clock_s(time);
    const int a = sc.movement.night_start_clock_s, b = sc.movement.night_end_clock_s;
    return a <= b ? (c >= a && c < b) : (c >= a || c < b);
  }
  std::uint32_t cell_of(Point p) const {
    const int cx = std::clamp(static_cast<int>((p.x - hx0) / hcell), 0, hnx - 1);
    const int cy = std::clamp(static_cast<int>((p.y - hy0) / hcell), 0, hny - 1);
    return static_cast<std::uint32_t>(cy * hnx + cx);
  }
  Point agent_point(std::uint32_t a) const {
    if (arc[a] != kNone) {
      const ArcId ar{arc[a]};
      const Point p0 = net.pos(net.tail(ar)), p1 = net.pos(net.head(ar));
      const double f = std::clamp(pos[a] / net.length(ar), 0.0f, 1.0f);
      return {p0.x + (p1.x - p0.x) * f, p0.y + (p1.y - p0.y) * f};
    }
    if (node[a] != kNone) return net.pos(NodeId{node[a]});
    return pop.pos[a];
  }
  // The node an agent acts from: the end of its arc, or where it stands.
  std::uint32_t decision_node(std::uint32_t a) const {
    if (arc[a] != kNone) return index(net.head(ArcId{arc[a]}));
    return node[a];
  }
  void set_state(std::uint32_t a, AgentState s) {
    --state_count[static_cast<int>(state[a])];
    ++state_count[static_cast<int>(s)];
    state[a] = s;
  }
  void schedule(std::uint32_t a, std::int64_t time) {
    const std::int64_t k = std::max<std::int64_t>(step_no + 1, (time + dt - 1) / dt);
    if (k > total_steps) {
      wake_step[a] = -1;
      return;  // beyond the end of the run
    }
    wake_step[a] = k;
    buckets[static_cast<std::size_t>(k)].push_back(a);
  }
  void touch(std::uint32_t e) {
    if (touch_stamp[e] != step_no) {
      touch_stamp[e] = step_no;
      touched.push_back(e);
    }
  }
  void enter_edge(std::uint32_t a, std::uint32_t new_arc, float at) {
    const std::uint32_t e = index(net.edge(ArcId{new_arc}));
    ++count[e];
    ++agents_on_edges;
    touch(e);
    arc[a] = new_arc;
    node[a] = kNone;
    pos[a] = at;
  }
  // Steps off the current arc onto node n (n must be one of its ends).
  void leave_edge(std::uint32_t a, std::uint32_t n) {
    if (arc[a] != kNone) {
      const std::uint32_t e = index(net.edge(ArcId{arc[a]}));
      --count[e];
      --agents_on_edges;
      touch(e);
      arc[a] = kNone;
    }
    node[a] = n;
    pos[a] = 0;
  }
  void activate(std::uint32_t a) {
    if (!(flags[a] & kActive)) {
      flags[a] |= kActive | kOnStreet;
      active.push_back(a);
    }
  }

  // -------------------------------------------------------------- facilities
  bool facility_available(std::uint32_t f, std::uint32_t a) const {
    if (fstate[f] != FacilityState::kOpen) return false;
    const std::int32_t room = fcap_agents[f] - reserved[f];
    if (room <= 0) return false;
    const bool priority = pop.vulnerable[a] || pop.age[a] != AgeGroup::kAdult;
    const double reserve = sc.facilities.priority_reserve * fcap_agents[f];
    return priority || room > reserve;
  }
  // Bumped whenever a facility may have become available to someone (opened, room
  // freed); a search that found nothing is not repeated from the same place until then.
  std::uint64_t avail_version = 1;
  std::vector<std::uint64_t> search_failed;  // per facility-grid cell x priority: version of the last miss
  void update_facility_state(std::uint32_t f) {
    FacilityState s;
    if (op_closed[f] || (!op_opened[f] && opened_time[f] < 0)) s = FacilityState::kClosed;
    else s = reserved[f] >= fcap_agents[f] ? FacilityState::kFull : FacilityState::kOpen;
    if (s == fstate[f]) return;
    if (s == FacilityState::kOpen) ++avail_version;
    if (fstate[f] == FacilityState::kFull) seconds_full[f] += t - full_since[f];
    if (s == FacilityState::kFull) full_since[f] = t;
    fstate[f] = s;
  }
  void open_facility(std::uint32_t f) {
    if (opened_time[f] < 0) opened_time[f] = t;
    update_facility_state(f);
  }
  // Closes edge e for `reason`; walkers on it step off to its nearer end (in
  // step_off_closed, before the next command that is not a closure looks at them, so
  // a run of closures — an aftershock blocking thousands of roads — costs one pass
  // over the walkers). A hazard (collapse, fire) takes over the reason of an
  // operator's closure, not the other way.
  bool walkers_on_closed = false;
  void close_edge(std::uint32_t e, EdgeClosure reason) {
    if (closed[e]) {
      if (closed[e] == reason_code(EdgeClosure::kCommand)) closed[e] = reason_code(reason);
      return;
    }
    closed[e] = reason_code(reason);
    trees_dirty = true;
    if (newly_closed.empty()) newly_closed.assign(net.edge_count(), 0);
    if (!newly_closed[e]) newly_closed[e] = 1, newly_closed_list.push_back(e);
    walkers_on_closed = true;
  }
  void step_off_closed() {
    if (!walkers_on_closed) return;
    walkers_on_closed = false;
    for (const auto a : active) {
      if (arc[a] == kNone || !closed[index(net.edge(ArcId{arc[a]}))]) continue;
      const ArcId ar{arc[a]};
      const NodeId end = pos[a] < net.length(ar) / 2 ? net.tail(ar) : net.head(ar);
      leave_edge(a, index(end));
    }
  }
  void reopen_edge(std::uint32_t e) {
    if (!closed[e]) return;
    closed[e] = 0;
    trees_dirty = true;
    reopened = true;
  }
  // Closures and reopenings since the last build_trees(): closing only removes
  // paths, so a tree none of whose next hops runs along a newly closed edge is
  // exactly what a fresh build would give (canonical next hops, route_trees.hpp)
  // and is kept; a reopening can shorten any path, so it rebuilds every tree.
  std::vector<std::uint8_t> newly_closed;        // per edge (allocated on the first closure)
  std::vector<std::uint32_t> newly_closed_list;  // the marked edges, to clear them
  bool reopened = false;
  std::int64_t trees_kept = 0, trees_rebuilt = 0, trees_repaired = 0;  // after closures (diagnostics, not in checkpoints)
  // Edges by cell of a uniform grid (CSR), for area commands; built on first use.
  double egx0 = 0, egy0 = 0, egcell = 250;
  int egnx = 0, egny = 0;
  std::vector<std::uint32_t> eg_first, eg_items;
  std::vector<std::uint32_t> eg_stamp;
  std::uint32_t eg_query = 0;
  template <class F>
  void for_each_edge_cell(std::uint32_t e, F&& f) const {
    BBox b;
    for (const Point& p : net.geometry(EdgeId{e})) b.extend(p);
    const int x0 = std::clamp(static_cast<int>((b.min_x - egx0) / egcell), 0, egnx - 1);
    const int x1 = std::clamp(static_cast<int>((b.max_x - egx0) / egcell), 0, egnx - 1);
    const int y0 = std::clamp(static_cast<int>((b.min_y - egy0) / egcell), 0, egny - 1);
    const int y1 = std::clamp(static_cast<int>((b.max_y - egy0) / egcell), 0, egny - 1);
    for (int y = y0; y <= y1; ++y)
      for (int x = x0; x <= x1; ++x) f(static_cast<std::size_t>(y) * static_cast<std::size_t>(egnx) + static_cast<std::size_t>(x));
  }
  // Edges with a point within r of (x, y), in increasing id order.
  std::vector<std::uint32_t> edges_in_area(double x, double y, double r) {
    const std::size_t E = net.edge_count();
    if (eg_first.empty()) {
      const BBox b = net.bbox();
      egx0 = b.min_x;
      egy0 = b.min_y;
      egnx = std::clamp(static_cast<int>(std::ceil((b.max_x - b.min_x) / egcell)), 1, 4096);
      egny = std::clamp(static_cast<int>(std::ceil((b.max_y - b.min_y) / egcell)), 1, 4096);
      egcell = std::max({egcell, (b.max_x - b.min_x) / egnx, (b.max_y - b.min_y) / egny}) * (1 + 1e-9);
      eg_first.assign(static_cast<std::size_t>(egnx) * static_cast<std::size_t>(egny) + 1, 0);
      for (std::uint32_t e = 0; e < E; ++e) for_each_edge_cell(e, [&](std::size_t c) { ++eg_first[c + 1]; });
      for (std::size_t c = 1; c < eg_first.size(); ++c) eg_first[c] += eg_first[c - 1];
      eg_items.resize(eg_first.back());
      std::vector<std::uint32_t> fill(eg_first.begin(), eg_first.end() - 1);
      for (std::uint32_t e = 0; e < E; ++e) for_each_edge_cell(e, [&](std::size_t c) { eg_items[fill[c]++] = e; });
      eg_stamp.assign(E, 0);
    }
    ++eg_query;
    std::vector<std::uint32_t> out;
    const int x0 = std::clamp(static_cast<int>(std::floor((x - r - egx0) / egcell)), 0, egnx - 1);
    const int x1 = std::clamp(static_cast<int>(std::floor((x + r - egx0) / egcell)), 0, egnx - 1);
    const int y0 = std::clamp(static_cast<int>(std::floor((y - r - egy0) / egcell)), 0, egny - 1);
    const int y1 = std::clamp(static_cast<int>(std::floor((y + r - egy0) / egcell)), 0, egny - 1);
    for (int cy = y0; cy <= y1; ++cy)
      for (int cx = x0; cx <= x1; ++cx) {
        const std::size_t c = static_cast<std::size_t>(cy) * static_cast<std::size_t>(egnx) + static_cast<std::size_t>(cx);
        for (std::uint32_t i = eg_first[c]; i < eg_first[c + 1]; ++i) {
          const std::uint32_t e = eg_items[i];
          if (eg_stamp[e] == eg_query) continue;
          eg_stamp[e] = eg_query;
          if (edge_in_area(e, x, y, r)) out.push_back(e);
        }
      }
    std::sort(out.begin(), out.end());
    return out;
  }
  // Whether any point of edge e's polyline lies within r of (x, y).
  bool edge_in_area(std::uint32_t e, double x, double y, double r) const {
    const auto g = net.geometry(EdgeId{e});
    for (std::size_t i = 0; i + 1 < g.size(); ++i)
      if (project_on_segment({x, y}, g[i], g[i + 1]).dist <= r) return true;
    return false;
  }
  std::size_t search_key(std::uint32_t a, Point p) const {
    const int pcx = std::clamp(static_cast<int>((p.x - fx0) / fcell), 0, fnx - 1);
    const int pcy = std::clamp(static_cast<int>((p.y - fy0) / fcell), 0, fny - 1);
    const bool priority = pop.vulnerable[a] || pop.age[a] != AgeGroup::kAdult;
    return 2 * static_cast<std::size_t>(pcy * fnx + pcx) + (priority ? 1 : 0);
  }
  // A facility search made ahead, from the state before a batch of seeks: what
  // choose_facility() would give then.
  struct Proposal {
    std::int64_t f = -1;
    std::uint64_t version = 0;  // avail_version it was made at
    bool wide_miss = false;     // nothing even one facility-grid diagonal farther
  };
  // Runs on several threads at once: the only thing it writes is the miss cache,
  // atomically, and only with a miss that holds for the state every proposal of
  // the batch is made from (so which thread records it first changes no result,
  // only how many searches are skipped; as in the serial search, most seekers of a
  // crowded place find nothing and skip their search).
  Proposal propose(std::uint32_t a) {
    const Point p = net.pos(NodeId{decision_node(a)});
    Proposal r;
    r.version = avail_version;
    std::atomic_ref<std::uint64_t> failed(search_failed[search_key(a, p)]);
    if (failed.load(std::memory_order_relaxed) == avail_version) return r;
    const double limit = sc.behaviour.facility_search_m;
    r.f = search_facility(a, p, limit);
    if (r.f < 0) r.wide_miss = search_facility(a, p, limit + fcell * 1.4143) < 0;
    if (r.wide_miss) failed.store(avail_version, std::memory_order_relaxed);
    return r;
  }
  // Nearest available facility by straight-line distance within the search radius.
  // A proposal made earlier stands when it still holds: no facility has become
  // available since (avail_version unchanged; reserving only ever takes room
  // away), and the one it found still has room for this agent. Then no nearer one
  // can have become available, so it is what a search now would give.
  std::int64_t choose_facility(std::uint32_t a, Point p, const Proposal* hint = nullptr) {
    const std::size_t key = search_key(a, p);
    if (hint && hint->version == avail_version &&
        (hint->f < 0 || facility_available(static_cast<std::uint32_t>(hint->f), a))) {
      if (hint->wide_miss) search_failed[key] = avail_version;
      return hint->f;
    }
    if (search_failed[key] == avail_version) return -1;
    const double limit = sc.behaviour.facility_search_m;
    const std::int64_t f = search_facility(a, p, limit);
    // Remember the miss for the whole grid cell only if nothing is available even
    // one cell diagonal farther: then no point of the cell finds anything within
    // the limit, and skipping those searches changes no result.
    if (f < 0 && search_facility(a, p, limit + fcell * 1.4143) < 0) search_failed[key] = avail_version;
    return f;
  }
  std::int64_t search_facility(std::uint32_t a, Point p, double limit) const {
    for (double r = std::min(500.0, limit);; r = std::min(r * 2, limit)) {
      std::int64_t best = -1;
      double best_d2 = r * r;
      const int cx0 = std::max(0, static_cast<int>((p.x - r - fx0) / fcell));
      const int cx1 = std::min(fnx - 1, static_cast<int>((p.x + r - fx0) / fcell));
      const int cy0 = std::max(0, static_cast<int>((p.y - r - fy0) / fcell));
      const int cy1 = std::min(fny - 1, static_cast<int>((p.y + r - fy0) / fcell));
      for (int cy = cy0; cy <= cy1; ++cy)
        for (int cx = cx0; cx <= cx1; ++cx) {
          const auto c = static_cast<std::size_t>(cy * fnx + cx);
          for (auto i = fgrid_first[c]; i < fgrid_first[c + 1]; ++i) {
            const std::uint32_t f = fgrid_items[i];
            if (fstate[f] != FacilityState::kOpen) continue;
            const Point q = city.facilities[f].pos;
            const double d2 = (q.x - p.x) * (q.x - p.x) + (q.y - p.y) * (q.y - p.y);
            if ((d2 < best_d2 || (d2 == best_d2 && static_cast<std::int64_t>(f) < best)) && facility_available(f, a)) {
              best = f;
              best_d2 = d2;
            }
          }
        }
      if (best >= 0 || r >= limit) return best;
    }
  }
  void reserve(std::uint32_t a, std::uint32_t f, Point from) {
    facility[a] = f;
    ++reserved[f];
    update_facility_state(f);
    const Point q = city.facilities[f].pos;
    // Routes are rarely more than 1.4 times the straight line (median 1.25 on the
    // real extracts, docs/network.md); a walker the tree misses makes it grow.
    const double need = 1.4 * std::hypot(q.x - from.x, q.y - from.y) + 300.0;
    if (need > ftree[f].radius) {
      // Grow geometrically, so a facility's tree is rebuilt only a few times.
      ftree_need[f] = std::max({ftree_need[f], need, 1.5 * ftree[f].radius, 1000.0});
      trees_pending = true;
    }
    check_cover.push_back(a);
  }
  std::vector<std::uint32_t> check_cover;  // agents given a facility this step
  std::vector<Proposal> proposals;         // per seeker of this step (scratch)
  void release_place(std::uint32_t a) {
    const std::uint32_t f = facility[a];
    if (f == kNone) return;
    if (state[a] == AgentState::kSheltered) --occupied[f];
    --reserved[f];
    facility[a] = kNone;
    ++avail_version;  // room freed
    update_facility_state(f);
  }

  // --------------------------------------------------------------- behaviour
  void start_walking_home(std::uint32_t a, std::uint32_t at_node) {
    set_state(a, AgentState::kWalkingHome);
    if (arc[a] == kNone) node[a] = at_node;
    ensure_home_tree(route_key(a));
    activate(a);
  }
  std::uint32_t route_key(std::uint32_t a) const {
    return home_cell[a] * static_cast<std::uint32_t>(sc.routing.route_variants) + variant[a];
  }
  void ensure_home_tree(std::uint32_t key) {
    if (cell_tree[key] >= 0) return;
    cell_tree[key] = static_cast<std::int32_t>(htrees.size());
    htrees.emplace_back();
    htree_cell.push_back(key);
    trees_pending = true;
  }
  bool trees_pending = false;
  bool par = true;  // this step's walker loops run in parallel
  bool day4_done = false;

  // Finds a facility for agent a (stranded, stopping over, evicted or rerouted).
  void seek(std::uint32_t a, const Proposal* hint = nullptr) {
    const std::uint32_t n = decision_node(a);
    const Point p = net.pos(NodeId{n});
    const std::int64_t f = choose_facility(a, p, hint);
    if (f >= 0) {
      reserve(a, static_cast<std::uint32_t>(f), p);
      set_state(a, AgentState::kToFacility);
      if (arc[a] == kNone) node[a] = n;
      activate(a);
      return;
    }
    if (flags[a] & kStopover) {  // nowhere to rest: walk on
      flags[a] &= static_cast<std::uint8_t>(~kStopover);
      start_walking_home(a, n);
      return;
    }
    leave_edge(a, n);
    set_state(a, AgentState::kUnsheltered);
    schedule(a, t + static_cast<std::int64_t>(sc.behaviour.retry_min * 60));
  }

  void wake(std::uint32_t a) {
    if (state[a] == AgentState::kByRail) return;  // gone (boarding cancels wake-ups anyway)
    if (flags[a] & kGoHome) {
      flags[a] &= static_cast<std::uint8_t>(~(kGoHome | kStopover));
      if (state[a] == AgentState::kSheltered || state[a] == AgentState::kToFacility) release_place(a);
      if (state[a] != AgentState::kArrivedHome && state[a] != AgentState::kWalkingHome) start_walking_home(a, node[a]);
      return;
    }
    switch (state[a]) {
      case AgentState::kWaiting:
        if (flags[a] & kWillWalk) start_walking_home(a, node[a]);
        else seekers.push_back(a);
        break;
      case AgentState::kRetained:
        if ((flags[a] & kWillWalk) || t >= kDay4) start_walking_home(a, node[a]);
        else set_state(a, AgentState::kStaying);
        break;
      case AgentState::kWalkingHome:  // end of the off-network stretch
        flags[a] &= static_cast<std::uint8_t>(~kOffNet);
        set_state(a, AgentState::kArrivedHome);
        break;
      case AgentState::kUnsheltered:
        seekers.push_back(a);
        break;
      case AgentState::kSheltered:  // a stopover ends in the morning
        release_place(a);
        flags[a] &= static_cast<std::uint8_t>(~kStopover);
        start_walking_home(a, node[a]);
        break;
      default:
        break;
    }
  }

  std::int64_t next_resume_time() const {
    const auto resume = static_cast<std::int64_t>(sc.behaviour.resume_clock_h * 3600);
    std::int64_t d = resume - clock_s(t);
    if (d <= 0) d += 86400;
    return t + d;
  }

  // ------------------------------------------------------- hazards and rail
  void setup_hazards();
  void setup_rails();
  void resume_rail(std::size_t l);
  void board_rail();
  bool on_foot_near(const Rail& r, std::uint32_t a) const;
  void board(std::uint32_t a);
  void pause_walkers(const Command& c);

  // ---------------------------------------------------------------- setup
  void setup(bool place);
  void setup_agents();
  void setup_facilities();
  void setup_home_cells();
  void make_weights();
  void build_trees();
  // Builds the listed home trees (indices into htrees) and facility trees (facility,
  // radius) afresh, in parallel.
  void build_listed(const std::vector<std::uint32_t>& homes,
                    const std::vector<std::pair<std::uint32_t, double>>& facilities);

  // ------------------------------------------------------------------ step
  void apply_commands();
  bool periodic_due() const;
  std::vector<Command> periodic_plan();
  std::unique_ptr<AllocationPlanner> planner;  // the periodic optimiser's, built on first use
  void fill_snapshot(Snapshot& out, bool with_agents) const;
  void apply(const Command& c);
  void check_command(const Command& c, const std::string& file = {}, const std::string& place = {}) const;
  bool step();
  void move();
  void compact_active();
  void resolve();
  void account_edges(std::int64_t now);
  void record_row();
  TimeseriesRow row() const;
  void validate() const;

  // ------------------------------------------------------------ checkpoints
  struct Fingerprint {
    std::uint64_t scenario = 0, seed = 0, nodes = 0, edges = 0, lengths = 0, agents = 0, facilities = 0,
                  population = 0;
  };
  Fingerprint fingerprint() const;
  template <class Self, class Ar>
  static void transfer(Self& m, Ar& ar);
  void check_loaded(const std::string& origin);
  void rebuild_routes();
};

void Simulation::Impl::setup(bool place) {
  dt = sc.run.step_s;
  end_t = static_cast<std::int64_t>(std::llround(sc.run.duration_h * 3600));
  total_steps = (end_t + dt - 1) / dt;
  end_t = total_steps * dt;
  // The thread count is an OpenMP setting of the calling thread; step() sets it
  // again, since the dashboard steps the simulation on a thread of its own.
  threads = cfg.threads > 0 ? cfg.threads : omp_get_max_threads();
  omp_set_num_threads(threads);
  bufs.resize(static_cast<std::size_t>(threads));

  setup_rails();  // names the line and station when a station is missing
  plan = std::make_shared<const HazardPlan>(plan_hazards(net, city, sc, cfg.seed));
  fire_cells = std::shared_ptr<const std::vector<FireCell>>(plan, &plan->fire_cells);

  if (place) pop = place_population(net, sindex, city, sc, cfg.seed);
  w = pop.persons_per_agent;

  const std::size_t E = net.edge_count();
  count.assign(E, 0);
  cap.resize(E);
  thr4.resize(E);
  thr6.resize(E);
  area.resize(E);
  w_over_area.resize(E);
  lut.resize(kLutSteps + 1);
  lut_scale = static_cast<float>(kLutSteps / sc.movement.rho_max);
  for (int i = 0; i <= kLutSteps; ++i)
    lut[static_cast<std::size_t>(i)] =
        static_cast<float>(weidmann_factor(i / static_cast<double>(lut_scale), sc.movement.gamma, sc.movement.rho_max, 0.0));
  for (std::size_t e = 0; e < E; ++e) {
    const EdgeId id{static_cast<std::uint32_t>(e)};
    area[e] = net.length(id) * net.width(id);
    w_over_area[e] = static_cast<float>(w / area[e]);
    cap[e] = std::max(1, static_cast<int>(sc.movement.rho_jam * area[e] / w));
    thr4[e] = static_cast<std::int32_t>(std::ceil(4.0 * area[e] / w - 1e-9));
    thr6[e] = static_cast<std::int32_t>(std::ceil(6.0 * area[e] / w - 1e-9));
    thr4[e] = std::max(thr4[e], 1);
    thr6[e] = std::max(thr6[e], 1);
  }
  closed.assign(E, 0);
  if (!plan->edge_blocked.empty()) {
    if (plan->edge_blocked.size() != E)
      throw InvariantError("hazard plan: edge_blocked has " + std::to_string(plan->edge_blocked.size()) +
                           " entries for " + std::to_string(E) + " edges");
    for (std::size_t e = 0; e < E; ++e)
      if (plan->edge_blocked[e]) closed[e] = reason_code(EdgeClosure::kCollapse);  // impassable from t = 0
  }
  make_weights();
  acc_count.assign(E, 0);
  acc_t.assign(E, 0);
  sec_ge4.assign(E, 0);
  sec_ge6.assign(E, 0);
  peak_density.assign(E, 0);
  peak_flow.assign(E, 0);
  touch_stamp.assign(E, -1);
  req_count.assign(E, 0);
  buckets.assign(static_cast<std::size_t>(total_steps + 1), {});

  setup_home_cells();
  setup_facilities();
  setup_agents();
  for (std::size_t i = 0; i < sc.commands.size(); ++i) {
    const Command& c = sc.commands[i];
    check_command(c, sc.origin, "[[command]] " + std::to_string(i + 1) + " (" + c.source + ")");
    Command copy = c;
    copy.source = copy.source.empty() ? "scenario" : copy.source;
    pending.push_back(copy);
    next_seq = std::max(next_seq, c.seq + 1);
  }
  setup_hazards();
}

// Rail lines: stations resolved by name; the line's polyline runs through them in
// order and on outwards from the last station by extends_km, away from the first
// (a one-station line: away from the network's centre; a loop is not extended).
void Simulation::Impl::setup_rails() {
  const auto& lines = sc.hazards.rail_lines;
  rails.assign(lines.size(), Rail{});
  const BBox b = net.bbox();
  const Point centre{(b.min_x + b.max_x) / 2, (b.min_y + b.max_y) / 2};
  const std::string where = sc.origin.empty() ? "scenario" : sc.origin;
  for (std::size_t l = 0; l < lines.size(); ++l) {
    const RailLine& rl = lines[l];
    Rail& r = rails[l];
    const std::string place = "[[rail_line]] " + std::to_string(l + 1) + " \"" + rl.name + "\"";
    if (rl.stations.empty()) throw InputError(where, place, "the line lists no stations");
    for (const double v : {rl.station_catchment_m, rl.home_catchment_km, rl.extends_km, rl.capacity_per_h})
      if (!(v >= 0) || !std::isfinite(v))
        throw InputError(where, place, "station_catchment_m, home_catchment_km, extends_km and capacity_per_h must be finite and not negative");
    for (const std::string& name : rl.stations) {
      const auto it = std::find_if(city.stations.begin(), city.stations.end(),
                                   [&](const Station& st) { return st.name == name; });
      if (it == city.stations.end())
        throw InputError(where, place, "station \"" + name + "\" is not one of the city's " +
                                           std::to_string(city.stations.size()) + " stations");
      r.stations.push_back(it->pos);
    }
    r.polyline = r.stations;
    const Point last = r.stations.back(), from = r.stations.size() > 1 ? r.stations.front() : centre;
    const double dx = last.x - from.x, dy = last.y - from.y, len = std::hypot(dx, dy);
    if (len > 0 && rl.extends_km > 0)
      r.polyline.push_back({last.x + dx / len * rl.extends_km * 1000, last.y + dy / len * rl.extends_km * 1000});
  }
}

// The hazard plan's timeline (fire, aftershocks) and each rail line's resumption,
// queued as commands with source "hazard".
void Simulation::Impl::setup_hazards() {
  std::vector<Command> cmds = plan->timeline;
  for (std::size_t l = 0; l < sc.hazards.rail_lines.size(); ++l) {
    const double h = sc.hazards.rail_lines[l].resume_h;
    if (!(h >= 0)) continue;  // does not resume in the run
    const auto at = static_cast<std::int64_t>(std::llround(h * 3600));
    if (at >= end_t) continue;
    const bool planned = std::any_of(cmds.begin(), cmds.end(), [&](const Command& c) {
      return c.type == CommandType::kResumeRail && c.value == static_cast<double>(l);
    });
    if (planned) continue;
    Command c;
    c.time_s = at;
    c.type = CommandType::kResumeRail;
    c.value = static_cast<double>(l);
    cmds.push_back(c);
  }
  for (std::size_t i = 0; i < cmds.size(); ++i) {
    Command c = cmds[i];
    c.source = "hazard";
    check_command(c, "hazard plan", "command " + std::to_string(i + 1));
    c.seq = next_seq++;
    pending.push_back(std::move(c));
  }
}

// A line runs again: which nodes lie near its stations, and whose homes it serves.
void Simulation::Impl::resume_rail(std::size_t l) {
  Rail& r = rails[l];
  if (r.since >= 0) return;  // already running
  const RailLine& rl = sc.hazards.rail_lines[l];
  r.since = t;
  r.allowance = 0;
  r.near.assign(net.node_count(), 0);
  for (const Point& p : r.stations)
    for (const NodeId n : sindex.nodes_within(p, rl.station_catchment_m)) r.near[index(n)] = 1;
  const auto N = static_cast<std::int64_t>(state.size());
  std::vector<std::uint8_t> serves(state.size(), 0);
  const double reach = rl.home_catchment_km * 1000;
#pragma omp parallel for schedule(static) if (N > 65536)
  for (std::int64_t i = 0; i < N; ++i)
    serves[static_cast<std::size_t>(i)] = distance_to_polyline(pop.home[static_cast<std::size_t>(i)], r.polyline) <= reach;
  r.served.clear();
  r.head = 0;
  for (std::uint32_t a = 0; a < state.size(); ++a)
    if (serves[a] && state[a] != AgentState::kArrivedHome && state[a] != AgentState::kByRail) r.served.push_back(a);
}

// On foot near one of the line's stations: waiting to set off, staying, stranded
// outdoors, or walking (home, or to a facility) — where it stands, or the node it
// walks towards.
bool Simulation::Impl::on_foot_near(const Rail& r, std::uint32_t a) const {
  switch (state[a]) {
    case AgentState::kWaiting:
    case AgentState::kStaying:
    case AgentState::kUnsheltered:
    case AgentState::kToFacility:
      break;
    case AgentState::kWalkingHome:
      if (flags[a] & kOffNet) return false;  // on the last stretch, beyond the network
      break;
    default:
      return false;
  }
  const std::uint32_t n = decision_node(a);
  return n != kNone && r.near[n];
}

// Agent a boards a train: it leaves the network and gives up any facility place.
void Simulation::Impl::board(std::uint32_t a) {
  const std::uint32_t n = decision_node(a);
  if (state[a] == AgentState::kSheltered || state[a] == AgentState::kToFacility) release_place(a);
  if (arc[a] != kNone) leave_edge(a, n);
  else node[a] = n;
  flags[a] &= static_cast<std::uint8_t>(~(kStopover | kGoHome | kOffNet));
  wake_step[a] = -1;  // cancels a departure, retry, release or morning wake-up
  wait[a] = 0;
  set_state(a, AgentState::kByRail);
}

// Every step, each running line (in line order) carries capacity_per_h x step_s /
// 3600 persons away; boarding runs serially in agent order, so it does not depend on
// the thread count. First those on foot near a station, then sheltered agents whose
// home the line serves. Places not taken in a step go empty (the fraction of an
// agent is carried).
void Simulation::Impl::board_rail() {
  auto gone = [&](std::uint32_t a) { return state[a] == AgentState::kArrivedHome || state[a] == AgentState::kByRail; };
  for (std::size_t l = 0; l < rails.size(); ++l) {
    Rail& r = rails[l];
    if (r.since < 0) continue;
    r.allowance += sc.hazards.rail_lines[l].capacity_per_h * dt / 3600.0 / w;
    const auto quota = static_cast<std::int64_t>(std::floor(r.allowance + 1e-9));
    if (quota <= 0) continue;
    r.allowance -= static_cast<double>(quota);
    while (r.head < r.served.size() && gone(r.served[r.head])) ++r.head;
    std::int64_t n = 0;
    for (std::size_t i = r.head; i < r.served.size() && n < quota; ++i)
      if (on_foot_near(r, r.served[i])) {
        board(r.served[i]);
        ++n;
      }
    if (n < quota) {
      // This pass reads the whole list, so it also drops those who have gone.
      std::size_t k = 0;
      for (std::size_t i = r.head; i < r.served.size(); ++i) {
        const std::uint32_t a = r.served[i];
        if (n < quota && state[a] == AgentState::kSheltered) {
          board(a);
          ++n;
        }
        if (!gone(a)) r.served[k++] = a;
      }
      r.served.resize(k);
      r.head = 0;
    }
    r.boarded += n;
  }
}

// Routing weights: length, minor roads counted longer (walkers keep to main roads,
// as the guidance for walking home asks), stairs by their slower speed, closed
// edges impassable; variants > 0 perturb each edge so that walkers bound for the
// same cell spread over parallel streets instead of all taking one path.
void Simulation::Impl::make_weights() {
  const auto& rp = sc.routing;
  const std::size_t E = net.edge_count();
  std::vector<float> base(E);
  for (std::size_t e = 0; e < E; ++e) {
    const EdgeId id{static_cast<std::uint32_t>(e)};
    double f = 1.0;
    switch (net.road_class(id)) {
      case RoadClass::residential: case RoadClass::service: case RoadClass::unclassified:
      case RoadClass::living_street: case RoadClass::footway: case RoadClass::path: case RoadClass::other:
        f = rp.minor_road_factor;
        break;
      case RoadClass::steps:
        f = rp.minor_road_factor / sc.movement.stairs_factor;
        break;
      default:
        break;
    }
    if (net.flags(id) & kStairs) f = std::max(f, 1.0 / sc.movement.stairs_factor);
    base[e] = closed[e] ? std::numeric_limits<float>::infinity() : static_cast<float>(net.length(id) * f);
  }
  weights.assign(static_cast<std::size_t>(rp.route_variants), std::vector<float>(net.arc_count()));
  for (int v = 0; v < rp.route_variants; ++v) {
    auto& w = weights[static_cast<std::size_t>(v)];
#pragma omp parallel for schedule(static)
    for (std::int64_t a = 0; a < static_cast<std::int64_t>(w.size()); ++a) {
      const auto e = index(net.edge(ArcId(static_cast<std::uint32_t>(a))));
      double noise = 1.0;
      if (v > 0) noise = Rng(cfg.seed, e, static_cast<std::uint64_t>(v), Purpose::kRouteNoise).uniform(1 - rp.route_noise, 1 + rp.route_noise);
      w[static_cast<std::size_t>(a)] = static_cast<float>(base[e] * noise);
    }
  }
}

void Simulation::Impl::setup_home_cells() {
  const BBox b = net.bbox();
  hcell = sc.routing.home_cell_m;
  hx0 = b.min_x;
  hy0 = b.min_y;
  hnx = std::max(1, static_cast<int>(std::ceil((b.max_x - b.min_x) / hcell)));
  hny = std::max(1, static_cast<int>(std::ceil((b.max_y - b.min_y) / hcell)));
  const std::size_t cells = static_cast<std::size_t>(hnx) * static_cast<std::size_t>(hny);
  cell_root.assign(cells, kNone);
  cell_tree.assign(cells * static_cast<std::size_t>(sc.routing.route_variants), -1);
  std::vector<double> best(cells, std::numeric_limits<double>::infinity());
  for (std::uint32_t v = 0; v < net.node_count(); ++v) {
    const Point p = net.pos(NodeId{v});
    const auto c = cell_of(p);
    const double cx = hx0 + (c % hnx + 0.5) * hcell, cy = hy0 + (c / hnx + 0.5) * hcell;
    const double d = std::hypot(p.x - cx, p.y - cy);
    if (d < best[c]) {
      best[c] = d;
      cell_root[c] = v;
    }
  }
}

void Simulation::Impl::setup_facilities() {
  const std::size_t F = city.facilities.size();
  fcap.resize(F);
  fcap_agents.resize(F);
  reserved.assign(F, 0);
  occupied.assign(F, 0);
  peak_occ.assign(F, 0);
  fstate.assign(F, FacilityState::kClosed);
  op_closed.assign(F, 0);
  op_opened.assign(F, 0);
  damaged.assign(F, 0);
  open_at.resize(F);
  opened_time.assign(F, -1);
  full_since.assign(F, 0);
  seconds_full.assign(F, 0);
  fnode.resize(F);
  ftree.resize(F);
  ftree_need.assign(F, 0);
  const double lo = sc.facilities.opening_delay_min_min * 60, hi = sc.facilities.opening_delay_max_min * 60;
  for (std::size_t f = 0; f < F; ++f) {
    fcap[f] = city.facilities[f].capacity;
    fcap_agents[f] = static_cast<std::int32_t>(std::floor(fcap[f] / w + 1e-9));
    Rng rng(cfg.seed, f, 0, Purpose::kFacilityDelay);
    open_at[f] = static_cast<std::int64_t>(std::llround(rng.uniform(lo, hi)));
    fnode[f] = sindex.nearest_node(city.facilities[f].pos).node;
  }
  // The hazard plan: facilities that fail to open are damaged from t = 0; the others'
  // safety checks take longer with the shaking.
  const auto& failed = plan->facility_failed;
  const auto& extra = plan->facility_extra_delay_s;
  if ((!failed.empty() && failed.size() != F) || (!extra.empty() && extra.size() != F))
    throw InvariantError("hazard plan: facility vectors do not match the " + std::to_string(F) + " facilities");
  for (std::size_t f = 0; f < F; ++f) {
    if (!extra.empty()) open_at[f] += static_cast<std::int64_t>(std::llround(std::max(0.0, extra[f])));
    if (!failed.empty() && failed[f]) damaged[f] = op_closed[f] = 1;
  }
  open_order.resize(F);
  std::iota(open_order.begin(), open_order.end(), 0u);
  std::stable_sort(open_order.begin(), open_order.end(),
                   [&](std::uint32_t a, std::uint32_t b) { return open_at[a] < open_at[b]; });
  // Grid over facilities for the nearest-available search.
  const BBox b = net.bbox();
  fx0 = b.min_x - 1;
  fy0 = b.min_y - 1;
  fcell = 500;
  fnx = std::max(1, static_cast<int>(std::ceil((b.max_x - fx0 + 1) / fcell)));
  fny = std::max(1, static_cast<int>(std::ceil((b.max_y - fy0 + 1) / fcell)));
  const std::size_t cells = static_cast<std::size_t>(fnx) * static_cast<std::size_t>(fny);
  std::vector<std::uint32_t> cell(F);
  fgrid_first.assign(cells + 1, 0);
  for (std::size_t f = 0; f < F; ++f) {
    const Point p = city.facilities[f].pos;
    const int cx = std::clamp(static_cast<int>((p.x - fx0) / fcell), 0, fnx - 1);
    const int cy = std::clamp(static_cast<int>((p.y - fy0) / fcell), 0, fny - 1);
    cell[f] = static_cast<std::uint32_t>(cy * fnx + cx);
    ++fgrid_first[cell[f] + 1];
  }
  for (std::size_t c = 0; c < cells; ++c) fgrid_first[c + 1] += fgrid_first[c];
  fgrid_items.resize(F);
  search_failed.assign(2 * cells, 0);
  std::vector<std::uint32_t> fill(fgrid_first.begin(), fgrid_first.end() - 1);
  for (std::uint32_t f = 0; f < F; ++f) fgrid_items[fill[cell[f]]++] = f;
}

void Simulation::Impl::setup_agents() {
  const std::size_t N = pop.size();
  state.assign(N, AgentState::kWaiting);
  arc.assign(N, kNone);
  node.resize(N);
  facility.assign(N, kNone);
  home_cell.resize(N);
  variant.resize(N);
  pos.assign(N, 0);
  walked.assign(N, 0);
  crowd4.assign(N, 0);
  crowd6.assign(N, 0);
  flags.assign(N, 0);
  wait.assign(N, 0);
  wake_step.assign(N, -1);
  std::vector<std::int64_t> when(N, -1);
  const auto& bp = sc.behaviour;
  const BBox b = net.bbox();
#pragma omp parallel for schedule(static)
  for (std::int64_t i = 0; i < static_cast<std::int64_t>(N); ++i) {
    const auto a = static_cast<std::uint32_t>(i);
    node[a] = index(pop.origin[a]);
    // The home's cell: where the network comes nearest to the home.
    const Point h{std::clamp(pop.home[a].x, b.min_x, b.max_x), std::clamp(pop.home[a].y, b.min_y, b.max_y)};
    const auto hn = sindex.nearest_node(h).node;
    home_cell[a] = cell_of(net.pos(hn));
    variant[a] = static_cast<std::uint8_t>(
        Rng(cfg.seed, a, 0, Purpose::kRouteVariant).below(static_cast<std::uint64_t>(sc.routing.route_variants)));
    Rng rs(cfg.seed, a, 0, Purpose::kStranded);
    const bool walk = !rs.bernoulli(p_cannot_get_home(pop.home_km[a]));
    if (walk) flags[a] |= kWillWalk;
    const Activity act = pop.activity[a];
    Rng rd(cfg.seed, a, 0, Purpose::kDeparture);
    const double depart = rd.exponential(bp.departure_mean_min * 60);
    if (has_place_to_stay(act)) {
      Rng rr(cfg.seed, a, 0, Purpose::kRetained);
      const double p_ret = act == Activity::kSchool ? bp.school_retention : bp.retention_share;
      if (rr.bernoulli(p_ret)) {
        state[a] = AgentState::kRetained;
        Rng rl(cfg.seed, a, 0, Purpose::kRelease);
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
        state[a] = AgentState::kStaying;
        continue;
      }
    }
    when[a] = static_cast<std::int64_t>(depart);
  }
  for (std::uint32_t a = 0; a < N; ++a) {
    ++state_count[static_cast<int>(state[a])];
    if (when[a] >= 0) schedule(a, when[a]);
  }
}

void Simulation::Impl::build_trees() {
  if (trees_dirty) {
    // What the closures and reopenings since the last build do to each tree in use:
    // after a reopening, or with selective_tree_rebuild off, every tree is rebuilt;
    // otherwise a tree that routes along no newly closed edge is kept as it is, and
    // one that does is repaired in place: only the nodes whose route ran along a
    // closed edge are searched again (route_trees.hpp).
    enum : std::uint8_t { kKeep = 0, kRepaired = 1, kRebuild = 2 };
    const bool all = reopened || !cfg.selective_tree_rebuild;
    std::vector<std::uint8_t> fate_h(htrees.size(), kRebuild), fate_f(ftree.size(), kRebuild);
    if (all) {
      make_weights();
    } else {
      // Exactly what make_weights() would give: a closed edge weighs +inf in every
      // variant, the other weights do not depend on closures.
      for (const auto e : newly_closed_list) {
        const auto [fw, bw] = net.arcs(EdgeId{e});
        for (auto& w : weights) w[index(fw)] = w[index(bw)] = std::numeric_limits<float>::infinity();
      }
      const auto H = static_cast<std::int64_t>(htrees.size()), F = static_cast<std::int64_t>(ftree.size());
      const auto K = static_cast<std::uint32_t>(sc.routing.route_variants);
#pragma omp parallel for schedule(dynamic, 1)
      for (std::int64_t k = 0; k < H + F; ++k) {
        if (k < H) {
          const auto i = static_cast<std::size_t>(k);
          auto& tr = htrees[i];
          // The sequential scan first: most trees use none of a batch's edges.
          fate_h[i] = valid(tr.root) && tree_uses_any(net, tr, newly_closed) &&
                              repair_next_hop_tree(net, weights[htree_cell[i] % K], newly_closed, tr) > 0
                          ? kRepaired
                          : kKeep;
        } else {
          const auto f = static_cast<std::size_t>(k - H);
          fate_f[f] = !ftree[f].nodes.empty() && tree_uses_any(net, ftree[f], newly_closed) &&
                              repair_bounded_tree(net, weights[0], newly_closed, ftree[f]) > 0
                          ? kRepaired
                          : kKeep;
        }
      }
    }
    auto count = [&](std::uint8_t fate) { (fate == kKeep ? trees_kept : fate == kRepaired ? trees_repaired : trees_rebuilt)++; };
    for (std::size_t i = 0; i < htrees.size(); ++i) {
      if (!valid(htrees[i].root)) continue;  // not built yet: built below anyway
      count(fate_h[i]);
      if (fate_h[i] == kRebuild) htrees[i].root = invalid_id<NodeId>();
    }
    for (std::size_t f = 0; f < ftree.size(); ++f) {
      if (ftree[f].nodes.empty()) continue;
      count(fate_f[f]);
      if (fate_f[f] == kRebuild) ftree_need[f] = std::max(ftree_need[f], ftree[f].radius), ftree[f].radius = -1;
    }
    for (const auto e : newly_closed_list) newly_closed[e] = 0;
    newly_closed_list.clear();
    reopened = false;
    trees_dirty = false;
    trees_pending = true;
  }
  if (!trees_pending) return;
  trees_pending = false;
  std::vector<std::uint32_t> todo;
  for (std::size_t i = 0; i < htrees.size(); ++i)
    if (!valid(htrees[i].root)) todo.push_back(static_cast<std::uint32_t>(i));
  std::vector<std::pair<std::uint32_t, double>> ftodo;
  for (std::size_t f = 0; f < ftree.size(); ++f)
    if (ftree_need[f] > ftree[f].radius) ftodo.emplace_back(static_cast<std::uint32_t>(f), ftree_need[f]);
  build_listed(todo, ftodo);
}

void Simulation::Impl::build_listed(const std::vector<std::uint32_t>& homes,
                                    const std::vector<std::pair<std::uint32_t, double>>& facilities) {
  const auto H = static_cast<std::int64_t>(homes.size()), FT = static_cast<std::int64_t>(facilities.size());
  const auto K = static_cast<std::uint32_t>(sc.routing.route_variants);
#pragma omp parallel for schedule(dynamic, 1)
  for (std::int64_t k = 0; k < H + FT; ++k) {
    if (k < H) {
      const auto i = homes[static_cast<std::size_t>(k)];
      build_next_hop_tree(net, weights[htree_cell[i] % K], NodeId{cell_root[htree_cell[i] / K]}, htrees[i]);
    } else {
      const auto [f, radius] = facilities[static_cast<std::size_t>(k - H)];
      build_bounded_tree(net, weights[0], fnode[f], radius, ftree[f]);
    }
  }
}

// ------------------------------------------------------------------ commands

void Simulation::Impl::apply_commands() {
  std::vector<Command> due;
  {
    std::lock_guard<std::mutex> lock(cmd_mu);
    if (!pending.empty()) {
      std::stable_sort(pending.begin(), pending.end(), [](const Command& a, const Command& b) {
        return a.time_s != b.time_s ? a.time_s < b.time_s : a.seq < b.seq;
      });
      auto it = pending.begin();
      while (it != pending.end() && it->time_s <= t) ++it;
      due.assign(pending.begin(), it);
      pending.erase(pending.begin(), it);
    }
  }
  const bool periodic = periodic_due();
  if (due.empty() && !periodic) return;
  // The hazard plan's commands go first within a step, then the periodic
  // optimiser's guidance (planned on the state after them), then everything else.
  // A replay drops the first two from the log and the run makes them again, so
  // this keeps the order of everything applied in a step the same in the run and
  // in its replay.
  const auto others = std::stable_partition(due.begin(), due.end(), [](const Command& c) { return is_hazard(c.source); });
  auto apply_logged = [&](Command& c) {
    // Logged with the time it took effect and its place in the log, so that a
    // replay applies it at the same step and in the same order.
    c.time_s = t;
    c.seq = log.size();
    if (c.type != CommandType::kCloseEdge && c.type != CommandType::kCloseArea) step_off_closed();
    apply(c);
    log.push_back(c);
  };
  for (auto it = due.begin(); it != others; ++it) apply_logged(*it);
  if (periodic) {
    step_off_closed();
    for (auto& c : periodic_plan()) apply_logged(c);
  }
  for (auto it = others; it != due.end(); ++it) apply_logged(*it);
  step_off_closed();
}

// The periodic optimiser ([optimiser] period_min) runs at the first step at or
// after each multiple of the period since the quake; a function of t alone, so a
// resumed checkpoint keeps the schedule.
bool Simulation::Impl::periodic_due() const {
  const double pm = sc.hazards.optimiser.period_min;
  if (!(pm > 0)) return false;
  const auto period = std::max<std::int64_t>(1, std::llround(pm * 60));
  return t > 0 && t / period > (t - dt) / period;
}

// The optimiser on the state now, as guidance commands (docs/model.md, "Allocation
// optimiser", "Periodically"): the same planner and conversion as the dashboard's
// "Compute plan" and "Accept plan", over areas laid from the network's south-west
// corner. Deterministic for any thread count, like everything it calls.
std::vector<Command> Simulation::Impl::periodic_plan() {
  if (!planner) planner = std::make_unique<AllocationPlanner>(net, city, priority_flags(pop));
  Snapshot s;
  fill_snapshot(s, /*with_agents=*/true);
  PlannerSettings set;
  set.params = sc.hazards.optimiser;
  const BBox b = net.bbox();
  set.areas = {b.min_x, b.min_y, 10000};
  const AllocationPlanResult r = planner->plan(s, set, /*with_greedy=*/false);
  if (!r.error.empty()) throw InvariantError("periodic optimiser at t=" + std::to_string(t) + " s: " + r.error);
  std::vector<Command> cmds = plan_to_guidance(r.plan, r.groups, sc.hazards.optimiser, t);
  for (auto& c : cmds) c.source = kPeriodicOptimiserSource;
  return cmds;
}

void Simulation::Impl::check_command(const Command& c, const std::string& file, const std::string& place) const {
  const std::size_t F = city.facilities.size();
  const std::string where = !file.empty() ? file : c.source.empty() ? "command" : c.source;
  const std::string at = (place.empty() ? std::string() : place + ", ") + "t=" + std::to_string(c.time_s) + " s";
  const bool uses_facility = c.type == CommandType::kOpenFacility || c.type == CommandType::kCloseFacility ||
                             c.type == CommandType::kSetCapacity || c.type == CommandType::kGuidance ||
                             c.type == CommandType::kDamageFacility;
  const bool uses_edge = c.type == CommandType::kCloseEdge || c.type == CommandType::kReopenEdge;
  if (uses_facility && (c.facility < 0 || static_cast<std::size_t>(c.facility) >= F))
    throw InputError(where, at, std::string(command_name(c.type)) + ": facility " + std::to_string(c.facility) +
                                    " does not exist (" + std::to_string(F) + " facilities)");
  if (uses_edge && (c.edge < 0 || static_cast<std::size_t>(c.edge) >= net.edge_count()))
    throw InputError(where, at, std::string(command_name(c.type)) + ": edge " + std::to_string(c.edge) +
                                    " does not exist (" + std::to_string(net.edge_count()) + " edges)");
  if (!(c.value >= 0) || !std::isfinite(c.value) || !std::isfinite(c.x) || !std::isfinite(c.y) || !(c.radius_m >= 0))
    throw InputError(where, at, std::string(command_name(c.type)) + ": value, x, y and radius_m must be finite, value and radius_m not negative");
  if ((c.type == CommandType::kGuidance || c.type == CommandType::kReleaseRetained) && c.value > 1)
    throw InputError(where, at, std::string(command_name(c.type)) + ": the share must be in [0, 1]");
  if ((c.type == CommandType::kCloseArea || c.type == CommandType::kReopenArea) && !(c.radius_m > 0))
    throw InputError(where, at, std::string(command_name(c.type)) + ": radius_m must be positive");
  if (c.type == CommandType::kResumeRail) {
    const std::size_t L = sc.hazards.rail_lines.size();
    if (c.value != std::floor(c.value) || c.value >= static_cast<double>(L))
      throw InputError(where, at, "resume_rail: rail line " + (std::ostringstream() << c.value).str() +
                                      " does not exist (" + std::to_string(L) + " rail lines)");
  }
}

void Simulation::Impl::apply(const Command& c) {
  const std::size_t F = city.facilities.size();
  auto need_facility = [&] {
    if (c.facility < 0 || static_cast<std::size_t>(c.facility) >= F)
      throw InputError(c.source.empty() ? "command" : c.source, "t=" + std::to_string(c.time_s),
                       std::string(command_name(c.type)) + ": facility " + std::to_string(c.facility) +
                           " does not exist (" + std::to_string(F) + " facilities)");
    return static_cast<std::uint32_t>(c.facility);
  };
  auto need_edge = [&] {
    if (c.edge < 0 || static_cast<std::size_t>(c.edge) >= net.edge_count())
      throw InputError(c.source.empty() ? "command" : c.source, "t=" + std::to_string(c.time_s),
                       std::string(command_name(c.type)) + ": edge " + std::to_string(c.edge) +
                           " does not exist (" + std::to_string(net.edge_count()) + " edges)");
    return static_cast<std::uint32_t>(c.edge);
  };
  const bool hazard = is_hazard(c.source);
  auto in_area = [&](std::uint32_t a) {
    if (c.radius_m <= 0) return true;
    const Point p = agent_point(a);
    return std::hypot(p.x - c.x, p.y - c.y) <= c.radius_m;
  };
  // Everyone bound for or inside facility f looks elsewhere (in agent order).
  auto evict = [&](std::uint32_t f, std::int32_t keep) {
    std::vector<std::uint32_t> going, inside;
    for (std::uint32_t a = 0; a < state.size(); ++a) {
      if (facility[a] != f) continue;
      (state[a] == AgentState::kSheltered ? inside : going).push_back(a);
    }
    // Cancel reservations of those still on their way first (highest agent id
    // first), then send out those inside (highest id first).
    std::vector<std::uint32_t> order(going.rbegin(), going.rend());
    order.insert(order.end(), inside.rbegin(), inside.rend());
    for (const auto a : order) {
      if (reserved[f] <= keep) break;
      const bool was_inside = state[a] == AgentState::kSheltered;
      release_place(a);
      flags[a] &= static_cast<std::uint8_t>(~kStopover);
      if (was_inside) {
        node[a] = index(fnode[f]);
        set_state(a, AgentState::kUnsheltered);
      }
      seekers.push_back(a);
    }
  };
  switch (c.type) {
    case CommandType::kOpenFacility: {
      const auto f = need_facility();
      if (damaged[f]) break;  // a damaged building stays shut
      op_closed[f] = 0;
      op_opened[f] = 1;
      open_facility(f);
      break;
    }
    case CommandType::kCloseFacility: {
      const auto f = need_facility();
      op_closed[f] = 1;
      update_facility_state(f);
      evict(f, 0);
      break;
    }
    case CommandType::kSetCapacity: {
      const auto f = need_facility();
      fcap[f] = std::max(0.0, c.value);
      fcap_agents[f] = static_cast<std::int32_t>(std::floor(fcap[f] / w + 1e-9));
      evict(f, fcap_agents[f]);
      update_facility_state(f);
      break;
    }
    case CommandType::kDamageFacility: {
      const auto f = need_facility();
      damaged[f] = 1;
      op_closed[f] = 1;
      update_facility_state(f);
      evict(f, 0);
      break;
    }
    case CommandType::kCloseEdge:
      // From the hazard plan: blocked by collapse (an aftershock's further blockage).
      close_edge(need_edge(), hazard ? EdgeClosure::kCollapse : EdgeClosure::kCommand);
      break;
    case CommandType::kReopenEdge: {
      // An operator reopens a named road whatever closed it (cleared, or the fire is
      // out); the plan reopens only what a hazard closed.
      const auto e = need_edge();
      if (!hazard || closed[e] != reason_code(EdgeClosure::kCommand)) reopen_edge(e);
      break;
    }
    case CommandType::kCloseArea:
    case CommandType::kReopenArea: {
      // From the hazard plan an area is a fire: it closes with reason fire and, burnt
      // out, reopens only fire closures. An operator's area (a cordon) reopens only
      // operator closures: reopening an area clears neither rubble nor fire.
      const bool close = c.type == CommandType::kCloseArea;
      const std::uint8_t mine = reason_code(hazard ? EdgeClosure::kFire : EdgeClosure::kCommand);
      for (const std::uint32_t e : edges_in_area(c.x, c.y, c.radius_m)) {
        if (close ? closed[e] == mine || (closed[e] != 0 && !hazard) : closed[e] != mine) continue;
        if (close) close_edge(e, hazard ? EdgeClosure::kFire : EdgeClosure::kCommand);
        else reopen_edge(e);
      }
      break;
    }
    case CommandType::kPauseWalkers: {
      // An aftershock: walkers in the area stand still for `value` seconds, keeping
      // their place on their edge.
      const auto steps = static_cast<std::int64_t>(std::ceil(c.value / dt - 1e-9));
      if (steps <= 0) break;
      if (pause_until.empty()) pause_until.assign(state.size(), 0);
      const std::int64_t until = step_no + steps;  // still in steps step_no .. until - 1
      for (const auto a : active) {
        const bool walking = (state[a] == AgentState::kWalkingHome && !(flags[a] & kOffNet)) ||
                             state[a] == AgentState::kToFacility;
        if (walking && in_area(a)) pause_until[a] = std::max(pause_until[a], until);
      }
      if (c.radius_m <= 0) {
        // Felt everywhere: those on the off-network last stretch home stop too, so
        // their arrival moves later by the part of the pause not already counted.
        for (std::uint32_t a = 0; a < state.size(); ++a) {
          if (state[a] != AgentState::kWalkingHome || !(flags[a] & kOffNet) || wake_step[a] < 0) continue;
          const std::int64_t extra = until - std::max(pause_until[a], step_no);
          if (extra <= 0) continue;
          pause_until[a] = until;
          schedule(a, (wake_step[a] + extra) * dt);
        }
      }
      break;
    }
    case CommandType::kResumeRail:
      resume_rail(static_cast<std::size_t>(c.value));
      break;
    case CommandType::kGuidance: {
      const auto f = need_facility();
      if (fstate[f] == FacilityState::kClosed) break;  // nobody is sent to a closed facility
      for (std::uint32_t a = 0; a < state.size(); ++a) {
        if (state[a] != AgentState::kUnsheltered && state[a] != AgentState::kToFacility) continue;
        if (facility[a] == f || !in_area(a)) continue;
        Rng rng(cfg.seed, a, static_cast<std::uint64_t>(step_no), Purpose::kGuidance);
        if (!rng.bernoulli(c.value)) continue;
        if (reserved[f] >= fcap_agents[f]) break;
        release_place(a);
        const std::uint32_t n = decision_node(a);
        reserve(a, f, net.pos(NodeId{n}));
        ftree_need[f] = std::numeric_limits<double>::infinity();
        trees_pending = true;
        if (state[a] == AgentState::kUnsheltered) {
          wake_step[a] = -1;  // no retry needed
          set_state(a, AgentState::kToFacility);
          node[a] = n;
          activate(a);
        }
      }
      break;
    }
    case CommandType::kReleaseRetained: {
      for (std::uint32_t a = 0; a < state.size(); ++a) {
        if (state[a] != AgentState::kRetained || !in_area(a)) continue;
        Rng rng(cfg.seed, a, static_cast<std::uint64_t>(step_no), Purpose::kReleaseCommand);
        if (!rng.bernoulli(c.value)) continue;
        schedule(a, t + static_cast<std::int64_t>(rng.uniform(0, sc.behaviour.release_spread_min * 60)));
      }
      break;
    }
  }
}

// ---------------------------------------------------------------------- step

bool Simulation::Impl::step() {
  omp_set_num_threads(threads);  // this thread's OpenMP teams match the per-thread buffers
  if (t >= end_t) return false;
  PhaseClock clock(phase_s);
  apply_commands();
  while (next_open < open_order.size() && open_at[open_order[next_open]] <= t) {
    const auto f = open_order[next_open++];
    if (!op_closed[f]) open_facility(f);
  }
  {
    auto& b = buckets[static_cast<std::size_t>(step_no)];
    std::sort(b.begin(), b.end());
    for (const auto a : b)
      if (wake_step[a] == step_no) {
        wake_step[a] = -1;
        wake(a);
      }
    std::vector<std::uint32_t>().swap(b);
  }
  if (t >= kDay4 && !day4_done) {
    // 2012 guideline: from day 4 everyone still out walks home (spread over the
    // release spread, like a release wave).
    day4_done = true;
    const double spread = sc.behaviour.release_spread_min * 60;
    for (std::uint32_t a = 0; a < state.size(); ++a) {
      const auto s = state[a];
      if (s != AgentState::kStaying && s != AgentState::kSheltered && s != AgentState::kUnsheltered &&
          s != AgentState::kToFacility)
        continue;
      flags[a] |= kGoHome;
      if (s == AgentState::kToFacility) flags[a] &= static_cast<std::uint8_t>(~kStopover);
      schedule(a, t + static_cast<std::int64_t>(Rng(cfg.seed, a, 0, Purpose::kDay4).uniform(0, spread)));
    }
  }
  board_rail();
  clock.mark(Phase::kEvents);
  {
    std::vector<std::uint32_t> list;
    list.swap(seekers);
    auto seeks = [&](std::uint32_t a) {
      if (state[a] == AgentState::kToFacility && facility[a] != kNone) return false;  // guided meanwhile
      return state[a] == AgentState::kWaiting || state[a] == AgentState::kWalkingHome ||
             state[a] == AgentState::kUnsheltered || state[a] == AgentState::kToFacility;
    };
    // The searches run ahead in parallel from the state before the batch; the
    // seeks then take effect one by one in list order, each checking that its
    // proposal still holds (choose_facility), so the result is the serial one.
    const auto L = static_cast<std::int64_t>(list.size());
    const bool ahead =
        threads > 1 && L > 0 && static_cast<std::size_t>(L) >= std::min<std::size_t>(256, cfg.parallel_min_walkers);
    if (ahead) proposals.resize(list.size());
#pragma omp parallel for schedule(dynamic, 64) if (ahead)
    for (std::int64_t i = 0; i < (ahead ? L : 0); ++i) {
      const auto a = list[static_cast<std::size_t>(i)];
      proposals[static_cast<std::size_t>(i)] = seeks(a) ? propose(a) : Proposal{};  // version 0: never holds
    }
    for (std::size_t i = 0; i < list.size(); ++i)
      if (seeks(list[i])) seek(list[i], ahead ? &proposals[i] : nullptr);
  }
  clock.mark(Phase::kSeek);
  build_trees();
  // A walker whose facility tree does not reach it gets a tree over the whole network.
  for (int round = 0; round < 8 && !check_cover.empty(); ++round) {
    std::vector<std::uint32_t> missed;
    for (const auto a : check_cover)
      if (state[a] == AgentState::kToFacility && facility[a] != kNone) {
        const auto f = facility[a];
        if (ftree[f].find(NodeId{decision_node(a)}) < 0 && !std::isinf(ftree[f].radius)) {
          ftree_need[f] = round < 4 ? std::max(ftree_need[f], 2 * ftree[f].radius)
                                    : std::numeric_limits<double>::infinity();
          missed.push_back(a);
        }
      }
    check_cover.swap(missed);
    if (!check_cover.empty()) {
      trees_pending = true;
      build_trees();
    }
  }
  check_cover.clear();
  clock.mark(Phase::kTrees);
  move();
  clock.mark(Phase::kMove);
  resolve();
  clock.mark(Phase::kResolve);
  t += dt;
  ++step_no;
  account_edges(t);
  compact_active();
  const std::int64_t sheltered = state_count[static_cast<int>(AgentState::kSheltered)];
  const std::int64_t unsheltered = state_count[static_cast<int>(AgentState::kUnsheltered)] +
                                   state_count[static_cast<int>(AgentState::kToFacility)];
  peak_sheltered = std::max(peak_sheltered, sheltered);
  peak_unsheltered = std::max(peak_unsheltered, unsheltered);
  peak_cm_ge6 = std::max(peak_cm_ge6, cm_ge6);
  if (t % sc.run.output_interval_s == 0 || t >= end_t) record_row();
  clock.mark(Phase::kAccount);
  if (cfg.check_invariants) validate();
  return t < end_t;
}

void Simulation::Impl::compact_active() {
  // Drops those who are no longer on the network from the walker list, keeping the
  // order. Each thread compacts a contiguous slice in place, then the slices close
  // up in order: the same list as one pass would give, for any number of slices.
  const std::size_t A = active.size();
  const int T = par && A >= 65536 ? threads : 1;
  std::vector<std::size_t> kept(static_cast<std::size_t>(T));
#pragma omp parallel for schedule(static, 1) if (T > 1)
  for (int s = 0; s < T; ++s) {
    const std::size_t lo = A * static_cast<std::size_t>(s) / static_cast<std::size_t>(T);
    const std::size_t hi = A * static_cast<std::size_t>(s + 1) / static_cast<std::size_t>(T);
    std::size_t k = lo;
    for (std::size_t i = lo; i < hi; ++i) {
      const std::uint32_t a = active[i];
      const bool keep = (state[a] == AgentState::kWalkingHome && !(flags[a] & kOffNet)) ||
                        state[a] == AgentState::kToFacility;
      if (keep) active[k++] = a;
      else flags[a] &= static_cast<std::uint8_t>(~kActive);
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

void Simulation::Impl::move() {
  // Fork threads only when there is enough to share: a step of a few thousand
  // walkers is faster on one thread than through a fork and barriers, and on a busy
  // machine every barrier can wait a whole scheduler slice for a descheduled thread.
  par = active.size() >= cfg.parallel_min_walkers;
  const auto& mp = sc.movement;
  const double night = is_night(t) ? mp.night_factor : 1.0;
  const auto nact = static_cast<std::int64_t>(active.size());
  const std::int64_t night_index = (sc.quake.clock_s + t) / 86400;
  const double tired_m = sc.behaviour.tired_km * 1000;
  const bool is_dark = is_night(t);
  for (auto& b : bufs) {
    b.req.clear();
    b.events.clear();
    b.steps = b.ge4 = b.ge6 = 0;
  }
  const std::int64_t* paused_until = pause_until.empty() ? nullptr : pause_until.data();
#pragma omp parallel if (par)
  {
    ThreadBuf& buf = bufs[static_cast<std::size_t>(omp_get_thread_num())];
#pragma omp for schedule(static)
    for (std::int64_t i = 0; i < nact; ++i) {
      const std::uint32_t a = active[static_cast<std::size_t>(i)];
      const bool walking = (state[a] == AgentState::kWalkingHome && !(flags[a] & kOffNet)) ||
                           (state[a] == AgentState::kToFacility && facility[a] != kNone);
      if (!walking) continue;  // left the network earlier in this step
      // Stopped by an aftershock: in its place (still counted in the crowd), no request.
      const bool paused = paused_until && paused_until[a] > step_no;
      float leftover = 0;
      std::uint32_t n;
      ++buf.steps;
      if (arc[a] != kNone) {
        const ArcId ar{arc[a]};
        const std::uint32_t e = index(net.edge(ar));
        const std::int32_t c = count[e];
        if (c >= thr4[e]) {
          ++buf.ge4;
          crowd4[a] += dt;
        }
        if (c >= thr6[e]) {
          ++buf.ge6;
          crowd6[a] += dt;
        }
        if (paused) continue;
        const float len = net.length(ar);
        if (pos[a] < len) {
          const float rho = static_cast<float>(c) * w_over_area[e];
          const float vf = pop.v_free[a];
          double v = std::max(vf * speed_factor(rho), static_cast<float>(mp.v_floor)) * night;
          if (net.flags(EdgeId{e}) & kStairs) v *= mp.stairs_factor;
          const float np = pos[a] + static_cast<float>(v * dt);
          walked[a] += std::min(np, len) - pos[a];
          if (np < len) {
            pos[a] = np;
            continue;
          }
          leftover = np - len;
          pos[a] = len;
        }
        n = index(net.head(ar));
      } else {
        if (paused) continue;
        n = node[a];
      }
      // At node n: arrived, or which arc next?
      if (state[a] == AgentState::kToFacility) {
        const std::uint32_t f = facility[a];
        if (n == index(fnode[f])) {
          buf.req.push_back({a, Ev::kArriveFacility, 0, kNone, 0, n});
          continue;
        }
        const ArcId next = ftree[f].next_arc(net, NodeId{n});
        if (!valid(next)) buf.req.push_back({a, Ev::kNoRoute, 0, kNone, 0, n});
        else buf.req.push_back({a, Ev::kTransfer, 0, index(next), leftover, n});
        continue;
      }
      const std::uint32_t cell = home_cell[a];
      const NextHopTree& tree = htrees[static_cast<std::size_t>(cell_tree[route_key(a)])];
      if (cell_of(net.pos(NodeId{n})) == cell || n == index(tree.root)) {
        buf.req.push_back({a, Ev::kReachHome, 0, kNone, 0, n});
        continue;
      }
      if (!(flags[a] & kStopover)) {
        bool stop = false;
        if (!(flags[a] & kTiredDone) && walked[a] >= tired_m)
          stop = Rng(cfg.seed, a, 0, Purpose::kTiredStop).bernoulli(sc.behaviour.tired_stop_probability);
        if (!stop && is_dark && !(flags[a] & kNightDone))
          stop = Rng(cfg.seed, a, static_cast<std::uint64_t>(night_index), Purpose::kNightStop)
                     .bernoulli(sc.behaviour.night_stop_probability);
        if (stop) {
          buf.req.push_back({a, Ev::kStop, 0, kNone, 0, n});
          continue;
        }
      }
      const ArcId next = tree.next_arc(net, NodeId{n});
      if (!valid(next)) buf.req.push_back({a, Ev::kNoRoute, 0, kNone, 0, n});
      else buf.req.push_back({a, Ev::kTransfer, 0, index(next), leftover, n});
    }
  }
  for (const auto& b : bufs) {
    agent_steps += b.steps;
    steps_ge4 += b.ge4;
    steps_ge6 += b.ge6;
  }
}

void Simulation::Impl::resolve() {
  // Thread buffers hold contiguous slices of the walker list (static schedule), so
  // reading them in thread order gives the same sequence for any thread count.
  //
  // Transfers: an edge admits as many as it has room for at the start of the
  // resolution (its storage limit minus those on it). When more ask, those who
  // have waited longest go first, ties broken by a random key.
  // Counting requests per edge runs in parallel: the counts are integers, so they
  // come out the same in any order, and which thread lists an edge does not matter.
  const int nbuf = static_cast<int>(bufs.size());
#pragma omp parallel for schedule(static, 1) if (par)
  for (int bi = 0; bi < nbuf; ++bi) {
    auto& b = bufs[static_cast<std::size_t>(bi)];
    b.targets.clear();
    for (std::uint32_t i = 0; i < b.req.size(); ++i) {
      auto& r = b.req[i];
      if (r.kind != Ev::kTransfer) {
        b.events.push_back(i);
        continue;
      }
      const std::uint32_t e = index(net.edge(ArcId{r.arc}));
      if (arc[r.agent] != kNone && index(net.edge(ArcId{arc[r.agent]})) == e) continue;  // same edge
      r.edge = e;
      if (std::atomic_ref<std::int32_t>(req_count[e]).fetch_add(1, std::memory_order_relaxed) == 0)
        b.targets.push_back(e);
    }
  }
  std::vector<std::uint32_t> targets;
  for (const auto& b : bufs) targets.insert(targets.end(), b.targets.begin(), b.targets.end());
  struct Contender {
    std::uint32_t edge;
    std::uint16_t wait;
    std::uint64_t key;
    std::uint32_t agent;
    Request* req;
  };
  std::vector<Contender> cont;
  bool any_full = false, any_contended = false;
  for (const auto e : targets) {
    const std::int32_t room = std::max(0, cap[e] - count[e]);
    if (req_count[e] <= room) req_count[e] = 0;            // everyone fits
    else if (room == 0) req_count[e] = -1, any_full = true;  // nobody fits
    else req_count[e] = -2 - room, any_contended = true;     // some fit: choose
  }
  // Held at a full edge for stuck_s: enters regardless, so that rings of full
  // edges cannot lock for good (MATSim's stuck time).
  const auto stuck_steps = static_cast<std::int32_t>(
      sc.movement.stuck_s > 0 ? std::max(1.0, std::ceil(sc.movement.stuck_s / dt)) : 0.0);
  if (any_full || any_contended) {
    // Marking the denied and gathering contenders reads shared state only; the
    // contenders are sorted below, so the order they are gathered in does not matter.
    std::vector<std::vector<Contender>> part(bufs.size());
#pragma omp parallel for schedule(static, 1) if (par)
    for (int bi = 0; bi < nbuf; ++bi)
      for (auto& r : bufs[static_cast<std::size_t>(bi)].req) {
        if (r.kind != Ev::kTransfer || r.edge == kNone) continue;
        const std::int32_t m = req_count[r.edge];
        if (stuck_steps > 0 && wait[r.agent] >= stuck_steps) continue;  // squeezes in (see stuck_s)
        if (m == -1) r.denied = 1;
        else if (m <= -2)
          part[static_cast<std::size_t>(bi)].push_back(
              {r.edge, wait[r.agent],
               Rng(cfg.seed, r.agent, static_cast<std::uint64_t>(step_no), Purpose::kTransfer).next_u64(), r.agent,
               &r});
      }
    for (const auto& pc : part) cont.insert(cont.end(), pc.begin(), pc.end());
    std::sort(cont.begin(), cont.end(), [](const Contender& x, const Contender& y) {
      if (x.edge != y.edge) return x.edge < y.edge;
      if (x.wait != y.wait) return x.wait > y.wait;
      if (x.key != y.key) return x.key < y.key;
      return x.agent < y.agent;
    });
    for (std::size_t i = 0; i < cont.size();) {
      const std::uint32_t e = cont[i].edge;
      std::int32_t room = -2 - req_count[e];
      for (; i < cont.size() && cont[i].edge == e; ++i) {
        if (room > 0) --room;
        else cont[i].req->denied = 1;
      }
    }
  }
  for (const auto e : targets) req_count[e] = 0;

  // Transfers move in parallel: each agent has one request, edge counts change by
  // atomic integer steps, and touched edges are collected per thread (their order
  // does not matter to account_edges).
#pragma omp parallel for schedule(static, 1) if (par)
  for (int bi = 0; bi < nbuf; ++bi) {
    auto& b = bufs[static_cast<std::size_t>(bi)];
    b.touched.clear();
    b.on_edges = 0;
    auto touch_local = [&](std::uint32_t e) {
      if (std::atomic_ref<std::int64_t>(touch_stamp[e]).exchange(step_no, std::memory_order_relaxed) != step_no)
        b.touched.push_back(e);
    };
    for (const auto& r : b.req) {
      if (r.kind != Ev::kTransfer) continue;
      const std::uint32_t a = r.agent;
      if (r.denied) {  // queue at the end of the arc (or at the node)
        if (wait[a] < 0xffff) ++wait[a];
        continue;
      }
      const float len = net.length(ArcId{r.arc});
      const float at = std::min(r.leftover, len * 0.999f);
      if (r.edge == kNone) {
        arc[a] = r.arc;  // turning back along the same edge (or entering from its node)
      } else {
        if (arc[a] != kNone) {
          const std::uint32_t old = index(net.edge(ArcId{arc[a]}));
          std::atomic_ref<std::int32_t>(count[old]).fetch_sub(1, std::memory_order_relaxed);
          --b.on_edges;
          touch_local(old);
        }
        std::atomic_ref<std::int32_t>(count[r.edge]).fetch_add(1, std::memory_order_relaxed);
        ++b.on_edges;
        touch_local(r.edge);
        arc[a] = r.arc;
      }
      node[a] = kNone;
      pos[a] = at;
      wait[a] = 0;
    }
  }
  for (const auto& b : bufs) {
    agents_on_edges += b.on_edges;
    touched.insert(touched.end(), b.touched.begin(), b.touched.end());
  }

  for (auto& b : bufs)
    for (const std::uint32_t i : b.events) {
      const Request& r = b.req[i];
      const std::uint32_t a = r.agent;
      switch (r.kind) {
        case Ev::kTransfer:
          break;  // done above
        case Ev::kArriveFacility: {
          leave_edge(a, r.node);
          const auto f = facility[a];
          ++occupied[f];
          peak_occ[f] = std::max(peak_occ[f], occupied[f]);
          set_state(a, AgentState::kSheltered);
          if (flags[a] & kStopover) schedule(a, next_resume_time());
          break;
        }
        case Ev::kReachHome: {
          leave_edge(a, r.node);
          flags[a] |= kOffNet;
          const Point p = net.pos(NodeId{r.node});
          const double rest = std::hypot(pop.home[a].x - p.x, pop.home[a].y - p.y);
          const double v = pop.v_free[a] * (is_night(t) ? sc.movement.night_factor : 1.0);
          schedule(a, t + dt + static_cast<std::int64_t>(rest / v));
          break;
        }
        case Ev::kNoRoute:
          // Cut off from home (closures) or from the facility: look for a facility.
          if (state[a] == AgentState::kToFacility) release_place(a);
          else flags[a] &= static_cast<std::uint8_t>(~kWillWalk);
          seekers.push_back(a);
          break;
        case Ev::kStop:
          flags[a] |= kStopover;
          if (walked[a] >= sc.behaviour.tired_km * 1000) flags[a] |= kTiredDone;
          if (is_night(t)) flags[a] |= kNightDone;
          seekers.push_back(a);
          break;
      }
    }
}

void Simulation::Impl::account_edges(std::int64_t now) {
  const auto& mp = sc.movement;
  std::int64_t d4 = 0, d6 = 0, dcm = 0;
  const auto T = static_cast<std::int64_t>(touched.size());
  // Each touched edge appears once; the totals are integer sums, so any order agrees.
#pragma omp parallel for schedule(static) reduction(+ : d4, d6, dcm) if (T > 4096)
  for (std::int64_t k = 0; k < T; ++k) {
    const std::uint32_t e = touched[static_cast<std::size_t>(k)];
    const std::int32_t old = acc_count[e], c = count[e];
    const std::int64_t span = now - acc_t[e];
    if (old >= thr4[e]) sec_ge4[e] += span;
    if (old >= thr6[e]) sec_ge6[e] += span;
    const std::int64_t cm = static_cast<std::int64_t>(std::llround(net.length(EdgeId{e}) * 100.0));
    d4 += (c >= thr4[e] ? c : 0) - (old >= thr4[e] ? old : 0);
    d6 += (c >= thr6[e] ? c : 0) - (old >= thr6[e] ? old : 0);
    dcm += (c >= thr6[e] ? cm : 0) - (old >= thr6[e] ? cm : 0);
    acc_count[e] = c;
    acc_t[e] = now;
    const double rho = c * w / area[e];
    if (rho > peak_density[e]) {
      peak_density[e] = static_cast<float>(rho);
      const double q = rho * mp.v0_mean * weidmann_factor(rho, mp.gamma, mp.rho_max, mp.v_floor / mp.v0_mean);
      peak_flow[e] = std::max(peak_flow[e], static_cast<float>(q));
    }
  }
  agents_ge4 += d4;
  agents_ge6 += d6;
  cm_ge6 += dcm;
  touched.clear();
}

TimeseriesRow Simulation::Impl::row() const {
  TimeseriesRow r;
  r.time_s = t;
  r.agents = static_cast<std::int64_t>(state.size());
  r.state = state_count;
  std::int64_t occ = 0, open = 0, full = 0;
  for (std::size_t f = 0; f < fstate.size(); ++f) {
    occ += occupied[f];
    open += fstate[f] != FacilityState::kClosed;
    full += fstate[f] == FacilityState::kFull;
  }
  r.persons_sheltered = static_cast<double>(occ) * w;
  r.persons_ge4 = static_cast<double>(agents_ge4) * w;
  r.persons_ge6 = static_cast<double>(agents_ge6) * w;
  r.km_ge6 = static_cast<double>(cm_ge6) / 100000.0;
  r.persons_walking = static_cast<double>(agents_on_edges) * w;
  r.facilities_open = open;
  r.facilities_full = full;
  return r;
}

void Simulation::Impl::record_row() {
  if (!rows.empty() && rows.back().time_s == t) return;
  rows.push_back(row());
}

void Simulation::Impl::validate() const {
  auto fail = [&](const std::string& what) {
    std::ostringstream s;
    s << "simulation invariant broken at t=" << t << " s: " << what;
    throw InvariantError(s.str());
  };
  const std::size_t N = state.size();
  std::array<std::int64_t, kAgentStates> counted{};
  std::vector<std::int32_t> on_edge(net.edge_count(), 0), inside(fcap.size(), 0), bound(fcap.size(), 0);
  for (std::size_t a = 0; a < N; ++a) {
    ++counted[static_cast<int>(state[a])];
    if (arc[a] != kNone) {
      const auto e = index(net.edge(ArcId{arc[a]}));
      ++on_edge[e];
      if (closed[e]) fail("agent " + std::to_string(a) + " is on closed edge " + std::to_string(e));
      if (state[a] != AgentState::kWalkingHome && state[a] != AgentState::kToFacility)
        fail("agent " + std::to_string(a) + " is on an edge while " + std::string(state_name(state[a])));
    }
    if (state[a] == AgentState::kByRail && (arc[a] != kNone || facility[a] != kNone || (flags[a] & kActive) ||
                                            wake_step[a] >= 0))
      fail("agent " + std::to_string(a) + " left by rail but is still on the network, holds a place or is scheduled");
    if (facility[a] != kNone) {
      ++bound[facility[a]];
      if (state[a] == AgentState::kSheltered) ++inside[facility[a]];
    }
  }
  std::int64_t sum = 0;
  for (int s = 0; s < kAgentStates; ++s) {
    sum += counted[static_cast<std::size_t>(s)];
    if (counted[static_cast<std::size_t>(s)] != state_count[static_cast<std::size_t>(s)])
      fail("state counter for " + std::string(state_name(static_cast<AgentState>(s))) + " is off");
  }
  if (sum != static_cast<std::int64_t>(N)) fail("agents not conserved");
  for (std::size_t e = 0; e < on_edge.size(); ++e)
    if (on_edge[e] != count[e]) fail("edge " + std::to_string(e) + " count " + std::to_string(count[e]) +
                                     " but " + std::to_string(on_edge[e]) + " agents on it");
  for (std::size_t f = 0; f < fcap.size(); ++f) {
    if (occupied[f] != inside[f]) fail("facility " + std::to_string(f) + " occupancy does not match its agents");
    if (reserved[f] != bound[f]) fail("facility " + std::to_string(f) + " reservations do not match its agents");
    if (occupied[f] * w > fcap[f] + 1e-6) fail("facility " + std::to_string(f) + " occupancy above capacity");
    if (reserved[f] > fcap_agents[f] && !op_closed[f]) fail("facility " + std::to_string(f) + " over-reserved");
  }
}

// ---------------------------------------------------------------- Simulation

Simulation::Simulation(const Network& net, City city, const Scenario& scenario, const RunConfig& config)
    : impl_(std::make_unique<Impl>(net, std::move(city), scenario, config)) {
  impl_->setup(true);
  impl_->record_row();
}

Simulation::Simulation(const Network& net, City city, const Scenario& scenario, const RunConfig& config,
                       Population population)
    : impl_(std::make_unique<Impl>(net, std::move(city), scenario, config)) {
  impl_->pop = std::move(population);
  impl_->setup(false);
  impl_->record_row();
}

Simulation::~Simulation() = default;

void Simulation::submit(Command c) {
  impl_->check_command(c);  // throws InputError before anything is queued
  std::lock_guard<std::mutex> lock(impl_->cmd_mu);
  c.time_s = std::max(c.time_s, impl_->t);
  c.seq = impl_->next_seq++;
  if (c.source.empty()) c.source = "operator";
  impl_->pending.push_back(std::move(c));
}

bool Simulation::step() {
  const auto t0 = std::chrono::steady_clock::now();
  const bool more = impl_->step();
  impl_->wall += std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  return more;
}

void Simulation::run(const ProgressFn& progress, const std::atomic<bool>* stop) {
  while (!done()) {
    if (stop && stop->load()) {
      impl_->partial = true;
      impl_->record_row();
      return;
    }
    step();
    if (progress) progress(static_cast<double>(impl_->t) / static_cast<double>(impl_->end_t));
  }
}

std::int64_t Simulation::time_s() const noexcept { return impl_->t; }
std::int64_t Simulation::duration_s() const noexcept { return impl_->end_t; }
bool Simulation::done() const noexcept { return impl_->t >= impl_->end_t; }
const Network& Simulation::network() const noexcept { return impl_->net; }
const City& Simulation::city() const noexcept { return impl_->city; }
const Population& Simulation::population() const noexcept { return impl_->pop; }
const Scenario& Simulation::scenario() const noexcept { return impl_->sc; }
std::size_t Simulation::agent_count() const noexcept { return impl_->state.size(); }
AgentState Simulation::state(AgentId a) const { return impl_->state[index(a)]; }
Point Simulation::position(AgentId a) const { return impl_->agent_point(index(a)); }

EdgeView Simulation::edge_view(EdgeId e) const {
  const auto i = index(e);
  return {impl_->count[i], static_cast<float>(impl_->count[i] * impl_->w / impl_->area[i]), impl_->closed[i] != 0,
          static_cast<EdgeClosure>(impl_->closed[i])};
}
FacilityState Simulation::facility_state(ShelterId f) const { return impl_->fstate[index(f)]; }
double Simulation::facility_occupancy(ShelterId f) const { return impl_->occupied[index(f)] * impl_->w; }
double Simulation::facility_reserved(ShelterId f) const { return impl_->reserved[index(f)] * impl_->w; }
double Simulation::facility_capacity(ShelterId f) const { return impl_->fcap[index(f)]; }
const std::vector<TimeseriesRow>& Simulation::timeseries() const noexcept { return impl_->rows; }
TimeseriesRow Simulation::current_row() const { return impl_->row(); }
const std::vector<Command>& Simulation::command_log() const noexcept { return impl_->log; }
void Simulation::validate() const { impl_->validate(); }
bool Simulation::facility_damaged(ShelterId f) const { return impl_->damaged[index(f)] != 0; }
const HazardPlan& Simulation::hazard_plan() const noexcept { return *impl_->plan; }
std::int64_t Simulation::rail_running_since(std::size_t l) const { return impl_->rails.at(l).since; }
double Simulation::rail_boarded(std::size_t l) const { return static_cast<double>(impl_->rails.at(l).boarded) * impl_->w; }
AgentExposure Simulation::exposure(AgentId a) const {
  const auto i = index(a);
  return {impl_->crowd4[i], impl_->crowd6[i], (impl_->flags[i] & kOnStreet) != 0};
}

Simulation::TreeRebuilds Simulation::tree_rebuilds() const {
  return {impl_->trees_rebuilt, impl_->trees_repaired, impl_->trees_kept};
}

const char* Simulation::phase_name(Phase p) noexcept {
  switch (p) {
    case Phase::kEvents: return "events";
    case Phase::kSeek: return "seek";
    case Phase::kTrees: return "trees";
    case Phase::kMove: return "move";
    case Phase::kResolve: return "resolve";
    case Phase::kAccount: return "account";
    case Phase::kCount: break;
  }
  return "?";
}

PhaseSeconds Simulation::phase_seconds() const { return impl_->phase_s; }

void Simulation::fill_snapshot(Snapshot& out, bool with_agents) const { impl_->fill_snapshot(out, with_agents); }

void Simulation::Impl::fill_snapshot(Snapshot& out, bool with_agents) const {
  const Impl& m = *this;
  out.time_s = m.t;
  out.duration_s = m.end_t;
  out.step_no = m.step_no;
  out.done = m.t >= m.end_t;
  out.persons_per_agent = m.w;
  out.wall_seconds = m.wall;
  const std::size_t E = m.net.edge_count(), F = m.city.facilities.size(), A = m.state.size();
  out.edge_density.resize(E);
  out.edge_speed.resize(E);
  out.edge_closed.assign(m.closed.begin(), m.closed.end());
  const double v0 = m.sc.movement.v0_mean;
  for (std::size_t e = 0; e < E; ++e) {
    const float rho = static_cast<float>(m.count[e] * m.w / m.area[e]);
    out.edge_density[e] = rho;
    out.edge_speed[e] = static_cast<float>(std::max(m.sc.movement.v_floor, v0 * m.speed_factor(rho)));
  }
  out.facility_state = m.fstate;
  out.facility_damaged = m.damaged;
  out.facility_open_at_s.resize(F);
  out.facility_capacity = m.fcap;
  out.facility_occupancy.resize(F);
  out.facility_reserved.resize(F);
  for (std::size_t f = 0; f < F; ++f) {
    out.facility_open_at_s[f] = m.op_closed[f] ? -1 : m.opened_time[f] >= 0 ? m.opened_time[f] : m.open_at[f];
    out.facility_occupancy[f] = m.occupied[f] * m.w;
    out.facility_reserved[f] = m.reserved[f] * m.w;
  }
  out.has_agents = with_agents;
  if (with_agents) {
    out.agent_x.resize(A);
    out.agent_y.resize(A);
    out.agent_state.assign(m.state.begin(), m.state.end());
#pragma omp parallel for schedule(static) num_threads(m.threads) if (A > 100000)
    for (std::size_t a = 0; a < A; ++a) {
      const Point p = m.agent_point(static_cast<std::uint32_t>(a));
      out.agent_x[a] = static_cast<float>(p.x);
      out.agent_y[a] = static_cast<float>(p.y);
    }
  } else {
    out.agent_x.clear();
    out.agent_y.clear();
    out.agent_state.clear();
  }
  out.fire_cells = m.fire_cells;
  out.rail_running_since_s.resize(m.rails.size());
  for (std::size_t l = 0; l < m.rails.size(); ++l) out.rail_running_since_s[l] = m.rails[l].since;
  out.row = m.row();
  out.timeseries = m.rows;
  out.command_log = m.log;
}

EdgeStats Simulation::edge_stats() const {
  const auto& m = *impl_;
  EdgeStats s;
  const std::size_t E = m.count.size();
  s.peak_density = m.peak_density;
  s.peak_flow = m.peak_flow;
  s.seconds_ge4.resize(E);
  s.seconds_ge6.resize(E);
  for (std::size_t e = 0; e < E; ++e) {
    // Time since the last change counts with the current count.
    const std::int64_t span = m.t - m.acc_t[e];
    const std::int32_t c = m.acc_count[e];
    s.seconds_ge4[e] = static_cast<float>(m.sec_ge4[e] + (c >= m.thr4[e] ? span : 0));
    s.seconds_ge6[e] = static_cast<float>(m.sec_ge6[e] + (c >= m.thr6[e] ? span : 0));
  }
  return s;
}

FacilityStats Simulation::facility_stats() const {
  const auto& m = *impl_;
  FacilityStats s;
  const std::size_t F = m.fcap.size();
  s.capacity = m.fcap;
  s.peak_occupancy.resize(F);
  s.seconds_full.resize(F);
  s.open_time_s.resize(F);
  s.state = m.fstate;
  for (std::size_t f = 0; f < F; ++f) {
    s.peak_occupancy[f] = m.peak_occ[f] * m.w;
    s.seconds_full[f] = static_cast<double>(m.seconds_full[f] +
                                            (m.fstate[f] == FacilityState::kFull ? m.t - m.full_since[f] : 0));
    s.open_time_s[f] = static_cast<double>(m.opened_time[f]);
  }
  return s;
}

Summary Simulation::summary() const {
  const auto& m = *impl_;
  Summary s;
  s.agents = static_cast<std::int64_t>(m.state.size());
  s.persons_per_agent = m.w;
  s.seed = m.cfg.seed;
  s.threads = m.threads;
  s.sim_seconds = m.t;
  s.wall_seconds = m.wall;
  s.partial = m.partial || m.t < m.end_t;
  s.person_minutes_ge6 = static_cast<double>(m.steps_ge6) * m.dt * m.w / 60.0;
  s.person_minutes_ge4 = static_cast<double>(m.steps_ge4) * m.dt * m.w / 60.0;
  s.peak_km_road_ge6 = static_cast<double>(m.peak_cm_ge6) / 100000.0;
  s.peak_sheltered = static_cast<double>(m.peak_sheltered) * m.w;
  s.peak_unsheltered_stranded = static_cast<double>(m.peak_unsheltered) * m.w;
  s.arrived_home = static_cast<double>(m.state_count[static_cast<int>(AgentState::kArrivedHome)]) * m.w;
  s.by_rail = static_cast<double>(m.state_count[static_cast<int>(AgentState::kByRail)]) * m.w;
  std::int64_t walkers = 0, ge6_3h = 0, ge6_1h = 0, ge4_3h = 0;
  for (std::size_t a = 0; a < m.state.size(); ++a) {
    walkers += (m.flags[a] & kOnStreet) != 0;
    ge6_3h += m.crowd6[a] >= 3 * 3600;
    ge6_1h += m.crowd6[a] >= 3600;
    ge4_3h += m.crowd4[a] >= 3 * 3600;
  }
  s.walkers = static_cast<double>(walkers) * m.w;
  s.persons_ge6_3h = static_cast<double>(ge6_3h) * m.w;
  s.persons_ge6_1h = static_cast<double>(ge6_1h) * m.w;
  s.persons_ge4_3h = static_cast<double>(ge4_3h) * m.w;
  s.share_walkers_ge6_3h = walkers > 0 ? static_cast<double>(ge6_3h) / static_cast<double>(walkers) : 0.0;
  s.agent_steps = m.agent_steps;
  s.commands_applied = static_cast<std::int64_t>(m.log.size());
  return s;
}


// --------------------------------------------------------------- checkpoints
//
// Layout: a header (magic, format and model versions, byte order, the run's
// fingerprint), the state as transfer() lists it, then an end marker and a checksum
// of everything before it. transfer() names every piece of state that changes
// during a run; the rest is made again by the constructor or rebuilt by load:
// - set-up data (edge capacities and thresholds, home cells and route variants,
//   facility nodes, grid and opening times, the hazard plan, rail polylines) is a
//   function of the scenario, the seed, the city and the population, which the
//   fingerprint pins;
// - routing weights and route trees are a function of the closures. Weights are
//   make_weights() of `closed`. Every step ends after build_trees(), and a closure
//   or reopening rebuilds or repairs every tree it could change (trees_dirty; a
//   repaired tree is bit for bit a fresh build, route_trees.hpp), so between
//   steps each home tree is exactly build_next_hop_tree(weights of `closed`, its
//   cell's root) and each built facility tree build_bounded_tree(weights of
//   `closed`, its node, its radius). Both builders are deterministic, so
//   rebuild_routes() makes the very same trees. (This rests on "a tree in use is
//   what a fresh build under the current weights gives", docs/model.md,
//   "Routing"; if tree maintenance ever keeps a tree that a fresh build would not
//   give, the trees must be saved instead. tests/sim/test_checkpoint.cpp resumes
//   across closures, reopenings and fires to check it.) Storing them instead would
//   cost a byte per node per home tree and nine per node per facility tree: about
//   150 MB for the default scenario, against 11 MB now;
// - per-step scratch (thread buffers, request counts, touch stamps, the grid of
//   edges for area commands) is empty or reset between steps.

namespace {

constexpr char kCheckpointMagic[8] = {'K', 'I', 'T', 'A', 'K', 'U', 'C', 'P'};
constexpr char kCheckpointEnd[8] = {'K', 'I', 'T', 'A', 'K', 'E', 'N', 'D'};
constexpr std::uint32_t kByteOrderMark = 0x01020304u;
constexpr std::size_t kTrailerBytes = 16;  // end marker + checksum

static_assert(std::is_trivially_copyable_v<TimeseriesRow> && sizeof(TimeseriesRow) == 18 * 8,
              "TimeseriesRow is saved as its bytes: no padding");

// The timeseries rows step() records (one per output interval and the end), without
// the extra row a stopped run() adds at the time it stopped.
bool regular_row(const TimeseriesRow& r, std::int64_t interval_s, std::int64_t end_t) {
  return r.time_s % interval_s == 0 || r.time_s >= end_t;
}

template <class Ar, class Vec>
void transfer_commands(Ar& ar, Vec& cmds, const char* what) {
  std::uint64_t n = cmds.size();
  ar.value(n);
  if constexpr (Ar::kLoading) {
    if (n > ar.remaining() / 64) ar.fail(std::string(what) + ": " + std::to_string(n) + " commands do not fit in the file");
    cmds.assign(static_cast<std::size_t>(n), Command{});
  }
  for (auto& c : cmds) {
    ar.value(c.time_s);
    ar.value(c.seq);
    ar.value(c.type);
    if constexpr (Ar::kLoading)
      if (static_cast<std::uint8_t>(c.type) > static_cast<std::uint8_t>(CommandType::kResumeRail))
        ar.fail(std::string(what) + ": unknown command type " + std::to_string(static_cast<int>(c.type)));
    ar.value(c.facility);
    ar.value(c.edge);
    ar.value(c.value);
    ar.value(c.x);
    ar.value(c.y);
    ar.value(c.radius_m);
    ar.string(c.source);
  }
}

}  // namespace

Simulation::Impl::Fingerprint Simulation::Impl::fingerprint() const {
  Fingerprint f;
  const std::string toml = to_toml(sc);
  f.scenario = ckpt::hash_bytes(toml.data(), toml.size());
  f.seed = cfg.seed;
  f.nodes = net.node_count();
  f.edges = net.edge_count();
  std::vector<float> len(net.edge_count());
  for (std::size_t e = 0; e < len.size(); ++e) len[e] = net.length(EdgeId{static_cast<std::uint32_t>(e)});
  f.lengths = ckpt::hash_vector(len);
  f.agents = pop.size();
  std::uint64_t h = ckpt::hash_bytes(nullptr, 0);
  for (const Facility& fa : city.facilities) {  // as built: commands change capacities later
    h = ckpt::hash_bytes(&fa.pos, sizeof fa.pos, h);
    h = ckpt::hash_bytes(&fa.capacity, sizeof fa.capacity, h);
  }
  f.facilities = h;
  h = ckpt::hash_bytes(&w, sizeof w);
  h = ckpt::hash_vector(pop.origin, h);
  h = ckpt::hash_vector(pop.home, h);
  h = ckpt::hash_vector(pop.v_free, h);
  h = ckpt::hash_vector(pop.activity, h);
  h = ckpt::hash_vector(pop.age, h);
  h = ckpt::hash_vector(pop.vulnerable, h);
  f.population = h;
  return f;
}

template <class Self, class Ar>
void Simulation::Impl::transfer(Self& m, Ar& ar) {
  constexpr bool loading = Ar::kLoading;
  const std::size_t N = m.pop.size(), E = m.net.edge_count(), F = m.city.facilities.size();
  ar.value(m.t);
  ar.value(m.step_no);

  // Agents.
  ar.array(m.state, N, "agent states");
  ar.array(m.arc, N, "agent arcs");
  ar.array(m.node, N, "agent nodes");
  ar.array(m.facility, N, "agent facilities");
  ar.array(m.pos, N, "agent positions");
  ar.array(m.walked, N, "agent distances walked");
  ar.array(m.crowd4, N, "agent exposure at 4 p/m2");
  ar.array(m.crowd6, N, "agent exposure at 6 p/m2");
  ar.array(m.flags, N, "agent flags");
  ar.array(m.wait, N, "agent waiting times");
  ar.array(m.wake_step, N, "agent wake-up steps");
  ar.list(m.pause_until, "pauses");
  ar.list(m.active, "walker list");
  ar.list(m.seekers, "facility seekers");
  ar.list(m.check_cover, "route checks");
  ar.value(m.state_count);
  // Wake-ups by step: only the non-empty buckets, each with its step.
  std::uint64_t nb = 0;
  if constexpr (!loading)
    for (const auto& b : m.buckets) nb += !b.empty();
  ar.value(nb);
  if constexpr (loading) {
    if (nb > m.buckets.size()) ar.fail("more wake-up steps than the run has");
    for (auto& b : m.buckets) b.clear();
    std::int64_t prev = -1;
    for (std::uint64_t i = 0; i < nb; ++i) {
      std::int64_t k = 0;
      ar.value(k);
      if (k <= prev || k >= static_cast<std::int64_t>(m.buckets.size())) ar.fail("a wake-up step out of order or range");
      prev = k;
      ar.list(m.buckets[static_cast<std::size_t>(k)], "wake-ups");
    }
  } else {
    for (std::size_t k = 0; k < m.buckets.size(); ++k)
      if (!m.buckets[k].empty()) {
        ar.value(static_cast<std::int64_t>(k));
        ar.list(m.buckets[k], "wake-ups");
      }
  }

  // Edges: occupancy, closures and their reasons, statistics.
  ar.array(m.count, E, "edge counts");
  ar.array(m.closed, E, "edge closures");
  ar.array(m.acc_count, E, "edge accounting counts");
  ar.array(m.acc_t, E, "edge accounting times");
  ar.array(m.sec_ge4, E, "edge seconds at 4 p/m2");
  ar.array(m.sec_ge6, E, "edge seconds at 6 p/m2");
  ar.array(m.peak_density, E, "edge peak densities");
  ar.array(m.peak_flow, E, "edge peak flows");
  ar.value(m.agents_ge4);
  ar.value(m.agents_ge6);
  ar.value(m.cm_ge6);
  ar.value(m.agents_on_edges);
  ar.value(m.walkers_on_closed);
  ar.value(m.trees_dirty);
  ar.value(m.trees_pending);

  // Facilities.
  ar.array(m.fcap, F, "facility capacities");
  ar.array(m.fcap_agents, F, "facility capacities in agents");
  ar.array(m.reserved, F, "facility reservations");
  ar.array(m.occupied, F, "facility occupancy");
  ar.array(m.peak_occ, F, "facility peak occupancy");
  ar.array(m.fstate, F, "facility states");
  ar.array(m.op_closed, F, "facility closures");
  ar.array(m.op_opened, F, "facility openings");
  ar.array(m.damaged, F, "facility damage");
  ar.array(m.opened_time, F, "facility opening times");
  ar.array(m.full_since, F, "facility full times");
  ar.array(m.seconds_full, F, "facility seconds full");
  ar.array(m.ftree_need, F, "facility route needs");
  // Facility trees: their radius and whether built (rebuilt on load).
  std::vector<double> radius(F);
  std::vector<std::uint8_t> built(F);
  if constexpr (!loading)
    for (std::size_t f = 0; f < F; ++f) {
      radius[f] = m.ftree[f].radius;
      built[f] = valid(m.ftree[f].root);
    }
  ar.array(radius, F, "facility route radii");
  ar.array(built, F, "facility routes");
  if constexpr (loading)
    for (std::size_t f = 0; f < F; ++f) {
      m.ftree[f] = BoundedTree{};
      m.ftree[f].radius = radius[f];
      m.ftree[f].root = built[f] ? m.fnode[f] : invalid_id<NodeId>();
    }
  ar.value(m.next_open);
  ar.value(m.avail_version);
  ar.array(m.search_failed, m.search_failed.size(), "facility search cache");

  // Home trees: which exist (rebuilt on load).
  ar.array(m.cell_tree, m.cell_tree.size(), "home route trees");
  ar.list(m.htree_cell, "home route cells");

  // Commands: those still to apply (in queue order), the next seq, and the log.
  transfer_commands(ar, m.pending, "pending commands");
  ar.value(m.next_seq);
  transfer_commands(ar, m.log, "command log");

  // Rail lines.
  for (auto& r : m.rails) {
    ar.value(r.since);
    ar.value(r.allowance);
    ar.list(r.near, "rail station catchment");
    ar.list(r.served, "rail passengers");
    std::uint64_t head = r.head;
    ar.value(head);
    if constexpr (loading) {
      if (head > r.served.size()) ar.fail("rail line: position past its passenger list");
      r.head = static_cast<std::size_t>(head);
    }
    ar.value(r.boarded);
  }
  ar.value(m.day4_done);

  // Metrics.
  if constexpr (loading) {
    ar.list(m.rows, "timeseries rows");
  } else {
    std::vector<TimeseriesRow> rows;
    for (const auto& r : m.rows)
      if (regular_row(r, m.sc.run.output_interval_s, m.end_t)) rows.push_back(r);
    ar.list(rows, "timeseries rows");
  }
  ar.value(m.agent_steps);
  ar.value(m.steps_ge4);
  ar.value(m.steps_ge6);
  ar.value(m.peak_cm_ge6);
  ar.value(m.peak_sheltered);
  ar.value(m.peak_unsheltered);
  ar.value(m.wall);
}

// After loading: everything an index or a step reads is in range (a corrupt file
// must not crash the run), and the invariants hold.
void Simulation::Impl::check_loaded(const std::string& origin) {
  auto fail = [&](const std::string& what) { throw InputError(origin, "state", what + " (corrupt checkpoint)"); };
  const std::size_t N = state.size(), E = net.edge_count(), F = fcap.size();
  const std::size_t V = net.node_count(), A = net.arc_count();
  if (step_no < 0 || step_no > total_steps || t != step_no * dt) fail("time " + std::to_string(t) + " s is not a step of this run");
  for (std::size_t a = 0; a < N; ++a) {
    if (static_cast<int>(state[a]) >= kAgentStates) fail("agent " + std::to_string(a) + " has an unknown state");
    if ((arc[a] != kNone && arc[a] >= A) || (node[a] != kNone && node[a] >= V) ||
        (facility[a] != kNone && facility[a] >= F))
      fail("agent " + std::to_string(a) + " stands on an arc, node or facility that does not exist");
    if (wake_step[a] < -1 || wake_step[a] > total_steps) fail("agent " + std::to_string(a) + " wakes outside the run");
    if (crowd4[a] < 0 || crowd6[a] < 0) fail("agent " + std::to_string(a) + " has a negative exposure");
  }
  auto agents_ok = [&](const std::vector<std::uint32_t>& v, const char* what) {
    for (const auto a : v)
      if (a >= N) fail(std::string(what) + " names agent " + std::to_string(a) + " of " + std::to_string(N));
  };
  agents_ok(active, "the walker list");
  agents_ok(seekers, "the facility seekers");
  agents_ok(check_cover, "the route checks");
  for (const auto& b : buckets) agents_ok(b, "a wake-up");
  if (!pause_until.empty() && pause_until.size() != N) fail("pauses do not match the agents");
  for (std::size_t e = 0; e < E; ++e)
    if (closed[e] > reason_code(EdgeClosure::kFire)) fail("edge " + std::to_string(e) + " has an unknown closure reason");
  for (std::size_t f = 0; f < F; ++f)
    if (static_cast<int>(fstate[f]) > static_cast<int>(FacilityState::kFull)) fail("facility " + std::to_string(f) + " has an unknown state");
  if (next_open > open_order.size()) fail("facility openings past the last facility");
  const auto H = static_cast<std::int64_t>(htree_cell.size());
  for (const auto k : cell_tree)
    if (k < -1 || k >= H) fail("a home cell names a route tree that does not exist");
  for (std::size_t i = 0; i < htree_cell.size(); ++i) {
    const auto key = htree_cell[i];
    if (key >= cell_tree.size() || cell_tree[key] != static_cast<std::int32_t>(i) ||
        cell_root[key / static_cast<std::uint32_t>(sc.routing.route_variants)] == kNone)
      fail("route tree " + std::to_string(i) + " does not match its home cell");
  }
  for (const auto a : active)
    if (state[a] == AgentState::kWalkingHome && cell_tree[route_key(a)] < 0)
      fail("walker " + std::to_string(a) + " has no route home");
  for (const auto& r : rails) {
    if (!r.near.empty() && r.near.size() != V) fail("a rail line's catchment does not match the network");
    agents_ok(r.served, "a rail line");
  }
  for (std::size_t i = 0; i < pending.size(); ++i)
    check_command(pending[i], origin, "pending command " + std::to_string(i + 1));
  try {
    validate();
  } catch (const InvariantError& e) {
    fail(e.what());
  }
}

// Routing weights from the restored closures, then every tree that existed at the
// save, built as build_trees() built it (see the notes at the top of this section).
void Simulation::Impl::rebuild_routes() {
  make_weights();
  htrees.assign(htree_cell.size(), NextHopTree{});
  std::vector<std::uint32_t> homes(htrees.size());
  for (std::uint32_t i = 0; i < homes.size(); ++i) homes[i] = i;
  std::vector<std::pair<std::uint32_t, double>> facilities;
  for (std::uint32_t f = 0; f < ftree.size(); ++f)
    if (valid(ftree[f].root)) facilities.emplace_back(f, ftree[f].radius);
  build_listed(homes, facilities);
}

void Simulation::save_checkpoint(std::ostream& out) const {
  const Impl& m = *impl_;
  if (m.trees_dirty || !m.touched.empty())
    throw InvariantError("save_checkpoint: called inside a step (routes or edge accounting pending)");
  std::lock_guard<std::mutex> lock(m.cmd_mu);  // pending commands may arrive from another thread
  ckpt::Writer w;
  w.bytes(kCheckpointMagic, sizeof kCheckpointMagic);
  w.value(kCheckpointFormatVersion);
  w.value(kSimFormatVersion);
  w.value(kByteOrderMark);
  w.value(std::uint32_t{0});
  w.value(m.fingerprint());
  Impl::transfer(m, w);
  w.bytes(kCheckpointEnd, sizeof kCheckpointEnd);
  w.value(ckpt::hash_bytes(w.buf.data(), w.buf.size()));
  out.write(w.buf.data(), static_cast<std::streamsize>(w.buf.size()));
}

void Simulation::load_checkpoint(std::istream& in, const std::string& origin) {
  Impl& m = *impl_;
  if (m.step_no != 0 || !m.log.empty())
    throw InvariantError("load_checkpoint: the Simulation has already stepped; load into a freshly built one");
  const std::string data((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  auto fail = [&](const std::string& place, const std::string& what) { throw InputError(origin, place, what); };
  if (data.size() < sizeof kCheckpointMagic || std::memcmp(data.data(), kCheckpointMagic, sizeof kCheckpointMagic) != 0)
    fail("", data.empty() ? "the checkpoint is empty" : "not a Kitaku checkpoint (it does not start with KITAKUCP)");
  ckpt::Reader hdr(data.data(), data.size(), origin);
  char magic[sizeof kCheckpointMagic];
  hdr.bytes(magic, sizeof magic, "the header");
  std::uint32_t format = 0, model = 0, bom = 0, reserved = 0;
  hdr.value(format);
  hdr.value(model);
  hdr.value(bom);
  hdr.value(reserved);
  if (format != kCheckpointFormatVersion)
    fail("header", "checkpoint format " + std::to_string(format) + ", but this Kitaku reads format " +
                       std::to_string(kCheckpointFormatVersion));
  if (model != kSimFormatVersion)
    fail("header", "written by a Kitaku with simulation model version " + std::to_string(model) +
                       "; this one has version " + std::to_string(kSimFormatVersion));
  if (bom != kByteOrderMark) fail("header", "written on a machine with another byte order");
  const std::size_t body_at = hdr.offset() + sizeof(Impl::Fingerprint);
  if (data.size() < body_at + kTrailerBytes) fail("", "truncated: the file ends inside its header");
  const std::size_t trailer_at = data.size() - kTrailerBytes;
  std::uint64_t sum = 0;
  std::memcpy(&sum, data.data() + trailer_at + sizeof kCheckpointEnd, sizeof sum);
  if (std::memcmp(data.data() + trailer_at, kCheckpointEnd, sizeof kCheckpointEnd) != 0)
    fail("", "truncated or corrupt: no end marker (was it copied or written only in part?)");
  if (ckpt::hash_bytes(data.data(), trailer_at + sizeof kCheckpointEnd) != sum) fail("", "corrupt: the checksum does not match");

  Impl::Fingerprint saved;
  hdr.value(saved);
  const Impl::Fingerprint now = m.fingerprint();
  std::vector<std::string> diff;
  if (saved.scenario != now.scenario) diff.push_back("the scenario (its resolved TOML) differs");
  if (saved.seed != now.seed)
    diff.push_back("the seed differs (checkpoint " + std::to_string(saved.seed) + ", this run " + std::to_string(now.seed) + ")");
  if (saved.nodes != now.nodes || saved.edges != now.edges)
    diff.push_back("the network differs (checkpoint " + std::to_string(saved.nodes) + " nodes and " +
                   std::to_string(saved.edges) + " edges, this run " + std::to_string(now.nodes) + " and " +
                   std::to_string(now.edges) + ")");
  else if (saved.lengths != now.lengths)
    diff.push_back("the network's edge lengths differ");
  if (saved.facilities != now.facilities) diff.push_back("the facilities differ");
  if (saved.agents != now.agents)
    diff.push_back("the number of agents differs (checkpoint " + std::to_string(saved.agents) + ", this run " +
                   std::to_string(now.agents) + ")");
  else if (saved.population != now.population)
    diff.push_back("the population differs");
  if (!diff.empty()) {
    std::string what = "written for another run: ";
    for (std::size_t i = 0; i < diff.size(); ++i) what += (i ? "; " : "") + diff[i];
    fail("header", what);
  }

  ckpt::Reader body(data.data() + body_at, trailer_at - body_at, origin, body_at);
  {
    std::lock_guard<std::mutex> lock(m.cmd_mu);
    Impl::transfer(m, body);
  }
  if (body.remaining() != 0) body.fail("unexpected bytes after the state (corrupt)");
  m.check_loaded(origin);
  omp_set_num_threads(m.threads);
  m.rebuild_routes();
  m.partial = false;
}

}  // namespace kitaku
