// kitaku calibrate end to end (docs/research.md, "Calibration"): a known answer
// recovered on a 2 km synthetic city, resumption, and bad calibration files.
#include <doctest/doctest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>

#include "test_util.hpp"

using kitaku::test::quoted;
using kitaku::test::run_kitaku;
using kitaku::test::slurp;
using kitaku::test::TempDir;
using kitaku::test::use_shared_cache;
namespace fs = std::filesystem;

namespace {

std::string write(const TempDir& dir, const std::string& name, const std::string& text) {
  const std::string path = dir / name;
  std::ofstream(path, std::ios::binary) << text;
  return path;
}

bool has(const std::string& text, const std::string& part) { return text.find(part) != std::string::npos; }

const char* kSmall = "[city]\nsynthetic_radius_km = 2\n[population]\nagents = 2000\n[run]\nduration_h = 2\n";

std::string calibration(double walkers, double home) {
  std::ostringstream s;
  s.precision(17);
  s << "[calibrate]\nname = \"known\"\nbase = \"small.toml\"\nsamples = 4\nrounds = 2\n"
    << "[[parameter]]\nkey = \"policy.retention_share\"\nmin = 0\nmax = 1\n"
    << "[[target]]\nmetric = \"walkers\"\nvalue = " << walkers << "\nsource = \"a run at 0.5\"\n"
    << "[[check]]\nmetric = \"arrived_home\"\nvalue = " << home << "\n";
  return s.str();
}

}  // namespace

TEST_CASE("kitaku calibrate recovers a parameter from a figure made with it, and resumes") {
  use_shared_cache();
  TempDir dir;
  write(dir, "small.toml", kSmall);
  // The figure to fit: walkers of a run with retention_share = 0.5.
  const std::string ref = write(dir, "ref.toml", std::string(kSmall) + "[policy]\nretention_share = 0.5\n");
  auto r = run_kitaku("run " + quoted(ref) + " --out " + quoted(dir / "ref"));
  REQUIRE_MESSAGE(r.code == 0, r.output);
  const auto summary = nlohmann::json::parse(slurp(dir / "ref/summary.json"));
  const double walkers = summary.at("walkers").get<double>();
  REQUIRE(walkers > 0);
  const std::string calib = write(dir, "calib.toml", calibration(walkers, summary.at("arrived_home").get<double>()));

  r = run_kitaku("calibrate " + quoted(calib) + " --out " + quoted(dir / "cal"));
  CAPTURE(r.output);
  REQUIRE(r.code == 0);
  // Two rounds of 4 Latin samples: 8 points, one marked best.
  const std::string fit = slurp(dir / "cal/fit.csv");
  CHECK(has(fit, "round,point,policy.retention_share,walkers,arrived_home,objective,best\n"));
  std::istringstream lines(fit);
  std::string line;
  int rows = 0, best = 0;
  double fitted = -1;
  std::getline(lines, line);
  while (std::getline(lines, line)) {
    ++rows;
    if (line.size() > 2 && line.substr(line.size() - 2) == ",1") {
      ++best;
      fitted = std::stod(line.substr(line.find(',', line.find(',') + 1) + 1));
    }
  }
  CHECK(rows == 8);
  CHECK(best == 1);
  // Walkers fall with retention monotonically enough that the best of 8 samples
  // lies near 0.5 (the first round alone has one sample in each quarter).
  CHECK(fitted > 0.25);
  CHECK(fitted < 0.75);
  const std::string toml = slurp(dir / "cal/fitted.toml");
  CHECK(has(toml, "[policy]\nretention_share = "));
  CHECK(has(slurp(dir / "cal/fit.md"), "| `arrived_home` | check | "));
  CHECK(fs::exists(dir / "cal/round-2/index.csv"));

  // The same command again finds every run done and gives the same fit.
  const std::string before = fit;
  r = run_kitaku("calibrate " + quoted(calib) + " --out " + quoted(dir / "cal"));
  CAPTURE(r.output);
  REQUIRE(r.code == 0);
  CHECK(has(r.output, "4 runs finished earlier (kept)"));
  CHECK(slurp(dir / "cal/fit.csv") == before);
}

TEST_CASE("kitaku calibrate with a bad calibration file names the file, the line and the problem") {
  TempDir dir;
  write(dir, "small.toml", kSmall);
  const auto fails = [&](const std::string& text, const std::string& message) {
    const std::string calib = write(dir, "bad.toml", text);
    const auto r = run_kitaku("calibrate " + quoted(calib) + " --out " + quoted(dir / "cal"));
    CAPTURE(text);
    CAPTURE(r.output);
    CHECK(r.code == 1);
    CHECK(has(r.output, "kitaku: error: " + calib + ": " + message));
  };
  const std::string head = "[calibrate]\nbase = \"small.toml\"\n";
  const std::string param = "[[parameter]]\nkey = \"policy.retention_share\"\nmin = 0\nmax = 1\n";
  const std::string target = "[[target]]\nmetric = \"walkers\"\nvalue = 1000\n";
  fails(head + "sample = 4\n" + param + target, "line 3: [calibrate] sample: unknown key");
  fails(head + "[[parameter]]\nkey = \"policy.retention_share\"\nmin = 1\nmax = 0.5\n" + target,
        "line 6: [[parameter]] max: must be above min");
  fails(head + param + "[[target]]\nmetric = \"walkers\"\nvalue = 0\n", "line 9: [[target]] value: must be above 0");
  fails(head + param, "no [[target]] table: give at least one figure to fit to");
  fails("[calibrate]\nbase = \"nothere.toml\"\n" + param + target, "line 2: [calibrate] base: cannot open scenario file");
  // A key the scenario refuses: the round's sweep says so, reported against the calibration file.
  fails(head + "[[parameter]]\nkey = \"policy.retension_share\"\nmin = 0\nmax = 1\n" + target,
        "line 3: [[parameter]] key \"policy.retension_share\": [policy] retension_share: unknown key");
  // A metric summary.json does not have: named with its line once the first runs are done.
  fails(head + param + "[[target]]\nmetric = \"walkerz\"\nvalue = 1000\n",
        "line 7: metric \"walkerz\": not a number in summary.json");
}
