#pragma once
// Per-thread scratch of the walker loops: what each walker asks for at the end of
// its move, collected per thread and read back in thread order (each thread holds
// a contiguous slice of the walker list), so the result is the same for any
// thread count.
#include <cstdint>
#include <vector>

#include "kitaku/sim/ids.hpp"

namespace kitaku::engine {

/// What a walker at a node asks for.
enum class Ev : std::uint8_t { kTransfer, kArriveFacility, kReachHome, kNoRoute, kStop };

struct Request {
  AgentId agent;
  Ev kind;
  std::uint8_t denied = 0;  // kTransfer: no room on the target edge this step
  ArcId arc;                // kTransfer: the arc to enter
  float leftover;           // metres to carry onto the new arc
  NodeId node;              // the node the agent stands at
  EdgeId edge = kNoEdge;    // kTransfer: the edge entered (none when turning on the same edge)
};

struct ThreadBuf {
  std::vector<Request> req;
  std::vector<EdgeId> targets, touched;  // edges first asked for / touched by this thread
  std::vector<std::uint32_t> events;     // positions in req of the non-transfer requests
  std::vector<NodeId> touched_nodes;     // junctions whose standing count this thread changed
  std::int64_t steps = 0, ge4 = 0, ge6 = 0, on_edges = 0, standing = 0;
};
using ThreadBuffers = std::vector<ThreadBuf>;

}  // namespace kitaku::engine
