#pragma once
// Distinct id types: a NodeId cannot be passed where an EdgeId is expected.
#include <cstdint>
#include <limits>
#include <type_traits>

namespace kitaku {

enum class NodeId : std::uint32_t {};
enum class EdgeId : std::uint32_t {};      // an undirected street segment
enum class ArcId : std::uint32_t {};       // one direction of an edge (CSR index)
enum class AgentId : std::uint32_t {};
enum class ShelterId : std::uint32_t {};   // a temporary stay facility

template <class Id>
constexpr auto index(Id id) noexcept { return static_cast<std::underlying_type_t<Id>>(id); }

template <class Id>
constexpr Id invalid_id() noexcept {
  return static_cast<Id>(std::numeric_limits<std::underlying_type_t<Id>>::max());
}

template <class Id>
constexpr bool valid(Id id) noexcept { return id != invalid_id<Id>(); }

}  // namespace kitaku
