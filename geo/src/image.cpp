#include "kitaku/geo/image.hpp"

#include <algorithm>
#include <array>
#include <cerrno>
#include <climits>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <stdexcept>

#include "kitaku/geo/gdal_util.hpp"
#include "kitaku/sim/error.hpp"

namespace kitaku::geo {
namespace {

// ---- PNG -------------------------------------------------------------------

std::uint32_t crc32(const std::uint8_t* p, std::size_t n, std::uint32_t crc = 0) {
  static const auto table = [] {
    std::array<std::uint32_t, 256> t{};
    for (std::uint32_t i = 0; i < 256; ++i) {
      std::uint32_t c = i;
      for (int k = 0; k < 8; ++k) c = (c & 1) ? 0xEDB88320u ^ (c >> 1) : c >> 1;
      t[i] = c;
    }
    return t;
  }();
  crc = ~crc;
  for (std::size_t i = 0; i < n; ++i) crc = table[(crc ^ p[i]) & 0xFF] ^ (crc >> 8);
  return ~crc;
}

void put_be32(std::vector<std::uint8_t>& out, std::uint32_t v) {
  for (int s = 24; s >= 0; s -= 8) out.push_back(static_cast<std::uint8_t>(v >> s));
}

void put_chunk(std::vector<std::uint8_t>& out, const char type[4], const std::vector<std::uint8_t>& data) {
  put_be32(out, static_cast<std::uint32_t>(data.size()));
  const std::size_t start = out.size();
  out.insert(out.end(), type, type + 4);
  out.insert(out.end(), data.begin(), data.end());
  put_be32(out, crc32(out.data() + start, out.size() - start));
}

// A 5x7 bitmap font for legends and captions: each row's 5 bits, the leftmost pixel highest.
struct Glyph { char c; std::array<std::uint8_t, 7> rows; };
constexpr std::array<Glyph, 55> kFont{{
    {'0', {0x0E, 0x11, 0x13, 0x15, 0x19, 0x11, 0x0E}},
    {'1', {0x04, 0x0C, 0x04, 0x04, 0x04, 0x04, 0x0E}},
    {'2', {0x0E, 0x11, 0x01, 0x02, 0x04, 0x08, 0x1F}},
    {'3', {0x1F, 0x02, 0x04, 0x02, 0x01, 0x11, 0x0E}},
    {'4', {0x02, 0x06, 0x0A, 0x12, 0x1F, 0x02, 0x02}},
    {'5', {0x1F, 0x10, 0x1E, 0x01, 0x01, 0x11, 0x0E}},
    {'6', {0x06, 0x08, 0x10, 0x1E, 0x11, 0x11, 0x0E}},
    {'7', {0x1F, 0x01, 0x02, 0x04, 0x08, 0x08, 0x08}},
    {'8', {0x0E, 0x11, 0x11, 0x0E, 0x11, 0x11, 0x0E}},
    {'9', {0x0E, 0x11, 0x11, 0x0F, 0x01, 0x02, 0x0C}},
    {'A', {0x0E, 0x11, 0x11, 0x1F, 0x11, 0x11, 0x11}},
    {'B', {0x1E, 0x11, 0x11, 0x1E, 0x11, 0x11, 0x1E}},
    {'C', {0x0E, 0x11, 0x10, 0x10, 0x10, 0x11, 0x0E}},
    {'D', {0x1C, 0x12, 0x11, 0x11, 0x11, 0x12, 0x1C}},
    {'E', {0x1F, 0x10, 0x10, 0x1E, 0x10, 0x10, 0x1F}},
    {'F', {0x1F, 0x10, 0x10, 0x1E, 0x10, 0x10, 0x10}},
    {'L', {0x10, 0x10, 0x10, 0x10, 0x10, 0x10, 0x1F}},
    {'O', {0x0E, 0x11, 0x11, 0x11, 0x11, 0x11, 0x0E}},
    {'S', {0x0F, 0x10, 0x10, 0x0E, 0x01, 0x01, 0x1E}},
    {'p', {0x00, 0x00, 0x1E, 0x11, 0x1E, 0x10, 0x10}},
    {'m', {0x00, 0x00, 0x1A, 0x15, 0x15, 0x11, 0x11}},
    {'/', {0x00, 0x01, 0x02, 0x04, 0x08, 0x10, 0x00}},
    {'.', {0x00, 0x00, 0x00, 0x00, 0x00, 0x0C, 0x0C}},
    {'-', {0x00, 0x00, 0x00, 0x1F, 0x00, 0x00, 0x00}},
    {'<', {0x02, 0x04, 0x08, 0x10, 0x08, 0x04, 0x02}},
    {'>', {0x08, 0x04, 0x02, 0x01, 0x02, 0x04, 0x08}},
    {'G', {0x0E, 0x11, 0x10, 0x17, 0x11, 0x11, 0x0F}},
    {'H', {0x11, 0x11, 0x11, 0x1F, 0x11, 0x11, 0x11}},
    {'I', {0x0E, 0x04, 0x04, 0x04, 0x04, 0x04, 0x0E}},
    {'J', {0x07, 0x02, 0x02, 0x02, 0x02, 0x12, 0x0C}},
    {'K', {0x11, 0x12, 0x14, 0x18, 0x14, 0x12, 0x11}},
    {'M', {0x11, 0x1B, 0x15, 0x15, 0x11, 0x11, 0x11}},
    {'N', {0x11, 0x11, 0x19, 0x15, 0x13, 0x11, 0x11}},
    {'P', {0x1E, 0x11, 0x11, 0x1E, 0x10, 0x10, 0x10}},
    {'Q', {0x0E, 0x11, 0x11, 0x11, 0x15, 0x12, 0x0D}},
    {'R', {0x1E, 0x11, 0x11, 0x1E, 0x14, 0x12, 0x11}},
    {'T', {0x1F, 0x04, 0x04, 0x04, 0x04, 0x04, 0x04}},
    {'U', {0x11, 0x11, 0x11, 0x11, 0x11, 0x11, 0x0E}},
    {'V', {0x11, 0x11, 0x11, 0x11, 0x11, 0x0A, 0x04}},
    {'W', {0x11, 0x11, 0x11, 0x15, 0x15, 0x15, 0x0A}},
    {'X', {0x11, 0x11, 0x0A, 0x04, 0x0A, 0x11, 0x11}},
    {'Y', {0x11, 0x11, 0x11, 0x0A, 0x04, 0x04, 0x04}},
    {'Z', {0x1F, 0x01, 0x02, 0x04, 0x08, 0x10, 0x1F}},
    {':', {0x00, 0x0C, 0x0C, 0x00, 0x0C, 0x0C, 0x00}},
    {'+', {0x00, 0x04, 0x04, 0x1F, 0x04, 0x04, 0x00}},
    {'(', {0x02, 0x04, 0x08, 0x08, 0x08, 0x04, 0x02}},
    {')', {0x08, 0x04, 0x02, 0x02, 0x02, 0x04, 0x08}},
    {',', {0x00, 0x00, 0x00, 0x00, 0x0C, 0x04, 0x08}},
    {'=', {0x00, 0x00, 0x1F, 0x00, 0x1F, 0x00, 0x00}},
    {'_', {0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x1F}},
    {'%', {0x18, 0x19, 0x02, 0x04, 0x08, 0x13, 0x03}},
    {'?', {0x0E, 0x11, 0x01, 0x02, 0x04, 0x00, 0x04}},
    {'#', {0x0A, 0x0A, 0x1F, 0x0A, 0x1F, 0x0A, 0x0A}},
    {'\'', {0x04, 0x04, 0x08, 0x00, 0x00, 0x00, 0x00}},
    {'&', {0x0C, 0x12, 0x14, 0x08, 0x15, 0x12, 0x0D}},
}};

const Glyph* glyph(char k) {
  for (const Glyph& g : kFont)
    if (g.c == k) return &g;
  return nullptr;
}

}  // namespace

std::string upper(std::string_view s) {
  std::string out(s);
  for (char& c : out)
    if (c >= 'a' && c <= 'z') c = static_cast<char>(c - 'a' + 'A');
  return out;
}

RgbImage RgbImage::blank(int width, int height) {
  RgbImage img;
  img.width = std::max(1, width);
  img.height = std::max(1, height);
  img.rgb.assign(static_cast<std::size_t>(img.width) * static_cast<std::size_t>(img.height) * 3, 255);
  return img;
}

Rgb RgbImage::at(int x, int y) const {
  const std::size_t i = (static_cast<std::size_t>(y) * static_cast<std::size_t>(width) + static_cast<std::size_t>(x)) * 3;
  return {rgb[i], rgb[i + 1], rgb[i + 2]};
}

void Canvas::set(int x, int y, Rgb c) {
  if (x < 0 || y < 0 || x >= img_.width || y >= img_.height) return;
  const std::size_t i =
      (static_cast<std::size_t>(y) * static_cast<std::size_t>(img_.width) + static_cast<std::size_t>(x)) * 3;
  img_.rgb[i] = c.r;
  img_.rgb[i + 1] = c.g;
  img_.rgb[i + 2] = c.b;
}

std::size_t Canvas::drawn(int x0, int y0, int w, int h) const {
  std::size_t n = 0;
  for (int y = std::max(0, y0); y < std::min(img_.height, y0 + h); ++y)
    for (int x = std::max(0, x0); x < std::min(img_.width, x0 + w); ++x) n += !(img_.at(x, y) == kWhite);
  return n;
}

void Canvas::fill(int x0, int y0, int w, int h, Rgb c) {
  for (int y = std::max(0, y0); y < std::min(img_.height, y0 + h); ++y)
    for (int x = std::max(0, x0); x < std::min(img_.width, x0 + w); ++x) set(x, y, c);
}

void Canvas::frame(int x0, int y0, int w, int h, Rgb c) {
  fill(x0, y0, w, 1, c);
  fill(x0, y0 + h - 1, w, 1, c);
  fill(x0, y0, 1, h, c);
  fill(x0 + w - 1, y0, 1, h, c);
}

void Canvas::line(double x0, double y0, double x1, double y1, int t, Rgb c) {
  const double dx = x1 - x0, dy = y1 - y0;
  const int n = static_cast<int>(std::ceil(std::max(std::fabs(dx), std::fabs(dy))));
  const int off = (t - 1) / 2;
  for (int i = 0; i <= n; ++i) {
    const double s = n ? static_cast<double>(i) / n : 0.0;
    const int x = static_cast<int>(std::lround(x0 + dx * s)) - off;
    const int y = static_cast<int>(std::lround(y0 + dy * s)) - off;
    if (t == 1) set(x, y, c); else fill(x, y, t, t, c);
  }
}

void Canvas::text(int x, int y, std::string_view s, int scale, Rgb c) {
  for (const char raw : s) {
    const auto u = static_cast<unsigned char>(raw);
    if (u >= 0x80 && u < 0xC0) continue;  // a UTF-8 continuation byte
    char ch = u >= 0x80 ? '?' : raw;
    if (!glyph(ch) && ch >= 'a' && ch <= 'z') ch = static_cast<char>(ch - 'a' + 'A');
    if (ch != ' ' && !glyph(ch)) ch = '?';
    if (const Glyph* g = glyph(ch))
      for (int row = 0; row < 7; ++row)
        for (int col = 0; col < 5; ++col)
          if (g->rows[static_cast<std::size_t>(row)] & (0x10 >> col)) fill(x + col * scale, y + row * scale, scale, scale, c);
    x += 6 * scale;
  }
}

int Canvas::text_width(std::string_view s, int scale) {
  int n = 0;
  for (const char raw : s) n += !(static_cast<unsigned char>(raw) >= 0x80 && static_cast<unsigned char>(raw) < 0xC0);
  return n * 6 * scale;
}

void draw_legend_box(Canvas& cv, const std::string& title, const std::vector<LegendRow>& rows, int scale, int top) {
  const int row_h = 10 * scale, sq = 6 * scale, pad = 4 * scale;
  std::size_t chars = title.size();
  for (const auto& r : rows) chars = std::max(chars, r.label.size() + 2);
  const int w = pad * 2 + static_cast<int>(chars) * 6 * scale;
  const int h = pad * 2 + row_h * static_cast<int>(rows.size() + 1);
  // The corner that hides the least of the map (a round city leaves its corners empty).
  int x0 = 8, y0 = 8;
  std::size_t least = SIZE_MAX;
  for (const auto& [cx, cy] : {std::pair{8, top + 8}, std::pair{cv.width() - w - 8, top + 8},
                               std::pair{8, cv.height() - h - 8}, std::pair{cv.width() - w - 8, cv.height() - h - 8}}) {
    const std::size_t n = cv.drawn(cx, cy, w, h);
    if (n < least) {
      least = n;
      x0 = cx;
      y0 = cy;
    }
  }
  cv.fill(x0, y0, w, h, kWhite);
  cv.frame(x0, y0, w, h, kBlack);
  cv.text(x0 + pad, y0 + pad, title, scale, kBlack);
  for (std::size_t i = 0; i < rows.size(); ++i) {
    const int y = y0 + pad + row_h * static_cast<int>(i + 1);
    cv.fill(x0 + pad, y, sq + 2, sq + 2, kBlack);
    cv.fill(x0 + pad + 1, y + 1, sq, sq, rows[i].colour);
    cv.text(x0 + pad + 12 * scale, y, rows[i].label, scale, kBlack);
  }
}

MapFrame::MapFrame(BBox box, int long_side_px, const MapCaption& caption) : box_(box) {
  if (box_.empty()) box_.extend({0, 0});
  const int inner = std::max(16, long_side_px - 2 * margin_ - 1);
  const double span = std::max({box_.max_x - box_.min_x, box_.max_y - box_.min_y, 1.0});
  scale_ = inner / span;
  // The caption's lines above the map, in a band of their own.
  std::vector<std::string> lines;
  if (!caption.title.empty()) lines.push_back(caption.title);
  for (const std::string& l : caption.lines) lines.push_back(l);
  text_scale_ = long_side_px >= 800 ? 2 : 1;
  band_ = lines.empty() ? 0 : 8 + static_cast<int>(lines.size()) * 10 * text_scale_;
  img_ = RgbImage::blank(static_cast<int>(std::lround((box_.max_x - box_.min_x) * scale_)) + 2 * margin_ + 1,
                         static_cast<int>(std::lround((box_.max_y - box_.min_y) * scale_)) + 2 * margin_ + 1 + band_);
  Canvas cv(img_);
  for (std::size_t i = 0; i < lines.size(); ++i)
    cv.text(8, 8 + static_cast<int>(i) * 10 * text_scale_, lines[i], text_scale_, kBlack);
}

std::pair<double, double> MapFrame::px(Point p) const noexcept {
  return {margin_ + (p.x - box_.min_x) * scale_, band_ + margin_ + (box_.max_y - p.y) * scale_};
}

void MapFrame::road(std::span<const Point> g, double width_m, Rgb c, int min_px) {
  const int t = std::max({min_px, width_m >= 10 ? 2 : 1, std::min(6, static_cast<int>(std::lround(width_m * scale_)))});
  Canvas cv(img_);
  for (std::size_t i = 1; i < g.size(); ++i) {
    const auto [x0, y0] = px(g[i - 1]);
    const auto [x1, y1] = px(g[i]);
    cv.line(x0, y0, x1, y1, t, c);
  }
}

void MapFrame::mark(Point p, int size, Rgb c) {
  const auto [x, y] = px(p);
  Canvas(img_).fill(static_cast<int>(std::lround(x)) - size / 2, static_cast<int>(std::lround(y)) - size / 2, size, size, c);
}

void MapFrame::legend(const std::string& title, const std::vector<LegendRow>& rows) {
  Canvas cv(img_);
  draw_legend_box(cv, title, rows, std::max(img_.width, img_.height) >= 800 ? 2 : 1, band_);
}

std::vector<std::uint8_t> encode_png(const RgbImage& img) {
  if (img.width <= 0 || img.height <= 0 ||
      img.rgb.size() != static_cast<std::size_t>(img.width) * static_cast<std::size_t>(img.height) * 3)
    throw std::invalid_argument("encode_png: pixel buffer does not match the image size");
  const std::size_t stride = static_cast<std::size_t>(img.width) * 3;
  // Raw scanlines, each led by filter type 0 (None).
  std::vector<std::uint8_t> raw;
  raw.reserve((stride + 1) * static_cast<std::size_t>(img.height));
  for (int y = 0; y < img.height; ++y) {
    raw.push_back(0);
    const auto* row = img.rgb.data() + static_cast<std::size_t>(y) * stride;
    raw.insert(raw.end(), row, row + stride);
  }
  // zlib stream (RFC 1950): CMF/FLG 0x78 0x01, stored deflate blocks (RFC 1951 §3.2.4)
  // of at most 65535 bytes, then the Adler-32 of the raw data.
  std::vector<std::uint8_t> z;
  z.reserve(raw.size() + raw.size() / 65535 * 5 + 16);
  z.push_back(0x78);
  z.push_back(0x01);
  std::size_t pos = 0;
  do {
    const std::size_t n = std::min<std::size_t>(65535, raw.size() - pos);
    const bool last = pos + n == raw.size();
    z.push_back(last ? 1 : 0);
    z.push_back(static_cast<std::uint8_t>(n & 0xFF));
    z.push_back(static_cast<std::uint8_t>(n >> 8));
    z.push_back(static_cast<std::uint8_t>(~n & 0xFF));
    z.push_back(static_cast<std::uint8_t>((~n >> 8) & 0xFF));
    z.insert(z.end(), raw.begin() + static_cast<std::ptrdiff_t>(pos), raw.begin() + static_cast<std::ptrdiff_t>(pos + n));
    pos += n;
  } while (pos < raw.size());
  std::uint32_t a = 1, b = 0;
  for (std::size_t i = 0; i < raw.size();) {
    // 5552 bytes is the most Adler-32 can sum before its 32-bit sums need reducing.
    const std::size_t end = std::min(raw.size(), i + 5552);
    for (; i < end; ++i) {
      a += raw[i];
      b += a;
    }
    a %= 65521;
    b %= 65521;
  }
  put_be32(z, (b << 16) | a);

  std::vector<std::uint8_t> png{0x89, 'P', 'N', 'G', '\r', '\n', 0x1A, '\n'};
  std::vector<std::uint8_t> ihdr;
  put_be32(ihdr, static_cast<std::uint32_t>(img.width));
  put_be32(ihdr, static_cast<std::uint32_t>(img.height));
  ihdr.insert(ihdr.end(), {8, 2, 0, 0, 0});  // 8-bit, truecolour, deflate, adaptive filters, no interlace
  put_chunk(png, "IHDR", ihdr);
  put_chunk(png, "IDAT", z);
  put_chunk(png, "IEND", {});
  return png;
}

void write_png(const std::string& path, const RgbImage& img) {
  const std::vector<std::uint8_t> png = encode_png(img);
  write_atomically(path, [&](const std::string& tmp) {
    std::FILE* f = std::fopen(tmp.c_str(), "wb");
    if (!f) throw InputError(path, "", std::string("cannot write: ") + std::strerror(errno));
    const bool ok = std::fwrite(png.data(), 1, png.size(), f) == png.size();
    const int err = errno;
    if (std::fclose(f) != 0 || !ok)
      throw InputError(path, "", std::string("cannot write: ") + std::strerror(ok ? errno : err));
  });
}

}  // namespace kitaku::geo
