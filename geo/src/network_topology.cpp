// Topology: vertex identity, splitting lines into edges at shared vertices, and
// cleaning (self-loops, zero-length and duplicate edges).
#include <algorithm>
#include <cmath>
#include <cstring>
#include <numeric>

#include "kitaku/geo/gdal_util.hpp"
#include "network_internal.hpp"

namespace kitaku::geo::netimport {
namespace {

constexpr std::uint32_t kNone = 0xFFFFFFFFu;

std::uint64_t mix64(std::uint64_t x) {
  x ^= x >> 33; x *= 0xff51afd7ed558ccdULL;
  x ^= x >> 33; x *= 0xc4ceb9fe1a85ec53ULL;
  x ^= x >> 33;
  return x;
}

struct Key2 {
  std::uint64_t a = 0, b = 0;
  bool operator==(const Key2&) const = default;
};
inline std::uint64_t hash_key(std::uint64_t k) { return mix64(k); }
inline std::uint64_t hash_key(const Key2& k) { return mix64(k.a ^ mix64(k.b + 0x9E3779B97F4A7C15ULL)); }

/// Open-addressing map from a key to a 32-bit value: no per-entry allocation.
template <class Key>
class FlatMap {
 public:
  explicit FlatMap(std::size_t expected) { rehash(expected); }

  /// The value for `k`, inserting `v` first when absent; second is true on insertion.
  std::pair<std::uint32_t, bool> find_or_insert(const Key& k, std::uint32_t v) {
    if ((size_ + 1) * 10 > slots_.size() * 7) rehash(slots_.size());
    std::size_t i = hash_key(k) & mask_;
    while (slots_[i].val != kNone) {
      if (slots_[i].key == k) return {slots_[i].val, false};
      i = (i + 1) & mask_;
    }
    slots_[i] = {k, v};
    ++size_;
    return {v, true};
  }
  /// A pointer to the value for `k`, or null.
  std::uint32_t* find(const Key& k) {
    std::size_t i = hash_key(k) & mask_;
    while (slots_[i].val != kNone) {
      if (slots_[i].key == k) return &slots_[i].val;
      i = (i + 1) & mask_;
    }
    return nullptr;
  }

 private:
  struct Slot { Key key{}; std::uint32_t val = kNone; };
  void rehash(std::size_t expected) {
    std::size_t cap = 16;
    while (cap * 7 < expected * 10 + 10) cap *= 2;
    std::vector<Slot> old;
    old.swap(slots_);
    slots_.assign(cap, Slot{});
    mask_ = cap - 1;
    size_ = 0;
    for (const auto& s : old)
      if (s.val != kNone) find_or_insert(s.key, s.val);
  }
  std::vector<Slot> slots_;
  std::size_t mask_ = 0, size_ = 0;
};

std::uint64_t bits(double v) {
  if (v == 0) v = 0;  // -0.0 and 0.0 are the same place
  std::uint64_t b;
  std::memcpy(&b, &v, sizeof b);
  return b;
}

/// Vertex ids for every point: equal ids mean the same graph vertex; rep_pos[id] is
/// the vertex's position.
std::vector<std::uint32_t> vertex_ids(const RawLines& raw, double tol, std::vector<Point>& rep_pos) {
  const std::size_t np = raw.pts.size();
  std::vector<std::uint32_t> vid(np);
  rep_pos.clear();
  if (!raw.keys.empty()) {
    FlatMap<std::uint64_t> map(np / 2);
    for (std::size_t i = 0; i < np; ++i) {
      const auto [v, inserted] = map.find_or_insert(raw.keys[i], static_cast<std::uint32_t>(rep_pos.size()));
      if (inserted) rep_pos.push_back(raw.pts[i]);
      vid[i] = v;
    }
    return vid;
  }
  // Identical coordinates are one vertex.
  {
    FlatMap<Key2> map(np / 2);
    for (std::size_t i = 0; i < np; ++i) {
      const Key2 k{bits(raw.pts[i].x), bits(raw.pts[i].y)};
      const auto [v, inserted] = map.find_or_insert(k, static_cast<std::uint32_t>(rep_pos.size()));
      if (inserted) rep_pos.push_back(raw.pts[i]);
      vid[i] = v;
    }
  }
  if (!(tol > 0)) return vid;

  // Snapping: a line's end within `tol` of another vertex joins it (undershoots and
  // digitising slips). Interior vertices only ever join identical coordinates, so a
  // bridge passing near a street's vertex is not connected to it. Ends are visited in
  // coordinate order and ties go to the lower coordinates, so the result does not
  // depend on the order of the features.
  const std::size_t nu = rep_pos.size();
  std::vector<std::uint8_t> is_end(nu, 0);
  for (std::size_t p = 0; p < raw.parts(); ++p) {
    is_end[vid[raw.part_first[p]]] = 1;
    is_end[vid[raw.part_first[p + 1] - 1]] = 1;
  }
  auto before = [&](std::uint32_t a, std::uint32_t b) {
    return rep_pos[a].x < rep_pos[b].x || (rep_pos[a].x == rep_pos[b].x && rep_pos[a].y < rep_pos[b].y);
  };
  auto cell = [&](double v) { return static_cast<std::uint64_t>(static_cast<std::int64_t>(std::floor(v / tol))); };
  FlatMap<Key2> head(nu / 2);       // cell -> last anchor put in it
  std::vector<std::uint32_t> next(nu, kNone);  // anchor -> previous anchor in its cell
  auto insert = [&](std::uint32_t u) {
    const Key2 k{cell(rep_pos[u].x), cell(rep_pos[u].y)};
    if (std::uint32_t* h = head.find(k)) {
      next[u] = *h;
      *h = u;
    } else {
      head.find_or_insert(k, u);
    }
  };
  std::vector<std::uint32_t> rep(nu);
  std::iota(rep.begin(), rep.end(), 0u);
  std::vector<std::uint32_t> ends;
  for (std::uint32_t u = 0; u < nu; ++u) {
    if (is_end[u]) ends.push_back(u);
    else insert(u);
  }
  std::sort(ends.begin(), ends.end(), before);
  for (const std::uint32_t u : ends) {
    const Point p = rep_pos[u];
    const std::uint64_t cx = cell(p.x), cy = cell(p.y);
    std::uint32_t best = kNone;
    double best_d = tol;
    for (std::uint64_t dx : {~0ULL, 0ULL, 1ULL})
      for (std::uint64_t dy : {~0ULL, 0ULL, 1ULL}) {
        const std::uint32_t* h = head.find({cx + dx, cy + dy});
        for (std::uint32_t r = h ? *h : kNone; r != kNone; r = next[r]) {
          const double d = distance(rep_pos[r], p);
          if (d < best_d || (d == best_d && (best == kNone || before(r, best)))) { best = r; best_d = d; }
        }
      }
    if (best != kNone) rep[u] = best;
    else insert(u);
  }
  for (auto& v : vid) v = rep[v];
  return vid;
}

/// Keeps the edges with keep[e] set and the nodes they use, preserving order.
void filter_edges(NetworkData& d, const std::vector<std::uint8_t>& keep) {
  const std::size_t n = d.node_count(), m = d.edge_count();
  std::vector<NodeId> remap(n, invalid_id<NodeId>());
  std::vector<std::uint8_t> used(n, 0);
  for (std::size_t e = 0; e < m; ++e)
    if (keep[e]) used[index(d.edge_from[e])] = used[index(d.edge_to[e])] = 1;
  std::uint32_t nn = 0;
  for (std::size_t v = 0; v < n; ++v)
    if (used[v]) {
      remap[v] = NodeId{nn};
      d.node_pos[nn++] = d.node_pos[v];
    }
  d.node_pos.resize(nn);
  std::size_t w = 0, gw = 0;
  std::vector<std::uint32_t> first(1, 0);
  first.reserve(m + 1);
  for (std::size_t e = 0; e < m; ++e) {
    if (!keep[e]) continue;
    const auto b = d.geom_first[e], en = d.geom_first[e + 1];
    d.edge_from[w] = remap[index(d.edge_from[e])];
    d.edge_to[w] = remap[index(d.edge_to[e])];
    d.edge_length_m[w] = d.edge_length_m[e];
    d.edge_width_m[w] = d.edge_width_m[e];
    d.edge_carriageway_m[w] = d.edge_carriageway_m[e];
    d.edge_class[w] = d.edge_class[e];
    d.edge_flags[w] = d.edge_flags[e];
    d.edge_name[w] = d.edge_name[e];
    d.edge_source_id[w] = d.edge_source_id[e];
    std::copy(d.geom_points.begin() + b, d.geom_points.begin() + en, d.geom_points.begin() + gw);
    gw += en - b;
    first.push_back(static_cast<std::uint32_t>(gw));
    ++w;
  }
  d.edge_from.resize(w); d.edge_to.resize(w); d.edge_length_m.resize(w); d.edge_width_m.resize(w);
  d.edge_carriageway_m.resize(w);
  d.edge_class.resize(w); d.edge_flags.resize(w); d.edge_name.resize(w); d.edge_source_id.resize(w);
  d.geom_points.resize(gw);
  d.geom_first = std::move(first);
}

}  // namespace

NameTable::NameTable(std::vector<std::string>& names) : names_(names) {
  if (names_.empty()) names_.emplace_back();
  for (std::size_t i = 0; i < names_.size(); ++i) index_.emplace(names_[i], static_cast<std::uint32_t>(i));
}

std::uint32_t NameTable::intern(std::string_view name) {
  if (auto it = index_.find(name); it != index_.end()) return it->second;
  const auto id = static_cast<std::uint32_t>(names_.size());
  names_.emplace_back(name);
  index_.emplace(names_.back(), id);
  return id;
}

NetworkData build_topology(RawLines& raw, double tol, ImportReport& report) {
  std::vector<Point> rep_pos;
  std::vector<std::uint32_t> vid = vertex_ids(raw, tol, rep_pos);
  raw.keys = {};
  const std::size_t nv = rep_pos.size();

  // Drop repeated consecutive vertices in place and count occurrences: a vertex is a
  // node when it ends a part or occurs twice or more anywhere.
  std::vector<std::uint32_t> count(nv, 0);
  std::vector<std::uint8_t> endpoint(nv, 0);
  std::vector<std::uint32_t> first(raw.parts() + 1, 0);
  std::vector<std::uint8_t> alive(raw.parts(), 0);
  std::size_t w = 0;
  for (std::size_t p = 0; p < raw.parts(); ++p) {
    const std::size_t start = w;
    for (std::size_t i = raw.part_first[p]; i < raw.part_first[p + 1]; ++i)
      if (w == start || vid[w - 1] != vid[i]) vid[w++] = vid[i];
    first[p + 1] = static_cast<std::uint32_t>(w);
    if (w - start < 2) {
      ++report.zero_length_dropped;  // the whole part is one point
      continue;
    }
    alive[p] = 1;
    endpoint[vid[start]] = endpoint[vid[w - 1]] = 1;
    for (std::size_t i = start; i < w; ++i) ++count[vid[i]];
  }
  raw.pts = {};

  NetworkData d;
  std::vector<std::uint32_t> node_of(nv, kNone);
  std::size_t edges_guess = 0;
  for (std::size_t p = 0; p < raw.parts(); ++p) {
    if (!alive[p]) continue;
    for (std::size_t i = first[p]; i < first[p + 1]; ++i) {
      const auto v = vid[i];
      if ((endpoint[v] || count[v] >= 2)) {
        if (node_of[v] == kNone) {
          node_of[v] = static_cast<std::uint32_t>(d.node_pos.size());
          d.node_pos.push_back(rep_pos[v]);
        }
        ++edges_guess;
      }
    }
  }
  count = {};
  endpoint = {};
  d.edge_from.reserve(edges_guess); d.edge_to.reserve(edges_guess);
  d.edge_length_m.reserve(edges_guess); d.edge_width_m.reserve(edges_guess);
  d.edge_carriageway_m.reserve(edges_guess);
  d.edge_class.reserve(edges_guess); d.edge_flags.reserve(edges_guess);
  d.edge_name.reserve(edges_guess); d.edge_source_id.reserve(edges_guess);
  d.geom_first.reserve(edges_guess + 1);
  d.geom_points.reserve(w + edges_guess);
  d.geom_first.push_back(0);
  for (std::size_t p = 0; p < raw.parts(); ++p) {
    if (!alive[p]) continue;
    const LineAttrs& a = raw.attrs[raw.part_attr[p]];
    std::size_t s = first[p];
    double len = 0;
    d.geom_points.push_back(rep_pos[vid[s]]);
    for (std::size_t i = s + 1; i < first[p + 1]; ++i) {
      const Point q = rep_pos[vid[i]];
      len += distance(d.geom_points.back(), q);
      d.geom_points.push_back(q);
      if (node_of[vid[i]] == kNone) continue;
      d.edge_from.push_back(NodeId{node_of[vid[s]]});
      d.edge_to.push_back(NodeId{node_of[vid[i]]});
      d.edge_length_m.push_back(static_cast<float>(len));
      d.edge_width_m.push_back(a.width_m);
      d.edge_carriageway_m.push_back(a.carriageway_m);
      d.edge_class.push_back(a.cls);
      d.edge_flags.push_back(a.flags);
      d.edge_name.push_back(a.name);
      d.edge_source_id.push_back(a.source_id);
      d.geom_first.push_back(static_cast<std::uint32_t>(d.geom_points.size()));
      if (i + 1 < first[p + 1]) d.geom_points.push_back(q);  // the next edge starts here
      s = i;
      len = 0;
    }
  }
  d.names = std::move(raw.names);
  return d;
}

void clean_network(NetworkData& d, ImportReport& report) {
  const std::size_t m = d.edge_count();
  std::vector<std::uint8_t> keep(m, 1);
  for (std::size_t e = 0; e < m; ++e) {
    if (d.edge_from[e] == d.edge_to[e]) {
      keep[e] = 0;
      ++report.self_loops_dropped;
    } else if (!(d.edge_length_m[e] >= 1e-3f)) {
      keep[e] = 0;
      ++report.zero_length_dropped;
    }
  }
  // Duplicates: sort by (end nodes, length); within a node pair, an edge within 1 cm
  // of the last kept one is a duplicate.
  std::vector<std::uint32_t> order;
  order.reserve(m);
  for (std::size_t e = 0; e < m; ++e)
    if (keep[e]) order.push_back(static_cast<std::uint32_t>(e));
  auto ends = [&](std::uint32_t e) {
    const auto a = index(d.edge_from[e]), b = index(d.edge_to[e]);
    return std::pair(std::min(a, b), std::max(a, b));
  };
  std::sort(order.begin(), order.end(), [&](std::uint32_t x, std::uint32_t y) {
    const auto ex = ends(x), ey = ends(y);
    if (ex != ey) return ex < ey;
    if (d.edge_length_m[x] != d.edge_length_m[y]) return d.edge_length_m[x] < d.edge_length_m[y];
    return x < y;
  });
  for (std::size_t i = 1, kept = 0; i < order.size(); ++i) {
    const auto e = order[i], k = order[kept];
    if (ends(e) == ends(k) && d.edge_length_m[e] - d.edge_length_m[k] <= 0.01f) {
      keep[e] = 0;
      ++report.duplicate_edges_dropped;
    } else {
      kept = i;
    }
  }
  filter_edges(d, keep);
}

void summarise(const NetworkData& d, ImportReport& r) {
  r.length_by_class_m.fill(0);
  r.stairs_edges = 0;
  for (std::size_t e = 0; e < d.edge_count(); ++e) {
    r.length_by_class_m[static_cast<std::size_t>(d.edge_class[e])] += d.edge_length_m[e];
    if (d.edge_flags[e] & kStairs) ++r.stairs_edges;
  }
  r.lon_min = r.lat_min = r.lon_max = r.lat_max = 0;
  if (d.node_pos.empty() || d.crs_wkt.empty()) return;
  OGRSpatialReference src;
  if (src.importFromWkt(d.crs_wkt.c_str()) != OGRERR_NONE) return;
  src.SetAxisMappingStrategy(OAMS_TRADITIONAL_GIS_ORDER);
  OGRSpatialReference dst = wgs84();
  std::unique_ptr<OGRCoordinateTransformation, void (*)(OGRCoordinateTransformation*)> ct(
      OGRCreateCoordinateTransformation(&src, &dst),
      [](OGRCoordinateTransformation* t) { OGRCoordinateTransformation::DestroyCT(t); });
  if (!ct) return;
  constexpr std::size_t kChunk = 4096;
  std::vector<double> x(kChunk), y(kChunk);
  std::vector<int> ok(kChunk);
  BBox box;
  for (std::size_t b = 0; b < d.node_pos.size(); b += kChunk) {
    const std::size_t n = std::min(kChunk, d.node_pos.size() - b);
    for (std::size_t i = 0; i < n; ++i) { x[i] = d.node_pos[b + i].x; y[i] = d.node_pos[b + i].y; }
    ct->Transform(n, x.data(), y.data(), nullptr, ok.data());
    for (std::size_t i = 0; i < n; ++i)
      if (ok[i] && std::isfinite(x[i]) && std::isfinite(y[i])) box.extend({x[i], y[i]});
  }
  if (box.empty()) return;
  r.lon_min = box.min_x; r.lat_min = box.min_y; r.lon_max = box.max_x; r.lat_max = box.max_y;
}

int identify_epsg(const OGRSpatialReference& srs) {
  if (const char* auth = srs.GetAuthorityName(nullptr); auth && std::strcmp(auth, "EPSG") == 0)
    if (const char* code = srs.GetAuthorityCode(nullptr)) return std::atoi(code);
  int n = 0;
  int* confidence = nullptr;
  OGRSpatialReferenceH* matches = srs.FindMatches(nullptr, &n, &confidence);
  int epsg = 0;
  if (matches && n > 0 && confidence[0] >= 90) {
    auto* m = OGRSpatialReference::FromHandle(matches[0]);
    if (const char* auth = m->GetAuthorityName(nullptr); auth && std::strcmp(auth, "EPSG") == 0)
      epsg = std::atoi(m->GetAuthorityCode(nullptr));
  }
  OSRFreeSRSArray(matches);
  CPLFree(confidence);
  return epsg;
}

}  // namespace kitaku::geo::netimport
