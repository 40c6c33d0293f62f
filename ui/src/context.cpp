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

std::string DashboardContext::since_quake_text(std::int64_t time_s) {
  char b[32];
  std::snprintf(b, sizeof b, "+%lld:%02lld", static_cast<long long>(time_s / 3600),
                static_cast<long long>(time_s / 60 % 60));
  return b;
}

}  // namespace kitaku::ui
