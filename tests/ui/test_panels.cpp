#include <doctest/doctest.h>

#include "kitaku/ui/fruin.hpp"
#include "kitaku/ui/headless.hpp"
#include "panels/network_panel.hpp"

using namespace kitaku;

TEST_CASE("Fruin levels follow the published space-per-person thresholds") {
  using ui::FruinLevel;
  CHECK(ui::fruin_level(0) == FruinLevel::A);
  CHECK(ui::fruin_level(1.0 / 4.0) == FruinLevel::A);   // 4 m²/person
  CHECK(ui::fruin_level(1.0 / 3.0) == FruinLevel::B);   // 3 m²
  CHECK(ui::fruin_level(1.0 / 2.0) == FruinLevel::C);   // 2 m²
  CHECK(ui::fruin_level(1.0) == FruinLevel::D);         // 1 m²
  CHECK(ui::fruin_level(1.5) == FruinLevel::E);         // 0.67 m²
  CHECK(ui::fruin_level(6.0) == FruinLevel::F);         // crush-risk density
}

TEST_CASE("network panel runs headless and reports what it shows") {
  NetworkData d;
  d.node_pos = {{0, 0}, {100, 0}, {100, 50}};
  const Point a[2] = {{0, 0}, {100, 0}}, b[2] = {{100, 0}, {100, 50}};
  d.add_edge(NodeId{0}, NodeId{1}, a, 3.0f, RoadClass::residential);
  d.add_edge(NodeId{1}, NodeId{2}, b, 2.0f, RoadClass::steps, kStairs);
  d.epsg = 6677;
  Network net(std::move(d));

  ui::HeadlessImGui gui;
  ui::NetworkPanel panel;
  bool open = true;
  // ImGui hides a new window on its first frame while it measures the contents.
  ImDrawData* dd = nullptr;
  for (int i = 0; i < 3; ++i) dd = gui.frame([&] { panel.Draw("Network", &open, net); });
  REQUIRE(dd != nullptr);
  CHECK(dd->TotalVtxCount > 0);
  CHECK(panel.shown_class_rows == 2);
  CHECK(panel.shown_total_km == doctest::Approx(0.15));
  // Turning the legend off draws less.
  const int with_legend = gui.frame([&] { panel.Draw("Network", &open, net); })->TotalVtxCount;
  panel.show_legend = false;
  const int without = gui.frame([&] { panel.Draw("Network", &open, net); })->TotalVtxCount;
  CHECK(without < with_legend);
}
