#include "out_lock.hpp"

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <string>

#include "kitaku/sim/error.hpp"

namespace kitaku::app {

OutDirLock::OutDirLock(const std::string& dir) {
  const std::string path = (std::filesystem::path(dir) / kLockFileName).string();
  fd_ = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
  if (fd_ < 0) throw InputError(path, "", std::string("cannot create the output folder's lock: ") + std::strerror(errno));
  if (::flock(fd_, LOCK_EX | LOCK_NB) != 0) {
    const int err = errno;
    std::string holder;
    char buf[32] = {};
    if (::pread(fd_, buf, sizeof buf - 1, 0) > 0) holder = std::to_string(std::strtol(buf, nullptr, 10));
    ::close(fd_);
    fd_ = -1;
    if (err != EWOULDBLOCK)
      throw InputError(path, "", std::string("cannot lock the output folder: ") + std::strerror(err));
    throw InputError(dir, "", "another kitaku run" + (holder.empty() || holder == "0" ? "" : " (pid " + holder + ")") +
                                  " is writing into this folder; wait for it to end, or choose another --out");
  }
  // The holder's pid, for the message above (the lock itself is the flock).
  const std::string pid = std::to_string(::getpid()) + "\n";
  if (::ftruncate(fd_, 0) != 0 || ::pwrite(fd_, pid.data(), pid.size(), 0) != static_cast<ssize_t>(pid.size())) {
    // Not fatal: the lock holds without the note.
  }
}

OutDirLock::~OutDirLock() {
  if (fd_ >= 0) ::close(fd_);  // releases the flock
}

}  // namespace kitaku::app
