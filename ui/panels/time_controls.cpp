#include "panels/time_controls.hpp"

#include <imgui.h>

#include <cmath>
#include <cstdio>

#include "kitaku/ui/i18n.hpp"

namespace kitaku::ui {
namespace {
std::string speed_label(double s) {
  if (s <= 0) return L("max", "最高速");
  char b[16];
  std::snprintf(b, sizeof b, "x%g", s);
  return b;
}
}  // namespace

void TimeControls::Draw(DashboardContext& ctx) {
  Controller& c = ctx.controller;
  const Snapshot& s = *ctx.snap;
  const bool playing = c.playing();
  if (playing) {
    if (ImGui::Button(L("Pause##play", "一時停止##play"), ImVec2(90, 0))) c.pause();
  } else {
    ImGui::BeginDisabled(s.done);
    if (ImGui::Button(L("Play##play", "再生##play"), ImVec2(90, 0))) c.play();
    ImGui::EndDisabled();
  }
  ctx.mark("time.play");
  ImGui::SameLine();
  ImGui::BeginDisabled(s.done);
  if (ImGui::Button(L("Step##step", "1ステップ##step"))) c.step_once();
  ctx.mark("time.step");
  ImGui::EndDisabled();
  ImGui::SameLine();
  ImGui::SetNextItemWidth(90);
  const double cur = c.speed();
  if (ImGui::BeginCombo(L("Speed##speed", "速度##speed"), speed_label(cur).c_str())) {
    for (const double v : kSpeeds) {
      if (ImGui::Selectable(speed_label(v).c_str(), v == cur)) c.set_speed(v);
      ctx.mark("time.speed." + speed_label(v));
    }
    ImGui::EndCombo();
  }
  ctx.mark("time.speed");
  ImGui::SameLine();
  ImGui::TextUnformatted("|");
  ImGui::SameLine();
  const std::string clock = ctx.clock_text(s.time_s);
  const std::string since = DashboardContext::since_quake_text(s.time_s);
  ImGui::Text("%s  (%s %s)", clock.c_str(), L("quake", "地震発生から"), since.c_str());
  ImGui::SameLine();
  const float frac = s.duration_s > 0 ? static_cast<float>(s.time_s) / static_cast<float>(s.duration_s) : 0.0f;
  char overlay[64];
  std::snprintf(overlay, sizeof overlay, "%.0f%% %s", 100.0 * frac, s.done ? L("done", "終了") : "");
  ImGui::SetNextItemWidth(160);
  ImGui::ProgressBar(frac, ImVec2(160, 0), overlay);
  // How fast simulated time is going (what the chosen speed achieves on this machine).
  const double now = ImGui::GetTime();
  if (last_wall_ < 0 || now - last_wall_ >= 1.0) {
    if (last_wall_ >= 0) measured_rate = static_cast<double>(s.time_s - last_sim_) / (now - last_wall_);
    last_wall_ = now;
    last_sim_ = s.time_s;
  }
  ImGui::SameLine();
  ImGui::TextDisabled("%s x%.0f", L("actual", "実速度"), measured_rate);
}

}  // namespace kitaku::ui
