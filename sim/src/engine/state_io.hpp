#pragma once
// Checkpoint transfer of the tables (checkpoint_state.cpp): every kSaved field, in
// the order for_each_table() and each table's fields() list them. One template
// runs with a ckpt::Writer to save and a ckpt::Reader to load, so the two cannot
// drift apart; a field is saved by its type (IdVector and vector of plain values:
// as a list; plain values: as bytes; and the few structured ones below).
#include <string>
#include <type_traits>

#include "../checkpoint_io.hpp"
#include "engine.hpp"
#include "kitaku/sim/error.hpp"

namespace kitaku::engine {

/// Calls f(table) for every table that has a fields() list, in checkpoint order.
template <class Tb, class F>
void for_each_table(Tb& tb, F&& f) {
  f(tb.clk);
  f(tb.ag);
  f(tb.cold);
  f(tb.lists);
  f(tb.edge);
  f(tb.speed);
  f(tb.ed);
  f(tb.acct);
  f(tb.jp);
  f(tb.js);
  f(tb.jacc);
  f(tb.fronts);
  f(tb.area);
  f(tb.fac);
  f(tb.homes);
  f(tb.routes);
  for (auto& r : tb.rails) f(r);
  f(tb.hz);
  f(tb.cmds);
  f(tb.metrics);
}

template <class T>
struct is_id_vector : std::false_type {};
template <class Id, class T>
struct is_id_vector<IdVector<Id, T>> : std::true_type {};
template <class T>
struct is_plain_vector : std::false_type {};  // a vector of trivially copyable values
template <class T>
struct is_plain_vector<std::vector<T>> : std::bool_constant<std::is_trivially_copyable_v<T>> {};

/// The length an IdVector of this id type has in this run.
template <class Id>
std::size_t expected_length(const Inputs& in) {
  if constexpr (std::is_same_v<Id, AgentId>) return in.pop.size();
  else if constexpr (std::is_same_v<Id, EdgeId>) return in.net.edge_count();
  else if constexpr (std::is_same_v<Id, ShelterId>) return in.city.facilities.size();
  else if constexpr (std::is_same_v<Id, NodeId>) return in.net.node_count();
  else return in.net.arc_count();
}

template <class Ar>
class FieldTransfer {
 public:
  static constexpr bool kLoading = Ar::kLoading;
  FieldTransfer(Ar& ar, const Inputs& in, const StepClock& clk, const FacilityTable& fac)
      : ar_(ar), in_(in), clk_(clk), fac_(fac) {}

  template <class T>
  void operator()(const char* name, T& v, Keep keep) {
    if (keep != Keep::kSaved) return;
    using U = std::remove_const_t<T>;
    if constexpr (std::is_same_v<U, PerFacility<BoundedTree>>) trees(v);
    else if constexpr (std::is_same_v<U, std::vector<std::vector<AgentId>>>) buckets(v);
    else if constexpr (std::is_same_v<U, std::vector<Command>>) commands(v, name);
    else if constexpr (std::is_same_v<U, std::vector<TimeseriesRow>>) rows(v, "timeseries rows");
    else if constexpr (std::is_same_v<U, std::vector<StationFrontRow>>) rows(v, "station front rows");
    else if constexpr (is_id_vector<U>::value) ar_.list(v.raw(), name);
    else if constexpr (is_plain_vector<U>::value) ar_.list(v, name);
    else if constexpr (std::is_trivially_copyable_v<U>) ar_.value(v);
    else throw InvariantError(std::string("checkpoint: no way to save the field \"") + name + "\"");
  }

 private:
  // Facility trees: their radius and whether built (rebuilt on load).
  template <class V>
  void trees(V& tree) {
    const std::size_t F = tree.size();
    std::vector<double> radius(F);
    std::vector<std::uint8_t> built(F);
    if constexpr (!kLoading)
      for (const ShelterId f : tree.ids()) {
        radius[index(f)] = tree[f].radius;
        built[index(f)] = valid(tree[f].root);
      }
    ar_.array(radius, F, "facility route radii");
    ar_.array(built, F, "facility routes");
    if constexpr (kLoading)
      for (const ShelterId f : tree.ids()) {
        tree[f] = BoundedTree{};
        tree[f].radius = radius[index(f)];
        tree[f].root = built[index(f)] ? fac_.node[f] : kNoNode;
      }
  }
  // Wake-ups by step: only the non-empty buckets, each with its step.
  template <class V>
  void buckets(V& b) {
    std::uint64_t nb = 0;
    if constexpr (!kLoading)
      for (const auto& x : b) nb += !x.empty();
    ar_.value(nb);
    if constexpr (kLoading) {
      if (nb > b.size()) ar_.fail("more wake-up steps than the run has");
      for (auto& x : b) x.clear();
      std::int64_t prev = -1;
      for (std::uint64_t i = 0; i < nb; ++i) {
        std::int64_t k = 0;
        ar_.value(k);
        if (k <= prev || k >= static_cast<std::int64_t>(b.size())) ar_.fail("a wake-up step out of order or range");
        prev = k;
        ar_.list(b[static_cast<std::size_t>(k)], "wake-ups");
      }
    } else {
      for (std::size_t k = 0; k < b.size(); ++k)
        if (!b[k].empty()) {
          ar_.value(static_cast<std::int64_t>(k));
          ar_.list(b[k], "wake-ups");
        }
    }
  }
  // A command's facility or edge, kept as the int64 the file has always held (-1: none).
  template <class Id>
  void id_as_int64(Id& id, const char* what) {
    std::int64_t n = valid(id) ? static_cast<std::int64_t>(index(id)) : -1;
    ar_.value(n);
    if constexpr (kLoading) {
      if (n < -1 || n >= static_cast<std::int64_t>(index(invalid_id<Id>())))
        ar_.fail(std::string(what) + ": a command's facility or edge number out of range");
      id = n < 0 ? invalid_id<Id>() : make_id<Id>(static_cast<std::uint64_t>(n));
    }
  }
  template <class V>
  void commands(V& cmds, const char* what) {
    std::uint64_t n = cmds.size();
    ar_.value(n);
    if constexpr (kLoading) {
      if (n > ar_.remaining() / 64) ar_.fail(std::string(what) + ": " + std::to_string(n) + " commands do not fit in the file");
      cmds.assign(static_cast<std::size_t>(n), Command{});
    }
    for (auto& c : cmds) {
      ar_.value(c.time_s);
      ar_.value(c.seq);
      ar_.value(c.type);
      if constexpr (kLoading)
        if (static_cast<std::uint8_t>(c.type) > static_cast<std::uint8_t>(CommandType::kResumeRail))
          ar_.fail(std::string(what) + ": unknown command type " + std::to_string(static_cast<int>(c.type)));
      id_as_int64(c.facility, what);
      id_as_int64(c.edge, what);
      ar_.value(c.value);
      ar_.value(c.x);
      ar_.value(c.y);
      ar_.value(c.radius_m);
      ar_.string(c.source);
    }
  }
  // The timeseries (and station front) rows step() records (one per output interval
  // and the end), without the extra row a stopped run() adds at the time it stopped.
  template <class V>
  void rows(V& rows, const char* name) {
    if constexpr (kLoading) {
      ar_.list(rows, name);
    } else {
      const std::int64_t interval = in_.sc.run.output_interval_s;
      std::remove_const_t<V> regular;
      for (const auto& r : rows)
        if (r.time_s % interval == 0 || r.time_s >= clk_.end_t) regular.push_back(r);
      ar_.list(regular, name);
    }
  }

  Ar& ar_;
  const Inputs& in_;
  const StepClock& clk_;
  const FacilityTable& fac_;
};

/// Saves (Writer) or loads (Reader) every kSaved field of every table.
template <class Tb, class Ar>
void transfer_tables(const Inputs& in, Tb& tb, Ar& ar) {
  FieldTransfer<Ar> io(ar, in, tb.clk, tb.fac);
  for_each_table(tb, [&](auto& table) { std::remove_cvref_t<decltype(table)>::fields(table, io); });
}

/// After loading: every saved per-node, -edge, -arc, -agent or -facility array has
/// the run's length (the pauses may also be empty: allocated by the first pause).
template <class Fail>
void check_sizes(const Inputs& in, const Tables& tb, Fail&& fail) {
  for_each_table(tb, [&](const auto& table) {
    std::remove_cvref_t<decltype(table)>::fields(table, [&](const char* name, const auto& v, Keep keep) {
      using U = std::remove_cvref_t<decltype(v)>;
      if constexpr (is_id_vector<U>::value) {
        if (keep != Keep::kSaved) return;
        if (v.empty() && static_cast<const void*>(&v) == static_cast<const void*>(&tb.hz.pause_until)) return;
        const std::size_t n = expected_length<typename U::id_type>(in);
        if (v.size() != n)
          fail(std::string(name) + " has " + std::to_string(v.size()) + " entries where this run has " + std::to_string(n));
      }
    });
  });
}

}  // namespace kitaku::engine
