// nodes/common/stop_signals.hpp: the mask every node sets before its first thread.
#include "nodes/common/stop_signals.hpp"

#include <catch2/catch.hpp>
#include <csignal>
#include <pthread.h>
#include <string>
#include <thread>

using namespace recodex::nodes;

namespace {

bool blocked_here(int signal_number) {
  sigset_t current;
  pthread_sigmask(SIG_BLOCK, nullptr, &current);
  return sigismember(&current, signal_number) == 1;
}

// Restores the test process's mask, so other tests see the signals as they were.
struct mask_guard {
  sigset_t saved;
  mask_guard() { pthread_sigmask(SIG_BLOCK, nullptr, &saved); }
  ~mask_guard() { pthread_sigmask(SIG_SETMASK, &saved, nullptr); }
};

} // namespace

TEST_CASE("stop signals are blocked in the caller and in every thread started afterwards",
          "[nodes][stop_signals]") {
  mask_guard guard;
  auto signals = block_stop_signals();
  CHECK(sigismember(&signals, SIGINT) == 1);
  CHECK(sigismember(&signals, SIGTERM) == 1);
  CHECK(blocked_here(SIGINT));
  CHECK(blocked_here(SIGTERM));
  bool in_thread = false;
  std::thread([&] { in_thread = blocked_here(SIGINT) && blocked_here(SIGTERM); }).join();
  CHECK(in_thread);
}

TEST_CASE("a pending stop signal is taken by the wait, not by its default action",
          "[nodes][stop_signals]") {
  mask_guard guard;
  auto signals = block_stop_signals();
  REQUIRE(::raise(SIGTERM) == 0); // stays pending: the process survives
  CHECK(wait_for_stop_signal(signals) == SIGTERM);
  REQUIRE(::raise(SIGINT) == 0);
  CHECK(wait_for_stop_signal(signals) == SIGINT);
  CHECK(std::string(stop_signal_name(SIGINT)) == "SIGINT");
  CHECK(std::string(stop_signal_name(SIGTERM)) == "SIGTERM");
}
