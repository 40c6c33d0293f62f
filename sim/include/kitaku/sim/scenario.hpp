#pragma once
// A scenario: plain data read from scenarios/*.toml (docs/scenario-format.md).
// Unknown keys, wrong types and out-of-range values are InputErrors naming the
// file, the line and the key.
#include <cstdint>
#include <string>
#include <string_view>

namespace kitaku {

/// Where the city comes from: a synthetic city (kitaku synth) or GIS files.
struct CitySource {
  double synthetic_radius_km = 0;   // > 0: generate the synthetic city
  std::uint64_t synthetic_seed = 1;
  std::string network;              // any network source (see docs/network.md)
  std::string network_layer;
  int crs_epsg = 0;                 // 0: automatic
  std::string facilities, stations, zones;  // files; for a synthetic city, its layers
  bool synthetic() const noexcept { return synthetic_radius_km > 0; }
};

struct Scenario {
  std::string name;
  std::string description;
  std::uint64_t seed = 1;
  CitySource city;
  std::string origin;  // the file it came from, or "<embedded default>"
};

/// Parses TOML text. Relative paths resolve against base_dir.
Scenario parse_scenario(std::string_view toml_text, const std::string& origin,
                        const std::string& base_dir);
/// Reads and parses a scenario file.
Scenario load_scenario(const std::string& path);

}  // namespace kitaku
