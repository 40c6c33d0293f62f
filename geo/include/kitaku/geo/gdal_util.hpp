#pragma once
// Small RAII and error helpers around GDAL shared by the geo readers and writers.
#include <gdal_priv.h>
#include <ogr_spatialref.h>

#include <functional>
#include <memory>
#include <string>
#include <string_view>

namespace kitaku::geo {

/// Registers GDAL drivers once (thread-safe) and routes GDAL's own messages into
/// last_gdal_error() instead of stderr.
void gdal_init();

/// The most recent GDAL error message on this thread ("" if none), preceded by the
/// first failure since the last clear when that differs (often the real cause).
std::string last_gdal_error();

/// " (why)" when GDAL's `message` is about one of its readers' size limits (a huge
/// OSM tag, a 10 MB GeoJSON string), which is not damage; else "". Drops GDAL's
/// misleading "File probably corrupted" from `message` then.
std::string gdal_limit_hint(std::string& message);

/// Forgets this thread's GDAL messages (open_vector and create_vector do it too).
void clear_gdal_error();

/// While it lives, GDAL's debug messages of `category` ("OSM") emitted on this
/// thread go to `sink` (e.g. "OSM: For way 11, got only 2 nodes instead of 4"):
/// how a reader learns what a driver dropped without failing.
class GdalDebugCapture {
 public:
  GdalDebugCapture(const char* category, std::function<void(std::string_view)> sink);
  ~GdalDebugCapture();
  GdalDebugCapture(const GdalDebugCapture&) = delete;
  GdalDebugCapture& operator=(const GdalDebugCapture&) = delete;

 private:
  std::function<void(std::string_view)> sink_;
  const std::function<void(std::string_view)>* previous_sink_;
  std::string previous_;
  bool had_previous_ = false;
};

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
