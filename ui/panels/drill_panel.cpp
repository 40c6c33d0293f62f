#include "drill_panel.hpp"

#include <imgui.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <filesystem>

#include "kitaku/ui/i18n.hpp"
#include "panels/widgets.hpp"

namespace kitaku::ui {
namespace {

const char* type_label(CommandType t) {
  switch (t) {
    case CommandType::kOpenFacility: return L("open facility", "施設開設");
    case CommandType::kCloseFacility: return L("close facility", "施設閉鎖");
    case CommandType::kSetCapacity: return L("set capacity", "収容人数変更");
    case CommandType::kCloseEdge: return L("close road", "道路閉鎖");
    case CommandType::kReopenEdge: return L("reopen road", "道路再開");
    case CommandType::kGuidance: return L("guidance", "誘導");
    case CommandType::kReleaseRetained: return L("release retained", "待機者の帰宅開始");
    case CommandType::kDamageFacility: return L("damage facility", "施設被災");
    case CommandType::kCloseArea: return L("close area", "区域閉鎖");
    case CommandType::kReopenArea: return L("reopen area", "区域再開");
    case CommandType::kPauseWalkers: return L("walkers stop", "歩行者停止");
    case CommandType::kResumeRail: return L("resume rail line", "鉄道運転再開");
  }
  return "?";
}

const char* source_label(const std::string& source) {
  if (source == "scenario") return L("scenario", "想定");
  if (source == "inject") return L("inject", "状況付与");
  if (source == "operator") return L("operator", "操作員");
  if (source == "hazard") return L("hazard", "災害");
  return source.c_str();
}

bool uses_facility(CommandType t) {
  return t == CommandType::kOpenFacility || t == CommandType::kCloseFacility || t == CommandType::kSetCapacity ||
         t == CommandType::kGuidance || t == CommandType::kDamageFacility;
}

std::string area_text(const Command& c) {
  if (c.radius_m <= 0) return L("everywhere", "全域");
  return format(L("(%.0f, %.0f) r %.0f m", "(%.0f, %.0f) 半径 %.0f m"), c.x, c.y, c.radius_m);
}

/// A rail line's name (scenario order), or "#N" if the scenario has no such line.
std::string rail_line_name(const DashboardContext& ctx, double index) {
  const auto& lines = ctx.scenario.hazards.rail_lines;
  if (index >= 0 && index < static_cast<double>(lines.size())) return lines[static_cast<std::size_t>(index)].name;
  return format("#%.0f", index);
}

std::string target_text(const DashboardContext& ctx, const Command& c) {
  const std::string facility = uses_facility(c.type) ? facility_label(ctx.city, c.facility) : std::string();
  switch (c.type) {
    case CommandType::kCloseEdge:
    case CommandType::kReopenEdge: {
      std::string s = L("road ", "道路 ");
      s += edge_label(ctx.network, c.edge);
      return s;
    }
    case CommandType::kCloseArea:
    case CommandType::kReopenArea:
    case CommandType::kPauseWalkers:
    case CommandType::kReleaseRetained: return area_text(c);
    case CommandType::kResumeRail: return rail_line_name(ctx, c.value);
    case CommandType::kGuidance: return area_text(c) + " → " + facility;
    default: return facility;
  }
}

std::string value_text(const Command& c) {
  switch (c.type) {
    case CommandType::kSetCapacity: return format(L("%.0f persons", "%.0f 人"), c.value);
    case CommandType::kGuidance:
    case CommandType::kReleaseRetained: return format("%.0f %%", 100 * c.value);
    case CommandType::kPauseWalkers: return format(L("%.0f s", "%.0f 秒"), c.value);
    default: return {};
  }
}

bool same_effect(const Command& a, const Command& b) {
  return a.type == b.type && a.facility == b.facility && a.edge == b.edge && a.value == b.value && a.x == b.x &&
         a.y == b.y && a.radius_m == b.radius_m && a.source == b.source;
}

/// The scenario's scripted commands as the simulation logs them (source "scenario" when empty).
std::vector<Command> scripted(const Scenario& sc) {
  std::vector<Command> out = sc.commands;
  for (Command& c : out)
    if (c.source.empty()) c.source = "scenario";
  return out;
}

/// The table of the script or of the event log: time, command, target, value, then `last`.
bool begin_command_table(const char* id, Column last) {
  return begin_table(id,
                     {{L("Time##time", "時刻##time"), 1.2f},
                      {L("Command##type", "コマンド##type"), 1.2f},
                      {L("Target##target", "対象##target"), 2.0f},
                      {L("Value##value", "値##value"), 0.8f},
                      last},
                     kListTable, ImVec2(0, rest_height(80)));
}

/// A command's cells in those tables after its time: command, target, value.
void command_cells(const DashboardContext& ctx, const Command& c) {
  next_cell(type_label(c.type));
  next_cell(target_text(ctx, c));
  next_cell(value_text(c));
}

}  // namespace

std::vector<bool> applied_commands(const std::vector<Command>& wanted, const std::vector<Command>& log) {
  std::vector<bool> used(log.size(), false), out(wanted.size(), false);
  for (std::size_t i = 0; i < wanted.size(); ++i)
    for (std::size_t j = 0; j < log.size(); ++j)
      if (!used[j] && log[j].time_s >= wanted[i].time_s && same_effect(wanted[i], log[j])) {
        used[j] = true;
        out[i] = true;
        break;
      }
  return out;
}

std::string DrillPanel::default_log_path(const DashboardContext& ctx) {
  return "drill-" + hhmm(ctx, ctx.snap ? ctx.snap->time_s : 0) + ".log";
}

std::int64_t DrillPanel::inject_time(const DashboardContext& ctx) const {
  if (at_time) return std::max<std::int64_t>(0, static_cast<std::int64_t>(at_hours) * 3600 + at_minutes * 60);
  return ctx.snap ? ctx.snap->time_s : 0;
}

bool DrillPanel::inject(DashboardContext& ctx, Command c) {
  c.time_s = inject_time(ctx);
  c.source = "inject";
  const Command sent = c;
  if (!ctx.send(std::move(c))) return false;
  sent_.push_back(sent);
  sent_applied_.push_back(false);
  ctx.status = format(L("Inject queued for %s: %s %s", "%s に付与予定: %s %s"), ctx.clock_text(sent.time_s).c_str(),
                      type_label(sent.type), target_text(ctx, sent).c_str());
  return true;
}

bool DrillPanel::save_log(const DashboardContext& ctx, const std::string& path, std::string* error) const {
  if (!ctx.snap) {
    if (error) *error = L("no simulation state to save yet", "保存できる状態がまだありません");
    return false;
  }
  const Snapshot& s = *ctx.snap;
  std::string text = "# kitaku drill log: one command per line; kitaku run SCENARIO --replay " +
                     std::filesystem::path(path).filename().string() + "\n";
  text += "# scenario: " + ctx.scenario.name + " (" + ctx.scenario.origin + ")\n";
  text += "# seed: " + std::to_string(ctx.scenario.seed) + "\n";
  text += "# saved at: " + ctx.clock_text(s.time_s) + " (" + DashboardContext::since_quake_text(s.time_s) + "), " +
          std::to_string(s.command_log.size()) + " commands applied\n";
  for (const Command& c : s.command_log) text += format_command(c) + "\n";
  // What the drill would still do: scripted commands and queued injects not applied yet.
  const std::vector<Command> script = scripted(ctx.scenario);
  const std::vector<bool> script_done = applied_commands(script, s.command_log);
  const std::vector<bool> sent_done = applied_commands(sent_, s.command_log);
  std::string pending;
  for (std::size_t i = 0; i < script.size(); ++i)
    if (!script_done[i]) pending += format_command(script[i]) + "\n";
  for (std::size_t i = 0; i < sent_.size(); ++i)
    if (!sent_done[i]) pending += format_command(sent_[i]) + "\n";
  if (!pending.empty()) text += "# not applied yet when saved (scripted commands, queued injects):\n" + pending;
  return write_text_atomically(path, text, error);
}

void DrillPanel::refresh(const DashboardContext& ctx) {
  const Snapshot& s = *ctx.snap;
  scripted_applied_ = applied_commands(scripted(ctx.scenario), s.command_log);
  sent_applied_ = applied_commands(sent_, s.command_log);
  refreshed_for_ = SnapshotKey::of(&s);
}

// ------------------------------------------------------------------ injects

void DrillPanel::draw_injects(DashboardContext& ctx) {
  const Snapshot& s = *ctx.snap;
  // Follow the map's selection.
  if (ctx.selected_edge != seen_selected_edge_) {
    seen_selected_edge_ = ctx.selected_edge;
    if (valid(ctx.selected_edge)) edge = ctx.selected_edge;
  }
  if (ctx.selected_facility != seen_selected_facility_) {
    seen_selected_facility_ = ctx.selected_facility;
    if (valid(ctx.selected_facility)) facility = ctx.selected_facility;
  }
  const std::size_t F = std::min(ctx.city.facilities.size(), s.facility_capacity.size());
  const bool facility_ok = valid(facility) && index(facility) < F;
  if (facility != capacity_for_) {
    capacity_for_ = facility;
    if (facility_ok) capacity = s.facility_capacity[index(facility)];
  }

  // When.
  section(L("When", "付与の時期"), ImGuiCol_TextDisabled);
  int mode = at_time ? 1 : 0;
  ImGui::RadioButton(L("now##when_now", "直ちに##when_now"), &mode, 0);
  ctx.mark("drill.when.now");
  ImGui::SameLine();
  ImGui::RadioButton(L("at##when_at", "時刻指定##when_at"), &mode, 1);
  ctx.mark("drill.when.at");
  at_time = mode == 1;
  ImGui::SameLine();
  ImGui::BeginDisabled(!at_time);
  ImGui::SetNextItemWidth(90);
  ImGui::InputInt(L("h##at_hours", "時間##at_hours"), &at_hours);
  ctx.mark("drill.when.hours");
  ImGui::SameLine();
  ImGui::SetNextItemWidth(90);
  ImGui::InputInt(L("min after the quake##at_minutes", "分後（地震発生から）##at_minutes"), &at_minutes);
  ctx.mark("drill.when.minutes");
  ImGui::EndDisabled();
  at_hours = std::clamp(at_hours, 0, 24 * 7);
  at_minutes = std::clamp(at_minutes, 0, 59);
  const std::int64_t when = inject_time(ctx);
  ImGui::Text("%s %s (%s)", L("Injects apply at", "付与時刻:"), ctx.clock_text(when).c_str(),
              DashboardContext::since_quake_text(when).c_str());
  if (at_time && when < s.time_s) {
    ImGui::SameLine();
    ImGui::TextColored(kLateColour, "%s", L("(already past: applies at the next step)", "（経過済み: 次のステップで適用）"));
  }

  // Roads.
  section(L("Road", "道路"), ImGuiCol_TextDisabled);
  ImGui::SetNextItemWidth(140);
  // Typed as a number: -1 or out of range is no road.
  int edge_number = valid(edge) && index(edge) <= 0x7fffffffu ? static_cast<int>(index(edge)) : -1;
  if (ImGui::InputInt(L("edge id (select on the map)##edge", "道路ID（地図で選択）##edge"), &edge_number))
    edge = edge_number >= 0 ? make_id<EdgeId>(static_cast<std::uint64_t>(edge_number)) : kNoEdge;
  ctx.mark("drill.edge");
  const bool edge_ok = ctx.exists(edge);
  if (edge_ok) {
    const std::string_view n = ctx.network.name(edge);
    ImGui::SameLine();
    ImGui::TextDisabled("%.*s %.0f m", static_cast<int>(n.size()), n.data(), static_cast<double>(ctx.network.length(edge)));
  }
  ImGui::BeginDisabled(!edge_ok);
  Command c;
  c.edge = edge;
  if (ImGui::Button(L("Close road##close_edge", "道路を閉鎖##close_edge"))) {
    c.type = CommandType::kCloseEdge;
    inject(ctx, c);
  }
  ctx.mark("drill.close_edge");
  ImGui::SameLine();
  if (ImGui::Button(L("Reopen road##reopen_edge", "道路を再開##reopen_edge"))) {
    c.type = CommandType::kReopenEdge;
    inject(ctx, c);
  }
  ctx.mark("drill.reopen_edge");
  ImGui::EndDisabled();

  // Areas: fire, cordon.
  section(L("Area (fire, cordon)", "区域（火災・規制線）"), ImGuiCol_TextDisabled);
  if (ctx.has_picked_point)
    ImGui::Text(L("centre (%.0f, %.0f), picked on the map", "中心 (%.0f, %.0f)（地図で指定）"), ctx.picked_point.x,
                ctx.picked_point.y);
  else
    ImGui::TextDisabled("%s", L("Click the map to pick the centre.", "地図をクリックして中心を指定してください。"));
  ImGui::SetNextItemWidth(220);
  ImGui::SliderFloat(L("radius##radius", "半径##radius"), &area_radius_m, 25.0f, 3000.0f, "%.0f m");
  ctx.mark("drill.radius");
  Command area;
  area.x = ctx.picked_point.x;
  area.y = ctx.picked_point.y;
  area.radius_m = area_radius_m;
  ImGui::BeginDisabled(!ctx.has_picked_point);
  if (ImGui::Button(L("Close area##close_area", "区域を閉鎖##close_area"))) {
    area.type = CommandType::kCloseArea;
    inject(ctx, area);
  }
  ctx.mark("drill.close_area");
  ImGui::SameLine();
  if (ImGui::Button(L("Reopen area##reopen_area", "区域を再開##reopen_area"))) {
    area.type = CommandType::kReopenArea;
    inject(ctx, area);
  }
  ctx.mark("drill.reopen_area");
  ImGui::EndDisabled();

  // Facilities.
  section(L("Facility", "一時滞在施設"), ImGuiCol_TextDisabled);
  ImGui::SetNextItemWidth(260);
  const std::string preview = facility_ok ? ctx.city.facilities[index(facility)].name
                                          : std::string(L("(select a facility)", "（施設を選択）"));
  if (ImGui::BeginCombo(L("facility##facility", "施設##facility"), preview.c_str())) {
    for (std::size_t f = 0; f < F; ++f) {
      ImGui::PushID(static_cast<int>(f));
      if (ImGui::Selectable(ctx.city.facilities[f].name.c_str(), facility == make_id<ShelterId>(f)))
        facility = make_id<ShelterId>(f);
      ImGui::PopID();
    }
    ImGui::EndCombo();
  }
  ctx.mark("drill.facility");
  ImGui::BeginDisabled(!facility_ok);
  Command fc;
  fc.facility = facility;
  if (ImGui::Button(L("Damage facility##damage", "施設を被災させる##damage"))) {
    fc.type = CommandType::kDamageFacility;
    inject(ctx, fc);
  }
  ctx.mark("drill.damage");
  ImGui::SetNextItemWidth(140);
  ImGui::InputDouble(L("persons##capacity", "人##capacity"), &capacity, 50, 500, "%.0f");
  capacity = std::max(0.0, capacity);
  ctx.mark("drill.capacity");
  ImGui::SameLine();
  if (ImGui::Button(L("Set capacity##set_capacity", "収容人数を変更##set_capacity"))) {
    fc.type = CommandType::kSetCapacity;
    fc.value = capacity;
    inject(ctx, fc);
  }
  ctx.mark("drill.set_capacity");
  ImGui::EndDisabled();

  // Retained staff.
  section(L("Retained staff", "事業所等での待機者"), ImGuiCol_TextDisabled);
  float percent = release_share * 100.0f;
  ImGui::SetNextItemWidth(220);
  ImGui::SliderFloat(L("share released##release_share", "帰宅開始の割合##release_share"), &percent, 0.0f, 100.0f, "%.0f %%");
  release_share = std::clamp(percent / 100.0f, 0.0f, 1.0f);
  ctx.mark("drill.release_share");
  ImGui::BeginDisabled(!ctx.has_picked_point);
  ImGui::Checkbox(L("only within the area around the picked point##release_area", "指定地点の周辺のみ##release_area"),
                  &release_in_area);
  ImGui::EndDisabled();
  ctx.mark("drill.release_area");
  if (ImGui::Button(L("Release retained staff##release", "待機者の帰宅を開始##release"))) {
    Command r;
    r.type = CommandType::kReleaseRetained;
    r.value = release_share;
    if (release_in_area && ctx.has_picked_point) {
      r.x = ctx.picked_point.x;
      r.y = ctx.picked_point.y;
      r.radius_m = area_radius_m;
    }
    inject(ctx, r);
  }
  ctx.mark("drill.release");

  // Rail: resume a suspended line (docs/model.md, "Rail").
  section(L("Rail", "鉄道"), ImGuiCol_TextDisabled);
  const auto& lines = ctx.scenario.hazards.rail_lines;
  const int nlines = static_cast<int>(lines.size());
  rail_line = std::clamp(rail_line, 0, std::max(nlines - 1, 0));
  auto line_status = [&](int l) -> std::string {
    const auto& since = s.rail_running_since_s;
    if (l < static_cast<int>(since.size()) && since[static_cast<std::size_t>(l)] >= 0)
      return format(L("running since %s", "%s から運転中"), ctx.clock_text(since[static_cast<std::size_t>(l)]).c_str());
    const double h = lines[static_cast<std::size_t>(l)].resume_h;
    if (h >= 0 && h * 3600 < static_cast<double>(s.duration_s))
      return format(L("suspended, resumes at %s", "運転見合わせ（%s 再開予定）"),
                    ctx.clock_text(static_cast<std::int64_t>(std::llround(h * 3600))).c_str());
    return L("suspended", "運転見合わせ");
  };
  ImGui::BeginDisabled(nlines == 0);
  ImGui::SetNextItemWidth(260);
  const std::string line_preview = nlines > 0 ? lines[static_cast<std::size_t>(rail_line)].name
                                              : std::string(L("(no rail lines)", "（路線なし）"));
  if (ImGui::BeginCombo(L("line##rail_line", "路線##rail_line"), line_preview.c_str())) {
    for (int l = 0; l < nlines; ++l) {
      ImGui::PushID(l);
      const std::string item = lines[static_cast<std::size_t>(l)].name + "  (" + line_status(l) + ")";
      if (ImGui::Selectable(item.c_str(), rail_line == l)) rail_line = l;
      ImGui::PopID();
    }
    ImGui::EndCombo();
  }
  ctx.mark("drill.rail_line");
  if (nlines > 0) {
    ImGui::SameLine();
    ImGui::TextDisabled("%s", line_status(rail_line).c_str());
  }
  if (ImGui::Button(L("Resume rail line##rail", "鉄道運転再開##rail"))) {
    Command r;
    r.type = CommandType::kResumeRail;
    r.value = rail_line;
    inject(ctx, r);
  }
  ImGui::EndDisabled();
  ctx.mark("drill.rail");
  if (nlines == 0 && ImGui::IsItemHovered(ImGuiHoveredFlags_AllowWhenDisabled))
    ImGui::SetTooltip("%s", L("The scenario has no rail lines: add [[rail_line]] tables to it (docs/scenario-format.md).",
                              "この想定には鉄道路線がありません。想定ファイルに [[rail_line]] を追加してください（docs/scenario-format.md）。"));

  // Queued injects.
  std::size_t queued = 0;
  for (std::size_t i = 0; i < sent_.size(); ++i) queued += i < sent_applied_.size() && !sent_applied_[i];
  if (queued > 0) {
    section(L("Queued injects (not applied yet)", "付与予定（未適用）"), ImGuiCol_TextDisabled);
    for (std::size_t i = 0; i < sent_.size(); ++i) {
      if (i < sent_applied_.size() && sent_applied_[i]) continue;
      const Command& q = sent_[i];
      ImGui::BulletText("%s  %s  %s %s", ctx.clock_text(q.time_s).c_str(), type_label(q.type), target_text(ctx, q).c_str(),
                        value_text(q).c_str());
    }
  }
}

// ------------------------------------------------------------------ script and log

void DrillPanel::draw_script(DashboardContext& ctx) {
  const std::vector<Command>& cmds = ctx.scenario.commands;
  if (cmds.empty()) {
    ImGui::TextDisabled("%s", L("The scenario has no scripted commands.", "この想定には予定されたコマンドがありません。"));
    return;
  }
  if (!begin_command_table("drill_script", {L("Applied##applied", "適用##applied"), 0.7f})) return;
  ImGuiListClipper clip;
  clip.Begin(static_cast<int>(cmds.size()));
  while (clip.Step())
    for (int i = clip.DisplayStart; i < clip.DisplayEnd; ++i) {
      const Command& c = cmds[static_cast<std::size_t>(i)];
      const bool done = static_cast<std::size_t>(i) < scripted_applied_.size() && scripted_applied_[static_cast<std::size_t>(i)];
      ImGui::TableNextRow();
      next_cellf("%s (%s)", ctx.clock_text(c.time_s).c_str(), DashboardContext::since_quake_text(c.time_s).c_str());
      command_cells(ctx, c);
      ImGui::TableNextColumn();
      if (done) ImGui::TextColored(kDoneColour, "%s", L("applied", "適用済み"));
      else ImGui::TextDisabled("%s", L("pending", "未適用"));
    }
  ImGui::EndTable();
}

void DrillPanel::draw_event_log(DashboardContext& ctx) {
  const Snapshot& s = *ctx.snap;
  if (!log_path_edited_) std::snprintf(log_path_, sizeof log_path_, "%s", default_log_path(ctx).c_str());
  ImGui::SetNextItemWidth(std::max(160.0f, ImGui::GetContentRegionAvail().x * 0.5f));
  if (ImGui::InputText(L("file##log_path", "ファイル##log_path"), log_path_, sizeof log_path_)) log_path_edited_ = true;
  ctx.mark("drill.log_path");
  ImGui::SameLine();
  if (ImGui::Button(L("Save drill log##save_log", "訓練記録を保存##save_log"))) {
    std::string error;
    log_failed_ = !save_log(ctx, log_path_, &error);
    log_message_ = log_failed_ ? error
                               : format(L("Wrote %s (replay: kitaku run SCENARIO --replay %s)",
                                          "%s に保存（再現: kitaku run SCENARIO --replay %s）"),
                                        log_path_, log_path_);
    ctx.status = log_message_;
  }
  ctx.mark("drill.save_log");
  outcome_text(log_message_, log_failed_);

  const auto& log = s.command_log;
  ImGui::TextDisabled(L("%zu commands applied", "適用済みコマンド %zu 件"), log.size());
  if (!begin_command_table("drill_log", {L("Source##source", "発信元##source"), 0.8f})) return;
  ImGuiListClipper clip;
  clip.Begin(static_cast<int>(log.size()));
  while (clip.Step())
    for (int i = clip.DisplayStart; i < clip.DisplayEnd; ++i) {
      const Command& c = log[static_cast<std::size_t>(i)];
      ImGui::TableNextRow();
      next_cell(ctx.clock_text(c.time_s));
      command_cells(ctx, c);
      next_cell(source_label(c.source));
    }
  ImGui::EndTable();
}

// ------------------------------------------------------------------ after action

void DrillPanel::draw_after_action(DashboardContext& ctx) {
  const Snapshot& s = *ctx.snap;
  ImGui::TextWrapped("%s", L("The baseline runs the same scenario (same seed) with its scripted commands only, without the "
                             "injects and operator actions, up to the drill's time now.",
                             "ベースラインは同じ想定（同じ乱数シード）を、予定されたコマンドのみで（状況付与・操作なしで）"
                             "現在の訓練時刻まで計算します。"));
  const BaselineRun::Status st = baseline_.status();
  if (st == BaselineRun::Status::kRunning) {
    ImGui::ProgressBar(static_cast<float>(baseline_.progress()), ImVec2(220, 0));
    ImGui::SameLine();
    if (ImGui::Button(L("Cancel##baseline_cancel", "中止##baseline_cancel"))) baseline_.cancel();
    ctx.mark("drill.baseline.cancel");
  } else {
    const std::string label = format(L("Run baseline to %s##baseline_run", "%s までベースラインを計算##baseline_run"),
                                     DashboardContext::since_quake_text(s.time_s).c_str());
    if (ImGui::Button(label.c_str())) baseline_.start(ctx.network, ctx.city, ctx.scenario, s.time_s);
    ctx.mark("drill.baseline.run");
  }
  if (st == BaselineRun::Status::kFailed) ImGui::TextColored(kFailedColour, "%s", baseline_.error().c_str());
  if (st == BaselineRun::Status::kCancelled) ImGui::TextDisabled("%s", L("Baseline cancelled.", "ベースラインを中止しました。"));
  if (st != BaselineRun::Status::kDone) return;

  // The drill at the baseline's time: now, or a recorded row at that time.
  const std::int64_t until = baseline_.final_row().time_s;
  const TimeseriesRow* row = s.time_s == until ? &s.row : nullptr;
  for (const TimeseriesRow& r : s.timeseries)
    if (!row && r.time_s == until) row = &r;
  const bool same_time = row != nullptr;
  if (!row) row = &s.row;
  drill_figures_ = after_action_figures(s.timeseries, *row, s.persons_per_agent);
  baseline_figures_ = baseline_.figures();
  comparison_shown_ = true;

  if (!same_time)
    ImGui::TextColored(kLateColour,
                       L("The baseline ran to %s, the drill is at %s: run the baseline again to compare at the same time.",
                         "ベースラインは %s まで、訓練は %s です。同じ時刻で比較するには再計算してください。"),
                       DashboardContext::since_quake_text(until).c_str(), DashboardContext::since_quake_text(s.time_s).c_str());
  else
    ImGui::Text(L("Compared at %s (%s)", "%s（%s）時点の比較"), ctx.clock_text(until).c_str(),
                DashboardContext::since_quake_text(until).c_str());

  struct Metric {
    const char* label;
    double drill, base;
    bool higher_is_worse;
    const char* fmt;
  };
  const AfterActionFigures& d = drill_figures_;
  const AfterActionFigures& b = baseline_figures_;
  const Metric metrics[] = {
      {L("person-minutes at >= 6 p/m²", "6人/m²以上の延べ人分"), d.person_minutes_ge6, b.person_minutes_ge6, true, "%.0f"},
      {L("person-minutes at >= 4 p/m²", "4人/m²以上の延べ人分"), d.person_minutes_ge4, b.person_minutes_ge4, true, "%.0f"},
      {L("peak km of road at >= 6 p/m²", "6人/m²以上の道路延長（最大, km）"), d.peak_km_ge6, b.peak_km_ge6, true, "%.2f"},
      {L("peak sheltered (persons)", "施設滞在者（最大）"), d.peak_sheltered, b.peak_sheltered, false, "%.0f"},
      {L("peak unsheltered stranded (persons)", "屋外滞留・施設へ移動中（最大）"), d.peak_unsheltered_stranded,
       b.peak_unsheltered_stranded, true, "%.0f"},
      {L("arrived home (persons)", "帰宅済み"), d.arrived_home, b.arrived_home, false, "%.0f"},
      {L("unsheltered now (persons)", "現在の屋外滞留"), d.unsheltered_now, b.unsheltered_now, true, "%.0f"},
      {L("sheltered now (persons)", "現在の施設滞在者"), d.sheltered_now, b.sheltered_now, false, "%.0f"},
  };
  if (begin_table("drill_after_action",
                  {{L("Metric##metric", "指標##metric"), 2.4f},
                   {L("Drill##drill", "訓練##drill"), 1.0f},
                   {L("Baseline##baseline", "ベースライン##baseline"), 1.0f},
                   {L("Difference##difference", "差##difference"), 1.0f}},
                  kPlainTable | ImGuiTableFlags_BordersInnerV)) {
    for (const Metric& m : metrics) {
      compare_row(m.label, m.fmt, m.drill, m.base);
      ImGui::TableNextColumn();
      const double diff = m.drill - m.base;
      // Appended, not "+" + format(...): GCC 12 reports a bogus -Wrestrict for
      // operator+(const char*, std::string&&) at -O3 (GCC bug 105329).
      std::string dt = diff > 0 ? "+" : "";
      dt += format(m.fmt, diff);
      const bool worse = m.higher_is_worse ? diff > 0 : diff < 0;
      const bool equal = std::abs(diff) < 1e-9;
      ImGui::TextColored(equal ? ImGui::GetStyleColorVec4(ImGuiCol_TextDisabled)
                         : worse ? kFailedColour
                                 : kDoneColour,
                         "%s", dt.c_str());
    }
    ImGui::EndTable();
  }
  ImGui::TextWrapped(L("Figures from the time-series samples (every %d min, and the time compared), computed the same way "
                       "for both runs; a full run's summary.json counts every step and can differ slightly.",
                       "数値は時系列の標本（%d 分ごと＋比較時刻）から両者同じ方法で算出しています。"
                       "summary.json は毎ステップで集計するため、わずかに異なることがあります。"),
                     ctx.scenario.run.output_interval_s / 60);
}

// ------------------------------------------------------------------ panel

void DrillPanel::Draw(DashboardContext& ctx) {
  comparison_shown_ = false;
  if (!ctx.snap) {
    ImGui::TextDisabled("%s", L("No simulation yet.", "シミュレーションがありません。"));
    return;
  }
  if (!(refreshed_for_ == SnapshotKey::of(ctx.snap.get()))) refresh(ctx);
  if (!ImGui::BeginTabBar("##drill_tabs")) return;
  const NamedTabs tabs{ctx, show_tab, "##drill_tab_body"};
  tabs.tab(L("Injects###injects", "状況付与###injects"), "drill.tab.injects", [&] { draw_injects(ctx); });
  std::size_t done = 0;
  for (const bool b : scripted_applied_) done += b;
  const std::string script_label =
      format("%s (%zu/%zu)###script", L("Script", "予定"), done, ctx.scenario.commands.size());
  tabs.tab(script_label.c_str(), "drill.tab.script", [&] { draw_script(ctx); });
  const std::string log_label = format("%s (%zu)###log", L("Event log", "記録"), ctx.snap->command_log.size());
  tabs.tab(log_label.c_str(), "drill.tab.log", [&] { draw_event_log(ctx); });
  tabs.tab(L("After action###after", "事後検討###after"), "drill.tab.after", [&] {
    if (ImGui::CollapsingHeader(L("Compare saved runs###compare_runs", "保存済み実行の比較###compare_runs"),
                                ImGuiTreeNodeFlags_DefaultOpen))
      compare.Draw(ctx);
    if (ImGui::CollapsingHeader(L("Drill against its baseline###drill_baseline", "訓練とベースライン###drill_baseline"),
                                ImGuiTreeNodeFlags_DefaultOpen))
      draw_after_action(ctx);
  });
  ImGui::EndTabBar();
}

}  // namespace kitaku::ui
