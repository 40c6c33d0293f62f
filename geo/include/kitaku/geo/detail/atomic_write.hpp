#pragma once
#include <filesystem>
#include <string>
#include <system_error>
#include <unistd.h>

namespace kitaku::geo {

template <class Write>
void write_atomically(const std::string& path, Write&& write) {
  namespace fs = std::filesystem;
  const fs::path target(path);
  // Keep the extension last: GDAL picks drivers by it.
  const fs::path tmp = target.parent_path() /
      (".tmp-" + std::to_string(::getpid()) + "-" + target.stem().string() + target.extension().string());
  std::error_code ec;
  fs::remove(tmp, ec);
  try {
    write(tmp.string());
    fs::rename(tmp, target);
  } catch (...) {
    fs::remove(tmp, ec);
    throw;
  }
}

}  // namespace kitaku::geo
