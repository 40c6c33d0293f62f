#pragma once
// The ALLOCATION panel: where the unsheltered stranded are (per operational area
// of the AreaGrid), guidance orders that send them to a facility, what those
// orders have done since, the simulation's "nearest available now" suggestions,
// and the release of retained staff. The optimiser's plan arrives with the
// hazards-and-allocation issue (#5); its section is a labelled placeholder.
//
// Counting agents per area is O(agents) and is done once per snapshot, never per
// frame.
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "kitaku/ui/areas.hpp"
#include "kitaku/ui/context.hpp"
#include "panels/facilities_panel.hpp"

namespace kitaku::ui {

struct AllocationPanel {
  /// One operational area with someone stranded in it.
  struct AreaRow {
    int cell = 0;
    std::int64_t unsheltered = 0;  // agents in AgentState::kUnsheltered
    std::int64_t to_facility = 0;  // agents in AgentState::kToFacility
    std::int64_t retained = 0;     // agents in AgentState::kRetained
  };
  /// An open facility with room, near the selected area.
  struct Suggestion {
    std::int64_t facility = -1;
    double room = 0;        // persons: capacity - reserved
    double distance_m = 0;  // straight line from the area centre
  };
  /// A guidance order this panel sent, with what it looked like then.
  struct Sent {
    int cell = 0;
    std::int64_t facility = -1;
    double share = 0;
    std::int64_t time_s = 0;
    double unsheltered_then = 0;  // persons in the area when sent
    double arrivals_then = 0;     // persons on their way to the facility when sent
  };

  // The guidance form (filled by the user or by a suggestion's button).
  std::int64_t guidance_facility = -1;
  float guidance_share = -1;  // < 0: the scenario's guidance_compliance on the next Draw
  // The release form.
  float release_share = 0.5f;
  bool release_in_area = false;
  /// How many suggestions to list.
  int max_suggestions = 8;

  void Draw(DashboardContext& ctx);

  // What the last Draw computed (tests, other panels).
  const AreaGrid& grid() const { return grid_; }
  /// Areas with unsheltered or facility-bound agents, most unsheltered first.
  const std::vector<AreaRow>& rows() const { return rows_; }
  /// Agents per state in one area (all areas are counted, not only those listed).
  std::int64_t unsheltered_in(int cell) const;
  std::int64_t to_facility_in(int cell) const;
  /// For the selected area: open, non-full facilities by distance.
  const std::vector<Suggestion>& suggestions() const { return suggestions_; }
  const std::vector<Sent>& sent() const { return sent_; }
  /// Recounts so far (caching is tested).
  int recounts() const { return recounts_; }
  /// Radius that covers an area cell (half its diagonal).
  double area_radius_m() const;

 private:
  void recount(const DashboardContext& ctx);
  void update_suggestions(const DashboardContext& ctx);
  void draw_areas(DashboardContext& ctx);
  void draw_guidance(DashboardContext& ctx);
  void draw_suggestions(DashboardContext& ctx);
  void draw_effects(DashboardContext& ctx);
  void draw_release(DashboardContext& ctx);

  bool has_grid_ = false;
  AreaGrid grid_;
  std::vector<std::int64_t> unsheltered_, to_facility_, retained_;  // per cell
  std::vector<AreaRow> rows_;
  std::vector<Suggestion> suggestions_;
  std::vector<Sent> sent_;
  SnapshotKey counted_for_, suggested_for_;
  std::int64_t suggested_area_ = -2;
  int recounts_ = 0;
  std::string refusal_;
};

}  // namespace kitaku::ui
