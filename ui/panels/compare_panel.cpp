#include "panels/compare_panel.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <exception>
#include <iterator>

#include "kitaku/ui/i18n.hpp"
#include "panels/map_panel.hpp"
#include "panels/widgets.hpp"

namespace kitaku::ui {
namespace {

// The two runs in charts and the key (Okabe-Ito blue and vermilion, as timeseries.png).
const ImU32 kColourA = IM_COL32(86, 180, 233, 255);
const ImU32 kColourB = IM_COL32(230, 120, 40, 255);

ImU32 class_colour(const DifferenceScale& s, int cls) {
  const auto c = s.colour_on_dark(cls);
  return IM_COL32(c[0], c[1], c[2], 255);
}

std::string signed_metric(double v, const std::string& unit) {
  std::string s = v > 0 ? "+" : "";
  s += format_metric(v, unit);
  return s;
}

}  // namespace

void ComparePanel::set_paths(const std::string& a, const std::string& b) {
  std::snprintf(path_a_, sizeof path_a_, "%s", a.c_str());
  std::snprintf(path_b_, sizeof path_b_, "%s", b.c_str());
}

bool ComparePanel::compare(const DashboardContext& ctx) {
  comparison_.reset();
  changed_.clear();
  layer_fits_ = false;
  error_.clear();
  if (!load) {
    error_ = L("This dashboard cannot read run folders (no loader).", "実行結果フォルダを読めません（読込み機能なし）。");
    return false;
  }
  if (!*path_a_ || !*path_b_) {
    error_ = L("Name both run folders, A (the baseline) and B.", "比較する 2 つのフォルダ（A: 基準、B）を指定してください。");
    return false;
  }
  try {
    a_ = load(path_a_);
    b_ = load(path_b_);
    comparison_ = compare_runs(a_, b_);
  } catch (const std::exception& e) {
    error_ = e.what();
    comparison_.reset();
    return false;
  }
  double max_abs = 0;
  for (const float d : comparison_->difference_minutes_ge6) max_abs = std::max(max_abs, static_cast<double>(std::fabs(d)));
  scale_ = DifferenceScale::for_max(max_abs);
  layer_fits_ = comparison_->difference_minutes_ge6.size() == ctx.network.edge_count();
  for (std::uint32_t e = 0; e < comparison_->difference_minutes_ge6.size(); ++e)
    if (scale_.class_of(comparison_->difference_minutes_ge6[e]) != 0) changed_.push_back(e);
  std::stable_sort(changed_.begin(), changed_.end(), [&](std::uint32_t x, std::uint32_t y) {
    return std::abs(scale_.class_of(comparison_->difference_minutes_ge6[x])) <
           std::abs(scale_.class_of(comparison_->difference_minutes_ge6[y]));
  });
  return true;
}

void ComparePanel::draw_chart(const SeriesSpec& spec, float height) {
  ImGui::PushID(spec.column);
  ImGui::BeginChild("##compare_chart", ImVec2(0, height), true, ImGuiWindowFlags_NoScrollbar | ImGuiWindowFlags_NoScrollWithMouse);
  ImDrawList* dl = ImGui::GetWindowDrawList();
  const ImVec2 p0 = ImGui::GetCursorScreenPos();
  const ImVec2 avail = ImGui::GetContentRegionAvail();
  const float line = ImGui::GetTextLineHeight();
  const ImU32 dim = ImGui::GetColorU32(ImGuiCol_TextDisabled);
  const std::string title = format("%s (%s)", spec.label, spec.unit);
  dl->AddText(p0, ImGui::GetColorU32(ImGuiCol_Text), title.c_str());
  double xmax = 0.25, ymax = 1;
  for (const RunRecord* r : {&a_, &b_}) {
    if (!r->time_s.empty()) xmax = std::max(xmax, r->time_s.back() / 3600.0);
    if (const auto it = r->series.find(spec.column); it != r->series.end())
      for (const double v : it->second) ymax = std::max(ymax, v);
  }
  const std::string top_label = format_metric(ymax, spec.unit);
  const float left = ImGui::CalcTextSize(top_label.c_str()).x + 8;
  const ImVec2 a(p0.x + left, p0.y + line + 4), b(p0.x + avail.x - 4, p0.y + avail.y - line - 4);
  if (b.x - a.x > 20 && b.y - a.y > 20) {
    const auto X = [&](double h) { return a.x + static_cast<float>(h / xmax) * (b.x - a.x); };
    const auto Y = [&](double v) { return b.y - static_cast<float>(v / ymax) * (b.y - a.y); };
    for (int i = 0; i <= 2; ++i) {
      const float y = Y(ymax * i / 2);
      dl->AddLine(ImVec2(a.x, y), ImVec2(b.x, y), IM_COL32(255, 255, 255, 28));
      const std::string s = format_metric(ymax * i / 2, spec.unit);
      dl->AddText(ImVec2(a.x - 4 - ImGui::CalcTextSize(s.c_str()).x, y - line / 2), dim, s.c_str());
    }
    const std::string xs = format("+%.0fh", xmax);
    dl->AddText(ImVec2(b.x - ImGui::CalcTextSize(xs.c_str()).x, b.y + 2), dim, xs.c_str());
    dl->AddText(ImVec2(a.x, b.y + 2), dim, "+0h");
    dl->AddRect(a, b, IM_COL32(255, 255, 255, 60));
    std::vector<ImVec2> pts;
    for (const auto& [r, colour] : {std::pair{&a_, kColourA}, std::pair{&b_, kColourB}}) {
      const auto it = r->series.find(spec.column);
      if (it == r->series.end()) continue;
      pts.clear();
      for (std::size_t i = 0; i < it->second.size() && i < r->time_s.size(); ++i)
        pts.emplace_back(X(r->time_s[i] / 3600.0), Y(it->second[i]));
      if (pts.size() > 1) dl->AddPolyline(pts.data(), static_cast<int>(pts.size()), colour, 0, 1.8f);
    }
    ++charts_shown;
  }
  ImGui::EndChild();
  ImGui::PopID();
}

void ComparePanel::Draw(DashboardContext& ctx) {
  table_rows_shown = 0;
  charts_shown = 0;
  ImGui::TextWrapped("%s", L("Compare two saved runs (kitaku run output folders): A is the baseline, differences are B - A. "
                             "To compare a drill, save its log and replay it with kitaku run SCENARIO --replay drill.log.",
                             "保存済みの 2 つの実行結果（kitaku run の出力フォルダ）を比較します。A が基準で、差は B - A です。"
                             "訓練を比較するには記録を保存し、kitaku run SCENARIO --replay drill.log で再現してください。"));
  const float w = ImGui::GetContentRegionAvail().x * 0.8f;
  ImGui::SetNextItemWidth(w);
  ImGui::InputText(L("A (baseline)##compare_a", "A（基準）##compare_a"), path_a_, sizeof path_a_);
  ctx.mark("compare.path_a");
  ImGui::SetNextItemWidth(w);
  ImGui::InputText(L("B##compare_b", "B##compare_b"), path_b_, sizeof path_b_);
  ctx.mark("compare.path_b");
  if (ImGui::Button(L("Compare##compare_go", "比較##compare_go"))) {
    if (compare(ctx)) ctx.status = format(L("Compared %s with %s", "%s と %s を比較しました"), path_b_, path_a_);
  }
  ctx.mark("compare.go");
  if (!error_.empty()) ImGui::TextColored(kFailedColour, "%s", error_.c_str());
  if (!comparison_) return;
  const RunComparison& c = *comparison_;

  ImGui::SameLine();
  ImGui::Checkbox(L("Difference on map##compare_layer", "差を地図に表示##compare_layer"), &show_layer);
  ctx.mark("compare.layer");
  if (!layer_fits_)
    ImGui::TextColored(kLateColour, L("The runs have %zu roads, this dashboard's network %zu: the difference is not drawn on this map.",
                                      "比較した実行の道路数 %zu、この画面の道路網 %zu：差は地図に表示できません。"),
                       c.difference_minutes_ge6.size(), ctx.network.edge_count());
  for (const std::string& warning : c.warnings) ImGui::TextColored(kLateColour, "%s", warning.c_str());
  ImGui::TextDisabled("A: %s (%s)", a_.scenario_name.c_str(), a_.dir.c_str());
  ImGui::TextDisabled("B: %s (%s)", b_.scenario_name.c_str(), b_.dir.c_str());

  if (begin_table("compare_metrics",
                  {{L("Metric##metric", "指標##metric"), 2.6f},
                   {L("Unit##unit", "単位##unit"), 1.0f},
                   {"A##a", 1.0f},
                   {"B##b", 1.0f},
                   {"B - A##diff", 1.0f},
                   {L("Change##change", "変化##change"), 0.8f}},
                  kPlainTable | ImGuiTableFlags_BordersInnerV)) {
    for (const MetricRow& m : c.metrics) {
      ImGui::TableNextRow();
      next_cell(m.label);
      next_cell(m.unit);
      next_cell(format_metric(m.a, m.unit));
      next_cell(format_metric(m.b, m.unit));
      next_cell(signed_metric(m.difference(), m.unit));
      next_cell(std::isfinite(m.relative()) ? format("%+.1f %%", 100 * m.relative()) : std::string("-"));
      ++table_rows_shown;
    }
    ImGui::EndTable();
  }
  ctx.mark("compare.table");
  ImGui::Text(L("Roads with more minutes at >= 6 p/m² in B: %zu; with fewer: %zu", "B で 6人/m² 以上の時間が増えた道路 %zu、減った道路 %zu"),
              c.roads_worse, c.roads_better);

  // The key for the charts, then a chart per compared column.
  const float sq = ImGui::GetTextLineHeight() * 0.6f;
  for (const auto& [name, colour] : {std::pair{"A", kColourA}, std::pair{"B", kColourB}}) {
    const ImVec2 p = ImGui::GetCursorScreenPos();
    ImGui::GetWindowDrawList()->AddRectFilled(ImVec2(p.x, p.y + sq * 0.4f), ImVec2(p.x + 2 * sq, p.y + sq * 1.1f), colour);
    ImGui::Dummy(ImVec2(2 * sq + 4, sq));
    ImGui::SameLine();
    ImGui::TextUnformatted(name);
    ImGui::SameLine();
  }
  ImGui::NewLine();
  const float h = std::max(90.0f, ImGui::GetTextLineHeight() * 7);
  for (const SeriesSpec& s : kComparedSeries) draw_chart(s, h);
  ctx.mark("compare.charts");
}

void ComparePanel::draw_map_layer(const DashboardContext& ctx, const MapPanel& map) {
  layer_roads_drawn = 0;
  layer_legend_drawn = false;
  if (!comparison_ || !show_layer || !layer_fits_) return;
  ImDrawList* dl = ImGui::GetWindowDrawList();
  const ImVec2 o = map.region_min(), size = map.region_size();
  const ImVec2 end(o.x + size.x, o.y + size.y);
  dl->PushClipRect(o, end, true);
  std::vector<ImVec2> pts;
  // Wide enough to read over the agents and the road colours, with a dark outline;
  // the larger changes wider still (they are drawn last, on top).
  const float thick = std::clamp(static_cast<float>(6.0 / map.m_per_px()), 2.5f, 6.0f);
  for (const std::uint32_t e : changed_) {
    const auto g = ctx.network.geometry(EdgeId{e});
    pts.clear();
    bool in_view = false;
    for (const Point& p : g) {
      const ImVec2 s = map.map_to_screen(p);
      in_view = in_view || (s.x >= o.x && s.x <= end.x && s.y >= o.y && s.y <= end.y);
      pts.push_back(s);
    }
    if (!in_view || pts.size() < 2) continue;
    const int cls = scale_.class_of(comparison_->difference_minutes_ge6[e]);
    const float t = thick + 0.75f * static_cast<float>(std::abs(cls) - 1);
    dl->AddPolyline(pts.data(), static_cast<int>(pts.size()), IM_COL32(0, 0, 0, 220), 0, t + 2.5f);
    dl->AddPolyline(pts.data(), static_cast<int>(pts.size()), class_colour(scale_, cls), 0, t);
    ++layer_roads_drawn;
  }
  // The legend, in the map's lower left corner.
  const float line = ImGui::GetTextLineHeightWithSpacing();
  const char* title = L("B - A, minutes at >= 6 p/m²", "B - A、6人/m² 以上の時間（分）");
  float wmax = ImGui::CalcTextSize(title).x;
  for (int cls = 4; cls >= -4; --cls) wmax = std::max(wmax, ImGui::CalcTextSize(scale_.label(cls).c_str()).x + line);
  const ImVec2 box0(o.x + 8, end.y - 8 - line * 10.4f), box1(o.x + 20 + wmax, end.y - 8);
  dl->AddRectFilled(box0, box1, IM_COL32(20, 20, 24, 220), 4);
  dl->AddText(ImVec2(box0.x + 6, box0.y + 4), IM_COL32(255, 255, 255, 255), title);
  for (int cls = 4; cls >= -4; --cls) {
    const float y = box0.y + 4 + line * static_cast<float>(5 - cls);
    dl->AddRectFilled(ImVec2(box0.x + 6, y + 3), ImVec2(box0.x + 6 + line * 0.7f, y + line - 3), class_colour(scale_, cls));
    dl->AddText(ImVec2(box0.x + 10 + line * 0.7f, y), IM_COL32(230, 230, 230, 255), scale_.label(cls).c_str());
  }
  layer_legend_drawn = true;
  dl->PopClipRect();
}

}  // namespace kitaku::ui
