#include "kpi_panel.hpp"

#include <imgui.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstring>

#include "kitaku/ui/after_action.hpp"
#include "kitaku/ui/i18n.hpp"
#include "panels/widgets.hpp"

namespace kitaku::ui {
namespace {

const char* state_label(int s) {
  switch (static_cast<AgentState>(s)) {
    case AgentState::kWaiting: return L("waiting to leave", "出発前");
    case AgentState::kRetained: return L("retained at work", "事業所等で待機");
    case AgentState::kStaying: return L("staying at work", "職場等に残留");
    case AgentState::kWalkingHome: return L("walking home", "徒歩帰宅中");
    case AgentState::kToFacility: return L("to a facility", "施設へ移動中");
    case AgentState::kSheltered: return L("sheltered", "一時滞在施設");
    case AgentState::kUnsheltered: return L("unsheltered", "屋外滞留");
    case AgentState::kByRail: return L("by rail", "鉄道で帰宅");
    case AgentState::kArrivedHome: return L("home", "帰宅済み");
  }
  return "?";
}

constexpr ImU32 kStateColours[kAgentStates] = {
    IM_COL32(150, 150, 150, 255),  // waiting
    IM_COL32(120, 160, 230, 255),  // retained
    IM_COL32(90, 110, 200, 255),   // staying
    IM_COL32(240, 200, 80, 255),   // walking home
    IM_COL32(240, 140, 60, 255),   // to a facility
    IM_COL32(90, 200, 120, 255),   // sheltered
    IM_COL32(230, 70, 70, 255),    // unsheltered
    IM_COL32(70, 200, 210, 255),   // by rail
    IM_COL32(200, 200, 240, 255),  // home
};
constexpr ImU32 kGe6Colour = IM_COL32(235, 60, 60, 255);
constexpr ImU32 kGe4Colour = IM_COL32(245, 160, 50, 255);
constexpr ImU32 kFillColour = IM_COL32(90, 200, 120, 255);

const char* series_label(KpiPanel::ChartId chart, std::size_t k) {
  switch (chart) {
    case KpiPanel::kChartStates: return state_label(static_cast<int>(k));
    case KpiPanel::kChartCrush: return k == 0 ? L(">= 6 p/m²", "6人/m²以上") : L(">= 4 p/m²", "4人/m²以上");
    case KpiPanel::kChartFill: return L("sheltered / capacity", "滞在者／収容人数");
    case KpiPanel::kChartCount: break;
  }
  return "?";
}

ImU32 series_colour(KpiPanel::ChartId chart, std::size_t k) {
  switch (chart) {
    case KpiPanel::kChartStates: return kStateColours[k % kAgentStates];
    case KpiPanel::kChartCrush: return k == 0 ? kGe6Colour : kGe4Colour;
    default: return kFillColour;
  }
}

/// "12,345" (persons are shown whole).
std::string grouped(double v) {
  char b[40];
  std::snprintf(b, sizeof b, "%.0f", std::round(v));
  std::string digits = b, out;
  const bool neg = !digits.empty() && digits[0] == '-';
  if (neg) digits.erase(0, 1);
  for (std::size_t i = 0; i < digits.size(); ++i) {
    if (i > 0 && (digits.size() - i) % 3 == 0) out += ',';
    out += digits[i];
  }
  return neg ? "-" + out : out;
}

/// A round axis maximum at or above v.
double nice_ceil(double v) {
  if (!(v > 0)) return 1;
  const double p = std::pow(10.0, std::floor(std::log10(v)));
  for (const double m : {1.0, 2.0, 2.5, 5.0, 10.0})
    if (m * p >= v * (1 - 1e-9)) return m * p;
  return 10 * p;
}

std::string axis_value(double v, bool percent) {
  char b[32];
  if (percent) std::snprintf(b, sizeof b, "%.0f%%", v);
  else if (std::abs(v) >= 1e6) std::snprintf(b, sizeof b, "%.1fM", v / 1e6);
  else if (std::abs(v) >= 1e4) std::snprintf(b, sizeof b, "%.0fk", v / 1e3);
  else if (std::abs(v) >= 1e3) std::snprintf(b, sizeof b, "%.1fk", v / 1e3);
  else std::snprintf(b, sizeof b, "%.0f", v);
  return b;
}

/// "+1:05" from hours.
std::string hours_text(double h) {
  const auto minutes = static_cast<long long>(std::llround(h * 60));
  char b[32];
  std::snprintf(b, sizeof b, "+%lld:%02lld", minutes / 60, minutes % 60);
  return b;
}

}  // namespace

// ------------------------------------------------------------------ alerts

void KpiPanel::reset_alert_state() {
  above_.clear();
  facility_state_.clear();
  commands_seen_ = 0;
  alerts_time_ = -1;
}

void KpiPanel::push_alert(DashboardContext& ctx, Alert a) {
  ctx.alerts.push_back(std::move(a));
  while (ctx.alerts.size() > max_alerts) ctx.alerts.pop_front();
}

void KpiPanel::update_alerts(DashboardContext& ctx) {
  const Snapshot* s = ctx.snap.get();
  if (!s) return;
  const SnapshotKey key = SnapshotKey::of(s);
  if (key == alerts_for_) return;
  alerts_for_ = key;
  // A new run (time went back): start over.
  if (s->time_s < alerts_time_ || s->command_log.size() < commands_seen_) reset_alert_state();
  alerts_time_ = s->time_s;
  const std::int64_t t = s->time_s;

  // Roads reaching crush-risk density.
  const std::size_t E = s->edge_density.size();
  if (above_.size() != E) above_.assign(E, 0);
  std::vector<EdgeId> crossed;
  EdgeId worst = kNoEdge;
  float worst_density = 0;
  for (std::size_t e = 0; e < E; ++e) {
    const float d = s->edge_density[e];
    if (above_[e]) {
      if (d < rearm_density) above_[e] = 0;
    } else if (d >= crush_density) {
      above_[e] = 1;
      crossed.push_back(make_id<EdgeId>(e));
      if (d > worst_density) {
        worst_density = d;
        worst = make_id<EdgeId>(e);
      }
    }
  }
  if (crossed.size() > aggregate_over) {
    push_alert(ctx, {t, Alert::Kind::kEdgeCrush, worst, kNoShelter,
                     format(L("%zu roads above %.0f p/m² (worst: road %s, %.1f p/m²)",
                              "%zu 本の道路で %.0f 人/m² 超（最大: 道路 %s、%.1f 人/m²）"),
                            crossed.size(), static_cast<double>(crush_density), edge_label(ctx.network, worst).c_str(),
                            static_cast<double>(worst_density))});
  } else {
    for (const EdgeId e : crossed)
      push_alert(ctx, {t, Alert::Kind::kEdgeCrush, e, kNoShelter,
                       format(L("Road %s above %.0f p/m² (%.1f p/m²)", "道路 %s で %.0f 人/m² 超（%.1f 人/m²）"),
                              edge_label(ctx.network, e).c_str(), static_cast<double>(crush_density),
                              static_cast<double>(s->edge_density[index(e)]))});
  }

  // Facilities becoming full.
  const std::size_t F = s->facility_state.size();
  if (facility_state_.size() != F) facility_state_.assign(F, FacilityState::kClosed);
  std::vector<ShelterId> filled;
  for (std::size_t f = 0; f < F; ++f) {
    if (s->facility_state[f] == FacilityState::kFull && facility_state_[f] != FacilityState::kFull)
      filled.push_back(make_id<ShelterId>(f));
    facility_state_[f] = s->facility_state[f];
  }
  const auto capacity = [&](ShelterId f) {
    return index(f) < s->facility_capacity.size() ? s->facility_capacity[index(f)] : 0.0;
  };
  if (filled.size() > aggregate_over) {
    push_alert(ctx, {t, Alert::Kind::kFacilityFull, kNoEdge, filled.front(),
                     format(L("%zu facilities became full (first: %s)", "%zu 施設が満員（最初: %s）"), filled.size(),
                            facility_label(ctx.city, filled.front()).c_str())});
  } else {
    for (const ShelterId f : filled)
      push_alert(ctx, {t, Alert::Kind::kFacilityFull, kNoEdge, f,
                       format(L("%s is full (%s persons)", "%s が満員（%s 人）"), facility_label(ctx.city, f).c_str(),
                              grouped(capacity(f)).c_str())});
  }

  // Facilities closed or damaged by a command.
  for (std::size_t i = commands_seen_; i < s->command_log.size(); ++i) {
    const Command& c = s->command_log[i];
    if (c.type == CommandType::kDamageFacility)
      push_alert(ctx, {t, Alert::Kind::kInfo, kNoEdge, c.facility,
                       format(L("%s damaged: closed for good (%s)", "%s が被災、閉鎖（%s）"),
                              facility_label(ctx.city, c.facility).c_str(), c.source.c_str())});
    else if (c.type == CommandType::kCloseFacility)
      push_alert(ctx, {t, Alert::Kind::kInfo, kNoEdge, c.facility,
                       format(L("%s closed by command (%s)", "%s を閉鎖（%s）"), facility_label(ctx.city, c.facility).c_str(),
                              c.source.c_str())});
  }
  commands_seen_ = s->command_log.size();
}

// ------------------------------------------------------------------ charts

void KpiPanel::rebuild_charts(const DashboardContext& ctx) {
  const Snapshot& s = *ctx.snap;
  const std::vector<TimeseriesRow> rows = rows_until(s.timeseries, s.row);
  const double w = s.persons_per_agent;
  total_capacity_ = open_capacity_ = 0;
  for (std::size_t f = 0; f < s.facility_capacity.size(); ++f) {
    const bool damaged = f < s.facility_damaged.size() && s.facility_damaged[f];
    if (!damaged) total_capacity_ += s.facility_capacity[f];
    if (f < s.facility_state.size() && s.facility_state[f] != FacilityState::kClosed) open_capacity_ += s.facility_capacity[f];
  }
  for (Chart& c : charts_) {
    c.x_h.resize(rows.size());
    for (std::size_t i = 0; i < rows.size(); ++i) c.x_h[i] = static_cast<float>(rows[i].time_s / 3600.0);
  }
  auto fill = [&](ChartId id, std::size_t series, auto value) {
    Chart& c = charts_[id];
    c.y.resize(series);
    for (std::size_t k = 0; k < series; ++k) {
      c.y[k].resize(rows.size());
      for (std::size_t i = 0; i < rows.size(); ++i) c.y[k][i] = static_cast<float>(value(rows[i], k));
    }
  };
  fill(kChartStates, kAgentStates, [&](const TimeseriesRow& r, std::size_t k) { return static_cast<double>(r.state[k]) * w; });
  fill(kChartCrush, 2, [](const TimeseriesRow& r, std::size_t k) { return k == 0 ? r.persons_ge6 : r.persons_ge4; });
  fill(kChartFill, 1, [&](const TimeseriesRow& r, std::size_t) {
    return total_capacity_ > 0 ? 100.0 * r.persons_sheltered / total_capacity_ : 0.0;
  });
  charts_for_ = SnapshotKey::of(&s);
  ++chart_rebuilds_;
}

void KpiPanel::draw_chart(DashboardContext& ctx, ChartId id, float height) {
  const Chart& c = charts_[id];
  static const char* const kIds[kChartCount] = {"##chart_states", "##chart_crush", "##chart_fill"};
  static const char* const kMarks[kChartCount] = {"kpi.chart.states", "kpi.chart.crush", "kpi.chart.fill"};
  const bool percent = id == kChartFill;
  std::string title;
  switch (id) {
    case kChartStates: title = L("Persons by state", "状態別の人数"); break;
    case kChartCrush: title = L("Persons at crush-risk density", "危険な密度の人数"); break;
    default:
      title = format(L("Facility fill (capacity %s persons)", "施設の充足率（収容 %s 人）"), grouped(total_capacity_).c_str());
      break;
  }

  ImGui::BeginChild(kIds[id], ImVec2(0, height), true, ImGuiWindowFlags_NoScrollbar | ImGuiWindowFlags_NoScrollWithMouse);
  ImDrawList* dl = ImGui::GetWindowDrawList();
  const ImVec2 p0 = ImGui::GetCursorScreenPos();
  const ImVec2 avail = ImGui::GetContentRegionAvail();
  const float line = ImGui::GetTextLineHeight();
  const ImU32 text_col = ImGui::GetColorU32(ImGuiCol_Text);
  const ImU32 dim_col = ImGui::GetColorU32(ImGuiCol_TextDisabled);
  const ImU32 grid_col = IM_COL32(255, 255, 255, 28);

  // Title and legend, flowing over as many lines as they need.
  float lx = p0.x, ly = p0.y;
  dl->AddText(ImVec2(lx, ly), text_col, title.c_str());
  lx += ImGui::CalcTextSize(title.c_str()).x + 12;
  for (std::size_t k = 0; k < c.y.size(); ++k) {
    const char* label = series_label(id, k);
    const float wdt = 12 + ImGui::CalcTextSize(label).x + 10;
    if (lx + wdt > p0.x + avail.x && lx > p0.x) {
      lx = p0.x;
      ly += line + 2;
    }
    const float sq = line * 0.6f;
    dl->AddRectFilled(ImVec2(lx, ly + (line - sq) / 2), ImVec2(lx + sq, ly + (line + sq) / 2), series_colour(id, k));
    dl->AddText(ImVec2(lx + 12, ly), text_col, label);
    lx += wdt;
  }
  const float legend_h = ly - p0.y + line + 4;

  // Plot area: room on the left for y labels and below for x labels.
  std::string widest = axis_value(1, percent);
  double ymax = 0;
  for (const auto& ys : c.y)
    for (const float v : ys) ymax = std::max(ymax, static_cast<double>(v));
  ymax = percent ? std::max(100.0, nice_ceil(ymax)) : nice_ceil(std::max(ymax, 1.0));
  widest = axis_value(ymax, percent);
  const float left = ImGui::CalcTextSize(widest.c_str()).x + 8;
  const ImVec2 a(p0.x + left, p0.y + legend_h);
  const ImVec2 b(p0.x + avail.x - 4, p0.y + avail.y - line - 4);
  if (b.x - a.x < 20 || b.y - a.y < 20) {
    ImGui::EndChild();
    ctx.mark(kMarks[id]);
    return;
  }
  const double xmax = std::max(c.x_h.empty() ? 0.0 : static_cast<double>(c.x_h.back()), 0.25);
  const auto X = [&](double h) { return a.x + static_cast<float>(h / xmax) * (b.x - a.x); };
  const auto Y = [&](double v) { return b.y - static_cast<float>(v / ymax) * (b.y - a.y); };

  // Axes and grid.
  for (int i = 0; i <= 4; ++i) {
    const double v = ymax * i / 4;
    const float y = Y(v);
    dl->AddLine(ImVec2(a.x, y), ImVec2(b.x, y), grid_col);
    const std::string s = axis_value(v, percent);
    dl->AddText(ImVec2(a.x - 4 - ImGui::CalcTextSize(s.c_str()).x, y - line / 2), dim_col, s.c_str());
  }
  double step = 48;
  for (const double cand : {1.0 / 12, 0.25, 0.5, 1.0, 2.0, 3.0, 6.0, 12.0, 24.0, 48.0})
    if (xmax / cand <= 6) {
      step = cand;
      break;
    }
  const char* caption = L("hours since quake", "地震発生からの時間");
  const float caption_w = ImGui::CalcTextSize(caption).x;
  dl->AddText(ImVec2(b.x - caption_w, b.y + 2), dim_col, caption);
  for (double h = 0; h <= xmax + 1e-9; h += step) {
    const float x = X(h);
    dl->AddLine(ImVec2(x, a.y), ImVec2(x, b.y), grid_col);
    const std::string s = step < 1 ? hours_text(h) : format("+%.0fh", h);
    const float tw = ImGui::CalcTextSize(s.c_str()).x;
    const float tx = std::max(a.x, x - tw / 2);
    if (tx + tw < b.x - caption_w - 6) dl->AddText(ImVec2(tx, b.y + 2), dim_col, s.c_str());
  }
  dl->AddRect(a, b, IM_COL32(255, 255, 255, 60));

  // The series.
  std::vector<ImVec2> pts(c.x_h.size());
  dl->PushClipRect(a, ImVec2(b.x + 1, b.y + 1), true);
  for (std::size_t k = 0; k < c.y.size(); ++k) {
    for (std::size_t i = 0; i < c.x_h.size(); ++i) pts[i] = ImVec2(X(c.x_h[i]), Y(c.y[k][i]));
    if (pts.size() == 1) dl->AddCircleFilled(pts[0], 2.5f, series_colour(id, k));
    else if (!pts.empty()) dl->AddPolyline(pts.data(), static_cast<int>(pts.size()), series_colour(id, k), 0, 1.6f);
  }
  dl->PopClipRect();

  // Hover readout: the sample nearest the mouse.
  const ImVec2 m = ImGui::GetIO().MousePos;
  if (ImGui::IsWindowHovered() && m.x >= a.x && m.x <= b.x && m.y >= a.y && m.y <= b.y && !c.x_h.empty()) {
    const double h = (m.x - a.x) / (b.x - a.x) * xmax;
    auto it = std::lower_bound(c.x_h.begin(), c.x_h.end(), static_cast<float>(h));
    std::size_t i = static_cast<std::size_t>(it - c.x_h.begin());
    if (i >= c.x_h.size()) i = c.x_h.size() - 1;
    if (i > 0 && std::abs(c.x_h[i - 1] - h) < std::abs(c.x_h[i] - h)) --i;
    const float x = X(c.x_h[i]);
    dl->AddLine(ImVec2(x, a.y), ImVec2(x, b.y), IM_COL32(255, 255, 255, 140));
    const auto time_s = static_cast<std::int64_t>(std::llround(c.x_h[i] * 3600.0));
    hover_sample_ = static_cast<int>(i);
    hover_text_ = ctx.clock_text(time_s) + " (" + DashboardContext::since_quake_text(time_s) + ")";
    ImGui::BeginTooltip();
    ImGui::TextUnformatted(hover_text_.c_str());
    for (std::size_t k = 0; k < c.y.size(); ++k) {
      dl->AddCircleFilled(ImVec2(x, Y(c.y[k][i])), 3, series_colour(id, k));
      const std::string v = percent ? format("%.1f %%", static_cast<double>(c.y[k][i])) : grouped(c.y[k][i]);
      ImGui::TextColored(ImGui::ColorConvertU32ToFloat4(series_colour(id, k)), "%s", series_label(id, k));
      ImGui::SameLine();
      ImGui::TextUnformatted(v.c_str());
      hover_text_ += std::string("\n") + series_label(id, k) + ": " + v;
    }
    ImGui::EndTooltip();
  }
  ImGui::EndChild();
  ctx.mark(kMarks[id]);
}

// ------------------------------------------------------------------ drawing

void KpiPanel::draw_headline(DashboardContext& ctx) {
  const Snapshot& s = *ctx.snap;
  const TimeseriesRow& r = s.row;
  const double unsheltered =
      static_cast<double>(r.state[static_cast<std::size_t>(AgentState::kUnsheltered)]) * s.persons_per_agent;
  ImGui::Text("%s  (%s)", ctx.clock_text(s.time_s).c_str(), DashboardContext::since_quake_text(s.time_s).c_str());
  ImGui::SameLine();
  ImGui::TextColored(ImGui::ColorConvertU32ToFloat4(kGe6Colour), L(">= 6 p/m²: %s persons, %.2f km", "6人/m²以上: %s 人、%.2f km"),
                     grouped(r.persons_ge6).c_str(), r.km_ge6);
  ImGui::TextColored(ImGui::ColorConvertU32ToFloat4(kStateColours[static_cast<int>(AgentState::kUnsheltered)]),
                     L("unsheltered %s", "屋外滞留 %s 人"), grouped(unsheltered).c_str());
  ImGui::SameLine();
  ImGui::TextColored(ImGui::ColorConvertU32ToFloat4(kFillColour), L("sheltered %s (%.1f %% of capacity)", "滞在 %s 人（収容の %.1f %%）"),
                     grouped(r.persons_sheltered).c_str(),
                     total_capacity_ > 0 ? 100.0 * r.persons_sheltered / total_capacity_ : 0.0);
  ImGui::SameLine();
  ImGui::Text(L("facilities open %lld, full %lld", "開設 %lld、満員 %lld"), static_cast<long long>(r.facilities_open),
              static_cast<long long>(r.facilities_full));
}

void KpiPanel::draw_values(DashboardContext& ctx) {
  const Snapshot& s = *ctx.snap;
  const TimeseriesRow& r = s.row;
  const double w = s.persons_per_agent;
  constexpr ImGuiTableFlags flags = ImGuiTableFlags_RowBg | ImGuiTableFlags_BordersInnerV | ImGuiTableFlags_SizingStretchProp;
  if (!begin_table("kpi_values", {{"##l1", 1.4f}, {"##v1", 1.0f}, {"##l2", 1.4f}, {"##v2", 1.0f}}, flags, ImVec2(0, 0),
                   /*headers=*/false))
    return;
  // Two (label, value) pairs a row.
  auto entry = [](const char* label, const std::string& value, ImU32 colour) {
    ImGui::TableNextColumn();
    ImGui::TextColored(ImGui::ColorConvertU32ToFloat4(colour), "%s", label);
    next_cell(value);
  };
  const ImU32 plain = ImGui::GetColorU32(ImGuiCol_Text);
  for (int k = 0; k < kAgentStates; ++k)
    entry(state_label(k), grouped(static_cast<double>(r.state[static_cast<std::size_t>(k)]) * w), kStateColours[k]);
  entry(L("persons at >= 6 p/m²", "6人/m²以上の人数"), grouped(r.persons_ge6), kGe6Colour);
  entry(L("persons at >= 4 p/m²", "4人/m²以上の人数"), grouped(r.persons_ge4), kGe4Colour);
  entry(L("km of road at >= 6 p/m²", "6人/m²以上の道路延長"), format("%.2f km", r.km_ge6), kGe6Colour);
  entry(L("persons on the roads", "道路上の人数"), grouped(r.persons_walking), plain);
  entry(L("sheltered / capacity", "滞在者／収容人数"),
        format("%s / %s (%.1f %%)", grouped(r.persons_sheltered).c_str(), grouped(total_capacity_).c_str(),
               total_capacity_ > 0 ? 100.0 * r.persons_sheltered / total_capacity_ : 0.0),
        kFillColour);
  entry(L("facilities open / full", "開設／満員の施設"),
        format("%lld / %lld (%zu)", static_cast<long long>(r.facilities_open), static_cast<long long>(r.facilities_full),
               s.facility_state.size()),
        plain);
  entry(L("places in open facilities", "開設施設の収容人数"), grouped(open_capacity_), plain);
  entry(L("persons in all", "全体の人数"), grouped(static_cast<double>(r.agents) * w), plain);
  ImGui::EndTable();
}

void KpiPanel::draw_alerts(DashboardContext& ctx) {
  if (ImGui::Button(L("Clear##clear_alerts", "消去##clear_alerts"))) ctx.alerts.clear();
  ctx.mark("kpi.alerts.clear");
  ImGui::SameLine();
  ImGui::TextDisabled(L("%zu alerts, newest first (click to show on the map)", "%zu 件（新しい順、クリックで地図に表示）"),
                      ctx.alerts.size());
  if (!begin_table("kpi_alerts", {{L("Time##time", "時刻##time"), 1.0f}, {L("Alert##alert", "警報##alert"), 4.0f}},
                   kListTable, ImVec2(0, rest_height(60))))
    return;
  ImGuiListClipper clip;
  clip.Begin(static_cast<int>(ctx.alerts.size()));
  while (clip.Step()) {
    for (int row = clip.DisplayStart; row < clip.DisplayEnd; ++row) {
      const std::size_t i = ctx.alerts.size() - 1 - static_cast<std::size_t>(row);
      const Alert& a = ctx.alerts[i];
      ImGui::TableNextRow();
      ImGui::TableNextColumn();
      ImGui::PushID(row);
      const std::string when = ctx.clock_text(a.time_s);
      if (ImGui::Selectable(when.c_str(), false, ImGuiSelectableFlags_SpanAllColumns)) {
        if (ctx.exists(a.edge)) {
          const Point p = ctx.network.pos(ctx.network.from(a.edge)), q = ctx.network.pos(ctx.network.to(a.edge));
          ctx.selected_edge = a.edge;
          ctx.centre_on = {(p.x + q.x) / 2, (p.y + q.y) / 2};
          ctx.centre_request = true;
        } else if (ctx.exists(a.facility)) {
          ctx.selected_facility = a.facility;
          ctx.centre_on = ctx.city.facilities[index(a.facility)].pos;
          ctx.centre_request = true;
        }
      }
      ImGui::PopID();
      ImGui::TableNextColumn();
      const ImVec4 col = a.kind == Alert::Kind::kEdgeCrush     ? ImVec4(1.0f, 0.45f, 0.4f, 1)
                         : a.kind == Alert::Kind::kFacilityFull ? ImVec4(1.0f, 0.75f, 0.3f, 1)
                                                                 : ImGui::GetStyleColorVec4(ImGuiCol_Text);
      ImGui::TextColored(col, "%s", a.text.c_str());
    }
  }
  ImGui::EndTable();
}

std::string KpiPanel::default_export_path(const DashboardContext& ctx) {
  return "kpis-" + hhmm(ctx, ctx.snap ? ctx.snap->time_s : 0) + ".csv";
}

bool KpiPanel::export_csv(const DashboardContext& ctx, const std::string& path, std::string* error) {
  if (!ctx.snap) {
    if (error) *error = L("no simulation state to export yet", "出力できる状態がまだありません");
    return false;
  }
  return write_text_atomically(path, timeseries_csv(rows_until(ctx.snap->timeseries, ctx.snap->row)), error);
}

void KpiPanel::draw_export(DashboardContext& ctx) {
  if (!export_path_edited_) {
    const std::string def = default_export_path(ctx);
    std::snprintf(export_path_, sizeof export_path_, "%s", def.c_str());
  }
  ImGui::TextWrapped("%s", L("The time series so far (every output interval, and now), with the columns of timeseries.csv.",
                             "これまでの推移（出力間隔ごと＋現在）。timeseries.csv と同じ列です。"));
  ImGui::SetNextItemWidth(std::max(160.0f, ImGui::GetContentRegionAvail().x * 0.6f));
  if (ImGui::InputText(L("File##export_path", "ファイル##export_path"), export_path_, sizeof export_path_))
    export_path_edited_ = true;
  ctx.mark("kpi.export.path");
  if (ImGui::Button(L("Export KPIs to CSV##export", "指標をCSVに出力##export"))) {
    std::string error;
    export_failed_ = !export_csv(ctx, export_path_, &error);
    export_message_ = export_failed_ ? error : format(L("Wrote %s", "%s に出力しました"), export_path_);
    ctx.status = export_message_;
  }
  ctx.mark("kpi.export");
  outcome_text(export_message_, export_failed_);
}

void KpiPanel::Draw(DashboardContext& ctx) {
  if (!ctx.snap) {
    ImGui::TextDisabled("%s", L("No simulation yet.", "シミュレーションがありません。"));
    return;
  }
  if (!(charts_for_ == SnapshotKey::of(ctx.snap.get()))) rebuild_charts(ctx);
  hover_sample_ = -1;
  draw_headline(ctx);
  if (!ImGui::BeginTabBar("##kpi_tabs")) return;
  const NamedTabs tabs{ctx, show_tab};
  tabs.tab(L("Now###now", "現在###now"), "kpi.tab.now", [&] { draw_values(ctx); });
  tabs.tab(L("Charts###charts", "推移###charts"), "kpi.tab.charts", [&] {
    const float h = std::max(150.0f, (ImGui::GetContentRegionAvail().y - 2 * ImGui::GetStyle().ItemSpacing.y) / 3);
    draw_chart(ctx, kChartStates, h);
    draw_chart(ctx, kChartCrush, h);
    draw_chart(ctx, kChartFill, h);
  });
  const std::string alerts_label = format("%s (%zu)###alerts", L("Alerts", "警報"), ctx.alerts.size());
  tabs.tab(alerts_label.c_str(), "kpi.tab.alerts", [&] { draw_alerts(ctx); });
  tabs.tab(L("Export###export", "出力###export"), "kpi.tab.export", [&] { draw_export(ctx); });
  ImGui::EndTabBar();
}

}  // namespace kitaku::ui
