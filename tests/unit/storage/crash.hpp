// Crash simulation for the storage tests: a forked child does some work, tells the parent it got
// there, and is SIGKILLed without any chance to clean up, as a power cut or OOM kill would.
#pragma once

#include <cerrno>
#include <functional>
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

namespace recodex::storage::testing {

struct crash_outcome {
  bool reached = false; // the child finished `work` and reported it
  bool killed = false;  // and died of SIGKILL
};

// Runs `work` in a child, then SIGKILLs the child while it waits. `work` returns false to
// report that it could not get to the crash point. The test process is single-threaded here,
// so the child may allocate.
inline crash_outcome crash_after(const std::function<bool()>& work) {
  int fds[2];
  if (::pipe(fds) != 0)
    return {};
  pid_t child = ::fork();
  if (child < 0)
    return {};
  if (child == 0) {
    ::close(fds[0]);
    char status = work() ? 'y' : 'n';
    (void)!::write(fds[1], &status, 1);
    for (;;)
      ::pause(); // wait for the kill; never return into Catch2
  }
  ::close(fds[1]);
  crash_outcome outcome;
  pollfd ready{fds[0], POLLIN, 0};
  char status = 'n';
  if (::poll(&ready, 1, 30000) == 1 && ::read(fds[0], &status, 1) == 1)
    outcome.reached = status == 'y';
  ::close(fds[0]);
  ::kill(child, SIGKILL);
  int wait_status = 0;
  while (::waitpid(child, &wait_status, 0) < 0 && errno == EINTR) {
  }
  outcome.killed = WIFSIGNALED(wait_status) && WTERMSIG(wait_status) == SIGKILL;
  return outcome;
}

} // namespace recodex::storage::testing
