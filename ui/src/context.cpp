#include "kitaku/ui/context.hpp"

#include <imgui.h>

#include <cstdio>

#include "kitaku/ui/i18n.hpp"

namespace kitaku::ui {

const std::string& Alert::shown() const {
  return language() == Lang::kJapanese && !text_ja.empty() ? text_ja : text;
}

void DashboardContext::mark(const std::string& name) {
  if (record_widgets) widgets[name] = {ImGui::GetItemRectMin(), ImGui::GetItemRectMax()};
}

bool DashboardContext::send(Command c) {
  if (reviewing()) {
    status = L("Reviewing the past: press \"Back to live\" to act on the present.",
               "過去を表示中：現在に対して操作するには「ライブに戻る」を押してください。");
    return false;
  }
  if (c.source.empty()) c.source = "operator";
  const std::string why = controller.submit(std::move(c));
  status = why;
  return why.empty();
}

std::string DashboardContext::clock_text(std::int64_t time_s) const {
  const std::int64_t s = scenario.quake.clock_s + time_s;
  char b[48];
  std::snprintf(b, sizeof b, L("day %lld %02lld:%02lld", "%lld日目 %02lld:%02lld"), static_cast<long long>(s / 86400 + 1),
                static_cast<long long>(s / 3600 % 24), static_cast<long long>(s / 60 % 60));
  return b;
}

void DashboardContext::set_area_mode(AreaMode m) {
  if (m == area_mode_) return;
  area_mode_ = m;
  selected_area = -1;
}

const Areas& DashboardContext::areas_for(AreaMode m) const {
  auto& a = areas_[static_cast<std::size_t>(m)];
  if (!a) a = std::make_shared<const Areas>(m, network, city);
  return *a;
}

const std::string& DashboardContext::scenario_name() const {
  return language() == Lang::kJapanese && !scenario.name_ja.empty() ? scenario.name_ja : scenario.name;
}

std::string DashboardContext::since_quake_text(std::int64_t time_s) {
  char b[32];
  std::snprintf(b, sizeof b, "+%lld:%02lld", static_cast<long long>(time_s / 3600),
                static_cast<long long>(time_s / 60 % 60));
  return b;
}

}  // namespace kitaku::ui
