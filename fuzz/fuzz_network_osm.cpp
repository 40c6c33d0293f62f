// libFuzzer: network import (load_network) from an OSM XML file: GDAL's OSM driver
// (with Kitaku's debug-message capture of missing nodes), then the walkable rules,
// projection, topology and cleaning.
#include "fuzz_network_common.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  return fuzz_load_network(data, size, ".osm");
}
