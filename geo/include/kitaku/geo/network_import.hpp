#pragma once
// Walkable network import from any OGR vector source (OSM XML/PBF, GeoPackage,
// Shapefile, GeoJSON, FlatGeobuf) and from CrowdWalk XML maps, with a binary cache.
#include <array>
#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "kitaku/sim/network.hpp"
#include "kitaku/sim/progress.hpp"

namespace kitaku::geo {

/// Which features are walkable. Defaults follow docs/network.md; a TOML file can
/// replace them (load_walkable_rules).
struct WalkableRules {
  /// highway=* values kept (a `*_link` value counts as its parent class).
  std::vector<std::string> highways{"footway", "pedestrian", "steps", "path", "living_street",
                                    "residential", "service", "unclassified", "tertiary",
                                    "secondary", "primary", "trunk", "corridor", "track", "cycleway"};
  /// A feature is excluded when any of these tags has one of these values.
  std::map<std::string, std::vector<std::string>> exclude{
      {"access", {"private", "no"}}, {"foot", {"no", "private"}}, {"area", {"yes"}}};
  /// ... unless foot=* says walking is allowed (foot overrides access).
  std::vector<std::string> foot_allows{"yes", "designated", "permissive"};
};

/// Reads rules from a TOML file: `highways = [...]`, `[exclude] tag = [values]`,
/// `foot_allows = [...]`. Unknown keys are errors naming the file and key.
WalkableRules load_walkable_rules(const std::string& path);

/// For non-OSM sources: which attribute holds what. Empty names are auto-detected
/// (documented in docs/network.md: highway/fclass/class/type, width, name, ...).
struct AttributeMapping {
  std::string class_field;   // an OSM-style highway value; absent: every line is walkable, class "other"
  std::string width_field;   // walkable width in metres
  std::string name_field;
  std::string lanes_field;
};

struct ImportOptions {
  std::string layer;              // empty: "lines" for OSM, else the first layer with line geometry
  int target_epsg = 0;            // 0: the UTM zone of the data's centre; a projected source CRS is kept
  double snap_tolerance_m = 0.5;  // endpoints closer than this merge (sources without node ids)
  bool keep_largest_component = true;
  WalkableRules rules;
  AttributeMapping mapping;
  bool use_cache = true;
  std::string cache_dir;          // empty: $KITAKU_CACHE_DIR, else $XDG_CACHE_HOME/kitaku, else ~/.cache/kitaku
  ProgressFn progress;            // optional: fraction of the import done, from the loading thread
};

struct ImportReport {
  std::string source, driver, layer;
  std::string crs_name;           // name of the projected CRS used
  int epsg = 0;
  std::size_t features_read = 0;
  std::size_t features_walkable = 0;
  std::map<std::string, std::size_t> excluded;  // reason -> features ("highway=motorway", "access=private", ...)
  std::size_t invalid_geometries = 0;
  std::size_t self_loops_dropped = 0;
  std::size_t zero_length_dropped = 0;
  std::size_t duplicate_edges_dropped = 0;
  /// OSM ways listing nodes the file does not hold (an extract cut at its edge, a
  /// damaged file). GDAL keeps such a way with the nodes it found ("cut short"), or
  /// drops it when fewer than two are left; either way its tags are not checked first.
  struct MissingNodesWay {
    std::int64_t way_id = 0;
    std::size_t found = 0;   // nodes found
    std::size_t listed = 0;  // nodes the way lists (0: not known, for a dropped way)
  };
  std::size_t ways_cut_short = 0;
  std::size_t ways_dropped_missing_nodes = 0;
  std::vector<MissingNodesWay> missing_nodes_examples;  // the first kMissingNodesExamples, in file order
  static constexpr std::size_t kMissingNodesExamples = 5;
  ComponentReport components;
  std::array<double, kRoadClassCount> length_by_class_m{};
  std::size_t stairs_edges = 0;
  double lon_min = 0, lat_min = 0, lon_max = 0, lat_max = 0;  // WGS84 bbox of the kept network
  double load_seconds = 0;
  bool from_cache = false;
  std::string cache_file;
};

struct LoadedNetwork {
  Network network;
  ImportReport report;
};

/// Loads, filters, splits, projects and cleans a network. CrowdWalk maps (XML with
/// a <Group> root of <Node>/<Link>) are detected by content. Throws InputError
/// naming the file, the layer/feature/line and the problem.
LoadedNetwork load_network(const std::string& path, const ImportOptions& options = {});

/// Reads a CrowdWalk XML map: <Node id x y> and <Link id from to length width>.
/// Coordinates are EPSG:6677 metres with y = -northing; the result is in EPSG:6677.
NetworkData read_crowdwalk_map(const std::string& path);

/// Writes a network's edges (geometry + class, width, length, name, flags) as a line
/// layer: GeoPackage, GeoJSON, FlatGeobuf or Shapefile by extension. Atomic.
void write_network(const Network& net, const std::string& path, const std::string& layer = "roads");

}  // namespace kitaku::geo
