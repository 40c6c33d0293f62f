// kitaku facilities info|stations|zones: what a facility, station or zone source holds,
// and with --network how well the facilities sit on the walking network.
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "commands.hpp"
#include "format.hpp"
#include "kitaku/geo/facilities.hpp"
#include "kitaku/geo/gdal_util.hpp"
#include "kitaku/geo/network_import.hpp"
#include "kitaku/sim/spatial_index.hpp"

namespace kitaku::app {
namespace {

std::string fixed(double v, int decimals = 1) {
  if (!std::isfinite(v)) return "inf";
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.*f", decimals, v);
  return buf;
}

std::string or_none(const std::string& s, const std::string& none = "(none)") { return s.empty() ? none : s; }

// The target CRS for sources read without a network: --crs, else "" (UTM zone of the data).
std::string crs_wkt_from_epsg(int epsg, const std::string& option) {
  return epsg <= 0 ? std::string() : geo::wkt2(geo::srs_from_epsg(epsg, option));
}

struct PointFlags {
  geo::PointSourceOptions opt;
  std::string file;
  int crs = 0;
  std::size_t top = 10;
  bool json = false;
};

void add_point_flags(CLI::App* cmd, PointFlags& f) {
  cmd->add_option("--name-field", f.opt.name_field, "Field holding the name (default: auto-detected)");
  cmd->add_option("--lat-field", f.opt.lat_field, "Latitude column (default: lat, latitude, 緯度, y)");
  cmd->add_option("--lon-field", f.opt.lon_field, "Longitude column (default: lon, lng, long, longitude, 経度, x)");
  cmd->add_option("--top", f.top, "How many rows the top lists print")->capture_default_str();
  cmd->add_flag("--json", f.json, "Print JSON instead of text");
}

struct FacilityFlags : PointFlags {
  std::string network, network_layer, cache_dir;
  bool no_cache = false;
  double threshold = 200;
};

void run_facilities_info(const FacilityFlags& f) {
  geo::PointSourceReport rep;
  std::unique_ptr<geo::LoadedNetwork> net;
  std::string crs_wkt = crs_wkt_from_epsg(f.crs, "--crs");
  if (!f.network.empty()) {
    geo::ImportOptions io;
    io.layer = f.network_layer;
    io.target_epsg = f.crs;
    io.use_cache = !f.no_cache;
    io.cache_dir = f.cache_dir;
    net = std::make_unique<geo::LoadedNetwork>(load_network_with_progress(f.network, io));
    crs_wkt = net->network.crs_wkt();
  }
  const auto facilities = geo::load_facilities(f.file, crs_wkt, f.opt, rep);

  struct Area { std::string name; std::size_t count = 0; long long capacity = 0; };
  std::map<std::string, Area> by_area;
  long long total = 0;
  double lon0 = 180, lon1 = -180, lat0 = 90, lat1 = -90;
  for (const auto& x : facilities) {
    total += x.capacity;
    Area& a = by_area[x.area];
    a.name = x.area.empty() ? "(unknown)" : x.area;
    ++a.count;
    a.capacity += x.capacity;
    lon0 = std::min(lon0, x.lon); lon1 = std::max(lon1, x.lon);
    lat0 = std::min(lat0, x.lat); lat1 = std::max(lat1, x.lat);
  }
  std::vector<Area> areas;
  for (auto& [k, a] : by_area) areas.push_back(a);
  std::stable_sort(areas.begin(), areas.end(), [](const Area& a, const Area& b) {
    return a.capacity != b.capacity ? a.capacity > b.capacity : a.count > b.count;
  });

  std::unique_ptr<SpatialIndex> index;
  geo::SnapResult snap;
  if (net) {
    index = std::make_unique<SpatialIndex>(net->network);
    snap = geo::snap_facilities(facilities, *index, f.threshold);
  }

  if (f.json) {
    nlohmann::json j;
    j["source"] = f.file;
    j["driver"] = rep.driver;
    j["layer"] = rep.layer;
    j["fields"] = {{"name", rep.name_field}, {"capacity", rep.capacity_field}, {"area", rep.area_field},
                   {"area_from_address", rep.area_from_address}, {"lat", rep.lat_field}, {"lon", rep.lon_field},
                   {"from_geometry", rep.from_geometry}};
    j["source_crs"] = rep.source_crs;
    j["crs"] = rep.target_crs;
    j["facilities"] = facilities.size();
    j["blank_rows_skipped"] = rep.blank_rows;
    j["capacity_total"] = total;
    j["capacity_defaulted"] = rep.capacity_defaulted;
    j["default_capacity"] = f.opt.default_capacity;
    j["bbox_wgs84"] = {lon0, lat0, lon1, lat1};
    j["by_area"] = nlohmann::json::array();
    for (const auto& a : areas)
      j["by_area"].push_back({{"area", a.name}, {"facilities", a.count}, {"capacity", a.capacity}});
    if (net) {
      j["network"] = {{"source", f.network}, {"edges", net->network.edge_count()},
                      {"nodes", net->network.node_count()}, {"length_m", net->network.total_length_m()},
                      {"crs", net->report.crs_name}, {"epsg", net->network.epsg()}};
      auto finite = [](double v) { return std::isfinite(v) ? nlohmann::json(v) : nlohmann::json(nullptr); };
      nlohmann::json far = nlohmann::json::array();
      for (std::size_t i : snap.far)
        far.push_back({{"name", facilities[i].name}, {"area", facilities[i].area},
                       {"source_id", facilities[i].source_id}, {"distance_m", finite(snap.hits[i].dist)},
                       {"lon", facilities[i].lon}, {"lat", facilities[i].lat}});
      j["snap"] = {{"threshold_m", snap.threshold_m}, {"max_m", finite(snap.max_dist_m)},
                   {"mean_m", finite(snap.mean_dist_m)}, {"p95_m", finite(snap.p95_dist_m)},
                   {"far_count", snap.far.size()}, {"far", far}};
    }
    std::printf("%s\n", j.dump(2).c_str());
    return;
  }

  std::printf("source      %s (%s, layer %s)\n", f.file.c_str(), rep.driver.c_str(), rep.layer.c_str());
  std::printf("fields      name: %s; capacity: %s; area: %s%s; position: %s\n", or_none(rep.name_field).c_str(),
              or_none(rep.capacity_field, "(none, default used)").c_str(), or_none(rep.area_field).c_str(),
              rep.area_from_address ? " (ward/city prefix of the address)" : "",
              rep.from_geometry ? ("point geometry, " + rep.source_crs).c_str()
                                : (rep.lat_field + " / " + rep.lon_field + " (WGS84)").c_str());
  std::printf("facilities  %s", thousands(static_cast<double>(facilities.size())).c_str());
  if (rep.blank_rows) std::printf(" (%zu blank rows skipped)", rep.blank_rows);
  std::printf("\ncapacity    %s persons", thousands(static_cast<double>(total)).c_str());
  if (rep.capacity_defaulted == facilities.size())
    std::printf(" (all defaulted: %d per facility, Tokyo's 471,270 places / 1,250 facilities)\n", f.opt.default_capacity);
  else if (rep.capacity_defaulted)
    std::printf(" (%zu of %zu defaulted to %d)\n", rep.capacity_defaulted, facilities.size(), f.opt.default_capacity);
  else
    std::printf(" (all from the source)\n");
  std::printf("extent      %.4f-%.4f E, %.4f-%.4f N\n", lon0, lon1, lat0, lat1);
  std::printf("CRS         %s\n", rep.target_crs.c_str());
  std::printf("capacity by area (top %zu of %zu):\n", std::min(f.top, areas.size()), areas.size());
  for (std::size_t i = 0; i < areas.size() && i < f.top; ++i)
    std::printf("  %9s persons  %4zu facilities  %s\n", thousands(static_cast<double>(areas[i].capacity)).c_str(),
                areas[i].count, areas[i].name.c_str());
  if (!net) return;
  std::printf("network     %s: %s edges, %s nodes, %s km, %s\n", f.network.c_str(),
              thousands(static_cast<double>(net->network.edge_count())).c_str(),
              thousands(static_cast<double>(net->network.node_count())).c_str(),
              fixed(net->network.total_length_m() / 1000).c_str(), net->report.crs_name.c_str());
  std::printf("snapping    to the nearest edge: max %s m, mean %s m, p95 %s m; %s of %s within %s m\n",
              fixed(snap.max_dist_m).c_str(), fixed(snap.mean_dist_m).c_str(), fixed(snap.p95_dist_m).c_str(),
              thousands(static_cast<double>(facilities.size() - snap.far.size())).c_str(),
              thousands(static_cast<double>(facilities.size())).c_str(), fixed(snap.threshold_m, 0).c_str());
  if (snap.far.empty()) {
    return;
  }
  std::printf("WARNING: %s of %s facilities are farther than %s m from the network (outside it, or the network "
              "misses their street):\n",
              thousands(static_cast<double>(snap.far.size())).c_str(), thousands(static_cast<double>(facilities.size())).c_str(),
              fixed(snap.threshold_m, 0).c_str());
  std::printf("  %12s  name (area, source id)\n", "distance m");
  for (std::size_t i : snap.far)
    std::printf("  %12s  %s (%s, %lld)\n", fixed(snap.hits[i].dist).c_str(), or_none(facilities[i].name, "(unnamed)").c_str(),
                or_none(facilities[i].area, "-").c_str(), static_cast<long long>(facilities[i].source_id));
}

void run_stations(const PointFlags& f) {
  geo::PointSourceReport rep;
  const auto stations = geo::load_stations(f.file, crs_wkt_from_epsg(f.crs, "--crs"), f.opt, rep);
  double total = 0;
  std::vector<const Station*> order;
  for (const auto& s : stations) { total += s.daily_riders; order.push_back(&s); }
  std::stable_sort(order.begin(), order.end(),
                   [](const Station* a, const Station* b) { return a->daily_riders > b->daily_riders; });
  if (f.json) {
    nlohmann::json j;
    j["source"] = f.file;
    j["driver"] = rep.driver;
    j["layer"] = rep.layer;
    j["fields"] = {{"name", rep.name_field}, {"riders", rep.riders_field}, {"lat", rep.lat_field},
                   {"lon", rep.lon_field}, {"from_geometry", rep.from_geometry}};
    j["crs"] = rep.target_crs;
    j["stations"] = stations.size();
    j["daily_riders_total"] = total;
    j["top"] = nlohmann::json::array();
    for (std::size_t i = 0; i < order.size() && i < f.top; ++i)
      j["top"].push_back({{"name", order[i]->name}, {"daily_riders", order[i]->daily_riders},
                          {"lon", order[i]->lon}, {"lat", order[i]->lat}});
    std::printf("%s\n", j.dump(2).c_str());
    return;
  }
  std::printf("source      %s (%s, layer %s)\n", f.file.c_str(), rep.driver.c_str(), rep.layer.c_str());
  std::printf("fields      name: %s; daily riders: %s; position: %s\n", or_none(rep.name_field).c_str(),
              rep.riders_field.c_str(),
              rep.from_geometry ? ("point geometry, " + rep.source_crs).c_str()
                                : (rep.lat_field + " / " + rep.lon_field + " (WGS84)").c_str());
  std::printf("stations    %s\n", thousands(static_cast<double>(stations.size())).c_str());
  std::printf("riders      %s per day\n", thousands(total).c_str());
  std::printf("CRS         %s\n", rep.target_crs.c_str());
  std::printf("busiest (top %zu):\n", std::min(f.top, order.size()));
  for (std::size_t i = 0; i < order.size() && i < f.top; ++i)
    std::printf("  %11s  %s\n", thousands(order[i]->daily_riders).c_str(), or_none(order[i]->name, "(unnamed)").c_str());
}

struct ZoneFlags {
  std::string file, population, layer;
  int crs = 0;
  bool json = false;
};

void run_zones(const ZoneFlags& f) {
  const std::string crs_wkt = crs_wkt_from_epsg(f.crs, "--crs");
  std::vector<Zone> zones;
  geo::ZoneSourceReport zrep;
  geo::MeshJoinReport mrep;
  if (f.population.empty()) zones = geo::load_zones(f.file, crs_wkt, f.layer, zrep);
  else zones = geo::load_mesh_zones(f.file, f.population, crs_wkt, &mrep);
  const bool mesh = !f.population.empty();
  double day = 0, night = 0;
  std::array<double, kHomeBands> share{};
  BBox box;
  for (const auto& z : zones) {
    day += z.day_population;
    night += z.night_population;
    for (std::size_t b = 0; b < kHomeBands; ++b) share[b] += z.day_population * z.home_share[b];
    for (const auto& ring : z.rings)
      for (const auto& p : ring) box.extend(p);
  }
  for (auto& s : share) s = day > 0 ? s / day : 0;
  const bool default_shares = mesh || !zrep.shares_from_fields;
  const std::string source_crs = mesh ? mrep.source_crs : zrep.source_crs;
  const std::string target_crs = mesh ? mrep.target_crs : zrep.target_crs;
  if (f.json) {
    nlohmann::json j;
    j["source"] = f.file;
    if (mesh) {
      j["population_csv"] = f.population;
      j["mesh_join"] = {{"polygons", mrep.polygons}, {"polygons_without_population", mrep.polygons_without_population},
                        {"csv_rows", mrep.csv_rows}, {"weekday_rows", mrep.weekday_rows},
                        {"day_meshes", mrep.day_meshes}, {"night_meshes", mrep.night_meshes},
                        {"meshes_from_code", mrep.meshes_from_code}};
    } else {
      j["driver"] = zrep.driver;
      j["layer"] = zrep.layer;
      j["id_field"] = zrep.id_field;
    }
    j["source_crs"] = source_crs;
    j["crs"] = target_crs;
    j["zones"] = zones.size();
    j["day_population"] = day;
    j["night_population"] = night;
    j["home_shares_default"] = default_shares;
    j["home_share_day_weighted"] = share;
    j["bbox"] = {box.min_x, box.min_y, box.max_x, box.max_y};
    std::printf("%s\n", j.dump(2).c_str());
    return;
  }
  if (mesh) {
    std::printf("source      %s joined with %s\n", f.file.c_str(), f.population.c_str());
    auto g = [](std::size_t v) { return thousands(static_cast<double>(v)); };
    std::printf("mesh join   %s polygons (%s without weekday population: not zones); %s CSV rows, %s weekday "
                "day/night; %s meshes squared from their code (absent from the polygons)\n",
                g(mrep.polygons).c_str(), g(mrep.polygons_without_population).c_str(), g(mrep.csv_rows).c_str(),
                g(mrep.weekday_rows).c_str(), g(mrep.meshes_from_code).c_str());
    std::printf("            %s meshes with a weekday daytime value, %s with a night value\n",
                g(mrep.day_meshes).c_str(), g(mrep.night_meshes).c_str());
  } else {
    std::printf("source      %s (%s, layer %s; ids: %s)\n", f.file.c_str(), zrep.driver.c_str(), zrep.layer.c_str(),
                or_none(zrep.id_field, "feature ids").c_str());
  }
  std::printf("zones       %s\n", thousands(static_cast<double>(zones.size())).c_str());
  std::printf("day         %s persons (weekday daytime)\n", thousands(day).c_str());
  std::printf("night       %s persons\n", thousands(night).c_str());
  std::printf("home bands  %s:", default_shares ? "default shares" : "day-weighted shares");
  for (std::size_t b = 0; b < kHomeBands; ++b) {
    const double lo = kHomeBandEdgesKm[b], hi = kHomeBandEdgesKm[b + 1];
    const std::string band = hi > 1e8 ? fixed(lo, 0) + "+" : fixed(lo, 0) + "-" + fixed(hi, 0);
    std::printf(" %s km %.3f%s", band.c_str(), share[b], b + 1 < kHomeBands ? "," : "\n");
  }
  std::printf("CRS         source %s; zones in %s\n", source_crs.c_str(), target_crs.c_str());
  std::printf("extent      %s x %s km\n", fixed((box.max_x - box.min_x) / 1000).c_str(),
              fixed((box.max_y - box.min_y) / 1000).c_str());
}

}  // namespace

void add_facilities_command(CLI::App& app) {
  auto* cmd = app.add_subcommand("facilities", "Facility, station and population-zone sources: what they hold");
  cmd->require_subcommand(1);

  auto ff = std::make_shared<FacilityFlags>();
  auto* info = cmd->add_subcommand("info", "Temporary stay facilities: count, capacity by area, snapping to a network");
  info->add_option("FILE", ff->file, "GeoPackage, GeoJSON, CSV with lat/lon, or JSON array of records")->required();
  info->add_option("--network", ff->network, "Walking network to snap the facilities to (any source `kitaku network info` reads)");
  info->add_option("--crs", ff->crs, "EPSG code to project into (default: the network's, else a projected source CRS, else the UTM zone of the data)");
  info->add_option("--layer", ff->network_layer, "Layer of the network source");
  info->add_flag("--no-cache", ff->no_cache, "Neither read nor write the binary network cache");
  info->add_option("--cache-dir", ff->cache_dir, "Network cache folder (default: $KITAKU_CACHE_DIR or ~/.cache/kitaku)");
  info->add_option("--facility-layer", ff->opt.layer, "Layer of FILE (default: 'facilities', else the first point layer)");
  info->add_option("--snap-threshold", ff->threshold, "Warn about facilities farther than this from the network (m)")
      ->capture_default_str()->check(CLI::NonNegativeNumber);
  info->add_option("--capacity-field", ff->opt.capacity_field, "Field holding the capacity (default: auto-detected)");
  info->add_option("--area-field", ff->opt.area_field, "Field holding the ward/area (default: auto, else address prefix)");
  info->add_option("--default-capacity", ff->opt.default_capacity, "Capacity when the source has none")
      ->capture_default_str();
  add_point_flags(info, *ff);
  info->callback([ff] { run_facilities_info(*ff); });

  auto sf = std::make_shared<PointFlags>();
  auto* st = cmd->add_subcommand("stations", "Stations: count, daily riders, the busiest");
  st->add_option("FILE", sf->file, "GeoPackage, GeoJSON, CSV with lat/lon, or JSON array of records")->required();
  st->add_option("--layer", sf->opt.layer, "Layer of FILE (default: 'stations', else the first point layer)");
  st->add_option("--riders-field", sf->opt.riders_field, "Field holding daily riders (default: auto-detected)");
  st->add_option("--crs", sf->crs, "EPSG code to project into (default: a projected source CRS, else the UTM zone of the data)");
  add_point_flags(st, *sf);
  st->callback([sf] { run_stations(*sf); });

  auto zf = std::make_shared<ZoneFlags>();
  auto* zs = cmd->add_subcommand("zones", "Population zones: count, day/night population, home bands, CRS");
  zs->add_option("FILE", zf->file, "Polygon layer with zone_id, day_pop, night_pop[, home_* shares], or 1 km mesh polygons")
      ->required();
  zs->add_option("--population", zf->population, "MLIT 1 km mesh population CSV to join with FILE's mesh polygons");
  zs->add_option("--layer", zf->layer, "Layer of FILE (default: 'zones', else the first polygon layer)");
  zs->add_option("--crs", zf->crs, "EPSG code to project into (default: a projected source CRS, else the UTM zone of the zones)");
  zs->add_flag("--json", zf->json, "Print JSON instead of text");
  zs->callback([zf] { run_zones(*zf); });
}

}  // namespace kitaku::app
