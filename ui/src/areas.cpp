#include "kitaku/ui/areas.hpp"

#include <algorithm>
#include <array>
#include <cmath>
#include <map>

namespace kitaku::ui {

AreaGrid AreaGrid::for_network(const Network& net) {
  BBox b;
  for (std::size_t n = 0; n < net.node_count(); ++n) b.extend(net.pos(NodeId{static_cast<std::uint32_t>(n)}));
  AreaGrid g;
  if (b.empty()) return g;
  const double extent = std::max(b.max_x - b.min_x, b.max_y - b.min_y);
  constexpr std::array<double, 7> kSizes{250, 500, 1000, 2000, 2500, 5000, 10000};
  g.cell_m = kSizes.back();
  for (const double s : kSizes)
    if (extent / s <= 26) {
      g.cell_m = s;
      break;
    }
  g.nx = std::clamp(static_cast<int>(std::ceil((b.max_x - b.min_x) / g.cell_m + 1e-9)), 1, 26);
  g.ny = std::clamp(static_cast<int>(std::ceil((b.max_y - b.min_y) / g.cell_m + 1e-9)), 1, 26);
  // Centre the grid on the network.
  g.x0 = (b.min_x + b.max_x) / 2 - g.nx * g.cell_m / 2;
  g.y0 = (b.min_y + b.max_y) / 2 - g.ny * g.cell_m / 2;
  return g;
}

int AreaGrid::cell_of(double x, double y) const {
  const int cx = std::clamp(static_cast<int>(std::floor((x - x0) / cell_m)), 0, nx - 1);
  const int cy = std::clamp(static_cast<int>(std::floor((y - y0) / cell_m)), 0, ny - 1);
  return cy * nx + cx;
}

Point AreaGrid::centre(int cell) const {
  return {x0 + (cell % nx + 0.5) * cell_m, y0 + (cell / nx + 0.5) * cell_m};
}

BBox AreaGrid::bounds(int cell) const {
  BBox b;
  b.extend({x0 + (cell % nx) * cell_m, y0 + (cell / nx) * cell_m});
  b.extend({x0 + (cell % nx + 1) * cell_m, y0 + (cell / nx + 1) * cell_m});
  return b;
}

std::string AreaGrid::label(int cell) const {
  const int col = cell % nx, row_from_north = ny - 1 - cell / nx;
  return std::string(1, static_cast<char>('A' + col)) + std::to_string(row_from_north + 1);
}

namespace {

double dist2(Point a, Point b) { return (a.x - b.x) * (a.x - b.x) + (a.y - b.y) * (a.y - b.y); }

// Cuts the convex polygon `poly` (edge k runs from poly[k] to poly[k+1], with the site
// tag[k] on its other side) to the half-plane nearer to `a` than to `b`; the new edge
// has the tag `b_id`.
void clip_bisector(std::vector<Point>& poly, std::vector<int>& tag, Point a, Point b, int b_id,
                   std::vector<Point>& out, std::vector<int>& out_tag) {
  const Point m{(a.x + b.x) / 2, (a.y + b.y) / 2};
  const double nx = b.x - a.x, ny = b.y - a.y;
  const auto f = [&](Point p) { return (p.x - m.x) * nx + (p.y - m.y) * ny; };  // <= 0: nearer a
  out.clear();
  out_tag.clear();
  const std::size_t n = poly.size();
  bool cut = false;
  for (std::size_t k = 0; k < n; ++k) {
    const Point p = poly[k], q = poly[(k + 1) % n];
    const double dp = f(p), dq = f(q);
    const auto cross = [&] {
      const double t = dp / (dp - dq);
      return Point{p.x + t * (q.x - p.x), p.y + t * (q.y - p.y)};
    };
    if (dp <= 0) {
      out.push_back(p);
      out_tag.push_back(tag[k]);
      if (dq > 0) {
        out.push_back(cross());
        out_tag.push_back(b_id);
        cut = true;
      }
    } else {
      cut = true;
      if (dq <= 0) {
        out.push_back(cross());
        out_tag.push_back(tag[k]);
      }
    }
  }
  if (!cut) return;
  poly.swap(out);
  tag.swap(out_tag);
}

}  // namespace

VoronoiRegions VoronoiRegions::build(const std::vector<Point>& points, const std::vector<std::string>& labels,
                                     const BBox& box) {
  VoronoiRegions v;
  v.box = box;
  if (box.empty()) return v;
  // Regions in name order (deterministic), sites deduplicated to 1 m.
  std::map<std::string, int> region_of_name;
  for (std::size_t i = 0; i < points.size() && i < labels.size(); ++i)
    if (!labels[i].empty()) region_of_name.emplace(labels[i], 0);
  for (auto& [name, r] : region_of_name) {
    r = static_cast<int>(v.names.size());
    v.names.push_back(name);
  }
  std::map<std::pair<long long, long long>, int> seen;
  for (std::size_t i = 0; i < points.size() && i < labels.size(); ++i) {
    if (labels[i].empty()) continue;
    const Point p = points[i];
    if (p.x < box.min_x || p.x > box.max_x || p.y < box.min_y || p.y > box.max_y) continue;
    if (!seen.emplace(std::make_pair(std::llround(p.x), std::llround(p.y)), 0).second) continue;
    v.sites.push_back(p);
    v.site_region.push_back(region_of_name[labels[i]]);
  }
  const std::size_t n = v.sites.size();
  // Bucket grid: about two sites per bucket.
  const double w = box.max_x - box.min_x, h = box.max_y - box.min_y;
  v.bcell_ = std::max(std::sqrt(w * h / std::max<double>(static_cast<double>(n), 1.0) * 2), 1.0);
  v.bx0_ = box.min_x;
  v.by0_ = box.min_y;
  v.bnx_ = std::max(1, static_cast<int>(std::ceil(w / v.bcell_)));
  v.bny_ = std::max(1, static_cast<int>(std::ceil(h / v.bcell_)));
  const auto bucket = [&](Point p) {
    const int bx = std::clamp(static_cast<int>((p.x - v.bx0_) / v.bcell_), 0, v.bnx_ - 1);
    const int by = std::clamp(static_cast<int>((p.y - v.by0_) / v.bcell_), 0, v.bny_ - 1);
    return by * v.bnx_ + bx;
  };
  v.bstart_.assign(static_cast<std::size_t>(v.bnx_ * v.bny_) + 1, 0);
  for (const Point& p : v.sites) ++v.bstart_[static_cast<std::size_t>(bucket(p)) + 1];
  for (std::size_t b = 1; b < v.bstart_.size(); ++b) v.bstart_[b] += v.bstart_[b - 1];
  v.bsites_.resize(n);
  {
    std::vector<std::uint32_t> fill(v.bstart_.begin(), v.bstart_.end() - 1);
    for (std::uint32_t s = 0; s < n; ++s) v.bsites_[fill[static_cast<std::size_t>(bucket(v.sites[s]))]++] = s;
  }
  // Each site's cell: the box cut by the bisectors with its neighbours, nearest
  // buckets first, until no farther site can cut it (beyond twice its radius).
  v.cells.resize(n);
  std::vector<std::vector<int>> tags(n);
  std::vector<Point> out;
  std::vector<int> out_tag;
  for (std::size_t i = 0; i < n; ++i) {
    std::vector<Point>& poly = v.cells[i];
    std::vector<int>& tag = tags[i];
    poly = {{box.min_x, box.min_y}, {box.max_x, box.min_y}, {box.max_x, box.max_y}, {box.min_x, box.max_y}};
    tag = {-1, -1, -1, -1};
    const Point s = v.sites[i];
    const int b0 = bucket(s), cx = b0 % v.bnx_, cy = b0 / v.bnx_;
    const auto radius2 = [&] {
      double r = 0;
      for (const Point& p : poly) r = std::max(r, dist2(p, s));
      return r;
    };
    double r2 = radius2();
    for (int ring = 0;; ++ring) {
      const double near = std::max(0, ring - 1) * v.bcell_;
      if (near * near > 4 * r2) break;
      if (ring > v.bnx_ && ring > v.bny_) break;
      for (int by = cy - ring; by <= cy + ring; ++by)
        for (int bx = cx - ring; bx <= cx + ring; ++bx) {
          if (std::max(std::abs(bx - cx), std::abs(by - cy)) != ring) continue;
          if (bx < 0 || by < 0 || bx >= v.bnx_ || by >= v.bny_) continue;
          const auto b = static_cast<std::size_t>(by * v.bnx_ + bx);
          for (std::uint32_t k = v.bstart_[b]; k < v.bstart_[b + 1]; ++k) {
            const std::uint32_t j = v.bsites_[k];
            if (j == i || poly.size() < 3) continue;
            clip_bisector(poly, tag, s, v.sites[j], static_cast<int>(j), out, out_tag);
          }
          r2 = radius2();
        }
    }
  }
  // Boundaries between regions, each edge once; labels at the area-weighted centroids.
  const auto regions = v.names.size();
  v.label_at.assign(regions, {0, 0});
  v.area_m2.assign(regions, 0);
  v.radius_m.assign(regions, 0);
  std::vector<double> mx(regions, 0), my(regions, 0);
  for (std::size_t i = 0; i < n; ++i) {
    const auto& poly = v.cells[i];
    const int r = v.site_region[i];
    for (std::size_t k = 0; k < poly.size(); ++k) {
      const Point p = poly[k], q = poly[(k + 1) % poly.size()];
      const double c = p.x * q.y - q.x * p.y;
      v.area_m2[static_cast<std::size_t>(r)] += c / 2;
      mx[static_cast<std::size_t>(r)] += (p.x + q.x) * c / 6;
      my[static_cast<std::size_t>(r)] += (p.y + q.y) * c / 6;
      const int j = tags[i][k];
      if (j > static_cast<int>(i) && v.site_region[static_cast<std::size_t>(j)] != r)
        v.boundaries.push_back({p, q, r, v.site_region[static_cast<std::size_t>(j)]});
    }
  }
  for (std::size_t r = 0; r < regions; ++r)
    if (v.area_m2[r] > 0) v.label_at[r] = {mx[r] / v.area_m2[r], my[r] / v.area_m2[r]};
  for (std::size_t i = 0; i < n; ++i) {
    const auto r = static_cast<std::size_t>(v.site_region[i]);
    for (const Point& p : v.cells[i]) v.radius_m[r] = std::max(v.radius_m[r], std::sqrt(dist2(p, v.label_at[r])));
  }
  return v;
}

int VoronoiRegions::region_of(double x, double y) const {
  if (sites.empty()) return -1;
  const Point p{x, y};
  const int cx = std::clamp(static_cast<int>((x - bx0_) / bcell_), 0, bnx_ - 1);
  const int cy = std::clamp(static_cast<int>((y - by0_) / bcell_), 0, bny_ - 1);
  double best = 1e300;
  std::uint32_t best_site = 0;
  for (int ring = 0; ring <= std::max(bnx_, bny_); ++ring) {
    // Every site in a farther ring is at least (ring - 1) buckets away.
    const double near = std::max(0, ring - 1) * bcell_;
    if (best < 1e300 && near * near > best) break;
    for (int by = cy - ring; by <= cy + ring; ++by)
      for (int bx = cx - ring; bx <= cx + ring; ++bx) {
        if (std::max(std::abs(bx - cx), std::abs(by - cy)) != ring) continue;
        if (bx < 0 || by < 0 || bx >= bnx_ || by >= bny_) continue;
        const auto b = static_cast<std::size_t>(by * bnx_ + bx);
        for (std::uint32_t k = bstart_[b]; k < bstart_[b + 1]; ++k) {
          const double d = dist2(p, sites[bsites_[k]]);
          if (d < best || (d == best && bsites_[k] < best_site)) {
            best = d;
            best_site = bsites_[k];
          }
        }
      }
  }
  return site_region[best_site];
}

BBox Areas::extent(const Network& net) {
  BBox b = net.bbox();
  if (b.empty()) return b;
  const double m = std::max(100.0, 0.02 * std::max(b.max_x - b.min_x, b.max_y - b.min_y));
  b.min_x -= m;
  b.min_y -= m;
  b.max_x += m;
  b.max_y += m;
  return b;
}

void ward_points(const City& city, std::vector<Point>& points, std::vector<std::string>& labels) {
  points.clear();
  labels.clear();
  for (const auto* list : {&city.facilities, &city.evacuation_sites})
    for (const Facility& f : *list) {
      if (f.area.empty()) continue;
      points.push_back(f.pos);
      labels.push_back(f.area);
    }
}

Areas::Areas(AreaMode mode, const Network& net, const City& city) : mode_(mode), grid_(AreaGrid::for_network(net)) {
  if (mode == AreaMode::kGrid) return;
  std::vector<Point> pts;
  std::vector<std::string> labels;
  if (mode == AreaMode::kWard) {
    ward_points(city, pts, labels);
  } else {
    for (const Station& s : city.stations) {
      pts.push_back(s.pos);
      labels.push_back(s.name);
    }
  }
  regions_ = std::make_shared<const VoronoiRegions>(VoronoiRegions::build(pts, labels, extent(net)));
  const auto n = static_cast<std::size_t>(regions_->count());
  centre_.assign(n, {0, 0});
  radius_.assign(n, 0);
  std::vector<double> count(n, 0), sq(n, 0);
  std::vector<int> node_area(net.node_count(), -1);
  for (std::size_t i = 0; i < net.node_count(); ++i) {
    const Point p = net.pos(NodeId{static_cast<std::uint32_t>(i)});
    const int a = regions_->region_of(p.x, p.y);
    node_area[i] = a;
    if (a < 0) continue;
    centre_[static_cast<std::size_t>(a)].x += p.x;
    centre_[static_cast<std::size_t>(a)].y += p.y;
    ++count[static_cast<std::size_t>(a)];
  }
  for (std::size_t a = 0; a < n; ++a)
    if (count[a] > 0) centre_[a] = {centre_[a].x / count[a], centre_[a].y / count[a]};
  for (std::size_t i = 0; i < net.node_count(); ++i) {
    if (node_area[i] < 0) continue;
    const auto a = static_cast<std::size_t>(node_area[i]);
    sq[a] += dist2(net.pos(NodeId{static_cast<std::uint32_t>(i)}), centre_[a]);
  }
  for (std::size_t a = 0; a < n; ++a) {
    if (count[a] > 0) {
      radius_[a] = std::sqrt(2 * sq[a] / count[a]);
    } else {  // no street in it: its cells' centroid and equal-area circle
      centre_[a] = regions_->label_at[a];
      radius_[a] = std::sqrt(std::max(regions_->area_m2[a], 0.0) / 3.14159265358979);
    }
  }
  const std::size_t stride = std::max<std::size_t>(1, net.node_count() / 50000 + 1);
  for (std::size_t i = 0; i < net.node_count(); i += stride)
    if (node_area[i] >= 0) samples_.push_back({net.pos(NodeId{static_cast<std::uint32_t>(i)}), node_area[i]});
}

int Areas::count() const { return regions_ ? regions_->count() : grid_.count(); }

int Areas::area_of(double x, double y) const {
  return regions_ ? regions_->region_of(x, y) : grid_.cell_of(x, y);
}

Point Areas::centre(int area) const {
  return regions_ ? centre_[static_cast<std::size_t>(area)] : grid_.centre(area);
}

double Areas::radius_m(int area) const {
  // A ward or catchment is no circle: the disc its streets would fill stands for it;
  // a circle covering all of it would reach well into its neighbours.
  if (regions_) return radius_[static_cast<std::size_t>(area)];
  return grid_.cell_m * std::sqrt(2.0) / 2;
}

std::string Areas::label(int area) const {
  return regions_ ? regions_->names[static_cast<std::size_t>(area)] : grid_.label(area);
}

int Areas::find(const std::string& label) const {
  for (int a = 0; a < count(); ++a)
    if (this->label(a) == label) return a;
  return -1;
}

const char* area_mode_name(AreaMode m) noexcept {
  switch (m) {
    case AreaMode::kWard: return "ward";
    case AreaMode::kStation: return "station";
    default: return "grid";
  }
}

}  // namespace kitaku::ui
