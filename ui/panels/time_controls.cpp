#include "panels/time_controls.hpp"

#include <imgui.h>

#include <cmath>
#include <cstdio>

#include "kitaku/ui/i18n.hpp"
#include "panels/widgets.hpp"

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
  const Snapshot& s = ctx.live ? *ctx.live : *ctx.snap;
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
  ImGui::SameLine();
  draw_review(ctx);
}

void TimeControls::draw_review(DashboardContext& ctx) {
  history_ = ctx.controller.history();
  // Past snapshots only: the newest kept one may be the live one.
  const std::int64_t live_t = ctx.live ? ctx.live->time_s : 0;
  while (!history_.empty() && history_.back()->time_s >= live_t) history_.pop_back();
  const int n = static_cast<int>(history_.size());
  if (review_index >= n) review_index = n - 1;
  // The slider runs over the kept past snapshots and, at its right end, live.
  int pos = review_index < 0 ? n : review_index;
  ImGui::SetNextItemWidth(170);
  ImGui::BeginDisabled(n == 0);
  const std::string shown = pos < n ? hhmm(ctx, history_[static_cast<std::size_t>(pos)]->time_s, ":") : L("live", "ライブ");
  if (ImGui::SliderInt(L("Review##review", "振り返り##review"), &pos, 0, n, shown.c_str(), ImGuiSliderFlags_AlwaysClamp))
    review_index = pos >= n ? -1 : pos;
  ImGui::EndDisabled();
  ctx.mark("time.review");
  if (ImGui::IsItemHovered(ImGuiHoveredFlags_AllowWhenDisabled))
    ImGui::SetTooltip("%s", L("Drag left to see the map, figures and tables at an earlier time (one snapshot per "
                              "output interval is kept); the simulation goes on.",
                              "左へ動かすと過去の時刻の地図・数値・表を表示します（出力間隔ごとに保存）。"
                              "シミュレーションは続きます。"));
  ctx.review = review_index >= 0 ? history_[static_cast<std::size_t>(review_index)] : nullptr;
  if (!ctx.review) return;
  ctx.snap = ctx.review;  // the panels drawn after this show the past at once
  ImGui::SameLine();
  ImGui::TextColored(ImVec4(0.3f, 0.85f, 1.0f, 1), L("reviewing %s - live at %s", "%s を表示中・ライブは %s"),
                     hhmm(ctx, ctx.review->time_s, ":").c_str(), hhmm(ctx, live_t, ":").c_str());
  ctx.mark("time.reviewing");
  ImGui::SameLine();
  if (ImGui::Button(L("Back to live##live", "ライブに戻る##live"))) {
    review_index = -1;
    ctx.review = nullptr;
    ctx.snap = ctx.live;
  }
  ctx.mark("time.live");
}

}  // namespace kitaku::ui
