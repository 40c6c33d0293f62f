#include "facilities_panel.hpp"

#include <algorithm>
#include <cmath>
#include <string_view>
#include <vector>

#include "kitaku/ui/i18n.hpp"
#include "panels/widgets.hpp"

namespace kitaku::ui {

FacilityStatus facility_status(const Snapshot& s, std::size_t f) {
  if (f < s.facility_damaged.size() && s.facility_damaged[f]) return FacilityStatus::kDamaged;
  switch (s.facility_state[f]) {
    case FacilityState::kOpen: return FacilityStatus::kOpen;
    case FacilityState::kFull:
      // The simulation is full when no whole agent fits; in persons, only when the
      // places reserved reach the capacity (half a person of rounding allowed).
      return s.facility_reserved[f] >= s.facility_capacity[f] - 0.5 ? FacilityStatus::kFull : FacilityStatus::kNoAgentRoom;
    case FacilityState::kClosed: break;
  }
  const std::int64_t at = f < s.facility_open_at_s.size() ? s.facility_open_at_s[f] : -1;
  return at > s.time_s ? FacilityStatus::kOpening : FacilityStatus::kClosed;
}

double free_places(const Snapshot& s, std::size_t f) {
  return std::max(0.0, s.facility_capacity[f] - s.facility_reserved[f]);
}

std::int64_t agent_places(const Snapshot& s, std::size_t f) {
  const double w = s.persons_per_agent > 0 ? s.persons_per_agent : 1;
  return static_cast<std::int64_t>(std::floor(s.facility_capacity[f] / w + 1e-9));  // as the engine counts
}

const char* facility_status_label(FacilityStatus st) {
  switch (st) {
    case FacilityStatus::kNoAgentRoom: return L("no room for an agent", "1エージェント分の空きなし");
    case FacilityStatus::kClosed: return L("closed", "閉鎖");
    case FacilityStatus::kOpening: return L("opening", "開設準備中");
    case FacilityStatus::kOpen: return L("open", "開設");
    case FacilityStatus::kFull: return L("full", "満員");
    case FacilityStatus::kDamaged: return L("damaged", "被災");
  }
  return "?";
}

namespace {

ImVec4 status_colour(FacilityStatus st) {
  switch (st) {
    case FacilityStatus::kOpen: return {0.45f, 0.85f, 0.45f, 1};
    case FacilityStatus::kFull: return {0.95f, 0.45f, 0.35f, 1};
    case FacilityStatus::kNoAgentRoom: return {0.95f, 0.65f, 0.35f, 1};
    case FacilityStatus::kOpening: return {0.95f, 0.8f, 0.3f, 1};
    case FacilityStatus::kDamaged: return {0.6f, 0.6f, 0.6f, 1};
    case FacilityStatus::kClosed: break;
  }
  return {0.75f, 0.75f, 0.75f, 1};
}

bool is_open(FacilityStatus st) {
  return st == FacilityStatus::kOpen || st == FacilityStatus::kFull || st == FacilityStatus::kNoAgentRoom;
}

double percent_full(const Snapshot& s, std::size_t f) {
  const double cap = s.facility_capacity[f];
  return cap > 0 ? 100.0 * s.facility_occupancy[f] / cap : 0.0;
}

double arrivals(const Snapshot& s, std::size_t f) {
  return std::max(0.0, s.facility_reserved[f] - s.facility_occupancy[f]);
}

/// ImGuiTextFilter's rules ("a,b" any of, "-c" none of), matching UTF-8 bytes with
/// ASCII-only case folding. ImGuiTextFilter::PassFilter cannot be used: its
/// ImStristr compares toupper() of a signed char, so no Japanese word ever matches.
bool passes(const ImGuiTextFilter& filter, std::string_view text) {
  auto fold = [](char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c; };
  auto contains = [&](const char* b, const char* e) {
    const std::string_view needle(b, static_cast<std::size_t>(e - b));
    return std::search(text.begin(), text.end(), needle.begin(), needle.end(),
                       [&](char x, char y) { return fold(x) == fold(y); }) != text.end();
  };
  for (const auto& r : filter.Filters) {
    if (r.empty()) continue;
    if (r.b[0] == '-') {
      if (r.e - r.b > 1 && contains(r.b + 1, r.e)) return false;
    } else if (contains(r.b, r.e)) {
      return true;
    }
  }
  return filter.CountGrep == 0;  // only exclusions: everything else passes
}

bool same_specs(const std::vector<ImGuiTableColumnSortSpecs>& a, const ImGuiTableSortSpecs* b) {
  const int n = b ? b->SpecsCount : 0;
  if (static_cast<int>(a.size()) != n) return false;
  for (int i = 0; i < n; ++i)
    if (a[i].ColumnUserID != b->Specs[i].ColumnUserID || a[i].SortDirection != b->Specs[i].SortDirection) return false;
  return true;
}

}  // namespace

void FacilitiesPanel::update_totals(const DashboardContext& ctx) {
  const Snapshot& s = *ctx.snap;
  const std::size_t n = std::min(ctx.city.facilities.size(), s.facility_state.size());
  totals_ = {};
  totals_.facilities = static_cast<int>(n);
  const double w = s.persons_per_agent;
  std::vector<double> caps(n);
  for (std::size_t f = 0; f < n; ++f) {
    const FacilityStatus st = facility_status(s, f);
    totals_.open += is_open(st);
    totals_.full += st == FacilityStatus::kFull;
    totals_.no_agent_room += st == FacilityStatus::kNoAgentRoom;
    totals_.opening += st == FacilityStatus::kOpening;
    totals_.damaged += st == FacilityStatus::kDamaged;
    if (is_open(st)) {
      totals_.capacity += s.facility_capacity[f];
      totals_.stranded_places += s.facility_capacity[f] - static_cast<double>(agent_places(s, f)) * w;
    }
    totals_.occupancy += s.facility_occupancy[f];
    totals_.reserved += s.facility_reserved[f];
    totals_.arrivals += arrivals(s, f);
    caps[f] = s.facility_capacity[f];
  }
  if (n > 0) {
    std::nth_element(caps.begin(), caps.begin() + static_cast<std::ptrdiff_t>(n / 2), caps.end());
    totals_.median_capacity = caps[n / 2];
  }
  totals_for_ = SnapshotKey::of(ctx.snap.get());
}

void FacilitiesPanel::rebuild(const DashboardContext& ctx, const ImGuiTableSortSpecs* specs) {
  const Snapshot& s = *ctx.snap;
  const std::size_t n = std::min(ctx.city.facilities.size(), s.facility_state.size());
  if (haystack_.size() != n) {
    haystack_.resize(n);
    for (std::size_t f = 0; f < n; ++f) haystack_[f] = ctx.city.facilities[f].name + "\t" + ctx.city.facilities[f].area;
  }
  order_.clear();
  for (std::size_t f = 0; f < n; ++f) {
    if (state_filter >= 0 && static_cast<int>(facility_status(s, f)) != state_filter) continue;
    if (filter.IsActive() && !passes(filter, haystack_[f])) continue;
    order_.push_back(static_cast<std::int32_t>(f));
  }
  sort_.assign(specs ? specs->Specs : nullptr, specs ? specs->Specs + specs->SpecsCount : nullptr);
  if (!sort_.empty()) {
    const auto& fac = ctx.city.facilities;
    auto cmp_col = [&](ImGuiID col, std::size_t a, std::size_t b) -> int {
      auto three = [](auto x, auto y) { return x < y ? -1 : y < x ? 1 : 0; };
      switch (col) {
        case kId: return three(a, b);
        case kName: return fac[a].name.compare(fac[b].name);
        case kArea: return fac[a].area.compare(fac[b].area);
        case kCapacity: return three(s.facility_capacity[a], s.facility_capacity[b]);
        case kOccupancy: return three(s.facility_occupancy[a], s.facility_occupancy[b]);
        case kPercentFull: return three(percent_full(s, a), percent_full(s, b));
        case kState: return three(static_cast<int>(facility_status(s, a)), static_cast<int>(facility_status(s, b)));
        case kArrivals: return three(arrivals(s, a), arrivals(s, b));
        case kFree: return three(free_places(s, a), free_places(s, b));
        default: return 0;
      }
    };
    std::stable_sort(order_.begin(), order_.end(), [&](std::int32_t a, std::int32_t b) {
      for (const auto& sp : sort_) {
        const int c = cmp_col(sp.ColumnUserID, static_cast<std::size_t>(a), static_cast<std::size_t>(b));
        if (c != 0) return sp.SortDirection == ImGuiSortDirection_Ascending ? c < 0 : c > 0;
      }
      return false;  // stable: ties keep facility order
    });
  }
  built_for_ = SnapshotKey::of(ctx.snap.get());
  built_filter_ = filter.InputBuf;
  built_state_filter_ = state_filter;
  dirty_ = false;
  ++rebuilds_;
}

void FacilitiesPanel::Draw(DashboardContext& ctx) {
  if (!ctx.snap || ctx.snap->facility_state.empty()) {
    ImGui::TextDisabled("%s", L("No facilities in this scenario.", "この想定には一時滞在施設がありません。"));
    return;
  }
  // Header: totals over the city.
  const SnapshotKey key = SnapshotKey::of(ctx.snap.get());
  if (!(totals_for_ == key)) update_totals(ctx);
  // While the mouse is over the table a new snapshot updates the values shown but not
  // the order, so the row under the cursor stays the one that gets the click.
  if (!(built_for_ == key) && !hold_order_) dirty_ = true;
  const Totals& t = totals_;
  ImGui::Text(L("Open %d of %d (full %d, no room for an agent %d, opening %d, damaged %d)",
                "開設 %d / %d（満員 %d、1エージェント分の空きなし %d、準備中 %d、被災 %d）"),
              t.open, t.facilities, t.full, t.no_agent_room, t.opening, t.damaged);
  ImGui::Text(L("Places %.0f · inside %.0f (%.1f %%) · on their way %.0f · free %.0f persons",
                "収容可能 %.0f 人・滞在 %.0f 人（%.1f %%）・移動中 %.0f 人・空き %.0f 人"),
              t.capacity, t.occupancy, t.capacity > 0 ? 100.0 * t.occupancy / t.capacity : 0.0, t.arrivals,
              std::max(0.0, t.capacity - t.reserved));
  const double w = ctx.snap->persons_per_agent;
  coarse_notice_ = t.median_capacity > 0 && w >= coarse_share * t.median_capacity;
  if (coarse_notice_) {
    ImGui::PushTextWrapPos(0);
    ImGui::TextColored(kLateColour,
                       L("Coarse agents: one agent stands for %.0f persons and a facility takes whole agents, so a "
                         "facility of the median %.0f places holds %lld agents (%.0f persons). %.0f places in open "
                         "facilities fit no whole agent; 'no room for an agent' marks facilities with places left. "
                         "Use more agents (population.agents) for facility detail.",
                         "粗いエージェント：1エージェントは %.0f 人を表し、施設には整数のエージェントしか入りません。"
                         "中央値 %.0f 人の施設には %lld エージェント（%.0f 人）まで。開設施設の %.0f 人分の枠は"
                         "エージェントが入れません（「1エージェント分の空きなし」）。施設の詳細には population.agents を増やしてください。"),
                       w, t.median_capacity, static_cast<long long>(std::floor(t.median_capacity / w + 1e-9)),
                       std::floor(t.median_capacity / w + 1e-9) * w, t.stranded_places);
    ImGui::PopTextWrapPos();
    ctx.mark("facilities.coarse_notice");
  }

  // Where the places come from, when not all from the file (docs/facilities.md, "Capacities").
  {
    std::size_t defaulted = 0, overridden = 0, shelters = 0;
    for (const Facility& f : ctx.city.facilities) {
      defaulted += f.capacity_source == CapacitySource::kDefault;
      overridden += f.capacity_source == CapacitySource::kOverride;
      shelters += f.kind == FacilityKind::kDesignatedShelter;
    }
    if (defaulted || overridden || shelters) {
      ImGui::TextDisabled(L("Places: %zu defaulted (d), %zu set by the scenario (o), c = changed by a command; "
                            "%zu designated shelters",
                            "収容人数：既定値 %zu 件 (d)、シナリオ指定 %zu 件 (o)、c = 指示で変更；指定避難所 %zu 件"),
                          defaulted, overridden, shelters);
      ctx.mark("facilities.capacity_sources");
    }
  }

  // Filters.
  ImGui::SetNextItemWidth(std::max(120.0f, ImGui::GetContentRegionAvail().x * 0.45f));
  if (filter.Draw(L("Filter name / area##filter", "名称・地域で絞り込み##filter"))) dirty_ = true;
  ctx.mark("facilities.filter");
  ImGui::SameLine();
  ImGui::BeginDisabled(!filter.IsActive());
  if (ImGui::Button(L("Clear##filter_clear", "消去##filter_clear"))) {
    filter.Clear();
    dirty_ = true;
  }
  ctx.mark("facilities.filter_clear");
  ImGui::EndDisabled();
  ImGui::SameLine();
  const char* preview = state_filter < 0 ? L("all states", "すべての状態")
                                         : facility_status_label(static_cast<FacilityStatus>(state_filter));
  ImGui::SetNextItemWidth(140);
  if (ImGui::BeginCombo("##state_filter", preview)) {
    for (int i = -1; i < kFacilityStatusCount; ++i) {
      const char* label = i < 0 ? L("all states", "すべての状態") : facility_status_label(static_cast<FacilityStatus>(i));
      ImGui::PushID(i);
      if (ImGui::Selectable(label, state_filter == i)) {
        state_filter = i;
        dirty_ = true;
      }
      ctx.mark("facilities.state_filter." + std::to_string(i));
      ImGui::PopID();
    }
    ImGui::EndCombo();
  }
  ctx.mark("facilities.state_filter");
  if (built_filter_ != filter.InputBuf || built_state_filter_ != state_filter) dirty_ = true;

  // Leave room below the table for the actions.
  const float actions_h = ImGui::GetFrameHeightWithSpacing() * 6 + ImGui::GetTextLineHeightWithSpacing() * 2;
  const float table_h = std::max(ImGui::GetContentRegionAvail().y - actions_h, ImGui::GetFrameHeightWithSpacing() * 6);
  const HoverZone zone;
  draw_table(ctx, table_h);
  hold_order_ = zone.hovered();
  draw_actions(ctx);
}

void FacilitiesPanel::draw_table(DashboardContext& ctx, float height) {
  const Snapshot& s = *ctx.snap;
  constexpr ImGuiTableFlags flags = ImGuiTableFlags_Sortable | ImGuiTableFlags_SortMulti | ImGuiTableFlags_RowBg |
                                    ImGuiTableFlags_BordersOuter | ImGuiTableFlags_BordersV | ImGuiTableFlags_Resizable |
                                    ImGuiTableFlags_Hideable | ImGuiTableFlags_ScrollY | ImGuiTableFlags_SizingStretchProp;
  if (!ImGui::BeginTable("facilities_table", kColumnCount, flags, ImVec2(0, height))) return;
  const ImGuiTableColumnFlags num = ImGuiTableColumnFlags_PreferSortDescending;
  ImGui::TableSetupScrollFreeze(0, 1);
  ImGui::TableSetupColumn("###id", 0, 0.5f, kId);
  ImGui::TableSetupColumn(L("Name##name", "名称##name"), ImGuiTableColumnFlags_DefaultSort | ImGuiTableColumnFlags_NoHide, 3.0f, kName);
  ImGui::TableSetupColumn(L("Area##area", "地域##area"), 0, 1.3f, kArea);
  ImGui::TableSetupColumn(L("Places##capacity", "収容人数##capacity"), num, 0.9f, kCapacity);
  ImGui::TableSetupColumn(L("Inside##occupancy", "滞在者##occupancy"), num, 0.9f, kOccupancy);
  ImGui::TableSetupColumn(L("Arriving##arrivals", "到着予定##arrivals"), num, 0.9f, kArrivals);
  ImGui::TableSetupColumn(L("Free##free", "空き##free"), num, 0.8f, kFree);
  ImGui::TableSetupColumn(L("% inside##percent", "滞在率##percent"), num, 0.8f, kPercentFull);
  ImGui::TableSetupColumn(L("State##state", "状態##state"), 0, 1.3f, kState);

  // Header row by hand so each header can be marked for tests.
  static constexpr const char* kColumnIds[kColumnCount] = {"id",       "name", "area",    "capacity", "occupancy",
                                                           "arrivals", "free", "percent", "state"};
  ImGui::TableNextRow(ImGuiTableRowFlags_Headers);
  for (int c = 0; c < kColumnCount; ++c) {
    if (!ImGui::TableSetColumnIndex(c)) continue;
    ImGui::PushID(c);
    ImGui::TableHeader(ImGui::TableGetColumnName(c));
    ImGui::PopID();
    ctx.mark(std::string("facilities.header.") + kColumnIds[c]);
  }

  if (ImGuiTableSortSpecs* specs = ImGui::TableGetSortSpecs()) {
    if (specs->SpecsDirty || !same_specs(sort_, specs)) dirty_ = true;
    if (dirty_) rebuild(ctx, specs);
    specs->SpecsDirty = false;
  } else if (dirty_) {
    rebuild(ctx, nullptr);
  }

  // A facility selected elsewhere (the map, an alert) is scrolled into view.
  if (ctx.selected_facility != scrolled_to_) {
    scrolled_to_ = ctx.selected_facility;
    for (std::size_t r = 0; r < order_.size(); ++r)
      if (make_id<ShelterId>(static_cast<std::uint64_t>(order_[r])) == ctx.selected_facility) {
        const float row_h = ImGui::GetTextLineHeight() + 2 * ImGui::GetStyle().CellPadding.y;
        const float y = static_cast<float>(r) * row_h;
        if (y < ImGui::GetScrollY() || y > ImGui::GetScrollY() + height - 3 * row_h)
          ImGui::SetScrollY(std::max(0.0f, y - height / 3));
        break;
      }
  }
  ImGuiListClipper clipper;
  clipper.Begin(static_cast<int>(order_.size()));
  while (clipper.Step()) {
    for (int r = clipper.DisplayStart; r < clipper.DisplayEnd; ++r) {
      const auto f = static_cast<std::size_t>(order_[static_cast<std::size_t>(r)]);
      const Facility& fac = ctx.city.facilities[f];
      const FacilityStatus st = facility_status(s, f);
      ImGui::TableNextRow();
      ImGui::TableNextColumn();
      ImGui::PushID(static_cast<int>(f));
      const std::string id = format("%zu", f);
      if (ImGui::Selectable(id.c_str(), ctx.selected_facility == make_id<ShelterId>(f),
                            ImGuiSelectableFlags_SpanAllColumns | ImGuiSelectableFlags_AllowItemOverlap)) {
        ctx.selected_facility = make_id<ShelterId>(f);
        scrolled_to_ = ctx.selected_facility;  // chosen here: already in view
        ctx.centre_request = true;
        ctx.centre_on = fac.pos;
      }
      ctx.mark("facilities.row." + std::to_string(f));
      ImGui::PopID();
      next_cell(fac.name);
      if (fac.kind == FacilityKind::kTemporaryStay) next_cell(fac.area);
      else next_cellf("%s · %s", fac.area.c_str(), facility_kind_short(fac.kind));
      // The capacity's source: d = the kind's default, o = the scenario's override,
      // c = changed by a command since (docs/facilities.md, "Capacities").
      const bool changed = s.facility_capacity[f] != static_cast<double>(fac.capacity);
      next_cellf("%.0f%s", s.facility_capacity[f],
                 changed ? " c" : fac.capacity_source == CapacitySource::kDefault ? " d"
                                  : fac.capacity_source == CapacitySource::kOverride ? " o" : "");
      if (ImGui::IsItemHovered()) ImGui::SetTooltip("%s", changed ? L("changed by a command", "指示で変更") : capacity_source_label(fac));
      next_cellf("%.0f", s.facility_occupancy[f]);
      next_cellf("%.0f", arrivals(s, f));
      next_cellf("%.0f", free_places(s, f));
      ImGui::TableNextColumn();
      if (s.facility_capacity[f] > 0) ImGui::Text("%.0f %%", percent_full(s, f));
      else ImGui::TextDisabled("-");
      ImGui::TableNextColumn();
      if (st == FacilityStatus::kOpening)
        ImGui::TextColored(status_colour(st), L("opening %s", "%s 開設予定"),
                           hhmm(ctx, s.facility_open_at_s[f], ":").c_str());
      else
        ImGui::TextColored(status_colour(st), "%s", facility_status_label(st));
      if (st == FacilityStatus::kNoAgentRoom && ImGui::IsItemHovered())
        ImGui::SetTooltip(L("%.0f places left, but one agent stands for %.0f persons: nobody more is sent here.",
                            "空き %.0f 人分ですが、1エージェントは %.0f 人のため、これ以上は誘導されません。"),
                          free_places(s, f), s.persons_per_agent);
    }
  }
  ImGui::EndTable();
}

void FacilitiesPanel::act(DashboardContext& ctx, CommandType type, ShelterId f, double value, const char* what) {
  Command c;
  c.time_s = ctx.snap->time_s;
  c.type = type;
  c.facility = f;
  c.value = value;
  if (ctx.send(std::move(c))) {
    refusal_.clear();
    ctx.status = std::string(what) + ": " + ctx.city.facilities[index(f)].name;
  } else {
    refusal_ = ctx.status;
  }
}

void FacilitiesPanel::draw_actions(DashboardContext& ctx) {
  const Snapshot& s = *ctx.snap;
  ImGui::Separator();
  const ShelterId sel = ctx.selected_facility;
  if (!ctx.exists(sel) || index(sel) >= s.facility_state.size()) {
    ImGui::TextDisabled("%s", L("Select a facility in the table or on the map to act on it.",
                                "表または地図で施設を選ぶと操作できます。"));
    return;
  }
  const std::size_t f = index(sel);
  const Facility& fac = ctx.city.facilities[f];
  const FacilityStatus st = facility_status(s, f);
  if (capacity_for_ != sel) {  // a new selection: start from its capacity now
    capacity_for_ = sel;
    capacity_input_ = s.facility_capacity[f];
    confirm_damage_for_ = kNoShelter;
    refusal_.clear();
  }
  ImGui::Text("%s", fac.name.c_str());
  ImGui::SameLine();
  ImGui::TextColored(status_colour(st), "[%s]", facility_status_label(st));
  ImGui::SameLine();
  ImGui::TextDisabled(L("#%zu · %.0f inside, %.0f arriving, %.0f free of %.0f places", "#%zu・滞在 %.0f 人、到着予定 %.0f 人、空き %.0f 人／%.0f 人"),
                      f, s.facility_occupancy[f], arrivals(s, f), free_places(s, f), s.facility_capacity[f]);

  const bool damaged = st == FacilityStatus::kDamaged;
  ImGui::BeginDisabled(damaged);
  if (ImGui::Button(L("Open##open", "開設##open"))) act(ctx, CommandType::kOpenFacility, sel, 0, L("Open", "開設"));
  ctx.mark("facilities.open");
  ImGui::SameLine();
  if (ImGui::Button(L("Close##close", "閉鎖##close"))) act(ctx, CommandType::kCloseFacility, sel, 0, L("Close", "閉鎖"));
  ctx.mark("facilities.close");
  ImGui::EndDisabled();
  if (ImGui::IsItemHovered(ImGuiHoveredFlags_AllowWhenDisabled))
    ImGui::SetTooltip("%s", L("Occupants and those on their way look for another facility.",
                              "滞在者と移動中の人は別の施設を探します。"));

  ImGui::SetNextItemWidth(120);
  ImGui::InputDouble(L("persons##capacity", "人##capacity"), &capacity_input_, 0, 0, "%.0f");
  ctx.mark("facilities.capacity");
  if (capacity_input_ < 0) capacity_input_ = 0;
  ImGui::SameLine();
  if (ImGui::Button(L("Set capacity##set_capacity", "収容人数を設定##set_capacity")))
    act(ctx, CommandType::kSetCapacity, sel, std::floor(capacity_input_), L("Set capacity", "収容人数を設定"));
  ctx.mark("facilities.set_capacity");

  if (confirm_damage_for_ == sel) {
    ImGui::TextColored({0.95f, 0.45f, 0.35f, 1}, "%s",
                       L("Mark as damaged? It closes for good and cannot be reopened.",
                         "被災として閉鎖しますか？ 再開設はできません。"));
    if (ImGui::Button(L("Confirm: damaged##damage_confirm", "確定：被災##damage_confirm"))) {
      confirm_damage_for_ = kNoShelter;
      act(ctx, CommandType::kDamageFacility, sel, 0, L("Marked damaged", "被災として閉鎖"));
    }
    ctx.mark("facilities.damage_confirm");
    ImGui::SameLine();
    if (ImGui::Button(L("Cancel##damage_cancel", "取消##damage_cancel"))) confirm_damage_for_ = kNoShelter;
    ctx.mark("facilities.damage_cancel");
  } else {
    ImGui::BeginDisabled(damaged);
    if (ImGui::Button(L("Mark damaged...##damage", "被災として閉鎖...##damage"))) confirm_damage_for_ = sel;
    ctx.mark("facilities.damage");
    ImGui::EndDisabled();
  }
  refusal_text(refusal_);
}

}  // namespace kitaku::ui
