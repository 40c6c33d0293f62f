// kitaku network info|export: load a walkable network and say what was kept and why.
#include <algorithm>
#include <cstdio>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "commands.hpp"
#include "format.hpp"
#include "kitaku/geo/network_import.hpp"

namespace kitaku::app {
namespace {

struct NetworkArgs {
  std::string file, out, layer, rules, cache_dir, export_path;
  std::string class_field, width_field, name_field, lanes_field;
  int crs = 0;
  double snap = 0.5;
  bool no_cache = false, all_components = false, json = false;

  geo::ImportOptions options() const {
    geo::ImportOptions o;
    o.layer = layer;
    o.target_epsg = crs;
    o.snap_tolerance_m = snap;
    o.keep_largest_component = !all_components;
    if (!rules.empty()) o.rules = geo::load_walkable_rules(rules);
    o.mapping = {class_field, width_field, name_field, lanes_field};
    o.use_cache = !no_cache;
    o.cache_dir = cache_dir;
    return o;
  }
};

void add_load_options(CLI::App& cmd, NetworkArgs& a) {
  cmd.add_option("FILE", a.file, "Network source: OSM XML/PBF, GeoPackage, Shapefile, GeoJSON, FlatGeobuf, CrowdWalk map")
      ->required();
  cmd.add_option("--layer", a.layer, "Layer to read (default: 'lines' for OSM, else the first line layer)");
  cmd.add_option("--crs", a.crs, "Target projected CRS as an EPSG code (default: a projected source CRS, else UTM)");
  cmd.add_option("--rules", a.rules, "Walkable rules TOML file (docs/network.md)");
  cmd.add_option("--snap-tolerance", a.snap, "Join a line end to a vertex within this many metres (non-OSM sources)")
      ->capture_default_str();
  cmd.add_flag("--keep-all-components", a.all_components, "Keep every connected component, not only the largest");
  cmd.add_flag("--no-cache", a.no_cache, "Neither read nor write the binary network cache");
  cmd.add_option("--cache-dir", a.cache_dir, "Cache folder (default: $KITAKU_CACHE_DIR or ~/.cache/kitaku)");
  cmd.add_option("--class-field", a.class_field, "Field holding an OSM-style highway class (non-OSM sources)");
  cmd.add_option("--width-field", a.width_field, "Field holding the walkable width in metres");
  cmd.add_option("--name-field", a.name_field, "Field holding the street name");
  cmd.add_option("--lanes-field", a.lanes_field, "Field holding the number of lanes");
}

void row(const std::string& label, const std::string& value, int indent = 0) {
  std::printf("%*s%-*s %s\n", indent, "", 28 - indent, label.c_str(), value.c_str());
}

/// A count, right-aligned so columns of numbers line up.
void count_row(const std::string& label, std::size_t n, int indent = 0, const std::string& tail = "") {
  std::printf("%*s%-*s %9s%s\n", indent, "", 28 - indent, label.c_str(), thousands(n).c_str(), tail.c_str());
}

std::string crs_text(const geo::ImportReport& r) {
  return r.crs_name + (r.epsg ? " (EPSG:" + std::to_string(r.epsg) + ")" : "");
}

std::vector<std::pair<std::size_t, std::string>> excluded_sorted(const geo::ImportReport& r) {
  std::vector<std::pair<std::size_t, std::string>> v;
  for (const auto& [why, n] : r.excluded) v.emplace_back(n, why);
  std::sort(v.begin(), v.end(), [](const auto& a, const auto& b) {
    return a.first != b.first ? a.first > b.first : a.second < b.second;
  });
  return v;
}

}  // namespace

std::string missing_nodes_examples(const geo::ImportReport& r) {
  std::string s;
  for (const auto& w : r.missing_nodes_examples) {
    s += (s.empty() ? "" : ", ") + ("way " + std::to_string(w.way_id)) + ": ";
    s += w.listed > 0 ? std::to_string(w.found) + " of " + std::to_string(w.listed) + " nodes found"
                      : std::to_string(w.found) + (w.found == 1 ? " node" : " nodes") + " found";
  }
  const std::size_t n = r.ways_cut_short + r.ways_dropped_missing_nodes;
  if (n > r.missing_nodes_examples.size()) s += ", ... (" + std::to_string(n - r.missing_nodes_examples.size()) + " more)";
  return s;
}

void warn_missing_nodes(const geo::ImportReport& r) {
  const std::size_t n = r.ways_cut_short + r.ways_dropped_missing_nodes;
  if (n == 0) return;
  std::fprintf(stderr,
               "kitaku: warning: %s: %zu way%s list nodes the file does not hold: %zu cut short, %zu dropped (%s); "
               "the extract may be cut at its edge or damaged\n",
               r.source.c_str(), n, n == 1 ? "" : "s", r.ways_cut_short, r.ways_dropped_missing_nodes,
               missing_nodes_examples(r).c_str());
}

geo::LoadedNetwork load_network_with_progress(const std::string& path, geo::ImportOptions options) {
  ProgressBar bar("loading network");
  options.progress = bar.fn();
  geo::LoadedNetwork ln = geo::load_network(path, options);  // the bar clears its line when it goes
  warn_missing_nodes(ln.report);
  return ln;
}

void print_network_report(const geo::LoadedNetwork& ln, bool kept_all_components) {
  const auto& r = ln.report;
  const auto& net = ln.network;
  const double total_m = net.total_length_m();
  row("source", r.source);
  row("driver / layer", r.driver + " / " + r.layer);
  row("CRS", crs_text(r));
  count_row("features read", r.features_read);
  count_row("features walkable", r.features_walkable);
  count_row("nodes", net.node_count());
  count_row("edges", net.edge_count());
  row("total length", fmt("%9.2f km", total_m / 1000));
  count_row("stairs edges", r.stairs_edges);
  const auto& c = r.components;
  count_row("connected components", c.components, 0, kept_all_components ? " (all kept)" : " (kept the largest)");
  std::printf("length by class:\n");
  std::vector<std::pair<double, std::size_t>> by;
  for (std::size_t i = 0; i < kRoadClassCount; ++i)
    if (r.length_by_class_m[i] > 0) by.emplace_back(r.length_by_class_m[i], i);
  std::sort(by.begin(), by.end(), [](const auto& x, const auto& y) { return x.first > y.first || (x.first == y.first && x.second < y.second); });
  for (const auto& [m, i] : by)
    row(std::string(name(static_cast<RoadClass>(i))),
        fmt("%9.2f km", m / 1000) + fmt("  %5.1f %%", total_m > 0 ? 100 * m / total_m : 0), 2);
  std::printf("dropped:\n");
  std::size_t excluded = 0;
  for (const auto& [why, n] : r.excluded) excluded += n;
  count_row("excluded features", excluded, 2);
  for (const auto& [n, why] : excluded_sorted(r)) count_row(why, n, 4);
  count_row("invalid geometries", r.invalid_geometries, 2);
  count_row("self-loops", r.self_loops_dropped, 2);
  count_row("zero-length edges", r.zero_length_dropped, 2);
  count_row("duplicate edges", r.duplicate_edges_dropped, 2);
  if (r.ways_cut_short + r.ways_dropped_missing_nodes > 0) {
    count_row("ways missing nodes", r.ways_cut_short + r.ways_dropped_missing_nodes, 2, " (any tags)");
    count_row("cut short", r.ways_cut_short, 4, " (kept with the nodes found)");
    count_row("dropped", r.ways_dropped_missing_nodes, 4, " (fewer than 2 nodes found)");
    row("e.g.", missing_nodes_examples(r), 4);
  }
  count_row("outside largest component", c.dropped_edges, 2,
            " edges, " + thousands(c.dropped_nodes) + " nodes, " + fmt("%.2f km", c.dropped_length_m / 1000));
  row("WGS84 bbox", fmt("lon %.5f", r.lon_min) + fmt(" .. %.5f", r.lon_max) + fmt(", lat %.5f", r.lat_min) +
                        fmt(" .. %.5f", r.lat_max));
  row("load time", fmt("%.3f s", r.load_seconds) + (r.from_cache ? " (from cache)" : r.cache_file.empty() ? " (cache off)" : " (built; cached)"));
  if (!r.cache_file.empty()) row("cache file", r.cache_file);
}

namespace {

void print_json(const geo::LoadedNetwork& ln, const NetworkArgs& a) {
  const auto& r = ln.report;
  const auto& net = ln.network;
  nlohmann::json j;
  j["source"] = r.source;
  j["driver"] = r.driver;
  j["layer"] = r.layer;
  j["crs"] = {{"name", r.crs_name}, {"epsg", r.epsg}};
  j["nodes"] = net.node_count();
  j["edges"] = net.edge_count();
  j["length_km"] = net.total_length_m() / 1000;
  j["stairs_edges"] = r.stairs_edges;
  const auto& c = r.components;
  j["components"] = {{"count", c.components}, {"kept_largest", !a.all_components},
                     {"kept_nodes", c.kept_nodes}, {"kept_edges", c.kept_edges},
                     {"dropped_nodes", c.dropped_nodes}, {"dropped_edges", c.dropped_edges},
                     {"dropped_km", c.dropped_length_m / 1000}};
  nlohmann::json by = nlohmann::json::object();
  for (std::size_t i = 0; i < kRoadClassCount; ++i)
    if (r.length_by_class_m[i] > 0) by[std::string(name(static_cast<RoadClass>(i)))] = r.length_by_class_m[i] / 1000;
  j["length_by_class_km"] = by;
  j["features"] = {{"read", r.features_read}, {"walkable", r.features_walkable}};
  j["excluded"] = r.excluded;
  j["invalid_geometries"] = r.invalid_geometries;
  j["self_loops_dropped"] = r.self_loops_dropped;
  j["zero_length_dropped"] = r.zero_length_dropped;
  j["duplicate_edges_dropped"] = r.duplicate_edges_dropped;
  nlohmann::json ex = nlohmann::json::array();
  for (const auto& w : r.missing_nodes_examples)
    ex.push_back({{"way_id", w.way_id}, {"nodes_found", w.found}, {"nodes_listed", w.listed}});
  j["ways_missing_nodes"] = {{"cut_short", r.ways_cut_short}, {"dropped", r.ways_dropped_missing_nodes},
                             {"examples", ex}};
  j["bbox_wgs84"] = {r.lon_min, r.lat_min, r.lon_max, r.lat_max};
  j["load_seconds"] = r.load_seconds;
  j["from_cache"] = r.from_cache;
  j["cache_file"] = r.cache_file;
  j["export"] = a.export_path.empty() ? nlohmann::json() : nlohmann::json(a.export_path);
  std::printf("%s\n", j.dump(2).c_str());
}

}  // namespace

void add_network_command(CLI::App& app) {
  CLI::App* network = app.add_subcommand("network", "Inspect, convert and cache walkable road networks");
  network->require_subcommand(1);

  auto info_args = std::make_shared<NetworkArgs>();
  CLI::App* info = network->add_subcommand("info", "Load a network and report what was kept and dropped");
  add_load_options(*info, *info_args);
  info->add_flag("--json", info_args->json, "Print the report as JSON");
  info->add_option("--export", info_args->export_path, "Also write the network's edges (.gpkg/.geojson/.fgb/.shp)");
  info->callback([info_args] {
    const auto ln = load_network_with_progress(info_args->file, info_args->options());
    if (!info_args->export_path.empty()) geo::write_network(ln.network, info_args->export_path);
    if (info_args->json) print_json(ln, *info_args);
    else {
      print_network_report(ln, info_args->all_components);
      if (!info_args->export_path.empty()) row("exported to", info_args->export_path);
    }
  });

  auto export_args = std::make_shared<NetworkArgs>();
  CLI::App* exp = network->add_subcommand("export", "Load a network and write its edges as a line layer");
  add_load_options(*exp, *export_args);
  exp->add_option("OUT", export_args->out, "Output file: .gpkg, .geojson, .fgb or .shp")->required();
  exp->callback([export_args] {
    const auto ln = load_network_with_progress(export_args->file, export_args->options());
    geo::write_network(ln.network, export_args->out);
    std::printf("wrote %s edges (%.2f km) to %s\n", thousands(ln.network.edge_count()).c_str(),
                ln.network.total_length_m() / 1000, export_args->out.c_str());
  });
}

}  // namespace kitaku::app
