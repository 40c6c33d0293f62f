#pragma once
// Fonts for the dashboard. Japanese facility and station names need a CJK font:
// Noto Sans CJK JP from Debian's fonts-noto-cjk, found at run time (KITAKU_FONT
// overrides the path). Without it the dashboard still runs with ImGui's built-in
// font, and says clearly that Japanese text cannot be shown.
#include <string>
#include <vector>

namespace kitaku::ui {

struct FontReport {
  bool cjk = false;         // a CJK font was loaded
  std::string path;         // the font file used (empty: built-in font)
  std::string message;      // for the status bar and stderr when cjk is false
  int glyphs = 0;           // glyph ranges requested
};

/// Where Noto Sans CJK is, or "" (KITAKU_FONT, the Debian paths, then fc-match).
std::string find_cjk_font();

/// Adds the dashboard font to the current ImGui context's atlas (call before the
/// first frame). `texts` are strings that must render (facility and station
/// names): every character in them is added to the glyph ranges, on top of
/// ImGui's Japanese set (kana and the 2,999 common kanji) and the symbols the UI uses.
FontReport load_fonts(const std::vector<std::string>& texts, float size_px = 16.0f);

}  // namespace kitaku::ui
