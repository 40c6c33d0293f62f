// Checkpoints (engine.hpp, "checkpoints").
//
// Layout: a header (magic, format and model versions, byte order, the run's
// fingerprint), then every kSaved field of every table, in the order for_each_table
// and the tables' fields() list them, then an end marker and a checksum of
// everything before it. The rest is made again by setup or rebuilt by load:
// - kDerived fields (edge capacities and thresholds, home cells and route
//   variants, facility nodes, grid and opening times, the hazard plan, rail
//   polylines) are a function of the scenario, the seed, the city and the
//   population, which the fingerprint pins;
// - routing weights and route trees are a function of the closures. Weights are
//   make_weights() of the closures. Every step ends after the routes phase, and a
//   closure or reopening rebuilds or repairs every tree it could change (a repaired
//   tree is bit for bit a fresh build, route_trees.hpp), so between steps each home
//   tree is exactly build_next_hop_tree(weights, its cell's root) and each built
//   facility tree build_bounded_tree(weights, its node, its radius). Both builders
//   are deterministic, so rebuild_routes() makes the very same trees. (This rests
//   on "a tree in use is what a fresh build under the current weights gives",
//   docs/model.md, "Routing"; tests/sim/test_checkpoint.cpp resumes across
//   closures, reopenings and fires to check it.) Storing them instead would cost a
//   byte per node per home tree and nine per node per facility tree: about 150 MB
//   for the default scenario, against 11 MB now;
// - kScratch fields (thread buffers, request counts, touch stamps, the area grid's
//   stamps) are empty or reset between steps; kDiagnostic ones describe this
//   process (wall time by phase, tree work counters), not the run.
#include <cstring>
#include <istream>
#include <iterator>
#include <ostream>
#include <type_traits>

#include "../checkpoint_io.hpp"
#include "engine.hpp"
#include "kitaku/sim/checkpoint.hpp"
#include "kitaku/sim/error.hpp"
#include "state_io.hpp"

namespace kitaku::engine {

namespace {

constexpr char kCheckpointMagic[8] = {'K', 'I', 'T', 'A', 'K', 'U', 'C', 'P'};
constexpr char kCheckpointEnd[8] = {'K', 'I', 'T', 'A', 'K', 'E', 'N', 'D'};
constexpr std::uint32_t kByteOrderMark = 0x01020304u;
constexpr std::size_t kTrailerBytes = 16;  // end marker + checksum

static_assert(std::is_trivially_copyable_v<TimeseriesRow> && sizeof(TimeseriesRow) == 24 * 8,
              "TimeseriesRow is saved as its bytes: no padding");
static_assert(std::is_trivially_copyable_v<StationFrontRow> && sizeof(StationFrontRow) == 4 * 8,
              "StationFrontRow is saved as its bytes: no padding");

struct Fingerprint {
  std::uint64_t scenario = 0, seed = 0, nodes = 0, edges = 0, lengths = 0, agents = 0, facilities = 0, population = 0;
};

Fingerprint fingerprint(const Inputs& in) {
  Fingerprint f;
  const std::string toml = to_toml(in.sc);
  f.scenario = ckpt::hash_bytes(toml.data(), toml.size());
  f.seed = in.cfg.seed;
  f.nodes = in.net.node_count();
  f.edges = in.net.edge_count();
  std::vector<float> len(in.net.edge_count());
  for (std::size_t e = 0; e < len.size(); ++e) len[e] = in.net.length(make_id<EdgeId>(e));
  f.lengths = ckpt::hash_vector(len);
  f.agents = in.pop.size();
  std::uint64_t h = ckpt::hash_bytes(nullptr, 0);
  for (const Facility& fa : in.city.facilities) {  // as built: commands change capacities later
    h = ckpt::hash_bytes(&fa.pos, sizeof fa.pos, h);
    h = ckpt::hash_bytes(&fa.capacity, sizeof fa.capacity, h);
  }
  f.facilities = h;
  const double w = in.w();
  h = ckpt::hash_bytes(&w, sizeof w);
  h = ckpt::hash_vector(in.pop.origin, h);
  h = ckpt::hash_vector(in.pop.home, h);
  h = ckpt::hash_vector(in.pop.v_free, h);
  h = ckpt::hash_vector(in.pop.activity, h);
  h = ckpt::hash_vector(in.pop.age, h);
  h = ckpt::hash_vector(in.pop.vulnerable, h);
  h = ckpt::hash_vector(in.pop.departure_s, h);
  f.population = h;
  return f;
}

// After loading: everything an index or a step reads is in range (a corrupt file
// must not crash the run), and the invariants hold.
void check_loaded(const Inputs& in, const Tables& tb, const std::string& origin) {
  auto fail = [&](const std::string& what) { throw InputError(origin, "state", what + " (corrupt checkpoint)"); };
  check_sizes(in, tb, fail);
  const AgentsHot& ag = tb.ag;
  const std::size_t N = ag.size(), F = tb.fac.cap.size();
  const std::size_t V = in.net.node_count(), A = in.net.arc_count();
  const StepClock& clk = tb.clk;
  if (clk.step_no < 0 || clk.step_no > clk.total_steps || clk.t != clk.step_no * clk.dt)
    fail("time " + std::to_string(clk.t) + " s is not a step of this run");
  for (const AgentId a : ag.state.ids()) {
    if (static_cast<int>(ag.state[a]) >= kAgentStates) fail("agent " + std::to_string(index(a)) + " has an unknown state");
    if ((valid(ag.arc[a]) && index(ag.arc[a]) >= A) || (valid(ag.node[a]) && index(ag.node[a]) >= V) ||
        (valid(ag.facility[a]) && index(ag.facility[a]) >= F))
      fail("agent " + std::to_string(index(a)) + " stands on an arc, node or facility that does not exist");
    if (ag.wake_step[a] < -1 || ag.wake_step[a] > clk.total_steps)
      fail("agent " + std::to_string(index(a)) + " wakes outside the run");
    if (ag.crowd4[a] < 0 || ag.crowd6[a] < 0) fail("agent " + std::to_string(index(a)) + " has a negative exposure");
    if (valid(ag.stand[a]) && index(ag.stand[a]) >= V)
      fail("agent " + std::to_string(index(a)) + " stands at a node that does not exist");
    const AgentsCold& cold = tb.cold;
    if (valid(cold.entered[a]) && index(cold.entered[a]) >= F)
      fail("agent " + std::to_string(index(a)) + " went into a facility that does not exist");
    if (cold.walking_s[a] < 0 || !(cold.walked_off[a] >= 0))
      fail("agent " + std::to_string(index(a)) + " has a negative time walking or distance off the network");
  }
  auto agents_ok = [&](const std::vector<AgentId>& v, const char* what) {
    for (const AgentId a : v)
      if (index(a) >= N) fail(std::string(what) + " names agent " + std::to_string(index(a)) + " of " + std::to_string(N));
  };
  agents_ok(tb.lists.active, "the walker list");
  agents_ok(tb.lists.seekers, "the facility seekers");
  agents_ok(tb.lists.check_cover, "the route checks");
  for (const auto& b : tb.lists.buckets) agents_ok(b, "a wake-up");
  for (const EdgeId e : tb.ed.closed.ids())
    if (tb.ed.closed[e] > static_cast<std::uint8_t>(EdgeClosure::kFire))
      fail("edge " + std::to_string(index(e)) + " has an unknown closure reason");
  for (const ShelterId f : tb.fac.state.ids())
    if (static_cast<int>(tb.fac.state[f]) > static_cast<int>(FacilityState::kFull))
      fail("facility " + std::to_string(index(f)) + " has an unknown state");
  if (tb.fac.next_open > tb.fac.open_order.size()) fail("facility openings past the last facility");
  const HomeRoutes& h = tb.homes;
  const auto H = static_cast<std::int64_t>(h.tree_key.size());
  for (const auto k : h.cell_tree)
    if (k < -1 || k >= H) fail("a home cell names a route tree that does not exist");
  const auto K = static_cast<std::uint32_t>(in.sc.routing.route_variants);
  for (std::size_t i = 0; i < h.tree_key.size(); ++i) {
    const auto key = h.tree_key[i];
    if (key >= h.cell_tree.size() || h.cell_tree[key] != static_cast<std::int32_t>(i) || !valid(h.cell_root[key / K]))
      fail("route tree " + std::to_string(i) + " does not match its home cell");
  }
  for (const AgentId a : tb.lists.active)
    if (ag.state[a] == AgentState::kWalkingHome && h.cell_tree[route_key(in.sc, tb.cold, a)] < 0)
      fail("walker " + std::to_string(index(a)) + " has no route home");
  for (const auto& r : tb.rails) {
    if (!r.near.empty() && r.near.size() != V) fail("a rail line's catchment does not match the network");
    if (r.head > r.served.size()) fail("rail line: position past its passenger list");
    agents_ok(r.served, "a rail line");
  }
  for (std::size_t i = 0; i < tb.cmds.pending.size(); ++i)
    check_command(in, tb.cmds.pending[i], origin, "pending command " + std::to_string(i + 1));
  try {
    validate(in, tb);
  } catch (const InvariantError& e) {
    fail(e.what());
  }
}

// Routing weights from the restored closures, then every tree that existed at the
// save, built as the routes phase built it (see the notes at the top).
void rebuild_routes(const Inputs& in, Tables& tb) {
  make_weights(in, tb.ed, tb.routes);
  tb.homes.trees.assign(tb.homes.tree_key.size(), NextHopTree{});
  std::vector<std::uint32_t> homes(tb.homes.trees.size());
  for (std::uint32_t i = 0; i < homes.size(); ++i) homes[i] = i;
  std::vector<std::pair<ShelterId, double>> facilities;
  for (const ShelterId f : tb.fac.tree.ids())
    if (valid(tb.fac.tree[f].root)) facilities.emplace_back(f, tb.fac.tree[f].radius);
  build_listed(in, tb.fac, tb.homes, tb.routes, tb.fac.tree, homes, facilities);
}

}  // namespace

void save_state(const Inputs& in, const Tables& tb, std::mutex& queue_mu, std::ostream& out) {
  if (tb.routes.trees_dirty || !tb.ed.touched.empty())
    throw InvariantError("save_checkpoint: called inside a step (routes or edge accounting pending)");
  std::lock_guard<std::mutex> lock(queue_mu);  // pending commands may arrive from another thread
  ckpt::Writer w;
  w.bytes(kCheckpointMagic, sizeof kCheckpointMagic);
  w.value(kCheckpointFormatVersion);
  w.value(kSimFormatVersion);
  w.value(kByteOrderMark);
  w.value(std::uint32_t{0});
  w.value(fingerprint(in));
  transfer_tables(in, tb, w);
  w.bytes(kCheckpointEnd, sizeof kCheckpointEnd);
  w.value(ckpt::hash_bytes(w.buf.data(), w.buf.size()));
  out.write(w.buf.data(), static_cast<std::streamsize>(w.buf.size()));
}

void load_state(const Inputs& in, Tables& tb, std::mutex& queue_mu, std::istream& is, const std::string& origin) {
  if (tb.clk.step_no != 0 || !tb.cmds.log.empty())
    throw InvariantError("load_checkpoint: the Simulation has already stepped; load into a freshly built one");
  const std::string data((std::istreambuf_iterator<char>(is)), std::istreambuf_iterator<char>());
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
  const std::size_t body_at = hdr.offset() + sizeof(Fingerprint);
  if (data.size() < body_at + kTrailerBytes) fail("", "truncated: the file ends inside its header");
  const std::size_t trailer_at = data.size() - kTrailerBytes;
  std::uint64_t sum = 0;
  std::memcpy(&sum, data.data() + trailer_at + sizeof kCheckpointEnd, sizeof sum);
  if (std::memcmp(data.data() + trailer_at, kCheckpointEnd, sizeof kCheckpointEnd) != 0)
    fail("", "truncated or corrupt: no end marker (was it copied or written only in part?)");
  if (ckpt::hash_bytes(data.data(), trailer_at + sizeof kCheckpointEnd) != sum) fail("", "corrupt: the checksum does not match");

  Fingerprint saved;
  hdr.value(saved);
  const Fingerprint now = fingerprint(in);
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
    std::lock_guard<std::mutex> lock(queue_mu);
    transfer_tables(in, tb, body);
  }
  if (body.remaining() != 0) body.fail("unexpected bytes after the state (corrupt)");
  check_loaded(in, tb, origin);
  rebuild_routes(in, tb);
  tb.metrics.partial = false;
}

}  // namespace kitaku::engine
