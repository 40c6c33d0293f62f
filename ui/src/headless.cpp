#include "kitaku/ui/headless.hpp"

namespace kitaku::ui {

HeadlessImGui::HeadlessImGui(float width, float height) : ctx_(ImGui::CreateContext()) {
  ImGui::SetCurrentContext(ctx_);
  ImGuiIO& io = ImGui::GetIO();
  io.DisplaySize = ImVec2(width, height);
  io.IniFilename = nullptr;  // tests never read or write imgui.ini
  unsigned char* pixels = nullptr;
  int w = 0, h = 0;
  io.Fonts->GetTexDataAsRGBA32(&pixels, &w, &h);  // builds the atlas; no GPU upload
}

HeadlessImGui::~HeadlessImGui() { ImGui::DestroyContext(ctx_); }

void HeadlessImGui::begin_frame() {
  ImGui::SetCurrentContext(ctx_);
  ImGui::GetIO().DeltaTime = 1.0f / 60.0f;
  ImGui::NewFrame();
}

ImDrawData* HeadlessImGui::end_frame() {
  ImGui::Render();
  return ImGui::GetDrawData();
}

}  // namespace kitaku::ui
