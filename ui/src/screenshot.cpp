#include "kitaku/ui/screenshot.hpp"

#include <stb_image_write.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <unordered_map>

namespace kitaku::ui {

bool save_png(const std::string& path, const std::vector<std::uint8_t>& rgba, int w, int h, std::string* error) {
  auto fail = [&](const std::string& why) {
    if (error) *error = path + ": " + why;
    return false;
  };
  if (w <= 0 || h <= 0 || rgba.size() < static_cast<std::size_t>(w) * static_cast<std::size_t>(h) * 4)
    return fail("no image to save");
  // Opaque: the frame buffer's alpha is not meant to be seen.
  std::vector<std::uint8_t> px(rgba.begin(), rgba.begin() + static_cast<std::ptrdiff_t>(w) * h * 4);
  for (std::size_t i = 3; i < px.size(); i += 4) px[i] = 255;
  std::vector<char> png;
  auto sink = [](void* ctx, void* data, int size) {
    auto* v = static_cast<std::vector<char>*>(ctx);
    v->insert(v->end(), static_cast<char*>(data), static_cast<char*>(data) + size);
  };
  if (!stbi_write_png_to_func(sink, &png, w, h, 4, px.data(), w * 4)) return fail("PNG encoding failed");
  const std::string tmp = path + ".tmp";
  bool ok;
  {
    std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
    out.write(png.data(), static_cast<std::streamsize>(png.size()));
    ok = static_cast<bool>(out.flush());
  }
  if (!ok) {
    std::remove(tmp.c_str());
    return fail("cannot write");
  }
  std::error_code ec;
  std::filesystem::rename(tmp, path, ec);
  if (ec) {
    std::remove(tmp.c_str());
    return fail("cannot rename into place: " + ec.message());
  }
  return true;
}

ImageStats image_stats(const std::vector<std::uint8_t>& rgba, int w, int h) {
  std::unordered_map<std::uint32_t, int> counts;
  const std::size_t n = static_cast<std::size_t>(w) * static_cast<std::size_t>(h);
  for (std::size_t i = 0; i < n; ++i) {
    const std::uint32_t c = rgba[4 * i] | (rgba[4 * i + 1] << 8) | (rgba[4 * i + 2] << 16);
    ++counts[c];
  }
  int top = 0;
  for (const auto& [c, k] : counts) top = std::max(top, k);
  ImageStats s;
  s.distinct_colours = static_cast<int>(counts.size());
  s.non_background_share = n ? 1.0 - static_cast<double>(top) / static_cast<double>(n) : 0.0;
  return s;
}

}  // namespace kitaku::ui
