#pragma once
// Shared by the network-import harnesses: writes the input to a file with the
// given extension (GDAL picks its driver by content and name) and loads it with
// the cache off. Bad input must end in InputError.
#include <cstddef>
#include <cstdint>

int fuzz_load_network(const std::uint8_t* data, std::size_t size, const char* extension);
