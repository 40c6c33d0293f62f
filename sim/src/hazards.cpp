#include "kitaku/sim/hazards.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <queue>
#include <sstream>
#include <stdexcept>
#include <string>
#include <utility>

#include "kitaku/sim/error.hpp"
#include "kitaku/sim/rng.hpp"

namespace kitaku {
namespace {

constexpr double kPi = 3.14159265358979323846;
constexpr double kDeg = kPi / 180.0;
constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();
constexpr double kInf = std::numeric_limits<double>::infinity();
// Upwind, a fire still creeps at this share of its windless speed (judgement).
constexpr double kMinSpreadFactor = 0.2;
// Fire grids larger than this are refused: cell_m is too small for the network.
constexpr std::size_t kMaxFireCells = 16'000'000;

double normal_cdf(double z) { return 0.5 * std::erfc(-z / std::sqrt(2.0)); }

// The point half-way along an edge's polyline.
Point midpoint(const Network& net, EdgeId e) {
  const auto g = net.geometry(e);
  double total = 0;
  for (std::size_t i = 0; i + 1 < g.size(); ++i) total += distance(g[i], g[i + 1]);
  double left = total / 2;
  for (std::size_t i = 0; i + 1 < g.size(); ++i) {
    const double len = distance(g[i], g[i + 1]);
    if (left <= len && len > 0) {
      const double t = left / len;
      return {g[i].x + t * (g[i + 1].x - g[i].x), g[i].y + t * (g[i + 1].y - g[i].y)};
    }
    left -= len;
  }
  return g.empty() ? Point{} : g.back();
}

std::string num(double v) {
  std::ostringstream s;
  s.precision(10);
  s << v;
  return s.str();
}

Command hazard_command(std::int64_t t, CommandType type) {
  Command c;
  c.time_s = t;
  c.type = type;
  c.source = "hazard";
  return c;
}

// The fire grid over the network's bounding box.
struct FireGrid {
  double x0 = 0, y0 = 0, cell = 100;
  std::size_t nx = 1, ny = 1;
  std::size_t size() const { return nx * ny; }
  bool cell_of(Point p, std::size_t& out) const {
    const double fx = std::floor((p.x - x0) / cell), fy = std::floor((p.y - y0) / cell);
    if (!(fx >= 0 && fy >= 0 && fx < static_cast<double>(nx) && fy < static_cast<double>(ny))) return false;
    out = static_cast<std::size_t>(fy) * nx + static_cast<std::size_t>(fx);
    return true;
  }
  Point centre(std::size_t c) const {
    return {x0 + (static_cast<double>(c % nx) + 0.5) * cell, y0 + (static_cast<double>(c / nx) + 0.5) * cell};
  }
};

void plan_fire(const Network& net, const City& city, const Scenario& sc, std::uint64_t seed, bool has_seismic,
               std::int64_t duration_s, HazardPlan& plan, std::vector<Command>& out) {
  const FireParams& f = sc.hazards.fire;
  const BBox box = net.bbox();
  if (box.empty()) return;
  FireGrid g;
  g.cell = f.cell_m;
  g.x0 = box.min_x;
  g.y0 = box.min_y;
  g.nx = std::max<std::size_t>(1, static_cast<std::size_t>(std::ceil((box.max_x - box.min_x) / g.cell)));
  g.ny = std::max<std::size_t>(1, static_cast<std::size_t>(std::ceil((box.max_y - box.min_y) / g.cell)));
  // A point on the box's upper or right edge falls just outside ceil(); give it a cell.
  if (g.x0 + static_cast<double>(g.nx) * g.cell <= box.max_x) ++g.nx;
  if (g.y0 + static_cast<double>(g.ny) * g.cell <= box.max_y) ++g.ny;
  if (static_cast<double>(g.nx) * static_cast<double>(g.ny) > static_cast<double>(kMaxFireCells))
    throw InputError(sc.origin, "[fire] cell_m",
                     "a fire grid of " + num(g.cell) + " m cells over the network would have " +
                         num(static_cast<double>(g.nx) * static_cast<double>(g.ny)) +
                         " cells (at most 16 million); use larger cells");
  const std::size_t n_cells = g.size();

  // Building-count proxy: road length per cell (each segment cut into pieces of at most
  // a quarter cell, each counted in the cell of its middle). Serial, so sums are exact
  // in a fixed order.
  std::vector<double> road_m(n_cells, 0.0);
  const double piece = g.cell / 4;
  for (std::uint32_t e = 0; e < net.edge_count(); ++e) {
    const auto geo = net.geometry(EdgeId{e});
    for (std::size_t i = 0; i + 1 < geo.size(); ++i) {
      const double len = distance(geo[i], geo[i + 1]);
      if (len <= 0) continue;
      const auto k = static_cast<std::size_t>(std::ceil(len / piece));
      for (std::size_t j = 0; j < k; ++j) {
        const double t = (static_cast<double>(j) + 0.5) / static_cast<double>(k);
        std::size_t c;
        if (g.cell_of({geo[i].x + t * (geo[i + 1].x - geo[i].x), geo[i].y + t * (geo[i + 1].y - geo[i].y)}, c))
          road_m[c] += len / static_cast<double>(k);
      }
    }
  }
  std::vector<double> buildings(n_cells);
  double mean_buildings = 0;
  for (std::size_t c = 0; c < n_cells; ++c) {
    buildings[c] = road_m[c] / 1000.0 * f.buildings_per_km_road;
    mean_buildings += buildings[c];
  }
  mean_buildings /= static_cast<double>(n_cells);

  std::vector<double> ignite(n_cells, kInf);  // earliest fire arrival (s)
  std::vector<std::int8_t> burnable(n_cells, -1);  // -1: not drawn yet
  for (const Point& p : f.ignitions) {
    std::size_t c;
    if (!g.cell_of(p, c))
      throw InputError(sc.origin, "[fire] ignition",
                       "point (" + num(p.x) + ", " + num(p.y) + ") lies outside the network's extent (x " +
                           num(box.min_x) + " to " + num(box.max_x) + ", y " + num(box.min_y) + " to " +
                           num(box.max_y) + ")");
    ignite[c] = 0;
    burnable[c] = 1;  // a given fire burns its cell whatever the cell holds
  }
  if (f.ignition_rate_per_km2 > 0 && has_seismic && mean_buildings > 0) {
    const double cell_km2 = g.cell * g.cell / 1e6;
    const double window_s = f.ignition_window_min * 60.0;
    for (std::size_t c = 0; c < n_cells; ++c) {
      if (buildings[c] <= 0) continue;
      const Point centre = g.centre(c);
      double i = city.intensity.empty() ? source_intensity(sc.hazards.seismic, centre)
                                        : sample_intensity(city.intensity, centre) + sc.hazards.seismic.intensity_offset;
      if (!std::isfinite(i)) continue;
      const double lambda = f.ignition_rate_per_km2 * cell_km2 * fire_ignition_factor(i) * buildings[c] / mean_buildings;
      if (lambda <= 0) continue;
      Rng r(seed, c, 0, Purpose::kFireIgnition);
      if (r.uniform() < -std::expm1(-lambda)) {
        ignite[c] = std::min(ignite[c], r.uniform() * window_s);
        burnable[c] = 1;
      }
    }
  }

  // Spread: earliest arrival over the 8-neighbour cell graph (Dijkstra, ties by cell index).
  // A cell reached by fire burns with the cluster method's probability 1 - exp(-n p).
  const auto can_burn = [&](std::size_t c) {
    if (burnable[c] < 0) {
      const double p = -std::expm1(-buildings[c] * f.catch_p);
      burnable[c] = buildings[c] > 0 && Rng(seed, c, 0, Purpose::kFireCatch).uniform() < p ? 1 : 0;
    }
    return burnable[c] == 1;
  };
  using Item = std::pair<double, std::size_t>;
  std::priority_queue<Item, std::vector<Item>, std::greater<>> queue;
  for (std::size_t c = 0; c < n_cells; ++c)
    if (ignite[c] < kInf) queue.emplace(ignite[c], c);
  std::vector<std::uint8_t> done(n_cells, 0);
  std::vector<std::size_t> burnt;
  const double horizon = static_cast<double>(duration_s);
  while (!queue.empty()) {
    const auto [t, c] = queue.top();
    queue.pop();
    if (done[c] || t > ignite[c]) continue;
    if (t > horizon) break;
    done[c] = 1;
    burnt.push_back(c);
    const auto cx = static_cast<long long>(c % g.nx), cy = static_cast<long long>(c / g.nx);
    for (int dy = -1; dy <= 1; ++dy)
      for (int dx = -1; dx <= 1; ++dx) {
        if (dx == 0 && dy == 0) continue;
        const long long bx = cx + dx, by = cy + dy;
        if (bx < 0 || by < 0 || bx >= static_cast<long long>(g.nx) || by >= static_cast<long long>(g.ny)) continue;
        const auto b = static_cast<std::size_t>(by) * g.nx + static_cast<std::size_t>(bx);
        if (done[b] || !can_burn(b)) continue;
        const double ddx = dx * g.cell, ddy = dy * g.cell;
        const double tb = t + std::hypot(ddx, ddy) / fire_spread_speed_ms(f, ddx, ddy);
        if (tb < ignite[b]) {
          ignite[b] = tb;
          queue.emplace(tb, b);
        }
      }
  }

  std::vector<std::vector<std::int64_t>> facilities_in(n_cells);
  for (std::size_t i = 0; i < city.facilities.size(); ++i) {
    std::size_t c;
    if (g.cell_of(city.facilities[i].pos, c)) facilities_in[c].push_back(static_cast<std::int64_t>(i));
  }
  const double radius = g.cell * std::sqrt(2.0) / 2;
  const auto burn_s = std::llround(f.burn_h * 3600.0);
  // Every closure rebuilds the simulation's routes, so the fire reaches the roads in
  // batches: at the first update (a multiple of update_min) at or after it arrives.
  const double update_s = f.update_min * 60.0;
  // burnt is in (arrival, index) order already; rounding up keeps it sorted.
  for (const std::size_t c : burnt) {
    FireCell cell;
    cell.centre = g.centre(c);
    cell.size_m = g.cell;
    cell.ignite_s = update_s > 0 ? std::llround(std::ceil(ignite[c] / update_s - 1e-9) * update_s) : std::llround(ignite[c]);
    if (cell.ignite_s > duration_s) break;
    cell.burnt_out_s = cell.ignite_s + burn_s;
    plan.fire_cells.push_back(cell);
    Command close = hazard_command(cell.ignite_s, CommandType::kCloseArea);
    close.x = cell.centre.x;
    close.y = cell.centre.y;
    close.radius_m = radius;
    out.push_back(close);
    for (const std::int64_t fi : facilities_in[c]) {
      Command dmg = hazard_command(cell.ignite_s, CommandType::kDamageFacility);
      dmg.facility = make_id<ShelterId>(static_cast<std::uint64_t>(fi));
      out.push_back(dmg);
    }
    if (f.reopen_burnt && cell.burnt_out_s <= duration_s) {
      Command reopen = close;
      reopen.type = CommandType::kReopenArea;
      reopen.time_s = cell.burnt_out_s;
      out.push_back(reopen);
    }
  }
}

}  // namespace

double bedrock_pgv_cms(double mw, double depth_km, double fault_distance_km, std::string_view fault_type) {
  double d = 0;
  if (fault_type == "crustal") d = 0.0;
  else if (fault_type == "interplate") d = -0.02;
  else if (fault_type == "intraplate") d = 0.12;
  else throw std::invalid_argument("unknown fault type \"" + std::string(fault_type) + "\"");
  const double x = std::max(0.0, fault_distance_km);
  const double b = 0.58 * mw + 0.0038 * depth_km + d - 1.29;
  const double c = 0.0028 * std::pow(10.0, 0.5 * mw);
  return std::pow(10.0, b - std::log10(x + c) - 0.002 * x);
}

double jma_intensity_from_pgv(double pgv_cms) { return 2.68 + 1.72 * std::log10(pgv_cms); }

double pgv_from_jma_intensity(double intensity) { return std::pow(10.0, (intensity - 2.68) / 1.72); }

double fault_distance_km(const SeismicParams& s, Point site) {
  const double px = (site.x - s.epicentre_x) / 1000.0, py = (site.y - s.epicentre_y) / 1000.0;
  const double depth = std::max(0.0, s.depth_km);
  if (!(s.fault_length_km > 0) && !(s.fault_width_km > 0)) return std::sqrt(px * px + py * py + depth * depth);
  // Hypocentre at the origin, z up. Strike along (sin phi, cos phi, 0); the fault dips to the
  // right of the strike, so down dip is (cos phi cos delta, -sin phi cos delta, -sin delta).
  const double phi = s.fault_strike_deg * kDeg, delta = std::clamp(s.fault_dip_deg, 1e-6, 90.0) * kDeg;
  const double sx = std::sin(phi), sy = std::cos(phi);
  const double dx = std::cos(phi) * std::cos(delta), dy = -std::sin(phi) * std::cos(delta), dz = -std::sin(delta);
  const double vx = px, vy = py, vz = depth;  // site minus hypocentre (site at z = 0, hypocentre at -depth)
  const double half_l = std::max(0.0, s.fault_length_km) / 2, half_w = std::max(0.0, s.fault_width_km) / 2;
  // The part of the rectangle above ground is cut off: its top lies at depth >= 0.
  const double b_min = std::max(-half_w, -depth / std::sin(delta));
  const double a = std::clamp(vx * sx + vy * sy, -half_l, half_l);
  const double b = std::clamp(vx * dx + vy * dy + vz * dz, b_min, half_w);
  const double qx = vx - a * sx - b * dx, qy = vy - a * sy - b * dy, qz = vz - b * dz;
  return std::sqrt(qx * qx + qy * qy + qz * qz);
}

double source_intensity(const SeismicParams& s, Point site) {
  const double pgv = s.site_amplification * bedrock_pgv_cms(s.magnitude, s.depth_km, fault_distance_km(s, site), s.fault_type);
  return jma_intensity_from_pgv(pgv) + s.intensity_offset;
}

double sample_intensity(const IntensityGrid& g, Point p) {
  if (g.empty() || g.nx <= 0 || g.ny <= 0 || !(g.cell_x > 0) || !(g.cell_y > 0)) return kNaN;
  const double fx = std::floor((p.x - g.x0) / g.cell_x), fy = std::floor((p.y - g.y0) / g.cell_y);
  if (!(fx >= 0 && fy >= 0 && fx < g.nx && fy < g.ny)) return kNaN;
  return g.value[static_cast<std::size_t>(fy) * static_cast<std::size_t>(g.nx) + static_cast<std::size_t>(fx)];
}

DamageRates building_damage(double pgv_cms, const BlockageParams& b) {
  DamageRates r;
  if (!(pgv_cms > 0)) return r;
  const double beta = b.fragility_beta > 0 ? b.fragility_beta : 1e-9;
  const double collapse = normal_cdf(std::log(pgv_cms / b.collapse_median_pgv_cms) / beta);
  const double at_least_half = normal_cdf(std::log(pgv_cms / b.half_collapse_median_pgv_cms) / beta);
  r.collapse = collapse;
  r.half_collapse = std::max(0.0, at_least_half - collapse);
  return r;
}

double blockage_rate_percent(double x_percent, double width_m, double max_width_m) {
  if (!(width_m < max_width_m)) return 0;
  double rate;
  if (width_m < 3.5) rate = 0.9009 * x_percent + 19.845;
  else if (width_m < 5.5) rate = 0.3514 * x_percent + 13.189;
  else rate = 0.2229 * x_percent - 1.5026;
  return std::clamp(rate, 0.0, 100.0);
}

double blockage_probability(double intensity, double width_m, const BlockageParams& b) {
  if (!b.enabled || !std::isfinite(intensity) || intensity < b.min_intensity) return 0;
  const double x = building_damage(pgv_from_jma_intensity(intensity), b).x_percent();
  return std::clamp(blockage_rate_percent(x, width_m, b.max_width_m) / 100.0 * b.rate_scale, 0.0, 1.0);
}

double facility_failure_probability(double intensity, const FacilityFailureParams& f) {
  if (!std::isfinite(intensity) || intensity < 5.5) return 0;
  if (intensity < 6.0) return f.fail_at_i6 * (intensity - 5.5) / 0.5;
  if (intensity < 7.0) return f.fail_at_i6 + (f.fail_at_i7 - f.fail_at_i6) * (intensity - 6.0);
  return f.fail_at_i7;
}

double facility_extra_delay_s(double intensity, const FacilityFailureParams& f) {
  if (!std::isfinite(intensity)) return 0;
  return f.delay_extra_min_per_intensity * 60.0 * std::max(0.0, intensity - 5.0);
}

double fire_spread_speed_ms(const FireParams& f, double dx, double dy) {
  const double len = std::hypot(dx, dy);
  double cos_a = 0;
  if (len > 0) {
    // The wind blows towards wind_from + 180 degrees (clockwise from north; x east, y north).
    const double to = (f.wind_from_deg + 180.0) * kDeg;
    cos_a = (dx * std::sin(to) + dy * std::cos(to)) / len;
  }
  return f.spread_ms * std::max(kMinSpreadFactor, 1.0 + f.wind_factor_per_ms * f.wind_speed_ms * cos_a);
}

double fire_ignition_factor(double intensity) {
  if (!std::isfinite(intensity)) return 0;
  const double s = std::clamp((intensity - 5.0) / 2.0, 0.0, 1.0);
  return s * s;
}

HazardPlan plan_hazards(const Network& net, const City& city, const Scenario& sc, std::uint64_t seed) {
  HazardPlan plan;
  const HazardParams& h = sc.hazards;
  const SeismicParams& s = h.seismic;
  const bool raster = !city.intensity.empty();
  const bool has_seismic = s.enabled || raster;
  const std::int64_t duration_s = std::llround(sc.run.duration_h * 3600.0);
  const auto intensity_at = [&](Point p) {
    if (!raster) return source_intensity(s, p);
    const double v = sample_intensity(city.intensity, p);
    return std::isfinite(v) ? v + s.intensity_offset : 0.0;  // outside the raster: no shaking known
  };
  if (s.enabled && s.fault_type != "crustal" && s.fault_type != "interplate" && s.fault_type != "intraplate")
    throw InputError(sc.origin, "[seismic] fault_type",
                     "must be \"crustal\", \"interplate\" or \"intraplate\", got \"" + s.fault_type + "\"");

  const std::size_t n_edges = net.edge_count();
  const bool blockage = has_seismic && h.blockage.enabled;
  if (has_seismic) {
    plan.edge_intensity.assign(n_edges, 0.f);
    plan.edge_blockage_rate.assign(n_edges, 0.f);
    plan.edge_blocked.assign(n_edges, 0);
    const auto n = static_cast<std::int64_t>(n_edges);
    // Each edge's draw is keyed by (seed, edge): the same for any thread count.
#pragma omp parallel for schedule(static)
    for (std::int64_t i = 0; i < n; ++i) {
      const EdgeId e{static_cast<std::uint32_t>(i)};
      const double intensity = intensity_at(midpoint(net, e));
      plan.edge_intensity[i] = static_cast<float>(intensity);
      if (!blockage) continue;
      const double p = blockage_probability(intensity, net.width(e), h.blockage);
      plan.edge_blockage_rate[i] = static_cast<float>(p);
      if (p > 0 && Rng(seed, static_cast<std::uint64_t>(i), 0, Purpose::kBlockage).uniform() < p)
        plan.edge_blocked[i] = 1;
    }

    const std::size_t n_fac = city.facilities.size();
    plan.facility_intensity.assign(n_fac, 0.f);
    plan.facility_failed.assign(n_fac, 0);
    plan.facility_extra_delay_s.assign(n_fac, 0.0);
    for (std::size_t i = 0; i < n_fac; ++i) {
      const double intensity = intensity_at(city.facilities[i].pos);
      plan.facility_intensity[i] = static_cast<float>(intensity);
      if (!h.facility_failure.enabled) continue;
      const double p = facility_failure_probability(intensity, h.facility_failure);
      if (p > 0 && Rng(seed, i, 0, Purpose::kFacilityFailure).uniform() < p) plan.facility_failed[i] = 1;
      plan.facility_extra_delay_s[i] = facility_extra_delay_s(intensity, h.facility_failure);
    }
  }

  std::vector<Command> timeline;
  if (h.fire.enabled) plan_fire(net, city, sc, seed, has_seismic, duration_s, plan, timeline);

  // Aftershocks: walkers stop; where an aftershock shakes harder than anything before it, more
  // roads are blocked, so that an edge's chance of being blocked after it is the blockage rate
  // of the strongest shaking so far (an independent draw per aftershock, conditional on the
  // edge still being open).
  std::vector<float> worst_p;
  std::vector<std::uint8_t> blocked;
  if (blockage) {
    worst_p = plan.edge_blockage_rate;
    blocked = plan.edge_blocked;
  }
  for (std::size_t k = 0; k < h.aftershocks.size(); ++k) {
    const Aftershock& a = h.aftershocks[k];
    const std::int64_t t = std::llround(a.at_min * 60.0);
    if (t > duration_s) continue;
    Command pause = hazard_command(t, CommandType::kPauseWalkers);
    pause.value = a.pause_min * 60.0;
    timeline.push_back(pause);
    if (!blockage || !a.blockage) continue;
    SeismicParams as = s;
    as.magnitude = a.magnitude;
    as.depth_km = a.depth_km;
    as.fault_length_km = as.fault_width_km = 0;  // an aftershock is a point source
    if (a.epicentre_x != 0 || a.epicentre_y != 0) {
      as.epicentre_x = a.epicentre_x;
      as.epicentre_y = a.epicentre_y;
    }
    std::vector<std::uint8_t> newly(n_edges, 0);
    const auto n = static_cast<std::int64_t>(n_edges);
#pragma omp parallel for schedule(static)
    for (std::int64_t i = 0; i < n; ++i) {
      const EdgeId e{static_cast<std::uint32_t>(i)};
      const double p = blockage_probability(source_intensity(as, midpoint(net, e)), net.width(e), h.blockage);
      const double prev = worst_p[i];
      if (!(p > prev)) continue;
      worst_p[i] = static_cast<float>(p);
      if (blocked[i]) continue;
      const double q = prev < 1 ? (p - prev) / (1 - prev) : 0;
      if (Rng(seed, static_cast<std::uint64_t>(i), k, Purpose::kAftershockBlockage).uniform() < q) newly[i] = 1;
    }
    for (std::size_t i = 0; i < n_edges; ++i)
      if (newly[i]) {
        blocked[i] = 1;
        Command c = hazard_command(t, CommandType::kCloseEdge);
        c.edge = make_id<EdgeId>(i);
        timeline.push_back(c);
      }
  }

  std::stable_sort(timeline.begin(), timeline.end(),
                   [](const Command& a, const Command& b) { return a.time_s < b.time_s; });
  for (std::size_t i = 0; i < timeline.size(); ++i) timeline[i].seq = i;
  plan.timeline = std::move(timeline);
  return plan;
}

}  // namespace kitaku
