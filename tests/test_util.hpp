#pragma once
// Helpers shared by the test suites.
#include <doctest/doctest.h>

#include <cstdlib>
#include <filesystem>
#include <optional>
#include <random>
#include <string>

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

/// The seed for randomised tests: 42, or $KITAKU_TEST_SEED.
inline unsigned test_seed() {
  const char* env = std::getenv("KITAKU_TEST_SEED");
  return env ? static_cast<unsigned>(std::strtoul(env, nullptr, 10)) : 42u;
}

/// Runs the kitaku binary with `args`; returns {exit code, stdout+stderr}.
struct CommandResult { int code; std::string output; };
CommandResult run_kitaku(const std::string& args);
/// Runs a shell command line (sh -c); returns {exit code, stdout+stderr}.
CommandResult run_shell(const std::string& command);

}  // namespace kitaku::test
