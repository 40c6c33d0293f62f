#pragma once
// Every engine table (sim/src/engine/*.hpp) is a plain aggregate that lists all of
// its fields once, in a static `fields(table, f)` that calls f(name, field, kind)
// for each. The checkpoint saves the kSaved ones from that list; the others are
// made again by setup (kDerived) or are empty between steps (kScratch). A test
// (tests/sim/test_checkpoint.cpp) holds each list to the table's real field count,
// so a field added to a table but not to its list fails it instead of being left
// out of checkpoints unnoticed.
#include <cstddef>
#include <utility>

namespace kitaku::engine {

enum class Keep : unsigned char {
  kSaved,    // changes during a run: saved in checkpoints
  kDerived,  // a function of the scenario, seed, network, city, population (and of
             // the saved fields): made again when a checkpoint is loaded
  kScratch,  // working space of a step, empty or reset between steps
  kDiagnostic,  // about this process, not the run (wall times, work counters): not saved
};

namespace detail {
struct AnyField {
  template <class T>
  constexpr operator T() const noexcept;  // never defined: only for the count below
};
template <class T, std::size_t... I>
constexpr bool brace_constructible(std::index_sequence<I...>) {
  return requires { T{(static_cast<void>(I), AnyField{})...}; };
}
template <class T, std::size_t N>
constexpr std::size_t count_fields() {
  if constexpr (!brace_constructible<T>(std::make_index_sequence<N + 1>{})) return N;
  else return count_fields<T, N + 1>();
}
}  // namespace detail

/// The number of fields of aggregate T (as aggregate initialisation sees them).
template <class T>
constexpr std::size_t field_count() { return detail::count_fields<T, 0>(); }

/// The number of fields T::fields() lists.
template <class T>
std::size_t listed_field_count() {
  T t{};
  std::size_t n = 0;
  T::fields(t, [&](const char*, auto&, Keep) { ++n; });
  return n;
}

}  // namespace kitaku::engine
