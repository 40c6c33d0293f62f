// The Python module `kitaku` (docs/python.md): scenarios, a Simulation stepped from
// Python with the GIL released, operator commands, NumPy views of the state, and the
// same summary, timeseries and output files as `kitaku run`.
//
// Views: network arrays (immutable for the Simulation's life) are NumPy arrays over
// the Network's own memory, kept alive by the Python Simulation. Live state changes
// on every step, and a step runs without the GIL, so a view over the engine's arrays
// could change under a reader; agents(), edges() and facilities() instead hand out
// read-only arrays over one Snapshot (the engine's consistent copy at a step
// boundary, as the dashboard gets), filled once per step when asked and kept alive
// by the arrays themselves: an array taken at 14:50 still says 14:50 after more steps.
#include <pybind11/numpy.h>
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include <toml++/toml.h>

#include <cstdint>
#include <filesystem>
#include <fstream>
#include <memory>
#include <mutex>
#include <sstream>
#include <string>
#include <vector>

#include "kitaku/geo/city_loader.hpp"
#include "kitaku/geo/results.hpp"
#include "kitaku/sim/commands.hpp"
#include "kitaku/sim/error.hpp"
#include "kitaku/sim/scenario.hpp"
#include "kitaku/sim/simulation.hpp"
#include "kitaku/sim/snapshot.hpp"
#include "kitaku/sim/timeseries_csv.hpp"

namespace kitaku::app {
extern const char* const kDefaultScenarioToml;
}

namespace py = pybind11;

namespace kitaku::python {
namespace {

// ---- Scenarios -------------------------------------------------------------------

struct PyScenario {
  Scenario sc;
};

// Sets `key` ("population.agents") in `root` to a Python bool, int, float or str.
void set_override(toml::table& root, const std::string& key, const py::handle& value) {
  const auto fail = [&](const std::string& why) { throw InputError("overrides", "key \"" + key + "\"", why); };
  toml::table* t = &root;
  std::size_t start = 0;
  for (;;) {
    const std::size_t dot = key.find('.', start);
    const std::string part = key.substr(start, dot == std::string::npos ? std::string::npos : dot - start);
    if (part.empty()) fail("must be a dotted scenario key like \"population.agents\"");
    if (dot == std::string::npos) {
      if (const toml::node* n = t->get(part); n && (n->is_table() || n->is_array()))
        fail("names a table or an array, not a value");
      if (py::isinstance<py::bool_>(value)) t->insert_or_assign(part, value.cast<bool>());
      else if (py::isinstance<py::int_>(value)) t->insert_or_assign(part, value.cast<std::int64_t>());
      else if (py::isinstance<py::float_>(value)) t->insert_or_assign(part, value.cast<double>());
      else if (py::isinstance<py::str>(value)) t->insert_or_assign(part, value.cast<std::string>());
      else fail("the value must be a bool, an int, a float or a str, not " +
                py::str(py::type::of(value).attr("__name__")).cast<std::string>());
      return;
    }
    toml::node* n = t->get(part);
    if (!n) {
      t->insert(part, toml::table{});
      n = t->get(part);
    }
    if (!n->is_table()) fail("\"" + key.substr(0, dot) + "\" is not a table");
    t = n->as_table();
    start = dot + 1;
  }
}

PyScenario load(const std::optional<std::string>& path, const py::dict& overrides) {
  std::string text, origin = "<embedded default>", base_dir = ".";
  if (path) {
    origin = *path;
    std::ifstream in(*path, std::ios::binary);
    if (!in) throw InputError(*path, "", "cannot open scenario file");
    std::ostringstream ss;
    ss << in.rdbuf();
    text = ss.str();
    base_dir = std::filesystem::path(*path).parent_path().string();
    if (base_dir.empty()) base_dir = ".";
  } else {
    text = app::kDefaultScenarioToml;
  }
  if (overrides.empty()) return {parse_scenario(text, origin, base_dir)};
  // Parse the file as it is first, so that its own errors name its own lines.
  parse_scenario(text, origin, base_dir);
  toml::table root;
  try {
    root = toml::parse(text, origin);
  } catch (const toml::parse_error& e) {
    throw InputError(origin, "", std::string(e.description()));
  }
  for (const auto& [k, v] : overrides) set_override(root, py::str(k).cast<std::string>(), v);
  std::ostringstream o;
  o << toml::toml_formatter(root);
  try {
    return {parse_scenario(o.str(), origin, base_dir)};
  } catch (const InputError& e) {  // the overridden text's lines mean nothing to the caller
    throw InputError(origin + " with overrides", "", e.problem());
  }
}

// ---- Commands --------------------------------------------------------------------

// A dict {"type": "close_edge", "edge": 12, ...} or a commands.log line.
Command to_command(const py::handle& obj) {
  if (py::isinstance<py::str>(obj)) {
    // The keys left out take their defaults: now, no facility or edge, zeros.
    std::string line = obj.cast<std::string>();
    for (const char* kv : {"time_s=0", "seq=0", "facility=-1", "edge=-1", "value=0", "x=0", "y=0", "radius_m=0",
                           "source=python"}) {
      const std::string key = std::string(kv).substr(0, std::string(kv).find('=') + 1);
      if (line.find(key) != 0 && line.find(" " + key) == std::string::npos) line += std::string(" ") + kv;
    }
    return parse_command_line(line, "submit", 1);
  }
  if (!py::isinstance<py::dict>(obj))
    throw InputError("submit", "", "a command is a dict like {\"type\": \"close_edge\", \"edge\": 12} or a "
                                   "commands.log line like \"type=close_edge edge=12\"");
  const py::dict d = obj.cast<py::dict>();
  Command c;
  c.source = "python";
  bool has_type = false;
  for (const auto& [kh, v] : d) {
    const std::string k = py::str(kh).cast<std::string>();
    if (k == "type") {
      const std::string name = py::str(v).cast<std::string>();
      if (!parse_command_type(name, c.type)) throw InputError("submit", "type", "unknown command \"" + name + "\"");
      has_type = true;
    } else if (k == "time_s") c.time_s = v.cast<std::int64_t>();
    else if (k == "facility") c.facility = make_id<ShelterId>(v.cast<std::uint32_t>());
    else if (k == "edge") c.edge = make_id<EdgeId>(v.cast<std::uint32_t>());
    else if (k == "value") c.value = v.cast<double>();
    else if (k == "x") c.x = v.cast<double>();
    else if (k == "y") c.y = v.cast<double>();
    else if (k == "radius_m") c.radius_m = v.cast<double>();
    else if (k == "source") c.source = py::str(v).cast<std::string>();
    else
      throw InputError("submit", k, "unknown key (type, time_s, facility, edge, value, x, y, radius_m, source)");
  }
  if (!has_type) throw InputError("submit", "", "the command has no \"type\"");
  return c;
}

py::dict command_dict(const Command& c) {
  py::dict d;
  d["time_s"] = c.time_s;
  d["seq"] = c.seq;
  d["type"] = std::string(command_name(c.type));
  d["facility"] = c.facility == kNoShelter ? -1 : static_cast<std::int64_t>(index(c.facility));
  d["edge"] = c.edge == kNoEdge ? -1 : static_cast<std::int64_t>(index(c.edge));
  d["value"] = c.value;
  d["x"] = c.x;
  d["y"] = c.y;
  d["radius_m"] = c.radius_m;
  d["source"] = c.source;
  return d;
}

// ---- Views -----------------------------------------------------------------------

// One step's state, shared by every array handed out from it.
struct View {
  std::int64_t time_s = -1;
  bool with_agents = false;
  Snapshot snap;
  std::vector<std::int32_t> agent_edge;  // -1: not on an edge
  std::vector<float> edge_flow;          // persons/(m s): density x speed
  double persons_per_agent = 1;
};

template <class T, class Owner>
py::array array_over(const T* data, std::size_t n, const std::shared_ptr<Owner>& owner,
                     py::ssize_t stride = sizeof(T)) {
  auto* keep = new std::shared_ptr<Owner>(owner);
  py::capsule base(keep, [](void* p) { delete static_cast<std::shared_ptr<Owner>*>(p); });
  py::array a(py::dtype::of<T>(), {static_cast<py::ssize_t>(n)}, {stride}, data, base);
  py::detail::array_proxy(a.ptr())->flags &= ~py::detail::npy_api::NPY_ARRAY_WRITEABLE_;
  return a;
}

// A uint8 array over a vector of one-byte enums.
template <class E, class Owner>
py::array enum_array(const std::vector<E>& v, const std::shared_ptr<Owner>& owner) {
  static_assert(sizeof(E) == 1);
  return array_over(reinterpret_cast<const std::uint8_t*>(v.data()), v.size(), owner);
}

// ---- The simulation --------------------------------------------------------------

class PySimulation {
 public:
  PySimulation(const PyScenario& s, int threads, std::optional<std::uint64_t> seed, bool check)
      : sc_(s.sc), city_(std::make_shared<geo::LoadedCity>()) {
    if (threads < 0 || threads > 1024) throw InputError("Simulation", "threads", "must be in [0, 1024] (0: OpenMP's default)");
    if (seed) sc_.seed = *seed;
    RunConfig cfg;
    cfg.seed = sc_.seed;
    cfg.threads = threads;
    cfg.check_invariants = check;
    py::gil_scoped_release nogil;
    *city_ = geo::load_city(sc_);
    sim_ = std::make_unique<Simulation>(city_->network.network, city_->city, sc_, cfg);
  }

  bool step() {
    const auto lock = lock_without_gil();
    py::gil_scoped_release nogil;
    return sim_->step();
  }

  // Steps until the time reaches t (seconds after the quake) or the run ends. Ctrl-C
  // is seen between batches of steps.
  void run_until(std::int64_t t) {
    const auto lock = lock_without_gil();
    for (;;) {
      {
        py::gil_scoped_release nogil;
        for (int i = 0; i < 64; ++i)
          if (sim_->done() || sim_->time_s() >= t || !sim_->step()) break;
      }
      if (sim_->done() || sim_->time_s() >= t) return;
      if (PyErr_CheckSignals() != 0) throw py::error_already_set();
    }
  }

  void run() { run_until(sim_->duration_s()); }

  void submit(const py::handle& command) { sim_->submit(to_command(command)); }

  std::int64_t time() const { return sim_->time_s(); }
  std::int64_t duration() const { return sim_->duration_s(); }
  bool done() const { return sim_->done(); }
  std::size_t agent_count() const { return sim_->agent_count(); }
  const Scenario& scenario() const { return sc_; }

  py::dict agents() {
    const auto v = view(true);
    py::dict d;
    d["state"] = enum_array(v->snap.agent_state, v);
    d["edge"] = array_over(v->agent_edge.data(), v->agent_edge.size(), v);
    d["x"] = array_over(v->snap.agent_x.data(), v->snap.agent_x.size(), v);
    d["y"] = array_over(v->snap.agent_y.data(), v->snap.agent_y.size(), v);
    d["persons"] = array_over(&v->persons_per_agent, v->agent_edge.size(), v, 0);  // one value, stride 0
    return d;
  }

  py::dict edges() {
    const auto v = view(false);
    py::dict d;
    d["density"] = array_over(v->snap.edge_density.data(), v->snap.edge_density.size(), v);
    d["speed"] = array_over(v->snap.edge_speed.data(), v->snap.edge_speed.size(), v);
    d["flow"] = array_over(v->edge_flow.data(), v->edge_flow.size(), v);
    d["closed"] = array_over(v->snap.edge_closed.data(), v->snap.edge_closed.size(), v);
    return d;
  }

  py::dict facilities() {
    const auto v = view(false);
    const Snapshot& s = v->snap;
    py::dict d;
    d["occupancy"] = array_over(s.facility_occupancy.data(), s.facility_occupancy.size(), v);
    d["reserved"] = array_over(s.facility_reserved.data(), s.facility_reserved.size(), v);
    d["capacity"] = array_over(s.facility_capacity.data(), s.facility_capacity.size(), v);
    d["state"] = enum_array(s.facility_state, v);
    d["damaged"] = array_over(s.facility_damaged.data(), s.facility_damaged.size(), v);
    d["open_at_s"] = array_over(s.facility_open_at_s.data(), s.facility_open_at_s.size(), v);
    return d;
  }

  // The network's fixed arrays, over its own memory (kept alive by `self`).
  py::dict network(py::object self) {
    const NetworkData& nd = city_->network.network.data();
    const auto over = [&](const auto& vec) {
      using T = typename std::decay_t<decltype(vec)>::value_type;
      py::array a(py::dtype::of<T>(), {static_cast<py::ssize_t>(vec.size())}, {static_cast<py::ssize_t>(sizeof(T))},
                  vec.data(), self);
      py::detail::array_proxy(a.ptr())->flags &= ~py::detail::npy_api::NPY_ARRAY_WRITEABLE_;
      return a;
    };
    const auto ids = [&](const std::vector<NodeId>& v) {
      static_assert(sizeof(NodeId) == sizeof(std::uint32_t));
      py::array a(py::dtype::of<std::uint32_t>(), {static_cast<py::ssize_t>(v.size())},
                  {static_cast<py::ssize_t>(sizeof(NodeId))}, reinterpret_cast<const std::uint32_t*>(v.data()), self);
      py::detail::array_proxy(a.ptr())->flags &= ~py::detail::npy_api::NPY_ARRAY_WRITEABLE_;
      return a;
    };
    py::dict d;
    d["length_m"] = over(nd.edge_length_m);
    d["width_m"] = over(nd.edge_width_m);
    d["flags"] = over(nd.edge_flags);
    d["source_id"] = over(nd.edge_source_id);
    d["from_node"] = ids(nd.edge_from);
    d["to_node"] = ids(nd.edge_to);
    static_assert(sizeof(Point) == 2 * sizeof(double));
    py::array xy(py::dtype::of<double>(), {static_cast<py::ssize_t>(nd.node_pos.size()), py::ssize_t{2}},
                 {static_cast<py::ssize_t>(sizeof(Point)), static_cast<py::ssize_t>(sizeof(double))},
                 reinterpret_cast<const double*>(nd.node_pos.data()), self);
    py::detail::array_proxy(xy.ptr())->flags &= ~py::detail::npy_api::NPY_ARRAY_WRITEABLE_;
    d["node_xy"] = xy;
    py::list names;
    for (std::size_t e = 0; e < nd.edge_count(); ++e) names.append(nd.names[nd.edge_name[e]]);
    d["name"] = names;
    d["epsg"] = nd.epsg;
    return d;
  }

  py::dict summary() {
    const auto lock = lock_without_gil();
    const Summary s = sim_->summary();
    py::dict d;
    d["agents"] = s.agents;
    d["persons_per_agent"] = s.persons_per_agent;
    d["persons"] = static_cast<double>(s.agents) * s.persons_per_agent;
    d["seed"] = s.seed;
    d["threads"] = s.threads;
    d["sim_seconds"] = s.sim_seconds;
    d["wall_seconds"] = s.wall_seconds;
    d["partial"] = s.partial;
    d["person_minutes_ge6"] = s.person_minutes_ge6;
    d["person_minutes_ge4"] = s.person_minutes_ge4;
    d["peak_km_road_ge6"] = s.peak_km_road_ge6;
    d["peak_sheltered"] = s.peak_sheltered;
    d["peak_unsheltered_stranded"] = s.peak_unsheltered_stranded;
    d["arrived_home"] = s.arrived_home;
    d["by_rail"] = s.by_rail;
    d["walkers"] = s.walkers;
    d["persons_ge6_3h"] = s.persons_ge6_3h;
    d["share_walkers_ge6_3h"] = s.share_walkers_ge6_3h;
    d["persons_ge6_1h"] = s.persons_ge6_1h;
    d["persons_ge4_3h"] = s.persons_ge4_3h;
    d["junction_person_minutes_ge6"] = s.junction_person_minutes_ge6;
    d["total_person_minutes_ge6"] = s.total_person_minutes_ge6;
    d["peak_junction_density"] = s.peak_junction_density;
    d["share_walkers_ge6_3h_with_junctions"] = s.share_walkers_ge6_3h_with_junctions;
    d["places_ge6_3h"] = s.places_ge6_3h;
    d["agent_steps"] = s.agent_steps;
    d["commands_applied"] = s.commands_applied;
    return d;
  }

  // The columns of timeseries.csv, as NumPy arrays (pandas.DataFrame takes the dict).
  py::dict timeseries() {
    const auto lock = lock_without_gil();
    const auto& rows = sim_->timeseries();
    const std::vector<std::string> cols = timeseries_columns();
    const auto n = static_cast<py::ssize_t>(rows.size());
    py::dict d;
    const auto int_col = [&](const std::string& name, auto get) {
      py::array_t<std::int64_t> a(n);
      auto m = a.mutable_unchecked<1>();
      for (py::ssize_t i = 0; i < n; ++i) m(i) = get(rows[static_cast<std::size_t>(i)]);
      d[py::str(name)] = a;
    };
    const auto real_col = [&](const std::string& name, auto get) {
      py::array_t<double> a(n);
      auto m = a.mutable_unchecked<1>();
      for (py::ssize_t i = 0; i < n; ++i) m(i) = get(rows[static_cast<std::size_t>(i)]);
      d[py::str(name)] = a;
    };
    std::size_t c = 0;
    int_col(cols[c++], [](const TimeseriesRow& r) { return r.time_s; });
    int_col(cols[c++], [](const TimeseriesRow& r) { return r.agents; });
    const double w = sim_->population().persons_per_agent;
    real_col(cols[c++], [w](const TimeseriesRow&) { return w; });
    for (int s = 0; s < kAgentStates; ++s)
      int_col(cols[c++], [s](const TimeseriesRow& r) { return r.state[static_cast<std::size_t>(s)]; });
    for (int s = 0; s < kAgentStates; ++s)
      real_col(cols[c++], [s, w](const TimeseriesRow& r) { return static_cast<double>(r.state[static_cast<std::size_t>(s)]) * w; });
    real_col(cols[c++], [](const TimeseriesRow& r) { return r.persons_sheltered; });
    real_col(cols[c++], [](const TimeseriesRow& r) { return r.persons_walking; });
    real_col(cols[c++], [](const TimeseriesRow& r) { return r.persons_ge4; });
    real_col(cols[c++], [](const TimeseriesRow& r) { return r.persons_ge6; });
    real_col(cols[c++], [](const TimeseriesRow& r) { return r.km_ge6; });
    int_col(cols[c++], [](const TimeseriesRow& r) { return r.facilities_open; });
    int_col(cols[c++], [](const TimeseriesRow& r) { return r.facilities_full; });
    real_col(cols[c++], [](const TimeseriesRow& r) { return r.persons_at_junctions; });
    real_col(cols[c++], [](const TimeseriesRow& r) { return r.persons_junction_ge4; });
    real_col(cols[c++], [](const TimeseriesRow& r) { return r.persons_junction_ge6; });
    int_col(cols[c++], [](const TimeseriesRow& r) { return r.junctions_ge6; });
    real_col(cols[c++], [](const TimeseriesRow& r) { return r.persons_station_fronts; });
    int_col(cols[c++], [](const TimeseriesRow& r) { return r.places_ge6; });
    if (c != cols.size()) throw std::logic_error("timeseries: the columns changed; update python/kitaku_module.cpp");
    return d;
  }

  std::string timeseries_csv_text() {
    const auto lock = lock_without_gil();
    return timeseries_csv(sim_->timeseries(), sim_->population().persons_per_agent);
  }

  py::list command_log() {
    const auto lock = lock_without_gil();
    py::list l;
    for (const Command& c : sim_->command_log()) l.append(command_dict(c));
    return l;
  }

  // The outputs of `kitaku run` for the run so far, written the same way.
  void write_outputs(const std::string& dir) {
    const auto lock = lock_without_gil();
    geo::RunOutputs out;
    out.network = &city_->network.network;
    out.city = &sim_->city();
    out.timeseries = sim_->timeseries();
    out.station_fronts = sim_->station_fronts();
    out.edges = sim_->edge_stats();
    out.facilities = sim_->facility_stats();
    out.summary = sim_->summary();
    out.population = &sim_->population();
    out.agents = sim_->agent_records();
    out.quake_clock_s = sc_.quake.clock_s;
    out.commands = sim_->command_log();
    out.scenario_toml = to_toml(sc_);
    out.kitaku_version = KITAKU_VERSION;
    out.scenario_name = sc_.name;
    py::gil_scoped_release nogil;
    geo::write_run_outputs(dir, out);
  }

  void validate() {
    const auto lock = lock_without_gil();
    sim_->validate();
  }

 private:
  // The simulation's lock, waited for without the GIL: a thread stepping with the
  // lock held takes the GIL back between batches of steps, so waiting with it
  // would deadlock.
  std::unique_lock<std::mutex> lock_without_gil() {
    py::gil_scoped_release nogil;
    return std::unique_lock<std::mutex>(mu_);
  }

  std::shared_ptr<const View> view(bool with_agents) {
    const auto lock = lock_without_gil();
    const std::int64_t t = sim_->time_s();
    if (view_ && view_->time_s == t && (view_->with_agents || !with_agents)) return view_;
    auto v = std::make_shared<View>();
    v->time_s = t;
    v->with_agents = with_agents;
    v->persons_per_agent = sim_->population().persons_per_agent;
    sim_->fill_snapshot(v->snap, with_agents);
    v->edge_flow.resize(v->snap.edge_density.size());
    for (std::size_t e = 0; e < v->edge_flow.size(); ++e)
      v->edge_flow[e] = v->snap.edge_density[e] * v->snap.edge_speed[e];
    if (with_agents) {
      v->agent_edge.resize(sim_->agent_count());
      for (std::size_t a = 0; a < v->agent_edge.size(); ++a) {
        const EdgeId e = sim_->agent_edge(make_id<AgentId>(a));
        v->agent_edge[a] = e == kNoEdge ? -1 : static_cast<std::int32_t>(index(e));
      }
    }
    view_ = v;
    return view_;
  }

  Scenario sc_;
  std::shared_ptr<geo::LoadedCity> city_;
  std::unique_ptr<Simulation> sim_;
  std::mutex mu_;  // one caller at a time: a step runs without the GIL (lock_without_gil)
  std::shared_ptr<const View> view_;  // the last step's, while the time is the same
};

py::exception<InputError>* g_input_error = nullptr;  // kitaku.InputError (a ValueError)

}  // namespace
}  // namespace kitaku::python

PYBIND11_MODULE(kitaku, m) {
  using namespace kitaku;
  using namespace kitaku::python;
  m.doc() = "Kitaku: stranded-commuter simulation after a great Tokyo earthquake (docs/python.md)";
  m.attr("__version__") = KITAKU_VERSION;

  // Never freed: the exception type must outlive every translation, up to shutdown.
  g_input_error = new py::exception<InputError>(m, "InputError", PyExc_ValueError);
  py::register_exception_translator([](std::exception_ptr p) {
    try {
      if (p) std::rethrow_exception(p);
    } catch (const InputError& e) {
      PyErr_SetString(g_input_error->ptr(), printable(e.what()).c_str());  // the CLI's "FILE: PLACE: PROBLEM"
    } catch (const InvariantError& e) {
      PyErr_SetString(PyExc_RuntimeError, e.what());
    }
  });

  py::list states;
  for (int s = 0; s < kAgentStates; ++s) states.append(std::string(state_name(static_cast<AgentState>(s))));
  m.attr("AGENT_STATES") = py::tuple(states);
  py::list fstates;
  for (int s = 0; s < 3; ++s) fstates.append(std::string(facility_state_name(static_cast<FacilityState>(s))));
  m.attr("FACILITY_STATES") = py::tuple(fstates);
  m.attr("EDGE_BRIDGE") = static_cast<int>(kBridge);
  m.attr("EDGE_STAIRS") = static_cast<int>(kStairs);
  m.attr("EDGE_TUNNEL") = static_cast<int>(kTunnel);

  py::class_<PyScenario>(m, "Scenario", "A scenario (docs/scenario-format.md), resolved and checked")
      .def_property_readonly("name", [](const PyScenario& s) { return s.sc.name; })
      .def_property_readonly("origin", [](const PyScenario& s) { return s.sc.origin; })
      .def_property_readonly("seed", [](const PyScenario& s) { return s.sc.seed; })
      .def_property_readonly("duration_s", [](const PyScenario& s) {
        return static_cast<std::int64_t>(s.sc.run.duration_h * 3600 + 0.5);
      })
      .def("to_toml", [](const PyScenario& s) { return to_toml(s.sc); }, "The scenario as run, every key resolved")
      .def("__repr__", [](const PyScenario& s) { return "<kitaku.Scenario '" + s.sc.name + "' from " + s.sc.origin + ">"; });

  m.def("load_scenario", &load, py::arg("path") = py::none(), py::arg("overrides") = py::dict(),
        "Reads a scenario file (None: the embedded default). overrides maps dotted keys "
        "(\"population.agents\") to values. Bad files and keys raise kitaku.InputError with the CLI's message.");

  py::class_<PySimulation>(m, "Simulation", "One run of a scenario (docs/python.md)")
      .def(py::init<const PyScenario&, int, std::optional<std::uint64_t>, bool>(), py::arg("scenario"),
           py::arg("threads") = 0, py::arg("seed") = py::none(), py::arg("check_invariants") = false,
           "Loads the scenario's city and places the agents. threads=0: OpenMP's default; seed=None: the "
           "scenario's. Results do not depend on threads.")
      .def("step", &PySimulation::step, "One time step; False once the run's duration is reached")
      .def("run_until", &PySimulation::run_until, py::arg("t"), "Steps until time >= t seconds or the end")
      .def("run", &PySimulation::run, "Steps to the end of the run")
      .def_property_readonly("time", &PySimulation::time, "Seconds after the quake")
      .def_property_readonly("duration", &PySimulation::duration, "Seconds simulated in all")
      .def_property_readonly("done", &PySimulation::done)
      .def_property_readonly("agent_count", &PySimulation::agent_count)
      .def("submit", &PySimulation::submit, py::arg("command"),
           "Queues an operator command, applied at the next step boundary: a dict "
           "{\"type\": \"close_edge\", \"edge\": 12} or a commands.log line")
      .def("agents", &PySimulation::agents, "Read-only arrays per agent: state, edge (-1: none), x, y, persons")
      .def("edges", &PySimulation::edges, "Read-only arrays per edge: density (p/m2), speed (m/s), flow (p/(m s)), closed")
      .def("facilities", &PySimulation::facilities,
           "Read-only arrays per facility: occupancy, reserved, capacity (persons), state, damaged, open_at_s")
      .def("network", [](py::object self) { return self.cast<PySimulation&>().network(self); },
           "The network's fixed arrays per edge (length_m, width_m, flags, source_id, from_node, to_node, name) "
           "and node_xy")
      .def("summary", &PySimulation::summary, "The headline figures of summary.json")
      .def("timeseries", &PySimulation::timeseries, "The columns of timeseries.csv as NumPy arrays")
      .def("timeseries_csv", &PySimulation::timeseries_csv_text, "timeseries.csv's text")
      .def("command_log", &PySimulation::command_log, "The commands applied so far")
      .def("write_outputs", &PySimulation::write_outputs, py::arg("dir"),
           "Writes kitaku run's output files for the run so far into dir")
      .def("validate", &PySimulation::validate, "Checks the engine's invariants (RuntimeError naming a broken one)");
}
