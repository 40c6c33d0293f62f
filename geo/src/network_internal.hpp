#pragma once
// Internal to kitaku::geo's network importer: OSM tag handling, the walkable filter
// and width rules, topology building, cleaning, and the binary cache. Split out so
// each stage can be read (and tested through load_network) on its own.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include <ogr_spatialref.h>

#include "kitaku/geo/network_import.hpp"

namespace kitaku::geo::netimport {

// ---- tags --------------------------------------------------------------------

/// The tags of one feature: views into storage owned by the set, reused between
/// features so reading a large file does not allocate per feature.
class TagSet {
 public:
  void clear() { buf_.clear(); spans_.clear(); }
  void add(std::string_view key, std::string_view value);
  /// Parses GDAL's OSM `other_tags` hstore text ("k"=>"v","k2"=>"v2") and adds its
  /// tags; false when the text is malformed (the tags parsed so far are kept).
  bool add_hstore(std::string_view text);
  std::optional<std::string_view> get(std::string_view key) const;
  std::size_t size() const { return spans_.size(); }

 private:
  struct Span { std::uint32_t k, kn, v, vn; };
  std::string buf_;
  std::vector<Span> spans_;
};

/// Walkable width in metres from a width-like value: "3.5", "3.5 m", "3,5", "350 cm",
/// "12 ft", or a range "3.0m〜5.5m" (its middle). nullopt when it is not a width.
std::optional<double> parse_width(std::string_view text);

/// What the walkable filter says about one feature.
struct Verdict {
  bool walkable = false;
  std::string reason;   // why not, e.g. "highway=motorway", "access=private"
  RoadClass cls = RoadClass::other;
  float width_m = 0;        // the whole road: carriageway plus sidewalks
  float carriageway_m = 0;  // the part of width_m that is carriageway
  std::uint8_t flags = 0;
};

/// Applies the rules to a feature's tags. `class_key` is the tag holding the class
/// ("highway", or a source's class field name for messages); `has_class_field` false
/// means the source has no class at all, so the line is walkable as `other`.
Verdict classify(const TagSet& tags, const WalkableRules& rules, std::string_view class_key,
                 bool has_class_field);

/// The default walkable width for a highway value (docs/network.md, "Widths").
double default_width(std::string_view highway);

// ---- topology ----------------------------------------------------------------

/// Attributes shared by the parts of one feature.
struct LineAttrs {
  RoadClass cls = RoadClass::other;
  float width_m = 0;
  std::uint8_t flags = 0;
  std::uint32_t name = 0;         // index into RawLines::names
  std::int64_t source_id = -1;
  float carriageway_m = 0;
};

/// Walkable line parts as read, before splitting: coordinates in the target CRS.
struct RawLines {
  std::vector<Point> pts;
  std::vector<std::uint64_t> keys;        // OSM only: exact 1e-7 degree vertex identity per point
  std::vector<std::uint32_t> part_first{0};  // part i is pts[part_first[i], part_first[i+1])
  std::vector<std::uint32_t> part_attr;   // index into attrs
  std::vector<LineAttrs> attrs;
  std::vector<std::string> names{std::string()};
  std::size_t parts() const { return part_attr.size(); }
};

/// Interns names with a hash map (NetworkData::intern_name is linear).
class NameTable {
 public:
  explicit NameTable(std::vector<std::string>& names);
  std::uint32_t intern(std::string_view name);

 private:
  struct Hash {
    using is_transparent = void;
    std::size_t operator()(std::string_view s) const noexcept { return std::hash<std::string_view>{}(s); }
  };
  std::vector<std::string>& names_;
  std::unordered_map<std::string, std::uint32_t, Hash, std::equal_to<>> index_;
};

/// Splits parts into edges at shared vertices. Vertex identity: `keys` when present
/// (exact), else identical coordinates plus line ends joining the nearest vertex
/// within `tolerance_m` (0: identical coordinates only). Counts parts that collapse
/// to a point as zero-length. Self-loops and duplicates are left for clean_network.
/// Consumes raw's points and names.
NetworkData build_topology(RawLines& raw, double tolerance_m, ImportReport& report);

/// Drops self-loops, zero-length edges (< 1 mm) and duplicate edges (same end nodes,
/// lengths within 1 cm), then nodes left without edges; counts them in `report`.
void clean_network(NetworkData& data, ImportReport& report);

/// Fills the length-by-class, stairs and WGS84 bbox fields from the final network.
void summarise(const NetworkData& data, ImportReport& report);

// ---- CRS ---------------------------------------------------------------------

/// The EPSG code of a CRS: its authority code, else a confident match, else 0.
int identify_epsg(const OGRSpatialReference& srs);

// ---- CrowdWalk ---------------------------------------------------------------

/// True when the file's content is XML whose root element is <Group> (CrowdWalk).
bool looks_like_crowdwalk(const std::string& path);

// ---- cache -------------------------------------------------------------------

/// The cache key: a canonical text of everything that affects the result, and its
/// hash (hex) used as the file name. nullopt when the source cannot be stat'ed.
struct CacheKey {
  std::string text;
  std::string file;   // <dir>/<hash>.kitnet
};
std::optional<CacheKey> cache_key(const std::string& path, const ImportOptions& options);

/// Reads a cache file; nullopt when it is absent, stale, truncated or corrupt.
std::optional<LoadedNetwork> read_cache(const CacheKey& key);

/// Writes the cache atomically; on failure prints a warning on stderr and returns.
void write_cache(const CacheKey& key, const NetworkData& data, const ImportReport& report);

}  // namespace kitaku::geo::netimport
