// What a box keeps on the host between runs: the previous run's init, which may still be tearing
// down its namespaces when run() returned, with that run's cgroup, or an init kept for further
// runs with the same root (child_plan::control_fd); and whether a prepared run is pending.
// Retiring them is what the next prepare() does (unless it reuses the init), and the box's
// destructor.
#pragma once

#include "messages/result.hpp"
#include "sandbox/cgroup.hpp"
#include "sandbox/fwd.hpp"

#include <sys/resource.h>
#include <sys/types.h>

#include <memory>
#include <optional>
#include <string>

namespace recodex::sandbox::detail {

// Waits until a box init has exited. A child of this process is reaped (status and rusage filled
// in when given); an init of the box launcher is its to reap, so only its pidfd is watched.
void await_init_exit(pid_t init, int pidfd, int* status, struct rusage* usage);

// What decides an init's root: the box directory and the bind sources (path and inode), the
// tmpfs size, the network choice and the --dir rules. A further run may reuse an init only with
// the same key.
std::string layout_key(const run_options& options);
// Whether an init with this root may be reused at all: its clean-up empties /tmp and /dev/shm,
// so no rule may put a fresh filesystem (:tmp, :fs) in the box or mount anything at or below
// /tmp or /dev.
bool reusable_layout(const run_options& options);

// An init between runs: its program ended, the host read the cgroup, and it may clean up and
// serve another run with the same root (`layout`, see layout_key()).
struct idle_init {
  pid_t pid = -1;
  int pidfd = -1;
  int control = -1;
  std::string layout;
  unsigned runs = 0;             // how many it has served
  std::unique_ptr<cgroup> group; // its last run's, which it still sits in
  std::string group_name;
};

// How many runs one init serves at most: a bound on what a long-lived init could accumulate.
constexpr unsigned max_runs_per_init = 256;

struct box_runtime {
  pid_t leftover_init = -1;
  int leftover_pidfd = -1;
  std::unique_ptr<cgroup> leftover_group;
  std::string leftover_group_name;
  bool prepared = false;
  // Runs alternate between two cgroup names, so a run's group can be created while the previous
  // one is still being retired; the other name is swept once, in case a crash left it.
  bool swept = false;

  std::optional<idle_init> idle;
  // The cgroup a reused init moved out of when its current run began: removed by the next
  // prepare() before it creates a group with the same name.
  std::unique_ptr<cgroup> left_group;
  std::string left_group_name;

  // Hands over a finished run's init (nothing but it is left in its namespaces) and cgroup.
  void keep_leftovers(pid_t init, int pidfd, std::unique_ptr<cgroup> group, std::string group_name);
  // Whether a group this box still holds (idle, leftover, left) has `name`.
  bool holds_group(const std::string& name) const;
  // Keeps a finished run's init for further runs (it was told the host has read the cgroup).
  void keep_idle(idle_init init);
  // The idle init, when its root is `layout`, it has served fewer than max_runs_per_init runs,
  // finished cleaning up (waiting for that at most `wait_ms`) and is alive; otherwise nothing,
  // and the idle init stays for retire().
  std::optional<idle_init> take_idle(const std::string& layout, int wait_ms);
  result<void> remove_left_group();
  // Waits for the leftover init (SIGKILLing it first: it is exiting anyway) and removes the
  // leftover cgroup; the same for an idle init and a left group.
  result<void> retire();
  // Only the leftover init and cgroup of a run whose init was not kept.
  result<void> retire_leftovers();
  void retire_idle();

  box_runtime() = default;
  box_runtime(const box_runtime&) = delete;
  box_runtime& operator=(const box_runtime&) = delete;
  ~box_runtime();
};

} // namespace recodex::sandbox::detail
