#include "network_panel.hpp"

#include <imgui.h>

#include <array>

#include "kitaku/ui/fruin.hpp"

namespace kitaku::ui {

void NetworkPanel::Draw(const char* title, bool* open, const Network& net) {
  if (!ImGui::Begin(title, open)) {
    ImGui::End();
    return;
  }
  std::array<double, kRoadClassCount> km{};
  std::array<double, kRoadClassCount> width_km{};
  std::size_t stairs = 0;
  for (std::uint32_t e = 0; e < net.edge_count(); ++e) {
    const EdgeId id{e};
    const auto c = static_cast<std::size_t>(net.road_class(id));
    km[c] += net.length(id) / 1000.0;
    width_km[c] += net.width(id) * net.length(id) / 1000.0;
    stairs += (net.flags(id) & kStairs) != 0;
  }
  shown_total_km = net.total_length_m() / 1000.0;
  ImGui::Text("%zu nodes, %zu edges, %.1f km", net.node_count(), net.edge_count(), shown_total_km);
  ImGui::Text("CRS: EPSG:%d, %zu stair edges", net.epsg(), stairs);
  shown_class_rows = 0;
  if (ImGui::BeginTable("classes", 4, ImGuiTableFlags_Borders | ImGuiTableFlags_RowBg)) {
    ImGui::TableSetupColumn("class");
    ImGui::TableSetupColumn("km");
    ImGui::TableSetupColumn("share");
    ImGui::TableSetupColumn("mean width m");
    ImGui::TableHeadersRow();
    for (std::size_t c = 0; c < kRoadClassCount; ++c) {
      if (km[c] <= 0) continue;
      ++shown_class_rows;
      ImGui::TableNextRow();
      ImGui::TableNextColumn();
      ImGui::TextUnformatted(name(static_cast<RoadClass>(c)).data());
      ImGui::TableNextColumn();
      ImGui::Text("%.2f", km[c]);
      ImGui::TableNextColumn();
      ImGui::Text("%.1f %%", 100.0 * km[c] / shown_total_km);
      ImGui::TableNextColumn();
      ImGui::Text("%.1f", width_km[c] / km[c]);
    }
    ImGui::EndTable();
  }
  ImGui::Checkbox("Level-of-service legend", &show_legend);
  if (show_legend) {
    for (std::size_t i = 0; i < kFruinColours.size(); ++i) {
      ImGui::ColorButton(kFruinLabels[i], ImGui::ColorConvertU32ToFloat4(kFruinColours[i]),
                         ImGuiColorEditFlags_NoTooltip, ImVec2(14, 14));
      ImGui::SameLine();
      ImGui::TextUnformatted(kFruinLabels[i]);
    }
  }
  ImGui::End();
}

}  // namespace kitaku::ui
