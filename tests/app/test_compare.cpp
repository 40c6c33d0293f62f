// `kitaku compare RUN_A RUN_B --out DIR` end to end (docs/cli.md, "kitaku compare"):
// two small runs that differ only in the retention policy, compared; the outputs
// are whole, metrics.csv's B - A is the difference of the two summary.json files,
// difference.gpkg's per-road B - A is the difference of the two results.gpkg; and
// each refusal (missing folder, corrupt summary.json, missing results.gpkg, a run
// without its manifest or stopped early, different networks) is one clear error.
#include <doctest/doctest.h>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <vector>

#include "test_util.hpp"

using kitaku::test::quoted;
using kitaku::test::run_kitaku;
using kitaku::test::run_shell;
using kitaku::test::slurp;
using kitaku::test::TempDir;
using kitaku::test::use_shared_cache;
namespace fs = std::filesystem;

namespace {

// The 3 km synthetic city, 6,000 agents, 40 minutes: people set off early, so that
// some roads reach 6 p/m2; `retention` is the policy the two runs differ in.
std::string scenario(double retention, int radius_km = 3) {
  return "[scenario]\nname = \"Compare test, retention " + std::to_string(retention) + "\"\nseed = 5\n"
         "[city]\nsynthetic_radius_km = " + std::to_string(radius_km) + "\n"
         "[population]\nagents = 6000\n"
         "[policy]\nretention_share = " + std::to_string(retention) + "\n"
         "[behaviour]\ndeparture_mean_min = 3\n"
         "[run]\nduration_h = 0.67\nstep_s = 10\noutput_interval_s = 300\n";
}

std::string make_run(const TempDir& dir, const std::string& name, const std::string& toml) {
  const std::string file = dir / (name + ".toml");
  std::ofstream(file) << toml;
  const std::string out = dir / name;
  const auto r = run_kitaku("run " + quoted(file) + " --out " + quoted(out) + " --threads 2");
  REQUIRE_MESSAGE(r.code == 0, r.output);
  return out;
}

std::vector<std::vector<std::string>> csv(const std::string& text) {
  std::vector<std::vector<std::string>> rows;
  std::istringstream in(text);
  std::string line;
  while (std::getline(in, line)) {
    std::vector<std::string> f;
    std::string cell;
    std::istringstream ls(line);
    while (std::getline(ls, cell, ',')) f.push_back(cell);
    if (!line.empty() && line.back() == ',') f.emplace_back();
    rows.push_back(f);
  }
  return rows;
}

// A column of a GeoPackage layer by edge_id, NaN for null (sqlite3 -csv).
std::map<long, double> gpkg_column(const std::string& gpkg, const std::string& layer, const std::string& column) {
  const auto r = run_shell("sqlite3 -csv " + quoted(gpkg) + " 'SELECT edge_id, " + column + " FROM " + layer + "'");
  REQUIRE_MESSAGE(r.code == 0, r.output);
  std::map<long, double> m;
  for (const auto& row : csv(r.output)) {
    REQUIRE(row.size() == 2);
    m[std::stol(row[0])] = row[1].empty() ? NAN : std::stod(row[1]);
  }
  return m;
}

double as_number(const nlohmann::json& j, const std::string& key) { return j.at(key).get<double>(); }

bool is_png(const std::string& path) {
  const std::string s = slurp(path);
  return s.size() > 1000 && s.compare(0, 8, "\x89PNG\r\n\x1a\n") == 0 && s.find("IEND") == s.size() - 8;
}

}  // namespace

TEST_CASE("kitaku compare writes the metric table, difference map and GeoPackage, and the chart of two runs") {
  use_shared_cache();
  TempDir dir;
  const std::string a = make_run(dir, "retain", scenario(0.3));
  const std::string b = make_run(dir, "all_at_once", scenario(0.0));
  const std::string out = dir / "cmp";
  const auto r = run_kitaku("compare " + quoted(a) + " " + quoted(b) + " --out " + quoted(out));
  REQUIRE_MESSAGE(r.code == 0, r.output);
  CHECK(r.output.find("warning") == std::string::npos);  // same city, same weight, same length

  {  // the outputs exist and are whole
    for (const char* f : {"metrics.csv", "metrics.md", "difference.gpkg", "difference.png", "timeseries.png"})
      CHECK_MESSAGE(fs::file_size(fs::path(out) / f) > 100, f);
    CHECK(is_png(out + "/difference.png"));
    CHECK(is_png(out + "/timeseries.png"));
    const auto info = run_shell("ogrinfo -ro -so " + quoted(out + "/difference.gpkg") + " difference");
    REQUIRE_MESSAGE(info.code == 0, info.output);
    CHECK(info.output.find("Geometry: Line String") != std::string::npos);
    for (const char* field : {"minutes_ge6_a", "minutes_ge6_b", "minutes_ge6_diff", "first_crush_min_a",
                              "first_crush_min_b", "peak_at_min_a", "peak_at_min_b"})
      CHECK_MESSAGE(info.output.find(std::string(field) + ": Real") != std::string::npos, field);
    const std::string md = slurp(out + "/metrics.md");
    CHECK(md.find("| Metric | Unit | A | B | B - A | Change |") != std::string::npos);
    CHECK(md.find(a) != std::string::npos);
    CHECK(md.find(b) != std::string::npos);
    // No temporary files left behind.
    for (const auto& e : fs::directory_iterator(out)) CHECK(e.path().filename().string().rfind(".tmp-", 0) != 0);
  }

  {  // metrics.csv's B - A is the difference of the two summary.json files
    const auto ja = nlohmann::json::parse(slurp(a + "/summary.json"));
    const auto jb = nlohmann::json::parse(slurp(b + "/summary.json"));
    const auto rows = csv(slurp(out + "/metrics.csv"));
    REQUIRE(rows.size() > 10);
    CHECK(rows[0] == std::vector<std::string>{"metric", "unit", "a", "b", "b_minus_a", "relative_change"});
    int checked = 0;
    for (std::size_t i = 1; i < rows.size(); ++i) {
      const auto& row = rows[i];
      REQUIRE(row.size() == 6);
      const double va = std::stod(row[2]), vb = std::stod(row[3]), d = std::stod(row[4]);
      CHECK(d == doctest::Approx(vb - va).epsilon(1e-9));
      if (ja.contains(row[0]) && row[1] != "%") {  // metrics.csv has 3 decimals
        CHECK_MESSAGE(std::fabs(va - as_number(ja, row[0])) <= 5e-4 + 1e-12 * std::fabs(va), row[0]);
        CHECK_MESSAGE(std::fabs(vb - as_number(jb, row[0])) <= 5e-4 + 1e-12 * std::fabs(vb), row[0]);
        ++checked;
      }
      if (row[0] == "share_walkers_ge6_3h")
        CHECK(std::fabs(va - 100 * as_number(ja, row[0])) <= 5e-4);
    }
    CHECK(checked >= 12);
    // The two policies differ where it matters: fewer people retained, more walk.
    for (const auto& row : rows)
      if (row[0] == "walkers") CHECK(std::stod(row[4]) > 0);
  }

  {  // difference.gpkg's per-road B - A is the difference of the two results.gpkg
    const auto ma = gpkg_column(a + "/results.gpkg", "edges", "minutes_ge6");
    const auto mb = gpkg_column(b + "/results.gpkg", "edges", "minutes_ge6");
    const auto fa = gpkg_column(a + "/results.gpkg", "edges", "first_crush_min");
    const auto fb = gpkg_column(b + "/results.gpkg", "edges", "first_crush_min");
    const auto diff = gpkg_column(out + "/difference.gpkg", "difference", "minutes_ge6_diff");
    const auto da = gpkg_column(out + "/difference.gpkg", "difference", "minutes_ge6_a");
    const auto dfb = gpkg_column(out + "/difference.gpkg", "difference", "first_crush_min_b");
    const auto dfa = gpkg_column(out + "/difference.gpkg", "difference", "first_crush_min_a");
    REQUIRE(diff.size() == ma.size());
    REQUIRE(diff.size() == mb.size());
    std::size_t changed = 0;
    for (const auto& [e, d] : diff) {
      CHECK(d == doctest::Approx(mb.at(e) - ma.at(e)).epsilon(1e-4));
      CHECK(da.at(e) == doctest::Approx(ma.at(e)).epsilon(1e-5));
      CHECK(std::isnan(dfa.at(e)) == std::isnan(fa.at(e)));
      CHECK(std::isnan(dfb.at(e)) == std::isnan(fb.at(e)));
      if (!std::isnan(fb.at(e))) CHECK(dfb.at(e) == doctest::Approx(fb.at(e)).epsilon(1e-5));
      changed += d != 0;
    }
    CHECK_MESSAGE(changed > 0, "the two policies should change some road's minutes at >= 6 p/m2");
  }

  {  // refusals name the folder and the problem
    const auto fails = [&](const std::string& args, const std::string& expected) {
      const auto f = run_kitaku("compare " + args + " --out " + quoted(dir / "cmp_err"));
      CHECK_MESSAGE(f.code == 1, f.output);
      CHECK_MESSAGE(f.output.find(expected) != std::string::npos, f.output);
    };
    fails(quoted(dir / "nowhere") + " " + quoted(b), "nowhere: no such run folder");
    fails(quoted(a) + " " + quoted(dir.path.string()), "no summary.json: not a finished `kitaku run` output folder");
    const auto copy = [&](const std::string& name) {
      const std::string c = dir / name;
      fs::copy(b, c, fs::copy_options::recursive);
      return c;
    };
    const std::string corrupt = copy("corrupt");
    std::ofstream(corrupt + "/summary.json") << "{ not json";
    fails(quoted(a) + " " + quoted(corrupt), "summary.json: changed since the run wrote it");
    const std::string no_gpkg = copy("no_gpkg");
    fs::remove(no_gpkg + "/results.gpkg");
    fails(quoted(a) + " " + quoted(no_gpkg), "results.gpkg: missing");
    const std::string unlisted = copy("no_manifest");
    fs::remove(unlisted + "/manifest.sha256");
    fails(quoted(a) + " " + quoted(unlisted), "not a whole run: no manifest.sha256");
    // A whole set whose summary.json is rewritten (and re-hashed) to say it stopped early.
    const std::string rehash = "cd DIR && sha256sum timeseries.csv agents.csv results.gpkg commands.log scenario.toml "
                               "peak_density.png summary.json > manifest.sha256";
    const auto fix_manifest = [&](const std::string& d) {
      std::string cmd = rehash;
      cmd.replace(cmd.find("DIR"), 3, quoted(d));
      const auto s = run_shell(cmd);
      REQUIRE_MESSAGE(s.code == 0, s.output);
    };
    const std::string partial = copy("partial");
    {
      auto j = nlohmann::json::parse(slurp(partial + "/summary.json"));
      j["partial"] = true;
      std::ofstream(partial + "/summary.json") << j.dump(2);
    }
    fix_manifest(partial);
    fails(quoted(a) + " " + quoted(partial), "the run stopped early (\"partial\": true)");
    const std::string bad_json = copy("bad_json");
    std::ofstream(bad_json + "/summary.json") << "{ \"agents\": ";
    fix_manifest(bad_json);
    fails(quoted(a) + " " + quoted(bad_json), "summary.json: not valid JSON");
    // A network with one road fewer: no per-road difference.
    const std::string fewer = copy("fewer_roads");
    // (Through GDAL: the GeoPackage's R-tree triggers call its SQL functions.)
    for (const char* sql : {"DELETE FROM edges WHERE edge_id = 0", "UPDATE edges SET edge_id = edge_id - 1"}) {
      const auto del = run_shell("ogrinfo " + quoted(fewer + "/results.gpkg") + " -sql '" + sql + "'");
      REQUIRE_MESSAGE(del.code == 0, del.output);
    }
    fix_manifest(fewer);
    fails(quoted(a) + " " + quoted(fewer), "the runs are on different networks");
    // The comparison is not written into a run folder.
    const auto into = run_kitaku("compare " + quoted(a) + " " + quoted(b) + " --out " + quoted(a));
    CHECK(into.code == 1);
    CHECK(into.output.find("write the comparison into a folder of its own") != std::string::npos);
  }
}

TEST_CASE("kitaku compare warns when the runs differ in agent weight or length") {
  if (kitaku::test::skip_slow("three more runs, for the warnings")) return;
  use_shared_cache();
  TempDir dir;
  const auto with = [](std::string s, const std::string& from, const std::string& to) {
    return s.replace(s.find(from), from.size(), to);
  };
  const std::string shorter = with(scenario(0.3), "duration_h = 0.67", "duration_h = 0.25");
  const std::string a = make_run(dir, "a", shorter);
  const std::string b = make_run(dir, "b", with(shorter, "agents = 6000", "agents = 3000"));
  const auto r = run_kitaku("compare " + quoted(a) + " " + quoted(b) + " --out " + quoted(dir / "cmp"));
  REQUIRE_MESSAGE(r.code == 0, r.output);
  CHECK(r.output.find("warning: A's agents stand for") != std::string::npos);
  CHECK(r.output.find("warning: A simulated") == std::string::npos);
  CHECK(slurp(dir / "cmp/metrics.md").find("**Warning:**") != std::string::npos);
  const std::string c = make_run(dir, "c", with(shorter, "duration_h = 0.25", "duration_h = 0.5"));
  const auto r2 = run_kitaku("compare " + quoted(a) + " " + quoted(c) + " --out " + quoted(dir / "cmp2"));
  REQUIRE_MESSAGE(r2.code == 0, r2.output);
  CHECK(r2.output.find("warning: A simulated 0.25 h, B 0.5 h") != std::string::npos);
}
