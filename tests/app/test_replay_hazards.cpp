// `kitaku run --replay` with hazards: commands.log holds the hazard plan's commands
// (source "hazard": rail resumption, aftershock pauses), but a replay leaves them
// out, since the simulation plans them again from the scenario and the seed.
// Applied twice, the log would list them twice.
#include <doctest/doctest.h>

#include <cstdlib>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "test_util.hpp"

using kitaku::test::CacheDir;
using kitaku::test::run_kitaku;
using kitaku::test::slurp;
using kitaku::test::TempDir;

namespace {

std::vector<std::string> log_lines(const std::string& path) {
  std::vector<std::string> out;
  std::istringstream in(slurp(path));
  for (std::string line; std::getline(in, line);)
    if (!line.empty() && line[0] != '#') out.push_back(line);
  return out;
}

int count_with(const std::vector<std::string>& lines, const std::string& a, const std::string& b = {}) {
  int n = 0;
  for (const auto& l : lines) n += l.find(a) != std::string::npos && l.find(b) != std::string::npos;
  return n;
}

}  // namespace

TEST_CASE("kitaku run --replay leaves the hazard plan's commands to the plan, applying each once") {
  CacheDir cache;
  TempDir dir;
  // The 3 km synthetic city; its central station is always named 中央.
  const std::string scenario =
      "[scenario]\nname = \"Rail replay\"\nseed = 3\n"
      "[city]\nsynthetic_radius_km = 3\n"
      "[population]\nagents = 5000\n"
      "[behaviour]\ndeparture_mean_min = 5\n"
      "[facilities]\nopening_delay_min = 0\nopening_delay_max = 10\n"
      "[run]\nduration_h = 0.5\nstep_s = 10\noutput_interval_s = 300\n"
      "[[rail_line]]\nname = \"Central line\"\nstations = [\"中央\"]\nresume_h = 0.1\n"
      "station_catchment_m = 800\nhome_catchment_km = 100\ncapacity_per_h = 50000\n"
      "[[aftershock]]\nat_min = 8\npause_min = 2\nblockage = false\n"
      "[[command]]\nat_min = 5\ntype = \"close_edge\"\nedge = 5\n";
  const std::string path = dir / "rail.toml";
  std::ofstream(path) << scenario;

  const auto r1 = run_kitaku("run '" + path + "' --out '" + (dir / "first") + "'");
  CAPTURE(r1.output);
  REQUIRE(r1.code == 0);
  const auto first = log_lines(dir / "first/commands.log");
  const std::string first_log = slurp(dir / "first/commands.log");
  CAPTURE(first_log);
  REQUIRE(first.size() == 3);
  CHECK(count_with(first, "type=close_edge", "source=scenario") == 1);
  CHECK(count_with(first, "type=resume_rail", "source=hazard") == 1);
  CHECK(count_with(first, "type=pause_walkers", "source=hazard") == 1);
  // People left by train: the last row's state_by_rail_persons is above 0.
  const std::string ts = slurp(dir / "first/timeseries.csv");
  {
    std::istringstream in(ts);
    std::string header, line, last;
    REQUIRE(std::getline(in, header));
    while (std::getline(in, line))
      if (!line.empty()) last = line;
    auto fields = [](const std::string& l) {
      std::vector<std::string> f;
      std::istringstream ss(l);
      for (std::string c; std::getline(ss, c, ',');) f.push_back(c);
      return f;
    };
    const auto h = fields(header), r = fields(last);
    std::size_t col = 0;
    while (col < h.size() && h[col] != "state_by_rail_persons") ++col;
    REQUIRE(col < h.size());
    REQUIRE(r.size() == h.size());
    CHECK(std::stod(r[col]) > 0);
  }

  const auto r2 = run_kitaku("run '" + path + "' --replay '" + (dir / "first/commands.log") + "' --out '" +
                             (dir / "replayed") + "'");
  CAPTURE(r2.output);
  REQUIRE(r2.code == 0);
  const auto replayed = log_lines(dir / "replayed/commands.log");
  const std::string replayed_log = slurp(dir / "replayed/commands.log");
  CAPTURE(replayed_log);
  CHECK(replayed.size() == 3);
  CHECK(count_with(replayed, "type=resume_rail") == 1);
  CHECK(count_with(replayed, "type=pause_walkers") == 1);
  CHECK(count_with(replayed, "type=close_edge", "source=replay:scenario") == 1);
  CHECK(slurp(dir / "replayed/timeseries.csv") == ts);
}
