#pragma once
// A terminal progress bar with an ETA. It draws only when its stream is a
// terminal, at most ten times a second, so piped output stays clean.
#include <chrono>
#include <cstdio>
#include <functional>
#include <string>

namespace kitaku {

/// Progress callback used by long operations: fraction done in [0, 1].
using ProgressFn = std::function<void(double fraction)>;

class ProgressBar {
 public:
  /// `force` draws even when `out` is not a terminal (tests).
  explicit ProgressBar(std::string label, std::FILE* out = stderr, bool force = false);
  ~ProgressBar();
  void update(double fraction);
  /// Clears the bar's line (called by the destructor too).
  void finish();
  bool active() const noexcept { return active_; }
  /// A ProgressFn that updates this bar.
  ProgressFn fn() { return [this](double f) { update(f); }; }
  /// "1 h 02 min", "3 min 05 s", "42 s".
  static std::string format_duration(double seconds);

 private:
  std::string label_;
  std::FILE* out_;
  bool active_;
  bool drawn_ = false;
  std::chrono::steady_clock::time_point start_, last_;
};

}  // namespace kitaku
