#include "kitaku/ui/dashboard.hpp"

#include <imgui.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <ctime>

#include "kitaku/ui/i18n.hpp"
#include "panels/allocation_panel.hpp"
#include "panels/drill_panel.hpp"
#include "panels/facilities_panel.hpp"
#include "panels/kpi_panel.hpp"
#include "panels/map_panel.hpp"
#include "panels/network_panel.hpp"
#include "panels/time_controls.hpp"

namespace kitaku::ui {

struct Dashboard::Panels {
  TimeControls time;
  MapPanel map;
  KpiPanel kpi;
  FacilitiesPanel facilities;
  AllocationPanel allocation;
  DrillPanel drill;
  NetworkPanel network;
};

Dashboard::Dashboard(DashboardContext& ctx, DashboardOptions options)
    : ctx_(ctx),
      p_(std::make_unique<Panels>()),
      tab_(options.tab),
      pending_tab_(options.tab),
      view_(options.view),
      view_path_(options.view_path) {
  ImGuiStyle& st = ImGui::GetStyle();
  ImGui::StyleColorsDark(&st);
  st.WindowRounding = 0;
  st.FrameRounding = 3;
  st.WindowBorderSize = 1;
  base_style_ = st;
  view_.ui_scale = std::clamp(view_.ui_scale, ViewSettings::kMinScale, ViewSettings::kMaxScale);
  apply_scale();
  ComparePanel& cmp = p_->drill.compare;
  cmp.load = std::move(options.run_loader);
  cmp.set_paths(options.compare_a, options.compare_b);
  if (!options.compare_a.empty() || !options.compare_b.empty()) {
    // Open where the comparison is shown.
    p_->drill.show_tab = "after";
    tab_ = pending_tab_ = "drill";
    if (!options.compare_a.empty() && !options.compare_b.empty() && !cmp.compare(ctx_))
      ctx_.status = cmp.error();
  }
}

ComparePanel& Dashboard::compare() { return p_->drill.compare; }

void Dashboard::apply_scale() {
  ImGuiStyle& st = ImGui::GetStyle();
  st = base_style_;
  st.ScaleAllSizes(view_.ui_scale);
  ImGui::GetIO().FontGlobalScale = view_.ui_scale;
}

void Dashboard::save_view() {
  view_.lang = language() == Lang::kJapanese ? "ja" : "en";
  if (view_path_.empty()) return;
  std::string error;
  if (!save_view_settings(view_path_, view_, &error))
    ctx_.status = std::string(L("View not saved: ", "表示設定を保存できません: ")) + error;
}

void Dashboard::set_ui_scale(float scale) {
  // Steps of 0.05, so that repeated presses land on round scales.
  const float s = std::round(std::clamp(scale, ViewSettings::kMinScale, ViewSettings::kMaxScale) * 20) / 20;
  if (s == view_.ui_scale) return;
  view_.ui_scale = s;
  apply_scale();
  save_view();
}

Dashboard::~Dashboard() = default;

void Dashboard::select_tab(const std::string& tab) { pending_tab_ = tab; }
void Dashboard::panels_kpi_tab(const std::string& tab) { p_->kpi.show_tab = tab; }
void Dashboard::panels_drill_tab(const std::string& tab) {
  p_->drill.show_tab = tab;
  if (!tab.empty()) pending_tab_ = "drill";
}
void Dashboard::zoom_map(double factor) { p_->map.set_view(p_->map.centre(), p_->map.m_per_px() / factor); }

bool Dashboard::take_screenshot_request(std::string& path) {
  if (!screenshot_) return false;
  screenshot_ = false;
  path = screenshot_path_;
  return true;
}

void Dashboard::Draw() {
  ctx_.live = ctx_.controller.latest();
  ctx_.snap = ctx_.live;
  p_->kpi.update_alerts(ctx_);  // from the live snapshot, also while reviewing the past
  if (ctx_.review) ctx_.snap = ctx_.review;

  const ImGuiIO& io = ImGui::GetIO();
  const float W = io.DisplaySize.x, H = io.DisplaySize.y;
  const float top_h = ImGui::GetFrameHeightWithSpacing() + 2 * ImGui::GetStyle().WindowPadding.y;
  const float status_h = ImGui::GetTextLineHeightWithSpacing() + 2 * ImGui::GetStyle().WindowPadding.y;
  const float right_w = std::min(W * 0.6f, std::max(560.0f * view_.ui_scale, std::round(W * 0.38f)));
  const float body_h = H - top_h - status_h;
  const float kpi_h = std::round(body_h * 0.55f);
  constexpr ImGuiWindowFlags kFixed = ImGuiWindowFlags_NoMove | ImGuiWindowFlags_NoResize |
                                      ImGuiWindowFlags_NoCollapse | ImGuiWindowFlags_NoSavedSettings |
                                      ImGuiWindowFlags_NoBringToFrontOnFocus;

  // Top bar.
  ImGui::SetNextWindowPos(ImVec2(0, 0));
  ImGui::SetNextWindowSize(ImVec2(W, top_h));
  ImGui::Begin("##top", nullptr, kFixed | ImGuiWindowFlags_NoTitleBar | ImGuiWindowFlags_NoScrollbar);
  ImGui::TextColored(ImVec4(1.0f, 0.75f, 0.3f, 1), "%s", L("Kitaku", "帰宅"));
  ImGui::SameLine();
  ImGui::TextDisabled("%s", ctx_.scenario_name().c_str());
  ImGui::SameLine();
  p_->time.Draw(ctx_);
  if (ctx_.live && ctx_.live->done) {
    // The scenario's duration has run: say so where the clock is.
    ImGui::SameLine();
    ImGui::TextColored(ImVec4(1.0f, 0.75f, 0.3f, 1), L("Scenario ended at %s: the simulation has stopped",
                                                       "想定終了（%s）：シミュレーションは停止しました"),
                       ctx_.clock_text(ctx_.live->time_s).c_str());
    ctx_.mark("top.ended");
  }
  // The scale, language and screenshot controls at the right end, or after the
  // time controls when the window is too narrow for both.
  {
    const ImGuiStyle& st = ImGui::GetStyle();
    const char* shot = L("Screenshot##shot", "画面保存##shot");
    const float right = ImGui::CalcTextSize("A-").x + ImGui::CalcTextSize("300%").x + ImGui::CalcTextSize("A+").x +
                        ImGui::CalcTextSize("EN").x + ImGui::CalcTextSize("日本語").x +
                        ImGui::CalcTextSize(shot, nullptr, true).x + 2 * ImGui::GetFrameHeight() +
                        8 * st.FramePadding.x + 8 * st.ItemSpacing.x + st.WindowPadding.x;
    ImGui::SameLine();
    ImGui::SameLine(std::max(ImGui::GetCursorPosX(), W - right));
  }
  if (ImGui::Button("A-##scale_down")) set_ui_scale(view_.ui_scale - 0.25f);
  ctx_.mark("top.scale_down");
  ImGui::SameLine();
  ImGui::Text("%.0f%%", 100.0 * static_cast<double>(view_.ui_scale));
  if (ImGui::IsItemHovered()) ImGui::SetTooltip("%s", L("UI scale (saved with the view)", "表示倍率（表示設定に保存）"));
  ImGui::SameLine();
  if (ImGui::Button("A+##scale_up")) set_ui_scale(view_.ui_scale + 0.25f);
  ctx_.mark("top.scale_up");
  ImGui::SameLine();
  int lang = language() == Lang::kJapanese ? 1 : 0;
  if (ImGui::RadioButton("EN", &lang, 0)) {
    set_language(Lang::kEnglish);
    save_view();
  }
  ctx_.mark("top.lang.en");
  ImGui::SameLine();
  if (ImGui::RadioButton("日本語", &lang, 1)) {
    set_language(Lang::kJapanese);
    save_view();
  }
  ctx_.mark("top.lang.ja");
  ImGui::SameLine();
  if (ImGui::Button(L("Screenshot##shot", "画面保存##shot"))) {
    char name[64];
    std::snprintf(name, sizeof name, "kitaku-screenshot-%lld-%d.png", static_cast<long long>(std::time(nullptr)),
                  ++screenshot_no_);
    screenshot_path_ = name;
    screenshot_ = true;
  }
  ctx_.mark("top.screenshot");
  ImGui::End();

  // Map.
  ImGui::SetNextWindowPos(ImVec2(0, top_h));
  ImGui::SetNextWindowSize(ImVec2(W - right_w, body_h));
  ImGui::PushStyleVar(ImGuiStyleVar_WindowPadding, ImVec2(0, 0));
  ImGui::Begin(L("Map###map", "地図###map"), nullptr, kFixed | ImGuiWindowFlags_NoScrollbar |
                                                       ImGuiWindowFlags_NoScrollWithMouse |
                                                       ImGuiWindowFlags_NoBackground);  // the map paints it all
  ImGui::PopStyleVar();
  p_->map.Draw(ctx_);
  p_->drill.compare.draw_map_layer(ctx_, p_->map);
  ImGui::End();

  // KPIs.
  ImGui::SetNextWindowPos(ImVec2(W - right_w, top_h));
  ImGui::SetNextWindowSize(ImVec2(right_w, kpi_h));
  ImGui::Begin(L("Situation###kpi", "状況###kpi"), nullptr, kFixed);
  p_->kpi.Draw(ctx_);
  ImGui::End();

  // Operations tabs.
  ImGui::SetNextWindowPos(ImVec2(W - right_w, top_h + kpi_h));
  ImGui::SetNextWindowSize(ImVec2(right_w, body_h - kpi_h));
  ImGui::Begin(L("Operations###ops", "運用###ops"), nullptr, kFixed);
  if (ImGui::BeginTabBar("##tabs")) {
    struct Tab {
      const char* id;
      const char* label;
    };
    const Tab tabs[] = {{"facilities", L("Facilities###facilities", "一時滞在施設###facilities")},
                        {"allocation", L("Allocation###allocation", "割当て###allocation")},
                        {"drill", L("Drill###drill", "訓練###drill")},
                        {"network", L("Network###network", "道路網###network")}};
    for (const Tab& t : tabs) {
      ImGuiTabItemFlags flags = 0;
      if (pending_tab_ == t.id) flags |= ImGuiTabItemFlags_SetSelected;
      const bool open = ImGui::BeginTabItem(t.label, nullptr, flags);
      ctx_.mark(std::string("tab.") + t.id);
      if (!open) continue;
      tab_ = t.id;
      const std::string id = t.id;
      if (id == "facilities") p_->facilities.Draw(ctx_);
      else if (id == "allocation") p_->allocation.Draw(ctx_);
      else if (id == "drill") p_->drill.Draw(ctx_);
      else p_->network.DrawContents(ctx_.network);
      ImGui::EndTabItem();
    }
    pending_tab_.clear();
    ImGui::EndTabBar();
  }
  ImGui::End();

  // Status line.
  ImGui::SetNextWindowPos(ImVec2(0, H - status_h));
  ImGui::SetNextWindowSize(ImVec2(W, status_h));
  ImGui::Begin("##status", nullptr, kFixed | ImGuiWindowFlags_NoTitleBar | ImGuiWindowFlags_NoScrollbar);
  if (!ctx_.status.empty()) {
    ImGui::TextColored(ImVec4(1, 0.6f, 0.4f, 1), "%s", ctx_.status.c_str());
    ImGui::SameLine();
  }
  if (!font_.message.empty()) {
    ImGui::TextColored(ImVec4(1, 0.85f, 0.3f, 1), "%s", font_.message.c_str());
    ImGui::SameLine();
  }
  ImGui::SameLine(std::max(0.0f, W - 330 * view_.ui_scale));
  ImGui::TextDisabled("%.0f fps | %zu %s | %s %.2f", io.Framerate, ctx_.snap->agent_state.size(),
                      L("agents", "エージェント"), L("persons/agent", "人/エージェント"), ctx_.snap->persons_per_agent);
  ImGui::End();
}

}  // namespace kitaku::ui
