// World without MPI (KITAKU_WITH_MPI=OFF): one process.
#include <cstdlib>

#include "kitaku/sim/error.hpp"
#include "sweep/mpi.hpp"

namespace kitaku::app::sweep {

bool World::launched_by_mpirun() { return std::getenv("OMPI_COMM_WORLD_SIZE") || std::getenv("PMI_SIZE"); }

World::World() {
  const char* n = std::getenv("OMPI_COMM_WORLD_SIZE");
  if (!n) n = std::getenv("PMI_SIZE");
  if (n && std::atoi(n) > 1)
    throw InputError("kitaku sweep", "",
                     "started by mpirun with " + std::string(n) +
                         " processes, but this kitaku was built without MPI (KITAKU_WITH_MPI=OFF); "
                         "every process would run the whole sweep. Rebuild with MPI or run without mpirun");
}
World::~World() = default;
void World::send(int, int, const std::string&) {}
std::string World::recv(int, int) { return {}; }
bool World::try_recv(int&, int&, std::string&) { return false; }
std::string World::broadcast(const std::string& bytes) { return bytes; }
std::vector<std::string> World::gather(const std::string& bytes) { return {bytes}; }
void World::barrier() {}
void World::abort(int code) { std::exit(code); }

}  // namespace kitaku::app::sweep
