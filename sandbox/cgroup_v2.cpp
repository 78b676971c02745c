// cgroup v2 backend: one group per box in the unified tree, below a parent group that enables
// the memory and pids controllers for its children (v2's "no internal processes" rule means the
// parent itself holds no tasks). Only plain file operations, so a fake tree can stand in for it.
#include "sandbox/cgroup.hpp"

#include "sandbox/cgroup_common.hpp"
#include "sandbox/host_files.hpp"

#include <cerrno>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

namespace recodex::sandbox {

namespace {

using namespace detail;

class cgroup_v2 final : public cgroup {
public:
  explicit cgroup_v2(std::string dir) : dir_(std::move(dir)) {
  }
  ~cgroup_v2() override {
    (void) remove();
  }

  result<void> set_limits(const cgroup_limits& limits) override {
    if (limits.memory_bytes != 0) {
      RECODEX_TRY_VOID(write_text(dir_ + "/memory.max", std::to_string(limits.memory_bytes)));
      // Swap would otherwise let the program exceed its limit; absent when the kernel has no swap.
      if (exists(dir_ + "/memory.swap.max")) {
        RECODEX_TRY_VOID(write_text(dir_ + "/memory.swap.max", "0"));
      }
    }
    if (limits.max_pids != 0) {
      RECODEX_TRY_VOID(write_text(dir_ + "/pids.max", std::to_string(limits.max_pids)));
    }
    return ok();
  }

  result<void> add_process(pid_t pid) override {
    return write_text(dir_ + "/cgroup.procs", std::to_string(pid));
  }

  result<void> start_accounting() override {
    cpu_base_ = 0;
    RECODEX_TRY(cpu, cpu_ns());
    cpu_base_ = cpu;
    RECODEX_TRY(events, read_text(dir_ + "/memory.events"));
    oom_base_ = keyed_value(events, "oom_kill");
    if (auto pids = read_text(dir_ + "/pids.events"))
      pids_base_ = keyed_value(pids.value(), "max");
    return ok();
  }

  result<std::uint64_t> cpu_ns() override {
    auto path = dir_ + "/cpu.stat";
    if (cpu_fd_ < 0) {
      cpu_fd_ = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
      if (cpu_fd_ < 0)
        return errno_error(errno, "cannot open", path);
    }
    char buffer[1024];
    auto n = ::pread(cpu_fd_, buffer, sizeof buffer - 1, 0);
    if (n < 0)
      return errno_error(errno, "cannot read", path);
    auto used =
        keyed_value(std::string_view{buffer, static_cast<std::size_t>(n)}, "usage_usec") * 1000;
    return since(used, cpu_base_);
  }

  result<cgroup_usage> usage() override {
    cgroup_usage u;
    RECODEX_TRY(cpu, cpu_ns());
    u.cpu_ns = cpu;
    // memory.peak arrived in Linux 5.19; older kernels only offer the current figure.
    auto peak = read_number(dir_ + "/memory.peak");
    if (!peak)
      peak = read_number(dir_ + "/memory.current");
    if (!peak)
      return peak.error();
    u.memory_peak_bytes = peak.value();
    RECODEX_TRY(events, read_text(dir_ + "/memory.events"));
    u.oom_kills = since(keyed_value(events, "oom_kill"), oom_base_);
    if (auto pids = read_text(dir_ + "/pids.events"))
      u.pids_limit_hits = since(keyed_value(pids.value(), "max"), pids_base_);
    return u;
  }

  result<void> remove() override {
    if (cpu_fd_ >= 0) {
      ::close(cpu_fd_);
      cpu_fd_ = -1;
    }
    if (removed_)
      return ok();
    // cgroup.kill (Linux 5.14) kills the whole group atomically, forks in flight included.
    if (exists(dir_ + "/cgroup.kill"))
      (void) write_text(dir_ + "/cgroup.kill", "1");
    else
      kill_members(dir_);
    RECODEX_TRY_VOID(remove_group_dir(dir_));
    removed_ = true;
    return ok();
  }

  std::string describe() const override {
    return "cgroup v2 " + dir_;
  }

private:
  std::string dir_;
  int cpu_fd_ = -1;
  std::uint64_t cpu_base_ = 0;
  std::uint64_t oom_base_ = 0;
  std::uint64_t pids_base_ = 0;
  bool removed_ = false;
};

class cgroup_v2_driver final : public cgroup_driver {
public:
  cgroup_v2_driver(std::string mount_point, std::string parent)
    : mount_(std::move(mount_point)), parent_(std::move(parent)) {
  }
  cgroup_version version() const override {
    return cgroup_version::v2;
  }

  result<std::unique_ptr<cgroup>> create(const std::string& name) override {
    auto parent = mount_ + "/" + parent_;
    if (!prepared_) {
      RECODEX_TRY_VOID(write_text(mount_ + "/cgroup.subtree_control", "+memory +pids"));
      RECODEX_TRY_VOID(make_dir(parent));
      RECODEX_TRY_VOID(write_text(parent + "/cgroup.subtree_control", "+memory +pids"));
      prepared_ = true;
    }
    auto dir = parent + "/" + name;
    RECODEX_TRY_VOID(remove_stale(name));
    if (::mkdir(dir.c_str(), 0755) != 0)
      return errno_error(errno, "cannot create cgroup", dir);
    return std::unique_ptr<cgroup>{new cgroup_v2(dir)};
  }

  result<void> remove_stale(const std::string& name) override {
    auto dir = mount_ + "/" + parent_ + "/" + name;
    if (exists(dir)) {
      if (exists(dir + "/cgroup.kill"))
        (void) write_text(dir + "/cgroup.kill", "1");
      kill_members(dir);
      RECODEX_TRY_VOID(remove_group_dir(dir));
    }
    return ok();
  }

  std::string describe() const override {
    return "cgroup v2 " + mount_ + "/" + parent_;
  }

private:
  std::string mount_;
  std::string parent_;
  bool prepared_ = false;
};

} // namespace

std::unique_ptr<cgroup_driver> make_cgroup_v2_driver(const std::string& mount_point,
                                                     const std::string& parent) {
  return std::make_unique<cgroup_v2_driver>(mount_point, parent);
}

} // namespace recodex::sandbox
