#pragma once
// The dashboard's view settings that outlive a session: the UI scale and the
// language. They are a plain struct saved as a small "key = value" file outside the
// working folder ($KITAKU_VIEW_FILE, else $XDG_CONFIG_HOME/kitaku/view.ini, else
// ~/.config/kitaku/view.ini), written atomically whenever they change.
#include <string>

namespace kitaku::ui {

struct ViewSettings {
  /// Multiplies text and widget sizes (1 = ImGui's 13 px font).
  float ui_scale = 1.0f;
  static constexpr float kMinScale = 0.75f, kMaxScale = 3.0f;
  /// "en" or "ja"; empty: not saved yet.
  std::string lang;
  bool operator==(const ViewSettings&) const = default;
};

/// Where the settings live (see above); empty when no home folder is known.
std::string view_settings_path();
/// Reads `path` into `out`. A missing file leaves `out` as it is and returns true; a
/// malformed one returns false with "FILE:LINE: what" in *error (and `out` unchanged).
bool load_view_settings(const std::string& path, ViewSettings& out, std::string* error);
/// Writes the settings to `path` atomically, creating its folder. False with the
/// reason in *error when it cannot.
bool save_view_settings(const std::string& path, const ViewSettings& v, std::string* error);

}  // namespace kitaku::ui
