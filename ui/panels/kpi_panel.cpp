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

/// Facilities by what the dashboard shows (persons), not the simulation's whole-agent "full".
struct FacilityCounts {
  int open = 0, full = 0, no_agent_room = 0;
};
FacilityCounts count_facilities(const Snapshot& s) {
  FacilityCounts c;
  const std::size_t n = std::min({s.facility_state.size(), s.facility_capacity.size(), s.facility_reserved.size()});
  for (std::size_t f = 0; f < n; ++f) {
    const FacilityStatus st = facility_status(s, f);
    c.open += st == FacilityStatus::kOpen || st == FacilityStatus::kFull || st == FacilityStatus::kNoAgentRoom;
    c.full += st == FacilityStatus::kFull;
    c.no_agent_room += st == FacilityStatus::kNoAgentRoom;
  }
  return c;
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
  ended_ = false;
  damaged_seen_.clear();
}

Alert::Severity KpiPanel::severity_of(Alert::Kind kind) {
  switch (kind) {
    case Alert::Kind::kEdgeCrush:
    case Alert::Kind::kFacilityDamaged: return Alert::Severity::kCritical;
    case Alert::Kind::kFacilityFull:
    case Alert::Kind::kFacilityClosed: return Alert::Severity::kWarning;
    case Alert::Kind::kInfo: break;
  }
  return Alert::Severity::kInfo;
}

void KpiPanel::push_alert(DashboardContext& ctx, Alert a) {
  a.severity = severity_of(a.kind);
  ctx.alerts.push_back(std::move(a));
  while (ctx.alerts.size() > max_alerts) ctx.alerts.pop_front();
}

namespace {

/// The same message in both languages (names of places and facilities are as in the source).
template <class... A>
Alert message(std::int64_t t, Alert::Kind kind, EdgeId e, ShelterId f, const char* en, const char* ja, A... args) {
  Alert a;
  a.time_s = t;
  a.kind = kind;
  a.edge = e;
  a.facility = f;
  a.text = format(en, args...);
  a.text_ja = format(ja, args...);
  return a;
}

/// When something the snapshot shows began: `since` when it is a time in [0, now], else now.
std::int64_t began(const std::vector<std::int64_t>& since, std::size_t i, std::int64_t now) {
  const std::int64_t t = i < since.size() ? since[i] : -1;
  return t >= 0 && t <= now ? t : now;
}

}  // namespace

void KpiPanel::update_alerts(DashboardContext& ctx) {
  const Snapshot* s = ctx.snap.get();
  if (!s) return;
  const SnapshotKey key = SnapshotKey::of(s);
  if (key == alerts_for_) return;
  alerts_for_ = key;
  // A new run (time went back): start over.
  if (s->time_s < alerts_time_ || s->command_log.size() < commands_seen_) reset_alert_state();
  alerts_time_ = s->time_s;
  const std::int64_t now = s->time_s;
  // Every alert carries the time it happened, which may lie before this snapshot (the
  // first after --advance-min covers all the time before it): new ones are logged in
  // time order.
  std::vector<Alert> raised;

  // Roads reaching crush-risk density, stamped with the start of their spell at >= 6 p/m2.
  const std::size_t E = s->edge_density.size();
  if (above_.size() != E) above_.assign(E, 0);
  std::vector<EdgeId> crossed;
  EdgeId worst = kNoEdge;
  float worst_density = 0;
  std::int64_t first_crossing = now;
  for (std::size_t e = 0; e < E; ++e) {
    const float d = s->edge_density[e];
    if (above_[e]) {
      if (d < rearm_density) above_[e] = 0;
    } else if (d >= crush_density) {
      above_[e] = 1;
      crossed.push_back(make_id<EdgeId>(e));
      first_crossing = std::min(first_crossing, began(s->edge_ge6_since_s, e, now));
      if (d > worst_density) {
        worst_density = d;
        worst = make_id<EdgeId>(e);
      }
    }
  }
  const double crush = crush_density;
  if (crossed.size() > aggregate_over) {
    raised.push_back(message(first_crossing, Alert::Kind::kEdgeCrush, worst, kNoShelter,
                             "%zu roads above %.0f p/m² (worst: road %s, %.1f p/m²)",
                             "%zu 本の道路で %.0f 人/m² 超（最大: 道路 %s、%.1f 人/m²）", crossed.size(), crush,
                             edge_label(ctx.network, worst).c_str(), static_cast<double>(worst_density)));
  } else {
    for (const EdgeId e : crossed)
      raised.push_back(message(began(s->edge_ge6_since_s, index(e), now), Alert::Kind::kEdgeCrush, e, kNoShelter,
                               "Road %s above %.0f p/m² (%.1f p/m²)", "道路 %s で %.0f 人/m² 超（%.1f 人/m²）",
                               edge_label(ctx.network, e).c_str(), crush, static_cast<double>(s->edge_density[index(e)])));
  }

  // Facilities that take nobody more: full in persons, or with places left that no
  // whole agent fits (the simulation's "full"), stamped with when that began.
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
  const auto full_at = [&](ShelterId f) { return began(s->facility_full_since_s, index(f), now); };
  if (filled.size() > aggregate_over) {
    std::int64_t first = now;
    for (const ShelterId f : filled) first = std::min(first, full_at(f));
    raised.push_back(message(first, Alert::Kind::kFacilityFull, kNoEdge, filled.front(),
                             "%zu facilities take nobody more (first: %s)", "%zu 施設が受け入れ終了（最初: %s）",
                             filled.size(), facility_label(ctx.city, filled.front()).c_str()));
  } else {
    for (const ShelterId f : filled) {
      const bool persons_full = index(f) < s->facility_reserved.size() && facility_status(*s, index(f)) == FacilityStatus::kFull;
      if (persons_full)
        raised.push_back(message(full_at(f), Alert::Kind::kFacilityFull, kNoEdge, f, "%s is full (%s persons)",
                                 "%s が満員（%s 人）", facility_label(ctx.city, f).c_str(), grouped(capacity(f)).c_str()));
      else
        raised.push_back(message(full_at(f), Alert::Kind::kFacilityFull, kNoEdge, f,
                                 "%s has no room for an agent (%s of %s places reserved; 1 agent = %.0f persons)",
                                 "%s は1エージェント分の空きなし（%s / %s 人予約、1エージェント = %.0f 人）",
                                 facility_label(ctx.city, f).c_str(), grouped(s->facility_reserved[index(f)]).c_str(),
                                 grouped(capacity(f)).c_str(), s->persons_per_agent));
    }
  }

  // Facilities closed or damaged by a command, at the command's time.
  for (std::size_t i = commands_seen_; i < s->command_log.size(); ++i) {
    const Command& c = s->command_log[i];
    const std::int64_t t = std::clamp<std::int64_t>(c.time_s, 0, now);
    Alert a;
    if (c.type == CommandType::kDamageFacility)
      a = message(t, Alert::Kind::kFacilityDamaged, kNoEdge, c.facility, "%s damaged: closed for good (%s)",
                  "%s が被災、閉鎖（%s）", facility_label(ctx.city, c.facility).c_str(), c.source.c_str());
    else if (c.type == CommandType::kCloseFacility)
      a = message(t, Alert::Kind::kFacilityClosed, kNoEdge, c.facility, "%s closed by command (%s)", "%s を閉鎖（%s）",
                  facility_label(ctx.city, c.facility).c_str(), c.source.c_str());
    else
      continue;
    a.source = c.source;
    raised.push_back(std::move(a));
  }
  commands_seen_ = s->command_log.size();

  // Facilities that failed in the quake (the hazard plan damages them at setup, with
  // no command): one alert each, at the quake, grouped as "N facilities damaged by the
  // quake". Those a command damaged were raised above.
  if (damaged_seen_.size() != F) damaged_seen_.assign(F, 0);
  for (const Alert& a : raised)
    if (a.kind == Alert::Kind::kFacilityDamaged && ctx.exists(a.facility) && index(a.facility) < F)
      damaged_seen_[index(a.facility)] = 1;
  for (std::size_t f = 0; f < F && f < s->facility_damaged.size(); ++f) {
    if (!s->facility_damaged[f] || damaged_seen_[f]) continue;
    damaged_seen_[f] = 1;
    Alert a = message(0, Alert::Kind::kFacilityDamaged, kNoEdge, make_id<ShelterId>(f), "%s failed in the quake: closed",
                      "%s が地震で被災、閉鎖", facility_label(ctx.city, make_id<ShelterId>(f)).c_str());
    a.source = "hazard";
    raised.push_back(std::move(a));
  }
  if (s->done && !ended_) {
    ended_ = true;
    raised.push_back(message(now, Alert::Kind::kInfo, kNoEdge, kNoShelter,
                             "The scenario has ended at %s (+%s): the simulation has stopped",
                             "想定が終了しました（%s、%s）：シミュレーションは停止しています",
                             ctx.clock_text(now).c_str(), DashboardContext::since_quake_text(now).c_str() + 1));
  }
  std::stable_sort(raised.begin(), raised.end(), [](const Alert& a, const Alert& b) { return a.time_s < b.time_s; });
  for (Alert& a : raised) push_alert(ctx, std::move(a));
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
  const FacilityCounts fc = count_facilities(s);
  ImGui::Text(L("facilities open %d, full %d, no room for an agent %d", "開設 %d、満員 %d、1エージェント分の空きなし %d"),
              fc.open, fc.full, fc.no_agent_room);
}

void KpiPanel::draw_values(DashboardContext& ctx) {
  const Snapshot& s = *ctx.snap;
  const TimeseriesRow& r = s.row;
  const FacilityCounts fc = count_facilities(s);
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
        format(L("%d / %d (+%d no room for an agent) of %zu", "%d / %d（1エージェント分の空きなし +%d）/ %zu"),
               fc.open, fc.full, fc.no_agent_room,
               s.facility_state.size()),
        plain);
  entry(L("places in open facilities", "開設施設の収容人数"), grouped(open_capacity_), plain);
  entry(L("persons in all", "全体の人数"), grouped(static_cast<double>(r.agents) * w), plain);
  ImGui::EndTable();
}

namespace {

const char* kind_label(Alert::Kind k) {
  switch (k) {
    case Alert::Kind::kEdgeCrush: return L("crush risk##kind0", "危険な密度##kind0");
    case Alert::Kind::kFacilityFull: return L("facility full##kind1", "施設の満員##kind1");
    case Alert::Kind::kFacilityClosed: return L("facility closed##kind2", "施設の閉鎖##kind2");
    case Alert::Kind::kFacilityDamaged: return L("facility damaged##kind3", "施設の被災##kind3");
    case Alert::Kind::kInfo: break;
  }
  return L("other##kind4", "その他##kind4");
}

const char* severity_label(Alert::Severity s) {
  switch (s) {
    case Alert::Severity::kCritical: return L("critical", "重大");
    case Alert::Severity::kWarning: return L("warning", "警告");
    case Alert::Severity::kInfo: break;
  }
  return L("info", "情報");
}

ImVec4 severity_colour(Alert::Severity s) {
  switch (s) {
    case Alert::Severity::kCritical: return {1.0f, 0.45f, 0.4f, 1};
    case Alert::Severity::kWarning: return {1.0f, 0.75f, 0.3f, 1};
    case Alert::Severity::kInfo: break;
  }
  return ImGui::GetStyleColorVec4(ImGuiCol_Text);
}

/// Who caused a group's alerts, as the operator reads it.
std::string source_text(const std::string& source) {
  if (source == "hazard") return L("by the quake", "地震による");
  if (source.empty()) return "";
  return format(L("by %s", "%s による"), source.c_str());
}

/// A group's one line: "240 facilities damaged by the quake".
std::string group_text(const KpiPanel::AlertGroup& g) {
  const std::string by = source_text(g.source);
  switch (g.kind) {
    case Alert::Kind::kEdgeCrush:
      return format(L("%zu times roads reached crush-risk density", "危険な密度に達した道路 %zu 件"), g.members.size());
    case Alert::Kind::kFacilityFull:
      return format(L("%zu facilities took nobody more", "受け入れを終えた施設 %zu 件"), g.members.size());
    case Alert::Kind::kFacilityClosed:
      return format(L("%zu facilities closed %s", "%2$s閉鎖された施設 %1$zu 件"), g.members.size(), by.c_str());
    case Alert::Kind::kFacilityDamaged:
      return format(L("%zu facilities damaged %s", "%2$s被災した施設 %1$zu 件"), g.members.size(), by.c_str());
    case Alert::Kind::kInfo: break;
  }
  return format(L("%zu notices %s", "%2$sのお知らせ %1$zu 件"), g.members.size(), by.c_str());
}

}  // namespace

void KpiPanel::group_alerts(const DashboardContext& ctx) {
  groups_.clear();
  for (std::size_t i = 0; i < ctx.alerts.size(); ++i) {
    const Alert& a = ctx.alerts[i];
    if (!show_kind[static_cast<int>(a.kind)]) continue;
    if (hide_acknowledged && a.acknowledged) continue;
    auto g = std::find_if(groups_.begin(), groups_.end(),
                          [&](const AlertGroup& x) { return x.kind == a.kind && x.source == a.source; });
    if (g == groups_.end()) {
      groups_.push_back({a.kind, a.source, {}, a.time_s, a.time_s, 0, a.severity});
      g = groups_.end() - 1;
    }
    g->members.push_back(i);
    g->first_s = std::min(g->first_s, a.time_s);
    g->last_s = std::max(g->last_s, a.time_s);
    g->unacknowledged += !a.acknowledged;
    g->severity = std::max(g->severity, a.severity);
  }
  // The group with the newest alert first; members newest first.
  std::stable_sort(groups_.begin(), groups_.end(), [](const AlertGroup& a, const AlertGroup& b) { return a.last_s > b.last_s; });
  for (AlertGroup& g : groups_)
    std::stable_sort(g.members.begin(), g.members.end(),
                     [&](std::size_t a, std::size_t b) { return ctx.alerts[a].time_s > ctx.alerts[b].time_s; });
}

std::size_t KpiPanel::unacknowledged(const DashboardContext& ctx) {
  return static_cast<std::size_t>(
      std::count_if(ctx.alerts.begin(), ctx.alerts.end(), [](const Alert& a) { return !a.acknowledged; }));
}

void KpiPanel::draw_alerts(DashboardContext& ctx) {
  // Filters by kind, and acknowledged ones hidden or not.
  for (int k = 0; k < Alert::kKinds; ++k) {
    if (k > 0) ImGui::SameLine();
    ImGui::Checkbox(kind_label(static_cast<Alert::Kind>(k)), &show_kind[k]);
    ctx.mark("kpi.alerts.kind." + std::to_string(k));
  }
  ImGui::Checkbox(L("Hide acknowledged##hide_ack", "確認済みを隠す##hide_ack"), &hide_acknowledged);
  ctx.mark("kpi.alerts.hide_ack");
  ImGui::SameLine();
  if (ImGui::Button(L("Acknowledge all##ack_all", "すべて確認##ack_all")))
    for (Alert& a : ctx.alerts) a.acknowledged = true;
  ctx.mark("kpi.alerts.ack_all");
  ImGui::SameLine();
  if (ImGui::Button(L("Clear##clear_alerts", "消去##clear_alerts"))) ctx.alerts.clear();
  ctx.mark("kpi.alerts.clear");
  ImGui::SameLine();
  ImGui::TextDisabled(L("%zu alerts, %zu not acknowledged; newest first, repeats grouped (click to show on the map)",
                        "%zu 件（未確認 %zu 件）：新しい順、同種はまとめて表示（クリックで地図に表示）"),
                      ctx.alerts.size(), unacknowledged(ctx));
  group_alerts(ctx);
  if (!begin_table("kpi_alerts",
                   {{L("Time##time", "時刻##time"), 1.3f},
                    {L("Severity##severity", "重要度##severity"), 0.7f},
                    {L("Alert##alert", "警報##alert"), 4.0f},
                    {"##ack", 0.8f}},
                   kListTable, ImVec2(0, rest_height(60))))
    return;
  const auto show_on_map = [&](const Alert& a) {
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
  };
  // One alert's row; `indent` inside an opened group.
  const auto alert_row = [&](std::size_t i, bool indent) {
    Alert& a = ctx.alerts[i];
    ImGui::TableNextRow();
    ImGui::TableNextColumn();
    ImGui::PushID(static_cast<int>(i));
    if (indent) ImGui::Indent();
    const std::string when = ctx.clock_text(a.time_s) + "  " + DashboardContext::since_quake_text(a.time_s);
    if (ImGui::Selectable(when.c_str(), false, ImGuiSelectableFlags_SpanAllColumns | ImGuiSelectableFlags_AllowItemOverlap))
      show_on_map(a);
    ctx.mark("kpi.alerts.row." + std::to_string(i));
    if (indent) ImGui::Unindent();
    ImGui::TableNextColumn();
    ImGui::TextColored(severity_colour(a.severity), "%s", severity_label(a.severity));
    ImGui::TableNextColumn();
    if (a.acknowledged) ImGui::TextDisabled("%s", a.shown().c_str());
    else ImGui::TextColored(severity_colour(a.severity), "%s", a.shown().c_str());
    ImGui::TableNextColumn();
    if (!a.acknowledged && ImGui::SmallButton(L("Ack##ack", "確認##ack"))) a.acknowledged = true;
    ctx.mark("kpi.alerts.ack_row." + std::to_string(i));
    ImGui::PopID();
  };
  for (std::size_t gi = 0; gi < groups_.size(); ++gi) {
    const AlertGroup& g = groups_[gi];
    const std::string id = format("%d.%s", static_cast<int>(g.kind), g.source.c_str());
    if (g.members.size() == 1) {
      alert_row(g.members.front(), false);
      continue;
    }
    ImGui::TableNextRow();
    ImGui::TableNextColumn();
    ImGui::PushID(id.c_str());
    const std::string span = DashboardContext::since_quake_text(g.first_s) + " - " + DashboardContext::since_quake_text(g.last_s);
    const bool open = ImGui::TreeNodeEx("##group", ImGuiTreeNodeFlags_SpanFullWidth, "%s", span.c_str());
    ctx.mark("kpi.alerts.group." + id);
    ImGui::TableNextColumn();
    ImGui::TextColored(severity_colour(g.severity), "%s", severity_label(g.severity));
    ImGui::TableNextColumn();
    const std::string line = group_text(g);
    if (g.unacknowledged == 0) ImGui::TextDisabled("%s", line.c_str());
    else if (g.unacknowledged < g.members.size())
      ImGui::TextColored(severity_colour(g.severity), L("%s (%zu new)", "%s（新規 %zu 件）"), line.c_str(), g.unacknowledged);
    else ImGui::TextColored(severity_colour(g.severity), "%s", line.c_str());
    ImGui::TableNextColumn();
    if (g.unacknowledged > 0 && ImGui::SmallButton(L("Ack all##ack_group", "すべて確認##ack_group")))
      for (const std::size_t i : g.members) ctx.alerts[i].acknowledged = true;
    ctx.mark("kpi.alerts.ack." + id);
    if (open) {
      const std::size_t shown = std::min(g.members.size(), max_group_rows);
      for (std::size_t k = 0; k < shown; ++k) alert_row(g.members[k], true);
      if (shown < g.members.size()) {
        ImGui::TableNextRow();
        ImGui::TableNextColumn();
        ImGui::TableNextColumn();
        ImGui::TableNextColumn();
        ImGui::TextDisabled(L("... and %zu older", "…ほか古い %zu 件"), g.members.size() - shown);
      }
      ImGui::TreePop();
    }
    ImGui::PopID();
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
  return write_text_atomically(path, timeseries_csv(rows_until(ctx.snap->timeseries, ctx.snap->row), ctx.snap->persons_per_agent), error);
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
  const std::string alerts_label = format(L("%s (%zu new)###alerts", "%s（未確認 %zu）###alerts"), L("Alerts", "警報"),
                                          unacknowledged(ctx));
  tabs.tab(alerts_label.c_str(), "kpi.tab.alerts", [&] { draw_alerts(ctx); });
  tabs.tab(L("Export###export", "出力###export"), "kpi.tab.export", [&] { draw_export(ctx); });
  ImGui::EndTabBar();
}

}  // namespace kitaku::ui
