// The engine's tables (sim/src/engine): each lists every one of its fields once,
// so that the checkpoint, which saves the kSaved fields from those lists, cannot
// leave out state a table gains.
#include <doctest/doctest.h>

#include <set>
#include <string>

#include "engine/engine.hpp"

using namespace kitaku::engine;

namespace {

template <class T>
void check_table(const char* name) {
  CAPTURE(name);
  // A field added to the table but not to T::fields() makes these differ: add it
  // there, saying whether a checkpoint saves it (Keep::kSaved) or why not.
  CHECK(listed_field_count<T>() == field_count<T>());
  // Every field is named once.
  T t{};
  std::set<std::string> names;
  std::size_t n = 0;
  T::fields(t, [&](const char* field, auto&, Keep) {
    names.insert(field);
    ++n;
  });
  CHECK(names.size() == n);
}

}  // namespace

TEST_CASE("every engine table lists all of its fields for the checkpoint") {
  check_table<StepClock>("StepClock");
  check_table<AgentsHot>("AgentsHot");
  check_table<AgentsCold>("AgentsCold");
  check_table<AgentLists>("AgentLists");
  check_table<EdgeParams>("EdgeParams");
  check_table<SpeedTable>("SpeedTable");
  check_table<EdgeState>("EdgeState");
  check_table<EdgeAccounting>("EdgeAccounting");
  check_table<JunctionParams>("JunctionParams");
  check_table<JunctionState>("JunctionState");
  check_table<JunctionAccounting>("JunctionAccounting");
  check_table<StationFronts>("StationFronts");
  check_table<AreaIndex>("AreaIndex");
  check_table<FacilityTable>("FacilityTable");
  check_table<HomeRoutes>("HomeRoutes");
  check_table<RouteState>("RouteState");
  check_table<RailLineState>("RailLineState");
  check_table<HazardState>("HazardState");
  check_table<CommandQueue>("CommandQueue");
  check_table<Metrics>("Metrics");
}

// A table with one more field than its list (local classes cannot have the
// member templates fields() is).
struct Listed {
  int a = 0;
  std::vector<int> b;
  template <class Self, class F>
  static void fields(Self& s, F&& f) {
    f("a", s.a, Keep::kSaved);
    f("b", s.b, Keep::kSaved);
  }
};
struct Unlisted {
  int a = 0;
  std::vector<int> b;
  double forgotten = 0;
  template <class Self, class F>
  static void fields(Self& s, F&& f) {
    f("a", s.a, Keep::kSaved);
    f("b", s.b, Keep::kSaved);
  }
};

TEST_CASE("the field count sees a field that is not listed") {
  // The counter the test above relies on tells the two apart.
  CHECK(field_count<Listed>() == 2);
  CHECK(listed_field_count<Listed>() == 2);
  CHECK(field_count<Unlisted>() == 3);
  CHECK(listed_field_count<Unlisted>() != field_count<Unlisted>());
}

TEST_CASE("the tables cover every table of a run") {
  // Tables is the one place a run's state lives: a new table must be added to
  // for_each_table (state_io.hpp) and checked above. 21 members: the 19 tables
  // above other than RailLineState, the rail lines (a vector of RailLineState),
  // and the per-thread buffers (scratch of the move and resolve phases).
  CHECK(field_count<Tables>() == 21);
}
