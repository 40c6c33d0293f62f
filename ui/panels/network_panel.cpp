#include "network_panel.hpp"

#include <imgui.h>

#include "kitaku/ui/fruin.hpp"
#include "kitaku/ui/i18n.hpp"
#include "panels/widgets.hpp"

namespace kitaku::ui {

void NetworkPanel::Draw(const char* title, bool* open, const Network& net) {
  if (ImGui::Begin(title, open)) DrawContents(net);
  ImGui::End();
}

void NetworkPanel::DrawContents(const Network& net) {
  if (stats_for_ != &net) {  // the network never changes: count once
    km_.fill(0);
    width_km_.fill(0);
    stairs_ = 0;
    for (std::uint32_t e = 0; e < net.edge_count(); ++e) {
      const EdgeId id{e};
      const auto c = static_cast<std::size_t>(net.road_class(id));
      km_[c] += net.length(id) / 1000.0;
      width_km_[c] += net.width(id) * net.length(id) / 1000.0;
      stairs_ += (net.flags(id) & kStairs) != 0;
    }
    stats_for_ = &net;
  }
  shown_total_km = net.total_length_m() / 1000.0;
  ImGui::Text("%zu %s, %zu %s, %.1f km", net.node_count(), L("nodes", "ノード"), net.edge_count(),
              L("edges", "リンク"), shown_total_km);
  ImGui::Text("CRS: EPSG:%d, %zu %s", net.epsg(), stairs_, L("stair edges", "階段リンク"));
  shown_class_rows = 0;
  if (begin_table("classes",
                  {{L("class", "道路種別"), 0}, {"km", 0}, {L("share", "割合"), 0}, {L("mean width m", "平均幅員 m"), 0}},
                  ImGuiTableFlags_Borders | ImGuiTableFlags_RowBg)) {
    for (std::size_t c = 0; c < kRoadClassCount; ++c) {
      if (km_[c] <= 0) continue;
      ++shown_class_rows;
      ImGui::TableNextRow();
      next_cell(name(static_cast<RoadClass>(c)).data());
      next_cellf("%.2f", km_[c]);
      next_cellf("%.1f %%", 100.0 * km_[c] / shown_total_km);
      next_cellf("%.1f", width_km_[c] / km_[c]);
    }
    ImGui::EndTable();
  }
  ImGui::Checkbox(L("Level-of-service legend", "歩行者サービス水準の凡例"), &show_legend);
  if (show_legend) {
    for (std::size_t i = 0; i < kFruinColours.size(); ++i) {
      ImGui::ColorButton(kFruinLabels[i], ImGui::ColorConvertU32ToFloat4(kFruinColours[i]),
                         ImGuiColorEditFlags_NoTooltip, ImVec2(14, 14));
      ImGui::SameLine();
      ImGui::TextUnformatted(kFruinLabels[i]);
    }
  }
}

}  // namespace kitaku::ui
