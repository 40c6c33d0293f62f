#include "kitaku/sim/spatial_index.hpp"

#include <algorithm>
#include <cmath>

namespace kitaku {
namespace {

// Builds a cell -> items CSR from (cell, item) pairs.
void build_csr(std::vector<std::pair<std::uint32_t, std::uint32_t>>& pairs, std::size_t cells,
               std::vector<std::uint32_t>& first, std::vector<std::uint32_t>& items) {
  std::sort(pairs.begin(), pairs.end());
  pairs.erase(std::unique(pairs.begin(), pairs.end()), pairs.end());
  first.assign(cells + 1, 0);
  for (auto& [c, i] : pairs) ++first[c + 1];
  for (std::size_t c = 0; c < cells; ++c) first[c + 1] += first[c];
  items.resize(pairs.size());
  for (std::size_t k = 0; k < pairs.size(); ++k) items[k] = pairs[k].second;
}

}  // namespace

std::uint32_t SpatialIndex::cell_of(double v, double origin, std::uint32_t count) const noexcept {
  const double c = std::floor((v - origin) / cell_);
  if (!(c > 0)) return 0;
  return c >= count ? count - 1 : static_cast<std::uint32_t>(c);
}

SpatialIndex::SpatialIndex(const Network& net, double cell_m, bool with_edges) : net_(&net) {
  const auto& d = net.data();
  BBox box = net.bbox();
  for (const auto& p : d.geom_points) box.extend(p);
  if (box.empty()) box.extend({0, 0});
  const double w = std::max(box.max_x - box.min_x, 1.0), h = std::max(box.max_y - box.min_y, 1.0);
  if (cell_m <= 0) {
    const double per_node = std::sqrt(w * h / std::max<std::size_t>(1, net.node_count()));
    cell_m = std::clamp(2.0 * per_node, 5.0, 5000.0);
  }
  cell_ = cell_m;
  x0_ = box.min_x;
  y0_ = box.min_y;
  nx_ = static_cast<std::uint32_t>(std::min(w / cell_ + 1, 65535.0));
  ny_ = static_cast<std::uint32_t>(std::min(h / cell_ + 1, 65535.0));
  const std::size_t cells = std::size_t{nx_} * ny_;

  std::vector<std::pair<std::uint32_t, std::uint32_t>> pairs;
  pairs.reserve(net.node_count());
  for (std::uint32_t v = 0; v < net.node_count(); ++v) {
    const Point p = d.node_pos[v];
    pairs.emplace_back(cell_of(p.y, y0_, ny_) * nx_ + cell_of(p.x, x0_, nx_), v);
  }
  build_csr(pairs, cells, node_first_, node_items_);
  if (!with_edges) {
    seg_first_.assign(cells + 1, 0);
    return;
  }

  pairs.clear();
  for (std::size_t e = 0; e < net.edge_count(); ++e) {
    for (std::uint32_t i = d.geom_first[e]; i + 1 < d.geom_first[e + 1]; ++i) {
      const Point a = d.geom_points[i], b = d.geom_points[i + 1];
      // Sample along the segment every quarter cell and take each sample's 3x3
      // block: a superset of the cells the segment crosses.
      const double len = distance(a, b);
      const int steps = static_cast<int>(len / (0.25 * cell_)) + 1;
      std::uint32_t last = UINT32_MAX;
      for (int s = 0; s <= steps; ++s) {
        const double t = static_cast<double>(s) / steps;
        const std::uint32_t cx = cell_of(a.x + t * (b.x - a.x), x0_, nx_);
        const std::uint32_t cy = cell_of(a.y + t * (b.y - a.y), y0_, ny_);
        if (cy * nx_ + cx == last) continue;
        last = cy * nx_ + cx;
        for (std::uint32_t yy = cy ? cy - 1 : 0; yy <= std::min(cy + 1, ny_ - 1); ++yy)
          for (std::uint32_t xx = cx ? cx - 1 : 0; xx <= std::min(cx + 1, nx_ - 1); ++xx)
            pairs.emplace_back(yy * nx_ + xx, i);
      }
    }
  }
  build_csr(pairs, cells, seg_first_, seg_items_);
}

template <class Visit>
void SpatialIndex::ring_search(Point p, const std::vector<std::uint32_t>& first,
                               const std::vector<std::uint32_t>& items, double& best,
                               Visit&& visit) const {
  const auto cx = static_cast<std::int64_t>(cell_of(p.x, x0_, nx_));
  const auto cy = static_cast<std::int64_t>(cell_of(p.y, y0_, ny_));
  const std::int64_t max_ring = std::max<std::int64_t>(nx_, ny_);
  for (std::int64_t k = 0; k <= max_ring; ++k) {
    for (std::int64_t y = cy - k; y <= cy + k; ++y) {
      if (y < 0 || y >= ny_) continue;
      const bool edge_row = (y == cy - k || y == cy + k);
      for (std::int64_t x = cx - k; x <= cx + k; x += edge_row ? 1 : 2 * k) {
        if (x >= 0 && x < nx_) {
          const std::size_t c = static_cast<std::size_t>(y) * nx_ + static_cast<std::size_t>(x);
          for (std::uint32_t j = first[c]; j < first[c + 1]; ++j) visit(items[j]);
        }
        if (k == 0) break;
      }
    }
    // Anything not yet visited lies outside the square of rings 0..k.
    const double lo_x = x0_ + static_cast<double>(cx - k) * cell_, hi_x = x0_ + static_cast<double>(cx + k + 1) * cell_;
    const double lo_y = y0_ + static_cast<double>(cy - k) * cell_, hi_y = y0_ + static_cast<double>(cy + k + 1) * cell_;
    const double margin = std::min({p.x - lo_x, hi_x - p.x, p.y - lo_y, hi_y - p.y});
    if (margin >= best) return;
  }
}

NodeHit SpatialIndex::nearest_node(Point p) const {
  NodeHit hit;
  const auto& pos = net_->data().node_pos;
  // Compare squared distances; take the root only for an improvement (placing a
  // million agents calls this twice each).
  double best2 = INFINITY;
  ring_search(p, node_first_, node_items_, hit.dist, [&](std::uint32_t v) {
    const double dx = p.x - pos[v].x, dy = p.y - pos[v].y;
    const double d2 = dx * dx + dy * dy;
    if (d2 < best2 || (d2 == best2 && v < index(hit.node))) {
      best2 = d2;
      hit = {NodeId{v}, std::sqrt(d2)};
    }
  });
  return hit;
}

EdgeHit SpatialIndex::nearest_edge(Point p) const {
  EdgeHit hit;
  const auto& d = net_->data();
  std::uint32_t best_seg = UINT32_MAX;
  double best_t = 0;
  ring_search(p, seg_first_, seg_items_, hit.dist, [&](std::uint32_t i) {
    const auto pr = project_on_segment(p, d.geom_points[i], d.geom_points[i + 1]);
    if (pr.dist < hit.dist || (pr.dist == hit.dist && i < best_seg)) {
      hit.dist = pr.dist;
      hit.point = pr.point;
      best_seg = i;
      best_t = pr.t;
    }
  });
  if (best_seg == UINT32_MAX) return hit;
  const auto it = std::upper_bound(d.geom_first.begin(), d.geom_first.end(), best_seg);
  const auto e = static_cast<std::uint32_t>(it - d.geom_first.begin() - 1);
  hit.edge = EdgeId{e};
  double off = 0;
  for (std::uint32_t i = d.geom_first[e]; i < best_seg; ++i) off += distance(d.geom_points[i], d.geom_points[i + 1]);
  off += best_t * distance(d.geom_points[best_seg], d.geom_points[best_seg + 1]);
  // Polyline length may differ from the stored length by float rounding; clamp.
  hit.offset_m = std::min<double>(off, net_->length(hit.edge));
  return hit;
}

std::vector<NodeId> SpatialIndex::nodes_within(Point p, double r) const {
  std::vector<NodeId> out;
  const auto& pos = net_->data().node_pos;
  const auto x_lo = cell_of(p.x - r, x0_, nx_), x_hi = cell_of(p.x + r, x0_, nx_);
  const auto y_lo = cell_of(p.y - r, y0_, ny_), y_hi = cell_of(p.y + r, y0_, ny_);
  for (auto y = y_lo; y <= y_hi; ++y)
    for (auto x = x_lo; x <= x_hi; ++x) {
      const std::size_t c = std::size_t{y} * nx_ + x;
      for (auto j = node_first_[c]; j < node_first_[c + 1]; ++j)
        if (distance(p, pos[node_items_[j]]) <= r) out.push_back(NodeId{node_items_[j]});
    }
  std::sort(out.begin(), out.end());
  return out;
}

}  // namespace kitaku
