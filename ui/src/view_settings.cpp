#include "kitaku/ui/view_settings.hpp"

#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <initializer_list>
#include <string_view>

#include "kitaku/ui/after_action.hpp"  // write_text_atomically

namespace kitaku::ui {
namespace {

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r')) s.remove_suffix(1);
  return s;
}

}  // namespace

std::string view_settings_path() {
  if (const char* p = std::getenv("KITAKU_VIEW_FILE"); p && *p) return p;
  if (const char* x = std::getenv("XDG_CONFIG_HOME"); x && *x) return std::string(x) + "/kitaku/view.ini";
  if (const char* h = std::getenv("HOME"); h && *h) return std::string(h) + "/.config/kitaku/view.ini";
  return "";
}

bool load_view_settings(const std::string& path, ViewSettings& out, std::string* error) {
  std::ifstream in(path);
  if (!in) return true;  // nothing saved yet
  ViewSettings v = out;
  int line_no = 0;
  // Messages are built by appending: GCC 12 reports a bogus -Wrestrict for
  // operator+(const char*, std::string&&) at -O3 (GCC bug 105329).
  const auto fail = [&](std::initializer_list<std::string_view> parts) {
    if (error) {
      *error = path;
      *error += ':';
      *error += std::to_string(line_no);
      *error += ": ";
      for (const std::string_view p : parts) *error += p;
    }
    return false;
  };
  for (std::string line; std::getline(in, line);) {
    ++line_no;
    const std::string_view l = trim(line);
    if (l.empty() || l.front() == '#') continue;
    const auto eq = l.find('=');
    if (eq == std::string_view::npos) return fail({"expected key = value, got \"", l, "\""});
    const std::string_view key = trim(l.substr(0, eq)), value = trim(l.substr(eq + 1));
    if (key == "ui_scale") {
      char* end = nullptr;
      const std::string text(value);
      const float s = std::strtof(text.c_str(), &end);
      if (text.empty() || *end != '\0' || !std::isfinite(s) || s < ViewSettings::kMinScale || s > ViewSettings::kMaxScale)
        return fail({"ui_scale must be a number from 0.75 to 3, got \"", text, "\""});
      v.ui_scale = s;
    } else if (key == "lang") {
      if (value != "en" && value != "ja") return fail({"lang must be en or ja, got \"", value, "\""});
      v.lang = value == "ja" ? "ja" : "en";
    } else {
      return fail({"unknown setting \"", key, "\" (ui_scale, lang)"});
    }
  }
  out = v;
  return true;
}

bool save_view_settings(const std::string& path, const ViewSettings& v, std::string* error) {
  std::error_code ec;
  const auto dir = std::filesystem::path(path).parent_path();
  if (!dir.empty()) std::filesystem::create_directories(dir, ec);
  char scale[32];
  std::snprintf(scale, sizeof scale, "%.2f", static_cast<double>(v.ui_scale));
  std::string text = "# Kitaku dashboard view settings (written by the dashboard)\nui_scale = ";
  text += scale;
  text += '\n';
  if (!v.lang.empty()) {
    text += "lang = ";
    text += v.lang;
    text += '\n';
  }
  return write_text_atomically(path, text, error);
}

}  // namespace kitaku::ui
