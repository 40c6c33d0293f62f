// The presets in scenarios/ as a user meets them: each runs headless with
// `kitaku run` (shortened to its first simulated hour), and on real data the
// M7.3 preset's hazards and rail visibly change where people walk, compared with
// the same scenario without them (issue #5: "Blocked edges, fires and rail
// resumption visibly change the flows ... in results.gpkg").
// The dashboard side of "every preset runs" is in tests/ui/test_window.cpp.
#include <doctest/doctest.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <regex>
#include <sstream>
#include <string>
#include <vector>

#include "test_util.hpp"

using kitaku::test::CacheDir;
using kitaku::test::run_kitaku;
using kitaku::test::run_shell;
using kitaku::test::skip_slow;
using kitaku::test::slurp;
using kitaku::test::TempDir;
namespace fs = std::filesystem;
using json = nlohmann::json;

namespace {

void write(const fs::path& path, const std::string& text) {
  std::ofstream out(path, std::ios::binary);
  out << text;
  REQUIRE(out.good());
}

std::vector<fs::path> presets() {
  std::vector<fs::path> v;
  for (const auto& e : fs::directory_iterator(fs::path(KITAKU_SOURCE_DIR) / "scenarios"))
    if (e.path().extension() == ".toml") v.push_back(e.path());
  std::sort(v.begin(), v.end());
  return v;
}

// The preset's text with its shared-data paths made absolute (the copy lives in
// a temp folder), or nullopt when it needs the shared data and that is absent.
std::optional<std::string> portable_text(const fs::path& preset) {
  std::string text = slurp(preset);
  const std::string rel = "../../shared/data/";
  if (text.find(rel) == std::string::npos) return text;
  const auto probe = kitaku::test::shared_data("SOURCES.md");
  if (!probe) return std::nullopt;
  const std::string abs = fs::path(*probe).parent_path().string() + "/";
  for (std::size_t at; (at = text.find(rel)) != std::string::npos;) text.replace(at, rel.size(), abs);
  return text;
}

std::string with_duration_h(std::string text, double hours) {
  const std::regex key(R"(\nduration_h\s*=\s*[0-9.]+)");
  REQUIRE_MESSAGE(std::regex_search(text, key), "the preset has no [run] duration_h");
  return std::regex_replace(text, key, "\nduration_h = " + std::to_string(hours));
}

// Removes the hazard tables ([seismic], [blockage], [fire], [facility_failure],
// [[aftershock]]) and, if asked, the rail lines: each table runs to the next header.
std::string without_tables(const std::string& text, bool rail) {
  std::istringstream in(text);
  std::string line, out;
  bool dropping = false;
  const std::regex hazard(R"(^\[\[?(seismic|blockage|fire|facility_failure|aftershock)(\.[a-z_]+)?\]\]?\s*$)");
  const std::regex rail_header(R"(^\[\[rail_line\]\]\s*$)");
  while (std::getline(in, line)) {
    if (!line.empty() && line[0] == '[')
      dropping = std::regex_match(line, hazard) || (rail && std::regex_match(line, rail_header));
    if (!dropping) out += line + "\n";
  }
  return out;
}

json read_json(const fs::path& p) { return json::parse(slurp(p)); }

// edge_id -> peak_density from results.gpkg, through ogr2ogr's CSV driver.
std::map<long long, double> edge_peaks(const fs::path& gpkg, const fs::path& csv) {
  const auto r = run_shell("ogr2ogr -f CSV '" + csv.string() + "' '" + gpkg.string() +
                           "' -sql 'SELECT edge_id, peak_density FROM edges'");
  REQUIRE_MESSAGE(r.code == 0, r.output);
  std::map<long long, double> m;
  std::istringstream in(slurp(csv));
  std::string line;
  std::getline(in, line);  // header
  while (std::getline(in, line)) {
    line.erase(std::remove(line.begin(), line.end(), '"'), line.end());  // ogr2ogr quotes some columns
    if (line.empty()) continue;
    const auto comma = line.find(',');
    m[std::stoll(line.substr(0, comma))] = std::stod(line.substr(comma + 1));
  }
  return m;
}

// The last row's value of a timeseries.csv column.
double last_value(const fs::path& csv, const std::string& column) {
  std::istringstream in(slurp(csv));
  std::string header, line, last;
  std::getline(in, header);
  while (std::getline(in, line))
    if (!line.empty()) last = line;
  std::vector<std::string> names, values;
  for (std::istringstream h(header); std::getline(h, line, ',');) names.push_back(line);
  for (std::istringstream v(last); std::getline(v, line, ',');) values.push_back(line);
  const auto it = std::find(names.begin(), names.end(), column);
  REQUIRE_MESSAGE(it != names.end(), "no column " << column);
  return std::stod(values.at(static_cast<std::size_t>(it - names.begin())));
}

}  // namespace

TEST_CASE("every preset in scenarios/ runs headless (its first simulated hour)") {
  if (skip_slow("nine presets, each loaded and run for an hour")) return;
  TempDir dir;
  CacheDir cache;
  const auto all = presets();
  CHECK(all.size() >= 9);
  int ran = 0;
  for (const fs::path& p : all) {
    const std::string name = p.filename().string();
    CAPTURE(name);
    const auto text = portable_text(p);
    if (!text) continue;  // needs ../shared/data (message printed)
    const fs::path copy = fs::path(dir.path) / p.filename();
    write(copy, with_duration_h(*text, 1));
    const fs::path out = fs::path(dir.path) / ("out-" + p.stem().string());
    const auto r = run_kitaku("run '" + copy.string() + "' --out '" + out.string() + "' --threads 2");
    CAPTURE(r.output);
    REQUIRE(r.code == 0);
    const json s = read_json(out / "summary.json");
    CHECK(s.at("partial") == false);
    CHECK(s.at("sim_seconds") == 3600);
    CHECK(s.at("agents").get<long long>() > 0);
    ++ran;
  }
  MESSAGE(ran << " presets ran");
}

TEST_CASE("Ginza M7.3 on real data: blockage, fire and rail change the flows against the same day without them") {
  const fs::path preset = fs::path(KITAKU_SOURCE_DIR) / "scenarios/tokyo_ginza_m73_weekday_1200.toml";
  const auto text = portable_text(preset);
  if (!text) return;
  if (skip_slow("two 12-hour runs on the Ginza network")) return;
  TempDir dir;
  const fs::path hazard_toml = dir / "m73.toml", calm_toml = dir / "calm.toml";
  // The first 12 of the preset's 24 hours: the fire, the blockage and the first
  // line's resumption (8 h) all fall in them, at half the CI time.
  const std::string first_half = with_duration_h(*text, 12);
  write(hazard_toml, first_half);
  write(calm_toml, without_tables(first_half, /*rail=*/true));
  REQUIRE(slurp(calm_toml).find("[seismic]") == std::string::npos);
  REQUIRE(slurp(calm_toml).find("[[rail_line]]") == std::string::npos);
  REQUIRE(slurp(calm_toml).find("[run]") != std::string::npos);

  const auto a = run_kitaku("run '" + hazard_toml.string() + "' --out '" + (dir / "m73") + "' --threads 2");
  CAPTURE(a.output);
  REQUIRE(a.code == 0);
  const auto b = run_kitaku("run '" + calm_toml.string() + "' --out '" + (dir / "calm") + "' --threads 2");
  CAPTURE(b.output);
  REQUIRE(b.code == 0);

  const fs::path m73 = dir / "m73", calm = dir / "calm";
  // Rail: people leave by the two resumed lines; without them nobody does.
  const double by_rail = last_value(m73 / "timeseries.csv", "state_by_rail_persons");
  CHECK(by_rail > 100);
  CHECK(last_value(calm / "timeseries.csv", "state_by_rail_persons") == 0);
  // Fire and blockage: the command log carries the fire's road closures.
  const std::string log = slurp(m73 / "commands.log");
  CHECK(log.find("type=close_area") != std::string::npos);
  CHECK(log.find("source=hazard") != std::string::npos);

  // Blocked roads carry nobody, so many edges walked in the calm run stay empty,
  // and the walkers crowd elsewhere instead.
  const auto peaks_m73 = edge_peaks(m73 / "results.gpkg", dir / "m73.csv");
  const auto peaks_calm = edge_peaks(calm / "results.gpkg", dir / "calm.csv");
  REQUIRE(peaks_m73.size() == peaks_calm.size());
  int emptied = 0, newly_used = 0, changed = 0;
  for (const auto& [id, calm_peak] : peaks_calm) {
    const double hz = peaks_m73.at(id);
    if (calm_peak > 0 && hz == 0) ++emptied;
    if (calm_peak == 0 && hz > 0) ++newly_used;
    if (std::abs(calm_peak - hz) > 0.5) ++changed;
  }
  INFO("emptied " << emptied << ", newly used " << newly_used << ", peak changed by > 0.5 p/m2 on " << changed);
  CHECK(emptied > 100);
  CHECK(changed > 500);
  // Fewer get home on foot through the damaged district.
  const json sa = read_json(m73 / "summary.json"), sb = read_json(calm / "summary.json");
  CHECK(sa.at("arrived_home").get<double>() < sb.at("arrived_home").get<double>());
}

// Issue #15's done-when: the metropolitan scenario runs headless from one command,
// and its per-person output opens in pandas. The preset as shipped, shortened to
// its first simulated quarter hour with fewer agents (the command is the README's).
TEST_CASE("the metropolis runs headless from one command, and its agents.csv opens in pandas") {
  const fs::path preset = fs::path(KITAKU_SOURCE_DIR) / "scenarios/tokyo_metropolis_m73_weekday_1200.toml";
  const auto text = portable_text(preset);
  if (!text) return;
  if (skip_slow("the 30 km metropolis, generated and run for a quarter hour")) return;
  TempDir dir;
  CacheDir cache;
  const fs::path copy = dir / "metro.toml", out = dir / "metro";
  write(copy, with_duration_h(*text, 0.25));
  // One route variant instead of three: a third of the route trees, for CI's time.
  const auto r = run_kitaku("run '" + copy.string() + "' --out '" + out.string() +
                            "' --threads 2 --set population.agents=30000 --set routing.route_variants=1");
  CAPTURE(r.output);
  REQUIRE(r.code == 0);
  const json s = read_json(out / "summary.json");
  CHECK(s.at("agents") == 30000);
  CHECK(s.at("partial") == false);
  // Weekday noon on the real mesh: millions out of home, each agent many persons.
  CHECK(s.at("persons").get<double>() > 5e6);

  if (run_shell("/usr/bin/python3 -c 'import pandas' 2>/dev/null").code != 0) {
    MESSAGE("SKIPPED the pandas half: python3-pandas is not installed (scripts/setup.sh installs it)");
    return;
  }
  const std::string py = R"(
import json, sys, pandas as pd
d = sys.argv[1]
ag = pd.read_csv(d + "/agents.csv", dtype={"origin_name": str})
s = json.load(open(d + "/summary.json"))
assert len(ag) == s["agents"], (len(ag), s["agents"])
assert abs(ag["weight"].sum() - s["persons"]) < 1e-6 * s["persons"], (ag["weight"].sum(), s["persons"])
zones = ag[ag["origin"] == "zone"]
assert len(zones) > 0.5 * len(ag)
assert zones["origin_name"].str.fullmatch(r"5[0-9]{7}").all()   # JIS X 0410 1 km mesh codes
assert (ag["home_km"] >= 0).all() and ag["home_km"].notna().all()
print("pandas", len(ag), "rows", round(ag["weight"].sum()), "persons", zones["origin_name"].nunique(), "meshes")
)";
  write(dir / "check.py", py);
  const auto p = run_shell("/usr/bin/python3 '" + (dir / "check.py") + "' '" + out.string() + "' 2>&1");
  CAPTURE(p.output);
  CHECK(p.code == 0);
  CHECK(p.output.find("pandas 30000 rows") != std::string::npos);
}
