#pragma once
// Commands waiting for their time, and the log of those applied. Another thread
// may submit while the sim thread steps: Simulation guards this table with its
// command mutex.
#include <cstdint>
#include <vector>

#include "fields.hpp"
#include "kitaku/sim/commands.hpp"

namespace kitaku::engine {

struct CommandQueue {
  std::vector<Command> pending;  // not yet applied (any order; sorted when due)
  std::uint64_t next_seq = 0;
  std::vector<Command> log;      // applied, in the order applied

  template <class Self, class F>
  static void fields(Self& s, F&& f) {
    f("pending commands", s.pending, Keep::kSaved);
    f("next command seq", s.next_seq, Keep::kSaved);
    f("command log", s.log, Keep::kSaved);
  }
};

}  // namespace kitaku::engine
