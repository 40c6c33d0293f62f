#pragma once
// Reads a raster of JMA instrumental intensity (a GeoTIFF of a published shaking
// map, or any raster GDAL reads) into an IntensityGrid in the network's CRS
// ([seismic] intensity_raster; docs/model.md, "Hazards").
#include <string>

#include "kitaku/sim/city.hpp"
#include "kitaku/sim/geometry.hpp"

namespace kitaku::geo {

/// Samples band 1 of the raster at `path` onto a grid in the CRS `crs_wkt` (the
/// network's) covering `extent` plus one cell on every side. Each grid cell takes
/// the raster cell under its centre (nearest neighbour, through a coordinate
/// transformation when the CRSs differ); NaN where the raster has no data or does
/// not reach. cell_m <= 0 uses the raster's own resolution near the extent's centre
/// (at least 10 m, and coarse enough for at most 4 million cells).
/// Throws InputError naming the file: missing or unreadable, no georeferencing, no
/// CRS (the raster's or the network's), or values that are not intensities (outside [-3, 8]).
IntensityGrid read_intensity_raster(const std::string& path, const std::string& crs_wkt, const BBox& extent,
                                    double cell_m = 0);

}  // namespace kitaku::geo
