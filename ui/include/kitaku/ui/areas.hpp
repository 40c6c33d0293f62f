#pragma once
// Operational areas. Three ways to divide the city (docs/dashboard.md, "Allocation"):
//  - grid: a square grid over the network, labelled like a map atlas ("C7": column
//    letter, row number from the north);
//  - ward: the wards / municipalities of the facilities' addresses (Facility::area),
//    each the union of the Voronoi cells of its facilities, shelters and evacuation
//    sites: a person belongs to the ward of the nearest such point;
//  - station: station catchments, the Voronoi cells of the stations (nearest station).
// The allocation panel counts unsheltered stranded people per area; the map outlines
// the selected one and draws the ward boundaries with their names.
#include <array>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "kitaku/sim/city.hpp"
#include "kitaku/sim/geometry.hpp"
#include "kitaku/sim/network.hpp"

namespace kitaku::ui {

struct AreaGrid {
  double x0 = 0, y0 = 0;  // south-west corner
  double cell_m = 1000;
  int nx = 1, ny = 1;

  /// At most 26 columns and rows; cells of 250 m, 500 m, 1, 2, 2.5, 5 or 10 km.
  static AreaGrid for_network(const Network& net);
  int count() const { return nx * ny; }
  /// The cell holding p (clamped to the grid).
  int cell_of(double x, double y) const;
  Point centre(int cell) const;
  BBox bounds(int cell) const;
  /// "C7": column A.. from the west, row 1.. from the north.
  std::string label(int cell) const;
};

enum class AreaMode : std::uint8_t { kGrid, kWard, kStation };
inline constexpr int kAreaModes = 3;

/// Voronoi cells of labelled points, clipped to a box, merged into named regions.
/// Each cell's edges remember the site on their other side, so that the boundary
/// between two regions is the edges whose sites belong to different regions.
struct VoronoiRegions {
  struct Edge {
    Point a, b;
    int region = -1, other = -1;  // the regions on either side (other -1: the box)
  };
  std::vector<std::string> names;            // per region
  std::vector<Point> label_at;               // per region: area-weighted centroid of its cells
  std::vector<double> area_m2;               // per region, within the box
  std::vector<double> radius_m;              // per region: covers its cells from label_at
  std::vector<Point> sites;                  // distinct positions
  std::vector<int> site_region;              // per site
  std::vector<std::vector<Point>> cells;     // per site: its Voronoi polygon
  std::vector<Edge> boundaries;              // edges between different regions, each once
  BBox box;

  /// Builds the cells of `points` (named by `labels`; empty labels are skipped) in `box`.
  static VoronoiRegions build(const std::vector<Point>& points, const std::vector<std::string>& labels,
                              const BBox& box);
  int count() const { return static_cast<int>(names.size()); }
  /// The region of the site nearest to p (-1 when there are no sites).
  int region_of(double x, double y) const;

 private:
  // A bucket grid over the sites for nearest-site queries.
  double bx0_ = 0, by0_ = 0, bcell_ = 1;
  int bnx_ = 0, bny_ = 0;
  std::vector<std::uint32_t> bstart_, bsites_;
};

/// The areas of one mode, as the allocation panel and the map use them.
class Areas {
 public:
  /// Builds the areas of `mode` for this network and city (ward and station areas
  /// need facilities with areas / stations; available() says whether there are any).
  Areas(AreaMode mode, const Network& net, const City& city);
  AreaMode mode() const { return mode_; }
  bool available() const { return count() > 0; }
  int count() const;
  /// The area holding p (grid: clamped to the grid; ward/station: the nearest site's).
  int area_of(double x, double y) const;
  /// Grid: the square's centre. Ward / station: the centre of its streets (the mean
  /// of the network nodes in it; the centroid of its cells when it has none).
  Point centre(int area) const;
  /// The circle about centre() that guidance and release use: covering a grid cell;
  /// for a ward or catchment, the disc its streets would fill: sqrt(2) x the RMS
  /// distance of its network nodes from centre() (a uniform disc's radius).
  double radius_m(int area) const;
  std::string label(int area) const;
  /// The area whose label is `label`, or -1.
  int find(const std::string& label) const;
  const AreaGrid& grid() const { return grid_; }
  /// Ward and station modes: the regions (null for the grid).
  const VoronoiRegions* regions() const { return regions_.get(); }
  /// Ward and station modes: up to 50,000 of the network's nodes (evenly sampled)
  /// with their area, to place names where the streets are.
  struct Sample {
    Point pos;
    int area;
  };
  const std::vector<Sample>& samples() const { return samples_; }
  /// The network's bounding box with a margin: where ward and station cells are cut.
  static BBox extent(const Network& net);

 private:
  AreaMode mode_;
  AreaGrid grid_;
  std::shared_ptr<const VoronoiRegions> regions_;
  std::vector<Point> centre_;    // ward / station: the mean of its network nodes
  std::vector<double> radius_;   // ward / station: sqrt(2) x their RMS distance from it
  std::vector<Sample> samples_;
};

/// "grid", "ward", "station".
const char* area_mode_name(AreaMode m) noexcept;
/// The points that name wards: facilities and evacuation sites with an area.
void ward_points(const City& city, std::vector<Point>& points, std::vector<std::string>& labels);

}  // namespace kitaku::ui
