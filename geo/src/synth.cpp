#include "kitaku/geo/synth.hpp"

#include <cpl_conv.h>
#include <ogrsf_frmts.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <limits>
#include <numbers>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <unordered_set>
#include <tuple>
#include <utility>
#include <vector>

#include "kitaku/geo/facilities.hpp"
#include "kitaku/geo/gdal_util.hpp"
#include "kitaku/sim/city.hpp"
#include "kitaku/sim/error.hpp"
#include "kitaku/sim/geometry.hpp"

// The formulas and their sources are in docs/synthetic-city.md; the constants
// below carry the same names as that page.

namespace kitaku::geo {
namespace {

constexpr double kPi = std::numbers::pi;

// ---- the street lattice ----------------------------------------------------------
constexpr double kBlockM = 58.0;          // street spacing at the centre (lattice units = metres there)
constexpr double kWarpM = 100000.0;       // spacing grows as 1 + rho/kWarpM (tangential), 1 + 2 rho/kWarpM (radial)
constexpr double kLineJitter = 0.20;      // whole-line offset, fraction of the spacing
constexpr double kNodeJitter = 0.08;      // per-crossing offset, fraction of the spacing
constexpr double kNudge = 0.10;           // arterial crossings stay this far (fraction) from a grid node
constexpr double kDropLink = 0.03;        // share of residential links missing
constexpr int kTertiaryEvery = 12;        // every 12th grid line is tertiary ...
constexpr int kSecondaryEvery = 36;       // ... and every 36th secondary
constexpr double kEdgeMarginM = 2.0;      // everything stays this far inside the radius

// Ring roads (physical radius, km) and radial arterials, after Tokyo's 環状/放射 roads.
constexpr std::array<double, 13> kRingKm{1.6, 3.0, 4.4, 6.3, 9.5, 13.5, 19, 26, 34, 44, 56, 70, 86};
constexpr int kRadials = 12;

// ---- population (per km², r in km), fitted to MLIT weekday 1 km mesh data --------
double day_core(double r) {
  return 400000 * std::exp(-r / 1.33) + 39000 * std::exp(-r / 2.0) + 11800 * std::exp(-r / 43.0);
}
double night_core(double r) { return 28700 * std::exp(-r / 1.18) + 20400 * std::exp(-r / 28.2); }
constexpr double kHubSigmaKm = 0.8;       // width of a hub station's daytime bump
constexpr double kHubNightShare = 0.08;   // night population of a hub bump, share of its day
constexpr double kZoneNoise = 0.15;       // log-normal noise on zone populations
constexpr double kZoneKm = 1.0;           // zone (mesh) size

// Home distances: residents working locally, and commuters with log-normal distances.
constexpr double kLocalFactor = 0.6;      // local share = min(0.9, 0.6 * night / day)
constexpr double kCommuteMedianMinKm = 8, kCommuteMedianSpanKm = 12, kCommuteSigma = 0.6;

// ---- facilities ------------------------------------------------------------------
constexpr double kMeanCapacity = 377;     // Tokyo: 471,270 places / 1,250 facilities
constexpr double kCapacitySigma = 0.8;
constexpr int kMinCapacity = 30, kMaxCapacity = 3000;
constexpr double kStationAnchoredShare = 0.25;

// ---- deterministic randomness --------------------------------------------------------
// std:: distributions differ between standard libraries, so all draws are made here.

constexpr std::uint64_t splitmix64(std::uint64_t x) noexcept {
  x += 0x9e3779b97f4a7c15ULL;
  x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
  x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
  return x ^ (x >> 31);
}

double to_unit(std::uint64_t h) noexcept { return static_cast<double>(h >> 11) * 0x1.0p-53; }

/// A value in [0, 1) that depends only on (seed, tag, a, b): per-item randomness that
/// does not depend on the order in which items are visited.
double hash01(std::uint64_t seed, std::uint64_t tag, std::int64_t a, std::int64_t b = 0) noexcept {
  std::uint64_t h = splitmix64(seed ^ splitmix64(tag));
  h = splitmix64(h ^ static_cast<std::uint64_t>(a));
  h = splitmix64(h ^ static_cast<std::uint64_t>(b));
  return to_unit(h);
}

double normal_from(double u1, double u2) noexcept {  // Box-Muller
  return std::sqrt(-2.0 * std::log(1.0 - u1)) * std::cos(2.0 * kPi * u2);
}

class Rng {
 public:
  Rng(std::uint64_t seed, std::uint64_t stream) : s_(splitmix64(seed) ^ splitmix64(stream + 1)) {}
  std::uint64_t next() noexcept { s_ += 0x9e3779b97f4a7c15ULL; return splitmix64(s_); }
  double uniform() noexcept { return to_unit(next()); }
  double uniform(double a, double b) noexcept { return a + (b - a) * uniform(); }
  std::size_t below(std::size_t n) noexcept { return static_cast<std::size_t>(uniform() * static_cast<double>(n)); }
  double normal() noexcept { const double u1 = uniform(); return normal_from(u1, uniform()); }

 private:
  std::uint64_t s_;
};

enum Tag : std::uint64_t {
  kTagLineX = 1, kTagLineY, kTagNodeX, kTagNodeY, kTagDrop, kTagClass, kTagWidth, kTagDiag,
  kTagDiagDir, kTagDiagSteps, kTagZoneDay, kTagZoneDay2, kTagZoneNight, kTagZoneNight2, kTagOffsets,
  kTagRadials, kTagHubs, kTagStations, kTagNames, kTagFacilities, kTagLanes, kTagSidewalk,
  kTagBridges, kTagBridgeNames,  // the metropolis only: appended, so the circle keeps its draws
};

// ---- Japanese-style place names ---------------------------------------------------

constexpr std::array<const char*, 40> kNameHead{
    "東", "西", "南", "北", "新", "中", "上", "下", "大", "小", "本", "高", "若", "桜",
    "松", "梅", "竹", "青", "緑", "白", "金", "銀", "星", "月", "日", "花", "森", "泉",
    "港", "川", "池", "岩", "石", "柳", "原", "藤", "浜", "宮", "寺", "関"};
constexpr std::array<const char*, 24> kNameTail{
    "町", "台", "丘", "橋", "谷", "山", "原", "島", "崎", "浦", "沢", "坂",
    "野", "田", "本町", "ヶ丘", "が原", "木", "川", "宿", "里", "岡", "見", "浜"};

class NameMaker {
 public:
  NameMaker(std::uint64_t seed, std::uint64_t stream) : rng_(seed, stream) {}
  /// Keeps a name given elsewhere (a real station's) from being made again.
  void reserve(const std::string& name) { used_.insert(name); }
  std::string make() {
    for (int attempt = 0;; ++attempt) {
      std::string n = std::string(kNameHead[rng_.below(kNameHead.size())]);
      if (attempt >= 10) n += kNameHead[rng_.below(kNameHead.size())];
      n += kNameTail[rng_.below(kNameTail.size())];
      if (attempt >= 40) n += std::to_string(attempt);
      if (used_.insert(n).second) return n;
    }
  }

 private:
  Rng rng_;
  std::unordered_set<std::string> used_;
};

// ---- output model -------------------------------------------------------------------

struct Road {
  std::vector<std::uint32_t> verts;  // indices into City::verts
  std::string highway, name;
  double width = 0;     // the carriageway on roads that have one (OSM's width), else the whole way
  int lanes = 0;
  double sidewalk = -1; // each side's sidewalk, metres; 0: none ("sidewalk=no"); < 0: not a road
  bool bridge = false;  // the metropolis: a river crossing (written as bridge = yes)
};

struct StationOut { std::string name; Point pos; double riders = 0; std::uint32_t vid = 0; };
struct FacilityOut { std::string name, area; Point pos; int capacity = 0; };
struct ZoneOut {
  std::string id;
  Point min, max;
  double day = 0, night = 0;
  std::array<double, kHomeBands> share{};
  std::vector<Point> ring;  // the metropolis: the mesh square as given; empty: the box min-max
};

struct RiverOut { std::string name; std::vector<Point> line; double spacing_km = 1.0; };

/// The bounding box {min, max} of some points.
std::pair<Point, Point> bounds(const std::vector<Point>& pts) {
  Point lo{INFINITY, INFINITY}, hi{-INFINITY, -INFINITY};
  for (const Point p : pts) {
    lo = {std::min(lo.x, p.x), std::min(lo.y, p.y)};
    hi = {std::max(hi.x, p.x), std::max(hi.y, p.y)};
  }
  return {lo, hi};
}

struct City {
  std::vector<Point> verts;
  std::vector<Road> roads;
  std::vector<StationOut> stations;
  std::vector<FacilityOut> facilities;
  std::vector<ZoneOut> zones;
  std::vector<RiverOut> rivers;
};

// ---- geometry of the warped, jittered lattice -----------------------------------------

enum Dir : int { kH = 0, kV = 1 };  // H(i,j): (i,j)-(i+1,j); V(i,j): (i,j)-(i,j+1)
constexpr std::uint32_t kNone = std::numeric_limits<std::uint32_t>::max();

/// Lattice radius of a physical distance from the centre (inverse of the warp).
double unwarp(double r) { return 2.0 * r / (1.0 + std::sqrt(1.0 + 4.0 * r / kWarpM)); }

struct Hub { double bearing_deg, dist_km, riders, bump; };
// Big stations around the centre, placed like Tokyo's (Tokyo, Shinjuku, Shinagawa,
// Shibuya, Ikebukuro, Ueno) and with bumps fitted to the MLIT mesh (docs).
constexpr std::array<Hub, 6> kHubs{{{0, 0, 1.2e6, 0},
                                    {174, 6.6, 1.5e6, 230000},
                                    {-111, 6.3, 1.1e6, 180000},
                                    {-158, 6.4, 1.0e6, 120000},
                                    {130, 6.9, 0.9e6, 110000},
                                    {78, 3.7, 0.5e6, 50000}}};

// ---- the metropolis (docs/synthetic-city.md, "The metropolis") ---------------------
// The same lattice, rings and radials around the real Tokyo station, with what a
// Tokyo-wide study needs the disk lacks: the real 1 km mesh's people, the six hubs
// where they are, Tokyo Bay left out, and the three big rivers crossed only at bridges.

struct LonLat { double lon, lat; };  // WGS84 (JGD2011 agrees to well under a metre here)

/// The six hubs at their real stations, with the daily riders of kHubs (same order).
struct RealHub { const char* name; LonLat at; double riders; };
constexpr std::array<RealHub, 6> kRealHubs{{{"東京", {139.7671, 35.6812}, 1.2e6},
                                            {"新宿", {139.7005, 35.6896}, 1.5e6},
                                            {"品川", {139.7387, 35.6285}, 1.1e6},
                                            {"渋谷", {139.7016, 35.6580}, 1.0e6},
                                            {"池袋", {139.7109, 35.7295}, 0.9e6},
                                            {"上野", {139.7774, 35.7141}, 0.5e6}}};

/// A river as a centre line (judgement: traced by hand from the map to ~300 m, mouth
/// last) and the mean spacing of its crossings (judgement: about 30 on the Sumida's
/// 23.5 km, 20 on the Ara's 22 km in Tokyo, 25 on the Tama's lower 40 km).
struct RiverDef { const char* name; double spacing_km; std::vector<LonLat> line; };
const std::vector<RiverDef>& river_defs() {
  static const std::vector<RiverDef> defs{
      {"隅田川", 0.8,
       {{139.722, 35.786}, {139.740, 35.770}, {139.760, 35.765}, {139.800, 35.741}, {139.820, 35.735},
        {139.815, 35.728}, {139.800, 35.713}, {139.787, 35.694}, {139.788, 35.677}, {139.770, 35.663},
        {139.770, 35.650}}},
      {"荒川", 1.1,
       {{139.500, 35.920}, {139.550, 35.870}, {139.600, 35.840}, {139.640, 35.810}, {139.681, 35.797},
        {139.722, 35.786}, {139.797, 35.754}, {139.818, 35.748}, {139.835, 35.735}, {139.845, 35.705},
        {139.860, 35.684}, {139.846, 35.660}, {139.845, 35.635}}},
      {"多摩川", 1.6,
       {{139.410, 35.690}, {139.470, 35.655}, {139.550, 35.635}, {139.627, 35.607}, {139.665, 35.585},
        {139.695, 35.565}, {139.713, 35.543}, {139.775, 35.535}}},
  };
  return defs;
}

/// Tokyo Bay north of Yokosuka, drawn along the old shore (judgement). Inside it, only
/// the meshes with people (the reclaimed land: 台場, 有明, 羽田, ...) are land.
const std::vector<LonLat>& bay_outline() {
  static const std::vector<LonLat> bay{
      {139.640, 35.440}, {139.700, 35.480}, {139.740, 35.510}, {139.765, 35.530}, {139.775, 35.535},
      {139.750, 35.580}, {139.755, 35.620}, {139.765, 35.640}, {139.775, 35.655}, {139.790, 35.660},
      {139.820, 35.665}, {139.845, 35.660}, {139.870, 35.650}, {139.890, 35.640}, {139.930, 35.655},
      {139.980, 35.680}, {140.030, 35.650}, {140.080, 35.600}, {140.100, 35.540}, {140.000, 35.400},
      {139.800, 35.300}, {139.660, 35.330}, {139.660, 35.400}};
  return bay;
}
constexpr double kMinBridgeGapM = 300;  // no two bridges over one river closer than this (judgement)

bool in_ring(const std::vector<Point>& ring, Point p) {  // even-odd rule
  bool in = false;
  for (std::size_t i = 0, j = ring.size() - 1; i < ring.size(); j = i++) {
    const Point a = ring[i], b = ring[j];
    if ((a.y > p.y) != (b.y > p.y) && p.x < a.x + (p.y - a.y) * (b.x - a.x) / (b.y - a.y)) in = !in;
  }
  return in;
}

/// What the metropolis adds to the lattice, all in the city's projected CRS.
struct Metro {
  std::vector<std::pair<std::string, Point>> hubs;  // kRealHubs, projected; riders from kRealHubs
  std::vector<ZoneOut> mesh;                        // every mesh with people (shares set later)
  std::vector<Point> bay;
  Point bay_lo{INFINITY, INFINITY}, bay_hi{-INFINITY, -INFINITY};
  std::vector<RiverOut> rivers;
  std::unordered_map<std::uint64_t, std::vector<std::uint32_t>> mesh_grid;  // 1 km cells -> meshes

  static std::uint64_t key(std::int64_t ix, std::int64_t iy) {
    return (static_cast<std::uint64_t>(static_cast<std::uint32_t>(ix)) << 32) | static_cast<std::uint32_t>(iy);
  }
  void index() {
    for (std::uint32_t m = 0; m < mesh.size(); ++m) {
      const ZoneOut& z = mesh[m];
      for (auto ix = static_cast<std::int64_t>(std::floor(z.min.x / 1000)); ix <= std::floor(z.max.x / 1000); ++ix)
        for (auto iy = static_cast<std::int64_t>(std::floor(z.min.y / 1000)); iy <= std::floor(z.max.y / 1000); ++iy)
          mesh_grid[key(ix, iy)].push_back(m);
    }
    std::tie(bay_lo, bay_hi) = bounds(bay);
  }
  /// Inside a mesh of the CSV (with people by day or night).
  bool populated(Point p) const {
    const auto it = mesh_grid.find(key(static_cast<std::int64_t>(std::floor(p.x / 1000)),
                                       static_cast<std::int64_t>(std::floor(p.y / 1000))));
    if (it == mesh_grid.end()) return false;
    for (const std::uint32_t m : it->second) {
      const ZoneOut& z = mesh[m];
      if (p.x >= z.min.x && p.x <= z.max.x && p.y >= z.min.y && p.y <= z.max.y && in_ring(z.ring, p)) return true;
    }
    return false;
  }
  bool water(Point p) const {
    return p.x >= bay_lo.x && p.x <= bay_hi.x && p.y >= bay_lo.y && p.y <= bay_hi.y && in_ring(bay, p) &&
           !populated(p);
  }
};

class Builder {
 public:
  Builder(const SynthOptions& o, Point centre, const Metro* metro = nullptr)
      : seed_(o.seed), capacity_share_(o.capacity_share), R_(o.radius_km * 1000.0), c_(centre), metro_(metro) {
    I_ = static_cast<int>(std::ceil(unwarp(R_) / kBlockM)) + 3;
    n_ = 2 * I_ + 1;
    line_x_.resize(n_ + 1);
    line_y_.resize(n_ + 1);
    for (int k = -I_; k <= I_ + 1; ++k) {
      line_x_[k + I_] = (2 * hash01(seed_, kTagLineX, k) - 1) * kLineJitter;
      line_y_[k + I_] = (2 * hash01(seed_, kTagLineY, k) - 1) * kLineJitter;
    }
    off_sec_ = static_cast<int>(hash01(seed_, kTagOffsets, 0) * kSecondaryEvery);
    off_sec_y_ = static_cast<int>(hash01(seed_, kTagOffsets, 1) * kSecondaryEvery);
  }

  City build() {
    place_nodes();
    place_stations();
    plan_arterials();
    build_rings();      // rings and radials first: their crossings split the grid
    build_radials();    // streets' edges; they are written after the grid, though
    build_grid_streets();
    build_diagonals();
    if (metro_) {
      cut_rivers();
      keep_largest_part();
    }
    assign_sidewalks();
    if (metro_) {
      mesh_zones();
      index_segments();
    } else {
      build_zones();
    }
    place_facilities();
    return std::move(city_);
  }

  const std::vector<RiverReport>& river_reports() const { return river_reports_; }
  std::size_t dropped_roads() const { return dropped_roads_; }

 private:
  // -- lattice coordinates
  bool in_lattice(int i, int j) const { return i >= -I_ && i <= I_ && j >= -I_ && j <= I_; }
  std::size_t nidx(int i, int j) const { return static_cast<std::size_t>(i + I_) * n_ + (j + I_); }
  Point jitter(int i, int j) const {  // lattice metres
    const double nx = (2 * hash01(seed_, kTagNodeX, i, j) - 1) * kNodeJitter;
    const double ny = (2 * hash01(seed_, kTagNodeY, i, j) - 1) * kNodeJitter;
    return {(line_x_[i + I_] + nx) * kBlockM, (line_y_[j + I_] + ny) * kBlockM};
  }
  Point warp(Point p) const {  // jittered lattice -> projected CRS
    const double k = 1.0 + std::hypot(p.x, p.y) / kWarpM;
    return {c_.x + p.x * k, c_.y + p.y * k};
  }
  /// Projected position of lattice point (u, v) inside cell (i, j): bilinear jitter.
  Point phys_cell(int i, int j, double fu, double fv) const {
    const Point a = jitter(i, j), b = jitter(i + 1, j), c = jitter(i, j + 1), d = jitter(i + 1, j + 1);
    const double jx = (1 - fu) * (1 - fv) * a.x + fu * (1 - fv) * b.x + (1 - fu) * fv * c.x + fu * fv * d.x;
    const double jy = (1 - fu) * (1 - fv) * a.y + fu * (1 - fv) * b.y + (1 - fu) * fv * c.y + fu * fv * d.y;
    return warp({(i + fu) * kBlockM + jx, (j + fv) * kBlockM + jy});
  }
  Point phys_edge(int i, int j, Dir d, double t) const {
    return d == kH ? phys_cell(i, j, t, 0) : phys_cell(i, j, 0, t);
  }
  Point phys_node(int i, int j) const {
    const Point jt = jitter(i, j);
    return warp({i * kBlockM + jt.x, j * kBlockM + jt.y});
  }
  bool inside(Point p) const { return distance(p, c_) <= R_ - kEdgeMarginM && !(metro_ && metro_->water(p)); }
  std::uint32_t add_vertex(Point p) {
    city_.verts.push_back(p);
    return static_cast<std::uint32_t>(city_.verts.size() - 1);
  }
  std::uint32_t node(int i, int j) const { return in_lattice(i, j) ? node_vid_[nidx(i, j)] : kNone; }
  static std::uint64_t edge_key(int i, int j, Dir d) {
    return (static_cast<std::uint64_t>(static_cast<std::uint32_t>(i)) << 33) |
           (static_cast<std::uint64_t>(static_cast<std::uint32_t>(j)) << 1) | static_cast<std::uint64_t>(d);
  }
  /// Lattice cell of a projected point (ignoring jitter: callers search around it).
  std::pair<int, int> cell_of(Point p) const {
    const double dx = p.x - c_.x, dy = p.y - c_.y, r = std::hypot(dx, dy);
    const double k = r > 0 ? unwarp(r) / r : 1.0;
    return {static_cast<int>(std::floor(dx * k / kBlockM)), static_cast<int>(std::floor(dy * k / kBlockM))};
  }
  double local_spacing(Point p) const { return kBlockM * (1 + 2 * unwarp(distance(p, c_)) / kWarpM); }

  void place_nodes() {
    node_vid_.assign(static_cast<std::size_t>(n_) * n_, kNone);
    for (int i = -I_; i <= I_; ++i)
      for (int j = -I_; j <= I_; ++j) {
        const Point p = phys_node(i, j);
        if (inside(p)) node_vid_[nidx(i, j)] = add_vertex(p);
      }
  }

  // -- stations: hubs, a loop line through them, radial lines outwards
  struct StationPlan { std::string name; int i, j; double riders; };

  /// The kept grid node nearest to a projected point, or nullopt.
  std::optional<std::pair<int, int>> nearest_node(Point p) const {
    const auto [ci, cj] = cell_of(p);
    double best = INFINITY;
    std::optional<std::pair<int, int>> out;
    for (int i = ci - 2; i <= ci + 3; ++i)
      for (int j = cj - 2; j <= cj + 3; ++j) {
        const std::uint32_t v = node(i, j);
        if (v == kNone) continue;
        const double d = distance(city_.verts[v], p);
        if (d < best) { best = d; out = std::pair{i, j}; }
      }
    return out;
  }

  void add_station(NameMaker& names, Point want, double riders, double bump, std::string name = {}) {
    if (!inside(want)) return;
    const auto nn = nearest_node(want);
    if (!nn) return;
    const std::uint32_t v = node(nn->first, nn->second);
    if (!station_nodes_.insert(v).second) return;
    if (name.empty()) name = names.make();
    city_.stations.push_back({std::move(name), city_.verts[v], riders, v});
    if (bump > 0) hub_bumps_.push_back({city_.verts[v], bump});
  }

  Point polar(double bearing_deg, double km) const {
    const double a = bearing_deg * kPi / 180.0;
    return {c_.x + km * 1000 * std::cos(a), c_.y + km * 1000 * std::sin(a)};
  }

  void place_stations() {
    Rng rng(seed_, kTagHubs);
    NameMaker names(seed_, kTagNames);
    std::vector<std::pair<double, Point>> hubs;  // bearing, position (for the loop line)
    if (metro_) {  // the real hubs, where they are
      for (const auto& [name, pos] : metro_->hubs) names.reserve(name);
      for (std::size_t h = 0; h < metro_->hubs.size(); ++h) {
        const auto& [name, pos] = metro_->hubs[h];
        const std::size_t before = city_.stations.size();
        add_station(names, pos, kRealHubs[h].riders, 0, name);
        const Point at = city_.stations.empty() ? pos : city_.stations.back().pos;
        if (city_.stations.size() > before && h > 0)
          hubs.push_back({std::atan2(at.y - c_.y, at.x - c_.x) * 180 / kPi, at});
      }
    }
    for (std::size_t h = 0; !metro_ && h < kHubs.size(); ++h) {
      const Hub& hub = kHubs[h];
      const double bearing = hub.bearing_deg + rng.uniform(-8, 8);
      const double km = hub.dist_km * rng.uniform(0.9, 1.1);
      const double riders = std::min(1.5e6, hub.riders * rng.uniform(0.85, 1.15));
      const std::size_t before = city_.stations.size();
      add_station(names, polar(bearing, km), std::round(riders), hub.bump, h == 0 ? "中央" : "");
      if (city_.stations.size() > before && h > 0) hubs.push_back({bearing, city_.stations.back().pos});
    }
    Rng srng(seed_, kTagStations);
    // A loop line through the sub-centre hubs (like the Yamanote line), a station every ~1.1 km.
    std::sort(hubs.begin(), hubs.end(), [](const auto& a, const auto& b) { return a.first < b.first; });
    for (std::size_t k = 0; hubs.size() >= 3 && k < hubs.size(); ++k) {
      const Point a = hubs[k].second, b = hubs[(k + 1) % hubs.size()].second;
      const int n = static_cast<int>(std::floor(distance(a, b) / 1100.0));
      for (int s = 1; s < n; ++s) {
        const double t = static_cast<double>(s) / n;
        const double riders = 100000 * std::exp(0.5 * srng.normal());
        add_station(names, {a.x + t * (b.x - a.x), a.y + t * (b.y - a.y)}, std::round(std::min(riders, 4e5)), 0);
      }
    }
    // Radial lines: two from each sub-centre hub, four from the centre.
    std::vector<std::pair<Point, double>> starts;  // origin, bearing
    const double rot = srng.uniform(0, 90);
    for (int k = 0; k < 4; ++k) starts.push_back({c_, rot + 90 * k});
    for (const auto& [bearing, pos] : hubs) {
      starts.push_back({pos, bearing - 12});
      starts.push_back({pos, bearing + 14});
    }
    for (const auto& [origin, bearing] : starts) {
      const double a = (bearing + srng.uniform(-5, 5)) * kPi / 180.0;
      const Point dir{std::cos(a), std::sin(a)};
      const bool suburban_centre_line = srng.uniform() < 0.5;
      double along = 0;
      bool had_centre = false;
      for (;;) {
        const Point here{origin.x + along * dir.x, origin.y + along * dir.y};
        const double r_km = distance(here, c_) / 1000.0;
        along += (1.2 + 0.05 * r_km) * 1000.0 * srng.uniform(0.8, 1.2);
        const Point p{origin.x + along * dir.x, origin.y + along * dir.y};
        if (!inside(p)) break;
        const double rk = distance(p, c_) / 1000.0;
        double riders = (20000 + 150000 * std::exp(-rk / 10.0)) * std::exp(0.5 * srng.normal());
        if (suburban_centre_line && !had_centre && rk > 18) {  // a suburban centre (like Tachikawa, Omiya)
          riders = srng.uniform(2.5e5, 6e5);
          had_centre = true;
        }
        add_station(names, p, std::round(std::min(riders, 8e5)), 0);
      }
    }
    // Spatial hash of stations for "near a station" queries.
    for (std::size_t s = 0; s < city_.stations.size(); ++s) {
      const Point p = city_.stations[s].pos;
      station_grid_[cell_key(p, kStationCellM)].push_back(static_cast<std::uint32_t>(s));
    }
  }

  static constexpr double kStationCellM = 800.0;  // >= the largest reach asked for
  static std::uint64_t cell_key(Point p, double cell) {
    const auto ix = static_cast<std::int32_t>(std::floor(p.x / cell));
    const auto iy = static_cast<std::int32_t>(std::floor(p.y / cell));
    return (static_cast<std::uint64_t>(static_cast<std::uint32_t>(ix)) << 32) | static_cast<std::uint32_t>(iy);
  }
  /// Nearest station within `cell`-ish reach: (distance, index), or (inf, none).
  std::pair<double, std::uint32_t> near_station(Point p) const {
    std::pair<double, std::uint32_t> best{INFINITY, kNone};
    const Point c = p;
    for (int dx = -1; dx <= 1; ++dx)
      for (int dy = -1; dy <= 1; ++dy) {
        const auto it = station_grid_.find(cell_key({c.x + dx * kStationCellM, c.y + dy * kStationCellM}, kStationCellM));
        if (it == station_grid_.end()) continue;
        for (const std::uint32_t s : it->second) {
          const double d = distance(p, city_.stations[s].pos);
          if (d < best.first || (d == best.first && s < best.second)) best = {d, s};
        }
      }
    return best;
  }
  /// Radius (m) around a station where streets become pedestrian/footways.
  double station_reach(std::uint32_t s) const {
    return 250.0 + 150.0 * std::min(1.0, city_.stations[s].riders / 1e6);
  }

  // -- arterials: rings and radials in lattice space, crossing the grid at shared vertices
  void plan_arterials() {
    for (double km : kRingKm) {
      if (km * 1000 > R_ - 300) break;
      // Mid-cell lattice radius, so the ring is never tangent to a grid line.
      ring_c_.push_back((std::floor(unwarp(km * 1000) / kBlockM) + 0.5) * kBlockM);
    }
    if (ring_c_.empty()) return;
    Rng rng(seed_, kTagRadials);
    const double rot = rng.uniform(0, 360.0 / kRadials);
    for (int k = 0; k < kRadials; ++k) {
      double deg = rot + k * 360.0 / kRadials + rng.uniform(-6, 6);
      // Off the grid axes, so the radial does not run along a grid line.
      const double m = std::fmod(std::fmod(deg, 90.0) + 90.0, 90.0);
      if (m < 6) deg += 6 - m;
      if (m > 84) deg -= m - 84;
      // Where it crosses each ring: the point nearest its bearing that lies well inside
      // a grid cell, so the crossing is never next to a grid street's vertex. The radial
      // runs straight (in lattice space) from one such point to the next.
      std::vector<double> at;
      for (double c : ring_c_) {
        const double step = 0.05 * kBlockM / c;  // radians: 1/20 of a cell along the ring
        double chosen = deg * kPi / 180.0;
        for (int t = 0; t < 200; ++t) {
          const double a = deg * kPi / 180.0 + (t % 2 ? -1 : 1) * step * ((t + 1) / 2);
          const double fu = c * std::cos(a) / kBlockM, fv = c * std::sin(a) / kBlockM;
          const double gu = fu - std::floor(fu), gv = fv - std::floor(fv);
          if (gu > 0.25 && gu < 0.75 && gv > 0.25 && gv < 0.75) { chosen = a; break; }
        }
        at.push_back(chosen);
      }
      radial_at_.push_back(std::move(at));
    }
    radial_x0_.assign(radial_at_.size(), {});
  }

  /// A vertex of an arterial. `key` orders it along the arterial (angle on a ring;
  /// piece index + fraction on a radial); (u, v) is its unjittered lattice position.
  struct Crossing { double key; std::uint32_t vid; double u, v; };

  /// An arterial crossing grid edge (i, j, d) at parameter t: one vertex, shared by the
  /// arterial and the grid street, kept kNudge away from the nodes so no tiny segment appears.
  Crossing edge_crossing(double key, int i, int j, Dir d, double t) {
    t = std::clamp(t, kNudge, 1 - kNudge);
    const std::uint32_t v = add_vertex(phys_edge(i, j, d, t));
    edge_pts_[edge_key(i, j, d)].push_back({t, v});
    const double u = d == kH ? (i + t) * kBlockM : i * kBlockM;
    const double w = d == kV ? (j + t) * kBlockM : j * kBlockM;
    return {key, v, u, w};
  }
  /// Records the cells the arterial's chords run through (keyed like the cell's
  /// bottom edge), so no block-crossing footpath is put there.
  void mark_chords(const std::vector<Crossing>& xs) {
    for (std::size_t k = 0; k + 1 < xs.size(); ++k) {
      const double mu = 0.5 * (xs[k].u + xs[k + 1].u), mv = 0.5 * (xs[k].v + xs[k + 1].v);
      arterial_cells_.insert(edge_key(static_cast<int>(std::floor(mu / kBlockM)),
                                      static_cast<int>(std::floor(mv / kBlockM)), kH));
    }
  }

  void build_rings() {
    for (std::size_t r = 0; r < ring_c_.size(); ++r) {
      const double c = ring_c_[r];
      std::vector<Crossing> xs;
      const int lim = static_cast<int>(std::floor(c / kBlockM));
      for (int i = -lim; i <= lim; ++i) {  // vertical lines u = i*s
        const double u = i * kBlockM, h = std::sqrt(c * c - u * u);
        for (double v : {h, -h}) {
          const int j = static_cast<int>(std::floor(v / kBlockM));
          xs.push_back(edge_crossing(std::atan2(v, u), i, j, kV, v / kBlockM - j));
        }
      }
      for (int j = -lim; j <= lim; ++j) {  // horizontal lines v = j*s
        const double v = j * kBlockM, h = std::sqrt(c * c - v * v);
        for (double u : {h, -h}) {
          const int i = static_cast<int>(std::floor(u / kBlockM));
          xs.push_back(edge_crossing(std::atan2(v, u), i, j, kH, u / kBlockM - i));
        }
      }
      for (std::size_t k = 0; k < radial_at_.size(); ++k) {  // where the radials cross
        const double a = radial_at_[k][r];
        const double u = c * std::cos(a), v = c * std::sin(a);
        const int i = static_cast<int>(std::floor(u / kBlockM)), j = static_cast<int>(std::floor(v / kBlockM));
        const std::uint32_t vid = add_vertex(phys_cell(i, j, u / kBlockM - i, v / kBlockM - j));
        xs.push_back({std::atan2(v, u), vid, u, v});
        radial_x0_[k].push_back({static_cast<double>(r), vid, u, v});
      }
      std::sort(xs.begin(), xs.end(), [](const Crossing& a, const Crossing& b) { return a.key < b.key; });
      if (!xs.empty()) xs.push_back(xs.front());  // closed
      mark_chords(xs);
      Road road;
      road.highway = r < 5 ? "primary" : "trunk";
      road.lanes = r < 5 ? 4 : 6;
      road.width = round1(3.5 * road.lanes + 2.5 + 2 * hash01(seed_, kTagWidth, -1, static_cast<std::int64_t>(r)));
      road.name = "環状" + std::to_string(r + 2) + "号線";
      for (const Crossing& x : xs) road.verts.push_back(x.vid);
      if (metro_) add_land_runs(std::move(road));  // the bay cuts rings into arcs
      else arterials_.push_back(std::move(road));
    }
  }

  void build_radials() {
    if (ring_c_.empty()) return;
    const double rho_end = unwarp(R_) + 3 * kBlockM;
    for (std::size_t k = 0; k < radial_at_.size(); ++k) {
      // Pieces between consecutive ring crossings, then out past the edge of the city.
      std::vector<Crossing> xs = radial_x0_[k];  // keys 0, 1, ...: the ring crossings
      std::vector<std::pair<double, double>> ctl;
      for (const Crossing& x : xs) ctl.push_back({x.u, x.v});
      const double last = radial_at_[k].back();
      ctl.push_back({rho_end * std::cos(last), rho_end * std::sin(last)});
      for (std::size_t p = 0; p + 1 < ctl.size(); ++p) {
        // Plain names, not structured bindings: the lambdas below capture them,
        // which clang++ before 16 does not allow (scripts/tsan.sh builds with clang++).
        const double u0 = ctl[p].first, v0 = ctl[p].second;
        const double u1 = ctl[p + 1].first, v1 = ctl[p + 1].second;
        const auto lines = [&](double a0, double a1, auto&& emit) {
          const double lo = std::min(a0, a1), hi = std::max(a0, a1);
          for (int m = static_cast<int>(std::ceil(lo / kBlockM)); m <= static_cast<int>(std::floor(hi / kBlockM)); ++m) {
            const double s = (m * kBlockM - a0) / (a1 - a0);
            if (s > 0 && s < 1) emit(m, s);
          }
        };
        lines(u0, u1, [&](int i, double s) {  // vertical grid lines
          const double v = v0 + s * (v1 - v0);
          const int j = static_cast<int>(std::floor(v / kBlockM));
          xs.push_back(edge_crossing(static_cast<double>(p) + s, i, j, kV, v / kBlockM - j));
        });
        lines(v0, v1, [&](int j, double s) {  // horizontal grid lines
          const double u = u0 + s * (u1 - u0);
          const int i = static_cast<int>(std::floor(u / kBlockM));
          xs.push_back(edge_crossing(static_cast<double>(p) + s, i, j, kH, u / kBlockM - i));
        });
      }
      std::sort(xs.begin(), xs.end(), [](const Crossing& p, const Crossing& q) { return p.key < q.key; });
      std::size_t keep = 0;
      while (keep < xs.size() && (metro_ || inside(city_.verts[xs[keep].vid]))) ++keep;
      xs.resize(keep);
      mark_chords(xs);
      Road road;
      road.highway = "trunk";
      road.lanes = 6;
      road.width = round1(3.5 * road.lanes + 2.5 + 2 * hash01(seed_, kTagWidth, -2, static_cast<std::int64_t>(k)));
      road.name = "放射" + std::to_string(k + 1) + "号線";
      for (const Crossing& x : xs) road.verts.push_back(x.vid);
      if (metro_) add_land_runs(std::move(road));  // the bay, and the city's edge
      else if (road.verts.size() >= 2) arterials_.push_back(std::move(road));
    }
  }

  static double round1(double x) { return std::round(x * 10.0) / 10.0; }

  // -- grid streets
  struct EdgeClass { const char* highway; int lanes; std::uint32_t station; };

  EdgeClass classify(int i, int j, Dir d) const {
    const int line = d == kH ? j : i;
    const int off = d == kH ? off_sec_y_ : off_sec_;
    const int m = ((line - off) % kSecondaryEvery + kSecondaryEvery) % kSecondaryEvery;
    if (m == 0) return {"secondary", hash01(seed_, kTagLanes, line, d) < 0.5 ? 2 : 4, kNone};
    if (m % kTertiaryEvery == 0) return {"tertiary", 2, kNone};
    const std::uint64_t key = edge_key(i, j, d);
    const double h = hash01(seed_, kTagClass, static_cast<std::int64_t>(key));
    const Point a = city_.verts[node(i, j)];
    const Point b = city_.verts[d == kH ? node(i + 1, j) : node(i, j + 1)];
    const auto [dist, s] = near_station({0.5 * (a.x + b.x), 0.5 * (a.y + b.y)});
    if (s != kNone && dist < station_reach(s)) {
      if (h < 0.35) return {"pedestrian", 0, s};
      if (h < 0.45) return {"footway", 0, s};
    } else if (h < 0.002) {
      return {"steps", 0, kNone};
    }
    return {"residential", 1, kNone};
  }

  /// Both ends of grid edge (i, j, d) are inside the city (it may still be dropped).
  bool edge_exists(int i, int j, Dir d) const {
    return node(i, j) != kNone && (d == kH ? node(i + 1, j) : node(i, j + 1)) != kNone;
  }
  bool dropped(int i, int j, Dir d, const EdgeClass& c) const {
    return std::string_view(c.highway) == "residential" &&
           hash01(seed_, kTagDrop, static_cast<std::int64_t>(edge_key(i, j, d))) < kDropLink;
  }

  std::string grid_name(const EdgeClass& c, int i, int j, Dir d) const {
    const std::string_view hw = c.highway;
    if (hw == "pedestrian") return city_.stations[c.station].name + "駅前通り";
    if (hw != "tertiary" && hw != "secondary") return {};
    // Grid-city style names: 北3条通 (east-west lines), 西5丁目通 (north-south lines).
    const int line = d == kH ? j : i;
    const int off = d == kH ? off_sec_y_ : off_sec_;
    const int k = ((line - off) - (((line - off) % kTertiaryEvery + kTertiaryEvery) % kTertiaryEvery)) / kTertiaryEvery;
    if (d == kH) return (k >= 0 ? "北" + std::to_string(k + 1) : "南" + std::to_string(-k)) + "条通";
    return (k >= 0 ? "東" + std::to_string(k + 1) : "西" + std::to_string(-k)) + "丁目通";
  }

  double width_for(const std::string_view hw, int lanes, double h) const {
    if (hw == "residential") return round1(4.0 + 2.5 * h);
    if (hw == "pedestrian") return round1(6.0 + 6.0 * h);
    if (hw == "footway") return round1(2.0 + 2.0 * h);
    if (hw == "steps") return round1(2.0 + 3.0 * h);
    return round1(3.5 * lanes + 2.5 + 2.0 * h);  // DOMAIN.md: 3.5 per lane + 2.5 m
  }

  void emit_run(std::vector<std::uint32_t>& verts, const EdgeClass& c, int i, int j, Dir d) {
    if (verts.size() < 2) { verts.clear(); return; }
    Road road;
    road.verts = std::move(verts);
    verts = {};
    road.highway = c.highway;
    road.lanes = c.lanes;
    road.name = grid_name(c, i, j, d);
    road.width = width_for(road.highway, c.lanes, hash01(seed_, kTagWidth, static_cast<std::int64_t>(edge_key(i, j, d))));
    city_.roads.push_back(std::move(road));
  }

  /// Appends edge (i, j, d)'s interior arterial crossings, in order from its first node.
  void append_interior(std::vector<std::uint32_t>& verts, int i, int j, Dir d) {
    const auto it = edge_pts_.find(edge_key(i, j, d));
    if (it == edge_pts_.end()) return;
    auto pts = it->second;
    std::sort(pts.begin(), pts.end());
    for (const auto& [t, v] : pts) verts.push_back(v);
  }

  void build_grid_streets() {
    for (const Dir d : {kH, kV}) {
      for (int line = -I_; line <= I_; ++line) {
        std::vector<std::uint32_t> run;
        EdgeClass run_class{"", 0, kNone};
        int run_i = 0, run_j = 0;
        for (int along = -I_; along < I_; ++along) {
          const int i = d == kH ? along : line, j = d == kH ? line : along;
          bool ok = edge_exists(i, j, d);
          EdgeClass c{"", 0, kNone};
          if (ok) {
            c = classify(i, j, d);
            ok = !dropped(i, j, d, c);
          }
          const bool same = ok && !run.empty() && std::string_view(c.highway) == run_class.highway &&
                            c.station == run_class.station;
          if (!same && !run.empty()) emit_run(run, run_class, run_i, run_j, d);
          if (!ok) continue;
          if (run.empty()) {
            run.push_back(node(i, j));
            run_class = c;
            run_i = i;
            run_j = j;
          }
          append_interior(run, i, j, d);
          run.push_back(d == kH ? node(i + 1, j) : node(i, j + 1));
        }
        if (!run.empty()) emit_run(run, run_class, run_i, run_j, d);
      }
    }
  }

  void build_diagonals() {
    // Footpaths across blocks near stations (and a few in parks elsewhere), some as stairs.
    for (int i = -I_; i < I_; ++i)
      for (int j = -I_; j < I_; ++j) {
        if (node(i, j) == kNone || node(i + 1, j + 1) == kNone || node(i + 1, j) == kNone ||
            node(i, j + 1) == kNone)
          continue;
        if (arterial_cells_.count(edge_key(i, j, kH))) continue;
        const Point mid = phys_cell(i, j, 0.5, 0.5);
        const auto [dist, s] = near_station(mid);
        const bool near = s != kNone && dist < 2 * station_reach(s);
        const double h = hash01(seed_, kTagDiag, i, j);
        if (h >= (near ? 0.25 : 0.01)) continue;
        const bool flip = hash01(seed_, kTagDiagDir, i, j) < 0.5;
        Road road;
        road.verts = flip ? std::vector<std::uint32_t>{node(i + 1, j), node(i, j + 1)}
                          : std::vector<std::uint32_t>{node(i, j), node(i + 1, j + 1)};
        road.highway = near && hash01(seed_, kTagDiagSteps, i, j) < 0.15 ? "steps" : "footway";
        road.width = width_for(road.highway, 0, hash01(seed_, kTagWidth, i, j + 7));
        city_.roads.push_back(std::move(road));
      }
    for (Road& r : arterials_) city_.roads.push_back(std::move(r));
    arterials_.clear();
  }

  // -- zones and population
  double day_density(Point p) const {
    double d = day_core(distance(p, c_) / 1000.0);
    for (const auto& [hub, bump] : hub_bumps_) {
      const double r = distance(p, hub) / 1000.0;
      d += bump * std::exp(-r * r / (2 * kHubSigmaKm * kHubSigmaKm));
    }
    return d;
  }
  double night_density(Point p) const {
    double d = night_core(distance(p, c_) / 1000.0);
    for (const auto& [hub, bump] : hub_bumps_) {
      const double r = distance(p, hub) / 1000.0;
      d += kHubNightShare * bump * std::exp(-r * r / (2 * kHubSigmaKm * kHubSigmaKm));
    }
    return d;
  }

  static double normal_cdf(double z) { return 0.5 * std::erfc(-z / std::numbers::sqrt2); }

  // Sidewalks each side (docs/network.md, "Synthetic city"): main roads have them,
  // wider on the bigger roads; back streets have none (walkers share the carriageway).
  void assign_sidewalks() {
    for (std::size_t r = 0; r < city_.roads.size(); ++r) {
      Road& road = city_.roads[r];
      const double h = hash01(seed_, kTagSidewalk, static_cast<std::int64_t>(r));
      if (road.highway == "trunk" || road.highway == "primary") road.sidewalk = round1(3.5 + 1.5 * h);
      else if (road.highway == "secondary") road.sidewalk = round1(3.0 + 1.0 * h);
      else if (road.highway == "tertiary") road.sidewalk = round1(2.0 + 1.0 * h);
      else if (road.highway == "residential") road.sidewalk = 0;
    }
  }

  void build_zones() {
    const double half = 0.5 * kZoneKm * 1000.0, size = kZoneKm * 1000.0;
    const int lim = static_cast<int>(std::ceil(R_ / size + 0.5));
    // Samples per zone side: 10 (100 m apart), finer for a tiny city so its zones still see it.
    const int kSub = std::clamp(static_cast<int>(std::ceil(5000.0 / R_)), 10, 200);
    for (int iy = lim; iy >= -lim; --iy)
      for (int ix = -lim; ix <= lim; ++ix) {
        const Point lo{c_.x + ix * size - half, c_.y + iy * size - half};
        const Point hi{lo.x + size, lo.y + size};
        const double nx = std::clamp(c_.x, lo.x, hi.x), ny = std::clamp(c_.y, lo.y, hi.y);
        if (std::hypot(nx - c_.x, ny - c_.y) >= R_) continue;
        double day = 0, night = 0;
        const double cell_km2 = (kZoneKm * kZoneKm) / (kSub * kSub);
        for (int a = 0; a < kSub; ++a)
          for (int b = 0; b < kSub; ++b) {
            const Point p{lo.x + (a + 0.5) * size / kSub, lo.y + (b + 0.5) * size / kSub};
            if (distance(p, c_) > R_) continue;
            day += day_density(p) * cell_km2;
            night += night_density(p) * cell_km2;
          }
        if (day <= 0) continue;
        const auto noise = [&](Tag t1, Tag t2) {
          const double z = normal_from(hash01(seed_, t1, ix, iy), hash01(seed_, t2, ix, iy));
          return std::exp(kZoneNoise * z - 0.5 * kZoneNoise * kZoneNoise);
        };
        day = std::round(day * noise(kTagZoneDay, kTagZoneDay2));
        night = std::round(night * noise(kTagZoneNight, kTagZoneNight2));
        ZoneOut z;
        char id[32];
        std::snprintf(id, sizeof id, "Z%+04d%+04d", ix, iy);
        z.id = id;
        z.min = lo;
        z.max = hi;
        z.day = day;
        z.night = night;
        set_home_shares(z);
        city_.zones.push_back(std::move(z));
      }
  }

  // Home distances: locals (band 0-5 km) plus log-normal commuters whose median
  // distance grows with the zone's day/night ratio (business districts draw from afar).
  static void set_home_shares(ZoneOut& z) {
    const double day = z.day, night = z.night;
    const double q = night > 0 ? day / night : 10.0;
    const double local = std::min(0.9, kLocalFactor / q);
    const double median = kCommuteMedianMinKm + kCommuteMedianSpanKm * std::clamp((q - 1) / 6, 0.0, 1.0);
    double prev = 0, sum = 0;
    for (std::size_t b = 0; b < kHomeBands; ++b) {
      const double edge = kHomeBandEdgesKm[b + 1];
      const double cdf = b + 1 == kHomeBands ? 1.0
                                             : normal_cdf(std::log(edge / median) / kCommuteSigma);
      z.share[b] = (1 - local) * (cdf - prev) + (b == 0 ? local : 0.0);
      prev = cdf;
      if (b + 1 < kHomeBands) sum += z.share[b];
    }
    z.share[kHomeBands - 1] = std::max(0.0, 1.0 - sum);
  }

  // -- districts (area labels) and facilities
  const std::string& district(Point p) {
    static constexpr std::array<double, 12> kBandKm{0, 2, 5, 9, 14, 20, 28, 38, 50, 65, 82, 1e9};
    const double r = distance(p, c_) / 1000.0;
    int band = 0;
    while (r >= kBandKm[band + 1]) ++band;
    const int sectors = band == 0 ? 1 : 2 + 2 * band;
    double ang = std::atan2(p.y - c_.y, p.x - c_.x);
    if (ang < 0) ang += 2 * kPi;
    const int sector = std::min(sectors - 1, static_cast<int>(ang / (2 * kPi) * sectors));
    if (district_names_.empty()) {
      // All names are drawn at once in (band, sector) order, so a district's name does
      // not depend on which facility first asks for it.
      NameMaker names(seed_, kTagNames + 100);
      for (int b = 0; b + 1 < static_cast<int>(kBandKm.size()) && kBandKm[b] * 1000 <= R_; ++b)
        for (int s = 0; s < (b == 0 ? 1 : 2 + 2 * b); ++s)
          district_names_[static_cast<std::uint64_t>(b) * 1000 + s] =
              b == 0 ? std::string("中央区") : names.make() + (kBandKm[b] < 20 ? "区" : "市");
    }
    return district_names_.at(static_cast<std::uint64_t>(band) * 1000 + sector);
  }

  /// Nearest point on an existing grid street to p: (point, distance), or distance inf.
  std::pair<Point, double> snap_to_grid(Point p) const {
    const auto [ci, cj] = cell_of(p);
    std::pair<Point, double> best{{}, INFINITY};
    std::vector<Point> poly;
    for (int i = ci - 2; i <= ci + 2; ++i)
      for (int j = cj - 2; j <= cj + 2; ++j)
        for (const Dir d : {kH, kV}) {
          if (!edge_exists(i, j, d) || dropped(i, j, d, classify(i, j, d))) continue;
          poly.clear();
          poly.push_back(city_.verts[node(i, j)]);
          if (const auto it = edge_pts_.find(edge_key(i, j, d)); it != edge_pts_.end()) {
            auto pts = it->second;
            std::sort(pts.begin(), pts.end());
            for (const auto& [t, v] : pts) poly.push_back(city_.verts[v]);
          }
          poly.push_back(city_.verts[d == kH ? node(i + 1, j) : node(i, j + 1)]);
          for (std::size_t k = 0; k + 1 < poly.size(); ++k) {
            const SegmentProjection sp = project_on_segment(p, poly[k], poly[k + 1]);
            if (sp.dist < best.second) best = {sp.point, sp.dist};
          }
        }
    return best;
  }

  void place_facilities() {
    double total_day = 0;
    std::vector<double> zone_cum;
    for (const ZoneOut& z : city_.zones) zone_cum.push_back(total_day += z.day);
    double riders_total = 0;
    std::vector<double> station_cum;
    for (const StationOut& s : city_.stations) station_cum.push_back(riders_total += s.riders);
    if (total_day <= 0 || city_.verts.empty()) return;
    const double target = std::round(capacity_share_ * total_day);
    Rng rng(seed_, kTagFacilities);
    double placed = 0;
    int failures = 0;
    const auto pick = [&](const std::vector<double>& cum, double total) {
      const double x = rng.uniform() * total;
      return static_cast<std::size_t>(std::upper_bound(cum.begin(), cum.end(), x) - cum.begin());
    };
    while (placed + kMinCapacity <= target && failures < 100000) {
      Point want;
      if (riders_total > 0 && rng.uniform() < kStationAnchoredShare) {
        const StationOut& s = city_.stations[std::min(pick(station_cum, riders_total), station_cum.size() - 1)];
        const double r = 800.0 * std::sqrt(rng.uniform()), a = 2 * kPi * rng.uniform();
        want = {s.pos.x + r * std::cos(a), s.pos.y + r * std::sin(a)};
      } else {
        const ZoneOut& z = city_.zones[std::min(pick(zone_cum, total_day), zone_cum.size() - 1)];
        want = {rng.uniform(z.min.x, z.max.x), rng.uniform(z.min.y, z.max.y)};
      }
      const double offset = rng.uniform(2.0, 8.0);
      const double cap_draw = std::exp(kCapacitySigma * rng.normal() - 0.5 * kCapacitySigma * kCapacitySigma);
      if (!inside(want) || (metro_ && !metro_->populated(want))) { ++failures; continue; }  // metropolis: in Tokyo
      const auto [foot, dist] = metro_ ? snap_to_roads(want) : snap_to_grid(want);
      if (!(dist <= 2 * local_spacing(want))) { ++failures; continue; }
      // Just off the street, on the side the draw fell on (a building's frontage).
      Point pos = foot;
      if (dist > 1e-9) {
        const double k = std::min(offset, dist) / dist;
        pos = {foot.x + (want.x - foot.x) * k, foot.y + (want.y - foot.y) * k};
      }
      if (!inside(pos)) { ++failures; continue; }
      int cap = static_cast<int>(std::lround(std::clamp(kMeanCapacity * cap_draw, double(kMinCapacity), double(kMaxCapacity))));
      cap = static_cast<int>(std::min<double>(cap, target - placed));
      FacilityOut f;
      f.area = district(pos);
      char num[16];
      // Numbered by its facility id (ShelterId, from 0), the number commands, logs and
      // the dashboard use: 「… 00017」 is facility=17.
      std::snprintf(num, sizeof num, "%05zu", city_.facilities.size());
      f.name = f.area + " 一時滞在施設 " + num;
      f.pos = pos;
      f.capacity = cap;
      placed += cap;
      city_.facilities.push_back(std::move(f));
    }
  }

  // -- the metropolis: land, rivers, one connected city, mesh zones

  /// Appends the runs of an arterial whose vertices are all on land inside the city.
  void add_land_runs(Road&& road) {
    std::vector<std::uint32_t> run;
    const auto flush = [&] {
      if (run.size() >= 2) {
        Road piece = road;
        piece.verts = std::move(run);
        arterials_.push_back(std::move(piece));
      }
      run.clear();
    };
    for (const std::uint32_t v : road.verts) {
      if (inside(city_.verts[v])) run.push_back(v);
      else flush();
    }
    flush();
  }

  static int bridge_rank(const std::string& hw) {  // -1: never a bridge (cut where it crosses)
    if (hw == "trunk" || hw == "primary") return 0;
    if (hw == "secondary") return 1;
    if (hw == "tertiary") return 2;
    if (hw == "residential") return 3;
    return -1;
  }

  /// Every street segment that crosses a river is removed, except the bridges: all trunk
  /// and primary crossings, then, one by one, the crossing farthest along the river from
  /// the bridges so far (the bigger road when near equal), until the river's spacing is
  /// reached, never two within kMinBridgeGapM. A bridge is its own feature, bridge = yes.
  void cut_rivers() {
    struct Cand { std::size_t road, seg; double s; int rank; };
    NameMaker names(seed_, kTagBridgeNames);
    std::unordered_map<std::size_t, std::vector<std::pair<std::size_t, bool>>> decided;  // road -> (seg, bridge)
    for (const RiverOut& river : metro_->rivers) {
      RiverReport rep;
      rep.name = river.name;
      const std::vector<Point>& line = river.line;
      std::vector<double> at(1, 0.0);  // distance along the river at each vertex
      for (std::size_t m = 0; m + 1 < line.size(); ++m) at.push_back(at.back() + distance(line[m], line[m + 1]));
      // Its length inside the city, and the ends of that stretch, sampled every 50 m.
      double lo = INFINITY, hi = -INFINITY, len = 0;
      for (std::size_t m = 0; m + 1 < line.size(); ++m) {
        const double seg = at[m + 1] - at[m];
        const int n = std::max(1, static_cast<int>(std::ceil(seg / 50.0)));
        for (int k = 0; k < n; ++k) {
          const double t = (k + 0.5) / n;
          if (!inside({line[m].x + t * (line[m + 1].x - line[m].x), line[m].y + t * (line[m + 1].y - line[m].y)}))
            continue;
          len += seg / n;
          lo = std::min(lo, at[m] + t * seg);
          hi = std::max(hi, at[m] + t * seg);
        }
      }
      rep.length_km = len / 1000.0;
      const auto [blo, bhi] = bounds(line);
      std::vector<Cand> cands;
      for (std::size_t r = 0; r < city_.roads.size(); ++r) {
        const Road& road = city_.roads[r];
        for (std::size_t k = 0; k + 1 < road.verts.size(); ++k) {
          const Point a = city_.verts[road.verts[k]], b = city_.verts[road.verts[k + 1]];
          if (std::max(a.x, b.x) < blo.x || std::min(a.x, b.x) > bhi.x || std::max(a.y, b.y) < blo.y ||
              std::min(a.y, b.y) > bhi.y)
            continue;
          for (std::size_t m = 0; m + 1 < line.size(); ++m) {
            const Point p = line[m], q = line[m + 1];
            const double d = (b.x - a.x) * (q.y - p.y) - (b.y - a.y) * (q.x - p.x);
            if (d == 0) continue;
            const double t = ((p.x - a.x) * (q.y - p.y) - (p.y - a.y) * (q.x - p.x)) / d;
            const double u = ((p.x - a.x) * (b.y - a.y) - (p.y - a.y) * (b.x - a.x)) / d;
            if (t < 0 || t > 1 || u < 0 || u > 1) continue;
            cands.push_back({r, k, at[m] + u * (at[m + 1] - at[m]), bridge_rank(road.highway)});
            break;
          }
        }
      }
      rep.crossings = cands.size();
      std::vector<char> chosen(cands.size(), 0);
      std::vector<double> bridges;  // positions along the river
      for (std::size_t c = 0; c < cands.size(); ++c)
        if (cands[c].rank == 0) chosen[c] = 1, bridges.push_back(cands[c].s), ++rep.main_bridges;
      const double spacing = river.spacing_km * 1000.0;
      const std::size_t target =
          std::max(bridges.size(), static_cast<std::size_t>(std::lround(len / spacing)));
      static constexpr std::array<double, 4> kWeight{1.0, 1.0, 0.85, 0.7};  // by rank
      while (bridges.size() < target) {
        double best = -1;
        std::size_t pick = cands.size();
        for (std::size_t c = 0; c < cands.size(); ++c) {
          if (chosen[c] || cands[c].rank < 0) continue;
          double gap = 2 * std::min(cands[c].s - lo, hi - cands[c].s);  // half a spacing from the ends
          for (const double b : bridges) gap = std::min(gap, std::abs(cands[c].s - b));
          if (gap < kMinBridgeGapM) continue;
          const double score = gap * kWeight[static_cast<std::size_t>(cands[c].rank)];
          if (score > best) best = score, pick = c;
        }
        if (pick == cands.size()) break;
        chosen[pick] = 1;
        bridges.push_back(cands[pick].s);
      }
      for (std::size_t c = 0; c < cands.size(); ++c) decided[cands[c].road].push_back({cands[c].seg, chosen[c] != 0});
      rep.bridges = bridges.size();
      river_reports_.push_back(std::move(rep));
    }
    // Rebuild the roads: each cut segment splits its road, each bridge becomes a feature.
    std::vector<Road> out;
    out.reserve(city_.roads.size() + 2 * decided.size());
    for (std::size_t r = 0; r < city_.roads.size(); ++r) {
      Road& road = city_.roads[r];
      const auto it = decided.find(r);
      if (it == decided.end()) { out.push_back(std::move(road)); continue; }
      auto segs = it->second;
      std::sort(segs.begin(), segs.end());
      const auto piece = [&](std::vector<std::uint32_t> verts) {
        Road p = road;
        p.verts = std::move(verts);
        return p;
      };
      std::vector<std::uint32_t> run{road.verts[0]};
      std::size_t next = 0;
      for (std::size_t k = 0; k + 1 < road.verts.size(); ++k) {
        if (next >= segs.size() || segs[next].first != k) { run.push_back(road.verts[k + 1]); continue; }
        bool bridge = false;
        while (next < segs.size() && segs[next].first == k) bridge |= segs[next++].second;  // two rivers: either
        if (run.size() >= 2) out.push_back(piece(std::move(run)));
        if (bridge) {
          Road b = piece({road.verts[k], road.verts[k + 1]});
          b.bridge = true;
          std::string n = names.make();
          if (!n.ends_with("橋")) n += bridge_rank(road.highway) == 0 ? "大橋" : "橋";
          b.name = std::move(n);
          if (bridge_rank(b.highway) > 1) {  // a back street's crossing is built as a two-lane bridge
            b.highway = "tertiary";
            b.lanes = 2;
            b.width = std::max(b.width, width_for("tertiary", 2, hash01(seed_, kTagBridges, static_cast<std::int64_t>(r),
                                                                    static_cast<std::int64_t>(k))));
          }
          out.push_back(std::move(b));
        }
        run = {road.verts[k + 1]};
      }
      if (run.size() >= 2) out.push_back(piece(std::move(run)));
    }
    city_.roads = std::move(out);
  }

  /// Keeps the roads of the largest connected part (by vertices; ties: the lower vertex)
  /// and the stations on it: a bank the rivers cut off, or an island, goes.
  void keep_largest_part() {
    std::vector<std::uint32_t> parent(city_.verts.size());
    for (std::uint32_t v = 0; v < parent.size(); ++v) parent[v] = v;
    const auto find = [&](std::uint32_t v) {
      while (parent[v] != v) v = parent[v] = parent[parent[v]];
      return v;
    };
    for (const Road& r : city_.roads)
      for (std::size_t k = 1; k < r.verts.size(); ++k) {
        const std::uint32_t a = find(r.verts[0]), b = find(r.verts[k]);
        if (a != b) parent[std::max(a, b)] = std::min(a, b);
      }
    std::vector<std::uint32_t> size(parent.size(), 0);
    std::vector<char> used(parent.size(), 0);
    for (const Road& r : city_.roads)
      for (const std::uint32_t v : r.verts)
        if (!used[v]) used[v] = 1, ++size[find(v)];
    std::uint32_t main = 0;
    for (std::uint32_t v = 0; v < size.size(); ++v)
      if (size[v] > size[main]) main = v;
    std::vector<Road> kept;
    for (Road& r : city_.roads) {
      if (find(r.verts[0]) == main) kept.push_back(std::move(r));
      else ++dropped_roads_;
    }
    city_.roads = std::move(kept);
    std::vector<StationOut> stations;
    for (StationOut& s : city_.stations)
      if (used[s.vid] && find(s.vid) == main) stations.push_back(std::move(s));
    city_.stations = std::move(stations);
    station_grid_.clear();
    for (std::size_t s = 0; s < city_.stations.size(); ++s)
      station_grid_[cell_key(city_.stations[s].pos, kStationCellM)].push_back(static_cast<std::uint32_t>(s));
  }

  /// The mesh zones inside the radius, with home shares from their day/night ratio.
  void mesh_zones() {
    for (const ZoneOut& m : metro_->mesh) {
      Point c{0, 0};
      for (std::size_t k = 0; k + 1 < m.ring.size(); ++k) c = {c.x + m.ring[k].x, c.y + m.ring[k].y};
      const double n = static_cast<double>(m.ring.size() > 1 ? m.ring.size() - 1 : 1);
      if (distance({c.x / n, c.y / n}, c_) > R_) continue;
      ZoneOut z = m;
      set_home_shares(z);
      city_.zones.push_back(std::move(z));
    }
  }

  // Kept streets (not bridges), hashed by 200 m cells, for putting facilities on them.
  static constexpr double kSegCellM = 200.0;
  void index_segments() {
    for (std::uint32_t r = 0; r < city_.roads.size(); ++r) {
      const Road& road = city_.roads[r];
      if (road.bridge) continue;
      for (std::uint32_t k = 0; k + 1 < road.verts.size(); ++k) {
        const Point a = city_.verts[road.verts[k]], b = city_.verts[road.verts[k + 1]];
        seg_grid_[cell_key({0.5 * (a.x + b.x), 0.5 * (a.y + b.y)}, kSegCellM)].push_back({r, k});
      }
    }
  }
  std::pair<Point, double> snap_to_roads(Point p) const {
    std::pair<Point, double> best{{}, INFINITY};
    for (int dx = -1; dx <= 1; ++dx)
      for (int dy = -1; dy <= 1; ++dy) {
        const auto it = seg_grid_.find(cell_key({p.x + dx * kSegCellM, p.y + dy * kSegCellM}, kSegCellM));
        if (it == seg_grid_.end()) continue;
        for (const auto& [r, k] : it->second) {
          const Road& road = city_.roads[r];
          const SegmentProjection sp = project_on_segment(p, city_.verts[road.verts[k]], city_.verts[road.verts[k + 1]]);
          if (sp.dist < best.second) best = {sp.point, sp.dist};
        }
      }
    return best;
  }

  std::uint64_t seed_;
  double capacity_share_;
  double R_;
  Point c_;
  const Metro* metro_ = nullptr;
  std::vector<RiverReport> river_reports_;
  std::size_t dropped_roads_ = 0;
  std::unordered_map<std::uint64_t, std::vector<std::pair<std::uint32_t, std::uint32_t>>> seg_grid_;
  int I_ = 0, n_ = 0;
  int off_sec_ = 0, off_sec_y_ = 0;
  std::vector<double> line_x_, line_y_;
  std::vector<std::uint32_t> node_vid_;
  std::unordered_map<std::uint64_t, std::vector<std::pair<double, std::uint32_t>>> edge_pts_;
  std::unordered_set<std::uint64_t> arterial_cells_;
  std::vector<double> ring_c_;
  std::vector<std::vector<double>> radial_at_;  // per radial, its angle (radians) at each ring
  std::vector<std::vector<Crossing>> radial_x0_;
  std::vector<Road> arterials_;
  std::unordered_set<std::uint32_t> station_nodes_;
  std::unordered_map<std::uint64_t, std::vector<std::uint32_t>> station_grid_;
  std::vector<std::pair<Point, double>> hub_bumps_;
  std::unordered_map<std::uint64_t, std::string> district_names_;
  City city_;
};

// ---- writing ------------------------------------------------------------------------

/// Sets a GDAL config option on this thread for the scope.
class ThreadConfig {
 public:
  ThreadConfig(const char* key, const char* value) : key_(key) {
    if (const char* old = CPLGetThreadLocalConfigOption(key, nullptr)) old_ = old, had_ = true;
    CPLSetThreadLocalConfigOption(key, value);
  }
  ~ThreadConfig() { CPLSetThreadLocalConfigOption(key_, had_ ? old_.c_str() : nullptr); }
  ThreadConfig(const ThreadConfig&) = delete;
  ThreadConfig& operator=(const ThreadConfig&) = delete;

 private:
  const char* key_;
  std::string old_;
  bool had_ = false;
};

OGRLayer* make_layer(GDALDataset& ds, const std::string& path, const char* name,
                     const OGRSpatialReference& srs, OGRwkbGeometryType type,
                     std::initializer_list<std::pair<const char*, OGRFieldType>> fields) {
  const char* opts[] = {"FID=fid", "GEOMETRY_NAME=geom", nullptr};
  OGRSpatialReference layer_srs(srs);  // GDAL 3.6 takes a non-const pointer
  OGRLayer* layer = ds.CreateLayer(name, &layer_srs, type, const_cast<char**>(opts));
  if (!layer) throw InputError(path, std::string("layer ") + name, "cannot create: " + last_gdal_error());
  for (const auto& [fname, ftype] : fields) {
    OGRFieldDefn defn(fname, ftype);
    if (layer->CreateField(&defn) != OGRERR_NONE)
      throw InputError(path, std::string("layer ") + name, std::string("cannot create field ") + fname);
  }
  return layer;
}

void put(OGRLayer* layer, OGRFeature& f, const std::string& path) {
  if (layer->CreateFeature(&f) != OGRERR_NONE)
    throw InputError(path, std::string("layer ") + layer->GetName(), "cannot write a feature: " + last_gdal_error());
}

void write_city(const City& city, const std::string& path, const OGRSpatialReference& srs) {
  DatasetPtr ds = create_vector(path, "GPKG");
  if (ds->StartTransaction() != OGRERR_NONE) throw InputError(path, "", "cannot start a transaction");

  OGRLayer* roads = make_layer(*ds, path, "roads", srs, wkbLineString,
                               {{"highway", OFTString}, {"width", OFTReal}, {"name", OFTString}, {"lanes", OFTInteger},
                                {"sidewalk", OFTString}, {"sidewalk:width", OFTReal}});
  const bool bridges = !city.rivers.empty();  // the metropolis: the circle's layer stays as it was
  if (bridges) {
    OGRFieldDefn defn("bridge", OFTString);
    if (roads->CreateField(&defn) != OGRERR_NONE) throw InputError(path, "layer roads", "cannot create field bridge");
  }
  {
    OGRFeature f(roads->GetLayerDefn());
    for (const Road& r : city.roads) {
      OGRLineString line;
      line.setNumPoints(static_cast<int>(r.verts.size()), FALSE);
      for (std::size_t k = 0; k < r.verts.size(); ++k)
        line.setPoint(static_cast<int>(k), city.verts[r.verts[k]].x, city.verts[r.verts[k]].y);
      f.SetFID(OGRNullFID);
      f.SetField("highway", r.highway.c_str());
      f.SetField("width", r.width);
      f.SetField("name", r.name.c_str());
      f.SetField("lanes", r.lanes);
      if (r.sidewalk > 0) {
        f.SetField("sidewalk", "both");
        f.SetField("sidewalk:width", r.sidewalk);
      } else if (r.sidewalk == 0) {
        f.SetField("sidewalk", "no");
        f.SetFieldNull(f.GetFieldIndex("sidewalk:width"));
      } else {
        f.SetFieldNull(f.GetFieldIndex("sidewalk"));
        f.SetFieldNull(f.GetFieldIndex("sidewalk:width"));
      }
      if (bridges) {
        if (r.bridge) f.SetField("bridge", "yes");
        else f.SetFieldNull(f.GetFieldIndex("bridge"));
      }
      f.SetGeometry(&line);
      put(roads, f, path);
    }
  }
  OGRLayer* stations = make_layer(*ds, path, "stations", srs, wkbPoint,
                                  {{"name", OFTString}, {"daily_riders", OFTReal}});
  for (const StationOut& s : city.stations) {
    OGRFeature f(stations->GetLayerDefn());
    OGRPoint pt(s.pos.x, s.pos.y);
    f.SetField("name", s.name.c_str());
    f.SetField("daily_riders", s.riders);
    f.SetGeometry(&pt);
    put(stations, f, path);
  }
  OGRLayer* facilities = make_layer(*ds, path, "facilities", srs, wkbPoint,
                                    {{"name", OFTString}, {"area", OFTString}, {"capacity", OFTInteger}});
  for (const FacilityOut& fa : city.facilities) {
    OGRFeature f(facilities->GetLayerDefn());
    OGRPoint pt(fa.pos.x, fa.pos.y);
    f.SetField("name", fa.name.c_str());
    f.SetField("area", fa.area.c_str());
    f.SetField("capacity", fa.capacity);
    f.SetGeometry(&pt);
    put(facilities, f, path);
  }
  static constexpr std::array<const char*, kHomeBands> kShareFields{
      "home_0_5", "home_5_10", "home_10_15", "home_15_20", "home_20_30", "home_30_plus"};
  OGRLayer* zones = make_layer(*ds, path, "zones", srs, wkbPolygon,
                               {{"zone_id", OFTString}, {"day_pop", OFTReal}, {"night_pop", OFTReal},
                                {kShareFields[0], OFTReal}, {kShareFields[1], OFTReal}, {kShareFields[2], OFTReal},
                                {kShareFields[3], OFTReal}, {kShareFields[4], OFTReal}, {kShareFields[5], OFTReal}});
  for (const ZoneOut& z : city.zones) {
    OGRFeature f(zones->GetLayerDefn());
    OGRLinearRing ring;
    if (!z.ring.empty()) {
      for (const Point p : z.ring) ring.addPoint(p.x, p.y);
    } else {
      ring.addPoint(z.min.x, z.min.y);
      ring.addPoint(z.max.x, z.min.y);
      ring.addPoint(z.max.x, z.max.y);
      ring.addPoint(z.min.x, z.max.y);
      ring.addPoint(z.min.x, z.min.y);
    }
    OGRPolygon poly;
    poly.addRing(&ring);
    f.SetField("zone_id", z.id.c_str());
    f.SetField("day_pop", z.day);
    f.SetField("night_pop", z.night);
    for (std::size_t b = 0; b < kHomeBands; ++b) f.SetField(kShareFields[b], z.share[b]);
    f.SetGeometry(&poly);
    put(zones, f, path);
  }
  if (!city.rivers.empty()) {
    OGRLayer* rivers = make_layer(*ds, path, "rivers", srs, wkbLineString, {{"name", OFTString}});
    for (const RiverOut& r : city.rivers) {
      OGRFeature f(rivers->GetLayerDefn());
      OGRLineString line;
      for (const Point p : r.line) line.addPoint(p.x, p.y);
      f.SetField("name", r.name.c_str());
      f.SetGeometry(&line);
      put(rivers, f, path);
    }
  }
  if (ds->CommitTransaction() != OGRERR_NONE) throw InputError(path, "", "cannot commit: " + last_gdal_error());
  ds.reset();  // close (and flush) before the atomic rename
}

/// Street segments between crossings, as an importer that splits lines at vertices
/// shared by two or more features counts them.
std::size_t count_segments(const City& city) {
  std::vector<std::uint8_t> uses(city.verts.size(), 0);
  for (const Road& r : city.roads) {
    const std::size_t n = r.verts.size() - (r.verts.size() > 2 && r.verts.front() == r.verts.back() ? 1 : 0);
    for (std::size_t k = 0; k < n; ++k)
      if (uses[r.verts[k]] < 2) ++uses[r.verts[k]];
  }
  std::size_t segments = 0;
  for (const Road& r : city.roads) {
    std::size_t cuts = 0;
    for (std::size_t k = 1; k + 1 < r.verts.size(); ++k) cuts += uses[r.verts[k]] >= 2;
    segments += cuts + 1;
  }
  return segments;
}

}  // namespace

SynthReport write_synthetic_city(const std::string& out_gpkg, const SynthOptions& options) {
  if (!(options.radius_km > 0 && options.radius_km <= 100)) {
    char got[64];
    std::snprintf(got, sizeof got, "%g", options.radius_km);
    throw InputError("--radius-km", "", std::string("must be in (0, 100] km, got ") + got);
  }
  if (!(options.capacity_share > 0 && options.capacity_share <= 1)) {
    char got[64];
    std::snprintf(got, sizeof got, "%g", options.capacity_share);
    throw InputError("--capacity-share", "", std::string("must be in (0, 1], got ") + got);
  }
  {
    namespace fs = std::filesystem;
    const fs::path dir = fs::path(out_gpkg).parent_path();
    std::error_code ec;
    if (!dir.empty() && !fs::is_directory(dir, ec))
      throw InputError(out_gpkg, "", "the folder " + dir.string() + " does not exist");
  }
  const bool metropolis = options.kind == "metropolis";
  if (!metropolis && options.kind != "circle")
    throw InputError("--kind", "", "must be \"circle\" or \"metropolis\", got \"" + options.kind + "\"");
  if (metropolis && (options.mesh_polygons.empty() || options.mesh_population.empty()))
    throw InputError("--kind", "metropolis",
                     "needs the 1 km mesh polygons (--mesh) and the MLIT population CSV (--mesh-population), "
                     "as in ../shared/data/population/");
  if (!metropolis && (!options.mesh_polygons.empty() || !options.mesh_population.empty()))
    throw InputError("--mesh", "", "only with --kind metropolis (the circle's people come from its formulas)");
  gdal_init();
  const OGRSpatialReference jgd = srs_from_epsg(6677, "synthetic city");
  const Transform to_city(wgs84(), jgd);
  const auto project = [&](LonLat ll) {
    double x = ll.lon, y = ll.lat;
    if (!to_city.apply(x, y)) throw InputError("synthetic city", "CRS", "cannot project a point to EPSG:6677");
    return Point{x, y};
  };
  const Point centre = project({139.7671, 35.6812});  // Tokyo station, WGS84

  std::optional<Metro> metro;
  MeshJoinReport mesh_report;
  if (metropolis) {
    metro.emplace();
    const std::vector<Zone> mesh =
        load_mesh_zones(options.mesh_polygons, options.mesh_population, wkt2(jgd), &mesh_report);
    for (const Zone& z : mesh) {
      if (z.rings.empty() || z.day_population + z.night_population <= 0) continue;
      ZoneOut o;
      o.id = z.id;
      o.day = z.day_population;
      o.night = z.night_population;
      o.ring = z.rings.front();
      std::tie(o.min, o.max) = bounds(o.ring);
      metro->mesh.push_back(std::move(o));
    }
    for (const RealHub& h : kRealHubs) metro->hubs.push_back({h.name, project(h.at)});
    for (const LonLat ll : bay_outline()) metro->bay.push_back(project(ll));
    for (const RiverDef& d : river_defs()) {
      RiverOut r{d.name, {}, d.spacing_km};
      for (const LonLat ll : d.line) r.line.push_back(project(ll));
      metro->rivers.push_back(std::move(r));
    }
    metro->index();
  }

  Builder builder(options, centre, metro ? &*metro : nullptr);
  City city = builder.build();
  if (metro) city.rivers = metro->rivers;

  {
    // Fixed GeoPackage timestamps, so the same options give the same bytes.
    const ThreadConfig date("OGR_CURRENT_DATE", "2000-01-01T00:00:00.000Z");
    write_atomically(out_gpkg, [&](const std::string& tmp) {
      try {
        write_city(city, tmp, jgd);
      } catch (const InputError& e) {  // name the file the user asked for, not the temporary
        throw InputError(out_gpkg, e.place(), e.problem());
      }
    });
  }

  SynthReport rep;
  rep.roads = city.roads.size();
  rep.stations = city.stations.size();
  rep.facilities = city.facilities.size();
  rep.zones = city.zones.size();
  for (const Road& r : city.roads)
    for (std::size_t k = 0; k + 1 < r.verts.size(); ++k)
      rep.road_km += distance(city.verts[r.verts[k]], city.verts[r.verts[k + 1]]) / 1000.0;
  for (const ZoneOut& z : city.zones) rep.day_population += z.day;
  for (const FacilityOut& f : city.facilities) rep.facility_capacity += f.capacity;
  rep.segments = count_segments(city);
  rep.rivers = builder.river_reports();
  rep.dropped_roads = builder.dropped_roads();
  rep.mesh_day_total = mesh_report.day_total;
  return rep;
}

}  // namespace kitaku::geo
