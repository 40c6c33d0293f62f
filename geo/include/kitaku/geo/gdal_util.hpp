#pragma once
// Small RAII and error helpers around GDAL shared by the geo readers and writers.
#include <gdal_priv.h>
#include <ogr_spatialref.h>

#include <memory>
#include <string>

namespace kitaku::geo {

/// Registers GDAL drivers once (thread-safe) and routes GDAL's own messages into
/// last_gdal_error() instead of stderr.
void gdal_init();

/// The most recent GDAL error message on this thread ("" if none).
std::string last_gdal_error();

struct DatasetCloser {
  void operator()(GDALDataset* ds) const noexcept { if (ds) GDALClose(ds); }
};
using DatasetPtr = std::unique_ptr<GDALDataset, DatasetCloser>;

/// Opens a vector source read-only. Throws InputError(path, "", ...) when the file
/// is missing, empty, or no driver can read it.
DatasetPtr open_vector(const std::string& path);

/// Creates `path` with the named driver ("GPKG", "CSV", ...). Throws on failure.
DatasetPtr create_vector(const std::string& path, const std::string& driver);

/// A spatial reference from an EPSG code with x = easting/longitude axis order.
/// Throws InputError(source, "CRS", ...) for unknown codes.
OGRSpatialReference srs_from_epsg(int epsg, const std::string& source = "--crs");
OGRSpatialReference wgs84();

/// The CRS as WKT2 text (how NetworkData and the loaders carry a CRS).
std::string wkt2(const OGRSpatialReference& srs);

/// EPSG code of the WGS84 UTM zone holding (lon, lat): 326zz north, 327zz south.
int utm_epsg(double lon, double lat);

/// Coordinate transform between two CRSs with traditional GIS axis order.
class Transform {
 public:
  Transform(const OGRSpatialReference& src, const OGRSpatialReference& dst);
  /// Transforms in place; false when the point cannot be transformed.
  bool apply(double& x, double& y) const;

 private:
  struct Deleter { void operator()(OGRCoordinateTransformation* t) const noexcept; };
  std::unique_ptr<OGRCoordinateTransformation, Deleter> ct_;
};

/// Writes via `write(tmp_path)` then renames over `path`, so a reader never sees a
/// half-written file. The temporary is removed if `write` throws.
template <class Write>
void write_atomically(const std::string& path, Write&& write);

}  // namespace kitaku::geo

#include "kitaku/geo/detail/atomic_write.hpp"

namespace kitaku::geo {
/// Kitaku's cache folder: $KITAKU_CACHE_DIR, else $XDG_CACHE_HOME/kitaku, else
/// ~/.cache/kitaku, else <tmp>/kitaku-cache. Not created here.
std::string cache_dir();
}  // namespace kitaku::geo
