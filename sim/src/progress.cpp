#include "kitaku/sim/progress.hpp"

#include <unistd.h>

#include <algorithm>
#include <cmath>

namespace kitaku {

ProgressBar::ProgressBar(std::string label, std::FILE* out, bool force)
    : label_(std::move(label)), out_(out), active_(force || ::isatty(::fileno(out))),
      start_(std::chrono::steady_clock::now()), last_(start_ - std::chrono::seconds(1)) {}

ProgressBar::~ProgressBar() { finish(); }

std::string ProgressBar::format_duration(double s) {
  char buf[48];
  if (!std::isfinite(s) || s < 0) return "?";
  const long t = std::lround(s);
  if (t >= 3600) std::snprintf(buf, sizeof buf, "%ld h %02ld min", t / 3600, (t % 3600) / 60);
  else if (t >= 60) std::snprintf(buf, sizeof buf, "%ld min %02ld s", t / 60, t % 60);
  else std::snprintf(buf, sizeof buf, "%ld s", t);
  return buf;
}

void ProgressBar::update(double f) {
  if (!active_) return;
  const auto now = std::chrono::steady_clock::now();
  if (now - last_ < std::chrono::milliseconds(100) && f < 1) return;
  last_ = now;
  f = std::clamp(f, 0.0, 1.0);
  const double elapsed = std::chrono::duration<double>(now - start_).count();
  const double eta = f > 0.001 ? elapsed * (1 - f) / f : NAN;
  constexpr int kWidth = 30;
  const int fill = static_cast<int>(f * kWidth);
  std::string bar(static_cast<std::size_t>(fill), '#');
  bar.resize(kWidth, '.');
  std::fprintf(out_, "\r%s [%s] %5.1f%%  elapsed %s  ETA %s\x1b[K", label_.c_str(), bar.c_str(), 100 * f,
               format_duration(elapsed).c_str(), format_duration(eta).c_str());
  std::fflush(out_);
  drawn_ = true;
}

void ProgressBar::finish() {
  if (drawn_) {
    std::fprintf(out_, "\r\x1b[K");
    std::fflush(out_);
    drawn_ = false;
  }
}

}  // namespace kitaku
