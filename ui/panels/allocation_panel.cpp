#include "allocation_panel.hpp"

#include <imgui.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <exception>
#include <string>

#include "kitaku/sim/allocation_planner.hpp"
#include "kitaku/ui/i18n.hpp"
#include "panels/widgets.hpp"

namespace kitaku::ui {

namespace {

double room_of(const Snapshot& s, std::size_t f) {
  return std::max(0.0, s.facility_capacity[f] - s.facility_reserved[f]);
}

double arrivals_of(const Snapshot& s, std::size_t f) {
  return std::max(0.0, s.facility_reserved[f] - s.facility_occupancy[f]);
}

bool valid_facility(const DashboardContext& ctx, ShelterId f) {
  return ctx.exists(f) && index(f) < ctx.snap->facility_state.size();
}

}  // namespace

// What every plan needs and that does not change during a run: the planner is built
// with the first plan (on the worker when there is one), then only read.
struct AllocationPanel::PlanInputs {
  std::unique_ptr<AllocationPlanner> planner;
  std::vector<std::uint8_t> priority;  // per agent; empty when the population is unknown
};

// The whole computation, free of ImGui: runs on the UI thread or on the worker.
std::unique_ptr<AllocationPanel::PlanResult> AllocationPanel::compute_plan(const Network& net, const City& city,
                                                                           const Snapshot& s, const PlanSettings& set,
                                                                           PlanInputs& in) {
  const auto t0 = std::chrono::steady_clock::now();
  if (!in.planner) in.planner = std::make_unique<AllocationPlanner>(net, city, in.priority);
  PlannerSettings ps;
  ps.params = set.params;
  ps.limits = set.limits;
  ps.areas = {set.areas.x0, set.areas.y0, set.areas.cell_m};
  ps.max_cell_m = set.max_cell_m;
  ps.max_groups = set.max_groups;
  auto r = std::make_unique<PlanResult>(in.planner->plan(s, ps));
  r->seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  return r;
}

AllocationPanel::~AllocationPanel() {
  if (worker_.joinable()) worker_.join();
}

std::int64_t AllocationPanel::unsheltered_in(int cell) const {
  return cell >= 0 && static_cast<std::size_t>(cell) < unsheltered_.size() ? unsheltered_[static_cast<std::size_t>(cell)] : 0;
}

std::int64_t AllocationPanel::to_facility_in(int cell) const {
  return cell >= 0 && static_cast<std::size_t>(cell) < to_facility_.size() ? to_facility_[static_cast<std::size_t>(cell)] : 0;
}

double AllocationPanel::area_radius_m(const DashboardContext& ctx, int area) const {
  return ctx.areas().radius_m(area);
}

void AllocationPanel::recount(const DashboardContext& ctx) {
  const Snapshot& s = *ctx.snap;
  const Areas& areas = ctx.areas();
  if (counted_mode_ != areas.mode()) rows_.clear();  // another division: nothing to hold
  counted_mode_ = areas.mode();
  const auto cells = static_cast<std::size_t>(areas.count());
  unsheltered_.assign(cells, 0);
  to_facility_.assign(cells, 0);
  retained_.assign(cells, 0);
  if (s.has_agents) {
    const std::size_t n = std::min({s.agent_state.size(), s.agent_x.size(), s.agent_y.size()});
    for (std::size_t a = 0; a < n; ++a) {
      const AgentState st = s.agent_state[a];
      std::vector<std::int64_t>* count = st == AgentState::kUnsheltered ? &unsheltered_
                                         : st == AgentState::kToFacility ? &to_facility_
                                         : st == AgentState::kRetained   ? &retained_
                                                                         : nullptr;
      if (!count) continue;
      const int area = areas.area_of(s.agent_x[a], s.agent_y[a]);
      if (area >= 0) ++(*count)[static_cast<std::size_t>(area)];
    }
  }
  const auto row_of = [&](std::size_t c) {
    return AreaRow{static_cast<int>(c), unsheltered_[c], to_facility_[c], retained_[c]};
  };
  if (hold_areas_ && !rows_.empty()) {
    // The mouse is over the table: the same areas in the same order, with today's
    // counts; areas that have become non-empty go at the end.
    std::vector<std::uint8_t> listed(cells, 0);
    for (AreaRow& r : rows_) {
      const auto c = static_cast<std::size_t>(r.cell);
      if (c < cells) {
        r = row_of(c);
        listed[c] = 1;
      }
    }
    for (std::size_t c = 0; c < cells; ++c)
      if (!listed[c] && (unsheltered_[c] > 0 || to_facility_[c] > 0)) rows_.push_back(row_of(c));
    areas_unsorted_ = true;
  } else {
    areas_unsorted_ = false;
    rows_.clear();
    for (std::size_t c = 0; c < cells; ++c)
      if (unsheltered_[c] > 0 || to_facility_[c] > 0) rows_.push_back(row_of(c));
    std::sort(rows_.begin(), rows_.end(), [](const AreaRow& a, const AreaRow& b) {
      if (a.unsheltered != b.unsheltered) return a.unsheltered > b.unsheltered;
      if (a.to_facility != b.to_facility) return a.to_facility > b.to_facility;
      return a.cell < b.cell;
    });
  }
  counted_for_ = SnapshotKey::of(ctx.snap.get());
  ++recounts_;
}

void AllocationPanel::update_suggestions(const DashboardContext& ctx) {
  const Snapshot& s = *ctx.snap;
  suggestions_.clear();
  suggestions_unsorted_ = false;
  suggested_for_ = SnapshotKey::of(ctx.snap.get());
  suggested_area_ = ctx.selected_area;
  if (ctx.selected_area < 0 || ctx.selected_area >= ctx.areas().count()) return;
  const Point c = ctx.areas().centre(static_cast<int>(ctx.selected_area));
  const std::size_t n = std::min(ctx.city.facilities.size(), s.facility_state.size());
  for (std::size_t f = 0; f < n; ++f) {
    if (facility_status(s, f) != FacilityStatus::kOpen) continue;
    const double room = room_of(s, f);
    if (room <= 0) continue;
    const Point& p = ctx.city.facilities[f].pos;
    suggestions_.push_back({make_id<ShelterId>(f), room, std::hypot(p.x - c.x, p.y - c.y)});
  }
  const auto keep = std::min(suggestions_.size(), static_cast<std::size_t>(std::max(0, max_suggestions)));
  std::partial_sort(suggestions_.begin(), suggestions_.begin() + static_cast<std::ptrdiff_t>(keep), suggestions_.end(),
                    [](const Suggestion& a, const Suggestion& b) {
                      return a.distance_m != b.distance_m ? a.distance_m < b.distance_m : a.facility < b.facility;
                    });
  suggestions_.resize(keep);
}

void AllocationPanel::refresh_held_suggestions(const DashboardContext& ctx) {
  const Snapshot& s = *ctx.snap;
  for (Suggestion& g : suggestions_) {
    const auto f = index(g.facility);
    if (f >= s.facility_state.size()) continue;
    g.room = room_of(s, f);
    g.available = facility_status(s, f) == FacilityStatus::kOpen && g.room > 0;
  }
  suggestions_unsorted_ = true;
  suggested_for_ = SnapshotKey::of(ctx.snap.get());
}

void AllocationPanel::Draw(DashboardContext& ctx) {
  if (worker_.joinable() && worker_done_.load(std::memory_order_acquire)) {
    worker_.join();
    finish_plan(std::move(worker_result_));
  }
  if (!ctx.snap) return;
  if (!has_grid_) {
    grid_ = AreaGrid::for_network(ctx.network);
    has_grid_ = true;
  }
  if (guidance_share < 0) guidance_share = static_cast<float>(ctx.scenario.behaviour.guidance_compliance);
  const SnapshotKey key = SnapshotKey::of(ctx.snap.get());
  // A list held while the mouse was over it is sorted again once the mouse has left.
  if (!(counted_for_ == key) || (areas_unsorted_ && !hold_areas_) || counted_mode_ != ctx.area_mode()) recount(ctx);

  draw_area_mode(ctx);
  if (counted_mode_ != ctx.area_mode()) recount(ctx);
  draw_areas(ctx);  // may change the selected area
  if (suggested_area_ != ctx.selected_area || (!(suggested_for_ == key) && !hold_suggestions_) ||
      (suggestions_unsorted_ && !hold_suggestions_))
    update_suggestions(ctx);
  else if (!(suggested_for_ == key))
    refresh_held_suggestions(ctx);
  if (pending_ && (pending_->cell != ctx.selected_area || pending_->facility != guidance_facility)) pending_.reset();
  draw_guidance(ctx);
  draw_suggestions(ctx);
  draw_effects(ctx);
  draw_optimiser(ctx);
  draw_release(ctx);
  refusal_text(refusal_);
}

void AllocationPanel::draw_area_mode(DashboardContext& ctx) {
  ImGui::AlignTextToFramePadding();
  ImGui::TextUnformatted(L("Areas by", "地域の区分"));
  const struct {
    AreaMode mode;
    const char* label;
    const char* id;
  } modes[] = {{AreaMode::kGrid, L("grid##mode_grid", "格子##mode_grid"), "allocation.mode.grid"},
               {AreaMode::kWard, L("ward##mode_ward", "区市町村##mode_ward"), "allocation.mode.ward"},
               {AreaMode::kStation, L("station##mode_station", "駅勢圏##mode_station"), "allocation.mode.station"}};
  for (const auto& m : modes) {
    ImGui::SameLine();
    const bool usable = m.mode == AreaMode::kGrid || ctx.areas_for(m.mode).available();
    ImGui::BeginDisabled(!usable);
    if (ImGui::RadioButton(m.label, ctx.area_mode() == m.mode)) ctx.set_area_mode(m.mode);
    ImGui::EndDisabled();
    if (!usable && ImGui::IsItemHovered(ImGuiHoveredFlags_AllowWhenDisabled))
      ImGui::SetTooltip("%s", m.mode == AreaMode::kWard
                                  ? L("No facility in this city has a ward (area).", "区市町村のわかる施設がありません。")
                                  : L("This city has no stations.", "この都市には駅がありません。"));
    ctx.mark(m.id);
  }
}

void AllocationPanel::draw_areas(DashboardContext& ctx) {
  hold_areas_ = false;
  const Snapshot& s = *ctx.snap;
  const double w = s.persons_per_agent;
  const auto& st = s.row.state;
  section(L("Unsheltered stranded by area", "地域別の屋外滞留者"));
  ImGui::Text(L("Unsheltered %.0f · heading to a facility %.0f · sheltered %.0f persons",
                "屋外滞留 %.0f 人・施設へ移動中 %.0f 人・施設内 %.0f 人"),
              static_cast<double>(st[static_cast<std::size_t>(AgentState::kUnsheltered)]) * w,
              static_cast<double>(st[static_cast<std::size_t>(AgentState::kToFacility)]) * w, s.row.persons_sheltered);
  ImGui::SameLine();
  if (ctx.area_mode() == AreaMode::kGrid)
    ImGui::TextDisabled(L("(squares of %.0f m)", "（%.0f m 四方）"), grid_.cell_m);
  else if (ctx.area_mode() == AreaMode::kWard)
    ImGui::TextDisabled("%s", L("(ward of the nearest facility)", "（最寄り施設の区市町村）"));
  else
    ImGui::TextDisabled("%s", L("(nearest station)", "（最寄り駅）"));
  if (!s.has_agents) {
    ImGui::TextDisabled("%s", L("Agent positions are not in this snapshot; areas cannot be counted.",
                                "このスナップショットには位置情報がないため地域別に集計できません。"));
    return;
  }
  if (rows_.empty()) {
    ImGui::TextDisabled("%s", L("Nobody is stranded outdoors now.", "現在、屋外滞留者はいません。"));
    return;
  }
  const HoverZone zone;
  const bool shown = begin_table("areas_table",
                   {{L("Area##area", "地域##area"), 0.8f},
                    {L("Unsheltered##unsheltered", "屋外滞留##unsheltered"), 1.0f},
                    {L("Heading to facility##to_facility", "施設へ移動中##to_facility"), 1.2f},
                    {L("Retained##retained", "待機中##retained"), 1.0f}},
                   kListTable | ImGuiTableFlags_BordersV, ImVec2(0, rows_height(rows_.size(), 8)));
  if (shown) draw_area_rows(ctx);
  hold_areas_ = shown && zone.hovered();
}

void AllocationPanel::draw_area_rows(DashboardContext& ctx) {
  const double w = ctx.snap->persons_per_agent;
  ImGuiListClipper clipper;
  clipper.Begin(static_cast<int>(rows_.size()));
  while (clipper.Step()) {
    for (int r = clipper.DisplayStart; r < clipper.DisplayEnd; ++r) {
      const AreaRow& row = rows_[static_cast<std::size_t>(r)];
      ImGui::TableNextRow();
      ImGui::TableNextColumn();
      ImGui::PushID(row.cell);
      if (ImGui::Selectable(ctx.areas().label(row.cell).c_str(), ctx.selected_area == row.cell,
                            ImGuiSelectableFlags_SpanAllColumns)) {
        ctx.selected_area = row.cell;
        ctx.centre_request = true;
        ctx.centre_on = ctx.areas().centre(row.cell);
      }
      ctx.mark("allocation.row." + std::to_string(row.cell));
      ImGui::PopID();
      next_cellf("%.0f", static_cast<double>(row.unsheltered) * w);
      next_cellf("%.0f", static_cast<double>(row.to_facility) * w);
      next_cellf("%.0f", static_cast<double>(row.retained) * w);
    }
  }
  ImGui::EndTable();
}

void AllocationPanel::draw_guidance(DashboardContext& ctx) {
  const Snapshot& s = *ctx.snap;
  section(L("Guidance", "誘導"));
  const std::int64_t area = ctx.selected_area;
  if (area < 0 || area >= ctx.areas().count()) {
    ImGui::TextDisabled("%s", L("Select an area above (or on the map) to guide its stranded to a facility.",
                                "上の表（または地図）で地域を選ぶと施設への誘導ができます。"));
    return;
  }
  const int cell = static_cast<int>(area);
  const double w = s.persons_per_agent;
  ImGui::Text(L("Area %s: %.0f unsheltered, %.0f heading to a facility; radius %.0f m",
                "地域 %s：屋外滞留 %.0f 人、施設へ移動中 %.0f 人、半径 %.0f m"),
              ctx.areas().label(cell).c_str(), static_cast<double>(unsheltered_in(cell)) * w,
              static_cast<double>(to_facility_in(cell)) * w, area_radius_m(ctx, cell));

  // Facility chooser (clipped: there may be over a thousand).
  std::string preview = L("choose a facility", "施設を選択");
  if (valid_facility(ctx, guidance_facility)) preview = ctx.city.facilities[index(guidance_facility)].name;
  ImGui::SetNextItemWidth(std::max(160.0f, ImGui::GetContentRegionAvail().x * 0.5f));
  if (ImGui::BeginCombo(L("Facility##guidance_facility", "誘導先##guidance_facility"), preview.c_str())) {
    const std::size_t n = std::min(ctx.city.facilities.size(), s.facility_state.size());
    ImGuiListClipper clipper;
    clipper.Begin(static_cast<int>(n));
    while (clipper.Step()) {
      for (int i = clipper.DisplayStart; i < clipper.DisplayEnd; ++i) {
        const auto f = static_cast<std::size_t>(i);
        const std::string label = ctx.city.facilities[f].name + "  [" + facility_status_label(facility_status(s, f)) + ", " +
                                  std::to_string(static_cast<long long>(room_of(s, f))) + L(" free]", " 人空き]") + "##" +
                                  std::to_string(i);
        if (ImGui::Selectable(label.c_str(), guidance_facility == make_id<ShelterId>(f))) guidance_facility = make_id<ShelterId>(f);
      }
    }
    ImGui::EndCombo();
  }
  ctx.mark("allocation.facility");
  ImGui::SetNextItemWidth(std::max(160.0f, ImGui::GetContentRegionAvail().x * 0.5f));
  ImGui::SliderFloat(L("Compliance##guidance_share", "従う割合##guidance_share"), &guidance_share, 0.0f, 1.0f, "%.2f",
                     ImGuiSliderFlags_AlwaysClamp);
  ctx.mark("allocation.share");

  const bool have_facility = valid_facility(ctx, guidance_facility);
  if (have_facility) {
    const auto f = index(guidance_facility);
    const FacilityStatus st = facility_status(s, f);
    if (st != FacilityStatus::kOpen)
      ImGui::TextColored({0.95f, 0.8f, 0.3f, 1}, L("%s is %s: nobody will be sent there.", "%s は%sのため誘導されません。"),
                         ctx.city.facilities[f].name.c_str(), facility_status_label(st));
  }
  ImGui::BeginDisabled(!have_facility);
  if (ImGui::Button(L("Send guidance...##send_guidance", "誘導を指示...##send_guidance")))
    pending_ = PendingGuidance{cell, guidance_facility, std::clamp(static_cast<double>(guidance_share), 0.0, 1.0)};
  ctx.mark("allocation.send");
  ImGui::EndDisabled();
  if (!pending_) return;
  // The confirmation names the target the order will carry, by name and id.
  const PendingGuidance p = *pending_;
  ImGui::TextColored(kLateColour, L("Send the stranded in %s to %s (facility #%zu), %.0f %% following?",
                                    "%s の滞留者を %s（施設 #%zu）へ誘導しますか（従う割合 %.0f %%）？"),
                     ctx.areas().label(p.cell).c_str(), ctx.city.facilities[index(p.facility)].name.c_str(),
                     static_cast<std::size_t>(index(p.facility)),
                     100.0 * p.share);
  if (ImGui::Button(L("Confirm guidance##guidance_confirm", "誘導を確定##guidance_confirm"))) {
    pending_.reset();
    send_guidance(ctx, p);
  }
  ctx.mark("allocation.confirm");
  ImGui::SameLine();
  if (ImGui::Button(L("Cancel##guidance_cancel", "取消##guidance_cancel"))) pending_.reset();
  ctx.mark("allocation.cancel");
}

void AllocationPanel::send_guidance(DashboardContext& ctx, const PendingGuidance& p) {
  const Snapshot& s = *ctx.snap;
  if (!valid_facility(ctx, p.facility)) return;
  const Point centre = ctx.areas().centre(p.cell);
  const double radius = area_radius_m(ctx, p.cell);
  Command c;
  c.time_s = s.time_s;
  c.type = CommandType::kGuidance;
  c.x = centre.x;
  c.y = centre.y;
  c.radius_m = radius;
  c.facility = p.facility;
  c.value = p.share;
  if (ctx.send(std::move(c))) {
    refusal_.clear();
    const auto f = index(p.facility);
    ctx.guidance.push_back({centre, radius, p.facility, s.time_s});
    sent_.push_back({p.cell, ctx.area_mode(), p.facility, p.share, s.time_s,
                     static_cast<double>(unsheltered_in(p.cell)) * s.persons_per_agent, arrivals_of(s, f)});
    ctx.status = std::string(L("Guidance sent: ", "誘導を指示: ")) + ctx.areas().label(p.cell) + " -> " +
                 facility_label(ctx.city, p.facility);
  } else {
    refusal_ = ctx.status;
  }
}

void AllocationPanel::draw_suggestions(DashboardContext& ctx) {
  hold_suggestions_ = false;
  if (ctx.selected_area < 0 || ctx.selected_area >= ctx.areas().count()) return;
  section(L("Nearest available now", "現在受け入れ可能な近い施設"));
  if (suggestions_.empty()) {
    ImGui::TextDisabled("%s", L("No open facility has room.", "空きのある開設施設はありません。"));
    return;
  }
  const HoverZone zone;
  if (begin_table("suggestions_table",
                  {{"###id", 0.5f},
                   {L("Facility##facility", "施設##facility"), 3.0f},
                   {L("Free places##room", "空き（人）##room"), 1.0f},
                   {L("Distance##distance", "距離##distance"), 1.0f},
                   {"##use", 0.8f}},
                  kPlainTable)) {
    for (const Suggestion& g : suggestions_) {
      const auto f = index(g.facility);
      ImGui::TableNextRow();
      next_cellf("#%zu", static_cast<std::size_t>(f));
      next_cell(ctx.city.facilities[f].name);
      if (g.available) next_cellf("%.0f", g.room);
      else {
        ImGui::TableNextColumn();
        ImGui::TextColored(kRefusedColour, "%s", facility_status_label(facility_status(*ctx.snap, f)));
      }
      next_cellf("%.0f m", g.distance_m);
      ImGui::TableNextColumn();
      // The button's ID is the facility's: it can only ever choose this facility.
      ImGui::PushID(static_cast<int>(f));
      ImGui::BeginDisabled(!g.available);
      if (ImGui::SmallButton(L("Use##use", "選択##use"))) guidance_facility = g.facility;
      ImGui::EndDisabled();
      ctx.mark("allocation.suggest." + std::to_string(f));
      ImGui::PopID();
    }
    ImGui::EndTable();
  }
  hold_suggestions_ = zone.hovered();
  if (hold_suggestions_)
    ImGui::TextDisabled("%s", L("Order held while the mouse is over the list.", "マウスが一覧上にある間は並びを固定しています。"));
}

void AllocationPanel::draw_effects(DashboardContext& ctx) {
  if (sent_.empty()) return;
  const Snapshot& s = *ctx.snap;
  const double w = s.persons_per_agent;
  section(L("Guidance sent and its effect", "誘導の指示と効果"));
  if (!begin_table("guidance_effects",
                   {{L("Sent##sent", "指示##sent"), 0.8f},
                    {L("Area -> facility##route", "地域 -> 施設##route"), 2.5f},
                    {L("Share##share", "割合##share"), 0.6f},
                    {L("Arriving then -> now##arrivals", "到着予定 当時 -> 現在##arrivals"), 1.5f},
                    {L("Unsheltered then -> now##unsheltered", "屋外滞留 当時 -> 現在##unsheltered"), 1.5f}},
                   kListTable, ImVec2(0, rows_height(sent_.size(), 5))))
    return;
  for (auto it = sent_.rbegin(); it != sent_.rend(); ++it) {
    ImGui::TableNextRow();
    next_cell(DashboardContext::since_quake_text(it->time_s));
    const bool ok = valid_facility(ctx, it->facility);
    next_cellf("%s -> %s", ctx.areas_for(it->mode).label(it->cell).c_str(),
               ok ? ctx.city.facilities[index(it->facility)].name.c_str() : "?");
    next_cellf("%.0f %%", 100.0 * it->share);
    next_cellf("%.0f -> %.0f", it->arrivals_then, ok ? arrivals_of(s, index(it->facility)) : 0.0);
    if (it->mode == counted_mode_)
      next_cellf("%.0f -> %.0f", it->unsheltered_then, static_cast<double>(unsheltered_in(it->cell)) * w);
    else
      next_cellf("%.0f -> (%s)", it->unsheltered_then, L("other areas shown", "別の区分を表示中"));
  }
  ImGui::EndTable();
}

void AllocationPanel::draw_release(DashboardContext& ctx) {
  const Snapshot& s = *ctx.snap;
  const double w = s.persons_per_agent;
  section(L("Release retained staff", "待機者の帰宅開始"));
  const bool have_area = ctx.selected_area >= 0 && ctx.selected_area < ctx.areas().count() &&
                         static_cast<std::size_t>(ctx.selected_area) < retained_.size();
  const int cell = have_area ? static_cast<int>(ctx.selected_area) : -1;
  ImGui::Text(L("Retained at work or school: %.0f persons", "職場・学校で待機中：%.0f 人"),
              static_cast<double>(s.row.state[static_cast<std::size_t>(AgentState::kRetained)]) * w);
  if (have_area) {
    ImGui::SameLine();
    ImGui::TextDisabled(L("(%.0f in %s)", "（うち %.0f 人が %s）"), static_cast<double>(retained_[static_cast<std::size_t>(cell)]) * w,
                        ctx.areas().label(cell).c_str());
  }
  ImGui::SetNextItemWidth(std::max(160.0f, ImGui::GetContentRegionAvail().x * 0.5f));
  ImGui::SliderFloat(L("Share released##release_share", "帰宅開始の割合##release_share"), &release_share, 0.0f, 1.0f, "%.2f",
                     ImGuiSliderFlags_AlwaysClamp);
  ctx.mark("allocation.release_share");
  ImGui::BeginDisabled(!have_area);
  ImGui::Checkbox(L("Only in the selected area##release_in_area", "選択地域のみ##release_in_area"), &release_in_area);
  ctx.mark("allocation.release_in_area");
  ImGui::EndDisabled();
  if (ImGui::Button(L("Release retained##release", "待機者の帰宅を開始##release"))) {
    Command c;
    c.time_s = s.time_s;
    c.type = CommandType::kReleaseRetained;
    c.value = std::clamp(static_cast<double>(release_share), 0.0, 1.0);
    if (release_in_area && have_area) {
      const Point p = ctx.areas().centre(cell);
      c.x = p.x;
      c.y = p.y;
      c.radius_m = area_radius_m(ctx, cell);
    }
    const bool in_area = c.radius_m > 0;
    if (ctx.send(std::move(c))) {
      refusal_.clear();
      ctx.status = std::string(L("Release of retained staff sent", "待機者の帰宅開始を指示")) +
                   (in_area ? " (" + ctx.areas().label(cell) + ")" : std::string());
    } else {
      refusal_ = ctx.status;
    }
  }
  ctx.mark("allocation.release");
}

}  // namespace kitaku::ui

namespace kitaku::ui {

void AllocationPanel::start_plan(DashboardContext& ctx) {
  if (worker_.joinable()) return;
  if (!inputs_) {
    inputs_ = std::make_shared<PlanInputs>();
    // Who is a priority person is fixed for the run (the population's cold data).
    if (const auto* runner = dynamic_cast<const SimRunner*>(&ctx.controller))
      inputs_->priority = priority_flags(runner->simulation().population());
  }
  PlanSettings set;
  set.params = ctx.scenario.hazards.optimiser;
  set.limits.prune_above_pairs = plan_exact_pairs;
  set.areas = grid_;
  set.max_cell_m = plan_cell_m;
  set.max_groups = max_plan_groups;
  if (ctx.network.node_count() <= sync_max_nodes) {
    finish_plan(compute_plan(ctx.network, ctx.city, *ctx.snap, set, *inputs_));
    return;
  }
  // The worker keeps the snapshot (the publisher recycles only buffers nobody holds)
  // and the inputs alive; the network and city outlive the panel.
  worker_done_.store(false);
  worker_ = std::thread([this, &net = ctx.network, &city = ctx.city, snap = ctx.snap, set, in = inputs_] {
    worker_result_ = compute_plan(net, city, *snap, set, *in);
    worker_done_.store(true, std::memory_order_release);
  });
}

void AllocationPanel::finish_plan(std::unique_ptr<PlanResult> result) {
  plan_ = std::move(result);
  plan_accepted_ = false;
  plan_rows_.clear();
  if (!plan_) return;
  for (const Assignment& a : plan_->plan.assignments) {
    const AllocationGroup& g = plan_->groups[a.group];
    plan_rows_.push_back({grid_.cell_of(g.centre.x, g.centre.y), g.priority, make_id<ShelterId>(a.facility),
                          a.persons, a.metres});
  }
  std::stable_sort(plan_rows_.begin(), plan_rows_.end(),
                   [](const PlanRow& a, const PlanRow& b) { return a.persons > b.persons; });
}

void AllocationPanel::accept_plan(DashboardContext& ctx) {
  if (!plan_ || plan_accepted_) return;
  const Snapshot& s = *ctx.snap;
  const double w = s.persons_per_agent;
  std::vector<Command> cmds;
  try {
    cmds = plan_to_guidance(plan_->plan, plan_->groups, ctx.scenario.hazards.optimiser, s.time_s);
  } catch (const std::exception& e) {
    refusal_ = e.what();
    return;
  }
  std::size_t sent = 0;
  for (Command& c : cmds) {
    const Command copy = c;
    if (!ctx.send(std::move(c))) {
      refusal_ = ctx.status;
      break;
    }
    ++sent;
    const Point centre{copy.x, copy.y};
    const int cell = ctx.areas().area_of(centre.x, centre.y);
    ctx.guidance.push_back({centre, copy.radius_m, copy.facility, s.time_s});
    const bool ok = valid_facility(ctx, copy.facility);
    sent_.push_back({cell, ctx.area_mode(), copy.facility, copy.value, s.time_s, static_cast<double>(unsheltered_in(cell)) * w,
                     ok ? arrivals_of(s, index(copy.facility)) : 0.0});
  }
  if (sent > 0) {
    plan_accepted_ = true;
    if (sent == cmds.size()) refusal_.clear();
    ctx.status = std::string(L("Optimiser plan sent as guidance: ", "最適化計画を誘導として指示: ")) +
                 std::to_string(sent) + L(" orders", " 件");
  }
}

void AllocationPanel::draw_optimiser(DashboardContext& ctx) {
  const Snapshot& s = *ctx.snap;
  const OptimiserParams& par = ctx.scenario.hazards.optimiser;
  section(L("Optimiser plan", "最適化による配分計画"));
  ImGui::PushTextWrapPos(0);
  ImGui::TextDisabled(L("Sends the unsheltered, grouped by cell, to open facilities with room, for the least walking "
                        "plus %.0f m per person left out, within %.0f m; priority groups first. Compared with each "
                        "group taking the nearest facility with room.",
                        "屋外滞留者を区画ごとに空きのある開設施設へ割り当て、歩行距離と未収容 1 人あたり %.0f m の合計を"
                        "最小化します（上限 %.0f m、要配慮者を優先）。各グループが最寄りの空き施設へ向かう場合と比較します。"),
                      par.unserved_penalty_m, par.max_walk_m);
  ImGui::PopTextWrapPos();
  const bool busy = computing();
  ImGui::BeginDisabled(busy || !s.has_agents);
  if (ImGui::Button(L("Compute plan##optimise", "計画を計算##optimise"))) start_plan(ctx);
  ctx.mark("allocation.optimise");
  ImGui::EndDisabled();
  if (busy) {
    ImGui::SameLine();
    ImGui::TextUnformatted(L("computing…", "計算中…"));
  } else if (!s.has_agents) {
    ImGui::SameLine();
    ImGui::TextDisabled("%s", L("(needs agent positions in the snapshot)", "（位置情報が必要です）"));
  }
  if (!plan_) return;
  const PlanResult& r = *plan_;
  if (!r.error.empty()) {
    ImGui::TextColored(kRefusedColour, "%s %s", L("The optimiser failed:", "最適化に失敗:"), r.error.c_str());
    return;
  }
  const Plan& p = r.plan;
  const Plan& g = r.greedy;
  ImGui::Text(L("For %s: %lld unsheltered in %zu groups of %.0f m cells (%.2f s, %zu searches)",
                "%s 時点：屋外滞留 %lld 人、%zu グループ（%.0f m 区画、%.2f 秒、探索 %zu 回）"),
              DashboardContext::since_quake_text(r.time_s).c_str(), static_cast<long long>(p.persons), r.groups.size(),
              r.cell_m, r.seconds, r.searches);
  if (r.time_s != s.time_s) {
    ImGui::SameLine();
    ImGui::TextColored({0.95f, 0.8f, 0.3f, 1}, L("(now %s)", "（現在 %s）"), DashboardContext::since_quake_text(s.time_s).c_str());
  }
  if (p.persons == 0) {
    ImGui::TextDisabled("%s", L("Nobody was stranded outdoors then.", "その時点で屋外滞留者はいませんでした。"));
    return;
  }
  if (p.pruned)
    ImGui::TextDisabled(L("Large case: each group considered only its nearest facilities (%zu pairs).",
                          "大規模のため各グループの近い施設のみを候補にしました（%zu 組）。"),
                        p.pairs);
  if (begin_table("plan_summary",
                  {{"##what", 1.4f},
                   {L("Optimiser##opt", "最適化##opt"), 1.0f},
                   {L("Greedy nearest-first##greedy", "最寄り順##greedy"), 1.0f}},
                  kPlainTable)) {
    const auto d = [](std::int64_t v) { return static_cast<double>(v); };
    compare_row(L("Persons served", "収容"), "%.0f", d(p.served), d(g.served));
    compare_row(L("Left unserved", "未収容"), "%.0f", d(p.unserved), d(g.unserved));
    if (p.priority_persons > 0)
      compare_row(L("Priority unserved", "要配慮者の未収容"), "%.0f", d(p.priority_persons - p.priority_served),
                  d(g.priority_persons - g.priority_served));
    compare_row(L("Mean walk (m)", "平均歩行距離 (m)"), "%.0f", p.mean_walk_m(), g.mean_walk_m());
    compare_row(L("Cost (person-km incl. penalty)", "費用（人・km、ペナルティ込み）"), "%.1f", d(p.cost) / 1000, d(g.cost) / 1000);
    ImGui::EndTable();
  }
  if (!plan_rows_.empty()) {
    if (begin_table("plan_rows",
                    {{L("Area##plan_area", "地域##plan_area"), 0.8f},
                     {L("Facility##plan_facility", "施設##plan_facility"), 2.5f},
                     {L("Persons##plan_persons", "人数##plan_persons"), 0.8f},
                     {L("Walk##plan_walk", "歩行##plan_walk"), 0.8f}},
                    kListTable, ImVec2(0, rows_height(plan_rows_.size(), 8)))) {
      ImGuiListClipper clipper;
      clipper.Begin(static_cast<int>(plan_rows_.size()));
      while (clipper.Step()) {
        for (int i = clipper.DisplayStart; i < clipper.DisplayEnd; ++i) {
          const PlanRow& pr = plan_rows_[static_cast<std::size_t>(i)];
          ImGui::TableNextRow();
          next_cellf("%s%s", grid_.label(pr.cell).c_str(), pr.priority ? L(" (priority)", "（要配慮）") : "");
          next_cell(valid_facility(ctx, pr.facility) ? ctx.city.facilities[index(pr.facility)].name.c_str()
                                                     : "?");
          next_cellf("%lld", static_cast<long long>(pr.persons));
          next_cellf("%lld m", static_cast<long long>(pr.metres));
        }
      }
      ImGui::EndTable();
    }
  }
  ImGui::BeginDisabled(busy || plan_accepted_ || p.assignments.empty());
  if (ImGui::Button(L("Accept plan##accept_plan", "計画を採用##accept_plan"))) accept_plan(ctx);
  ctx.mark("allocation.accept");
  ImGui::EndDisabled();
  ImGui::SameLine();
  if (plan_accepted_)
    ImGui::TextDisabled("%s", L("sent as guidance", "誘導として指示済み"));
  else
    ImGui::TextDisabled(L("as guidance; %.0f %% are assumed to follow it", "誘導として指示（%.0f %% が従う想定）"),
                        100.0 * std::clamp(par.compliance, 0.0, 1.0));
}

}  // namespace kitaku::ui
