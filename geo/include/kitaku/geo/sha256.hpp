#pragma once
// SHA-256 (FIPS 180-4) of bytes and of files, for the run manifest
// (manifest.sha256 beside a run's outputs, checked by `sha256sum -c`).
#include <array>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace kitaku::geo {

/// Incremental SHA-256: update() any number of times, then hex() once.
class Sha256 {
 public:
  Sha256();
  void update(const void* data, std::size_t n);
  /// The digest as 64 lowercase hex digits. Finishes the hash: call once.
  std::string hex();

 private:
  void block(const std::uint8_t* p);
  std::array<std::uint32_t, 8> h_;
  std::array<std::uint8_t, 64> buf_{};
  std::size_t used_ = 0;
  std::uint64_t bytes_ = 0;
};

/// The hex SHA-256 of `bytes`.
std::string sha256_hex(std::string_view bytes);

/// The hex SHA-256 of the file at `path`. Throws InputError(path, "", why) when it
/// cannot be read.
std::string sha256_file(const std::string& path);

}  // namespace kitaku::geo
