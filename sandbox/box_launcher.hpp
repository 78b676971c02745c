// The box launcher: a helper process started early by a long-running host (the worker, the
// embedded system) that clones the box inits for it. Cloning an init copies the page tables of
// the process that clones it, and until the init ends every page the two share is
// copy-on-write: from a host of tens of MB with a dozen busy threads that is most of a box's
// cost, paid again by the host's threads as faults while the box runs. The launcher is its own
// small, single-threaded executable (recodex-box-launcher, static where the libraries allow),
// forked and exec'd: a fork that only kept the host's image would still carry its ~230 mappings
// (CAF, Boost, OpenSSL...) into every init and every program forked from it, which measured
// 0.3 ms per clone against 0.1 ms from a small image.
//
// Protocol: one SOCK_SEQPACKET socketpair; the host (one request at a time, under a mutex) sends
// the encoded launch_request with the init's pipe ends, network namespace and cgroup join files
// as SCM_RIGHTS; the launcher rebuilds the plan, clones the init and answers {errno, pid} with the
// init's pidfd. The launcher reaps its inits (signalfd), so the host watches them by pidfd only.
// It dies with the host's main thread (PR_SET_PDEATHSIG) or when the socket closes, and the
// inits die with it. Without a launcher (the CLI, tests) the host clones inits itself.
#pragma once

#include "messages/result.hpp"
#include "sandbox/launch_request.hpp"

#include <cstddef>
#include <string_view>
#include <sys/types.h>

namespace recodex::sandbox::detail {

// The descriptors an init is given (see child_plan); -1 where unused.
struct init_fds {
  int release = -1;
  int failure = -1;
  int report = -1;
  int start = -1;
  int netns = -1;
  int control = -1; // the init's end of the control socket: it may serve further runs
  const int* joins = nullptr;
  std::size_t join_count = 0;
};

struct launched_init {
  long pid = -1;
  int pidfd = -1; // owned by the caller
};

// True when a launcher runs and is enabled.
bool box_launcher_running();
// For benches and tests that compare both ways in one process: while disabled, inits are cloned
// by the caller although a launcher runs.
void enable_box_launcher(bool enabled);

// The launcher executable's whole life (nodes/recodex-box-launcher.cpp): serves the requests on
// its socket (descriptor 3) until `host`, its parent, goes away.
[[noreturn]] void serve_box_launcher(pid_t host);

// Fails with `unavailable` when no launcher runs or it has gone (the caller clones the init
// itself then); other failures are the launcher's answer (a plan it could not build, a clone
// that failed).
// `request` is encode_launch_request(box, options) (a reused init takes the same bytes).
result<launched_init> launch_box_init(std::string_view request, const init_fds& fds);

} // namespace recodex::sandbox::detail
