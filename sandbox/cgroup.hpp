// One interface to the kernel's control groups for a box: limits (memory, pids) and accounting
// (CPU time, memory peak, OOM kills). Two backends: cgroup v1 (separate memory, pids and cpuacct
// hierarchies, as on these machines) and cgroup v2 (one unified tree); the backend is chosen by
// probing the mount table once at start. Both work on plain directories, so v2 is tested against
// a fake cgroupfs tree.
#pragma once

#include "messages/result.hpp"

#include <sys/types.h>

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace recodex::sandbox {

enum class cgroup_version : unsigned char { v1, v2 };
std::string_view to_string(cgroup_version v);

struct cgroup_limits {
  std::uint64_t memory_bytes = 0; // 0 = none; swap is limited to the same figure
  std::uint64_t max_pids = 0;     // 0 = none
};

struct cgroup_usage {
  std::uint64_t cpu_ns = 0;
  std::uint64_t memory_peak_bytes = 0;
  std::uint64_t oom_kills = 0;
  std::uint64_t pids_limit_hits = 0;
};

// One box's control group, created fresh for a run and removed after it.
class cgroup {
public:
  virtual ~cgroup() = default;
  virtual result<void> set_limits(const cgroup_limits& limits) = 0;
  virtual result<void> add_process(pid_t pid) = 0;
  // Files a single-threaded process can write "0" to, to move itself into the group (v1's
  // `tasks`); empty when the backend has none. A thread moving itself takes no global lock,
  // while add_process (cgroup.procs) takes the kernel's cgroup_threadgroup_rwsem for writing,
  // which waits for an RCU grace period: 5-12 ms measured on a loaded machine.
  virtual std::vector<std::string> join_files() const {
    return {};
  }
  // Called when the program is released: what the box's set-up used until now (the init building
  // the root, the program dropping privileges) is not the program's. cpu_ns() and usage() count
  // from here: v1 resets cpuacct.usage and memory.max_usage_in_bytes; both backends subtract a
  // baseline from counters that cannot be reset (CPU on v2, OOM kills, pids limit hits).
  virtual result<void> start_accounting() = 0;
  // Polled by the host while the box runs: must be cheap (keeps its file open).
  virtual result<std::uint64_t> cpu_ns() = 0;
  virtual result<cgroup_usage> usage() = 0;
  // Kills anything left inside and removes the group; safe to call twice.
  virtual result<void> remove() = 0;
  virtual std::string describe() const = 0; // the paths, for error messages
};

class cgroup_driver {
public:
  virtual ~cgroup_driver() = default;
  virtual cgroup_version version() const = 0;
  // Creates `name` below the driver's parent group, removing a stale one left by a crash.
  virtual result<std::unique_ptr<cgroup>> create(const std::string& name) = 0;
  // Kills the members of `name` and removes it, if it exists (a group left by a crash).
  virtual result<void> remove_stale(const std::string& name) = 0;
  virtual std::string describe() const = 0;
};

// v1: one directory per controller; each must exist (e.g. /sys/fs/cgroup/memory).
struct cgroup_v1_roots {
  std::string memory;
  std::string pids;
  std::string cpuacct;
};
std::unique_ptr<cgroup_driver> make_cgroup_v1_driver(const cgroup_v1_roots& roots,
                                                     const std::string& parent);

// v2: the unified mount point; `parent` is created below it with memory, pids and cpu enabled
// for its children.
std::unique_ptr<cgroup_driver> make_cgroup_v2_driver(const std::string& mount_point,
                                                     const std::string& parent);

// Reads a mount table (the format of /proc/self/mounts) and picks a backend: v2 when a cgroup2
// mount offers the memory and pids controllers, else v1 when memory, pids and cpuacct are
// mounted; otherwise an `unavailable` error saying what is missing.
result<std::unique_ptr<cgroup_driver>> probe_cgroups(const std::string& mounts_file,
                                                     const std::string& parent);

} // namespace recodex::sandbox
