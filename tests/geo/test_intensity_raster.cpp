// The intensity raster ([seismic] intensity_raster): a GeoTIFF of JMA intensity read
// through GDAL onto a grid in the network's CRS, and load_city's use of it.
#include <doctest/doctest.h>
#include <gdal_priv.h>

#include <cmath>
#include <cstdlib>
#include <fstream>
#include <functional>
#include <sstream>
#include <string>

#include "kitaku/geo/city_loader.hpp"
#include "kitaku/geo/gdal_util.hpp"
#include "kitaku/geo/intensity_raster.hpp"
#include "kitaku/sim/error.hpp"
#include "kitaku/sim/hazards.hpp"
#include "test_util.hpp"

using namespace kitaku;
using kitaku::test::CacheDir;
using kitaku::test::TempDir;

namespace {

/// A one-band Float32 GeoTIFF: `value(col, row)` per pixel (row 0 at the top), the
/// geotransform `gt`, EPSG:`epsg` (0: no CRS) and nodata -9999.
void write_tif(const std::string& path, int epsg, const double (&gt)[6], int nx, int ny,
               const std::function<float(int, int)>& value) {
  geo::gdal_init();
  GDALDriver* drv = GetGDALDriverManager()->GetDriverByName("GTiff");
  REQUIRE(drv);
  geo::DatasetPtr ds(drv->Create(path.c_str(), nx, ny, 1, GDT_Float32, nullptr));
  REQUIRE(ds);
  double t[6];
  for (int i = 0; i < 6; ++i) t[i] = gt[i];
  ds->SetGeoTransform(t);
  if (epsg) {
    const OGRSpatialReference srs = geo::srs_from_epsg(epsg);
    ds->SetSpatialRef(&srs);
  }
  GDALRasterBand* band = ds->GetRasterBand(1);
  band->SetNoDataValue(-9999);
  std::vector<float> buf(static_cast<std::size_t>(nx) * static_cast<std::size_t>(ny));
  for (int r = 0; r < ny; ++r)
    for (int c = 0; c < nx; ++c) buf[static_cast<std::size_t>(r * nx + c)] = value(c, r);
  REQUIRE(band->RasterIO(GF_Write, 0, 0, nx, ny, buf.data(), nx, ny, GDT_Float32, 0, 0) == CE_None);
}

std::string error_of(const std::function<void()>& f) {
  try {
    f();
  } catch (const InputError& e) {
    return e.what();
  }
  return "no error";
}

// Tokyo station in EPSG:6677 is about (-5,900, -35,600): the test area lies around it.
constexpr double kX0 = -8000, kYTop = -33000;
const double kGt6677[6] = {kX0, 100, 0, kYTop, 0, -100};  // 100 m pixels, north up

float value_6677(int c, int r) {
  if (c == 0 && r == 0) return -9999;  // nodata
  return 4.0f + 0.02f * static_cast<float>(c) + 0.001f * static_cast<float>(r);
}

}  // namespace

TEST_CASE("a raster in the network's CRS is sampled cell by cell") {
  TempDir tmp;
  const std::string tif = tmp / "i.tif";
  write_tif(tif, 6677, kGt6677, 60, 50, value_6677);  // 6 x 5 km
  const std::string wkt = geo::wkt2(geo::srs_from_epsg(6677));
  BBox box;
  box.extend({-7000, -37000});
  box.extend({-3000, -34000});
  const IntensityGrid g = geo::read_intensity_raster(tif, wkt, box, 50);
  CHECK(g.cell_x == 50);
  CHECK(g.x0 == doctest::Approx(-7050));
  CHECK(g.y0 == doctest::Approx(-37050));
  CHECK(g.nx == 82);
  CHECK(g.ny == 62);
  // Every network point gets the value of the raster pixel under its grid cell's centre.
  for (const Point p : {Point{-7000, -37000}, Point{-5432, -35123}, Point{-3000, -34000}, Point{-6001, -34999}}) {
    CAPTURE(p.x);
    CAPTURE(p.y);
    const double cx = g.x0 + (std::floor((p.x - g.x0) / 50) + 0.5) * 50;
    const double cy = g.y0 + (std::floor((p.y - g.y0) / 50) + 0.5) * 50;
    const int col = static_cast<int>(std::floor((cx - kX0) / 100)), row = static_cast<int>(std::floor((kYTop - cy) / 100));
    CHECK(sample_intensity(g, p) == doctest::Approx(value_6677(col, row)));
  }
  // The raster's own resolution when no cell size is asked for.
  const IntensityGrid own = geo::read_intensity_raster(tif, wkt, box);
  CHECK(own.cell_x == doctest::Approx(100));
  CHECK(sample_intensity(own, {-5432, -35123}) == doctest::Approx(value_6677(25, 21)));
  // Nodata, and the part beyond the raster, are NaN.
  BBox corner;
  corner.extend({kX0 + 10, kYTop - 10});
  corner.extend({kX0 + 500, kYTop - 500});
  const IntensityGrid c = geo::read_intensity_raster(tif, wkt, corner, 20);
  CHECK(std::isnan(sample_intensity(c, {kX0 + 10, kYTop - 10})));     // pixel (0, 0): nodata
  CHECK(std::isnan(sample_intensity(c, {kX0 - 10, kYTop - 100})));    // west of the raster
  CHECK(sample_intensity(c, {kX0 + 150, kYTop - 10}) == doctest::Approx(value_6677(1, 0)));
}

TEST_CASE("a raster in WGS84 is reprojected into the network's CRS") {
  TempDir tmp;
  const std::string tif = tmp / "wgs.tif";
  // 0.001 degree pixels over 139.70-139.82 E, 35.62-35.72 N.
  const double gt[6] = {139.70, 0.001, 0, 35.72, 0, -0.001};
  const auto value = [](int c, int r) { return 5.0f + 0.01f * static_cast<float>(c % 100) + 0.0001f * static_cast<float>(r); };
  write_tif(tif, 4326, gt, 120, 100, value);
  const OGRSpatialReference jgd = geo::srs_from_epsg(6677);
  BBox box;
  box.extend({-7000, -37000});
  box.extend({-4000, -34500});
  const IntensityGrid g = geo::read_intensity_raster(tif, geo::wkt2(jgd), box, 40);
  REQUIRE_FALSE(g.empty());
  const geo::Transform to_wgs(jgd, geo::wgs84());
  int checked = 0;
  for (int r = 0; r < g.ny; r += 7)
    for (int c = 0; c < g.nx; c += 11) {
      double x = g.x0 + (c + 0.5) * g.cell_x, y = g.y0 + (r + 0.5) * g.cell_y;
      REQUIRE(to_wgs.apply(x, y));
      const int col = static_cast<int>(std::floor((x - 139.70) / 0.001));
      const int row = static_cast<int>(std::floor((35.72 - y) / 0.001));
      CAPTURE(c);
      CAPTURE(r);
      CHECK(g.value[static_cast<std::size_t>(r * g.nx + c)] == doctest::Approx(value(col, row)));
      ++checked;
    }
  CHECK(checked > 50);
  // The automatic resolution is about the pixel's size on the ground (0.001 deg of latitude = 111 m).
  const IntensityGrid own = geo::read_intensity_raster(tif, geo::wkt2(jgd), box);
  CHECK(own.cell_x > 80);
  CHECK(own.cell_x < 115);
}

TEST_CASE("intensity raster errors name the file and the problem") {
  TempDir tmp;
  const std::string wkt = geo::wkt2(geo::srs_from_epsg(6677));
  BBox box;
  box.extend({-7000, -37000});
  box.extend({-3000, -34000});
  const std::string missing = tmp / "none.tif";
  CHECK(error_of([&] { geo::read_intensity_raster(missing, wkt, box); }) ==
        missing + ": no such file (the intensity raster)");
  const std::string no_crs = tmp / "nocrs.tif";
  write_tif(no_crs, 0, kGt6677, 60, 50, value_6677);
  CHECK(error_of([&] { geo::read_intensity_raster(no_crs, wkt, box); }).find(no_crs + ": CRS: the raster has no CRS") == 0);
  const std::string ok = tmp / "ok.tif";
  write_tif(ok, 6677, kGt6677, 60, 50, value_6677);
  CHECK(error_of([&] { geo::read_intensity_raster(ok, "LOCAL", box); }) ==
        ok + ": CRS: the network has no CRS to place the intensity raster in");
  BBox far;
  far.extend({50000, 50000});
  far.extend({51000, 51000});
  CHECK(error_of([&] { geo::read_intensity_raster(ok, wkt, far); }) ==
        ok + ": the intensity raster does not cover any of the network's area");
  const std::string pgv = tmp / "pgv.tif";
  write_tif(pgv, 6677, kGt6677, 60, 50, [](int, int) { return 85.0f; });
  CHECK(error_of([&] { geo::read_intensity_raster(pgv, wkt, box); }).find(
            "value 85 is not a JMA instrumental intensity") != std::string::npos);
  const std::string text = tmp / "text.tif";
  std::ofstream(text) << "not a raster";
  CHECK(error_of([&] { geo::read_intensity_raster(text, wkt, box); }).find(text + ": ") == 0);
}

TEST_CASE("load_city reads [seismic] intensity_raster, and the hazard plan uses it") {
  CacheDir cache;
  TempDir tmp;
  // A 1 km street grid in EPSG:6677 (200 m blocks), inside the raster.
  std::ostringstream js;
  js << R"({"type":"FeatureCollection","crs":{"type":"name","properties":{"name":"urn:ogc:def:crs:EPSG::6677"}},"features":[)";
  // Each street passes through every crossing, so the streets share their vertices there.
  for (int i = 0; i <= 5; ++i)
    for (int k = 0; k < 2; ++k) {
      js << (i || k ? "," : "")
         << R"({"type":"Feature","properties":{"highway":"residential"},"geometry":{"type":"LineString","coordinates":[)";
      for (int j = 0; j <= 5; ++j) {
        const double along = 200.0 * j, across = 200.0 * i;
        js << (j ? "," : "") << "[" << -6500 + (k ? along : across) << "," << -35500 + (k ? across : along) << "]";
      }
      js << "]}}";
    }
  js << "]}";
  const std::string net_path = tmp / "net.geojson";
  std::ofstream(net_path) << js.str();
  const std::string tif = tmp / "i.tif";
  write_tif(tif, 6677, kGt6677, 60, 50, value_6677);
  const std::string toml = "[city]\nnetwork = \"net.geojson\"\n[seismic]\nintensity_raster = \"i.tif\"\n";
  const Scenario sc = parse_scenario(toml, tmp / "s.toml", tmp.path.string());
  const geo::LoadedCity lc = geo::load_city(sc);
  const Network& net = lc.network.network;
  REQUIRE(net.edge_count() > 10);
  REQUIRE_FALSE(lc.city.intensity.empty());
  const HazardPlan plan = plan_hazards(net, lc.city, sc, 1);
  REQUIRE(plan.edge_intensity.size() == net.edge_count());
  for (std::uint32_t e = 0; e < net.edge_count(); ++e) {
    const auto geo = net.geometry(EdgeId{e});
    const Point mid{(geo.front().x + geo.back().x) / 2, (geo.front().y + geo.back().y) / 2};
    CHECK(plan.edge_intensity[e] == doctest::Approx(sample_intensity(lc.city.intensity, mid)));
    CHECK(plan.edge_intensity[e] > 4.0);
    CHECK(plan.edge_intensity[e] < 6.0);
  }
  // With [seismic] turned off the raster is not read.
  const Scenario off = parse_scenario(toml + "enabled = false\n", tmp / "s.toml", tmp.path.string());
  CHECK(geo::load_city(off).city.intensity.empty());
}
