// Emptying and removing cgroup directories, shared by the v1 and v2 backends.
#include "sandbox/cgroup_common.hpp"

#include "sandbox/host_files.hpp"

#include <cerrno>
#include <csignal>
#include <cstdlib>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

namespace recodex::sandbox::detail {

bool exists(const std::string& path) {
  struct stat st;
  return ::lstat(path.c_str(), &st) == 0;
}

void kill_members(const std::string& dir) {
  auto procs = read_text(dir + "/cgroup.procs");
  if (!procs)
    return;
  const char* p = procs.value().c_str();
  while (*p) {
    char* end = nullptr;
    long pid = std::strtol(p, &end, 10);
    if (end == p)
      break;
    if (pid > 0)
      ::kill(static_cast<pid_t>(pid), SIGKILL);
    p = end;
    while (*p == '\n')
      ++p;
  }
}

result<void> remove_group_dir(const std::string& dir) {
  // Up to ~200 ms: the kernel frees a v1 group lazily after its last task is reaped.
  for (int attempt = 0;; ++attempt) {
    if (::rmdir(dir.c_str()) == 0 || errno == ENOENT)
      return ok();
    if (errno != EBUSY || attempt == 200)
      return errno_error(errno, "cannot remove cgroup", dir);
    if (attempt % 20 == 0)
      kill_members(dir);
    struct timespec pause{0, 1000000};
    ::nanosleep(&pause, nullptr);
  }
}

} // namespace recodex::sandbox::detail
