// prepare() and run(): the host side of one sandboxed execution.
//
// Theory of operation. Three processes and four pipes:
//   host (this code)  --release-->  init (PID 1 in new pid/mnt/ipc/uts[/net] namespaces)
//   host              --start---->  program (PID 2), parked before its stdio and exec
//   init, program     --failure-->  host   {step, index, errno}; close-on-exec, EOF = exec'd
//   init              --report--->  host   "ready", then the program's wait status ("ended")
// prepare() creates the box's cgroups with the run's limits and clones the init with the
// namespaces. On v1 the init first moves itself into the cgroups through their `tasks` files (a
// thread moving itself needs no global lock; the host writing cgroup.procs would wait for an RCU
// grace period, milliseconds on a busy machine); otherwise the host moves it. The init builds the
// root and pivots into it; once released, it clones the program, which thus starts inside the
// cgroups, drops to the box uid, applies rlimits and seccomp and parks on the start pipe; the
// init reports "ready". All of that can overlap with the caller's own work.
// run() waits for "ready", hands the box directory to the box user, restarts the cgroup's
// accounting and writes the start byte: the program opens its stdio and execs. The host waits on
// a pidfd and the pipes with poll, reading the cgroup's CPU time at adaptive intervals (the
// earliest moment the limit could be crossed), and kills the init (hence the whole box) on CPU or
// wall-time excess. When the program ends the init kills and reaps everything else in the
// namespace and reports "ended": the box is empty, so run() reads the cgroup, signals the init
// (SIGUSR1: it holds its exit until then, so its teardown is not charged to the program) and
// returns without waiting for the init's own exit (its namespace teardown); the box retires that init and its
// cgroup at the next prepare(), after releasing the next init (runs alternate between two group
// names for this), or when it is destroyed. Without "ended" (killed, failed) run()
// waits for the init as before. The box directory goes back to its owner on every path (unless
// the caller keeps it handed over, give_back_box_dir).
// The cold run(box, options) prepares eagerly: the directory is handed over and the start byte
// written right after the release, so the program execs as soon as it is parked; the set-up is
// then inside the accounting, and the init's and the program's set-up CPU (sent with "ready" and
// "started") is subtracted.
// Wall time. The host may read the reports late (in the eager run "ready" can arrive after the
// program already ended), so the box takes the times itself: the program reports CLOCK_MONOTONIC
// in "started" when it gets the start byte, the init in "ended" when it reaps the program. The
// wall time is ended - started and the wall deadline is started + limit; until "started" is
// read, the moment the host wrote the start byte (no later than the real start) stands in.
#include "sandbox/sandbox.hpp"

#include "sandbox/box_launcher.hpp"
#include "sandbox/cgroup.hpp"
#include "sandbox/dir_rule.hpp"
#include "sandbox/fd_passing.hpp"
#include "sandbox/cgroup_common.hpp"
#include "sandbox/host_box_runtime.hpp"
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
#include <optional>
#include <poll.h>
#include <sched.h>
#include <linux/magic.h>
#include <sys/mount.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/statfs.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>
#include <utility>

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
  fd_guard() = default;
  fd_guard(const fd_guard&) = delete; // one owner per descriptor
  fd_guard& operator=(const fd_guard&) = delete;
  int fd = -1;
  bool valid() const {
    return fd >= 0;
  }
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
  bool got_ready = false;
  init_report ready{};
  bool got_started = false;
  init_report started{};
  init_report ended{};
  bool got_ended = false;
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
      st.got_ready = true;
      st.ready = report;
    } else if (report.kind == report_started && !st.got_started) {
      st.started = report;
      st.got_started = true;
    } else if (report.kind == report_ended && !st.got_ended) {
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
  uid_t uid = 0;
  gid_t gid = 0;
  bool armed = false;
  ~box_dir_owner() {
    if (armed)
      (void) chown_tree(dir, uid, gid);
  }
};

} // namespace

namespace detail {

// Everything a prepared run holds between prepare() and run().
struct prepared_state {
  // The box's runtime lives on the heap and moves with the box, so it stays valid if the box
  // object is moved while a run is prepared.
  box_runtime* runtime = nullptr;
  unsigned uid = 0, gid = 0;
  // Eager (the cold run(box, options)): the box directory is handed over and the start byte
  // written right after the release, so the program execs as soon as it is ready, without two
  // more round trips through the host. The set-up is then inside the accounting: the init's and
  // the program's set-up CPU is subtracted, as they report it.
  bool eager = false;
  std::uint64_t start_written_ns = 0; // CLOCK_MONOTONIC when the start byte went out
  bool dir_given = false;
  uid_t dir_uid = 0;
  gid_t dir_gid = 0;
  run_options options;
  std::unique_ptr<plan_storage> storage;
  std::unique_ptr<cgroup> group;
  fd_guard release_w, failure_r, report_r, start_w, pidfd;
  // The host's end of the init's control socket when the init may serve further runs; `layout`
  // is its root's layout_key.
  fd_guard control;
  std::string layout;
  unsigned runs = 0; // the runs its init served before this one
  std::string group_name;
  long pid = -1;
  std::string host_failure; // an environment failure while preparing: run() reports XX
  run_state st;

  void kill_box() {
    if (pidfd.fd >= 0)
      ::syscall(SYS_pidfd_send_signal, pidfd.fd, SIGKILL, nullptr, 0);
    else if (pid > 0)
      ::kill(static_cast<pid_t>(pid), SIGKILL);
  }

  // Blocks until the init is gone; its status and rusage when it is this process's child.
  void reap(int& status, struct rusage& usage) {
    if (pid <= 0)
      return;
    await_init_exit(static_cast<pid_t>(pid), pidfd.fd, &status, &usage);
    pid = -1;
  }

  ~prepared_state() {
    // Dropped before run() finished it: nothing of the box may survive.
    if (pid > 0) {
      kill_box();
      int status = 0;
      struct rusage usage {};
      reap(status, usage);
    }
    if (group)
      (void) group->remove();
    if (runtime)
      runtime->prepared = false;
  }
};

} // namespace detail

prepared_run::prepared_run(std::unique_ptr<detail::prepared_state> state)
  : state_(std::move(state)) {
}
prepared_run::prepared_run(prepared_run&&) noexcept = default;
prepared_run& prepared_run::operator=(prepared_run&&) noexcept = default;
prepared_run::~prepared_run() = default;

namespace detail {

namespace {

// " <device>:<inode>" of a host path (empty when it cannot be read): a directory deleted and made
// again under the same name is another directory, which an init's bind mount does not show.
std::string identity_of_path(const std::string& path) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0)
    return {};
  return " " + std::to_string(st.st_dev) + ":" + std::to_string(st.st_ino);
}

} // namespace

bool reusable_layout(const run_options& options) {
  auto at_or_below = [](const std::string& path, const char* top) {
    const std::string prefix = top;
    return path == prefix || path.rfind(prefix + "/", 0) == 0;
  };
  for (const auto& rule : options.dirs) {
    // A fresh filesystem the init would have to empty (only /tmp and /dev/shm are), or a mount
    // in or over the tmpfs it empties, which the clean-up must never enter.
    if (rule.tmp || rule.filesystem || rule.inside == "/" || at_or_below(rule.inside, "/tmp") ||
        at_or_below(rule.inside, "/dev"))
      return false;
  }
  return true;
}

std::string layout_key(const run_options& options) {
  std::string key = options.box_dir + identity_of_path(options.box_dir);
  // The default root's sources too: an ld.so.cache replaced by ldconfig is another file.
  for (const char* source : {"/usr", "/bin", "/sbin", "/lib", "/lib64", "/etc/alternatives", "/etc/ld.so.cache"})
    key += identity_of_path(source);
  key += '\n' + std::to_string(options.tmp_kib) + (options.share_net ? " net" : " no-net");
  for (const auto& rule : options.dirs) {
    key += '\n' + to_string(rule);
    if (!rule.tmp && !rule.filesystem)
      key += identity_of_path(rule.outside.empty() ? rule.inside : rule.outside);
  }
  return key;
}




namespace {

// How long a preparation waits for an idle init to finish its clean-up (normally done long
// before); after it a fresh init is cheaper than waiting on.
constexpr int idle_clean_up_wait_ms = 50;

// The descriptors of a run being prepared: the child's ends of the pipes (the host's ends live
// in prepared_state) and the cgroup join files.
struct child_ends {
  fd_guard release_r, failure_w, report_w, start_r;
  fd_guard joins[max_join_fds];
  int join_fds[max_join_fds] = {};
  std::size_t join_count = 0;

  // Once the init (and the launcher) hold their copies: the host's must go, or the pipes
  // would never report the child's end.
  void close() {
    for (auto* end : {&release_r, &failure_w, &report_w, &start_r})
      end->reset();
    for (auto& join : joins)
      join.reset();
  }
};

// Creates the run's cgroup under the name no group of the box holds (the other one may still
// be retired once this run's init is released, so the two overlap), with the run's limits.
result<void> create_run_group(prepared_state& ps, cgroup_driver& driver, const box& b) {
  box_runtime& runtime = *ps.runtime;
  const std::string name = "box-" + std::to_string(b.id());
  if (!runtime.swept) {
    RECODEX_TRY_VOID(driver.remove_stale(name + "b"));
    runtime.swept = true;
  }
  if (runtime.holds_group(name) && runtime.holds_group(name + "b"))
    (void) runtime.retire_leftovers(); // cannot happen: a box holds at most two groups
  ps.group_name = runtime.holds_group(name) ? name + "b" : name;
  RECODEX_TRY(created, driver.create(ps.group_name));
  ps.group = std::move(created);
  cgroup_limits limits;
  limits.memory_bytes = ps.options.memory_kib * 1024;
  // +1: the init counts against pids.max too.
  limits.max_pids = ps.options.processes ? *ps.options.processes + 1 : 0;
  return ps.group->set_limits(limits);
}

// Opens the group's join files (v1: the init moves itself in, see cgroup::join_files; else the
// host moves it) and makes the pipes; `release`: also the pipe that releases a fresh init.
result<void> open_child_ends(prepared_state& ps, child_ends& ends, bool release) {
  for (const auto& path : ps.group->join_files()) {
    if (ends.join_count == max_join_fds)
      break;
    int fd = ::open(path.c_str(), O_WRONLY | O_CLOEXEC);
    if (fd < 0)
      return errno_error(errno, "cannot open", path);
    ends.joins[ends.join_count].reset(fd);
    ends.join_fds[ends.join_count++] = fd;
  }
  if (release) {
    RECODEX_TRY_VOID(make_pipe(ends.release_r, ps.release_w, false));
  }
  RECODEX_TRY_VOID(make_pipe(ps.failure_r, ends.failure_w, true));
  RECODEX_TRY_VOID(make_pipe(ps.report_r, ends.report_w, true));
  return make_pipe(ends.start_r, ps.start_w, false);
}

// Sends the run to the idle init `ps` took over: it moves into the run's group when it gets the
// request (v2: the host moves it first). False when that failed: the init is dead then (killed
// and reaped here), and `joined_dead` says it died inside this run's group.
bool hand_to_reused_init(prepared_state& ps, const std::string& request, const child_ends& ends,
                         bool& joined_dead) {
  int attached[max_next_run_fds] = {ends.failure_w.fd, ends.report_w.fd, ends.start_r.fd};
  for (std::size_t i = 0; i < ends.join_count; ++i)
    attached[3 + i] = ends.join_fds[i];
  const bool joined = ends.join_count > 0 || ps.group->add_process(static_cast<pid_t>(ps.pid));
  if (joined && send_with_fds(ps.control.fd, request.data(), request.size(), attached, 3 + ends.join_count))
    return true;
  ps.kill_box();
  int status = 0;
  struct rusage usage {};
  ps.reap(status, usage);
  ps.pidfd.reset();
  ps.control.reset();
  joined_dead = ends.join_count == 0 && joined;
  return false;
}

// Clones a fresh init for the run (through the launcher when this process has one, see
// box_launcher.hpp, with a control socket when its inits may be reused) and releases it.
result<void> launch_fresh_init(prepared_state& ps, const box& b, child_ends& ends, bool reusable,
                               const std::string& request) {
  child_plan& plan = ps.storage->plan;
  if (!ends.release_r.valid()) { // a hand-over to a reused init failed
    RECODEX_TRY_VOID(make_pipe(ends.release_r, ps.release_w, false));
    plan.release_fd = ends.release_r.fd;
  }
  fd_guard control_init_end;
  if (reusable) {
    int pair[2];
    if (::socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, pair) == 0) {
      ps.control.reset(pair[0]);
      control_init_end.reset(pair[1]);
      reserve_send_buffer(pair[0], max_launch_request_bytes); // the largest next run
    } // without it the init is simply not reused
  }
  if (!ps.options.share_net) {
    RECODEX_TRY(netns, box_netns(b.id(), b.state_dir()));
    plan.netns_fd = netns;
  }
  launched_init init;
  if (!request.empty() && box_launcher_running()) { // empty: no launcher when preparing began
    init_fds fds{ends.release_r.fd, ends.failure_w.fd, ends.report_w.fd, ends.start_r.fd, plan.netns_fd,
                 control_init_end.fd, ends.join_fds, ends.join_count};
    auto launched = launch_box_init(request, fds);
    if (launched)
      init = launched.value();
    else if (launched.error().code != errc::unavailable)
      return launched.error();
  }
  if (init.pid < 0) {
    ps.control.reset(); // cloned here: a copy of this multithreaded process is never reused
    init.pid = clone_box_init(plan, init.pidfd);
    if (init.pid < 0)
      return errno_error(static_cast<int>(-init.pid), "cannot clone", "the box init");
  }
  ps.pid = init.pid;
  ps.pidfd.reset(init.pidfd);
  ends.release_r.reset();
  if (auto joined = ends.join_count ? ok() : ps.group->add_process(static_cast<pid_t>(init.pid)); !joined)
    ps.host_failure = joined.error().message;
  else if (char go = 1; ::write(ps.release_w.fd, &go, 1) != 1)
    ps.host_failure = errno_error(errno, "cannot release", "the box init").message;
  ps.release_w.reset();
  return ok();
}

} // namespace

result<prepared_run> prepare_run(const box& b, const run_options& options, bool eager) {
  box_runtime& runtime = runtime_of(b);
  if (runtime.prepared)
    return make_error(errc::conflict,
                      "box " + std::to_string(b.id()) + " already has a prepared run");
  RECODEX_TRY(storage, build_plan(identity_of(b), options));
  RECODEX_TRY(filter, box_seccomp_program());
  RECODEX_TRY(driver, cgroups(b.config()));

  auto state = std::make_unique<prepared_state>();
  prepared_state& ps = *state;
  ps.runtime = &runtime;
  ps.uid = b.uid();
  ps.gid = b.gid();
  ps.eager = eager;
  runtime.prepared = true;
  ps.options = options;
  ps.storage = std::move(storage);
  child_plan& plan = ps.storage->plan;
  plan.seccomp = &filter->program;
  prepared_run prepared{std::move(state)};
  auto give_up = [&](std::string message) {
    ps.host_failure = std::move(message);
    return std::move(prepared);
  };

  // A group a reused init has left: nobody is in it any more.
  if (auto removed = runtime.remove_left_group(); !removed)
    return give_up(removed.error().message);

  // Only inits of the launcher may be reused (child_plan::control_fd), and only for a root the
  // init can clean (reusable_layout): an init with the same root that has cleaned up after its
  // last run serves this one, skipping the launcher, a clone with new namespaces, the root's
  // mounts and the namespaces' teardown.
  const bool launcher = box_launcher_running();
  const bool reusable = launcher && reusable_layout(options);
  // What the launcher, or a reused init, is sent.
  const std::string request = launcher ? encode_launch_request(identity_of(b), options) : std::string{};
  if (reusable)
    ps.layout = layout_key(options);
  bool reused = false;
  if (reusable && request.size() <= max_launch_request_bytes) {
    if (auto idle = runtime.take_idle(ps.layout, idle_clean_up_wait_ms)) {
      // From here it is this run's: dropped, the prepared run kills it; its last group goes
      // with the next prepare().
      ps.pid = idle->pid;
      ps.pidfd.reset(idle->pidfd);
      ps.control.reset(idle->control);
      ps.runs = idle->runs;
      runtime.left_group = std::move(idle->group);
      runtime.left_group_name = std::move(idle->group_name);
      reused = true;
    }
  }

  if (auto created = create_run_group(ps, *driver, b); !created)
    return give_up(created.error().message);
  child_ends ends;
  if (auto opened = open_child_ends(ps, ends, !reused); !opened)
    return give_up(opened.error().message);
  plan.join_fds = ends.join_fds;
  plan.join_count = ends.join_count;
  plan.release_fd = ends.release_r.fd;
  plan.failure_fd = ends.failure_w.fd;
  plan.report_fd = ends.report_w.fd;
  plan.start_fd = ends.start_r.fd;

  if (eager) {
    struct stat box_st {};
    ::stat(options.box_dir.c_str(), &box_st);
    ps.dir_uid = box_st.st_uid;
    ps.dir_gid = box_st.st_gid;
    ps.dir_given = options.give_back_box_dir; // run() gives it back, even after a partial hand-over
    if (auto given = chown_tree(options.box_dir, ps.uid, ps.gid); !given)
      return give_up(given.error().message);
  }

  if (reused) {
    bool joined_dead = false;
    reused = hand_to_reused_init(ps, request, ends, joined_dead);
    if (joined_dead)
      return give_up("the reused box init died in this run's cgroup");
  }
  if (!reused) { // no idle init, or the hand-over failed: a fresh one
    if (auto launched = launch_fresh_init(ps, b, ends, reusable, request); !launched)
      return give_up(launched.error().message);
  }
  ends.close();
  if (eager && ps.host_failure.empty()) {
    ps.start_written_ns = monotonic_ns();
    if (char go = 1; ::write(ps.start_w.fd, &go, 1) != 1)
      ps.host_failure = errno_error(errno, "cannot start", "the program").message;
    ps.start_w.reset();
  }
  // The previous run's init has had the caller's time to finish its teardown (an idle init
  // whose root differs goes with it). Not the group a reused init is leaving just now.
  if (auto retired = reused ? runtime.retire_leftovers() : runtime.retire();
      !retired && ps.host_failure.empty())
    ps.host_failure = retired.error().message;
  return prepared;
}

} // namespace detail

result<prepared_run> prepare(const box& b, const run_options& options) {
  return prepare_run(b, options, false);
}

result<run_result> run(const box& b, const run_options& options) {
  RECODEX_TRY(prepared, prepare_run(b, options, true));
  return run(std::move(prepared));
}

result<run_result> run(prepared_run&& prepared) {
  return run(std::move(prepared), {});
}

result<run_result> run(prepared_run&& prepared, const std::function<void()>& once_started) {
  if (!prepared.state_)
    return make_error(errc::invalid_argument, "the prepared run was already used");
  // Whatever happens, the state (and with it the box, if still alive) goes at the end.
  std::unique_ptr<prepared_state> state = std::move(prepared.state_);
  prepared_state& ps = *state;
  const run_options& options = ps.options;
  run_state& st = ps.st;
  box_dir_owner owner{options.box_dir, ps.dir_uid, ps.dir_gid, ps.dir_given};
  if (!ps.host_failure.empty()) {
    ps.kill_box();
    return failed_run(ps.host_failure);
  }

  observation seen;
  seen.time_limit_ns = to_ns(options.time_s);
  seen.wall_limit_ns = to_ns(options.wall_time_s);
  std::string host_failure;
  bool failure_open = true, report_open = true, init_gone = false;
  // One poll over the init's pidfd and the two pipes; false when the init exited.
  auto watch = [&](int timeout_ms) {
    pollfd fds[3] = {{ps.pidfd.fd, POLLIN, 0},
                     {failure_open ? ps.failure_r.fd : -1, POLLIN, 0},
                     {report_open ? ps.report_r.fd : -1, POLLIN, 0}};
    int n = ::poll(fds, 3, timeout_ms);
    if (n < 0 && errno != EINTR) {
      host_failure = errno_error(errno, "cannot poll", "the box").message;
      return false;
    }
    if (fds[1].revents) {
      drain_failures(ps.failure_r.fd, st);
      if (fds[1].revents & (POLLHUP | POLLERR))
        failure_open = false;
    }
    if (fds[2].revents) {
      drain_reports(ps.report_r.fd, st);
      if (fds[2].revents & (POLLHUP | POLLERR))
        report_open = false;
    }
    if (fds[0].revents)
      init_gone = true;
    return !init_gone;
  };

  // The set-up normally finished while the caller was busy; a box that cannot build its root in
  // this long is broken.
  const auto setup_deadline = clock_type::now() + std::chrono::seconds(30);
  while (!ps.eager && !st.got_ready && !st.failed && host_failure.empty()) {
    if (clock_type::now() >= setup_deadline) {
      host_failure = "the box did not finish its set-up within 30 s";
      break;
    }
    if (!watch(1000))
      break;
  }

  if (!ps.eager && host_failure.empty() && st.got_ready && !st.failed) {
    struct stat box_st {};
    ::stat(options.box_dir.c_str(), &box_st);
    owner.uid = box_st.st_uid;
    owner.gid = box_st.st_gid;
    owner.armed = options.give_back_box_dir;
    if (auto given = chown_tree(options.box_dir, ps.uid, ps.gid); !given)
      host_failure = given.error().message;
    else if (auto reset = ps.group->start_accounting(); !reset)
      host_failure = reset.error().message;
    else if (ps.start_written_ns = monotonic_ns(); ::write(ps.start_w.fd, "", 1) != 1)
      host_failure = errno_error(errno, "cannot start", "the program").message;
  }
  ps.start_w.reset();
  if (once_started && host_failure.empty() && !st.failed && (ps.eager || st.got_ready))
    once_started();
  // When the host killed the box, its wall time ends there, not after the namespace teardown.
  std::uint64_t killed_at_ns = 0;
  // The program's start: its own "started" time, else the start byte (never later than it).
  auto program_start_ns = [&] {
    return st.got_started ? st.started.at_ns : ps.start_written_ns;
  };

  // The init's and the program's set-up CPU, when it is inside the accounting (eager).
  auto setup_cpu = [&] {
    if (!ps.eager)
      return std::uint64_t{0};
    return (st.got_ready ? st.ready.setup_cpu_ns : 0) +
           (st.got_started ? st.started.setup_cpu_ns : 0);
  };
  if (!host_failure.empty() || st.failed || (!ps.eager && !st.got_ready)) {
    ps.kill_box();
  } else {
    const std::uint64_t cpu_kill_ns =
        seen.time_limit_ns ? seen.time_limit_ns + to_ns(options.extra_time_s) : 0;
    const std::uint64_t wall_allowed_ns = seen.wall_limit_ns + to_ns(options.extra_time_s);
    const long cpus = std::max(1L, ::sysconf(_SC_NPROCESSORS_ONLN));
    const long parallel = options.processes ? std::min<long>(cpus, *options.processes) : cpus;
    while (!st.got_ended) {
      int timeout_ms = -1;
      std::uint64_t now = monotonic_ns();
      if (seen.wall_limit_ns && !st.got_started && now >= program_start_ns() + wall_allowed_ns)
        drain_reports(ps.report_r.fd, st); // a "started" not yet read moves the deadline
      const std::uint64_t wall_deadline = program_start_ns() + wall_allowed_ns;
      if (seen.wall_limit_ns) {
        auto left_ms = now >= wall_deadline ? 0 : (wall_deadline - now) / 1000000 + 1;
        timeout_ms = static_cast<int>(std::min<std::uint64_t>(left_ms, 1000000000));
      }
      if (cpu_kill_ns) {
        auto used = ps.group->cpu_ns();
        std::uint64_t cpu = used ? since(used.value(), setup_cpu()) : 0;
        if (cpu >= cpu_kill_ns) {
          seen.killed_by_host = kill_reason::cpu_time;
          killed_at_ns = monotonic_ns();
          ps.kill_box();
          break;
        }
        // The earliest the box could reach the limit, with all its CPUs busy.
        auto ms = static_cast<long long>((cpu_kill_ns - cpu) / 1000000 / parallel);
        int check = static_cast<int>(std::clamp<long long>(ms, 1, 500));
        timeout_ms = timeout_ms < 0 ? check : std::min(timeout_ms, check);
      }
      if (seen.wall_limit_ns && now >= wall_deadline) {
        seen.killed_by_host = kill_reason::wall_time;
        killed_at_ns = monotonic_ns();
        ps.kill_box();
        break;
      }
      if (!watch(timeout_ms)) {
        if (!host_failure.empty())
          ps.kill_box();
        break;
      }
    }
  }

  int init_status = 0;
  struct rusage init_usage {};
  // "Ended" means the init already killed and reaped everything else: only its own exit is
  // left, which the box retires later. Otherwise wait for it here.
  const bool fast_end = st.got_ended && seen.killed_by_host == kill_reason::none &&
                        host_failure.empty();
  if (!fast_end)
    ps.reap(init_status, init_usage);
  drain_failures(ps.failure_r.fd, st);
  drain_reports(ps.report_r.fd, st);
  // Killed by the host: the wall time ends at the kill, not after the namespace teardown.
  const std::uint64_t finished_ns = killed_at_ns     ? killed_at_ns
                                    : st.got_ended   ? st.ended.at_ns
                                                     : monotonic_ns();

  auto used = ps.group->usage();
  result<void> removed = ok();
  if (fast_end) {
    // The init waits for this before its clean-up or its exit (namespace teardown) adds to the
    // cgroup's CPU. One that may serve further runs stays, told through its control socket.
    const char read_done = control_read_done;
    if (ps.control.fd >= 0 && ::send(ps.control.fd, &read_done, 1, MSG_NOSIGNAL | MSG_DONTWAIT) == 1) {
      idle_init idle;
      idle.pid = static_cast<pid_t>(ps.pid);
      idle.pidfd = std::exchange(ps.pidfd.fd, -1);
      idle.control = std::exchange(ps.control.fd, -1);
      idle.layout = std::move(ps.layout);
      idle.runs = ps.runs + 1;
      idle.group = std::move(ps.group);
      idle.group_name = std::move(ps.group_name);
      ps.runtime->keep_idle(std::move(idle));
    } else {
      ::syscall(SYS_pidfd_send_signal, ps.pidfd.fd, SIGUSR1, nullptr, 0);
      ps.runtime->keep_leftovers(static_cast<pid_t>(ps.pid), ps.pidfd.fd, std::move(ps.group),
                                 std::move(ps.group_name));
      ps.pidfd.fd = -1;
    }
    ps.pid = -1;
  } else {
    removed = ps.group->remove();
  }

  run_result r;
  if (used) {
    // The init's CPU while the program ran (waiting, then emptying the namespace) is not the
    // program's either; it was charged in both paths (the prepared one resets the accounting
    // after "ready").
    const std::uint64_t init_tail =
        st.got_ended && st.got_ready ? since(st.ended.setup_cpu_ns, st.ready.setup_cpu_ns) : 0;
    seen.cpu_ns = since(used.value().cpu_ns, setup_cpu() + init_tail);
    seen.oom_kills = used.value().oom_kills;
    r.memory_kib = used.value().memory_peak_bytes / 1024;
  }
  // Never negative: a run that never started has no wall time.
  const std::uint64_t from_ns = program_start_ns();
  seen.wall_ns = from_ns && finished_ns > from_ns ? finished_ns - from_ns : 0;
  seen.payload_reported = st.got_ended;
  seen.wait_status = st.ended.wait_status;
  if (!host_failure.empty())
    seen.setup_error = host_failure;
  else if (st.failed)
    seen.setup_error = describe_failure(st.failure, *ps.storage);
  else if (!st.got_ready)
    seen.setup_error = "the box init ended before its root was ready";
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
