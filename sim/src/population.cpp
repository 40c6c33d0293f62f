#include "kitaku/sim/population.hpp"

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdint>
#include <limits>
#include <string>

#include "kitaku/sim/error.hpp"
#include "kitaku/sim/rng.hpp"

namespace kitaku {

std::string_view activity_name(Activity a) {
  switch (a) {
    case Activity::kWork: return "work";
    case Activity::kSchool: return "school";
    case Activity::kShopping: return "shopping";
    case Activity::kVisitor: return "visitor";
    case Activity::kTransit: return "transit";
  }
  return "unknown";
}

std::string_view age_group_name(AgeGroup g) {
  switch (g) {
    case AgeGroup::kChild: return "child";
    case AgeGroup::kAdult: return "adult";
    case AgeGroup::kElderly: return "elderly";
  }
  return "unknown";
}

namespace {

constexpr double kPi = 3.14159265358979323846;
constexpr double kStationJitterM = 100;
constexpr int kPointTries = 32;
constexpr double kChildShareAtSchool = 0.85;  // the rest are teachers and staff
constexpr double kMinSpeed = 0.3, kMaxSpeed = 2.5;
constexpr double kVisitorMinKm = 100, kVisitorMaxKm = 300;  // outside the metropolitan area
constexpr double kLastBandMaxKm = 60;   // upper end of the open [30, inf) band
constexpr double kOutwardMinM = 1000;   // nearer the centre than this, home directions are uniform

// Cumulative weights: pick(u) returns the first index whose cumulative weight
// exceeds u * total, so zero-weight entries are never picked.
struct Cumulative {
  std::vector<double> c;
  double total() const noexcept { return c.empty() ? 0.0 : c.back(); }
  template <class It>
  static Cumulative of(It first, It last) {
    Cumulative r;
    double s = 0;
    for (; first != last; ++first) {
      const double w = *first;
      s += (std::isfinite(w) && w > 0) ? w : 0.0;
      r.c.push_back(s);
    }
    return r;
  }
  std::size_t pick(double u) const noexcept {
    const auto it = std::upper_bound(c.begin(), c.end(), u * total());
    const auto k = static_cast<std::size_t>(it - c.begin());
    if (k < c.size()) return k;
    // u * total rounded up to total: take the last entry with positive weight.
    std::size_t j = c.size() - 1;
    while (j > 0 && c[j - 1] == c[j]) --j;
    return j;
  }
};

// Crossing-number test; works whether or not the ring repeats its first point.
bool in_ring(Point p, const std::vector<Point>& ring) noexcept {
  bool inside = false;
  const std::size_t n = ring.size();
  for (std::size_t i = 0, j = n ? n - 1 : 0; i < n; j = i++) {
    const Point a = ring[i], b = ring[j];
    if ((a.y > p.y) != (b.y > p.y) && p.x < (b.x - a.x) * (p.y - a.y) / (b.y - a.y) + a.x)
      inside = !inside;
  }
  return inside;
}

bool in_zone(Point p, const Zone& z) noexcept {
  if (z.rings.empty() || !in_ring(p, z.rings[0])) return false;
  for (std::size_t h = 1; h < z.rings.size(); ++h)
    if (in_ring(p, z.rings[h])) return false;
  return true;
}

using BandCdf = std::array<double, kHomeBands>;

// Normalised cumulative home-band shares; false when the shares sum to nothing.
bool band_cdf(const std::array<double, kHomeBands>& share, BandCdf& out) {
  double s = 0;
  for (std::size_t b = 0; b < kHomeBands; ++b) {
    s += (std::isfinite(share[b]) && share[b] > 0) ? share[b] : 0.0;
    out[b] = s;
  }
  if (!(s > 0)) return false;
  for (auto& v : out) v /= s;
  return true;
}

std::size_t pick_band(const BandCdf& cdf, double u) noexcept {
  for (std::size_t b = 0; b + 1 < kHomeBands; ++b)
    if (u < cdf[b]) return b;
  return kHomeBands - 1;
}

// Who agent i is: age group, vulnerability and free walking speed.
void draw_person(const PopulationParams& pp, const MovementParams& mv, std::uint64_t seed, std::size_t i,
                 Activity act, Population& pop) {
  const auto entity = static_cast<std::uint64_t>(i);
  Rng age_rng(seed, entity, 0, Purpose::kAge);
  AgeGroup age;
  if (act == Activity::kSchool)
    age = age_rng.bernoulli(kChildShareAtSchool) ? AgeGroup::kChild : AgeGroup::kAdult;
  else
    age = age_rng.bernoulli(pp.elderly_share) ? AgeGroup::kElderly : AgeGroup::kAdult;
  const bool vulnerable = age_rng.bernoulli(pp.vulnerable_share);
  pop.age[i] = age;
  pop.vulnerable[i] = vulnerable ? 1 : 0;

  Rng speed_rng(seed, entity, 0, Purpose::kSpeed);
  double v = age == AgeGroup::kAdult     ? speed_rng.normal(mv.v0_mean, mv.v0_sd)
             : age == AgeGroup::kElderly ? speed_rng.normal(mv.v_elderly, mv.v_elderly_sd)
                                         : speed_rng.normal(mv.v_child, mv.v_child_sd);
  if (vulnerable) v = std::min(v, mv.v_vulnerable);
  pop.v_free[i] = static_cast<float>(std::clamp(v, kMinSpeed, kMaxSpeed));
}

void resize(Population& pop, std::size_t n) {
  pop.origin.resize(n);
  pop.pos.resize(n);
  pop.home.resize(n);
  pop.home_km.resize(n);
  pop.activity.resize(n);
  pop.age.resize(n);
  pop.vulnerable.resize(n);
  pop.v_free.resize(n);
  pop.zone.resize(n);
}

// Explicit demand: each trip's agents stand at its origin and walk to its
// destination (their "home") from its departure time. Travellers by activity.
Population place_trips(const Network& net, const SpatialIndex& index, const City& city, const Scenario& scenario,
                       std::uint64_t seed) {
  const PopulationParams& pp = scenario.population;
  const std::string& file = pp.source == "trips" ? pp.trips : pp.generation;
  if (city.trips.empty()) throw InputError(file, "", "no trips: the file holds no rows (or rules) with persons");
  if (net.node_count() == 0)
    throw InputError(scenario.origin, "[population]", "the network has no nodes to place agents on");
  std::vector<std::size_t> first(city.trips.size() + 1, 0);  // agents of trip t: [first[t], first[t+1])
  for (std::size_t t = 0; t < city.trips.size(); ++t) first[t + 1] = first[t] + static_cast<std::size_t>(city.trips[t].agents);
  const std::size_t n = first.back();
  if (n >= std::numeric_limits<std::uint32_t>::max())
    throw InputError(file, "", "too many agents (" + std::to_string(n) + "); at most 4294967294");
  Population pop;
  pop.persons_per_agent = pp.persons_per_agent > 0 ? pp.persons_per_agent : 1.0;
  pop.persons_total = static_cast<double>(n) * pop.persons_per_agent;
  resize(pop, n);
  pop.departure_s.resize(n);
  pop.group.resize(n);
  const auto trips = static_cast<std::int64_t>(city.trips.size());
#pragma omp parallel for schedule(dynamic, 64)
  for (std::int64_t ti = 0; ti < trips; ++ti) {
    const Trip& trip = city.trips[static_cast<std::size_t>(ti)];
    const NodeId origin = index.nearest_node(trip.origin).node;
    for (std::size_t i = first[static_cast<std::size_t>(ti)]; i < first[static_cast<std::size_t>(ti) + 1]; ++i) {
      pop.pos[i] = trip.origin;
      pop.origin[i] = origin;
      pop.zone[i] = static_cast<std::int32_t>(trip.row);
      pop.group[i] = trip.group;
      pop.activity[i] = Activity::kTransit;
      pop.departure_s[i] = trip.departure_s;
      draw_person(pp, scenario.movement, seed, i, Activity::kTransit, pop);
      Point home = trip.destination;
      if (!trip.has_destination) {
        Rng angle_rng(seed, static_cast<std::uint64_t>(i), 0, Purpose::kHomeAngle);
        const double angle = angle_rng.uniform(-kPi, kPi);
        home = {trip.origin.x + trip.home_km * 1000.0 * std::cos(angle),
                trip.origin.y + trip.home_km * 1000.0 * std::sin(angle)};
      }
      pop.home[i] = home;
      pop.home_km[i] = static_cast<float>(distance(trip.origin, home) / 1000.0);
    }
  }
  return pop;
}

}  // namespace

Population place_population(const Network& net, const SpatialIndex& index, const City& city,
                            const Scenario& scenario, std::uint64_t seed) {
  if (scenario.population.source != "zones") return place_trips(net, index, city, scenario, seed);
  const PopulationParams& pp = scenario.population;
  const MovementParams& mv = scenario.movement;

  // --- Totals and the agent count.
  std::vector<double> zone_pop;
  zone_pop.reserve(city.zones.size());
  for (const auto& z : city.zones) zone_pop.push_back(z.day_population);
  const Cumulative zone_cum = Cumulative::of(zone_pop.begin(), zone_pop.end());
  // [population] scale: the same city with fewer (or more) people out of home. The
  // zones keep their shares of the total, so placement draws are unchanged.
  const double total = zone_cum.total() * pp.scale;
  if (city.zones.empty() || !(total > 0))
    throw InputError(scenario.origin, "[population]",
                     "the city has no population (no zones, or every zone's day_population is 0)");
  if (net.node_count() == 0)
    throw InputError(scenario.origin, "[population]", "the network has no nodes to place agents on");

  std::int64_t n_agents = pp.agents;
  if (n_agents <= 0) {
    if (!(pp.persons_per_agent > 0))
      throw InputError(scenario.origin, "[population]",
                       "agents is 0 and persons_per_agent is not positive: cannot size the population");
    n_agents = std::max<std::int64_t>(1, std::llround(total / pp.persons_per_agent));
  }
  if (n_agents >= static_cast<std::int64_t>(std::numeric_limits<std::uint32_t>::max()))
    throw InputError(scenario.origin, "[population]",
                     "too many agents (" + std::to_string(n_agents) + "); at most 4294967294");
  const auto n = static_cast<std::size_t>(n_agents);

  // --- Activity shares for the day type.
  const bool holiday = scenario.quake.day == DayType::kHoliday;
  const std::array<double, kActivities> share =
      holiday ? std::array<double, kActivities>{pp.holiday_share_work, pp.holiday_share_school,
                                                pp.holiday_share_shopping, pp.holiday_share_visitor,
                                                pp.holiday_share_transit}
              : std::array<double, kActivities>{pp.share_work, pp.share_school, pp.share_shopping,
                                                pp.share_visitor, pp.share_transit};
  const Cumulative act_cum = Cumulative::of(share.begin(), share.end());
  if (!(act_cum.total() > 0))
    throw InputError(scenario.origin, holiday ? "[population.holiday]" : "[population]",
                     "the activity shares sum to zero");

  // --- Stations, weighted by ridership.
  std::vector<double> riders;
  riders.reserve(city.stations.size());
  for (const auto& s : city.stations) riders.push_back(s.daily_riders);
  const Cumulative station_cum = Cumulative::of(riders.begin(), riders.end());
  const bool use_stations = station_cum.total() > 0;

  // --- Home-band distributions: per zone, and the population-weighted mean as fallback.
  std::array<double, kHomeBands> mean_share{};
  for (std::size_t z = 0; z < city.zones.size(); ++z) {
    BandCdf cdf;
    if (!band_cdf(city.zones[z].home_share, cdf)) continue;
    const double w = zone_cum.c[z] - (z ? zone_cum.c[z - 1] : 0.0);
    for (std::size_t b = 0; b < kHomeBands; ++b) mean_share[b] += w * (cdf[b] - (b ? cdf[b - 1] : 0.0));
  }
  BandCdf mean_cdf;
  if (!band_cdf(mean_share, mean_cdf)) {
    // No populated zone has home shares at all: spread evenly over the bands.
    mean_share.fill(1.0);
    band_cdf(mean_share, mean_cdf);
  }
  std::vector<BandCdf> zone_cdf(city.zones.size());
  for (std::size_t z = 0; z < city.zones.size(); ++z)
    if (!band_cdf(city.zones[z].home_share, zone_cdf[z])) zone_cdf[z] = mean_cdf;
  std::vector<BandCdf> station_cdf(city.stations.size(), mean_cdf);
  for (std::size_t s = 0; s < city.stations.size(); ++s) {
    double best = INFINITY;
    for (std::size_t z = 0; z < city.zones.size(); ++z) {
      const double d = distance(city.stations[s].pos, city.zones[z].centroid);
      if (d < best) { best = d; station_cdf[s] = zone_cdf[z]; }
    }
  }

  // --- Zone bounding boxes for rejection sampling.
  std::vector<BBox> zone_box(city.zones.size());
  for (std::size_t z = 0; z < city.zones.size(); ++z)
    if (!city.zones[z].rings.empty())
      for (const Point& p : city.zones[z].rings[0]) zone_box[z].extend(p);

  const BBox nb = net.bbox();
  const Point centre{0.5 * (nb.min_x + nb.max_x), 0.5 * (nb.min_y + nb.max_y)};
  const double home_sd_rad = pp.home_direction_sd_deg * kPi / 180.0;

  Population pop;
  pop.persons_total = total;
  pop.persons_per_agent = total / static_cast<double>(n);
  resize(pop, n);

  const auto count = static_cast<std::int64_t>(n);
#pragma omp parallel for schedule(static)
  for (std::int64_t ii = 0; ii < count; ++ii) {
    const auto i = static_cast<std::size_t>(ii);
    const auto entity = static_cast<std::uint64_t>(ii);

    Rng act_rng(seed, entity, 0, Purpose::kActivity);
    const auto act = static_cast<Activity>(act_cum.pick(act_rng.uniform()));

    // Where the agent stands.
    Point p;
    std::int32_t zone_tag;
    const BandCdf* home_cdf;
    Rng point_rng(seed, entity, 0, Purpose::kPlacePoint);
    if (act == Activity::kTransit && use_stations) {
      Rng st_rng(seed, entity, 0, Purpose::kStation);
      const std::size_t s = station_cum.pick(st_rng.uniform());
      const Point sp = city.stations[s].pos;
      const double jx = point_rng.uniform(-kStationJitterM, kStationJitterM);
      const double jy = point_rng.uniform(-kStationJitterM, kStationJitterM);
      p = {sp.x + jx, sp.y + jy};
      zone_tag = -1 - static_cast<std::int32_t>(s);
      home_cdf = &station_cdf[s];
    } else {
      Rng zone_rng(seed, entity, 0, Purpose::kPlaceZone);
      const std::size_t z = zone_cum.pick(zone_rng.uniform());
      const Zone& zone = city.zones[z];
      const BBox& box = zone_box[z];
      p = zone.centroid;
      if (!box.empty()) {
        for (int t = 0; t < kPointTries; ++t) {
          const double x = point_rng.uniform(box.min_x, box.max_x);
          const double y = point_rng.uniform(box.min_y, box.max_y);
          if (in_zone({x, y}, zone)) { p = {x, y}; break; }
        }
      }
      zone_tag = static_cast<std::int32_t>(z);
      home_cdf = &zone_cdf[z];
    }
    pop.pos[i] = p;
    pop.origin[i] = index.nearest_node(p).node;
    pop.zone[i] = zone_tag;
    pop.activity[i] = act;

    // Who the agent is.
    draw_person(pp, mv, seed, i, act, pop);

    // Where home is.
    Rng dist_rng(seed, entity, 0, Purpose::kHomeDistance);
    double d_km;
    if (act == Activity::kVisitor) {
      d_km = dist_rng.uniform(kVisitorMinKm, kVisitorMaxKm);
    } else {
      Rng band_rng(seed, entity, 0, Purpose::kHomeBand);
      const std::size_t b = pick_band(*home_cdf, band_rng.uniform());
      const double hi = b + 1 == kHomeBands ? kLastBandMaxKm : kHomeBandEdgesKm[b + 1];
      d_km = dist_rng.uniform(kHomeBandEdgesKm[b], hi);
    }
    Rng angle_rng(seed, entity, 0, Purpose::kHomeAngle);
    const double ox = p.x - centre.x, oy = p.y - centre.y;
    const double angle = ox * ox + oy * oy > kOutwardMinM * kOutwardMinM
                             ? std::atan2(oy, ox) + home_sd_rad * angle_rng.normal()
                             : angle_rng.uniform(-kPi, kPi);
    pop.home[i] = {p.x + d_km * 1000.0 * std::cos(angle), p.y + d_km * 1000.0 * std::sin(angle)};
    pop.home_km[i] = static_cast<float>(d_km);
  }
  return pop;
}

}  // namespace kitaku
