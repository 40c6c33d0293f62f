#pragma once
// Planar geometry in a projected, metric CRS (x = easting, y = northing, metres).
#include <cmath>

namespace kitaku {

struct Point {
  double x = 0;
  double y = 0;
  friend bool operator==(const Point&, const Point&) = default;
};

inline double distance(Point a, Point b) noexcept { return std::hypot(a.x - b.x, a.y - b.y); }

struct BBox {
  double min_x = INFINITY, min_y = INFINITY, max_x = -INFINITY, max_y = -INFINITY;
  void extend(Point p) noexcept {
    min_x = std::fmin(min_x, p.x); min_y = std::fmin(min_y, p.y);
    max_x = std::fmax(max_x, p.x); max_y = std::fmax(max_y, p.y);
  }
  bool empty() const noexcept { return !(min_x <= max_x); }
};

/// Closest point to p on segment [a, b]; t in [0, 1] is its position along the segment.
struct SegmentProjection { Point point; double t; double dist; };
inline SegmentProjection project_on_segment(Point p, Point a, Point b) noexcept {
  const double dx = b.x - a.x, dy = b.y - a.y;
  const double len2 = dx * dx + dy * dy;
  double t = len2 > 0 ? ((p.x - a.x) * dx + (p.y - a.y) * dy) / len2 : 0.0;
  t = t < 0 ? 0 : (t > 1 ? 1 : t);
  const Point q{a.x + t * dx, a.y + t * dy};
  return {q, t, distance(p, q)};
}

}  // namespace kitaku
