#pragma once
// Internal to kitaku::geo: a point source (OGR layer, CSV or JSON array) read into
// plain rows of text values, so facilities and stations share one field-detection,
// parsing and projection path.
#include <ogr_spatialref.h>

#include <cstdint>
#include <initializer_list>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace kitaku::geo::detail {

struct TableRow {
  std::int64_t id = -1;  // FID, CSV record number or JSON array position (1-based)
  std::string place;     // "row 3 (line 4)", "layer facilities: feature 12", "record 5"
  std::vector<std::optional<std::string>> values;  // one per field; nullopt = null/unset
  bool has_point = false;
  double x = 0, y = 0;   // the point geometry, in the table's srs
  std::string geometry_problem;  // non-empty: the row's geometry is unusable (why)
};

struct PointTable {
  std::string path, driver, layer;
  std::vector<std::string> fields;
  std::vector<TableRow> rows;
  bool spatial = false;  // the layer has a geometry column
  std::unique_ptr<OGRSpatialReference> srs;  // of the geometry; null when none
  std::size_t blank_rows = 0;

  /// Index of the first field matching `name` (ASCII case-insensitive), or -1.
  int find(std::string_view name) const;
  /// "a, b, c" for messages.
  std::string field_list() const;
};

/// Reads a point source. `layer` empty picks `kind` (e.g. "facilities") if such a layer
/// exists, else the first layer with point geometry, else the first layer. Rows whose
/// fields are all empty are skipped (counted in blank_rows). Throws InputError.
PointTable read_point_table(const std::string& path, const std::string& layer, const std::string& kind);

/// Field lookup: the explicit name if given (InputError listing the fields when it does
/// not exist; `option` names the option, e.g. "--name-field"), else the first candidate found.
int pick_field(const PointTable& t, const std::string& explicit_name, const std::string& option,
               std::initializer_list<std::string_view> candidates);

/// Strict number parsing of a whole trimmed string (no NaN/inf). nullopt when not a number.
std::optional<double> parse_number(std::string_view s);
std::string_view trim(std::string_view s);
bool valid_utf8(std::string_view s);

/// The ward / city / town / village prefix of a Japanese address ("千代田区" from
/// "東京都千代田区内神田2-1-12", "瑞穂町" from "西多摩郡瑞穂町石畑"); "" when none.
std::string address_area(std::string_view address);

/// A CRS from WKT (empty: none). Throws InputError(file, "CRS", ...) when unparsable.
std::unique_ptr<OGRSpatialReference> srs_from_wkt(const std::string& wkt, const std::string& file);

/// The target CRS: `crs_wkt`, or when empty the UTM zone holding (lon, lat).
OGRSpatialReference target_srs(const std::string& crs_wkt, double lon, double lat, const std::string& file);

std::string srs_name(const OGRSpatialReference* srs);

}  // namespace kitaku::geo::detail
