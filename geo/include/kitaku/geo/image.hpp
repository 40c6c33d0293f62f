#pragma once
// Raster pictures without a graphics library: an RGB canvas with lines, boxes and
// a 5x7 bitmap font, a map frame that projects network coordinates onto it (with a
// caption band and a legend in the emptiest corner), and a PNG encoder. Used for
// peak_density.png (results.hpp) and `kitaku compare`'s difference map and chart.
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "kitaku/sim/geometry.hpp"

namespace kitaku::geo {

struct Rgb {
  std::uint8_t r, g, b;
  friend bool operator==(const Rgb&, const Rgb&) = default;
};
inline constexpr Rgb kWhite{255, 255, 255}, kBlack{0, 0, 0};

/// An 8-bit RGB raster, rows top to bottom.
struct RgbImage {
  int width = 0, height = 0;
  std::vector<std::uint8_t> rgb;  // width * height * 3
  /// A white image.
  static RgbImage blank(int width, int height);
  Rgb at(int x, int y) const;
};

/// Drawing on an RgbImage; everything is clipped to the image.
class Canvas {
 public:
  explicit Canvas(RgbImage& img) : img_(img) {}
  int width() const noexcept { return img_.width; }
  int height() const noexcept { return img_.height; }
  void set(int x, int y, Rgb c);
  /// Pixels in the rectangle that are not white.
  std::size_t drawn(int x0, int y0, int w, int h) const;
  void fill(int x0, int y0, int w, int h, Rgb c);
  void frame(int x0, int y0, int w, int h, Rgb c);
  /// A line of `t` px squares stepped at most one pixel apart (DDA).
  void line(double x0, double y0, double x1, double y1, int t, Rgb c);
  /// Text in the 5x7 font (6 px a character at scale 1): a letter with no lower-case
  /// glyph is drawn in upper case; any other character outside the font (a Japanese
  /// name) as '?', one per UTF-8 character.
  void text(int x, int y, std::string_view s, int scale, Rgb c);
  /// The width `text` takes.
  static int text_width(std::string_view s, int scale);

 private:
  RgbImage& img_;
};

/// `s` with ASCII letters in upper case: how captions are written, since the font has
/// lower-case glyphs only for the units "p/m2" ("COMPARE", not "COmPARE").
std::string upper(std::string_view s);

/// Lines of text above a map: a title, then more lines (the 5x7 font draws ASCII;
/// letters in upper case, anything else as '?').
struct MapCaption {
  std::string title;
  std::vector<std::string> lines;
};

struct LegendRow {
  std::string label;
  Rgb colour;
};

/// A boxed legend (title, then a colour square and label per row) in whichever
/// corner below `top` hides the least of what is drawn.
void draw_legend_box(Canvas& cv, const std::string& title, const std::vector<LegendRow>& rows, int scale, int top);

/// A map picture: `box` (network CRS, metres) fitted into `long_side_px`, with the
/// caption in a band of its own above it.
class MapFrame {
 public:
  MapFrame(BBox box, int long_side_px, const MapCaption& caption);
  RgbImage& image() noexcept { return img_; }
  Canvas canvas() noexcept { return Canvas(img_); }
  /// Pixel position of a map point.
  std::pair<double, double> px(Point p) const noexcept;
  /// A road of `width_m`: its true width when zoomed in, never under 1 px (or
  /// `min_px`, to make it stand out), wide roads (10 m and more) at least 2 px, at
  /// most 6 px.
  void road(std::span<const Point> geometry, double width_m, Rgb c, int min_px = 1);
  /// A filled square of `size` px centred on p.
  void mark(Point p, int size, Rgb c);
  /// The legend (draw_legend_box) at the map's text scale, below the caption.
  void legend(const std::string& title, const std::vector<LegendRow>& rows);
  int text_scale() const noexcept { return text_scale_; }

 private:
  RgbImage img_;
  BBox box_;
  double scale_ = 1;  // px per metre
  int margin_ = 24, band_ = 0, text_scale_ = 1;
};

/// A PNG file's bytes (8-bit RGB, zlib stream of stored deflate blocks: no compression
/// library needed).
std::vector<std::uint8_t> encode_png(const RgbImage& img);

/// encode_png(), written atomically (a temporary file renamed into place).
void write_png(const std::string& path, const RgbImage& img);

}  // namespace kitaku::geo
