// run(): the host side of one sandboxed execution.
//
// Theory of operation. Three processes and three pipes:
//   host (this code)  --release-->  init (PID 1 in new pid/mnt/ipc/uts[/net] namespaces)
//   init, program     --failure-->  host   {step, index, errno}; close-on-exec, EOF = exec'd
//   init              --report--->  host   "ready" (setup CPU), then the program's wait status
// The host creates the box's cgroups, clones the init with the namespaces, moves it into the
// cgroups and only then releases it, so everything the box does is accounted. The init builds
// the root, pivots into it and clones the program (PID 2), which drops to the box uid, applies
// rlimits and seccomp and execs. The init reaps; when the program ends it reports and exits, and
// the kernel kills the rest of the namespace. The host waits on a pidfd with poll, reading the
// cgroup's CPU time at adaptive intervals (the earliest moment the limit could be crossed), and
// kills the init (hence the whole box) on CPU or wall-time excess. Then it reads the cgroup,
// removes it and gives the box directory back to its owner, on every path.
#include "sandbox/sandbox.hpp"

#include "sandbox/cgroup.hpp"
#include "sandbox/host_box_dir.hpp"
#include "sandbox/host_files.hpp"
#include "sandbox/host_plan.hpp"
#include "sandbox/seccomp_filter.hpp"

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <csignal>
#include <cstring>
#include <fcntl.h>
#include <map>
#include <mutex>
#include <poll.h>
#include <sched.h>
#include <linux/magic.h>
#include <sys/mount.h>
#include <sys/resource.h>
#include <sys/statfs.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

namespace recodex::sandbox {

namespace {

using namespace detail;
using clock_type = std::chrono::steady_clock;

// The cgroup backend, probed once per process.
struct cgroup_access {
  std::mutex mutex;
  std::unique_ptr<cgroup_driver> driver;
  std::string failure;
  std::string parent;
};

result<cgroup_driver*> cgroups(const box_config& config) {
  static cgroup_access access;
  std::lock_guard<std::mutex> lock{access.mutex};
  if (!access.driver && access.failure.empty()) {
    auto probed = probe_cgroups("/proc/self/mounts", config.cgroup_parent);
    if (probed)
      access.driver = std::move(probed.value());
    else
      access.failure = probed.error().message;
  }
  if (!access.driver)
    return make_error(errc::unavailable, access.failure);
  return access.driver.get();
}

// Each box keeps one empty network namespace (only a loopback that is down) for all its runs:
// creating a fresh one costs about 3 ms here, while entering an existing one is nearly free.
// Reuse is safe: the box's processes are all dead between runs, so no socket survives, and
// nothing inside holds CAP_NET_ADMIN to change the namespace.
// The namespace is also pinned by a bind mount at <state_dir>/netns (as `ip netns` does), so
// short-lived CLI processes reuse it too; pinning is best effort.
result<int> box_netns(int box_id, const std::string& state_dir) {
  static std::mutex mutex;
  static std::map<int, int> namespaces;
  std::lock_guard<std::mutex> lock{mutex};
  if (auto found = namespaces.find(box_id); found != namespaces.end())
    return found->second;
  const std::string pinned = state_dir + "/netns";
  if (int fd = ::open(pinned.c_str(), O_RDONLY | O_CLOEXEC | O_NOFOLLOW); fd >= 0) {
    struct statfs fs {};
    if (::fstatfs(fd, &fs) == 0 && fs.f_type == NSFS_MAGIC) {
      namespaces[box_id] = fd;
      return fd;
    }
    ::close(fd);
  }
  int ready[2];
  if (::pipe2(ready, O_CLOEXEC) != 0)
    return errno_error(errno, "cannot create", "pipe");
  long pid = ::syscall(SYS_clone, CLONE_NEWNET | SIGCHLD, nullptr, nullptr, nullptr, 0);
  if (pid == 0) {
    // Holds the namespace until the host has opened it; only raw calls after clone.
    char byte = 0;
    ::close(ready[1]);
    (void) !::read(ready[0], &byte, 1);
    ::_exit(0);
  }
  ::close(ready[0]);
  if (pid < 0) {
    ::close(ready[1]);
    return errno_error(errno, "cannot clone", "a network namespace");
  }
  auto path = "/proc/" + std::to_string(pid) + "/ns/net";
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  int err = errno;
  if (fd >= 0) {
    if (int pin = ::open(pinned.c_str(), O_WRONLY | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
        pin >= 0) {
      ::close(pin);
      (void) ::mount(path.c_str(), pinned.c_str(), nullptr, MS_BIND, nullptr);
    }
  }
  ::close(ready[1]);
  while (::waitpid(static_cast<pid_t>(pid), nullptr, 0) < 0 && errno == EINTR) {
  }
  if (fd < 0)
    return errno_error(err, "cannot open", path);
  namespaces[box_id] = fd;
  return fd;
}

struct fd_guard {
  int fd = -1;
  ~fd_guard() {
    reset();
  }
  void reset(int next = -1) {
    if (fd >= 0)
      ::close(fd);
    fd = next;
  }
};

// A pipe whose host end is non-blocking; both ends close-on-exec.
result<void> make_pipe(fd_guard& read_end, fd_guard& write_end, bool host_reads) {
  int fds[2];
  if (::pipe2(fds, O_CLOEXEC) != 0)
    return errno_error(errno, "cannot create", "pipe");
  read_end.reset(fds[0]);
  write_end.reset(fds[1]);
  int host = host_reads ? fds[0] : fds[1];
  ::fcntl(host, F_SETFL, O_NONBLOCK);
  return ok();
}

std::uint64_t to_ns(double seconds) {
  return seconds <= 0 ? 0 : static_cast<std::uint64_t>(seconds * 1e9 + 0.5);
}

struct run_state {
  child_failure failure{};
  bool failed = false;
  init_report ready{};
  bool got_ready = false;
  init_report ended{};
  bool got_ended = false;
  clock_type::time_point ready_at{};
};

void drain_failures(int fd, run_state& st) {
  child_failure record;
  while (::read(fd, &record, sizeof record) == static_cast<ssize_t>(sizeof record))
    if (!st.failed) { // the first failure is the cause
      st.failure = record;
      st.failed = true;
    }
}

void drain_reports(int fd, run_state& st) {
  init_report report;
  while (::read(fd, &report, sizeof report) == static_cast<ssize_t>(sizeof report)) {
    if (report.kind == report_ready && !st.got_ready) {
      st.ready = report;
      st.got_ready = true;
      st.ready_at = clock_type::now();
    } else if (report.kind == report_ended) {
      st.ended = report;
      st.got_ended = true;
    }
  }
}

std::string describe_failure(const child_failure& f, const plan_storage& plan) {
  auto step = static_cast<child_step>(f.step);
  std::string message = "sandbox setup failed: ";
  message += to_string(step);
  if (step == child_step::mount && f.index < plan.mount_labels.size())
    message += " (" + plan.mount_labels[f.index] + ")";
  if (step == child_step::exec && plan.plan.argv && plan.plan.argv[0])
    message += std::string{" "} + plan.plan.argv[0];
  if (step == child_step::open_stdin && plan.plan.stdin_path)
    message += std::string{" "} + plan.plan.stdin_path;
  if (step == child_step::open_stdout && plan.plan.stdout_path)
    message += std::string{" "} + plan.plan.stdout_path;
  if (step == child_step::open_stderr && plan.plan.stderr_path)
    message += std::string{" "} + plan.plan.stderr_path;
  if (step == child_step::change_dir)
    message += std::string{" "} + plan.plan.work_dir;
  message += ": ";
  message += std::strerror(f.err);
  return message;
}

run_result failed_run(std::string message) {
  run_result r;
  r.result = status::internal_error;
  r.message = std::move(message);
  return r;
}

// Gives the box directory back to its owner when the run ends, however it ends.
struct box_dir_owner {
  std::string dir;
  uid_t uid;
  gid_t gid;
  bool armed = false;
  ~box_dir_owner() {
    if (armed)
      (void) chown_tree(dir, uid, gid);
  }
};

} // namespace

result<run_result> run(const box& b, const run_options& options) {
  RECODEX_TRY(storage, build_plan(b, options));
  RECODEX_TRY(filter, box_seccomp_program());
  child_plan& plan = storage->plan;
  plan.seccomp = &filter->program;

  RECODEX_TRY(driver, cgroups(b.config()));
  std::unique_ptr<cgroup> group;
  {
    auto created = driver->create("box-" + std::to_string(b.id()));
    if (!created)
      return failed_run(created.error().message);
    group = std::move(created.value());
  }
  cgroup_limits limits;
  limits.memory_bytes = options.memory_kib * 1024;
  // +1: the init counts against pids.max too.
  limits.max_pids = options.processes ? *options.processes + 1 : 0;
  if (auto set = group->set_limits(limits); !set)
    return failed_run(set.error().message);

  struct stat box_st {};
  ::stat(options.box_dir.c_str(), &box_st);
  box_dir_owner owner{options.box_dir, box_st.st_uid, box_st.st_gid};
  if (auto given = chown_tree(options.box_dir, b.uid(), b.gid()); !given) {
    owner.armed = true;
    return failed_run(given.error().message);
  }
  owner.armed = true;

  fd_guard release_r, release_w, failure_r, failure_w, report_r, report_w;
  if (auto p = make_pipe(release_r, release_w, false); !p)
    return failed_run(p.error().message);
  if (auto p = make_pipe(failure_r, failure_w, true); !p)
    return failed_run(p.error().message);
  if (auto p = make_pipe(report_r, report_w, true); !p)
    return failed_run(p.error().message);
  plan.release_fd = release_r.fd;
  plan.failure_fd = failure_w.fd;
  plan.report_fd = report_w.fd;
  if (!options.share_net) {
    auto netns = box_netns(b.id(), b.state_dir());
    if (!netns)
      return failed_run(netns.error().message);
    plan.netns_fd = netns.value();
  }

  unsigned long flags = CLONE_NEWPID | CLONE_NEWNS | CLONE_NEWIPC | CLONE_NEWUTS | SIGCHLD;
  // A raw clone behaves like fork here (no new stack) but skips glibc's atfork machinery.
  long pid = ::syscall(SYS_clone, flags, nullptr, nullptr, nullptr, 0);
  if (pid < 0)
    return failed_run(errno_error(errno, "cannot clone", "the box init").message);
  if (pid == 0)
    inside_box_init(plan);

  release_r.reset();
  failure_w.reset();
  report_w.reset();
  fd_guard pidfd;
  pidfd.reset(static_cast<int>(::syscall(SYS_pidfd_open, static_cast<pid_t>(pid), 0)));

  run_state st;
  observation seen;
  seen.time_limit_ns = to_ns(options.time_s);
  seen.wall_limit_ns = to_ns(options.wall_time_s);
  auto kill_box = [&] {
    if (pidfd.fd >= 0)
      ::syscall(SYS_pidfd_send_signal, pidfd.fd, SIGKILL, nullptr, 0);
    else
      ::kill(static_cast<pid_t>(pid), SIGKILL);
  };

  std::string host_failure;
  if (pidfd.fd < 0)
    host_failure = errno_error(errno, "cannot open pidfd of", "the box init").message;
  else if (auto joined = group->add_process(static_cast<pid_t>(pid)); !joined)
    host_failure = joined.error().message;
  else if (char go = 1; ::write(release_w.fd, &go, 1) != 1)
    host_failure = errno_error(errno, "cannot release", "the box init").message;
  release_w.reset();
  const auto started = clock_type::now();

  if (!host_failure.empty()) {
    kill_box();
  } else {
    const std::uint64_t cpu_kill_ns =
        seen.time_limit_ns ? seen.time_limit_ns + to_ns(options.extra_time_s) : 0;
    const auto wall_deadline =
        started + std::chrono::nanoseconds(seen.wall_limit_ns + to_ns(options.extra_time_s));
    const long cpus = std::max(1L, ::sysconf(_SC_NPROCESSORS_ONLN));
    const long parallel = options.processes ? std::min<long>(cpus, *options.processes) : cpus;
    bool failure_open = true, report_open = true;
    for (;;) {
      int timeout_ms = -1;
      auto now = clock_type::now();
      if (seen.wall_limit_ns) {
        auto left = std::chrono::duration_cast<std::chrono::milliseconds>(wall_deadline - now);
        timeout_ms = static_cast<int>(std::max<long long>(0, left.count() + 1));
      }
      if (cpu_kill_ns) {
        auto used = group->cpu_ns();
        std::uint64_t cpu = used ? used.value() : 0;
        // Same accounting as the reported time: the init's setup is not the program's.
        if (st.got_ready)
          cpu = cpu > st.ready.init_cpu_ns ? cpu - st.ready.init_cpu_ns : 0;
        if (cpu >= cpu_kill_ns) {
          seen.killed_by_host = kill_reason::cpu_time;
          kill_box();
          break;
        }
        // The earliest the box could reach the limit, with all its CPUs busy.
        auto ms = static_cast<long long>((cpu_kill_ns - cpu) / 1000000 / parallel);
        int check = static_cast<int>(std::clamp<long long>(ms, 1, 500));
        timeout_ms = timeout_ms < 0 ? check : std::min(timeout_ms, check);
      }
      if (seen.wall_limit_ns && now >= wall_deadline) {
        seen.killed_by_host = kill_reason::wall_time;
        kill_box();
        break;
      }
      pollfd fds[3] = {{pidfd.fd, POLLIN, 0},
                       {failure_open ? failure_r.fd : -1, POLLIN, 0},
                       {report_open ? report_r.fd : -1, POLLIN, 0}};
      int n = ::poll(fds, 3, timeout_ms);
      if (n < 0 && errno != EINTR) {
        host_failure = errno_error(errno, "cannot poll", "the box").message;
        kill_box();
        break;
      }
      if (fds[1].revents) {
        drain_failures(failure_r.fd, st);
        if (fds[1].revents & (POLLHUP | POLLERR))
          failure_open = false;
      }
      if (fds[2].revents) {
        drain_reports(report_r.fd, st);
        if (fds[2].revents & (POLLHUP | POLLERR))
          report_open = false;
      }
      if (fds[0].revents)
        break; // the init exited
    }
  }

  int init_status = 0;
  struct rusage init_usage {};
  while (::wait4(static_cast<pid_t>(pid), &init_status, 0, &init_usage) < 0 && errno == EINTR) {
  }
  const auto finished = clock_type::now();
  drain_failures(failure_r.fd, st);
  drain_reports(report_r.fd, st);

  auto used = group->usage();
  auto removed = group->remove();

  run_result r;
  if (used) {
    std::uint64_t cpu = used.value().cpu_ns;
    // The init's own setup work is charged to the cgroup too; it is not the program's time.
    if (st.got_ready && st.ready.init_cpu_ns < cpu)
      cpu -= st.ready.init_cpu_ns;
    seen.cpu_ns = cpu;
    seen.oom_kills = used.value().oom_kills;
    r.memory_kib = used.value().memory_peak_bytes / 1024;
  }
  seen.wall_ns = static_cast<std::uint64_t>(
      std::chrono::duration_cast<std::chrono::nanoseconds>(
          finished - (st.got_ready ? st.ready_at : started))
          .count());
  seen.payload_reported = st.got_ended;
  seen.wait_status = st.ended.wait_status;
  if (!host_failure.empty())
    seen.setup_error = host_failure;
  else if (st.failed)
    seen.setup_error = describe_failure(st.failure, *storage);
  else if (!used)
    seen.setup_error = used.error().message;
  else if (!removed)
    seen.setup_error = removed.error().message;

  auto v = decide(seen);
  r.result = v.result;
  r.message = v.message;
  r.exited = v.exited;
  r.exitcode = v.exitcode;
  r.exitsig = v.exitsig;
  r.killed = v.killed;
  r.oom_killed = seen.oom_kills > 0;
  r.time_s = static_cast<double>(seen.cpu_ns) / 1e9;
  r.wall_time_s = static_cast<double>(seen.wall_ns) / 1e9;
  if (st.got_ended) {
    r.max_rss_kib = static_cast<std::uint64_t>(st.ended.max_rss_kib);
    r.csw_voluntary = static_cast<std::uint64_t>(st.ended.csw_voluntary);
    r.csw_forced = static_cast<std::uint64_t>(st.ended.csw_forced);
  } else {
    r.max_rss_kib = static_cast<std::uint64_t>(init_usage.ru_maxrss);
    r.csw_voluntary = static_cast<std::uint64_t>(init_usage.ru_nvcsw);
    r.csw_forced = static_cast<std::uint64_t>(init_usage.ru_nivcsw);
  }
  return r;
}

} // namespace recodex::sandbox
