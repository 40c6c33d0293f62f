#pragma once
// The processes of a sweep. Without mpirun (or without KITAKU_WITH_MPI) this is a
// world of one and MPI is never touched: a plain `kitaku sweep` does not call
// MPI_Init, so it runs anywhere and stays clean under LeakSanitizer. Under
// mpirun (detected by OMPI_COMM_WORLD_SIZE / PMI_SIZE in the environment) it is
// MPI_COMM_WORLD. Only the thread that created the World may call it
// (MPI_THREAD_FUNNELED): the sweep's worker threads never do.
#include <memory>
#include <string>
#include <vector>

namespace kitaku::app::sweep {

class World {
 public:
  /// Initialises MPI when launched by mpirun; throws InputError when launched by
  /// mpirun with several ranks but built without MPI.
  World();
  ~World();  // MPI_Finalize
  World(const World&) = delete;
  World& operator=(const World&) = delete;

  int rank() const noexcept { return rank_; }
  int size() const noexcept { return size_; }
  bool distributed() const noexcept { return size_ > 1; }
  /// Ranks of this sweep on this machine (OMPI_COMM_WORLD_LOCAL_SIZE; 1 without mpirun).
  int local_size() const noexcept { return local_size_; }

  /// Point-to-point messages of bytes with a tag.
  void send(int dest, int tag, const std::string& bytes);
  /// Blocks for a message from `source` with `tag`.
  std::string recv(int source, int tag);
  /// A message from anyone, if one is waiting (does not block).
  bool try_recv(int& source, int& tag, std::string& bytes);
  /// Rank 0's `bytes` on every rank.
  std::string broadcast(const std::string& bytes);
  /// Every rank's `bytes` on rank 0 (in rank order; empty elsewhere).
  std::vector<std::string> gather(const std::string& bytes);
  void barrier();
  /// Ends every rank now (MPI_Abort), e.g. after an error on one rank mid-sweep.
  [[noreturn]] void abort(int code);

  /// True when this process was started by mpirun (whatever the build).
  static bool launched_by_mpirun();

 private:
  int rank_ = 0, size_ = 1, local_size_ = 1;
  bool initialised_ = false;
};

}  // namespace kitaku::app::sweep
