#include <doctest/doctest.h>

#include <cmath>
#include <cstdio>
#include <string>

#include "kitaku/sim/progress.hpp"

using namespace kitaku;

TEST_CASE("progress bar stays quiet when not a terminal, draws when forced") {
  std::FILE* f = std::tmpfile();
  REQUIRE(f);
  {
    ProgressBar quiet("load", f);
    CHECK_FALSE(quiet.active());
    quiet.update(0.5);
  }
  CHECK(std::ftell(f) == 0);
  {
    ProgressBar bar("load", f, true);
    bar.update(0.5);
  }
  std::rewind(f);
  char buf[256] = {};
  const auto n = std::fread(buf, 1, sizeof buf - 1, f);
  const std::string s(buf, n);
  CHECK(s.find("load [###############...............]  50.0%") != std::string::npos);
  CHECK(s.find("ETA") != std::string::npos);
  std::fclose(f);
}

TEST_CASE("durations read as a person would say them") {
  CHECK(ProgressBar::format_duration(42) == "42 s");
  CHECK(ProgressBar::format_duration(185) == "3 min 05 s");
  CHECK(ProgressBar::format_duration(3720) == "1 h 02 min");
  CHECK(ProgressBar::format_duration(NAN) == "?");
}
