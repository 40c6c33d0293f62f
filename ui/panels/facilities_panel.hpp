#pragma once
// The FACILITIES panel: every temporary stay facility in one sortable, filterable
// table (name, area, capacity, occupancy, % full, state, arrivals expected), the
// totals over the city, and the operator's actions on the selected facility
// (open, close, set capacity, mark damaged). Selecting a row selects the facility
// on the map and centres the map on it.
//
// Cost per frame is O(visible rows): the sorted and filtered row order is rebuilt
// only when the snapshot, the sort or a filter changes.
#include <imgui.h>

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "kitaku/sim/snapshot.hpp"
#include "kitaku/ui/context.hpp"

namespace kitaku::ui {

/// What the panel (and the map) shows as a facility's state, in persons.
enum class FacilityStatus : std::uint8_t {
  kClosed,   // shut, with no opening scheduled (or closed by an operator)
  kOpening,  // shut now, opens at its scheduled time
  kOpen,
  kFull,     // the persons reserved (inside and on their way) reach the capacity
  kDamaged,  // shut for good
  /// Open with places left, but fewer than one agent stands for: the simulation
  /// moves whole agents, so nobody more is sent there (docs/dashboard.md, "Coarse agents").
  kNoAgentRoom,
};
inline constexpr int kFacilityStatusCount = 6;
FacilityStatus facility_status(const Snapshot& s, std::size_t f);
/// Places (persons) a facility has left: capacity - reserved, at least 0.
double free_places(const Snapshot& s, std::size_t f);
/// Whole agents that fit in a facility's capacity (what the simulation counts).
std::int64_t agent_places(const Snapshot& s, std::size_t f);
/// "closed", "opening", ... in the current language.
const char* facility_status_label(FacilityStatus st);

/// Identifies a published snapshot. The runner recycles snapshot buffers, so a
/// pointer alone can come back with new contents; time and command count tell.
struct SnapshotKey {
  const Snapshot* ptr = nullptr;
  std::uint64_t version = 0;  // the publisher's number (buffers are recycled)
  std::int64_t step_no = -1;
  std::size_t commands = 0;
  static SnapshotKey of(const Snapshot* s) {
    return s ? SnapshotKey{s, s->version, s->step_no, s->command_log.size()} : SnapshotKey{};
  }
  bool operator==(const SnapshotKey&) const = default;
};

struct FacilitiesPanel {
  /// Table columns (also the ImGui column user ids the sort specs carry).
  enum Column : int { kId, kName, kArea, kCapacity, kOccupancy, kArrivals, kFree, kPercentFull, kState, kColumnCount };
  /// The coarse-agent notice shows when one agent stands for at least this share of
  /// the median facility's capacity (a facility of median size then holds at most
  /// 1 / share agents).
  double coarse_share = 0.1;
  /// State filter: -1 = all, otherwise a FacilityStatus.
  int state_filter = -1;
  /// Text filter over name and area ("北区", "-病院", "a,b" as ImGuiTextFilter reads it).
  ImGuiTextFilter filter;

  void Draw(DashboardContext& ctx);

  // What the last Draw showed (tests, status bar).
  /// Facility indices in the order shown (after filter and sort).
  const std::vector<std::int32_t>& order() const { return order_; }
  /// How many times the row order has been rebuilt (caching is tested).
  int rebuilds() const { return rebuilds_; }
  struct Totals {
    int facilities = 0, open = 0 /* open, full or no room for an agent */, full = 0, opening = 0, damaged = 0;
    int no_agent_room = 0;   // open with places left that no whole agent fits
    double capacity = 0;   // persons, over open and full facilities
    double reserved = 0;   // persons inside or on their way, over all facilities
    double stranded_places = 0;  // persons: places that no whole agent fits, over open facilities
    double median_capacity = 0;  // persons, over all facilities
    double occupancy = 0;  // persons, over all facilities
    double arrivals = 0;   // persons on their way, over all facilities
  };
  const Totals& totals() const { return totals_; }
  /// The reason the last action was refused ("" when it was accepted).
  const std::string& last_refusal() const { return refusal_; }
  bool confirming_damage() const { return valid(confirm_damage_for_); }
  /// Whether the last Draw showed the coarse-agent notice.
  bool coarse_notice() const { return coarse_notice_; }
  /// Whether the row order was held (mouse over the table) in the last Draw.
  bool holding_order() const { return hold_order_; }

 private:
  ShelterId scrolled_to_ = kNoShelter;
  void update_totals(const DashboardContext& ctx);
  void rebuild(const DashboardContext& ctx, const ImGuiTableSortSpecs* specs);
  void draw_table(DashboardContext& ctx, float height);
  void draw_actions(DashboardContext& ctx);
  void act(DashboardContext& ctx, CommandType type, ShelterId f, double value, const char* what);

  std::vector<std::int32_t> order_;
  std::vector<std::string> haystack_;  // "name\tarea" per facility, for the text filter
  std::vector<ImGuiTableColumnSortSpecs> sort_;  // the specs the order was built with
  SnapshotKey built_for_, totals_for_;
  std::string built_filter_;
  int built_state_filter_ = -2;
  bool dirty_ = true;
  int rebuilds_ = 0;
  Totals totals_;
  bool coarse_notice_ = false;
  bool hold_order_ = false;  // the mouse was over the table: a new snapshot does not re-sort it
  // Actions.
  ShelterId capacity_for_ = kNoShelter;  // facility the capacity field was filled from
  double capacity_input_ = 0;
  ShelterId confirm_damage_for_ = kNoShelter;
  std::string refusal_;
};

}  // namespace kitaku::ui
