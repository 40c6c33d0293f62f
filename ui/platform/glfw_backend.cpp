// The only file that includes GLFW and OpenGL: a window with an OpenGL 3.3 core
// context, ImGui's GLFW and OpenGL3 backends, RGBA textures and frame read-back.
#include <imgui.h>
#include <backends/imgui_impl_glfw.h>
#include <backends/imgui_impl_opengl3.h>

#define GLFW_INCLUDE_NONE
#include <GLFW/glfw3.h>
#define GL_GLEXT_PROTOTYPES
#include <GL/gl.h>

#include <algorithm>
#include <cfloat>
#include <cstdint>
#include <stdexcept>
#include <string>

#include "kitaku/ui/backend.hpp"

namespace kitaku::ui {
namespace {

std::string g_glfw_error;
extern "C" void on_glfw_error(int code, const char* what) {
  g_glfw_error = "GLFW error " + std::to_string(code) + ": " + (what ? what : "?");
}

class GlfwBackend final : public Backend {
 public:
  explicit GlfwBackend(const WindowOptions& o) : ignore_mouse_(o.ignore_mouse) {
    glfwSetErrorCallback(on_glfw_error);
    if (!glfwInit())
      throw std::runtime_error("cannot open a window (no display? set DISPLAY, or run under xvfb-run): " +
                               g_glfw_error);
    glfwWindowHint(GLFW_CONTEXT_VERSION_MAJOR, 3);
    glfwWindowHint(GLFW_CONTEXT_VERSION_MINOR, 3);
    glfwWindowHint(GLFW_OPENGL_PROFILE, GLFW_OPENGL_CORE_PROFILE);
    glfwWindowHint(GLFW_VISIBLE, o.visible ? GLFW_TRUE : GLFW_FALSE);
    window_ = glfwCreateWindow(o.width, o.height, o.title.c_str(), nullptr, nullptr);
    if (!window_) {
      const std::string why = g_glfw_error;
      glfwTerminate();
      throw std::runtime_error("cannot create an OpenGL 3.3 window: " + why);
    }
    glfwMakeContextCurrent(window_);
    glfwSwapInterval(o.vsync ? 1 : 0);
    IMGUI_CHECKVERSION();
    ImGui::CreateContext();
    ImGui::GetIO().IniFilename = nullptr;  // the layout is fixed; nothing written to the working folder
    ImGui_ImplGlfw_InitForOpenGL(window_, true);
    ImGui_ImplOpenGL3_Init("#version 330 core");
  }

  ~GlfwBackend() override {
    for (GLuint t : textures_) glDeleteTextures(1, &t);
    ImGui_ImplOpenGL3_Shutdown();
    ImGui_ImplGlfw_Shutdown();
    ImGui::DestroyContext();
    glfwDestroyWindow(window_);
    glfwTerminate();
  }

  bool begin_frame() override {
    glfwPollEvents();
    if (glfwWindowShouldClose(window_)) return false;
    ImGui_ImplOpenGL3_NewFrame();
    ImGui_ImplGlfw_NewFrame();
    if (ignore_mouse_) ImGui::GetIO().MousePos = ImVec2(-FLT_MAX, -FLT_MAX);
    ImGui::NewFrame();
    return true;
  }

  void end_frame() override {
    ImGui::Render();
    int w = 0, h = 0;
    glfwGetFramebufferSize(window_, &w, &h);
    glViewport(0, 0, w, h);
    glClearColor(0.08f, 0.09f, 0.11f, 1.0f);
    glClear(GL_COLOR_BUFFER_BIT);
    ImGui_ImplOpenGL3_RenderDrawData(ImGui::GetDrawData());
    // Read back before the swap: the back buffer holds this frame until then.
    if (want_pixels_) {
      pixels_.resize(static_cast<std::size_t>(w) * static_cast<std::size_t>(h) * 4);
      glPixelStorei(GL_PACK_ALIGNMENT, 1);
      glReadBuffer(GL_BACK);
      glReadPixels(0, 0, w, h, GL_RGBA, GL_UNSIGNED_BYTE, pixels_.data());
      pw_ = w;
      ph_ = h;
      want_pixels_ = false;
    }
    glfwSwapBuffers(window_);
  }

  bool read_pixels(std::vector<std::uint8_t>& rgba, int& w, int& h) override {
    if (pw_ == 0) {  // nothing captured yet: capture on the next frame
      want_pixels_ = true;
      return false;
    }
    // OpenGL's rows run bottom-up; PNG's top-down.
    rgba.resize(pixels_.size());
    const std::size_t row = static_cast<std::size_t>(pw_) * 4;
    for (int y = 0; y < ph_; ++y)
      std::copy_n(pixels_.data() + static_cast<std::size_t>(ph_ - 1 - y) * row, row,
                  rgba.data() + static_cast<std::size_t>(y) * row);
    w = pw_;
    h = ph_;
    pw_ = ph_ = 0;
    return true;
  }
  void set_title(const std::string& title) override { glfwSetWindowTitle(window_, title.c_str()); }
  int width() const override {
    int w = 0, h = 0;
    glfwGetFramebufferSize(window_, &w, &h);
    return w;
  }
  int height() const override {
    int w = 0, h = 0;
    glfwGetFramebufferSize(window_, &w, &h);
    return h;
  }

  ImTextureID upload(ImTextureID existing, const std::uint32_t* rgba, int w, int h) override {
    GLuint tex = static_cast<GLuint>(reinterpret_cast<std::uintptr_t>(existing));
    if (tex == 0) {
      glGenTextures(1, &tex);
      glBindTexture(GL_TEXTURE_2D, tex);
      glTexParameteri(GL_TEXTURE_2D, GL_TEXTURE_MIN_FILTER, GL_LINEAR);
      glTexParameteri(GL_TEXTURE_2D, GL_TEXTURE_MAG_FILTER, GL_NEAREST);
      glTexParameteri(GL_TEXTURE_2D, GL_TEXTURE_WRAP_S, GL_CLAMP_TO_EDGE);
      glTexParameteri(GL_TEXTURE_2D, GL_TEXTURE_WRAP_T, GL_CLAMP_TO_EDGE);
      textures_.push_back(tex);
      sizes_.push_back({0, 0});
    }
    glBindTexture(GL_TEXTURE_2D, tex);
    glPixelStorei(GL_UNPACK_ROW_LENGTH, 0);
    glPixelStorei(GL_UNPACK_ALIGNMENT, 4);
    auto& size = size_of(tex);
    if (size.first == w && size.second == h) {
      glTexSubImage2D(GL_TEXTURE_2D, 0, 0, 0, w, h, GL_RGBA, GL_UNSIGNED_BYTE, rgba);
    } else {
      glTexImage2D(GL_TEXTURE_2D, 0, GL_RGBA, w, h, 0, GL_RGBA, GL_UNSIGNED_BYTE, rgba);
      size = {w, h};
    }
    return reinterpret_cast<ImTextureID>(static_cast<std::uintptr_t>(tex));
  }

  void release(ImTextureID id) override {
    GLuint tex = static_cast<GLuint>(reinterpret_cast<std::uintptr_t>(id));
    for (std::size_t i = 0; i < textures_.size(); ++i)
      if (textures_[i] == tex) {
        glDeleteTextures(1, &tex);
        textures_.erase(textures_.begin() + static_cast<std::ptrdiff_t>(i));
        sizes_.erase(sizes_.begin() + static_cast<std::ptrdiff_t>(i));
        return;
      }
  }

 private:
  std::pair<int, int>& size_of(GLuint tex) {
    for (std::size_t i = 0; i < textures_.size(); ++i)
      if (textures_[i] == tex) return sizes_[i];
    textures_.push_back(tex);
    sizes_.push_back({0, 0});
    return sizes_.back();
  }

  bool ignore_mouse_ = false;
  GLFWwindow* window_ = nullptr;
  std::vector<GLuint> textures_;
  std::vector<std::pair<int, int>> sizes_;
  bool want_pixels_ = false;
  std::vector<std::uint8_t> pixels_;
  int pw_ = 0, ph_ = 0;
};

}  // namespace

std::unique_ptr<Backend> make_glfw_backend(const WindowOptions& options) {
  return std::make_unique<GlfwBackend>(options);
}

}  // namespace kitaku::ui
