// Blocking and waiting for the stop signals; see stop_signals.hpp for why the order matters.
#include "nodes/common/stop_signals.hpp"

#include <cerrno>
#include <cstdlib>
#include <pthread.h>

namespace recodex::nodes {

sigset_t block_stop_signals() {
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGTERM);
  // Fails only for an invalid `how`: a bug, and without the mask the node cannot stop cleanly.
  if (pthread_sigmask(SIG_BLOCK, &signals, nullptr) != 0)
    std::abort();
  return signals;
}

int wait_for_stop_signal(const sigset_t& signals) {
  for (;;) {
    int signal_number = 0;
    int status = sigwait(&signals, &signal_number);
    if (status == 0)
      return signal_number;
    // POSIX allows only EINVAL (a bad set: a bug); older kernels let EINTR through after a
    // stop and continue, which is no reason to stop the node.
    if (status != EINTR)
      std::abort();
  }
}

const char* stop_signal_name(int signal_number) {
  switch (signal_number) {
  case SIGINT:
    return "SIGINT";
  case SIGTERM:
    return "SIGTERM";
  default:
    return "another signal";
  }
}

} // namespace recodex::nodes
