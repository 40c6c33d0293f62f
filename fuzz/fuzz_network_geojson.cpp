// libFuzzer: network import (load_network) from a GeoJSON file: GDAL's reader,
// then Kitaku's walkable rules, projection, topology and cleaning.
#include "fuzz_network_common.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  return fuzz_load_network(data, size, ".geojson");
}
