#include "kitaku/ui/fonts.hpp"

#include <imgui.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>

namespace kitaku::ui {

std::string find_cjk_font() {
  namespace fs = std::filesystem;
  if (const char* env = std::getenv("KITAKU_FONT"); env && *env) return fs::exists(env) ? env : "";
  for (const char* p : {"/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc",
                        "/usr/share/fonts/opentype/noto/NotoSansCJKjp-Regular.otf",
                        "/usr/share/fonts/noto-cjk/NotoSansCJK-Regular.ttc",
                        "/usr/share/fonts/google-noto-cjk/NotoSansCJK-Regular.ttc"})
    if (fs::exists(p)) return p;
  // Anywhere else fontconfig knows of.
  if (FILE* f = popen("fc-match -f '%{file}' 'Noto Sans CJK JP:style=Regular' 2>/dev/null", "r")) {
    char buf[1024];
    std::string out;
    while (std::fgets(buf, sizeof buf, f)) out += buf;
    pclose(f);
    if (out.find("CJK") != std::string::npos && fs::exists(out)) return out;
  }
  return "";
}

FontReport load_fonts(const std::vector<std::string>& texts, float size_px) {
  ImGuiIO& io = ImGui::GetIO();
  FontReport r;
  r.path = find_cjk_font();
  if (r.path.empty()) {
    io.Fonts->AddFontDefault();
    r.message =
        "Japanese font not found: facility names in Japanese will show as '?'. Install it with "
        "`sudo apt install fonts-noto-cjk` (or set KITAKU_FONT to a CJK .ttf/.otf/.ttc).";
    return r;
  }
  ImFontGlyphRangesBuilder b;
  b.AddRanges(io.Fonts->GetGlyphRangesJapanese());
  static const ImWchar kSymbols[] = {
      0x2000, 0x206F,  // general punctuation: – — … ‰
      0x2190, 0x21FF,  // arrows
      0x2200, 0x22FF,  // maths: ≥ ≤ ×
      0x2460, 0x24FF,  // circled numbers
      0x25A0, 0x25FF,  // shapes: ▶ ■ ● ▲
      0x00B2, 0x00B3,  // ² ³
      0,
  };
  b.AddRanges(kSymbols);
  for (const auto& t : texts) b.AddText(t.c_str());
  static ImVector<ImWchar> ranges;  // must outlive the atlas build
  ranges.clear();
  b.BuildRanges(&ranges);
  r.glyphs = ranges.Size / 2;
  ImFontConfig cfg;
  cfg.FontNo = 0;  // Noto Sans CJK JP is face 0 of the Debian collection
  cfg.OversampleH = 1;
  cfg.OversampleV = 1;
  cfg.PixelSnapH = true;
  if (!io.Fonts->AddFontFromFileTTF(r.path.c_str(), size_px, &cfg, ranges.Data)) {
    io.Fonts->AddFontDefault();
    r.message = "cannot load the font " + r.path + "; Japanese names will show as '?'";
    r.path.clear();
    return r;
  }
  r.cjk = true;
  return r;
}

}  // namespace kitaku::ui
