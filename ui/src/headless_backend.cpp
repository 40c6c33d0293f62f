#include <cstdint>

#include "kitaku/ui/backend.hpp"

namespace kitaku::ui {

HeadlessBackend::HeadlessBackend(int width, int height) : w_(width), h_(height) {
  IMGUI_CHECKVERSION();
  ImGui::CreateContext();
  ImGuiIO& io = ImGui::GetIO();
  io.DisplaySize = ImVec2(static_cast<float>(w_), static_cast<float>(h_));
  io.IniFilename = nullptr;  // tests never read or write imgui.ini
}

HeadlessBackend::~HeadlessBackend() { ImGui::DestroyContext(); }

bool HeadlessBackend::begin_frame() {
  ImGuiIO& io = ImGui::GetIO();
  if (!io.Fonts->IsBuilt()) {
    unsigned char* pixels = nullptr;
    int w = 0, h = 0;
    io.Fonts->GetTexDataAsRGBA32(&pixels, &w, &h);  // builds the atlas; no GPU
  }
  io.DisplaySize = ImVec2(static_cast<float>(w_), static_cast<float>(h_));
  io.DeltaTime = 1.0f / 60.0f;
  ImGui::NewFrame();
  return true;
}

void HeadlessBackend::end_frame() {
  ImGui::Render();
  draw_data_ = ImGui::GetDrawData();
  ++frames_;
}

ImTextureID HeadlessBackend::upload(ImTextureID existing, const std::uint32_t* rgba, int w, int h) {
  Image* img = static_cast<Image*>(existing);
  if (!img) {
    images_.push_back(std::make_unique<Image>());
    img = images_.back().get();
  }
  img->w = w;
  img->h = h;
  img->rgba.assign(rgba, rgba + static_cast<std::size_t>(w) * static_cast<std::size_t>(h));
  return img;
}

void HeadlessBackend::release(ImTextureID tex) {
  for (auto it = images_.begin(); it != images_.end(); ++it)
    if (it->get() == tex) {
      images_.erase(it);
      return;
    }
}

const HeadlessBackend::Image* HeadlessBackend::image(ImTextureID tex) const {
  for (const auto& i : images_)
    if (i.get() == tex) return i.get();
  return nullptr;
}

}  // namespace kitaku::ui
