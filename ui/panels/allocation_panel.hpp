#pragma once
// The ALLOCATION panel: where the unsheltered stranded are (per operational area
// of the AreaGrid), guidance orders that send them to a facility, what those
// orders have done since, the simulation's "nearest available now" suggestions,
// the allocation optimiser's plan (computed on demand, compared with greedy
// nearest-first, and sent as guidance when the operator accepts it), and the
// release of retained staff.
//
// Counting agents per area is O(agents) and is done once per snapshot, never per
// frame. The optimiser runs when asked: on the UI thread for small networks, on a
// worker thread otherwise (joined before the panel goes away).
#include <atomic>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "kitaku/sim/allocation_planner.hpp"
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
    ShelterId facility = kNoShelter;
    double room = 0;        // persons: capacity - reserved
    double distance_m = 0;  // straight line from the area centre
    bool available = true;  // open with room (false: a held row that has since filled or closed)
  };
  /// Guidance the operator has asked for and not yet confirmed: its target is fixed
  /// (by ShelterId) when Send is pressed, and the confirmation names it.
  struct PendingGuidance {
    int cell = 0;
    ShelterId facility = kNoShelter;
    double share = 0;
  };
  /// A guidance order this panel sent, with what it looked like then.
  struct Sent {
    int cell = 0;                   // an area of `mode`
    AreaMode mode = AreaMode::kGrid;
    ShelterId facility = kNoShelter;
    double share = 0;
    std::int64_t time_s = 0;
    double unsheltered_then = 0;  // persons in the area when sent
    double arrivals_then = 0;     // persons on their way to the facility when sent
  };

  /// The optimiser's plan for one snapshot, with greedy nearest-first's for comparison.
  using PlanResult = AllocationPlanResult;
  /// One line of the plan's table: an area's group sent to a facility.
  struct PlanRow {
    int cell = 0;  // operational area (AreaGrid cell) of the group
    bool priority = false;
    ShelterId facility = kNoShelter;
    std::int64_t persons = 0;
    std::int64_t metres = 0;
  };

  AllocationPanel() = default;
  ~AllocationPanel();  // waits for a plan being computed
  AllocationPanel(const AllocationPanel&) = delete;
  AllocationPanel& operator=(const AllocationPanel&) = delete;

  // The guidance form (filled by the user or by a suggestion's button).
  ShelterId guidance_facility = kNoShelter;
  float guidance_share = -1;  // < 0: the scenario's guidance_compliance on the next Draw
  // The release form.
  float release_share = 0.5f;
  bool release_in_area = false;
  /// How many suggestions to list.
  int max_suggestions = 8;
  /// The optimiser groups the unsheltered by cells of at most this size (nested in
  /// the operational areas), each a guidance circle; larger cells (still nested) when
  /// that would make more than max_plan_groups groups.
  double plan_cell_m = 500;
  std::size_t max_plan_groups = 1000;
  /// Above this many (group, facility) pairs, each group considers only its nearest
  /// facilities (OptimiserLimits): the plan stays tractable, and says it is pruned.
  std::size_t plan_exact_pairs = 50000;
  /// Networks with more nodes than this are optimised on a worker thread.
  std::size_t sync_max_nodes = 20000;

  void Draw(DashboardContext& ctx);

  // What the last Draw computed (tests, other panels).
  const AreaGrid& grid() const { return grid_; }
  /// Areas with unsheltered or facility-bound agents, most unsheltered first.
  const std::vector<AreaRow>& rows() const { return rows_; }
  /// Agents per state in one area (all areas are counted, not only those listed).
  std::int64_t unsheltered_in(int cell) const;
  std::int64_t to_facility_in(int cell) const;
  /// For the selected area: open, non-full facilities by distance. While the mouse is
  /// over the list its order and rows are held (values still update), so that a click
  /// lands on the row the operator was looking at; it is re-sorted once the mouse leaves.
  const std::vector<Suggestion>& suggestions() const { return suggestions_; }
  bool holding_suggestions() const { return hold_suggestions_; }
  /// The areas table's order is held the same way.
  bool holding_areas() const { return hold_areas_; }
  /// Guidance waiting for the operator's confirmation (none when empty).
  const std::optional<PendingGuidance>& pending_guidance() const { return pending_; }
  const std::vector<Sent>& sent() const { return sent_; }
  /// Recounts so far (caching is tested).
  int recounts() const { return recounts_; }
  /// Radius that covers a grid cell (half its diagonal).
  double area_radius_m() const { return grid_.cell_m * 1.4142135623730951 / 2; }
  /// The radius guidance and release use for an area of the current mode (Areas::radius_m).
  double area_radius_m(const DashboardContext& ctx, int area) const;
  /// True while a plan is being computed on the worker thread.
  bool computing() const { return worker_.joinable(); }
  /// The last plan computed (null before the first).
  const PlanResult* plan() const { return plan_.get(); }
  /// Its assignments by area, most persons first.
  const std::vector<PlanRow>& plan_rows() const { return plan_rows_; }
  /// Whether the last plan's guidance has been sent.
  bool plan_accepted() const { return plan_accepted_; }

 private:
  void recount(const DashboardContext& ctx);
  void update_suggestions(const DashboardContext& ctx);
  void refresh_held_suggestions(const DashboardContext& ctx);
  void send_guidance(DashboardContext& ctx, const PendingGuidance& p);
  void draw_areas(DashboardContext& ctx);
  void draw_area_mode(DashboardContext& ctx);
  void draw_area_rows(DashboardContext& ctx);
  void draw_guidance(DashboardContext& ctx);
  void draw_suggestions(DashboardContext& ctx);
  void draw_effects(DashboardContext& ctx);
  void draw_release(DashboardContext& ctx);
  void draw_optimiser(DashboardContext& ctx);
  void start_plan(DashboardContext& ctx);
  void finish_plan(std::unique_ptr<PlanResult> result);
  void accept_plan(DashboardContext& ctx);
  struct PlanInputs;
  struct PlanSettings {
    OptimiserParams params;
    OptimiserLimits limits;
    AreaGrid areas;
    double max_cell_m = 500;
    std::size_t max_groups = 1000;
  };
  static std::unique_ptr<PlanResult> compute_plan(const Network& net, const City& city, const Snapshot& s,
                                                  const PlanSettings& set, PlanInputs& in);

  bool has_grid_ = false;
  AreaGrid grid_;
  std::vector<std::int64_t> unsheltered_, to_facility_, retained_;  // per area of counted_mode_
  AreaMode counted_mode_ = AreaMode::kGrid;
  std::vector<AreaRow> rows_;
  std::vector<Suggestion> suggestions_;
  std::vector<Sent> sent_;
  SnapshotKey counted_for_, suggested_for_;
  std::int64_t suggested_area_ = -2;
  int recounts_ = 0;
  bool hold_areas_ = false, hold_suggestions_ = false;  // the mouse was over the list last frame
  bool areas_unsorted_ = false, suggestions_unsorted_ = false;  // refreshed while held, not re-sorted
  std::optional<PendingGuidance> pending_;
  std::string refusal_;
  // The optimiser: inputs kept between plans, the plan shown, and the worker.
  std::shared_ptr<PlanInputs> inputs_;  // spatial index, facility nodes, priority flags
  std::unique_ptr<PlanResult> plan_;
  std::vector<PlanRow> plan_rows_;
  bool plan_accepted_ = false;
  std::thread worker_;
  std::atomic<bool> worker_done_{false};
  std::unique_ptr<PlanResult> worker_result_;  // written by the worker before worker_done_
};

}  // namespace kitaku::ui
