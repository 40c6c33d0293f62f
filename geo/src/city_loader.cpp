#include "kitaku/geo/city_loader.hpp"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <filesystem>

#include "kitaku/geo/demand.hpp"
#include "kitaku/geo/facilities.hpp"
#include "kitaku/geo/gdal_util.hpp"
#include "kitaku/geo/intensity_raster.hpp"
#include "kitaku/geo/sha256.hpp"
#include "kitaku/geo/synth.hpp"
#include "kitaku/sim/error.hpp"
#include "kitaku/sim/spatial_index.hpp"
#include "network_internal.hpp"

namespace kitaku::geo {
namespace {

double ring_area(const std::vector<Point>& r) {
  double a = 0;
  for (std::size_t i = 0, j = r.size() - 1; i < r.size(); j = i++) a += (r[j].x + r[i].x) * (r[j].y - r[i].y);
  return std::fabs(a) / 2;
}

double zone_area(const Zone& z) {
  double a = 0;
  for (std::size_t i = 0; i < z.rings.size(); ++i) a += (i == 0 ? 1 : -1) * ring_area(z.rings[i]);
  return a;
}

// Sutherland-Hodgman: clips a ring to an axis-aligned box.
std::vector<Point> clip_ring(const std::vector<Point>& ring, const BBox& b) {
  std::vector<Point> out = ring;
  auto clip = [&](auto inside, auto cross) {
    std::vector<Point> in;
    in.swap(out);
    for (std::size_t i = 0; i < in.size(); ++i) {
      const Point p = in[i], q = in[(i + 1) % in.size()];
      const bool pi = inside(p), qi = inside(q);
      if (pi) out.push_back(p);
      if (pi != qi) out.push_back(cross(p, q));
    }
  };
  auto at_x = [](Point p, Point q, double x) {
    const double f = (x - p.x) / (q.x - p.x);
    return Point{x, p.y + f * (q.y - p.y)};
  };
  auto at_y = [](Point p, Point q, double y) {
    const double f = (y - p.y) / (q.y - p.y);
    return Point{p.x + f * (q.x - p.x), y};
  };
  clip([&](Point p) { return p.x >= b.min_x; }, [&](Point p, Point q) { return at_x(p, q, b.min_x); });
  clip([&](Point p) { return p.x <= b.max_x; }, [&](Point p, Point q) { return at_x(p, q, b.max_x); });
  clip([&](Point p) { return p.y >= b.min_y; }, [&](Point p, Point q) { return at_y(p, q, b.min_y); });
  clip([&](Point p) { return p.y <= b.max_y; }, [&](Point p, Point q) { return at_y(p, q, b.max_y); });
  return out;
}

}  // namespace

void apply_capacity_overrides(const Scenario& sc, std::vector<Facility>& facilities, CityReport& rep) {
  for (const CapacityOverride& o : sc.city.capacity_overrides) {
    std::size_t hits = 0;
    for (Facility& f : facilities)
      if (f.name == o.name) {
        f.capacity = o.capacity;
        f.capacity_source = CapacitySource::kOverride;
        ++hits;
      }
    if (hits == 0)
      throw InputError(sc.origin, "[[facility_capacity]] name = \"" + o.name + "\"",
                       "names no facility of this city (names must match the file's exactly; facilities outside "
                       "clip_margin_m of the network are dropped before overrides apply)");
  }
  std::size_t by_kind[3] = {0, 0, 0};
  int cap_by_kind[3] = {0, 0, 0};
  rep.capacity_default = rep.capacity_override = 0;
  for (const Facility& f : facilities) {
    rep.capacity_override += f.capacity_source == CapacitySource::kOverride;
    if (!f.capacity_is_default()) continue;
    ++rep.capacity_default;
    ++by_kind[static_cast<int>(f.kind)];
    cap_by_kind[static_cast<int>(f.kind)] = f.capacity;
  }
  if (rep.capacity_default == 0) return;
  std::string line = std::to_string(rep.capacity_default) + " of " + std::to_string(facilities.size()) +
                     " facilities have no capacity in their file and use a default:";
  const char* sep = " ";
  if (by_kind[0]) {
    line += sep + std::to_string(by_kind[0]) + " temporary stay facilities at " + std::to_string(cap_by_kind[0]) +
            " persons (Tokyo's average, 471,270 places / 1,250 facilities)";
    sep = ", ";
  }
  if (by_kind[1])
    line += sep + std::to_string(by_kind[1]) + " designated shelters at " + std::to_string(cap_by_kind[1]) +
            " persons (judgement, [city] shelter_capacity)";
  line += "; set real ones with a capacity column or [[facility_capacity]] (docs/facilities.md, \"Capacities\")";
  rep.warnings.push_back(std::move(line));
}

CitySource resolve_synthetic(const CitySource& source, CityReport* report) {
  if (!source.synthetic()) return source;
  namespace fs = std::filesystem;
  CitySource city = source;
  const fs::path dir = fs::path(cache_dir()) / "synth";
  fs::create_directories(dir);
  char file[160];
  SynthOptions so;
  so.radius_km = city.synthetic_radius_km;
  so.seed = city.synthetic_seed;
  so.capacity_share = city.synthetic_capacity_share;
  if (city.synthetic_kind == "circle") {
    std::snprintf(file, sizeof file, "city-v%d-r%g-s%llu-c%g.gpkg", kSynthVersion, city.synthetic_radius_km,
                  static_cast<unsigned long long>(city.synthetic_seed), city.synthetic_capacity_share);
  } else {
    // The mesh files' contents are part of the name: an edited mesh is a new city.
    so.kind = city.synthetic_kind;
    so.mesh_polygons = city.zones;
    so.mesh_population = city.population_csv;
    const std::string id = sha256_hex(sha256_file(city.zones) + sha256_file(city.population_csv)).substr(0, 12);
    std::snprintf(file, sizeof file, "city-v%d-%s-r%g-s%llu-c%g-m%s.gpkg", kSynthVersion, city.synthetic_kind.c_str(),
                  city.synthetic_radius_km, static_cast<unsigned long long>(city.synthetic_seed),
                  city.synthetic_capacity_share, id.c_str());
  }
  city.network = (dir / file).string();
  city.network_layer = "roads";
  city.facilities = city.stations = city.zones = city.network;
  city.population_csv.clear();  // the metropolis's mesh people are in its zones layer
  if (!fs::exists(city.network)) {
    const auto t0 = std::chrono::steady_clock::now();
    write_synthetic_city(city.network, so);
    if (report) {
      report->generated_synthetic = true;
      report->generate_seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    }
  }
  return city;
}

LoadedCity load_city(const Scenario& sc, const ProgressFn& network_progress) {
  LoadedCity out;
  const CitySource src = resolve_synthetic(sc.city, &out.report);
  const bool synth = sc.city.synthetic();
  out.report.network_path = src.network;
  ImportOptions io;
  io.layer = src.network_layer;
  io.target_epsg = src.crs_epsg;
  io.progress = network_progress;
  out.network = load_network(src.network, io);
  const Network& net = out.network.network;
  const std::string& crs = net.crs_wkt();

  BBox box = net.bbox();
  const double m = src.clip_margin_m;
  const bool clip = m > 0;
  box.min_x -= m;
  box.min_y -= m;
  box.max_x += m;
  box.max_y += m;
  auto& rep = out.report;

  // Keep those within the margin of the network itself, not just of its box: a
  // box around a real extract also covers water and land with no streets.
  const auto clip_points = [&](std::vector<Facility>& v) {
    if (!clip) return;
    // A point farther than the limit from the network's box is farther from every
    // edge: dropped without a nearest-edge search (which is slow for the islands,
    // hundreds of km out, that Tokyo-wide lists include).
    BBox near = net.bbox();
    const double d = src.facility_snap_max_m;
    near.min_x -= d;
    near.min_y -= d;
    near.max_x += d;
    near.max_y += d;
    std::erase_if(v, [&](const Facility& f) {
      return f.pos.x < near.min_x || f.pos.x > near.max_x || f.pos.y < near.min_y || f.pos.y > near.max_y;
    });
    const SpatialIndex index(net);
    std::erase_if(v, [&](const Facility& f) { return index.nearest_edge(f.pos).dist > src.facility_snap_max_m; });
  };
  if (!src.facilities.empty()) {
    PointSourceOptions fo;
    if (synth) fo.layer = "facilities";
    auto fac = load_facilities(src.facilities, crs, fo);
    rep.facilities_read = fac.size();
    clip_points(fac);
    rep.facilities_clipped = rep.facilities_read - fac.size();
    out.city.facilities = std::move(fac);
  }
  if (!src.shelters.empty()) {
    PointSourceOptions so;
    so.kind = FacilityKind::kDesignatedShelter;
    so.default_capacity = src.shelter_capacity;
    auto sh = load_facilities(src.shelters, crs, so);
    rep.shelters_read = sh.size();
    clip_points(sh);
    // A building listed as both (a school that is a temporary stay facility and a
    // shelter) is one facility: the temporary stay facility's.
    const std::size_t before = sh.size();
    std::erase_if(sh, [&](const Facility& s) {
      return std::any_of(out.city.facilities.begin(), out.city.facilities.end(), [&](const Facility& f) {
        return f.name == s.name && std::hypot(f.pos.x - s.pos.x, f.pos.y - s.pos.y) < 100;
      });
    });
    rep.shelters_duplicate = before - sh.size();
    rep.shelters_kept = sh.size();
    rep.facilities_read += rep.shelters_read;
    rep.facilities_clipped += rep.shelters_read - before;
    for (auto& s : sh) out.city.facilities.push_back(std::move(s));
  }
  if (!src.evacuation_sites.empty()) {
    PointSourceOptions eo;
    eo.kind = FacilityKind::kEvacuationSite;
    eo.default_capacity = 0;  // not a place to stay: no places (docs/facilities.md, "Kinds")
    auto ev = load_facilities(src.evacuation_sites, crs, eo);
    rep.evacuation_sites_read = ev.size();
    clip_points(ev);
    out.city.evacuation_sites = std::move(ev);
  }
  apply_capacity_overrides(sc, out.city.facilities, rep);
  if (!src.stations.empty()) {
    PointSourceOptions so;
    if (synth) so.layer = "stations";
    auto st = load_stations(src.stations, crs, so);
    rep.stations_read = st.size();
    if (clip) {
      const SpatialIndex index(net);
      std::erase_if(st, [&](const Station& s) { return index.nearest_edge(s.pos).dist > m; });
    }
    rep.stations_clipped = rep.stations_read - st.size();
    out.city.stations = std::move(st);
  }
  if (!src.zones.empty()) {
    std::vector<Zone> zones = src.population_csv.empty()
                                  ? load_zones(src.zones, crs, synth ? "zones" : "")
                                  : load_mesh_zones(src.zones, src.population_csv, crs, nullptr,
                                                    sc.quake.day == DayType::kHoliday);
    rep.zones_read = zones.size();
    for (const auto& z : zones) rep.population_read += z.day_population;
    if (clip) {
      // Keep the part of each zone inside the network's box, with its share of the people.
      std::vector<Zone> kept;
      for (auto& z : zones) {
        const double before = zone_area(z);
        Zone c = z;
        c.rings.clear();
        for (std::size_t i = 0; i < z.rings.size(); ++i) {
          auto r = clip_ring(z.rings[i], box);
          if (r.size() >= 3) c.rings.push_back(std::move(r));
          else if (i == 0) break;
        }
        if (c.rings.empty() || before <= 0) continue;
        const double share = std::clamp(zone_area(c) / before, 0.0, 1.0);
        if (share <= 1e-6) continue;
        c.day_population *= share;
        c.night_population *= share;
        double cx = 0, cy = 0;
        for (const auto& p : c.rings[0]) cx += p.x, cy += p.y;
        c.centroid = {cx / c.rings[0].size(), cy / c.rings[0].size()};
        kept.push_back(std::move(c));
      }
      zones.swap(kept);
    }
    rep.zones_clipped = rep.zones_read - zones.size();
    for (const auto& z : zones) rep.population_kept += z.day_population;
    out.city.zones = std::move(zones);
  }
  // Explicit demand (docs/scenario-format.md, "Trips"; docs/crowdwalk.md).
  const PopulationParams& pp = sc.population;
  TripOptions to;
  to.persons_per_agent = pp.persons_per_agent > 0 ? pp.persons_per_agent : 1.0;
  to.quake_clock_s = sc.quake.clock_s;
  if (pp.source == "trips") {
    out.city.trips = load_trips(pp.trips, net, to);
  } else if (pp.source == "crowdwalk") {
    if (!netimport::looks_like_crowdwalk(src.network))
      throw InputError(sc.origin, "[population] source", "\"crowdwalk\" needs a CrowdWalk map as [city] network, not " +
                                                             src.network);
    out.city.trips = load_crowdwalk_generation(pp.generation, src.network, to, sc.seed);
  }
  const SeismicParams& seismic = sc.hazards.seismic;
  if (seismic.enabled && !seismic.intensity_raster.empty())
    out.city.intensity = read_intensity_raster(seismic.intensity_raster, crs, net.bbox());
  if (!out.city.facilities.empty()) {
    const SpatialIndex index(net);
    const auto snap = snap_facilities(out.city.facilities, index, src.facility_snap_max_m);
    rep.snap_max_m = snap.max_dist_m;
    rep.snap_mean_m = snap.mean_dist_m;
    if (!snap.far.empty()) {
      const auto& f = out.city.facilities[snap.far.front()];
      char buf[256];
      std::snprintf(buf, sizeof buf, "facility '%s' is %.0f m from the network (limit %.0f m; %zu such)",
                    f.name.c_str(), snap.hits[snap.far.front()].dist, src.facility_snap_max_m, snap.far.size());
      throw InputError(f.kind == FacilityKind::kDesignatedShelter ? src.shelters : src.facilities, "row " + std::to_string(f.source_id),
                       std::string(buf) + "; set [city] clip_margin_m to drop facilities outside the network, or facility_snap_max_m");
    }
  }
  return out;
}

}  // namespace kitaku::geo
