#include "fuzz_network_common.hpp"

#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <string>

#include "kitaku/geo/network_import.hpp"
#include "kitaku/sim/error.hpp"

int fuzz_load_network(const std::uint8_t* data, std::size_t size, const char* extension) {
  // One file per process, in the RAM-backed /dev/shm when there is one.
  static const std::string path = [&] {
    const std::filesystem::path dir = std::filesystem::exists("/dev/shm") ? "/dev/shm" : "/tmp";
    return (dir / ("kitaku-fuzz-" + std::to_string(::getpid()) + extension)).string();
  }();
  std::FILE* f = std::fopen(path.c_str(), "wb");
  if (!f) return 0;
  std::fwrite(data, 1, size, f);
  std::fclose(f);
  kitaku::geo::ImportOptions opt;
  opt.use_cache = false;
  try {
    (void)kitaku::geo::load_network(path, opt);
  } catch (const kitaku::InputError&) {
  }
  return 0;
}
