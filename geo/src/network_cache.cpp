// The binary network cache: <cache_dir>/<hash>.kitnet holds a NetworkData and its
// ImportReport. Arrays are stored raw, so a load is a few large freads.
//
// Layout (native byte order, checked by a marker):
//   "KITNET\0\0" u32 version u32 0x01020304
//   u64 key_len, key text (must equal the expected key: guards against hash collisions)
//   u64 counts[7]: nodes, edges, geometry points, names, name bytes, crs bytes, report bytes
//   node_pos, edge_from, edge_to, edge_length_m, edge_width_m, edge_carriageway_m, edge_class, edge_flags,
//   edge_name, edge_source_id, geom_first, geom_points, name ends (u64 each), name bytes,
//   crs_wkt, report JSON, i32 epsg
//   u64 checksum of everything after the magic
#include <sys/stat.h>
#include <unistd.h>

#include <cstdio>
#include <cstring>
#include <filesystem>
#include <nlohmann/json.hpp>

#include "kitaku/geo/gdal_util.hpp"
#include "kitaku/sim/error.hpp"
#include "network_internal.hpp"

namespace kitaku::geo::netimport {
namespace {

// Bump when the importer's output for the same input and options changes.
constexpr std::uint32_t kCacheVersion = 3;  // 2: carriageway widths and default sidewalks; 3: the report counts OSM ways with missing nodes
constexpr char kMagic[8] = {'K', 'I', 'T', 'N', 'E', 'T', 0, 0};
constexpr std::uint32_t kByteOrder = 0x01020304;

std::uint64_t fnv1a(std::string_view s, std::uint64_t h) {
  for (unsigned char c : s) { h ^= c; h *= 0x100000001b3ULL; }
  return h;
}

/// A fast streaming checksum over words (corruption detection, not security).
struct Checksum {
  std::uint64_t h = 0x9E3779B97F4A7C15ULL;
  void add(const void* data, std::size_t n) {
    const auto* p = static_cast<const unsigned char*>(data);
    std::size_t i = 0;
    for (; i + 8 <= n; i += 8) {
      std::uint64_t w;
      std::memcpy(&w, p + i, 8);
      h = (h ^ w) * 0xff51afd7ed558ccdULL;
      h ^= h >> 29;
    }
    for (; i < n; ++i) { h = (h ^ p[i]) * 0x100000001b3ULL; }
    h ^= n;
  }
};

void put_str(std::string& out, std::string_view s) {
  out += std::to_string(s.size());
  out += ':';
  out += s;
  out += '\n';
}

nlohmann::json report_to_json(const ImportReport& r) {
  nlohmann::json j;
  j["source"] = r.source; j["driver"] = r.driver; j["layer"] = r.layer;
  j["crs_name"] = r.crs_name; j["epsg"] = r.epsg;
  j["features_read"] = r.features_read; j["features_walkable"] = r.features_walkable;
  j["excluded"] = r.excluded;
  j["invalid_geometries"] = r.invalid_geometries;
  j["self_loops_dropped"] = r.self_loops_dropped;
  j["zero_length_dropped"] = r.zero_length_dropped;
  j["duplicate_edges_dropped"] = r.duplicate_edges_dropped;
  j["ways_cut_short"] = r.ways_cut_short;
  j["ways_dropped_missing_nodes"] = r.ways_dropped_missing_nodes;
  nlohmann::json ex = nlohmann::json::array();
  for (const auto& w : r.missing_nodes_examples) ex.push_back({w.way_id, w.found, w.listed});
  j["missing_nodes_examples"] = ex;
  const auto& c = r.components;
  j["components"] = {c.components, c.kept_nodes, c.kept_edges, c.dropped_nodes, c.dropped_edges, c.dropped_length_m};
  j["length_by_class_m"] = r.length_by_class_m;
  j["stairs_edges"] = r.stairs_edges;
  j["bbox"] = {r.lon_min, r.lat_min, r.lon_max, r.lat_max};
  return j;
}

ImportReport report_from_json(const nlohmann::json& j) {
  ImportReport r;
  r.source = j.at("source"); r.driver = j.at("driver"); r.layer = j.at("layer");
  r.crs_name = j.at("crs_name"); r.epsg = j.at("epsg");
  r.features_read = j.at("features_read"); r.features_walkable = j.at("features_walkable");
  r.excluded = j.at("excluded").get<std::map<std::string, std::size_t>>();
  r.invalid_geometries = j.at("invalid_geometries");
  r.self_loops_dropped = j.at("self_loops_dropped");
  r.zero_length_dropped = j.at("zero_length_dropped");
  r.duplicate_edges_dropped = j.at("duplicate_edges_dropped");
  r.ways_cut_short = j.at("ways_cut_short");
  r.ways_dropped_missing_nodes = j.at("ways_dropped_missing_nodes");
  for (const auto& w : j.at("missing_nodes_examples")) r.missing_nodes_examples.push_back({w.at(0), w.at(1), w.at(2)});
  const auto& c = j.at("components");
  r.components = {c.at(0), c.at(1), c.at(2), c.at(3), c.at(4), c.at(5)};
  r.length_by_class_m = j.at("length_by_class_m");
  r.stairs_edges = j.at("stairs_edges");
  const auto& b = j.at("bbox");
  r.lon_min = b.at(0); r.lat_min = b.at(1); r.lon_max = b.at(2); r.lat_max = b.at(3);
  return r;
}

struct FileCloser { void operator()(std::FILE* f) const noexcept { if (f) std::fclose(f); } };
using File = std::unique_ptr<std::FILE, FileCloser>;

class Writer {
 public:
  explicit Writer(std::FILE* f) : f_(f) {}
  void raw(const void* p, std::size_t n) {
    if (n && std::fwrite(p, 1, n, f_) != n) ok_ = false;
    sum_.add(p, n);
  }
  template <class T> void pod(const T& v) { raw(&v, sizeof v); }
  template <class T> void vec(const std::vector<T>& v) { raw(v.data(), v.size() * sizeof(T)); }
  bool ok() const { return ok_; }
  std::uint64_t sum() const { return sum_.h; }

 private:
  std::FILE* f_;
  Checksum sum_;
  bool ok_ = true;
};

class Reader {
 public:
  Reader(std::FILE* f, std::uint64_t size) : f_(f), left_(size) {}
  bool raw(void* p, std::size_t n) {
    if (n > left_ || (n && std::fread(p, 1, n, f_) != n)) return false;
    left_ -= n;
    sum_.add(p, n);
    return true;
  }
  template <class T> bool pod(T& v) { return raw(&v, sizeof v); }
  /// Resizes to `count` (refusing counts the rest of the file cannot hold) and reads.
  template <class T> bool vec(std::vector<T>& v, std::uint64_t count) {
    if (count > left_ / sizeof(T)) return false;
    v.resize(count);
    return raw(v.data(), count * sizeof(T));
  }
  std::uint64_t left() const { return left_; }
  std::uint64_t sum() const { return sum_.h; }

 private:
  std::FILE* f_;
  std::uint64_t left_;
  Checksum sum_;
};

}  // namespace

std::optional<CacheKey> cache_key(const std::string& path, const ImportOptions& o) {
  namespace fs = std::filesystem;
  struct stat st{};
  if (::stat(path.c_str(), &st) != 0 || !S_ISREG(st.st_mode)) return std::nullopt;
  std::error_code ec;
  const fs::path canon = fs::canonical(path, ec);
  if (ec) return std::nullopt;
  std::string t;
  put_str(t, "kitnet");
  put_str(t, std::to_string(kCacheVersion));
  put_str(t, canon.string());
  put_str(t, std::to_string(st.st_size));
  put_str(t, std::to_string(static_cast<long long>(st.st_mtim.tv_sec) * 1000000000LL + st.st_mtim.tv_nsec));
  put_str(t, o.layer);
  put_str(t, std::to_string(o.target_epsg));
  char tol[64];
  std::snprintf(tol, sizeof tol, "%a", o.snap_tolerance_m);
  put_str(t, tol);
  put_str(t, o.keep_largest_component ? "largest" : "all");
  put_str(t, "highways");
  for (const auto& h : o.rules.highways) put_str(t, h);
  put_str(t, "exclude");
  for (const auto& [k, vs] : o.rules.exclude) {
    put_str(t, k);
    for (const auto& v : vs) put_str(t, "=" + v);
  }
  put_str(t, "foot_allows");
  for (const auto& v : o.rules.foot_allows) put_str(t, v);
  put_str(t, "mapping");
  for (const auto* f : {&o.mapping.class_field, &o.mapping.width_field, &o.mapping.name_field, &o.mapping.lanes_field})
    put_str(t, *f);
  char hex[40];
  std::snprintf(hex, sizeof hex, "%016llx%016llx",
                static_cast<unsigned long long>(fnv1a(t, 0xcbf29ce484222325ULL)),
                static_cast<unsigned long long>(fnv1a(t, 0x84222325cbf29ce4ULL)));
  const std::string dir = o.cache_dir.empty() ? geo::cache_dir() : o.cache_dir;
  return CacheKey{std::move(t), (fs::path(dir) / (std::string(hex) + ".kitnet")).string()};
}

std::optional<LoadedNetwork> read_cache(const CacheKey& key) {
  File f(std::fopen(key.file.c_str(), "rb"));
  if (!f) return std::nullopt;
  struct stat st{};
  if (::fstat(::fileno(f.get()), &st) != 0) return std::nullopt;
  char magic[8];
  if (std::fread(magic, 1, 8, f.get()) != 8 || std::memcmp(magic, kMagic, 8) != 0) return std::nullopt;
  Reader in(f.get(), static_cast<std::uint64_t>(st.st_size) - 8);
  std::uint32_t version = 0, order = 0;
  std::uint64_t key_len = 0;
  if (!in.pod(version) || !in.pod(order) || version != kCacheVersion || order != kByteOrder) return std::nullopt;
  if (!in.pod(key_len) || key_len != key.text.size()) return std::nullopt;
  std::string text(key_len, '\0');
  if (!in.raw(text.data(), key_len) || text != key.text) return std::nullopt;
  std::uint64_t c[7];
  if (!in.raw(c, sizeof c)) return std::nullopt;
  const auto [nodes, edges, points, nnames, name_bytes, crs_bytes, report_bytes] =
      std::tuple(c[0], c[1], c[2], c[3], c[4], c[5], c[6]);
  NetworkData d;
  std::vector<std::uint64_t> name_end;
  std::string name_buf, report_text;
  if (!in.vec(d.node_pos, nodes) || !in.vec(d.edge_from, edges) || !in.vec(d.edge_to, edges) ||
      !in.vec(d.edge_length_m, edges) || !in.vec(d.edge_width_m, edges) ||
      !in.vec(d.edge_carriageway_m, edges) || !in.vec(d.edge_class, edges) ||
      !in.vec(d.edge_flags, edges) || !in.vec(d.edge_name, edges) || !in.vec(d.edge_source_id, edges) ||
      !in.vec(d.geom_first, edges + 1) || !in.vec(d.geom_points, points) || !in.vec(name_end, nnames))
    return std::nullopt;
  if (name_bytes > in.left() || crs_bytes > in.left() || report_bytes > in.left()) return std::nullopt;
  name_buf.resize(name_bytes);
  d.crs_wkt.resize(crs_bytes);
  report_text.resize(report_bytes);
  std::int32_t epsg = 0;
  if (!in.raw(name_buf.data(), name_bytes) || !in.raw(d.crs_wkt.data(), crs_bytes) ||
      !in.raw(report_text.data(), report_bytes) || !in.pod(epsg))
    return std::nullopt;
  const std::uint64_t expected = in.sum();
  std::uint64_t stored = 0;
  if (!in.pod(stored) || stored != expected || in.left() != 0) return std::nullopt;
  d.epsg = epsg;
  d.names.clear();
  std::uint64_t prev = 0;
  for (auto end : name_end) {
    if (end < prev || end > name_buf.size()) return std::nullopt;
    d.names.emplace_back(name_buf.data() + prev, end - prev);
    prev = end;
  }
  // Ranges are checked before Network's validation indexes with them.
  for (auto cls : d.edge_class)
    if (static_cast<std::size_t>(cls) >= kRoadClassCount) return std::nullopt;
  for (std::size_t e = 0; e < edges; ++e)
    if (index(d.edge_from[e]) >= nodes || index(d.edge_to[e]) >= nodes || d.edge_name[e] >= d.names.size() ||
        d.geom_first[e] > d.geom_first[e + 1])
      return std::nullopt;
  if (d.geom_first.front() != 0 || d.geom_first.back() != points) return std::nullopt;
  try {
    ImportReport report = report_from_json(nlohmann::json::parse(report_text));
    // Network's constructor validates every invariant: a damaged file that passed the
    // checksum still cannot produce a broken network.
    return LoadedNetwork{Network(std::move(d)), std::move(report)};
  } catch (const std::exception&) {
    return std::nullopt;
  }
}

void write_cache(const CacheKey& key, const NetworkData& d, const ImportReport& report) {
  namespace fs = std::filesystem;
  const fs::path target(key.file);
  auto warn = [&](const std::string& why) {
    std::fprintf(stderr, "kitaku: warning: cannot write the network cache %s: %s (continuing without it)\n",
                 key.file.c_str(), why.c_str());
  };
  std::error_code ec;
  fs::create_directories(target.parent_path(), ec);
  if (ec) return warn(ec.message());
  const fs::path tmp = target.parent_path() / (".tmp-" + std::to_string(::getpid()) + "-" + target.filename().string());
  {
    File f(std::fopen(tmp.c_str(), "wb"));
    if (!f) return warn(std::strerror(errno));
    std::fwrite(kMagic, 1, 8, f.get());
    Writer out(f.get());
    out.pod(kCacheVersion);
    out.pod(kByteOrder);
    out.pod(static_cast<std::uint64_t>(key.text.size()));
    out.raw(key.text.data(), key.text.size());
    std::vector<std::uint64_t> name_end;
    std::string name_buf;
    for (const auto& n : d.names) {
      name_buf += n;
      name_end.push_back(name_buf.size());
    }
    const std::string report_text = report_to_json(report).dump();
    const std::uint64_t c[7] = {d.node_count(), d.edge_count(), d.geom_points.size(), d.names.size(),
                                name_buf.size(), d.crs_wkt.size(), report_text.size()};
    out.raw(c, sizeof c);
    out.vec(d.node_pos); out.vec(d.edge_from); out.vec(d.edge_to); out.vec(d.edge_length_m);
    out.vec(d.edge_width_m); out.vec(d.edge_carriageway_m); out.vec(d.edge_class); out.vec(d.edge_flags); out.vec(d.edge_name);
    out.vec(d.edge_source_id);
    if (d.geom_first.empty()) out.pod(std::uint32_t{0}); else out.vec(d.geom_first);
    out.vec(d.geom_points); out.vec(name_end);
    out.raw(name_buf.data(), name_buf.size());
    out.raw(d.crs_wkt.data(), d.crs_wkt.size());
    out.raw(report_text.data(), report_text.size());
    out.pod(static_cast<std::int32_t>(d.epsg));
    const std::uint64_t sum = out.sum();
    const bool ok = out.ok() && std::fwrite(&sum, 8, 1, f.get()) == 1 && std::fflush(f.get()) == 0;
    if (!ok) {
      const std::string why = std::strerror(errno);
      f.reset();
      fs::remove(tmp, ec);
      return warn(why);
    }
  }
  fs::rename(tmp, target, ec);
  if (ec) {
    fs::remove(tmp, ec);
    return warn(ec.message());
  }
}

}  // namespace kitaku::geo::netimport
