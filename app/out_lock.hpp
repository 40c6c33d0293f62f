#pragma once
// The lock a run holds on its output folder (docs/outputs.md, "One run at a time"):
// DIR/.kitaku-lock, locked with flock(2) for as long as the process writes there.
// The kernel drops the lock when the process ends however it ends (kill -9
// included), so a killed run never leaves a stale lock behind: running the same
// command again takes it and resumes.
#include <string>

namespace kitaku::app {

inline constexpr const char* kLockFileName = ".kitaku-lock";

class OutDirLock {
 public:
  /// Locks DIR (which must exist). Throws InputError(DIR, "", "another kitaku run
  /// (pid N) is writing into this folder; ...") when another process holds it.
  explicit OutDirLock(const std::string& dir);
  ~OutDirLock();
  OutDirLock(const OutDirLock&) = delete;
  OutDirLock& operator=(const OutDirLock&) = delete;

 private:
  int fd_ = -1;
};

}  // namespace kitaku::app
