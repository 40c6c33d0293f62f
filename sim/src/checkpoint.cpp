#include "kitaku/sim/checkpoint.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "kitaku/sim/error.hpp"
#include "kitaku/sim/simulation.hpp"

namespace kitaku {

void write_checkpoint_file(const Simulation& sim, const std::string& path) {
  namespace fs = std::filesystem;
  std::ostringstream buf(std::ios::binary);
  sim.save_checkpoint(buf);
  const std::string bytes = std::move(buf).str();
  const fs::path target(path);
  const fs::path tmp = target.parent_path() / (".tmp-" + std::to_string(::getpid()) + "-" + target.filename().string());
  const int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) throw InputError(path, "", std::string("cannot write the checkpoint: ") + std::strerror(errno));
  std::size_t done = 0;
  while (done < bytes.size()) {
    const ssize_t n = ::write(fd, bytes.data() + done, bytes.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      const int err = errno;
      ::close(fd);
      std::error_code ec;
      fs::remove(tmp, ec);
      throw InputError(path, "", std::string("cannot write the checkpoint: ") + std::strerror(err));
    }
    done += static_cast<std::size_t>(n);
  }
  // On disk before the rename, so that a crash leaves the old checkpoint or the new one.
  const bool synced = ::fsync(fd) == 0;
  const int err = errno;
  ::close(fd);
  std::error_code ec;
  if (!synced) {
    fs::remove(tmp, ec);
    throw InputError(path, "", std::string("cannot write the checkpoint: ") + std::strerror(err));
  }
  fs::rename(tmp, target, ec);
  if (ec) {
    std::error_code ignored;
    fs::remove(tmp, ignored);
    throw InputError(path, "", "cannot put the checkpoint in place: " + ec.message());
  }
}

void read_checkpoint_file(Simulation& sim, const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw InputError(path, "", "cannot read the checkpoint");
  sim.load_checkpoint(in, path);
}

}  // namespace kitaku
