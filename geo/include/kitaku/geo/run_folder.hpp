#pragma once
// Reading a finished run back from its folder, and the files `kitaku compare`
// writes from two of them (docs/outputs.md, "Comparing two runs").
#include <string>

#include "kitaku/geo/image.hpp"
#include "kitaku/sim/run_comparison.hpp"

namespace kitaku::geo {

/// Reads the run `kitaku run` (or a sweep) wrote into `dir`: summary.json,
/// scenario.toml's [city] table, timeseries.csv and results.gpkg's edges layer
/// (with the roads' shapes, names and widths when `with_geometry`). Refuses, with
/// an InputError naming the folder or file and the problem:
///  - a missing folder, or one without summary.json;
///  - a partial set: no manifest.sha256 (the run was killed, or is still writing;
///    written last, it marks a whole set), a file it lists missing or changed since,
///    or summary.json saying "partial": true (stopped early by Ctrl-C);
///  - summary.json, timeseries.csv or results.gpkg that cannot be read, or whose
///    edges layer lacks a field or has edge ids that are not 0..N-1 once each.
RunRecord read_run_folder(const std::string& dir, bool with_geometry = false);

/// difference.gpkg: layer `difference` (LineString, A's CRS), one feature per road:
/// edge_id, name, road_class, width_m, minutes_ge6_a, minutes_ge6_b, minutes_ge6_diff
/// (B - A), first_crush_min_a/_b and peak_at_min_a/_b (minutes after the quake; null:
/// never / nobody), peak_density_a/_b (p/m2). `a` must be read with geometry. Written
/// atomically.
void write_difference_gpkg(const std::string& path, const RunRecord& a, const RunRecord& b, const RunComparison& c);

/// The difference map: each road coloured by B - A minutes at >= 6 p/m2 on a
/// diverging scale (red: more in B, blue: fewer; grey: no change), the largest
/// changes on top, with a legend, and a caption naming both runs. `a` must be read
/// with geometry.
RgbImage render_difference_map(const RunRecord& a, const RunRecord& b, const RunComparison& c, int long_side_px = 1600);

}  // namespace kitaku::geo
