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
