#pragma once
// The window and GPU behind the dashboard, as a small interface so that panels
// never include GLFW or OpenGL. Two implementations: GlfwBackend (a real window,
// OpenGL 3; ui/platform/) and HeadlessBackend (no window, for tests; textures are
// kept as pixels so tests can look at them).
#include <imgui.h>

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace kitaku::ui {

/// Uploads RGBA images for ImGui to draw (ImGui::Image, ImDrawList::AddImage).
class TextureHost {
 public:
  virtual ~TextureHost() = default;
  /// Creates a texture (existing == nullptr) or replaces its pixels; returns its id.
  /// rgba holds w*h pixels packed as IM_COL32 (R in the low byte).
  virtual ImTextureID upload(ImTextureID existing, const std::uint32_t* rgba, int w, int h) = 0;
  virtual void release(ImTextureID tex) = 0;
};

class Backend : public TextureHost {
 public:
  /// Polls events and starts an ImGui frame. False once the window should close.
  virtual bool begin_frame() = 0;
  /// Renders ImGui's draw data and presents it.
  virtual void end_frame() = 0;
  /// Reads the last rendered frame (RGBA, top row first). False if unsupported.
  virtual bool read_pixels(std::vector<std::uint8_t>& rgba, int& w, int& h) = 0;
  virtual void set_title(const std::string& title) = 0;
  /// Frame-buffer size in pixels.
  virtual int width() const = 0;
  virtual int height() const = 0;
};

struct WindowOptions {
  int width = 1600, height = 900;
  std::string title = "Kitaku";
  bool vsync = true;
  bool visible = true;
  bool ignore_mouse = false;  // screenshots and benchmarks: no hover from wherever the pointer is
};

/// A GLFW window with an OpenGL 3 context and ImGui's GLFW + OpenGL3 backends.
/// Throws std::runtime_error (with GLFW's reason) when no display is available.
std::unique_ptr<Backend> make_glfw_backend(const WindowOptions& options);

/// No window: ImGui runs at a fixed size; uploaded textures are kept in memory.
class HeadlessBackend final : public Backend {
 public:
  explicit HeadlessBackend(int width = 1600, int height = 900);
  ~HeadlessBackend() override;
  bool begin_frame() override;
  void end_frame() override;
  bool read_pixels(std::vector<std::uint8_t>&, int&, int&) override { return false; }
  void set_title(const std::string& title) override { title_ = title; }
  int width() const override { return w_; }
  int height() const override { return h_; }
  ImTextureID upload(ImTextureID existing, const std::uint32_t* rgba, int w, int h) override;
  void release(ImTextureID tex) override;

  /// A texture's pixels, as last uploaded (tests).
  struct Image {
    int w = 0, h = 0;
    std::vector<std::uint32_t> rgba;
  };
  const Image* image(ImTextureID tex) const;
  ImDrawData* last_draw_data() const { return draw_data_; }
  const std::string& title() const { return title_; }
  int frames() const { return frames_; }

 private:
  int w_, h_;
  std::string title_;
  std::vector<std::unique_ptr<Image>> images_;
  ImDrawData* draw_data_ = nullptr;
  int frames_ = 0;
};

}  // namespace kitaku::ui
