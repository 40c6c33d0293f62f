#include "sweep/compare.hpp"

#include <ogrsf_frmts.h>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <sstream>

#include "kitaku/geo/gdal_util.hpp"
#include "kitaku/sim/error.hpp"
#include "sweep/sweep_dir.hpp"

namespace kitaku::app::sweep {
namespace {

namespace fs = std::filesystem;
using ojson = nlohmann::ordered_json;

constexpr std::size_t kMaxListed = 5;  // differences listed per file; the rest are counted

std::size_t count_lines(const std::string& s) { return static_cast<std::size_t>(std::count(s.begin(), s.end(), '\n')); }

std::string clip(std::string s) {
  if (s.size() > 120) s = s.substr(0, 117) + "...";
  return s;
}

void compare_bytes(const std::string& a_dir, const std::string& b_dir, const std::string& name, bool text,
                   Comparison& c, bool new_file = false) {
  const fs::path a = fs::path(a_dir) / name, b = fs::path(b_dir) / name;
  if (new_file && !fs::exists(a)) {  // recorded by a Kitaku that did not write it yet
    c.matched.push_back(name + ": not in the recorded run (written by later versions only); not compared");
    return;
  }
  if (!fs::exists(a)) {
    c.differences.push_back(name + ": missing from the recorded run");
    return;
  }
  if (!fs::exists(b)) {
    c.differences.push_back(name + ": not written by the rerun");
    return;
  }
  const std::string x = read_file(a.string()), y = read_file(b.string());
  if (x == y) {
    const std::size_t n = text ? count_lines(x) : x.size();
    c.matched.push_back(name + ": byte-identical (" + std::to_string(n) + (text ? " line" : " byte") +
                        (n == 1 ? "" : "s") + ")");
    return;
  }
  if (!text) {
    c.differences.push_back(name + ": the bytes differ (" + std::to_string(x.size()) + " vs " + std::to_string(y.size()) + " bytes)");
    return;
  }
  std::istringstream xs(x), ys(y);
  std::string lx, ly;
  std::size_t line = 0;
  for (;;) {
    ++line;
    const bool gx = static_cast<bool>(std::getline(xs, lx)), gy = static_cast<bool>(std::getline(ys, ly));
    if (!gx || !gy || lx != ly) {
      c.differences.push_back(name + ": differs from line " + std::to_string(line) + ": recorded \"" +
                              clip(gx ? lx : "<end>") + "\", rerun \"" + clip(gy ? ly : "<end>") + "\"");
      return;
    }
  }
}

void compare_summary(const std::string& a_dir, const std::string& b_dir, Comparison& c) {
  const std::string name = "summary.json";
  ojson a, b;
  try {
    a = ojson::parse(read_file((fs::path(a_dir) / name).string()));
    b = ojson::parse(read_file((fs::path(b_dir) / name).string()));
  } catch (const InputError& e) {
    c.differences.push_back(name + ": " + e.what());
    return;
  } catch (const nlohmann::json::exception& e) {
    c.differences.push_back(name + ": cannot be read: " + e.what());
    return;
  }
  std::vector<std::string> diffs;
  std::size_t compared = 0;
  for (const auto& [k, v] : a.items()) {
    if (std::find(kWallClockKeys.begin(), kWallClockKeys.end(), k) != kWallClockKeys.end()) continue;
    ++compared;
    if (!b.contains(k)) diffs.push_back(k + " is missing from the rerun");
    else if (b[k] != v) diffs.push_back(k + " was " + v.dump() + ", now " + b[k].dump());
  }
  // Keys a newer Kitaku writes that the recorded run lacks cannot be compared; they
  // are named, but they are not differences.
  std::string added;
  for (const auto& [k, v] : b.items())
    if (!a.contains(k) && std::find(kWallClockKeys.begin(), kWallClockKeys.end(), k) == kWallClockKeys.end())
      added += (added.empty() ? "" : ", ") + k;
  if (diffs.empty()) {
    c.matched.push_back(name + ": " + std::to_string(compared) + " values equal (wall-clock fields left out" +
                        (added.empty() ? "" : "; not recorded, so not compared: " + added) + ")");
    return;
  }
  for (std::size_t i = 0; i < std::min(diffs.size(), kMaxListed); ++i) c.differences.push_back(name + ": " + diffs[i]);
  if (diffs.size() > kMaxListed)
    c.differences.push_back(name + ": and " + std::to_string(diffs.size() - kMaxListed) + " more");
}

std::string field_text(OGRFeature& f, int i) {
  if (!f.IsFieldSetAndNotNull(i)) return "NULL";
  if (f.GetFieldDefnRef(i)->GetType() == OFTReal) {
    char buf[40];
    std::snprintf(buf, sizeof buf, "%.17g", f.GetFieldAsDouble(i));  // every bit of the double
    return buf;
  }
  return f.GetFieldAsString(i);
}

std::string geometry_bytes(const OGRFeature& f) {
  const OGRGeometry* g = f.GetGeometryRef();
  if (!g) return {};
  std::string wkb(static_cast<std::size_t>(g->WkbSize()), '\0');
  g->exportToWkb(wkbNDR, reinterpret_cast<unsigned char*>(wkb.data()));
  return wkb;
}

void compare_gpkg(const std::string& a_dir, const std::string& b_dir, Comparison& c) {
  const std::string name = "results.gpkg";
  geo::DatasetPtr a, b;
  try {
    a = geo::open_vector((fs::path(a_dir) / name).string());
    b = geo::open_vector((fs::path(b_dir) / name).string());
  } catch (const InputError& e) {
    c.differences.push_back(name + ": " + e.what());
    return;
  }
  std::vector<std::string> diffs, same;
  const int layers = a->GetLayerCount();
  if (layers != b->GetLayerCount())
    diffs.push_back(std::to_string(layers) + " layers recorded, " + std::to_string(b->GetLayerCount()) + " in the rerun");
  for (int li = 0; li < layers; ++li) {
    OGRLayer* la = a->GetLayer(li);
    OGRLayer* lb = b->GetLayerByName(la->GetName());
    const std::string lname = la->GetName();
    if (!lb) {
      diffs.push_back("layer " + lname + " is missing from the rerun");
      continue;
    }
    const std::size_t before = diffs.size();
    OGRFeatureDefn* da = la->GetLayerDefn();
    OGRFeatureDefn* db = lb->GetLayerDefn();
    if (da->GetFieldCount() != db->GetFieldCount()) {
      diffs.push_back("layer " + lname + ": " + std::to_string(da->GetFieldCount()) + " fields recorded, " +
                      std::to_string(db->GetFieldCount()) + " in the rerun");
      continue;
    }
    for (int fi = 0; fi < da->GetFieldCount(); ++fi)
      if (std::string(da->GetFieldDefn(fi)->GetNameRef()) != db->GetFieldDefn(fi)->GetNameRef())
        diffs.push_back("layer " + lname + ": field " + std::to_string(fi) + " is " + da->GetFieldDefn(fi)->GetNameRef() +
                        " recorded, " + db->GetFieldDefn(fi)->GetNameRef() + " in the rerun");
    if (diffs.size() != before) continue;
    la->ResetReading();
    lb->ResetReading();
    std::size_t features = 0, values = 0;
    for (;;) {
      OGRFeatureUniquePtr fa(la->GetNextFeature()), fb(lb->GetNextFeature());
      if (!fa && !fb) break;
      if (!fa || !fb) {
        diffs.push_back("layer " + lname + ": " + (fa ? "fewer" : "more") + " features in the rerun (after " +
                        std::to_string(features) + ")");
        break;
      }
      ++features;
      for (int fi = 0; fi < da->GetFieldCount(); ++fi) {
        ++values;
        const std::string x = field_text(*fa, fi), y = field_text(*fb, fi);
        if (x != y)
          diffs.push_back("layer " + lname + " feature " + std::to_string(fa->GetFID()) + " " +
                          da->GetFieldDefn(fi)->GetNameRef() + " was " + x + ", now " + y);
      }
      if (geometry_bytes(*fa) != geometry_bytes(*fb))
        diffs.push_back("layer " + lname + " feature " + std::to_string(fa->GetFID()) + ": the geometry differs");
    }
    if (diffs.size() == before)
      same.push_back(lname + " " + std::to_string(features) + " features x " + std::to_string(da->GetFieldCount()) +
                     " fields");
  }
  if (diffs.empty()) {
    std::string s;
    for (const auto& x : same) s += (s.empty() ? "" : ", ") + x;
    c.matched.push_back(name + ": every value and geometry equal (" + s + ")");
    return;
  }
  for (std::size_t i = 0; i < std::min(diffs.size(), kMaxListed); ++i) c.differences.push_back(name + ": " + diffs[i]);
  if (diffs.size() > kMaxListed)
    c.differences.push_back(name + ": and " + std::to_string(diffs.size() - kMaxListed) + " more");
}

}  // namespace

Comparison compare_run_dirs(const std::string& recorded, const std::string& rerun) {
  Comparison c;
  compare_bytes(recorded, rerun, "timeseries.csv", true, c);
  compare_bytes(recorded, rerun, "agents.csv", true, c, /*new_file=*/true);
  compare_bytes(recorded, rerun, "stations.csv", true, c, /*new_file=*/true);
  compare_summary(recorded, rerun, c);
  compare_gpkg(recorded, rerun, c);
  compare_bytes(recorded, rerun, "commands.log", true, c);
  compare_bytes(recorded, rerun, "scenario.toml", true, c);
  compare_bytes(recorded, rerun, "peak_density.png", false, c);
  return c;
}

}  // namespace kitaku::app::sweep
