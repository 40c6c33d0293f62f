#include <doctest/doctest.h>

#include <chrono>
#include <cmath>
#include <thread>
#include <vector>

#include "panels/allocation_panel.hpp"
#include "ui_harness.hpp"

using namespace kitaku;

namespace {

/// Facilities open 10-30 min after the quake; 360 steps of 5 s = 30 min. By then
/// the two small facilities are (nearly) full and people are stranded outdoors.
constexpr int kAllOpen = 360;

std::int64_t unsheltered_total(const Snapshot& s) {
  return s.row.state[static_cast<std::size_t>(AgentState::kUnsheltered)];
}

}  // namespace

TEST_CASE("allocation panel: unsheltered per area add up and are counted once per snapshot") {
  test::UiHarness h;
  h.advance(kAllOpen);
  ui::AllocationPanel a;
  const auto draw = [&] { a.Draw(h.ctx); };
  h.frames(2, draw);
  const auto s = h.ctx.snap;
  REQUIRE(unsheltered_total(*s) > 0);
  CHECK(a.grid().count() == 16);  // 800 m of grid in 250 m cells
  REQUIRE_FALSE(a.rows().empty());

  double persons = 0;
  std::int64_t agents = 0, to_facility = 0;
  for (std::size_t i = 0; i < a.rows().size(); ++i) {
    const auto& r = a.rows()[i];
    CHECK((r.unsheltered > 0 || r.to_facility > 0));  // only non-empty areas
    if (i > 0) CHECK(a.rows()[i - 1].unsheltered >= r.unsheltered);  // most unsheltered first
    agents += r.unsheltered;
    to_facility += r.to_facility;
    persons += static_cast<double>(r.unsheltered) * s->persons_per_agent;
  }
  CHECK(agents == unsheltered_total(*s));
  CHECK(to_facility == s->row.state[static_cast<std::size_t>(AgentState::kToFacility)]);
  CHECK(persons == doctest::Approx(static_cast<double>(unsheltered_total(*s)) * s->persons_per_agent));

  // The top area's count, by hand from the agents' positions.
  const int top = a.rows()[0].cell;
  std::int64_t in_top = 0;
  for (std::size_t i = 0; i < s->agent_state.size(); ++i)
    in_top += s->agent_state[i] == AgentState::kUnsheltered && a.grid().cell_of(s->agent_x[i], s->agent_y[i]) == top;
  CHECK(in_top == a.rows()[0].unsheltered);

  // Counting is O(agents): done again only for a new snapshot.
  const int n = a.recounts();
  h.frames(4, draw);
  CHECK(a.recounts() == n);
  h.advance(1);
  h.frame(draw);
  CHECK(a.recounts() == n + 1);

  // Selecting an area selects it for the map and centres the map there.
  const int cell = a.rows()[0].cell;
  h.click("allocation.row." + std::to_string(cell), draw);
  CHECK(h.ctx.selected_area == cell);
  CHECK(h.ctx.centre_request);
  CHECK(h.ctx.centre_on.x == doctest::Approx(a.grid().centre(cell).x));
  CHECK(h.ctx.centre_on.y == doctest::Approx(a.grid().centre(cell).y));
}

TEST_CASE("allocation panel: guidance from a suggestion is sent, logged, marked on the map and works") {
  // Two identical runs; only the first gets the guidance, the second is the control.
  test::UiHarness h;
  ui::SimRunner control(std::make_unique<Simulation>(h.net, h.city, h.scenario, RunConfig{}));
  h.advance(kAllOpen);  // both facilities are (nearly) full, people are stranded
  control.advance(kAllOpen);
  // Then the operator finds room for 2000 more in the northern facility.
  REQUIRE(h.ctx.send(test::make_command(CommandType::kSetCapacity, 0, -1, 2600)));
  REQUIRE(control.submit(test::make_command(CommandType::kSetCapacity, 0, -1, 2600)).empty());
  h.advance(1);
  control.advance(1);
  ui::AllocationPanel a;
  const auto draw = [&] { a.Draw(h.ctx); };
  h.frames(2, draw);
  REQUIRE_FALSE(a.rows().empty());
  const int cell = a.rows()[0].cell;
  REQUIRE(a.rows()[0].unsheltered > 0);
  h.click("allocation.row." + std::to_string(cell), draw);
  REQUIRE(h.ctx.selected_area == cell);
  REQUIRE(a.suggestions().size() == 1);  // the southern one is full
  const ShelterId f = a.suggestions()[0].facility;
  CHECK(f == make_id<ShelterId>(0));

  CHECK(a.guidance_share == doctest::Approx(h.scenario.behaviour.guidance_compliance));
  CHECK(a.guidance_facility == kNoShelter);
  h.click("allocation.suggest." + std::to_string(index(f)), draw);
  CHECK(a.guidance_facility == f);
  const double unsheltered_before = static_cast<double>(a.unsheltered_in(cell));
  h.click("allocation.send", draw);
  // Nothing is sent before the operator confirms the target the form names.
  REQUIRE(a.pending_guidance().has_value());
  CHECK(a.pending_guidance()->facility == f);
  CHECK(h.ctx.guidance.empty());
  h.click("allocation.confirm", draw);
  CHECK_FALSE(a.pending_guidance().has_value());
  CHECK(h.ctx.status.find(h.city.facilities[index(f)].name) != std::string::npos);
  CHECK(h.ctx.status.find("#" + std::to_string(index(f))) != std::string::npos);

  const auto centre = a.grid().centre(cell);
  const double radius = 250 * std::sqrt(2.0) / 2;
  REQUIRE(h.ctx.guidance.size() == 1);
  CHECK(h.ctx.guidance[0].facility == f);
  CHECK(h.ctx.guidance[0].centre.x == doctest::Approx(centre.x));
  CHECK(h.ctx.guidance[0].centre.y == doctest::Approx(centre.y));
  CHECK(h.ctx.guidance[0].radius_m == doctest::Approx(radius));
  REQUIRE(a.sent().size() == 1);
  CHECK(a.sent()[0].cell == cell);
  CHECK(a.sent()[0].unsheltered_then == doctest::Approx(unsheltered_before * h.ctx.snap->persons_per_agent));

  h.advance(1);
  control.advance(1);
  h.frame(draw);
  const auto s = h.ctx.snap;
  const auto s0 = control.latest();
  REQUIRE(s->command_log.size() == 2);  // the capacity, then the guidance
  const Command& c = s->command_log.back();
  CHECK(c.type == CommandType::kGuidance);
  CHECK(c.facility == f);
  CHECK(c.x == doctest::Approx(centre.x));
  CHECK(c.y == doctest::Approx(centre.y));
  CHECK(c.radius_m == doctest::Approx(radius));
  CHECK(c.value == doctest::Approx(h.scenario.behaviour.guidance_compliance));
  CHECK(c.source == "operator");
  // Its effect, against the run without it: more places reserved at the facility
  // and fewer stranded outdoors in the area.
  CHECK(s->facility_reserved[static_cast<std::size_t>(f)] > s0->facility_reserved[static_cast<std::size_t>(f)]);
  std::int64_t control_unsheltered = 0;
  for (std::size_t i = 0; i < s0->agent_state.size(); ++i)
    control_unsheltered += s0->agent_state[i] == AgentState::kUnsheltered &&
                           a.grid().cell_of(s0->agent_x[i], s0->agent_y[i]) == cell;
  CHECK(a.unsheltered_in(cell) < control_unsheltered);
}

TEST_CASE("allocation panel: suggestions are the open facilities with room, nearest first") {
  test::UiHarness h;
  REQUIRE(h.ctx.send(test::make_command(CommandType::kSetCapacity, 0, -1, 3000)));
  REQUIRE(h.ctx.send(test::make_command(CommandType::kSetCapacity, 1, -1, 3000)));
  ui::AllocationPanel a;
  const auto draw = [&] { a.Draw(h.ctx); };
  h.frames(2, draw);
  const auto& g = a.grid();
  h.ctx.selected_area = g.cell_of(650, 150);  // next to the southern facility (600, 200)
  h.frame(draw);
  CHECK(a.suggestions().empty());  // nothing is open yet

  h.advance(kAllOpen);
  h.frame(draw);
  const auto near_south = a.suggestions();
  REQUIRE(near_south.size() == 2);
  CHECK(near_south[0].facility == make_id<ShelterId>(1));
  CHECK(near_south[1].facility == make_id<ShelterId>(0));
  const Point c = g.centre(static_cast<int>(h.ctx.selected_area));
  for (const auto& sg : near_south) {
    const auto f = static_cast<std::size_t>(sg.facility);
    CHECK(sg.distance_m == doctest::Approx(std::hypot(h.city.facilities[f].pos.x - c.x, h.city.facilities[f].pos.y - c.y)));
    CHECK(sg.room == doctest::Approx(h.ctx.snap->facility_capacity[f] - h.ctx.snap->facility_reserved[f]));
    CHECK(sg.room > 0);
  }
  CHECK(near_south[0].distance_m < near_south[1].distance_m);
  h.ctx.selected_area = g.cell_of(150, 650);  // next to the northern one
  h.frame(draw);
  REQUIRE(a.suggestions().size() == 2);
  CHECK(a.suggestions()[0].facility == make_id<ShelterId>(0));

  // A closed facility and a full one are not suggested.
  REQUIRE(h.ctx.send(test::make_command(CommandType::kCloseFacility, 0)));
  REQUIRE(h.ctx.send(test::make_command(CommandType::kSetCapacity, 1, -1, 0)));
  h.advance(1);
  h.frame(draw);
  CHECK(h.ctx.snap->facility_state[1] == FacilityState::kFull);
  CHECK(a.suggestions().empty());
  REQUIRE(h.ctx.send(test::make_command(CommandType::kOpenFacility, 0)));
  h.advance(1);
  h.frame(draw);
  REQUIRE(a.suggestions().size() == 1);
  CHECK(a.suggestions()[0].facility == make_id<ShelterId>(0));
}

TEST_CASE("allocation panel: release of retained staff, everywhere or in the selected area") {
  test::UiHarness h;
  h.advance(12);
  ui::AllocationPanel a;
  const auto draw = [&] { a.Draw(h.ctx); };
  h.frames(2, draw);
  REQUIRE(h.runner.latest()->row.state[static_cast<std::size_t>(AgentState::kRetained)] > 0);
  h.click("allocation.release", draw);
  h.advance(1);
  auto s = h.runner.latest();
  REQUIRE(s->command_log.size() == 1);
  CHECK(s->command_log[0].type == CommandType::kReleaseRetained);
  CHECK(s->command_log[0].value == doctest::Approx(0.5));
  CHECK(s->command_log[0].radius_m == 0);  // everywhere

  const int cell = a.grid().cell_of(400, 400);
  h.ctx.selected_area = cell;
  h.click("allocation.release_in_area", draw);
  CHECK(a.release_in_area);
  h.click("allocation.release", draw);
  h.advance(1);
  s = h.runner.latest();
  REQUIRE(s->command_log.size() == 2);
  const Command& c = s->command_log[1];
  CHECK(c.type == CommandType::kReleaseRetained);
  CHECK(c.x == doctest::Approx(a.grid().centre(cell).x));
  CHECK(c.radius_m == doctest::Approx(a.area_radius_m()));
  // Fewer are retained once their release is scheduled and they set off.
  const auto retained_then = s->row.state[static_cast<std::size_t>(AgentState::kRetained)];
  h.advance(12 * 30);
  CHECK(h.runner.latest()->row.state[static_cast<std::size_t>(AgentState::kRetained)] < retained_then);
}

TEST_CASE("allocation panel: the optimiser's plan is computed, compared with greedy, and accepted as guidance") {
  test::UiHarness h;
  h.advance(kAllOpen);  // both facilities are (nearly) full, people are stranded
  REQUIRE(h.ctx.send(test::make_command(CommandType::kSetCapacity, 0, -1, 1600)));
  REQUIRE(h.ctx.send(test::make_command(CommandType::kSetCapacity, 1, -1, 900)));
  h.advance(1);
  ui::AllocationPanel a;
  const auto draw = [&] { a.Draw(h.ctx); };
  h.frames(2, draw);
  CHECK(a.plan() == nullptr);
  h.click("allocation.optimise", draw);  // 81 nodes: computed at once, on the UI thread
  REQUIRE(a.plan() != nullptr);
  const auto& r = *a.plan();
  const auto s = h.ctx.snap;
  CHECK(r.error.empty());
  CHECK(r.time_s == s->time_s);
  CHECK(r.plan.persons ==
        std::llround(static_cast<double>(unsheltered_total(*s)) * s->persons_per_agent));
  REQUIRE(r.plan.served > 0);
  CHECK(r.plan.cost <= r.greedy.cost);
  CHECK(r.plan.served + r.plan.unserved == r.plan.persons);
  // The plan keeps within each facility's room as the snapshot shows it.
  for (std::size_t f = 0; f < 2; ++f)
    CHECK(static_cast<double>(r.plan.facility_load[f]) <= s->facility_capacity[f] - s->facility_reserved[f] + 1e-9);
  // Groups are cells of the 250 m operational areas here (plan_cell_m = 500 is larger),
  // so each row's area is its group's own cell.
  REQUIRE_FALSE(a.plan_rows().empty());
  std::int64_t rows_persons = 0;
  for (std::size_t i = 0; i < a.plan_rows().size(); ++i) {
    const auto& row = a.plan_rows()[i];
    rows_persons += row.persons;
    if (i > 0) CHECK(a.plan_rows()[i - 1].persons >= row.persons);
    CHECK(valid(row.facility));
    CHECK(row.metres <= h.scenario.hazards.optimiser.max_walk_m);
  }
  CHECK(rows_persons == r.plan.served);
  for (const auto& g : r.groups) CHECK(g.radius_m == doctest::Approx(a.area_radius_m()));
  CHECK_FALSE(a.plan_accepted());

  const auto expected = plan_to_guidance(r.plan, r.groups, h.scenario.hazards.optimiser, s->time_s);
  REQUIRE_FALSE(expected.empty());
  h.click("allocation.accept", draw);
  CHECK(a.plan_accepted());
  CHECK(h.ctx.guidance.size() == expected.size());
  CHECK(a.sent().size() == expected.size());
  h.click("allocation.accept", draw);  // disabled once accepted: nothing more is sent
  CHECK(h.ctx.guidance.size() == expected.size());

  const auto unsheltered_before = unsheltered_total(*s);
  h.advance(1);
  h.frame(draw);
  const auto& log = h.ctx.snap->command_log;
  REQUIRE(log.size() == 2 + expected.size());  // the two capacities, then the plan
  for (std::size_t i = 0; i < expected.size(); ++i) {
    const Command& c = log[2 + i];
    CHECK(c.type == CommandType::kGuidance);
    CHECK(c.source == "optimiser");
    CHECK(c.facility == expected[i].facility);
    CHECK(c.x == doctest::Approx(expected[i].x));
    CHECK(c.y == doctest::Approx(expected[i].y));
    CHECK(c.radius_m == doctest::Approx(expected[i].radius_m));
    CHECK(c.value == doctest::Approx(expected[i].value));
  }
  CHECK(unsheltered_total(*h.ctx.snap) < unsheltered_before);
}

TEST_CASE("allocation panel: on a worker thread the plan is the same, and the panel waits for it when closed") {
  test::UiHarness h;
  h.advance(kAllOpen);
  REQUIRE(h.ctx.send(test::make_command(CommandType::kSetCapacity, 0, -1, 1600)));
  h.advance(1);
  ui::AllocationPanel sync;
  const auto draw_sync = [&] { sync.Draw(h.ctx); };
  h.click("allocation.optimise", draw_sync);
  REQUIRE(sync.plan() != nullptr);

  ui::AllocationPanel a;
  a.sync_max_nodes = 0;  // always on the worker
  const auto draw = [&] { a.Draw(h.ctx); };
  h.click("allocation.optimise", draw);
  for (int i = 0; i < 2000 && (a.computing() || !a.plan()); ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
    h.frame(draw);
  }
  REQUIRE(a.plan() != nullptr);
  CHECK_FALSE(a.computing());
  CHECK(a.plan()->plan.cost == sync.plan()->plan.cost);
  CHECK(a.plan()->plan.assignments.size() == sync.plan()->plan.assignments.size());
  CHECK(a.plan_rows().size() == sync.plan_rows().size());

  // A panel closed while its worker computes waits for it (no dangling thread).
  {
    ui::AllocationPanel b;
    b.sync_max_nodes = 0;
    const auto draw_b = [&] { b.Draw(h.ctx); };
    h.click("allocation.optimise", draw_b);
  }
}

TEST_CASE("allocation panel: with nobody outdoors the plan says so and offers nothing to accept") {
  test::UiHarness h;
  ui::AllocationPanel a;
  const auto draw = [&] { a.Draw(h.ctx); };
  h.click("allocation.optimise", draw);
  REQUIRE(a.plan() != nullptr);
  CHECK(a.plan()->plan.persons == 0);
  CHECK(a.plan_rows().empty());
  CHECK(h.ctx.widgets.count("allocation.accept") == 0);
}

TEST_CASE("allocation panel: plan cells nest in the areas and grow when there would be too many groups") {
  test::UiHarness h;
  h.advance(kAllOpen);
  REQUIRE(h.ctx.send(test::make_command(CommandType::kSetCapacity, 0, -1, 1600)));
  h.advance(1);
  ui::AllocationPanel fine, capped, pruned;
  fine.plan_cell_m = 100;    // 250 m areas: 250 / 4 = 62.5 m cells
  capped.plan_cell_m = 100;
  capped.max_plan_groups = 1;  // too many groups at every size: the area itself
  pruned.plan_exact_pairs = 0;  // every case counts as large
  for (ui::AllocationPanel* p : {&fine, &capped, &pruned}) {
    const auto draw = [&] { p->Draw(h.ctx); };
    h.click("allocation.optimise", draw);
    REQUIRE(p->plan() != nullptr);
    CHECK(p->plan()->error.empty());
  }
  CHECK(fine.plan()->cell_m == doctest::Approx(62.5));
  CHECK(capped.plan()->cell_m == doctest::Approx(250));
  CHECK(pruned.plan()->cell_m == doctest::Approx(250));
  CHECK(fine.plan()->groups.size() > capped.plan()->groups.size());
  for (const auto& g : fine.plan()->groups) CHECK(g.radius_m == doctest::Approx(62.5 * std::sqrt(2.0) / 2));
  // Every plan places the same people, whatever the cells.
  CHECK(fine.plan()->plan.persons == capped.plan()->plan.persons);
  CHECK_FALSE(capped.plan()->plan.pruned);
  CHECK(pruned.plan()->plan.pruned);
  CHECK(pruned.plan()->plan.served > 0);
  CHECK(pruned.plan()->plan.cost >= capped.plan()->plan.cost);
}

TEST_CASE("allocation panel: the suggestion list holds its order under the mouse, so Use picks the facility shown") {
  // The southern facility (1) is the nearer to the selected area but closed; only the
  // northern one (0) is suggested. The operator moves onto its Use button; before the
  // click, the southern one opens and, without the hold, would take the first row
  // under the cursor: the click would choose the wrong facility.
  test::UiHarness h;
  REQUIRE(h.ctx.send(test::make_command(CommandType::kSetCapacity, 0, -1, 3000)));
  REQUIRE(h.ctx.send(test::make_command(CommandType::kSetCapacity, 1, -1, 3000)));
  h.advance(kAllOpen);
  REQUIRE(h.ctx.send(test::make_command(CommandType::kCloseFacility, 1)));
  h.advance(1);
  ui::AllocationPanel a;
  const auto draw = [&] { a.Draw(h.ctx); };
  h.frames(2, draw);
  h.ctx.selected_area = a.grid().cell_of(650, 150);  // next to the southern facility
  h.frames(2, draw);
  REQUIRE(a.suggestions().size() == 1);
  REQUIRE(a.suggestions()[0].facility == make_id<ShelterId>(0));

  // Onto the first row's Use button.
  const auto it = h.ctx.widgets.find("allocation.suggest.0");
  REQUIRE(it != h.ctx.widgets.end());
  ImGuiIO& io = ImGui::GetIO();
  io.MousePos = ImVec2((it->second.first.x + it->second.second.x) / 2, (it->second.first.y + it->second.second.y) / 2);
  h.frame(draw);
  CHECK(a.holding_suggestions());

  // The southern facility opens; the next snapshot arrives under the cursor.
  REQUIRE(h.ctx.send(test::make_command(CommandType::kOpenFacility, 1)));
  h.advance(1);
  REQUIRE(ui::facility_status(*h.runner.latest(), 1) == ui::FacilityStatus::kOpen);
  io.MouseDown[0] = true;
  h.frame(draw);
  io.MouseDown[0] = false;
  h.frame(draw);
  REQUIRE(a.suggestions().size() == 1);  // held: the row the operator saw
  CHECK(a.guidance_facility == make_id<ShelterId>(0));

  // Send asks to confirm, naming the facility by name and id; confirming sends it there.
  h.click("allocation.send", draw);
  REQUIRE(a.pending_guidance().has_value());
  CHECK(a.pending_guidance()->facility == make_id<ShelterId>(0));
  h.click("allocation.confirm", draw);
  h.advance(1);
  h.frame(draw);
  const Command& c = h.ctx.snap->command_log.back();
  CHECK(c.type == CommandType::kGuidance);
  CHECK(c.facility == make_id<ShelterId>(0));
  CHECK(h.ctx.status.find("#0 " + h.city.facilities[0].name) != std::string::npos);

  // Once the mouse has left the list it is sorted again: the nearer facility first.
  io.MousePos = ImVec2(-100, -100);
  h.frames(2, draw);
  CHECK_FALSE(a.holding_suggestions());
  REQUIRE(a.suggestions().size() == 2);
  CHECK(a.suggestions()[0].facility == make_id<ShelterId>(1));
}

TEST_CASE("allocation panel: a guidance form cancelled, or changed before confirming, sends nothing") {
  test::UiHarness h;
  h.advance(kAllOpen);
  ui::AllocationPanel a;
  const auto draw = [&] { a.Draw(h.ctx); };
  h.frames(2, draw);
  h.ctx.selected_area = a.grid().cell_of(650, 150);
  a.guidance_facility = make_id<ShelterId>(0);
  h.click("allocation.send", draw);
  REQUIRE(a.pending_guidance().has_value());
  h.click("allocation.cancel", draw);
  CHECK_FALSE(a.pending_guidance().has_value());
  h.click("allocation.send", draw);
  REQUIRE(a.pending_guidance().has_value());
  a.guidance_facility = make_id<ShelterId>(1);  // another target: the confirmation no longer applies
  h.frame(draw);
  CHECK_FALSE(a.pending_guidance().has_value());
  h.advance(1);
  CHECK(h.runner.latest()->command_log.empty());
  CHECK(h.ctx.guidance.empty());
}
