// How a node waits for SIGINT/SIGTERM: block them in main before anything else, then take them
// synchronously with sigwait at the end. The mask is inherited by every thread created after
// block_stop_signals() (spdlog's periodic flusher, Asio lanes, CAF's scheduler), so none of them
// can take a stop signal's default action and kill the process half-way through a shutdown;
// a thread started before it would keep the default mask, which is why it must come first.
#pragma once

#include <csignal>

namespace recodex::nodes {

// Blocks SIGINT and SIGTERM in the calling thread and returns that set. Call it first in main,
// before any thread exists.
sigset_t block_stop_signals();

// Waits until one of `signals` arrives and returns its number.
int wait_for_stop_signal(const sigset_t& signals);

// "SIGINT" or "SIGTERM" (else "another signal"), for the line that announces the shutdown.
const char* stop_signal_name(int signal_number);

} // namespace recodex::nodes
