#include "panels/widgets.hpp"

#include <cstdarg>
#include <string_view>

#include "kitaku/ui/i18n.hpp"

namespace kitaku::ui {
namespace {

// "#N" appended to a string rather than "#" + std::to_string(N): GCC 12 reports a bogus
// -Wrestrict for operator+(const char*, std::string&&) at -O3 (GCC bug 105329).
std::string number_label(std::int64_t n) {
  std::string s = "#";
  s += std::to_string(n);
  return s;
}

}  // namespace

std::string hhmm(const DashboardContext& ctx, std::int64_t time_s, const char* sep) {
  const std::int64_t c = ctx.scenario.quake.clock_s + time_s;
  return format("%02lld%s%02lld", static_cast<long long>(c / 3600 % 24), sep, static_cast<long long>(c / 60 % 60));
}

std::string facility_label(const City& city, ShelterId f) {
  if (!valid(f)) return "-";
  std::string s = number_label(index(f));
  if (index(f) < city.facilities.size()) {
    s += ' ';
    s += city.facilities[index(f)].name;
  }
  return s;
}

const char* facility_kind_label(FacilityKind k) {
  switch (k) {
    case FacilityKind::kDesignatedShelter: return L("designated shelter (指定避難所)", "指定避難所");
    case FacilityKind::kEvacuationSite: return L("evacuation site (指定緊急避難場所)", "指定緊急避難場所");
    default: return L("temporary stay facility (一時滞在施設)", "一時滞在施設");
  }
}

const char* facility_kind_short(FacilityKind k) {
  switch (k) {
    case FacilityKind::kDesignatedShelter: return L("shelter", "避難所");
    case FacilityKind::kEvacuationSite: return L("evac. site", "避難場所");
    default: return L("stay", "一時滞在");
  }
}

const char* capacity_source_label(const Facility& f) {
  switch (f.capacity_source) {
    case CapacitySource::kOverride: return L("capacity: the scenario's [[facility_capacity]]", "収容人数: シナリオで指定");
    case CapacitySource::kDefault:
      return f.kind == FacilityKind::kDesignatedShelter
                 ? L("capacity: default for a shelter (judgement)", "収容人数: 避難所の既定値（判断）")
                 : L("capacity: default, Tokyo's average (the file has none)", "収容人数: 既定値（東京都の平均、ファイルに記載なし）");
    default: return L("capacity: from the file", "収容人数: ファイルの値");
  }
}

HoverZone::HoverZone() : min_(ImGui::GetCursorScreenPos()), width_(ImGui::GetContentRegionAvail().x) {}

bool HoverZone::hovered() const {
  const ImVec2 max(min_.x + width_, ImGui::GetCursorScreenPos().y);
  return ImGui::IsWindowHovered(ImGuiHoveredFlags_ChildWindows | ImGuiHoveredFlags_AllowWhenBlockedByActiveItem) &&
         ImGui::IsMouseHoveringRect(min_, max, /*clip=*/false);
}

std::string edge_label(const Network& net, EdgeId e) {
  if (!valid(e)) return "-";
  std::string s = number_label(index(e));
  if (index(e) < net.edge_count()) {
    const std::string_view n = net.name(e);
    if (!n.empty()) {
      s += ' ';
      s += n;
    }
  }
  return s;
}

void section(const char* title, ImGuiCol text) {
  ImGui::Spacing();
  if (text == ImGuiCol_Text) ImGui::TextUnformatted(title);
  else if (text == ImGuiCol_TextDisabled) ImGui::TextDisabled("%s", title);
  else ImGui::TextColored(ImGui::GetStyleColorVec4(text), "%s", title);
  ImGui::Separator();
}

void outcome_text(const std::string& message, bool failed) {
  if (!message.empty()) ImGui::TextColored(failed ? kFailedColour : kDoneColour, "%s", message.c_str());
}

void refusal_text(const std::string& refusal) {
  if (!refusal.empty()) ImGui::TextColored(kRefusedColour, "%s %s", L("Refused:", "拒否:"), refusal.c_str());
}

bool NamedTabs::begin(const char* label, const char* mark) const {
  const std::string id = std::string(mark).substr(std::string(mark).rfind('.') + 1);
  const bool select = !show_tab.empty() && show_tab == id;
  const bool open = ImGui::BeginTabItem(label, nullptr, select ? ImGuiTabItemFlags_SetSelected : 0);
  if (select) show_tab.clear();
  ctx.mark(mark);
  return open;
}

bool begin_table(const char* id, std::initializer_list<Column> columns, ImGuiTableFlags flags, const ImVec2& size,
                 bool headers) {
  if (!ImGui::BeginTable(id, static_cast<int>(columns.size()), flags, size)) return false;
  if (flags & ImGuiTableFlags_ScrollY) ImGui::TableSetupScrollFreeze(0, 1);
  for (const Column& c : columns) ImGui::TableSetupColumn(c.label, 0, c.weight);
  if (headers) ImGui::TableHeadersRow();
  return true;
}

void next_cell(const char* text) {
  ImGui::TableNextColumn();
  ImGui::TextUnformatted(text);
}

void next_cellf(const char* fmt, ...) {
  ImGui::TableNextColumn();
  va_list args;
  va_start(args, fmt);
  ImGui::TextV(fmt, args);
  va_end(args);
}

void compare_row(const char* label, const char* fmt, double a, double b) {
  ImGui::TableNextRow();
  next_cell(label);
  next_cellf(fmt, a);
  next_cellf(fmt, b);
}

}  // namespace kitaku::ui
