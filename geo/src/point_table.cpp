#include "point_table.hpp"

#include <ogr_api.h>
#include <ogrsf_frmts.h>

#include <algorithm>
#include <charconv>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <nlohmann/json.hpp>
#include <sstream>

#include "kitaku/geo/gdal_util.hpp"
#include "kitaku/sim/error.hpp"

namespace kitaku::geo::detail {
namespace {

std::string lower_ascii(std::string_view s) {
  std::string out(s);
  for (char& c : out)
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  return out;
}

bool ends_with_ci(const std::string& s, std::string_view suffix) {
  return s.size() >= suffix.size() && lower_ascii(s.substr(s.size() - suffix.size())) == suffix;
}

bool has_csv_extension(const std::string& path) {
  return ends_with_ci(path, ".csv") || ends_with_ci(path, ".tsv") || ends_with_ci(path, ".txt");
}

// RFC 4180 CSV read here rather than by GDAL: GDAL 3.6 splits a quoted header field
// that holds a line break when the file starts with a BOM (Tokyo's open-data lists
// do both), and our own reader knows each record's line for error messages.
PointTable read_csv(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  if (text.starts_with("\xEF\xBB\xBF")) text.erase(0, 3);

  struct Record { std::size_t line; std::vector<std::string> values; };
  std::vector<Record> records;
  // The separator: whichever of , ; TAB is most frequent outside quotes in the first line.
  char sep = ',';
  {
    std::size_t counts[3] = {0, 0, 0};
    bool q = false;
    for (char c : text) {
      if (c == '"') q = !q;
      else if (!q && (c == '\n' || c == '\r')) break;
      else if (!q) counts[0] += c == ',', counts[1] += c == ';', counts[2] += c == '\t';
    }
    if (counts[1] > counts[0] && counts[1] >= counts[2]) sep = ';';
    else if (counts[2] > counts[0] && counts[2] > counts[1]) sep = '\t';
  }
  std::size_t line = 1, i = 0;
  const std::size_t n = text.size();
  while (i < n) {
    Record rec{line, {}};
    std::string field;
    std::size_t quote_line = 0;
    bool end_of_record = false;
    while (!end_of_record) {
      // One field.
      field.clear();
      if (i < n && text[i] == '"') {
        quote_line = line;
        ++i;
        for (;;) {
          if (i >= n)
            throw InputError(path, "line " + std::to_string(quote_line), "a quoted field is never closed");
          const char c = text[i++];
          if (c == '"') {
            if (i < n && text[i] == '"') { field += '"'; ++i; continue; }
            break;
          }
          if (c == '\n') ++line;
          field += c;
        }
        // Text after the closing quote up to the separator is kept, as GDAL does.
        while (i < n && text[i] != sep && text[i] != '\n' && text[i] != '\r') field += text[i++];
      } else {
        while (i < n && text[i] != sep && text[i] != '\n' && text[i] != '\r') field += text[i++];
      }
      rec.values.push_back(field);
      if (i < n && text[i] == sep) { ++i; continue; }
      if (i < n && text[i] == '\r') ++i;
      if (i < n && text[i] == '\n') ++i;
      ++line;
      end_of_record = true;
    }
    // An empty line is no record.
    if (rec.values.size() == 1 && rec.values[0].empty()) continue;
    records.push_back(std::move(rec));
  }

  PointTable t;
  t.path = path;
  t.driver = "CSV";
  t.layer = std::filesystem::path(path).stem().string();
  if (records.empty()) throw InputError(path, "", "the file has no header line");
  for (std::size_t f = 0; f < records[0].values.size(); ++f) {
    // A header cell may hold a line break ("区市町村\nコード"): one name on one line.
    std::string name;
    for (char c : trim(records[0].values[f])) {
      if (c != '\r' && c != '\n') name += c;
      else if (name.empty() || name.back() != ' ') name += ' ';
    }
    if (name.empty()) name = "field_" + std::to_string(f + 1);
    if (!valid_utf8(name))
      throw InputError(path, "header",
                       "is not valid UTF-8 (a Shift_JIS file? convert it: iconv -f SHIFT_JIS -t UTF-8)");
    t.fields.push_back(std::move(name));
  }
  for (std::size_t r = 1; r < records.size(); ++r) {
    TableRow row;
    row.id = static_cast<std::int64_t>(r);
    row.place = "row " + std::to_string(r) + " (line " + std::to_string(records[r].line) + ")";
    auto& v = records[r].values;
    for (std::size_t k = t.fields.size(); k < v.size(); ++k)
      if (!trim(v[k]).empty())
        throw InputError(path, row.place,
                         "has " + std::to_string(v.size()) + " values but the header has " +
                             std::to_string(t.fields.size()) + " columns");
    row.values.resize(t.fields.size());
    bool blank = true;
    for (std::size_t k = 0; k < t.fields.size() && k < v.size(); ++k) {
      if (!trim(v[k]).empty()) blank = false;
      row.values[k] = std::move(v[k]);
    }
    if (blank) { ++t.blank_rows; continue; }
    t.rows.push_back(std::move(row));
  }
  return t;
}

bool is_json_array(const std::string& path) {
  if (!ends_with_ci(path, ".json")) return false;
  std::ifstream in(path, std::ios::binary);
  char c;
  while (in.get(c)) {
    if (c == '[') return true;
    if (!std::isspace(static_cast<unsigned char>(c))) return false;
  }
  return false;
}

PointTable read_json_array(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  nlohmann::json doc;
  try {
    doc = nlohmann::json::parse(in);
  } catch (const nlohmann::json::parse_error& e) {
    throw InputError(path, "byte " + std::to_string(e.byte), std::string("not valid JSON: ") + e.what());
  }
  PointTable t;
  t.path = path;
  t.driver = "JSON";
  t.layer = "(array)";
  // Fields in order of first appearance across the records.
  for (std::size_t i = 0; i < doc.size(); ++i) {
    const auto& rec = doc[i];
    if (!rec.is_object())
      throw InputError(path, "record " + std::to_string(i + 1), "is not a JSON object (expected an array of records)");
    for (const auto& [key, value] : rec.items()) {
      (void)value;
      if (std::find(t.fields.begin(), t.fields.end(), key) == t.fields.end()) t.fields.push_back(key);
    }
  }
  for (std::size_t i = 0; i < doc.size(); ++i) {
    TableRow row;
    row.id = static_cast<std::int64_t>(i + 1);
    row.place = "record " + std::to_string(i + 1);
    row.values.resize(t.fields.size());
    bool blank = true;
    for (std::size_t f = 0; f < t.fields.size(); ++f) {
      auto it = doc[i].find(t.fields[f]);
      if (it == doc[i].end() || it->is_null()) continue;
      row.values[f] = it->is_string() ? it->get<std::string>() : it->dump();
      if (!trim(*row.values[f]).empty()) blank = false;
    }
    if (blank) { ++t.blank_rows; continue; }
    t.rows.push_back(std::move(row));
  }
  return t;
}

bool is_pointish(OGRwkbGeometryType g) {
  const auto flat = wkbFlatten(g);
  return flat == wkbPoint || flat == wkbMultiPoint;
}

OGRLayer* choose_layer(GDALDataset& ds, const std::string& path, const std::string& wanted,
                       const std::string& kind) {
  const int n = ds.GetLayerCount();
  if (n == 0) throw InputError(path, "", "the file has no layers");
  std::string names;
  for (int i = 0; i < n; ++i) names += (i ? ", " : "") + std::string(ds.GetLayer(i)->GetName());
  if (!wanted.empty()) {
    for (int i = 0; i < n; ++i)
      if (wanted == ds.GetLayer(i)->GetName()) return ds.GetLayer(i);
    throw InputError(path, "layer " + wanted, "no such layer (the layers are: " + names + ")");
  }
  for (int i = 0; i < n; ++i)
    if (lower_ascii(ds.GetLayer(i)->GetName()) == kind) return ds.GetLayer(i);
  for (int i = 0; i < n; ++i)
    if (is_pointish(ds.GetLayer(i)->GetGeomType())) return ds.GetLayer(i);
  return ds.GetLayer(0);
}

void take_geometry(const OGRGeometry* g, TableRow& row) {
  if (!g || g->IsEmpty()) { row.geometry_problem = "has no geometry"; return; }
  const auto flat = wkbFlatten(g->getGeometryType());
  if (flat == wkbPoint) {
    const auto* p = g->toPoint();
    row.x = p->getX(); row.y = p->getY(); row.has_point = true;
  } else if (flat == wkbMultiPoint && g->toMultiPoint()->getNumGeometries() == 1) {
    const auto* p = g->toMultiPoint()->getGeometryRef(0);
    row.x = p->getX(); row.y = p->getY(); row.has_point = true;
  } else if (flat == wkbPolygon || flat == wkbMultiPolygon) {
    // A facility mapped as a footprint: a point inside it (a centroid may fall outside).
    OGRGeometryH h = OGR_G_PointOnSurface(OGRGeometry::ToHandle(const_cast<OGRGeometry*>(g)));
    if (h && !OGR_G_IsEmpty(h)) {
      row.x = OGR_G_GetX(h, 0); row.y = OGR_G_GetY(h, 0); row.has_point = true;
      OGR_G_DestroyGeometry(h);
    } else {
      if (h) OGR_G_DestroyGeometry(h);
      row.geometry_problem = "has a polygon with no interior point";
    }
  } else {
    row.geometry_problem = std::string("has a ") + OGRGeometryTypeToName(g->getGeometryType()) +
                           " geometry, not a point";
  }
}

PointTable read_ogr(const std::string& path, const std::string& wanted_layer, const std::string& kind) {
  DatasetPtr ds = open_vector(path);
  OGRLayer* layer = choose_layer(*ds, path, wanted_layer, kind);
  PointTable t;
  t.path = path;
  t.driver = ds->GetDriver() ? ds->GetDriver()->GetDescription() : "";
  t.layer = layer->GetName();
  OGRFeatureDefn* defn = layer->GetLayerDefn();
  for (int i = 0; i < defn->GetFieldCount(); ++i) t.fields.emplace_back(defn->GetFieldDefn(i)->GetNameRef());
  t.spatial = defn->GetGeomFieldCount() > 0;
  if (t.spatial && layer->GetSpatialRef()) {
    t.srs = std::make_unique<OGRSpatialReference>(*layer->GetSpatialRef());
    t.srs->SetAxisMappingStrategy(OAMS_TRADITIONAL_GIS_ORDER);
  }
  layer->ResetReading();
  for (auto& feature : *layer) {
    TableRow row;
    row.id = feature->GetFID();
    row.place = "layer " + t.layer + ": feature " + std::to_string(row.id);
    row.values.resize(t.fields.size());
    bool blank = true;
    for (int i = 0; i < static_cast<int>(t.fields.size()); ++i) {
      if (!feature->IsFieldSetAndNotNull(i)) continue;
      row.values[i] = feature->GetFieldAsString(i);
      if (!trim(*row.values[i]).empty()) blank = false;
    }
    if (t.spatial) {
      take_geometry(feature->GetGeometryRef(), row);
      if (feature->GetGeometryRef()) blank = false;
    }
    if (blank) { ++t.blank_rows; continue; }
    t.rows.push_back(std::move(row));
  }
  return t;
}

}  // namespace

int PointTable::find(std::string_view name) const {
  const std::string want = lower_ascii(name);
  for (std::size_t i = 0; i < fields.size(); ++i)
    if (lower_ascii(trim(fields[i])) == want) return static_cast<int>(i);
  return -1;
}

std::string PointTable::field_list() const {
  if (fields.empty()) return "(none)";
  std::string out;
  for (std::size_t i = 0; i < fields.size(); ++i) out += (i ? ", " : "") + fields[i];
  return out;
}

PointTable read_point_table(const std::string& path, const std::string& layer, const std::string& kind) {
  gdal_init();
  namespace fs = std::filesystem;
  std::error_code ec;
  if (!fs::exists(path, ec)) throw InputError(path, "", "no such file");
  if (fs::is_regular_file(path, ec) && fs::file_size(path, ec) == 0) throw InputError(path, "", "the file is empty");
  if (is_json_array(path)) return read_json_array(path);
  if (has_csv_extension(path)) return read_csv(path);
  return read_ogr(path, layer, kind);
}

int pick_field(const PointTable& t, const std::string& explicit_name, const std::string& option,
               std::initializer_list<std::string_view> candidates) {
  if (!explicit_name.empty()) {
    const int i = t.find(explicit_name);
    if (i < 0)
      throw InputError(t.path, "field " + explicit_name,
                       "no such field (given by " + option + "); the fields are: " + t.field_list());
    return i;
  }
  for (auto c : candidates) {
    const int i = t.find(c);
    if (i >= 0) return i;
  }
  return -1;
}

std::string_view trim(std::string_view s) {
  auto space = [](char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; };
  while (!s.empty() && space(s.front())) s.remove_prefix(1);
  while (!s.empty() && space(s.back())) s.remove_suffix(1);
  return s;
}

std::optional<double> parse_number(std::string_view s) {
  s = trim(s);
  if (!s.empty() && s.front() == '+') s.remove_prefix(1);
  if (s.empty()) return std::nullopt;
  double v = 0;
  const auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || end != s.data() + s.size() || !std::isfinite(v)) return std::nullopt;
  return v;
}

bool valid_utf8(std::string_view s) {
  for (std::size_t i = 0; i < s.size();) {
    const auto c = static_cast<unsigned char>(s[i]);
    if (c < 0x80) { ++i; continue; }
    std::size_t n;
    std::uint32_t cp;
    if ((c & 0xE0) == 0xC0) { n = 1; cp = c & 0x1Fu; }
    else if ((c & 0xF0) == 0xE0) { n = 2; cp = c & 0x0Fu; }
    else if ((c & 0xF8) == 0xF0) { n = 3; cp = c & 0x07u; }
    else return false;
    if (i + n >= s.size()) return false;
    for (std::size_t k = 1; k <= n; ++k) {
      const auto b = static_cast<unsigned char>(s[i + k]);
      if ((b & 0xC0) != 0x80) return false;
      cp = (cp << 6) | (b & 0x3Fu);
    }
    const bool overlong = (n == 1 && cp < 0x80) || (n == 2 && cp < 0x800) || (n == 3 && cp < 0x10000);
    if (overlong || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return false;
    i += n + 1;
  }
  return true;
}

std::string address_area(std::string_view a) {
  a = trim(a);
  // Postal code mark and number: 〒100-0001
  if (a.starts_with("〒")) {
    a.remove_prefix(std::string_view("〒").size());
    while (!a.empty() && (std::isdigit(static_cast<unsigned char>(a.front())) || a.front() == '-' || a.front() == ' '))
      a.remove_prefix(1);
    a = trim(a);
  }
  // Prefecture: 東京都, 北海道, ...府, ...県 within the first 4 characters (3 bytes each).
  if (a.starts_with("東京都") || a.starts_with("北海道")) {
    a.remove_prefix(9);
  } else {
    for (std::string_view suffix : {"府", "県"}) {
      const auto p = a.find(suffix);
      if (p != std::string_view::npos && p >= 3 && p <= 9) { a.remove_prefix(p + suffix.size()); break; }
    }
  }
  // Earliest of the given suffixes at byte position >= 1 (so 市川市 is not cut at its
  // first character), extended over a repeated suffix (四日市市).
  auto cut = [](std::string_view s, std::initializer_list<std::string_view> suffixes) -> std::string_view {
    std::size_t best = std::string_view::npos, len = 0;
    for (auto suf : suffixes) {
      const auto p = s.find(suf, 1);
      if (p < best) { best = p; len = suf.size(); }
    }
    if (best == std::string_view::npos) return {};
    std::size_t end = best + len;
    while (s.substr(end).starts_with(s.substr(best, len))) end += len;
    return s.substr(0, end);
  };
  const auto gun = a.find("郡", 1);
  const std::string_view city = cut(a, {"市", "区"});
  if (gun != std::string_view::npos && (city.empty() || gun < city.size())) {
    // 西多摩郡瑞穂町: the town, without the county.
    return std::string(cut(a.substr(gun + std::string_view("郡").size()), {"町", "村"}));
  }
  if (!city.empty()) return std::string(city);
  return std::string(cut(a, {"町", "村"}));
}

std::unique_ptr<OGRSpatialReference> srs_from_wkt(const std::string& wkt, const std::string& file) {
  if (wkt.empty()) return nullptr;
  auto srs = std::make_unique<OGRSpatialReference>();
  if (srs->importFromWkt(wkt.c_str()) != OGRERR_NONE)
    throw InputError(file, "CRS", "the target CRS is not valid WKT");
  srs->SetAxisMappingStrategy(OAMS_TRADITIONAL_GIS_ORDER);
  return srs;
}

OGRSpatialReference target_srs(const std::string& crs_wkt, double lon, double lat, const std::string& file) {
  if (!crs_wkt.empty()) return *srs_from_wkt(crs_wkt, file);
  return srs_from_epsg(utm_epsg(lon, lat), file);
}

std::string srs_name(const OGRSpatialReference* srs) {
  if (!srs) return "(none)";
  std::string name = srs->GetName() ? srs->GetName() : "(unnamed)";
  const char* auth = srs->GetAuthorityName(nullptr);
  const char* code = srs->GetAuthorityCode(nullptr);
  if (auth && code) name += std::string(" (") + auth + ":" + code + ")";
  return name;
}

}  // namespace kitaku::geo::detail
