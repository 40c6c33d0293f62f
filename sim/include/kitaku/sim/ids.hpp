#pragma once
// Distinct id types: a NodeId cannot be passed where an EdgeId is expected, and
// an IdVector<AgentId, T> cannot be indexed by an EdgeId (or a bare integer).
#include <cstddef>
#include <cstdint>
#include <iterator>
#include <limits>
#include <type_traits>
#include <vector>

namespace kitaku {

enum class NodeId : std::uint32_t {};
enum class EdgeId : std::uint32_t {};      // an undirected street segment
enum class ArcId : std::uint32_t {};       // one direction of an edge (CSR index)
enum class AgentId : std::uint32_t {};
enum class ShelterId : std::uint32_t {};   // a temporary stay facility

template <class Id>
constexpr auto index(Id id) noexcept { return static_cast<std::underlying_type_t<Id>>(id); }

/// The id with number i (the caller knows i is in range).
template <class Id>
constexpr Id make_id(std::uint64_t i) noexcept { return static_cast<Id>(static_cast<std::underlying_type_t<Id>>(i)); }

template <class Id>
constexpr Id invalid_id() noexcept {
  return static_cast<Id>(std::numeric_limits<std::underlying_type_t<Id>>::max());
}

template <class Id>
constexpr bool valid(Id id) noexcept { return id != invalid_id<Id>(); }

/// The one "none" of each id type (the largest value of its underlying type).
inline constexpr NodeId kNoNode = invalid_id<NodeId>();
inline constexpr EdgeId kNoEdge = invalid_id<EdgeId>();
inline constexpr ArcId kNoArc = invalid_id<ArcId>();
inline constexpr AgentId kNoAgent = invalid_id<AgentId>();
inline constexpr ShelterId kNoShelter = invalid_id<ShelterId>();

/// The ids 0 .. n-1 of one type, for range-for loops.
template <class Id>
class IdRange {
 public:
  class iterator {
   public:
    using iterator_category = std::input_iterator_tag;
    using value_type = Id;
    using difference_type = std::ptrdiff_t;
    using reference = Id;
    using pointer = void;
    constexpr iterator() = default;
    constexpr explicit iterator(std::uint64_t i) : i_(i) {}
    constexpr Id operator*() const noexcept { return make_id<Id>(i_); }
    constexpr iterator& operator++() noexcept { ++i_; return *this; }
    constexpr iterator operator++(int) noexcept { auto c = *this; ++i_; return c; }
    friend constexpr bool operator==(iterator, iterator) = default;

   private:
    std::uint64_t i_ = 0;
  };
  constexpr explicit IdRange(std::size_t n) : n_(n) {}
  constexpr iterator begin() const noexcept { return iterator(0); }
  constexpr iterator end() const noexcept { return iterator(n_); }
  constexpr std::size_t size() const noexcept { return n_; }

 private:
  std::size_t n_;
};
template <class Id>
constexpr IdRange<Id> ids(std::size_t n) noexcept { return IdRange<Id>(n); }

/// A std::vector indexed by one id type only. raw() is the plain vector, for
/// code that takes one (route trees, checkpoints, snapshots).
template <class Id, class T>
class IdVector : private std::vector<T> {
  using Base = std::vector<T>;

 public:
  using id_type = Id;
  using typename Base::value_type;
  using typename Base::iterator;
  using typename Base::const_iterator;
  IdVector() = default;
  explicit IdVector(std::size_t n, const T& v = T()) : Base(n, v) {}
  using Base::assign;
  using Base::back;
  using Base::begin;
  using Base::clear;
  using Base::data;
  using Base::empty;
  using Base::end;
  using Base::push_back;
  using Base::emplace_back;
  using Base::reserve;
  using Base::resize;
  using Base::size;

  T& operator[](Id i) noexcept { return Base::operator[](index(i)); }
  const T& operator[](Id i) const noexcept { return Base::operator[](index(i)); }
  Base& raw() noexcept { return *this; }
  const Base& raw() const noexcept { return *this; }
  IdRange<Id> ids() const noexcept { return IdRange<Id>(size()); }
  friend bool operator==(const IdVector&, const IdVector&) = default;
};

}  // namespace kitaku
