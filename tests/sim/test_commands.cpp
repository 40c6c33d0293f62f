#include <doctest/doctest.h>

#include <cmath>
#include <cstring>
#include <fstream>
#include <limits>
#include <string>

#include "kitaku/sim/commands.hpp"
#include "kitaku/sim/error.hpp"
#include "test_util.hpp"

using namespace kitaku;

namespace {

bool same_bits(double a, double b) { return std::memcmp(&a, &b, sizeof a) == 0; }

void check_same(const Command& a, const Command& b) {
  CHECK(a.time_s == b.time_s);
  CHECK(a.seq == b.seq);
  CHECK(a.type == b.type);
  CHECK(a.facility == b.facility);
  CHECK(a.edge == b.edge);
  CHECK(same_bits(a.value, b.value));
  CHECK(same_bits(a.x, b.x));
  CHECK(same_bits(a.y, b.y));
  CHECK(same_bits(a.radius_m, b.radius_m));
  CHECK(a.source == b.source);
}

std::string error_of(std::string_view line, int line_no = 7) {
  try {
    parse_command_line(line, "commands.log", line_no);
  } catch (const InputError& e) {
    return e.what();
  }
  return "no error";
}

constexpr const char* kGood =
    "time_s=3600 seq=2 type=close_edge facility=-1 edge=12 value=0 x=0 y=0 radius_m=0 source=operator";

}  // namespace

TEST_CASE("command names round-trip and unknown names are refused") {
  for (int i = 0; i <= static_cast<int>(CommandType::kReleaseRetained); ++i) {
    const auto t = static_cast<CommandType>(i);
    CommandType back = CommandType::kOpenFacility;
    REQUIRE(parse_command_type(command_name(t), back));
    CHECK(back == t);
  }
  CHECK(command_name(CommandType::kSetCapacity) == "set_capacity");
  CHECK(command_name(CommandType::kReleaseRetained) == "release_retained");
  CommandType t = CommandType::kGuidance;
  CHECK_FALSE(parse_command_type("close_road", t));
  CHECK_FALSE(parse_command_type("", t));
  CHECK_FALSE(parse_command_type("Guidance", t));
  CHECK(t == CommandType::kGuidance);
}

TEST_CASE("format_command writes every key in a fixed order") {
  Command c;
  c.time_s = 3600;
  c.seq = 2;
  c.type = CommandType::kCloseEdge;
  c.edge = make_id<EdgeId>(12);
  c.source = "operator";
  CHECK(format_command(c) == kGood);
  c.source = "my drill";  // a space would split the line
  CHECK(format_command(c).ends_with(" source=my_drill"));
}

TEST_CASE("format and parse round-trip bit-exactly") {
  const double awkward[] = {0.1,
                            1.0 / 3.0,
                            -0.0,
                            2.0 / 3.0 * 1e300,
                            std::numeric_limits<double>::denorm_min(),
                            std::numeric_limits<double>::min(),
                            std::numeric_limits<double>::max(),
                            -std::nextafter(1.0, 2.0),
                            123456789.123456789,
                            std::ldexp(1.0, 60) + 4096};
  std::uint64_t seq = 0;
  for (const double v : awkward) {
    Command c;
    c.time_s = 86400LL * 14 + 7;
    c.seq = seq++;
    c.type = CommandType::kGuidance;
    c.facility = make_id<ShelterId>(1234);
    c.edge = make_id<EdgeId>(index(kNoEdge) - 1);  // the largest edge number
    c.value = v;
    c.x = -v;
    c.y = v / 7;
    c.radius_m = std::abs(v);
    c.source = "replay";
    const std::string line = format_command(c);
    CAPTURE(line);
    check_same(parse_command_line(line, "commands.log", 1), c);
  }
  Command big;
  big.seq = std::numeric_limits<std::uint64_t>::max();
  big.type = CommandType::kReleaseRetained;
  big.source = "";
  check_same(parse_command_line(format_command(big), "x", 1), big);
}

TEST_CASE("parse_command_line accepts keys in any order and extra spaces") {
  const Command c = parse_command_line(
      "  source=operator radius_m=0 y=0 x=0 value=0 edge=12 facility=-1 type=close_edge seq=2 time_s=3600\r",
      "commands.log", 1);
  CHECK(c.time_s == 3600);
  CHECK(c.type == CommandType::kCloseEdge);
  CHECK(c.edge == make_id<EdgeId>(12));
  CHECK(c.source == "operator");
  CHECK(error_of(kGood) == "no error");
}

TEST_CASE("bad log lines are refused with the file and line number") {
  const std::string good = kGood;
  const auto with = [&](const std::string& from, const std::string& to) {
    std::string s = good;
    const auto at = s.find(from);
    REQUIRE(at != std::string::npos);
    return s.replace(at, from.size(), to);
  };
  CHECK(error_of(good + " colour=red") == "commands.log: line 7: unknown key 'colour'");
  CHECK(error_of(with("edge=12 ", "")) == "commands.log: line 7: missing key 'edge'");
  CHECK(error_of(with("source=operator", "")) == "commands.log: line 7: missing key 'source'");
  CHECK(error_of(good + " seq=3") == "commands.log: line 7: key 'seq' given twice");
  CHECK(error_of(with("edge=12", "edge=twelve")) == "commands.log: line 7: edge: not an integer: 'twelve'");
  CHECK(error_of(with("edge=12", "edge=12.5")) == "commands.log: line 7: edge: not an integer: '12.5'");
  CHECK(error_of(with("edge=12", "edge=")) == "commands.log: line 7: edge: not an integer: ''");
  // Ids: -1 is none; anything else below the id type's "none" (2^32 - 1) names one.
  CHECK(!valid(parse_command_line(with("edge=12", "edge=-1"), "commands.log", 7).edge));
  CHECK(parse_command_line(with("edge=12", "edge=4294967294"), "commands.log", 7).edge == make_id<EdgeId>(4294967294u));
  CHECK(error_of(with("edge=12", "edge=4294967295")) ==
        "commands.log: line 7: edge: must be -1 (none) or a number from 0 to 4294967294, got 4294967295");
  CHECK(error_of(with("facility=-1", "facility=-2")) ==
        "commands.log: line 7: facility: must be -1 (none) or a number from 0 to 4294967294, got -2");
  CHECK(error_of(with("value=0", "value=1.5x")) == "commands.log: line 7: value: not a finite number: '1.5x'");
  CHECK(error_of(with("value=0", "value=nan")) == "commands.log: line 7: value: not a finite number: 'nan'");
  CHECK(error_of(with("x=0", "x=inf")) == "commands.log: line 7: x: not a finite number: 'inf'");
  CHECK(error_of(with("seq=2", "seq=-2")) == "commands.log: line 7: seq: not an integer: '-2'");
  CHECK(error_of(with("time_s=3600", "time_s=-5")) == "commands.log: line 7: time_s: must not be negative, got -5");
  CHECK(error_of(with("type=close_edge", "type=close_road")) ==
        "commands.log: line 7: type: unknown command type 'close_road'");
  CHECK(error_of(with("radius_m=0", "radius_m=-1")) ==
        "commands.log: line 7: radius_m: must not be negative, got -1");
  CHECK(error_of("time_s 3600", 42) == "commands.log: line 42: expected key=value, got 'time_s'");
  CHECK(error_of("", 3).find("commands.log: line 3: missing key 'time_s'") == 0);
}

TEST_CASE("load_command_log reads a file, skipping comments and blank lines") {
  test::TempDir dir;
  const std::string path = dir / "commands.log";
  Command a;
  a.time_s = 60;
  a.seq = 0;
  a.type = CommandType::kOpenFacility;
  a.facility = make_id<ShelterId>(5);
  a.source = "scenario";
  Command b;
  b.time_s = 7200;
  b.seq = 1;
  b.type = CommandType::kReleaseRetained;
  b.value = 0.1 + 0.2;
  b.x = 1.0 / 3.0;
  b.y = -7.25;
  b.radius_m = 500;
  b.source = "operator";
  {
    std::ofstream out(path);
    out << "# commands applied, in order\n\n" << format_command(a) << "\n   \n  # indented comment\n"
        << format_command(b) << "\n";
  }
  const auto log = load_command_log(path);
  REQUIRE(log.size() == 2);
  check_same(log[0], a);
  check_same(log[1], b);

  {
    std::ofstream out(path);
    out << "# header\n" << format_command(a) << "\n\ntime_s=1 bogus\n";
  }
  try {
    load_command_log(path);
    FAIL("a bad line was accepted");
  } catch (const InputError& e) {
    CHECK(e.file() == path);
    CHECK(e.place() == "line 4");
    CHECK(std::string(e.what()).find("expected key=value, got 'bogus'") != std::string::npos);
  }

  CHECK_THROWS_WITH_AS(load_command_log(dir / "absent.log"), (dir / "absent.log" + ": cannot open command log").c_str(),
                       InputError);
  std::ofstream(dir / "empty.log") << "# nothing applied\n";
  CHECK(load_command_log(dir / "empty.log").empty());
}
