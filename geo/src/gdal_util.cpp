#include "kitaku/geo/gdal_util.hpp"

#include <cpl_error.h>
#include <ogr_api.h>

#include <algorithm>
#include <cmath>
#include <functional>
#include <filesystem>
#include <mutex>

#include "kitaku/sim/error.hpp"

namespace kitaku::geo {
namespace {

// The first failure since the last clear and the latest message: GDAL often
// reports the cause first and a generic "failed to read" after it.
thread_local std::string t_last_error, t_first_failure;
thread_local const std::function<void(std::string_view)>* t_debug_sink = nullptr;

void CPL_STDCALL capture_error(CPLErr level, CPLErrorNum, const char* msg) {
  const std::string text = msg ? msg : "";
  if (level == CE_Debug && t_debug_sink) (*t_debug_sink)(text);
  if (level < CE_Warning) return;
  if (level >= CE_Failure && t_first_failure.empty()) t_first_failure = text;
  t_last_error = text;
}

}  // namespace

void gdal_init() {
  static std::once_flag once;
  std::call_once(once, [] {
    GDALAllRegister();
    CPLSetErrorHandler(capture_error);
    // Never let a network driver try to reach the internet for a missing grid.
    CPLSetConfigOption("PROJ_NETWORK", "OFF");
  });
}

std::string last_gdal_error() {
  if (t_first_failure.empty() || t_first_failure == t_last_error) return t_last_error;
  return t_first_failure + "; " + t_last_error;
}

std::string gdal_limit_hint(std::string& message) {
  const std::string corrupted = " File probably corrupted";
  if (message.find("Too much data inside one element") != std::string::npos) {
    if (const auto at = message.find(corrupted); at != std::string::npos) message.erase(at, corrupted.size());
    return " (an element holds more text than GDAL's OSM reader takes, about 640 KB: a tag value or attribute "
           "megabytes long; shorten or remove it)";
  }
  if (message.find("Too many characters") != std::string::npos)
    return " (a single string or number is longer than GDAL's GeoJSON reader takes, 10,000,000 characters; "
           "shorten or remove it)";
  return {};
}

void clear_gdal_error() {
  t_last_error.clear();
  t_first_failure.clear();
  CPLErrorReset();
}

GdalDebugCapture::GdalDebugCapture(const char* category, std::function<void(std::string_view)> sink)
    : sink_(std::move(sink)), previous_sink_(t_debug_sink) {
  gdal_init();
  if (const char* v = CPLGetThreadLocalConfigOption("CPL_DEBUG", nullptr)) previous_ = v, had_previous_ = true;
  CPLSetThreadLocalConfigOption("CPL_DEBUG", category);
  t_debug_sink = &sink_;
}

GdalDebugCapture::~GdalDebugCapture() {
  t_debug_sink = previous_sink_;
  CPLSetThreadLocalConfigOption("CPL_DEBUG", had_previous_ ? previous_.c_str() : nullptr);
}

DatasetPtr open_vector(const std::string& path) {
  gdal_init();
  namespace fs = std::filesystem;
  std::error_code ec;
  if (!fs::exists(path, ec)) throw InputError(path, "", "no such file");
  if (fs::is_regular_file(path, ec) && fs::file_size(path, ec) == 0) throw InputError(path, "", "the file is empty");
  clear_gdal_error();
  DatasetPtr ds(static_cast<GDALDataset*>(
      GDALOpenEx(path.c_str(), GDAL_OF_VECTOR | GDAL_OF_READONLY, nullptr, nullptr, nullptr)));
  if (!ds) {
    std::string why = last_gdal_error();
    const std::string hint = gdal_limit_hint(why);
    throw InputError(path, "", why.empty() ? "not a vector format GDAL can read" : "cannot open: " + why + hint);
  }
  return ds;
}

DatasetPtr create_vector(const std::string& path, const std::string& driver) {
  gdal_init();
  GDALDriver* drv = GetGDALDriverManager()->GetDriverByName(driver.c_str());
  if (!drv) throw InputError(path, "", "GDAL has no " + driver + " driver");
  clear_gdal_error();
  DatasetPtr ds(drv->Create(path.c_str(), 0, 0, 0, GDT_Unknown, nullptr));
  if (!ds) throw InputError(path, "", "cannot create " + driver + " file: " + last_gdal_error());
  return ds;
}

OGRSpatialReference srs_from_epsg(int epsg, const std::string& source) {
  gdal_init();
  OGRSpatialReference srs;
  if (epsg <= 0 || srs.importFromEPSG(epsg) != OGRERR_NONE)
    throw InputError(source, "CRS", "unknown CRS EPSG:" + std::to_string(epsg));
  srs.SetAxisMappingStrategy(OAMS_TRADITIONAL_GIS_ORDER);
  return srs;
}

OGRSpatialReference wgs84() { return srs_from_epsg(4326); }

std::string wkt2(const OGRSpatialReference& srs) {
  char* wkt = nullptr;
  const char* opts[] = {"FORMAT=WKT2", nullptr};
  srs.exportToWkt(&wkt, opts);
  std::string s = wkt ? wkt : "";
  CPLFree(wkt);
  return s;
}

int utm_epsg(double lon, double lat) {
  lon = std::isfinite(lon) ? std::clamp(lon, -180.0, 180.0) : 0.0;  // no cast of an out-of-range double
  int zone = static_cast<int>(std::floor((lon + 180.0) / 6.0)) + 1;
  zone = zone < 1 ? 1 : (zone > 60 ? 60 : zone);
  return (lat >= 0 ? 32600 : 32700) + zone;
}

void Transform::Deleter::operator()(OGRCoordinateTransformation* t) const noexcept {
  OGRCoordinateTransformation::DestroyCT(t);
}

Transform::Transform(const OGRSpatialReference& src, const OGRSpatialReference& dst) {
  if (src.IsSame(&dst)) return;  // identity: ct_ stays null
  OGRSpatialReference s(src), d(dst);
  s.SetAxisMappingStrategy(OAMS_TRADITIONAL_GIS_ORDER);
  d.SetAxisMappingStrategy(OAMS_TRADITIONAL_GIS_ORDER);
  ct_.reset(OGRCreateCoordinateTransformation(&s, &d));
  if (!ct_) throw InputError("CRS", "", "no transformation between the CRSs: " + last_gdal_error());
}

bool Transform::apply(double& x, double& y) const {
  if (!ct_) return true;
  return ct_->Transform(1, &x, &y) && std::isfinite(x) && std::isfinite(y);
}

}  // namespace kitaku::geo
