#pragma once
// Small helpers shared by the benchmarks: process memory and load from /proc.
#include <cstdlib>
#include <fstream>
#include <string>

namespace kitaku::bench {

/// A field of /proc/self/status in MiB ("VmHWM", "VmRSS"), or -1.
inline double proc_status_mib(const std::string& field) {
  std::ifstream in("/proc/self/status");
  std::string line;
  while (std::getline(in, line))
    if (line.rfind(field + ":", 0) == 0) return std::strtod(line.c_str() + field.size() + 1, nullptr) / 1024.0;
  return -1;
}

/// Resets VmHWM to the current RSS (Linux >= 4.0); false when not allowed.
inline bool reset_peak() {
  std::ofstream out("/proc/self/clear_refs");
  out << "5";
  out.flush();
  return static_cast<bool>(out);
}

}  // namespace kitaku::bench
