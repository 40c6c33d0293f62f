#include <doctest/doctest.h>

#include <algorithm>
#include <vector>

#include "kitaku/ui/i18n.hpp"
#include "panels/facilities_panel.hpp"
#include "ui_harness.hpp"

using namespace kitaku;

namespace {

/// Facilities open 10-30 min after the quake; 360 steps of 5 s = 30 min.
constexpr int kAllOpen = 360;

void type_text(test::UiHarness& h, const char* utf8, const std::function<void()>& draw) {
  ImGui::GetIO().AddInputCharactersUTF8(utf8);
  h.frame(draw);
  h.frame(draw);
}

}  // namespace

TEST_CASE("facilities panel: a row click selects and centres; Close closes it at the next step") {
  test::UiHarness h;
  h.advance(kAllOpen);
  REQUIRE(h.runner.latest()->facility_state[0] == FacilityState::kOpen);
  ui::FacilitiesPanel p;
  const auto draw = [&] { p.Draw(h.ctx); };
  h.frames(2, draw);
  CHECK(p.order().size() == 2);
  CHECK(p.totals().open == 2);
  CHECK(p.totals().capacity == doctest::Approx(1000));

  CHECK(h.ctx.selected_facility == kNoShelter);
  h.click("facilities.row.0", draw);
  CHECK(h.ctx.selected_facility == make_id<ShelterId>(0));
  CHECK(h.ctx.centre_request);
  CHECK(h.ctx.centre_on.x == doctest::Approx(200));
  CHECK(h.ctx.centre_on.y == doctest::Approx(600));

  h.click("facilities.close", draw);
  CHECK(p.last_refusal().empty());
  CHECK(h.runner.latest()->facility_state[0] == FacilityState::kOpen);  // applied at the next step
  h.advance(1);
  const auto s = h.runner.latest();
  CHECK(s->facility_state[0] == FacilityState::kClosed);
  CHECK(s->facility_occupancy[0] == 0);
  REQUIRE(s->command_log.size() == 1);
  CHECK(s->command_log[0].type == CommandType::kCloseFacility);
  CHECK(s->command_log[0].facility == make_id<ShelterId>(0));
  h.frame(draw);
  CHECK(ui::facility_status(*s, 0) == ui::FacilityStatus::kClosed);
  CHECK(p.totals().open == 1);

  // Open brings it back.
  h.click("facilities.open", draw);
  h.advance(1);
  CHECK(h.runner.latest()->facility_state[0] == FacilityState::kOpen);
}

TEST_CASE("facilities panel: Set capacity sends the typed capacity") {
  test::UiHarness h;
  h.advance(kAllOpen);
  ui::FacilitiesPanel p;
  const auto draw = [&] { p.Draw(h.ctx); };
  h.click("facilities.row.1", draw);
  REQUIRE(h.ctx.selected_facility == make_id<ShelterId>(1));
  h.click("facilities.capacity", draw);  // the field selects all on activation
  type_text(h, "250", draw);
  h.click("facilities.set_capacity", draw);
  h.advance(1);
  const auto s = h.runner.latest();
  CHECK(s->facility_capacity[1] == doctest::Approx(250));
  CHECK(s->facility_capacity[0] == doctest::Approx(600));
  REQUIRE(s->command_log.size() == 1);
  CHECK(s->command_log[0].type == CommandType::kSetCapacity);
  CHECK(s->command_log[0].value == doctest::Approx(250));
}

TEST_CASE("facilities panel: marking damaged needs a confirmation and is final") {
  test::UiHarness h;
  h.advance(kAllOpen);
  ui::FacilitiesPanel p;
  const auto draw = [&] { p.Draw(h.ctx); };
  h.click("facilities.row.0", draw);
  h.click("facilities.damage", draw);
  CHECK(p.confirming_damage());
  h.advance(1);
  CHECK(h.runner.latest()->command_log.empty());  // nothing sent yet
  h.click("facilities.damage_cancel", draw);
  CHECK_FALSE(p.confirming_damage());
  h.advance(1);
  CHECK(h.runner.latest()->facility_damaged[0] == 0);

  h.click("facilities.damage", draw);
  h.click("facilities.damage_confirm", draw);
  CHECK_FALSE(p.confirming_damage());
  h.advance(1);
  auto s = h.runner.latest();
  CHECK(s->facility_damaged[0] == 1);
  CHECK(s->facility_state[0] == FacilityState::kClosed);
  REQUIRE(s->command_log.size() == 1);
  CHECK(s->command_log[0].type == CommandType::kDamageFacility);
  h.frame(draw);
  CHECK(ui::facility_status(*s, 0) == ui::FacilityStatus::kDamaged);
  CHECK(p.totals().damaged == 1);
  // The buttons are disabled now: clicking Open sends nothing.
  h.click("facilities.open", draw);
  h.advance(1);
  CHECK(h.runner.latest()->command_log.size() == 1);
}

TEST_CASE("facilities panel: clicking a header sorts, clicking it again reverses") {
  test::UiHarness h;
  h.advance(kAllOpen);
  const auto s0 = h.runner.latest();
  REQUIRE(s0->facility_occupancy[0] != s0->facility_occupancy[1]);
  ui::FacilitiesPanel p;
  const auto draw = [&] { p.Draw(h.ctx); };
  h.frames(2, draw);
  // The default sort is by name (UTF-8 byte order): 北 (E5 8C 97) before 南 (E5 8D 97).
  CHECK(p.order() == std::vector<std::int32_t>{0, 1});
  h.click("facilities.header.occupancy", draw);
  const auto first = p.order();
  REQUIRE(first.size() == 2);
  const auto s = h.ctx.snap;
  const bool descending = s->facility_occupancy[static_cast<std::size_t>(first[0])] >
                          s->facility_occupancy[static_cast<std::size_t>(first[1])];
  CHECK(descending);  // numeric columns sort largest first on the first click
  h.click("facilities.header.occupancy", draw);
  auto reversed = first;
  std::reverse(reversed.begin(), reversed.end());
  CHECK(p.order() == reversed);
  // Capacity: 600 and 400.
  h.click("facilities.header.capacity", draw);
  CHECK(p.order() == std::vector<std::int32_t>{0, 1});
  h.click("facilities.header.capacity", draw);
  CHECK(p.order() == std::vector<std::int32_t>{1, 0});

  // The order is cached: frames with the same snapshot do not rebuild it; a new one
  // does (once the mouse is off the table, which holds its order).
  h.mouse_away(draw);
  const int rebuilds = p.rebuilds();
  h.frames(5, draw);
  CHECK(p.rebuilds() == rebuilds);
  h.advance(1);
  h.frame(draw);
  CHECK(p.rebuilds() == rebuilds + 1);
}

TEST_CASE("facilities panel: the text and state filters hide rows that do not match") {
  test::UiHarness h;
  ui::FacilitiesPanel p;
  const auto draw = [&] { p.Draw(h.ctx); };
  h.frames(2, draw);
  // Before the facilities open, both are scheduled to.
  CHECK(ui::facility_status(*h.ctx.snap, 0) == ui::FacilityStatus::kOpening);
  CHECK(p.order().size() == 2);

  h.click("facilities.filter", draw);
  type_text(h, "南区", draw);  // matches the area of facility 1 only
  CHECK(p.order() == std::vector<std::int32_t>{1});
  ImGui::GetIO().AddInputCharacter('x');  // "南区x" matches nothing
  h.frames(2, draw);
  CHECK(p.order().empty());
  h.click("facilities.filter_clear", draw);
  CHECK_FALSE(p.filter.IsActive());
  CHECK(p.order().size() == 2);

  // State filter through the combo: "open" shows nothing yet, "opening" both.
  const auto pick = [&](ui::FacilityStatus st) {
    h.click("facilities.state_filter", draw);
    h.click("facilities.state_filter." + std::to_string(static_cast<int>(st)), draw);
  };
  pick(ui::FacilityStatus::kOpen);
  CHECK(p.state_filter == static_cast<int>(ui::FacilityStatus::kOpen));
  CHECK(p.order().empty());
  pick(ui::FacilityStatus::kOpening);
  CHECK(p.order().size() == 2);
  // Once they open, the "opening" filter empties with the next snapshot. By 30 min
  // the southern facility (400 places, nearer the crowd) is full.
  h.mouse_away(draw);
  h.advance(kAllOpen);
  h.frame(draw);
  REQUIRE(ui::facility_status(*h.ctx.snap, 0) == ui::FacilityStatus::kOpen);
  REQUIRE(ui::facility_status(*h.ctx.snap, 1) == ui::FacilityStatus::kFull);
  CHECK(p.order().empty());
  pick(ui::FacilityStatus::kOpen);
  CHECK(p.order() == std::vector<std::int32_t>{0});
  pick(ui::FacilityStatus::kFull);
  CHECK(p.order() == std::vector<std::int32_t>{1});
  h.click("facilities.state_filter", draw);
  h.click("facilities.state_filter.-1", draw);  // all
  CHECK(p.order().size() == 2);
}

TEST_CASE("facilities panel: widget IDs stay the same in Japanese") {
  test::UiHarness h;
  h.advance(kAllOpen);
  ui::set_language(ui::Lang::kJapanese);
  ui::FacilitiesPanel p;
  const auto draw = [&] { p.Draw(h.ctx); };
  h.click("facilities.header.capacity", draw);  // 600 and 400: largest first
  CHECK(p.order() == std::vector<std::int32_t>{0, 1});
  h.click("facilities.row.1", draw);
  ui::set_language(ui::Lang::kEnglish);  // switching mid-session keeps the selection and the form
  h.click("facilities.close", draw);
  h.advance(1);
  CHECK(h.runner.latest()->facility_state[1] == FacilityState::kClosed);
}

TEST_CASE("facilities panel: places in persons; 'full' only when the persons reserved reach the capacity") {
  // 80 agents for 20,000 persons: one agent stands for 250. The southern facility
  // (400 places) takes one agent; the simulation then calls it full with 150 places left.
  Scenario sc = test::ui_grid_scenario();
  sc.population.agents = 80;
  test::UiHarness h(sc);
  h.advance(kAllOpen);
  ui::FacilitiesPanel p;
  const auto draw = [&] { p.Draw(h.ctx); };
  h.frames(2, draw);
  const auto s = h.ctx.snap;
  REQUIRE(s->persons_per_agent == doctest::Approx(250));
  REQUIRE(s->facility_state[1] == FacilityState::kFull);
  REQUIRE(s->facility_reserved[1] < s->facility_capacity[1]);
  CHECK(ui::agent_places(*s, 1) == 1);
  CHECK(ui::free_places(*s, 1) == doctest::Approx(s->facility_capacity[1] - s->facility_reserved[1]));
  CHECK(ui::facility_status(*s, 1) == ui::FacilityStatus::kNoAgentRoom);
  CHECK(std::string(ui::facility_status_label(ui::facility_status(*s, 1))) == "no room for an agent");
  CHECK(p.totals().full == 0);
  CHECK(p.totals().no_agent_room >= 1);
  CHECK(p.totals().open == 2);
  // The notice explains it: 1000 places, of which 250 fit no whole agent (150 + 100).
  CHECK(p.coarse_notice());
  CHECK(h.ctx.widgets.count("facilities.coarse_notice") == 1);
  CHECK(p.totals().stranded_places == doctest::Approx(250));

  // Filled to the last person, it is full.
  REQUIRE(h.ctx.send(test::make_command(CommandType::kSetCapacity, 1, -1, 250)));
  h.advance(1);
  h.frame(draw);
  CHECK(ui::facility_status(*h.ctx.snap, 1) == ui::FacilityStatus::kFull);
  CHECK(p.totals().full == 1);
}

TEST_CASE("facilities panel: no coarse-agent notice when agents are fine; ids shown and sortable") {
  test::UiHarness h;  // 5 persons per agent
  h.advance(kAllOpen);
  ui::FacilitiesPanel p;
  const auto draw = [&] { p.Draw(h.ctx); };
  h.frames(2, draw);
  CHECK_FALSE(p.coarse_notice());
  h.click("facilities.header.id", draw);
  h.mouse_away(draw);
  h.frame(draw);
  CHECK(p.order() == std::vector<std::int32_t>{0, 1});
  h.click("facilities.header.id", draw);
  h.mouse_away(draw);
  h.frame(draw);
  CHECK(p.order() == std::vector<std::int32_t>{1, 0});
}

TEST_CASE("facilities panel: the row order is held while the mouse is over the table") {
  test::UiHarness h;
  h.advance(kAllOpen);
  ui::FacilitiesPanel p;
  const auto draw = [&] { p.Draw(h.ctx); };
  h.frames(2, draw);
  h.click("facilities.header.capacity", draw);  // 600 and 400: largest first
  h.mouse_away(draw);
  REQUIRE(p.order() == std::vector<std::int32_t>{0, 1});
  // Over the first row, the capacities swap; the rows stay, then re-sort once the mouse leaves.
  const auto it = h.ctx.widgets.find("facilities.row.0");
  REQUIRE(it != h.ctx.widgets.end());
  ImGui::GetIO().MousePos = ImVec2((it->second.first.x + it->second.second.x) / 2, (it->second.first.y + it->second.second.y) / 2);
  h.frame(draw);
  CHECK(p.holding_order());
  REQUIRE(h.ctx.send(test::make_command(CommandType::kSetCapacity, 1, -1, 2000)));
  h.advance(1);
  h.frames(2, draw);
  CHECK(p.order() == std::vector<std::int32_t>{0, 1});
  h.click("facilities.row.0", draw);
  CHECK(h.ctx.selected_facility == make_id<ShelterId>(0));
  h.mouse_away(draw);
  h.frame(draw);
  CHECK(p.order() == std::vector<std::int32_t>{1, 0});
}
