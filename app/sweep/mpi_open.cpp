// World over MPI (KITAKU_WITH_MPI=ON). MPI is initialised only when the process
// was started by mpirun; otherwise this is a world of one, exactly as without MPI.
#include <mpi.h>

#include <algorithm>
#include <cstdlib>
#include <stdexcept>

#include "kitaku/sim/error.hpp"
#include "sweep/mpi.hpp"

namespace kitaku::app::sweep {
namespace {
void check(int rc, const char* what) {
  if (rc == MPI_SUCCESS) return;
  char msg[MPI_MAX_ERROR_STRING];
  int len = 0;
  MPI_Error_string(rc, msg, &len);
  throw std::runtime_error(std::string(what) + ": " + std::string(msg, static_cast<std::size_t>(len)));
}
}  // namespace

bool World::launched_by_mpirun() { return std::getenv("OMPI_COMM_WORLD_SIZE") || std::getenv("PMI_SIZE"); }

World::World() {
  if (!launched_by_mpirun()) return;
  int provided = 0;
  check(MPI_Init_thread(nullptr, nullptr, MPI_THREAD_FUNNELED, &provided), "MPI_Init_thread");
  initialised_ = true;
  if (provided < MPI_THREAD_FUNNELED) {
    MPI_Finalize();
    initialised_ = false;
    throw InputError("kitaku sweep", "", "this MPI library does not support MPI_THREAD_FUNNELED");
  }
  MPI_Comm_rank(MPI_COMM_WORLD, &rank_);
  MPI_Comm_size(MPI_COMM_WORLD, &size_);
  if (const char* l = std::getenv("OMPI_COMM_WORLD_LOCAL_SIZE")) local_size_ = std::max(1, std::atoi(l));
}

World::~World() {
  if (initialised_) MPI_Finalize();
}

void World::send(int dest, int tag, const std::string& bytes) {
  check(MPI_Send(bytes.data(), static_cast<int>(bytes.size()), MPI_CHAR, dest, tag, MPI_COMM_WORLD), "MPI_Send");
}

std::string World::recv(int source, int tag) {
  MPI_Status st;
  check(MPI_Probe(source, tag, MPI_COMM_WORLD, &st), "MPI_Probe");
  int n = 0;
  MPI_Get_count(&st, MPI_CHAR, &n);
  std::string out(static_cast<std::size_t>(n), '\0');
  check(MPI_Recv(out.data(), n, MPI_CHAR, source, tag, MPI_COMM_WORLD, MPI_STATUS_IGNORE), "MPI_Recv");
  return out;
}

bool World::try_recv(int& source, int& tag, std::string& bytes) {
  if (!initialised_) return false;
  int flag = 0;
  MPI_Status st;
  check(MPI_Iprobe(MPI_ANY_SOURCE, MPI_ANY_TAG, MPI_COMM_WORLD, &flag, &st), "MPI_Iprobe");
  if (!flag) return false;
  source = st.MPI_SOURCE;
  tag = st.MPI_TAG;
  bytes = recv(source, tag);
  return true;
}

std::string World::broadcast(const std::string& bytes) {
  if (!initialised_) return bytes;
  long long n = static_cast<long long>(bytes.size());
  check(MPI_Bcast(&n, 1, MPI_LONG_LONG, 0, MPI_COMM_WORLD), "MPI_Bcast");
  std::string out = rank_ == 0 ? bytes : std::string(static_cast<std::size_t>(n), '\0');
  check(MPI_Bcast(out.data(), static_cast<int>(n), MPI_CHAR, 0, MPI_COMM_WORLD), "MPI_Bcast");
  return out;
}

std::vector<std::string> World::gather(const std::string& bytes) {
  if (!initialised_) return {bytes};
  std::vector<std::string> out;
  if (rank_ != 0) {
    send(0, 900, bytes);
    return out;
  }
  out.push_back(bytes);
  for (int r = 1; r < size_; ++r) out.push_back(recv(r, 900));
  return out;
}

void World::barrier() {
  if (initialised_) MPI_Barrier(MPI_COMM_WORLD);
}

void World::abort(int code) {
  if (initialised_) MPI_Abort(MPI_COMM_WORLD, code);
  std::exit(code);
}

}  // namespace kitaku::app::sweep
