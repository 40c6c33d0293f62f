#pragma once
// Helpers shared by the test suites.
#include <doctest/doctest.h>
#include <sys/types.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <optional>
#include <random>
#include <sstream>
#include <string>
#include <vector>

namespace kitaku::test {

/// ../shared/data (or $KITAKU_SHARED_DATA) joined with `rel`, if that file exists.
/// When it does not, the caller should return: the test is skipped with a message.
inline std::optional<std::string> shared_data(const std::string& rel) {
  const char* env = std::getenv("KITAKU_SHARED_DATA");
  const std::filesystem::path p = std::filesystem::path(env ? env : KITAKU_SHARED_DATA_DEFAULT) / rel;
  if (std::filesystem::exists(p)) return p.string();
  MESSAGE("SKIPPED: " << p.string() << " is absent (set KITAKU_SHARED_DATA to ../shared/data)");
  return std::nullopt;
}

/// A fresh empty directory under the system temp dir, removed at scope exit.
struct TempDir {
  std::filesystem::path path;
  TempDir() {
    std::random_device rd;
    path = std::filesystem::temp_directory_path() / ("kitaku-test-" + std::to_string(rd()));
    std::filesystem::create_directories(path);
  }
  ~TempDir() { std::error_code ec; std::filesystem::remove_all(path, ec); }
  std::string operator/(const std::string& name) const { return (path / name).string(); }
};

/// A fresh cache for one test case: $KITAKU_CACHE_DIR (inherited by the kitaku
/// children) points at a new temp dir while this lives; at scope exit the variable
/// is unset and the dir removed.
struct CacheDir {
  TempDir dir;
  CacheDir() { ::setenv("KITAKU_CACHE_DIR", dir.path.c_str(), 1); }
  ~CacheDir() { ::unsetenv("KITAKU_CACHE_DIR"); }
};

/// Points $KITAKU_CACHE_DIR (inherited by the kitaku children) at one temp dir shared by
/// every test case of this test program and removed at its exit, so that a city is
/// generated once per program and no run touches ~/.cache. The variable stays set.
inline void use_shared_cache() {
  static TempDir cache;
  ::setenv("KITAKU_CACHE_DIR", cache.path.c_str(), 1);
}

/// True when $KITAKU_SKIP_SLOW is set (e.g. the sanitizer pass), after a
/// "SKIPPED (KITAKU_SKIP_SLOW is set): <what>" message: the caller should then return.
inline bool skip_slow(const char* what) {
  if (!std::getenv("KITAKU_SKIP_SLOW")) return false;
  MESSAGE("SKIPPED (KITAKU_SKIP_SLOW is set): " << std::string(what));
  return true;
}

/// The whole file, bytes as they are. A file that cannot be opened fails the test
/// case (REQUIRE, "cannot read PATH"). Takes a std::string or a path alike.
inline std::string slurp(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  REQUIRE_MESSAGE(in, "cannot read " << path.string());
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

/// The seed for randomised tests: 42, or $KITAKU_TEST_SEED.
inline unsigned test_seed() {
  const char* env = std::getenv("KITAKU_TEST_SEED");
  return env ? static_cast<unsigned>(std::strtoul(env, nullptr, 10)) : 42u;
}

/// `s` in single quotes, for a shell command line (paths without quotes of their own).
inline std::string quoted(const std::string& s) { return "'" + s + "'"; }

/// Runs the kitaku binary with `args`; returns {exit code, stdout+stderr}.
struct CommandResult { int code; std::string output; };
CommandResult run_kitaku(const std::string& args);
/// Runs a shell command line (sh -c); returns {exit code, stdout+stderr}.
CommandResult run_shell(const std::string& command);
/// Starts the kitaku binary with `args` (stdout and stderr into `log`) without
/// waiting; returns its pid (for tests that kill a run).
pid_t spawn_kitaku(const std::vector<std::string>& args, const std::string& log);

}  // namespace kitaku::test
