#include <cstdlib>
#include <filesystem>

#include "kitaku/geo/gdal_util.hpp"

namespace kitaku::geo {

std::string cache_dir() {
  namespace fs = std::filesystem;
  if (const char* d = std::getenv("KITAKU_CACHE_DIR"); d && *d) return d;
  if (const char* x = std::getenv("XDG_CACHE_HOME"); x && *x) return (fs::path(x) / "kitaku").string();
  if (const char* h = std::getenv("HOME"); h && *h) return (fs::path(h) / ".cache" / "kitaku").string();
  return (fs::temp_directory_path() / "kitaku-cache").string();
}

}  // namespace kitaku::geo
