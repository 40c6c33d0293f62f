#pragma once
// Dear ImGui with no window and no GPU (as in imgui's example_null): panels can be
// driven for N frames in unit tests and their state inspected.
#include <imgui.h>

namespace kitaku::ui {

class HeadlessImGui {
 public:
  explicit HeadlessImGui(float width = 1280, float height = 800);
  ~HeadlessImGui();
  HeadlessImGui(const HeadlessImGui&) = delete;
  HeadlessImGui& operator=(const HeadlessImGui&) = delete;

  /// Runs one frame: NewFrame, draw(), Render. Returns the frame's draw data.
  template <class Draw>
  ImDrawData* frame(Draw&& draw) {
    begin_frame();
    draw();
    return end_frame();
  }
  ImGuiContext* context() const noexcept { return ctx_; }

 private:
  void begin_frame();
  ImDrawData* end_frame();
  ImGuiContext* ctx_;
};

}  // namespace kitaku::ui
