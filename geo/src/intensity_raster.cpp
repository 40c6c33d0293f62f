#include "kitaku/geo/intensity_raster.hpp"

#include <cmath>
#include <cstdio>
#include <filesystem>
#include <limits>
#include <memory>
#include <vector>

#include "kitaku/geo/gdal_util.hpp"
#include "kitaku/sim/error.hpp"

namespace kitaku::geo {
namespace {

constexpr double kMaxCells = 4e6;
constexpr double kMinCellM = 10;

struct CtDeleter {
  void operator()(OGRCoordinateTransformation* t) const noexcept { OGRCoordinateTransformation::DestroyCT(t); }
};
using CtPtr = std::unique_ptr<OGRCoordinateTransformation, CtDeleter>;

std::string g(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%g", v);
  return buf;
}

}  // namespace

IntensityGrid read_intensity_raster(const std::string& path, const std::string& crs_wkt, const BBox& extent,
                                    double cell_m) {
  gdal_init();
  std::error_code ec;
  if (!std::filesystem::exists(path, ec)) throw InputError(path, "", "no such file (the intensity raster)");
  DatasetPtr ds(static_cast<GDALDataset*>(
      GDALOpenEx(path.c_str(), GDAL_OF_RASTER | GDAL_OF_READONLY, nullptr, nullptr, nullptr)));
  if (!ds) {
    const std::string why = last_gdal_error();
    throw InputError(path, "", why.empty() ? "not a raster GDAL can read" : "cannot open the raster: " + why);
  }
  if (ds->GetRasterCount() < 1) throw InputError(path, "", "the raster has no bands");
  double gt[6], inv[6];
  if (ds->GetGeoTransform(gt) != CE_None)
    throw InputError(path, "", "the raster has no georeferencing (no geotransform)");
  if (!GDALInvGeoTransform(gt, inv)) throw InputError(path, "", "the raster's geotransform cannot be inverted");
  const OGRSpatialReference* raster_srs = ds->GetSpatialRef();
  if (!raster_srs || raster_srs->IsEmpty())
    throw InputError(path, "CRS", "the raster has no CRS; give it one (e.g. gdal_edit.py -a_srs EPSG:6677)");
  OGRSpatialReference src(*raster_srs);
  src.SetAxisMappingStrategy(OAMS_TRADITIONAL_GIS_ORDER);
  OGRSpatialReference net;
  if (crs_wkt.empty() || net.importFromWkt(crs_wkt.c_str()) != OGRERR_NONE)
    throw InputError(path, "CRS", "the network has no CRS to place the intensity raster in");
  net.SetAxisMappingStrategy(OAMS_TRADITIONAL_GIS_ORDER);
  if (extent.empty()) throw InputError(path, "", "the network is empty: no area to read the raster for");

  CtPtr ct;  // network CRS -> raster CRS; null when they are the same
  if (!net.IsSame(&src)) {
    ct.reset(OGRCreateCoordinateTransformation(&net, &src));
    if (!ct) throw InputError(path, "CRS", "no transformation from the network's CRS to the raster's: " + last_gdal_error());
  }
  const auto to_raster = [&](std::vector<double>& xs, std::vector<double>& ys, std::vector<int>& ok) {
    ok.assign(xs.size(), 1);
    if (ct && !xs.empty()) ct->Transform(xs.size(), xs.data(), ys.data(), nullptr, ok.data());
  };
  const auto pixel = [&](double x, double y, double& col, double& row) {
    col = inv[0] + inv[1] * x + inv[2] * y;
    row = inv[3] + inv[4] * x + inv[5] * y;
  };

  // Resolution: the raster's pixel size in metres near the centre of the extent.
  const double cx = (extent.min_x + extent.max_x) / 2, cy = (extent.min_y + extent.max_y) / 2;
  if (!(cell_m > 0)) {
    std::vector<double> xs{cx, cx + 100, cx}, ys{cy, cy, cy + 100};
    std::vector<int> ok;
    to_raster(xs, ys, ok);
    double res = kMinCellM;
    if (ok[0] && ok[1] && ok[2]) {
      double c0, r0, c1, r1, c2, r2;
      pixel(xs[0], ys[0], c0, r0);
      pixel(xs[1], ys[1], c1, r1);
      pixel(xs[2], ys[2], c2, r2);
      const double per_m = std::max(std::hypot(c1 - c0, r1 - r0), std::hypot(c2 - c0, r2 - r0)) / 100.0;
      if (per_m > 0 && std::isfinite(per_m)) res = std::max(kMinCellM, 1.0 / per_m);
    }
    cell_m = res;
  }
  const double w = extent.max_x - extent.min_x, h = extent.max_y - extent.min_y;
  const double cells = (w / cell_m + 3) * (h / cell_m + 3);
  if (cells > kMaxCells) cell_m *= std::sqrt(cells / kMaxCells);

  IntensityGrid grid;
  grid.cell_x = grid.cell_y = cell_m;
  grid.x0 = extent.min_x - cell_m;
  grid.y0 = extent.min_y - cell_m;
  grid.nx = static_cast<int>(std::ceil(w / cell_m)) + 2;
  grid.ny = static_cast<int>(std::ceil(h / cell_m)) + 2;
  const auto n = static_cast<std::size_t>(grid.nx) * static_cast<std::size_t>(grid.ny);

  // Every cell centre, in raster pixel coordinates.
  std::vector<double> xs(n), ys(n);
  for (int r = 0; r < grid.ny; ++r)
    for (int c = 0; c < grid.nx; ++c) {
      const std::size_t i = static_cast<std::size_t>(r) * static_cast<std::size_t>(grid.nx) + static_cast<std::size_t>(c);
      xs[i] = grid.x0 + (c + 0.5) * cell_m;
      ys[i] = grid.y0 + (r + 0.5) * cell_m;
    }
  std::vector<int> ok;
  to_raster(xs, ys, ok);
  const int rx = ds->GetRasterXSize(), ry = ds->GetRasterYSize();
  std::vector<long long> col(n, -1), row(n, -1);
  long long c_lo = rx, c_hi = -1, r_lo = ry, r_hi = -1;
  for (std::size_t i = 0; i < n; ++i) {
    if (!ok[i] || !std::isfinite(xs[i]) || !std::isfinite(ys[i])) continue;
    double fc, fr;
    pixel(xs[i], ys[i], fc, fr);
    fc = std::floor(fc);
    fr = std::floor(fr);
    if (!(fc >= 0 && fr >= 0 && fc < rx && fr < ry)) continue;
    col[i] = static_cast<long long>(fc);
    row[i] = static_cast<long long>(fr);
    c_lo = std::min(c_lo, col[i]);
    c_hi = std::max(c_hi, col[i]);
    r_lo = std::min(r_lo, row[i]);
    r_hi = std::max(r_hi, row[i]);
  }
  if (c_hi < 0)
    throw InputError(path, "", "the intensity raster does not cover any of the network's area");

  // Read the window the grid needs, once.
  const int win_w = static_cast<int>(c_hi - c_lo + 1), win_h = static_cast<int>(r_hi - r_lo + 1);
  std::vector<float> buf(static_cast<std::size_t>(win_w) * static_cast<std::size_t>(win_h));
  GDALRasterBand* band = ds->GetRasterBand(1);
  if (band->RasterIO(GF_Read, static_cast<int>(c_lo), static_cast<int>(r_lo), win_w, win_h, buf.data(), win_w, win_h,
                     GDT_Float32, 0, 0) != CE_None)
    throw InputError(path, "", "cannot read the raster: " + last_gdal_error());
  int has_nodata = 0;
  const double nodata = band->GetNoDataValue(&has_nodata);

  grid.value.assign(n, std::numeric_limits<float>::quiet_NaN());
  for (std::size_t i = 0; i < n; ++i) {
    if (col[i] < 0) continue;
    const float v = buf[static_cast<std::size_t>(row[i] - r_lo) * static_cast<std::size_t>(win_w) +
                        static_cast<std::size_t>(col[i] - c_lo)];
    if (!std::isfinite(v) || (has_nodata && static_cast<double>(v) == static_cast<double>(static_cast<float>(nodata))))
      continue;
    if (v < -3.f || v > 8.f)
      throw InputError(path, "pixel (" + std::to_string(col[i]) + ", " + std::to_string(row[i]) + ")",
                       "value " + g(v) + " is not a JMA instrumental intensity (expected -3 to 8; is it PGV or PGA?)");
    grid.value[i] = v;
  }
  return grid;
}

}  // namespace kitaku::geo
