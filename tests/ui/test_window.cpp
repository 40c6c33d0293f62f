// The dashboard in a real window: `kitaku dashboard` under Xvfb (Mesa llvmpipe)
// renders the default scenario and saves a screenshot, which is then checked: the
// right size, not blank, roads drawn in level-of-service colours, panels present.
#include <doctest/doctest.h>
#include <stb_image.h>

#include <sys/wait.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <string>
#include <vector>

#include "kitaku/ui/fruin.hpp"
#include "kitaku/ui/screenshot.hpp"
#include "test_util.hpp"

namespace fs = std::filesystem;

namespace {

bool have(const char* tool) {
  return std::system((std::string("command -v ") + tool + " >/dev/null 2>&1").c_str()) == 0;
}

struct Png {
  int w = 0, h = 0;
  std::vector<std::uint8_t> rgba;
};

Png load_png(const std::string& path) {
  Png p;
  int n = 0;
  unsigned char* data = stbi_load(path.c_str(), &p.w, &p.h, &n, 4);
  if (data) {
    p.rgba.assign(data, data + static_cast<std::size_t>(p.w) * static_cast<std::size_t>(p.h) * 4);
    stbi_image_free(data);
  }
  return p;
}

// Pixels within `tol` of an IM_COL32 colour (R in the low byte).
int count_colour(const Png& p, std::uint32_t col, int tol) {
  const int r = col & 0xFF, g = (col >> 8) & 0xFF, b = (col >> 16) & 0xFF;
  int n = 0;
  for (std::size_t i = 0; i + 3 < p.rgba.size(); i += 4)
    if (std::abs(p.rgba[i] - r) <= tol && std::abs(p.rgba[i + 1] - g) <= tol && std::abs(p.rgba[i + 2] - b) <= tol) ++n;
  return n;
}

}  // namespace

TEST_CASE("the dashboard renders the default scenario in a real window under Xvfb") {
  if (kitaku::test::skip_slow("a real window (the plain test pass renders it)")) return;
  if (!have("xvfb-run")) {
    MESSAGE("skipped: xvfb-run is not installed (scripts/setup.sh installs xvfb)");
    return;
  }
  const fs::path out = fs::path("dashboard-test");
  fs::create_directories(out);
  const fs::path shot = out / "default.png";
  fs::remove(shot);
  const std::string cmd = std::string("xvfb-run -a -s '-screen 0 1920x1080x24' ") + KITAKU_BINARY +
                          " dashboard --width 1600 --height 900 --advance-min 45 --frames 20 --screenshot " +
                          shot.string() + " > " + (out / "log.txt").string() + " 2>&1";
  const int rc = std::system(cmd.c_str());
  if (rc != 0) {
    std::FILE* f = std::fopen((out / "log.txt").c_str(), "r");
    char buf[512];
    std::string log;
    while (f && std::fgets(buf, sizeof buf, f)) log += buf;
    if (f) std::fclose(f);
    FAIL("kitaku dashboard failed (" << rc << "):\n" << log);
  }
  REQUIRE(fs::exists(shot));
  const Png p = load_png(shot.string());
  REQUIRE(p.w == 1600);
  REQUIRE(p.h == 900);
  const auto stats = kitaku::ui::image_stats(p.rgba, p.w, p.h);
  INFO("distinct colours " << stats.distinct_colours << ", non-background " << stats.non_background_share);
  CHECK(stats.distinct_colours > 100);        // not blank: text, roads, plots
  CHECK(stats.non_background_share > 0.15);
  // Roads: most are at level of service A (green) 45 minutes in; some carry crowds.
  const int green = count_colour(p, kitaku::ui::kFruinColours[0], 12);
  INFO("level-A road pixels: " << green);
  CHECK(green > 2000);
  int crowded = 0;
  for (int lvl = 1; lvl < 6; ++lvl) crowded += count_colour(p, kitaku::ui::kFruinColours[static_cast<std::size_t>(lvl)], 12);
  INFO("level B-F road pixels: " << crowded);
  CHECK(crowded > 0);
}

TEST_CASE("kitaku dashboard without a display stops at once with one clear line") {
  const std::string cmd = std::string("env -u DISPLAY -u WAYLAND_DISPLAY ") + KITAKU_BINARY + " dashboard 2>&1";
  FILE* p = popen(cmd.c_str(), "r");
  REQUIRE(p);
  std::string out;
  char buf[512];
  while (std::fgets(buf, sizeof buf, p)) out += buf;
  const int status = pclose(p);
  CHECK(WEXITSTATUS(status) == 1);
  CHECK(out.find("cannot open a window: no display") != std::string::npos);
  CHECK(out.find("agents") == std::string::npos);  // it failed before loading anything
}

// Every preset opens in the dashboard window and draws its city 2 simulated
// minutes in (issue #5: "every preset runs headless and in the dashboard"; the
// headless side is tests/app/test_presets.cpp). Presets on real data are
// skipped, with a message, when ../shared/data is absent.
TEST_CASE("every preset in scenarios/ opens in the dashboard under Xvfb") {
  if (kitaku::test::skip_slow("a real window (the plain test pass renders it)")) return;
  if (!have("xvfb-run")) {
    MESSAGE("skipped: xvfb-run is not installed (scripts/setup.sh installs xvfb)");
    return;
  }
  const char* env = std::getenv("KITAKU_SHARED_DATA");
  const bool shared = fs::exists(fs::path(env ? env : KITAKU_SHARED_DATA_DEFAULT) / "SOURCES.md");
  const fs::path out = fs::path("dashboard-test/presets");
  fs::create_directories(out);
  int opened = 0;
  std::vector<fs::path> presets;
  for (const auto& e : fs::directory_iterator(fs::path(KITAKU_SOURCE_DIR) / "scenarios"))
    if (e.path().extension() == ".toml") presets.push_back(e.path());
  std::sort(presets.begin(), presets.end());
  for (const fs::path& p : presets) {
    const std::string name = p.filename().string();
    CAPTURE(name);
    const std::string text = kitaku::test::slurp(p);
    if (text.find("shared/data/") != std::string::npos && !shared) {
      MESSAGE("skipped " << p.filename().string() << ": ../shared/data is absent");
      continue;
    }
    const fs::path shot = out / (p.stem().string() + ".png");
    const fs::path log = out / (p.stem().string() + ".log");
    fs::remove(shot);
    const std::string cmd = std::string("xvfb-run -a -s '-screen 0 1280x800x24' ") + KITAKU_BINARY + " dashboard '" +
                            p.string() + "' --width 1280 --height 800 --advance-min 2 --frames 2 --screenshot " +
                            shot.string() + " > " + log.string() + " 2>&1";
    const int rc = std::system(cmd.c_str());
    const std::string log_text = kitaku::test::slurp(log);
    INFO("log: " << log_text);
    REQUIRE(rc == 0);
    REQUIRE(fs::exists(shot));
    const Png png = load_png(shot.string());
    REQUIRE(png.w == 1280);
    const auto stats = kitaku::ui::image_stats(png.rgba, png.w, png.h);
    CHECK(stats.distinct_colours > 100);
    CHECK(stats.non_background_share > 0.15);
    ++opened;
  }
  CHECK(opened >= 8);
}
