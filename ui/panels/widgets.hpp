#pragma once
// Small helpers the panels share, so that their tables, tab bars and labels look
// and behave the same: printf into a std::string, section headings, outcome lines,
// tab bars whose tabs the shell can select by name, and tables (column set-up,
// header row, cells).
#include <imgui.h>

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <initializer_list>
#include <string>

#include "kitaku/ui/context.hpp"

namespace kitaku::ui {

// ------------------------------------------------------------------ text

/// printf into a std::string (the first 511 bytes; longer output is cut).
std::string format(const char* fmt, auto... args) {
  char b[512];
  std::snprintf(b, sizeof b, fmt, args...);
  return b;
}

/// The scenario clock of a time after the quake as "HH<sep>MM" ("1405", "14:05").
std::string hhmm(const DashboardContext& ctx, std::int64_t time_s, const char* sep = "");

/// "#N name" for facility N, the id commands and logs use ("#N" when the city has no
/// facility N; "-" for none).
std::string facility_label(const City& city, ShelterId f);
/// "temporary stay facility" / "designated shelter" / "evacuation site" in the language now.
const char* facility_kind_label(FacilityKind k);
/// "stay" / "shelter" / "evac. site" (a table cell).
const char* facility_kind_short(FacilityKind k);
/// Where the facility's capacity came from, as a sentence (tooltips).
const char* capacity_source_label(const Facility& f);
/// "#N name" for road N ("#N" when it has no name or the network no such edge; "-" for none).
std::string edge_label(const Network& net, EdgeId e);

/// The full-width band of the window from where it is made down to the cursor when
/// hovered() is asked (a table drawn in between; a group's rectangle would not do:
/// stretching table columns do not widen it). Lists that re-sort as the simulation
/// runs hold their order while the mouse is over them, even while a button in them
/// is held down, so the row under the cursor is the row that gets the click.
class HoverZone {
 public:
  HoverZone();
  bool hovered() const;

 private:
  ImVec2 min_;
  float width_;
};

// ------------------------------------------------------------------ colours and lines

/// Text colours: a failed save or export, a finished or applied one, and something
/// late (a time already past, a comparison at another time).
inline const ImVec4 kFailedColour(1, 0.5f, 0.4f, 1);
inline const ImVec4 kDoneColour(0.5f, 0.9f, 0.5f, 1);
inline const ImVec4 kLateColour(1, 0.75f, 0.3f, 1);
/// A command the simulation refused, or a computation that failed.
inline const ImVec4 kRefusedColour(0.95f, 0.4f, 0.35f, 1);

/// A heading over a part of a panel: spacing, `title` (in the style colour `text`,
/// e.g. ImGuiCol_TextDisabled for a quiet one), a separator.
void section(const char* title, ImGuiCol text = ImGuiCol_Text);

/// The outcome of a save or export, when there is one: `message` in kDoneColour, or in
/// kFailedColour when `failed`.
void outcome_text(const std::string& message, bool failed);

/// "Refused: <reason>" in kRefusedColour, when `refusal` is not empty (the reason
/// ctx.send gave for the last command the panel sent).
void refusal_text(const std::string& refusal);

// ------------------------------------------------------------------ tab bars

/// The tabs of a tab bar begun with ImGui::BeginTabBar (the caller ends it). Each tab
/// is marked (ctx.mark) as `mark`, e.g. "kpi.tab.charts"; the part after the last '.'
/// names it for `show_tab`: the tab named there is selected once (the shell's
/// --kpi-tab / --drill-tab) and show_tab cleared.
struct NamedTabs {
  DashboardContext& ctx;
  std::string& show_tab;
  /// When set, each tab's body is drawn in a child window of this ID, which scrolls
  /// under the tab bar.
  const char* body_child = nullptr;

  /// One tab: body() draws its contents when it is the open tab.
  template <class Body>
  void tab(const char* label, const char* mark, Body&& body) const {
    if (!begin(label, mark)) return;
    if (body_child) ImGui::BeginChild(body_child);
    body();
    if (body_child) ImGui::EndChild();
    ImGui::EndTabItem();
  }

  /// ImGui::BeginTabItem, selecting the tab if show_tab names it, then the mark. True
  /// when the tab is open: ImGui::EndTabItem() is then due.
  bool begin(const char* label, const char* mark) const;
};

// ------------------------------------------------------------------ tables

/// A stretching table with a row background and an outer border; kListTable also
/// scrolls (begin_table then keeps the header row in view).
inline constexpr ImGuiTableFlags kPlainTable =
    ImGuiTableFlags_RowBg | ImGuiTableFlags_BordersOuter | ImGuiTableFlags_SizingStretchProp;
inline constexpr ImGuiTableFlags kListTable = kPlainTable | ImGuiTableFlags_ScrollY;

/// A column of begin_table: its header label ("Time##time"; "##id" for none) and
/// its width as a stretch weight (ImGuiTableFlags_SizingStretchProp; 0: ImGui's default).
struct Column {
  const char* label;
  float weight;
};

/// ImGui::BeginTable with one column per `columns`, the header row frozen when the
/// table scrolls (ImGuiTableFlags_ScrollY), and the header row drawn unless
/// `headers` is false. True when the table is shown: ImGui::EndTable() is then due.
bool begin_table(const char* id, std::initializer_list<Column> columns, ImGuiTableFlags flags,
                 const ImVec2& size = ImVec2(0, 0), bool headers = true);

/// A table height that takes the rest of the window, but at least `min_height`.
inline float rest_height(float min_height) { return std::max(min_height, ImGui::GetContentRegionAvail().y); }

/// A table height showing the header and `rows` rows, at most `max_rows` of them
/// (more scroll).
inline float rows_height(std::size_t rows, std::size_t max_rows) {
  return ImGui::GetTextLineHeightWithSpacing() * (static_cast<float>(std::min(rows, max_rows)) + 1.5f);
}

/// The next cell of the current table row, holding `text` as it is.
void next_cell(const char* text);
inline void next_cell(const std::string& text) { next_cell(text.c_str()); }
/// The next cell, holding printf-formatted text.
void next_cellf(const char* fmt, ...) IM_FMTARGS(1);

/// A new table row: `label`, then `a` and `b` each printed with `fmt` (two values
/// side by side, e.g. a drill and its baseline). Further cells may follow.
void compare_row(const char* label, const char* fmt, double a, double b);

}  // namespace kitaku::ui
