#pragma once
// Saves RGBA pixels (top row first) as a PNG, atomically (PATH.tmp, then rename).
#include <cstdint>
#include <string>
#include <vector>

namespace kitaku::ui {

bool save_png(const std::string& path, const std::vector<std::uint8_t>& rgba, int w, int h, std::string* error);

/// What a screenshot shows, for automatic checks: distinct colours and how many
/// pixels differ from the most common (background) colour.
struct ImageStats {
  int distinct_colours = 0;
  double non_background_share = 0;
};
ImageStats image_stats(const std::vector<std::uint8_t>& rgba, int w, int h);

}  // namespace kitaku::ui
