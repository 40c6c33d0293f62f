#pragma once
// Binary writing and bounds-checked reading for checkpoints (private to sim/).
// Simulation::Impl lists its state once, in a template run with a Writer to save
// and with a Reader to load, so the two cannot drift apart. Values are stored as
// their bytes in the machine's order (the header records it). A Reader never reads
// past its end: a short or inconsistent file is an InputError naming the file and
// the byte offset, never a crash.
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string>
#include <type_traits>
#include <vector>

#include "kitaku/sim/error.hpp"

namespace kitaku::ckpt {

/// A fast 64-bit hash of bytes (word-wise multiply-xorshift), for checksums and
/// fingerprints. Not cryptographic: it catches truncation and corruption.
inline std::uint64_t mix64(std::uint64_t x) noexcept {
  x ^= x >> 33;
  x *= 0xff51afd7ed558ccdULL;
  x ^= x >> 33;
  x *= 0xc4ceb9fe1a85ec53ULL;
  x ^= x >> 33;
  return x;
}
inline std::uint64_t hash_bytes(const void* data, std::size_t n, std::uint64_t h = 0x6b6974616b75ULL) noexcept {
  const auto* p = static_cast<const unsigned char*>(data);
  h ^= mix64(n + 0x9e3779b97f4a7c15ULL);
  std::size_t i = 0;
  for (; i + 8 <= n; i += 8) {
    std::uint64_t w;
    std::memcpy(&w, p + i, 8);
    h = (h ^ mix64(w)) * 0x9e3779b97f4a7c15ULL + 0x632be59bd9b4e019ULL;
  }
  std::uint64_t tail = 0;
  for (std::size_t k = 0; i + k < n; ++k) tail |= static_cast<std::uint64_t>(p[i + k]) << (8 * k);
  return mix64(h ^ mix64(tail ^ 0x2545f4914f6cdd1dULL));
}
template <class T>
std::uint64_t hash_vector(const std::vector<T>& v, std::uint64_t h = 0x6b6974616b75ULL) noexcept {
  static_assert(std::is_trivially_copyable_v<T>);
  return hash_bytes(v.data(), v.size() * sizeof(T), h);
}

class Writer {
 public:
  static constexpr bool kLoading = false;
  std::string buf;

  void bytes(const void* p, std::size_t n) {
    if (n > 0) buf.append(static_cast<const char*>(p), n);  // an empty vector's data() may be null
  }
  template <class T>
  void value(const T& v) {
    static_assert(std::is_trivially_copyable_v<T> && !std::is_pointer_v<T>);
    bytes(&v, sizeof v);
  }
  /// A vector whose length the reader knows (n); written with its length all the same.
  template <class T>
  void array(const std::vector<T>& v, std::size_t /*n*/, const char* /*what*/) { list(v, nullptr); }
  template <class T>
  void list(const std::vector<T>& v, const char* /*what*/) {
    static_assert(std::is_trivially_copyable_v<T>);
    value<std::uint64_t>(v.size());
    bytes(v.data(), v.size() * sizeof(T));
  }
  void string(const std::string& s) {
    value<std::uint64_t>(s.size());
    bytes(s.data(), s.size());
  }
};

class Reader {
 public:
  static constexpr bool kLoading = true;
  Reader(const char* data, std::size_t size, std::string origin, std::size_t base = 0)
      : p_(data), begin_(data), end_(data + size), base_(base), origin_(std::move(origin)) {}

  [[noreturn]] void fail(const std::string& problem) const {
    throw InputError(origin_, "byte " + std::to_string(offset()), problem);
  }
  std::size_t offset() const noexcept { return base_ + static_cast<std::size_t>(p_ - begin_); }
  std::size_t remaining() const noexcept { return static_cast<std::size_t>(end_ - p_); }
  const std::string& origin() const noexcept { return origin_; }

  void bytes(void* out, std::size_t n, const char* what) {
    if (n > remaining()) fail(std::string("the file ends inside ") + what + " (truncated)");
    if (n == 0) return;  // an empty vector's data() may be null
    std::memcpy(out, p_, n);
    p_ += n;
  }
  template <class T>
  void value(T& v) {
    static_assert(std::is_trivially_copyable_v<T> && !std::is_pointer_v<T>);
    if constexpr (std::is_same_v<T, bool>) {
      std::uint8_t b = 0;
      bytes(&b, 1, "a flag");
      if (b > 1) fail("a flag is neither 0 nor 1 (corrupt)");
      v = b != 0;
    } else {
      bytes(&v, sizeof v, "a value");
    }
  }
  template <class T>
  void array(std::vector<T>& v, std::size_t n, const char* what) {
    const std::uint64_t got = length<T>(what);
    if (got != n)
      fail(std::string(what) + " has " + std::to_string(got) + " entries where this run has " + std::to_string(n));
    read_into(v, got, what);
  }
  template <class T>
  void list(std::vector<T>& v, const char* what) {
    read_into(v, length<T>(what), what);
  }
  void string(std::string& s) {
    std::uint64_t n = 0;
    value(n);
    if (n > remaining()) fail("a text runs past the end of the file (truncated)");
    s.assign(p_, static_cast<std::size_t>(n));
    p_ += n;
  }

 private:
  template <class T>
  std::uint64_t length(const char* what) {
    std::uint64_t n = 0;
    value(n);
    if (n > remaining() / (sizeof(T) ? sizeof(T) : 1))
      fail(std::string(what) + ": " + std::to_string(n) + " entries do not fit in the rest of the file (truncated or corrupt)");
    return n;
  }
  template <class T>
  void read_into(std::vector<T>& v, std::uint64_t n, const char* what) {
    static_assert(std::is_trivially_copyable_v<T>);
    v.resize(static_cast<std::size_t>(n));
    bytes(v.data(), static_cast<std::size_t>(n) * sizeof(T), what);
  }

  const char* p_;
  const char* begin_;
  const char* end_;
  std::size_t base_;
  std::string origin_;
};

}  // namespace kitaku::ckpt
