// cgroup v1 backend: the box gets one group in each of the memory, pids and cpuacct hierarchies.
// On this kernel memory.failcnt stays 0, so OOM kills are read from memory.oom_control.
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

class cgroup_v1 final : public cgroup {
public:
  cgroup_v1(std::string memory, std::string pids, std::string cpuacct)
    : memory_(std::move(memory)), pids_(std::move(pids)), cpuacct_(std::move(cpuacct)) {
  }
  ~cgroup_v1() override {
    (void) remove();
  }

  result<void> set_limits(const cgroup_limits& limits) override {
    if (limits.memory_bytes != 0) {
      auto bytes = std::to_string(limits.memory_bytes);
      RECODEX_TRY_VOID(write_text(memory_ + "/memory.limit_in_bytes", bytes));
      // memsw (memory + swap) exists on these kernels; without it swap would escape the limit.
      if (exists(memory_ + "/memory.memsw.limit_in_bytes")) {
        RECODEX_TRY_VOID(write_text(memory_ + "/memory.memsw.limit_in_bytes", bytes));
      }
    }
    if (limits.max_pids != 0) {
      RECODEX_TRY_VOID(write_text(pids_ + "/pids.max", std::to_string(limits.max_pids)));
    }
    return ok();
  }

  std::vector<std::string> join_files() const override {
    return {memory_ + "/tasks", pids_ + "/tasks", cpuacct_ + "/tasks"};
  }

  result<void> add_process(pid_t pid) override {
    auto text = std::to_string(pid);
    for (const auto* dir : {&memory_, &pids_, &cpuacct_}) {
      RECODEX_TRY_VOID(write_text(*dir + "/cgroup.procs", text));
    }
    return ok();
  }

  // The accounting files stay open from the first use (normally while the run is prepared), so
  // starting and reading the accounting on the run's own path costs a few preads and pwrites.
  result<void> start_accounting() override {
    RECODEX_TRY_VOID(access(cpu_usage_, "0"));
    RECODEX_TRY_VOID(access(memory_peak_, "0"));
    RECODEX_TRY(oom, access(oom_control_));
    oom_base_ = keyed_value(oom, "oom_kill");
    if (auto events = access(pids_events_))
      pids_base_ = keyed_value(events.value(), "max");
    return ok();
  }

  result<std::uint64_t> cpu_ns() override {
    RECODEX_TRY(text, access(cpu_usage_));
    return std::strtoull(text.c_str(), nullptr, 10);
  }

  result<cgroup_usage> usage() override {
    cgroup_usage u;
    RECODEX_TRY(cpu, cpu_ns());
    u.cpu_ns = cpu;
    RECODEX_TRY(peak, access(memory_peak_));
    u.memory_peak_bytes = std::strtoull(peak.c_str(), nullptr, 10);
    RECODEX_TRY(oom, access(oom_control_));
    u.oom_kills = since(keyed_value(oom, "oom_kill"), oom_base_);
    if (auto events = access(pids_events_))
      u.pids_limit_hits = since(keyed_value(events.value(), "max"), pids_base_);
    return u;
  }

  result<void> remove() override {
    for (auto* file : {&cpu_usage_, &memory_peak_, &oom_control_, &pids_events_})
      file->close();
    if (removed_)
      return ok();
    result<void> outcome = ok();
    for (const auto* dir : {&memory_, &pids_, &cpuacct_}) {
      kill_members(*dir);
      auto r = remove_group_dir(*dir);
      if (!r && outcome)
        outcome = std::move(r);
    }
    removed_ = true;
    return outcome;
  }

  std::string describe() const override {
    return "cgroup v1 " + memory_ + ", " + pids_ + ", " + cpuacct_;
  }

  // Opens every accounting file, so that the run's own path only reads and writes them.
  result<void> open_accounting() {
    for (auto* file : {&cpu_usage_, &memory_peak_, &oom_control_, &pids_events_}) {
      RECODEX_TRY_VOID(file->open());
    }
    return ok();
  }

private:
  // One control file kept open; read or written whole at offset 0.
  struct control_file {
    std::string path;
    int flags = O_RDONLY;
    int fd = -1;
    result<void> open() {
      if (fd < 0 && (fd = ::open(path.c_str(), flags | O_CLOEXEC)) < 0)
        return errno_error(errno, "cannot open", path);
      return ok();
    }
    void close() {
      if (fd >= 0)
        ::close(fd);
      fd = -1;
    }
  };

  static result<std::string> access(control_file& file) {
    RECODEX_TRY_VOID(file.open());
    char buffer[1024];
    auto n = ::pread(file.fd, buffer, sizeof buffer, 0);
    if (n < 0)
      return errno_error(errno, "cannot read", file.path);
    return std::string{buffer, static_cast<std::size_t>(n)};
  }
  static result<void> access(control_file& file, std::string_view text) {
    RECODEX_TRY_VOID(file.open());
    if (::pwrite(file.fd, text.data(), text.size(), 0) != static_cast<ssize_t>(text.size()))
      return errno_error(errno, "cannot write", file.path);
    return ok();
  }

  std::string memory_, pids_, cpuacct_;
  control_file cpu_usage_{cpuacct_ + "/cpuacct.usage", O_RDWR};
  control_file memory_peak_{memory_ + "/memory.max_usage_in_bytes", O_RDWR};
  control_file oom_control_{memory_ + "/memory.oom_control"};
  control_file pids_events_{pids_ + "/pids.events"};
  std::uint64_t oom_base_ = 0;
  std::uint64_t pids_base_ = 0;
  bool removed_ = false;
};

class cgroup_v1_driver final : public cgroup_driver {
public:
  cgroup_v1_driver(cgroup_v1_roots roots, std::string parent)
    : roots_(std::move(roots)), parent_(std::move(parent)) {
  }
  cgroup_version version() const override {
    return cgroup_version::v1;
  }

  result<std::unique_ptr<cgroup>> create(const std::string& name) override {
    std::string dirs[3];
    const std::string* roots[3] = {&roots_.memory, &roots_.pids, &roots_.cpuacct};
    for (int i = 0; i < 3; ++i) {
      auto parent = *roots[i] + "/" + parent_;
      RECODEX_TRY_VOID(make_dir(parent));
      dirs[i] = parent + "/" + name;
    }
    RECODEX_TRY_VOID(remove_stale(name));
    for (int i = 0; i < 3; ++i) {
      if (::mkdir(dirs[i].c_str(), 0755) != 0) {
        int err = errno;
        for (int j = 0; j < i; ++j)
          (void) remove_group_dir(dirs[j]);
        return errno_error(err, "cannot create cgroup", dirs[i]);
      }
    }
    auto group = std::make_unique<cgroup_v1>(dirs[0], dirs[1], dirs[2]);
    if (auto opened = group->open_accounting(); !opened)
      return opened.error(); // the group's destructor removes it again
    return std::unique_ptr<cgroup>{std::move(group)};
  }

  result<void> remove_stale(const std::string& name) override {
    for (const auto* root : {&roots_.memory, &roots_.pids, &roots_.cpuacct}) {
      auto dir = *root + "/" + parent_ + "/" + name;
      if (exists(dir)) {
        kill_members(dir);
        RECODEX_TRY_VOID(remove_group_dir(dir));
      }
    }
    return ok();
  }

  std::string describe() const override {
    return "cgroup v1 (memory " + roots_.memory + ", pids " + roots_.pids + ", cpuacct " +
           roots_.cpuacct + ")/" + parent_;
  }

private:
  cgroup_v1_roots roots_;
  std::string parent_;
};

} // namespace

std::unique_ptr<cgroup_driver> make_cgroup_v1_driver(const cgroup_v1_roots& roots,
                                                     const std::string& parent) {
  return std::make_unique<cgroup_v1_driver>(roots, parent);
}

} // namespace recodex::sandbox
