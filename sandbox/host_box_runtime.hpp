// What a box keeps on the host between runs: the previous run's init, which may still be tearing
// down its namespaces when run() returned, with that run's cgroup; and whether a prepared run is
// pending. Retiring them is the first thing the next prepare() does, and the box's destructor's.
#pragma once

#include "messages/result.hpp"
#include "sandbox/cgroup.hpp"

#include <sys/resource.h>
#include <sys/types.h>

#include <memory>

namespace recodex::sandbox::detail {

// Waits until a box init has exited. A child of this process is reaped (status and rusage filled
// in when given); an init of the box launcher is its to reap, so only its pidfd is watched.
void await_init_exit(pid_t init, int pidfd, int* status, struct rusage* usage);

struct box_runtime {
  pid_t leftover_init = -1;
  int leftover_pidfd = -1;
  std::unique_ptr<cgroup> leftover_group;
  bool prepared = false;
  // Runs alternate between two cgroup names, so a run's group can be created while the previous
  // one is still being retired; the other name is swept once, in case a crash left it.
  unsigned runs = 0;
  bool swept = false;

  // Hands over a finished run's init (nothing but it is left in its namespaces) and cgroup.
  void keep_leftovers(pid_t init, int pidfd, std::unique_ptr<cgroup> group);
  // Waits for the leftover init (SIGKILLing it first: it is exiting anyway) and removes the
  // leftover cgroup.
  result<void> retire();

  box_runtime() = default;
  box_runtime(const box_runtime&) = delete;
  box_runtime& operator=(const box_runtime&) = delete;
  ~box_runtime();
};

} // namespace recodex::sandbox::detail
