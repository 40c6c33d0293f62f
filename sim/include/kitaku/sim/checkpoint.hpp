#pragma once
// Checkpoints: a long run saved between steps and resumed later, with exactly the
// results it would have had without stopping (Simulation::save_checkpoint and
// load_checkpoint; `kitaku run --checkpoint-every`, docs/cli.md).
#include <cstdint>
#include <string>
#include <string_view>

namespace kitaku {

class Simulation;

/// The layout of checkpoint files; bumped when it changes.
inline constexpr std::uint32_t kCheckpointFormatVersion = 4;  // 2: the per-person record (agents.csv); 3: per-edge crush and peak times; 4: junctions, station fronts
/// The simulation model's version: bumped whenever a step would do something
/// different with the same state, so that a checkpoint of an older model is refused
/// instead of continuing differently.
inline constexpr std::uint32_t kSimFormatVersion = 1;

/// The name `kitaku run` gives its checkpoint in the output folder.
inline constexpr std::string_view kCheckpointFileName = "checkpoint.kitaku";

/// Saves sim's state to `path` atomically: written to a temporary file in the same
/// folder, flushed to disk, then renamed over `path`. Throws InputError(path, "", why)
/// when it cannot be written.
void write_checkpoint_file(const Simulation& sim, const std::string& path);

/// Restores `path` into a freshly built sim (Simulation::load_checkpoint). Throws
/// InputError naming `path` when it cannot be read, is truncated or corrupt, or was
/// written for another run.
void read_checkpoint_file(Simulation& sim, const std::string& path);

}  // namespace kitaku
