#include "kitaku/sim/spatial_index.hpp"

#include <algorithm>
#include <cmath>

namespace kitaku {

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
  const GridGeometry g{box.min_x, box.min_y, cell_m, static_cast<std::uint32_t>(std::min(w / cell_m + 1, 65535.0)),
                       static_cast<std::uint32_t>(std::min(h / cell_m + 1, 65535.0))};
  nodes_ = GridIndex::build(g, net.node_count(),
                            [&](std::uint32_t v, auto&& emit) { emit(g.cell_of(d.node_pos[v])); });
  if (!with_edges) return;

  // Items are the points that start a segment of their edge's polyline.
  std::vector<std::uint8_t> starts(d.geom_points.size(), 0);
  for (std::size_t e = 0; e < net.edge_count(); ++e)
    for (std::uint32_t i = d.geom_first[e]; i + 1 < d.geom_first[e + 1]; ++i) starts[i] = 1;
  segs_ = GridIndex::build(g, d.geom_points.size(), [&](std::uint32_t i, auto&& emit) {
    if (!starts[i]) return;
    const Point a = d.geom_points[i], b = d.geom_points[i + 1];
    // Sample along the segment every quarter cell and take each sample's 3x3
    // block: a superset of the cells the segment crosses.
    const double len = distance(a, b);
    const int steps = static_cast<int>(len / (0.25 * g.cell)) + 1;
    std::size_t last = SIZE_MAX;
    for (int s = 0; s <= steps; ++s) {
      const double t = static_cast<double>(s) / steps;
      const std::uint32_t cx = g.col(a.x + t * (b.x - a.x)), cy = g.row(a.y + t * (b.y - a.y));
      if (std::size_t{cy} * g.nx + cx == last) continue;
      last = std::size_t{cy} * g.nx + cx;
      for (std::uint32_t yy = cy ? cy - 1 : 0; yy <= std::min(cy + 1, g.ny - 1); ++yy)
        for (std::uint32_t xx = cx ? cx - 1 : 0; xx <= std::min(cx + 1, g.nx - 1); ++xx)
          emit(std::size_t{yy} * g.nx + xx);
    }
  });
}

template <class Visit>
void SpatialIndex::ring_search(Point p, const GridIndex& grid, double& best, Visit&& visit) const {
  const GridGeometry& g = grid.geometry();
  const auto cx = static_cast<std::int64_t>(g.col(p.x));
  const auto cy = static_cast<std::int64_t>(g.row(p.y));
  const std::int64_t nx = g.nx, ny = g.ny, max_ring = std::max(nx, ny);
  for (std::int64_t k = 0; k <= max_ring; ++k) {
    for (std::int64_t y = cy - k; y <= cy + k; ++y) {
      if (y < 0 || y >= ny) continue;
      const bool edge_row = (y == cy - k || y == cy + k);
      for (std::int64_t x = cx - k; x <= cx + k; x += edge_row ? 1 : 2 * k) {
        if (x >= 0 && x < nx)
          for (const std::uint32_t item : grid.items(static_cast<std::size_t>(y * nx + x))) visit(item);
        if (k == 0) break;
      }
    }
    // Anything not yet visited lies outside the square of rings 0..k.
    const double lo_x = g.x0 + static_cast<double>(cx - k) * g.cell, hi_x = g.x0 + static_cast<double>(cx + k + 1) * g.cell;
    const double lo_y = g.y0 + static_cast<double>(cy - k) * g.cell, hi_y = g.y0 + static_cast<double>(cy + k + 1) * g.cell;
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
  ring_search(p, nodes_, hit.dist, [&](std::uint32_t v) {
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
  if (segs_.empty()) return hit;
  std::uint32_t best_seg = UINT32_MAX;
  double best_t = 0;
  ring_search(p, segs_, hit.dist, [&](std::uint32_t i) {
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
  nodes_.for_each_item({p.x - r, p.y - r, p.x + r, p.y + r}, [&](std::uint32_t v) {
    if (distance(p, pos[v]) <= r) out.push_back(NodeId{v});
  });
  std::sort(out.begin(), out.end());
  return out;
}

}  // namespace kitaku
