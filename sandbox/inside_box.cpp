// The child side of a run: the box's init (PID 1) and the program it starts (PID 2).
// Everything here runs between clone and exec in a copy of a possibly multithreaded host, so it
// only makes raw system calls over the prepared child_plan: no allocation, no locks, no
// exceptions, no logging, and no glibc set*id wrappers (they broadcast to threads that do not
// exist in the copy). A failure is written as {step, index, errno} to the failure pipe. The one
// exception is serve_further_runs (an init of the launcher serving more runs), which allocates:
// its process is a copy of the single-threaded launcher.
#include "sandbox/child_plan.hpp"
#include "sandbox/fd_passing.hpp"
#include "sandbox/host_plan.hpp"
#include "sandbox/launch_request.hpp"

#include <cerrno>
#include <csignal>
#include <ctime>
#include <fcntl.h>
#include <linux/close_range.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <memory>
#include <sched.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <sys/wait.h>
#include <unistd.h>

namespace recodex::sandbox::detail {

namespace {

[[noreturn]] void fail(const child_plan& plan, child_step step, std::uint32_t index = 0) {
  child_failure record;
  record.step = static_cast<std::uint32_t>(step);
  record.index = index;
  record.err = errno;
  // A short write cannot happen for 12 bytes on a pipe; nothing else to do on failure anyway.
  (void) !::write(plan.failure_fd, &record, sizeof record);
  ::_exit(127);
}

bool run_mount(const mount_op& op) {
  switch (op.kind) {
    case mount_kind::make_dir:
      return ::mkdir(op.target, op.mode) == 0 || errno == EEXIST;
    case mount_kind::make_file: {
      int fd = ::open(op.target, O_WRONLY | O_CREAT | O_CLOEXEC | O_NOFOLLOW, op.mode);
      if (fd < 0)
        return errno == EEXIST;
      ::close(fd);
      return true;
    }
    case mount_kind::bind:
      return ::mount(op.source, op.target, nullptr, MS_BIND | op.flags, nullptr) == 0;
    case mount_kind::remount:
      return ::mount(nullptr, op.target, nullptr, MS_REMOUNT | MS_BIND | op.flags, nullptr) == 0;
    case mount_kind::filesystem:
      return ::mount(op.source, op.target, op.source, op.flags, op.data) == 0;
    case mount_kind::device:
      return ::mknod(op.target, S_IFCHR | op.mode, static_cast<dev_t>(op.device)) == 0;
    case mount_kind::symlink:
      return ::symlink(op.source, op.target) == 0;
  }
  errno = EINVAL;
  return false;
}

// Closes every descriptor except stdin/out/err and the ones in `keep` (ascending).
bool close_other_fds(const int* keep, int count) {
  unsigned from = 3;
  for (int i = 0; i < count; ++i) {
    if (keep[i] < 0)
      continue; // an unused slot (no netns fd with share_net); as unsigned it would close all
    unsigned fd = static_cast<unsigned>(keep[i]);
    if (fd < from)
      continue;
    if (fd > from && ::syscall(SYS_close_range, from, fd - 1, 0) != 0)
      return false;
    from = fd + 1;
  }
  return ::syscall(SYS_close_range, from, ~0U, 0) == 0;
}

void sort_small(int* fds, int count) {
  for (int i = 1; i < count; ++i)
    for (int j = i; j > 0 && fds[j - 1] > fds[j]; --j) {
      int t = fds[j];
      fds[j] = fds[j - 1];
      fds[j - 1] = t;
    }
}

int open_at_box(const char* path, int flags) {
  return ::open(path, flags | O_CLOEXEC, 0644);
}

// Moves `fd` onto `target` (dup2 clears close-on-exec on the copy).
bool install_fd(int fd, int target) {
  if (fd == target) {
    int flags = ::fcntl(fd, F_GETFD);
    return flags >= 0 && ::fcntl(fd, F_SETFD, flags & ~FD_CLOEXEC) == 0;
  }
  if (::dup2(fd, target) < 0)
    return false;
  ::close(fd);
  return true;
}

std::uint64_t own_cpu_ns() {
  struct timespec ts;
  if (::clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts) != 0)
    return 0;
  return static_cast<std::uint64_t>(ts.tv_sec) * 1000000000ULL +
         static_cast<std::uint64_t>(ts.tv_nsec);
}

// PID 2: drop to the box user, apply limits and seccomp, wait for the host's start signal, then
// wire stdio and exec. Redirections are opened only after the start, so files the caller puts in
// the box after preparing the run are seen.
[[noreturn]] void start_program(const child_plan& plan) {
  // Signals the host ignored or blocked would stay so across exec; the program gets defaults.
  for (int sig = 1; sig < NSIG; ++sig)
    if (sig != SIGKILL && sig != SIGSTOP)
      ::signal(sig, SIG_DFL);
  sigset_t none;
  ::sigemptyset(&none);
  ::sigprocmask(SIG_SETMASK, &none, nullptr);
  ::setsid();
  for (std::size_t i = 0; i < plan.rlimit_count; ++i)
    if (::syscall(SYS_prlimit64, 0, plan.rlimits[i].resource, &plan.rlimits[i].value,
                  nullptr) != 0)
      fail(plan, child_step::set_rlimit, static_cast<std::uint32_t>(i));
  // Empty the bounding set too, so nothing (not even a setuid binary) can bring a capability back.
  for (int cap = 0; cap < 64; ++cap)
    if (::prctl(PR_CAPBSET_DROP, cap, 0, 0, 0) != 0 && errno != EINVAL)
      fail(plan, child_step::drop_capabilities, static_cast<std::uint32_t>(cap));
  // Still root: back to the host's priority (raising it needs the privilege dropped below).
  if (plan.renice && ::setpriority(PRIO_PROCESS, 0, plan.run_nice) != 0)
    fail(plan, child_step::set_priority);
  if (::syscall(SYS_setgroups, 0, nullptr) != 0)
    fail(plan, child_step::drop_groups);
  if (::syscall(SYS_setresgid, plan.gid, plan.gid, plan.gid) != 0)
    fail(plan, child_step::set_gid);
  // From root to a non-zero uid: the kernel clears every capability set.
  if (::syscall(SYS_setresuid, plan.uid, plan.uid, plan.uid) != 0)
    fail(plan, child_step::set_uid);
  if (::prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0)
    fail(plan, child_step::no_new_privs);
  if (plan.seccomp &&
      ::syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, 0, plan.seccomp) != 0)
    fail(plan, child_step::load_seccomp);

  // Everything so far was done ahead of time (a prepared run); from here on the host counts.
  // EOF means the host dropped the run: leave quietly.
  char go = 0;
  ssize_t got;
  do
    got = ::read(plan.start_fd, &go, 1);
  while (got < 0 && errno == EINTR);
  if (got == 0)
    ::_exit(0);
  if (got != 1)
    fail(plan, child_step::wait_for_start);
  ::close(plan.start_fd);
  // The program's run starts here, for the wall clock; its CPU so far was set-up.
  init_report started;
  started.kind = report_started;
  started.at_ns = monotonic_ns();
  started.setup_cpu_ns = own_cpu_ns();
  (void) !::write(plan.report_fd, &started, sizeof started);
  ::close(plan.report_fd);

  ::umask(022);
  if (::chdir(plan.work_dir) != 0)
    fail(plan, child_step::change_dir);

  // Redirections are opened as the box user inside the new root, so a symlink planted in the box
  // can only point at what the program could open itself.
  if (plan.stdin_path) {
    int fd = open_at_box(plan.stdin_path, O_RDONLY | O_NONBLOCK);
    if (fd < 0 || ::fcntl(fd, F_SETFL, 0) != 0 || !install_fd(fd, 0))
      fail(plan, child_step::open_stdin);
  }
  if (plan.stdout_path) {
    int fd = open_at_box(plan.stdout_path, O_WRONLY | O_CREAT | O_TRUNC | O_NONBLOCK);
    if (fd < 0 || ::fcntl(fd, F_SETFL, 0) != 0 || !install_fd(fd, 1))
      fail(plan, child_step::open_stdout);
  }
  if (plan.stderr_to_stdout) {
    if (::dup2(1, 2) < 0)
      fail(plan, child_step::open_stderr);
  } else if (plan.stderr_path) {
    int fd = open_at_box(plan.stderr_path, O_WRONLY | O_CREAT | O_TRUNC | O_NONBLOCK);
    if (fd < 0 || ::fcntl(fd, F_SETFL, 0) != 0 || !install_fd(fd, 2))
      fail(plan, child_step::open_stderr);
  }

  for (std::size_t i = 0; i < plan.exec_count; ++i) {
    ::execve(plan.exec_paths[i], plan.argv, plan.envp);
    // Keep searching only past names that are not there, like execvp.
    if (errno != ENOENT && errno != ENOTDIR)
      break;
  }
  fail(plan, child_step::exec);
}

int start_program_entry(void* plan) {
  start_program(*static_cast<const child_plan*>(plan));
}

// The init is a copy of the host: blank the host's command line and environment in this copy
// and rename it, so /proc/1/{cmdline,environ,comm,status} inside the box show nothing of the host.
void hide_host_identity(const child_plan& plan) {
  static const char name[] = "box-init";
  for (std::size_t i = 0; plan.host_args && i < plan.host_args_size; ++i)
    plan.host_args[i] = i + 1 < sizeof name && i + 1 < plan.host_args_size ? name[i] : '\0';
  for (std::size_t i = 0; plan.host_env && i < plan.host_env_size; ++i)
    plan.host_env[i] = '\0';
  (void) ::prctl(PR_SET_NAME, name, 0, 0, 0);
}

// After the program ended: kill whatever it left behind in the namespace and reap it all, so
// "ended" also means "the box is empty". kill(-1) from the namespace's init reaches every other
// process in it, and a fork racing with it either completes first (and is killed) or fails.
void empty_namespace() {
  ::kill(-1, SIGKILL);
  for (;;) {
    pid_t pid = ::wait4(-1, nullptr, __WALL, nullptr);
    if (pid < 0 && errno != EINTR)
      return; // ECHILD: nothing left
  }
}


// Starts the program of `plan` (already in the run's cgroups), reports "ready", waits for its
// end, empties the namespace and reports "ended"; the CPU figures are this process's since
// `cpu_base` (its CPU when the run began). Returns with the priority lowered again.
void run_program(const child_plan& plan, std::uint64_t cpu_base, unsigned long extra_flags = 0) {
  // clone, not fork(): glibc's fork runs atfork handlers and takes locks the copied host may
  // hold. CLONE_VM: the program shares this memory until its exec (on its own stack from the
  // plan) instead of copying the page tables of the whole host once more; until then it only
  // reads the plan and makes raw calls, and neither process writes what the other uses (their
  // descriptor tables, signal handlers and credentials stay separate).
  int program = ::clone(start_program_entry, plan.program_stack_top, CLONE_VM | SIGCHLD | extra_flags,
                        const_cast<child_plan*>(&plan));
  if (program < 0)
    fail(plan, child_step::fork_program);

  // From here on this process only waits for the program, whose end is on the host's path.
  if (plan.renice && ::setpriority(PRIO_PROCESS, 0, plan.run_nice) != 0)
    fail(plan, child_step::set_priority);
  ::close(plan.failure_fd);
  ::close(plan.start_fd);
  init_report ready;
  ready.kind = report_ready;
  ready.setup_cpu_ns = own_cpu_ns() - cpu_base;
  (void) !::write(plan.report_fd, &ready, sizeof ready);

  // Reap everything; when the program itself ends, empty the namespace and report.
  for (;;) {
    int status = 0;
    struct rusage usage {};
    pid_t pid = ::wait4(-1, &status, __WALL, &usage);
    if (pid < 0) {
      if (errno == EINTR)
        continue;
      ::_exit(126); // no children left without seeing the program: cannot happen
    }
    if (pid != program)
      continue;
    const std::uint64_t ended_at = monotonic_ns();
    empty_namespace();
    init_report ended;
    ended.kind = report_ended;
    ended.wait_status = status;
    ended.at_ns = ended_at;
    ended.setup_cpu_ns = own_cpu_ns() - cpu_base; // the init's whole CPU: the host subtracts it
    ended.max_rss_kib = usage.ru_maxrss;
    ended.csw_voluntary = usage.ru_nvcsw;
    ended.csw_forced = usage.ru_nivcsw;
    (void) !::write(plan.report_fd, &ended, sizeof ended);
    ::close(plan.report_fd);
    // What follows (the namespaces' teardown, or a reused init's clean-up and its next set-up)
    // must not take the CPU from the program that runs next; the host waits for the clean-up
    // in its preparation, off that program's path (box_runtime::take_idle).
    if (plan.renice)
      (void) ::setpriority(PRIO_PROCESS, 0, plan.setup_nice);
    return;
  }
}

// Removes everything below the directory `dir` (as root, so modes do not matter); false when it
// cannot, when the tree nests deeper than any path a program could use, or when a directory is
// on another filesystem than `device` (a mount the clean-up must never enter).
bool empty_directory(int dir, dev_t device, int depth) {
  struct stat st {};
  if (depth > 128 || ::fstat(dir, &st) != 0 || st.st_dev != device)
    return false;
  alignas(8) char buffer[2048];
  for (;;) {
    if (::lseek(dir, 0, SEEK_SET) != 0)
      return false;
    long n = ::syscall(SYS_getdents64, dir, buffer, sizeof buffer);
    if (n < 0)
      return false;
    bool seen = false;
    for (long at = 0; at < n;) {
      struct entry_header {
        std::uint64_t inode;
        std::int64_t offset;
        unsigned short length;
        unsigned char type;
        char name[1];
      };
      const auto* entry = reinterpret_cast<const entry_header*>(buffer + at);
      at += entry->length;
      const char* name = entry->name;
      if (name[0] == '.' && (name[1] == '\0' || (name[1] == '.' && name[2] == '\0')))
        continue;
      seen = true;
      if (::unlinkat(dir, name, 0) == 0)
        continue;
      if (errno != EISDIR)
        return false;
      int child = ::openat(dir, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
      if (child < 0)
        return false;
      bool emptied = empty_directory(child, device, depth + 1);
      ::close(child);
      if (!emptied || ::unlinkat(dir, name, AT_REMOVEDIR) != 0)
        return false;
    }
    if (!seen)
      return true;
  }
}

// Empties the writable tmpfs of the box (/tmp, /dev/shm: the plan's tmpfs mounts but the
// read-only root and /dev; the host reuses no init whose rules add others or mount anything
// below these), so a further run finds them as a first run does. They are opened by path, which
// the program cannot change: the root and /dev are read-only.
bool empty_box_tmpfs(const child_plan& plan) {
  const std::size_t root_length = __builtin_strlen(plan.new_root);
  for (std::size_t i = 0; i < plan.mount_count; ++i) {
    const mount_op& op = plan.mounts[i];
    if (op.kind != mount_kind::filesystem || !op.source || __builtin_strcmp(op.source, "tmpfs") != 0)
      continue;
    const char* inside = op.target + root_length; // the target as seen after the pivot
    if (inside[0] == '\0' || __builtin_strcmp(inside, "/dev") == 0)
      continue;
    int dir = ::open(inside, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    struct stat st {};
    if (dir < 0 || ::fstat(dir, &st) != 0) {
      if (dir >= 0)
        ::close(dir);
      return false;
    }
    bool emptied = empty_directory(dir, st.st_dev, 0);
    ::close(dir);
    if (!emptied)
      return false;
  }
  return true;
}

// After the first run: clean up, then serve the host's next runs until it closes the socket.
// This part allocates (decoding the request, rebuilding the program's part of the plan), which
// is safe only because the init is a copy of the single-threaded launcher (control_fd is only
// set there); the root, the namespaces and the program's stack stay those of the first plan.
[[noreturn]] void serve_further_runs(const child_plan& first) {
  const int control = first.control_fd;
  std::unique_ptr<char[]> buffer{new char[max_launch_request_bytes]};
  for (;;) {
    char byte = 0;
    long got;
    do
      got = ::read(control, &byte, 1);
    while (got < 0 && errno == EINTR);
    if (got != 1 || byte != control_read_done || !empty_box_tmpfs(first))
      ::_exit(0);
    if (::write(control, &control_clean, 1) != 1)
      ::_exit(0);

    // From here on this run's CPU (v2: the host may have moved this process into its group).
    const std::uint64_t cpu_base = own_cpu_ns();
    int fds[max_next_run_fds];
    std::size_t fd_count = 0;
    bool truncated = false;
    got = receive_with_fds(control, buffer.get(), max_launch_request_bytes, fds, max_next_run_fds, fd_count,
                           truncated);
    if (got <= 0 || truncated || fd_count < 3)
      ::_exit(0);
    plan_storage next;
    next.plan = first;
    child_plan& plan = next.plan;
    plan.failure_fd = fds[0];
    plan.report_fd = fds[1];
    plan.start_fd = fds[2];
    plan.release_fd = -1;
    bool built = false;
    try {
      auto request = decode_launch_request({buffer.get(), static_cast<std::size_t>(got)});
      built = request && add_program(next, request.value().box, request.value().options);
    } catch (...) { // std::bad_alloc: nothing to do but report
    }
    if (!built) {
      errno = EINVAL;
      fail(plan, child_step::receive_next_run);
    }
    for (std::size_t i = 3; i < fd_count; ++i) {
      if (::write(fds[i], "0", 1) != 1)
        fail(plan, child_step::join_cgroups, static_cast<std::uint32_t>(i - 3));
      ::close(fds[i]);
    }
    // The program is PID 2 again, as in a fresh box (the last run's processes are all gone);
    // best effort.
    if (int last_pid = ::open("/proc/sys/kernel/ns_last_pid", O_WRONLY | O_CLOEXEC); last_pid >= 0) {
      (void) !::write(last_pid, "1", 1);
      ::close(last_pid);
    }
    run_program(plan, cpu_base, CLONE_NEWIPC);
  }
}
} // namespace

void inside_box_init(const child_plan& plan) {
  int keep[6 + max_join_fds] = {plan.release_fd, plan.failure_fd, plan.report_fd, plan.netns_fd,
                                 plan.start_fd,   plan.control_fd};
  int kept = 6;
  for (std::size_t i = 0; i < plan.join_count && i < max_join_fds; ++i)
    keep[kept++] = plan.join_fds[i];
  sort_small(keep, kept);
  if (!close_other_fds(keep, kept))
    fail(plan, child_step::close_fds);
  hide_host_identity(plan);
  // Into the box's cgroups first, so everything below is charged there.
  for (std::size_t i = 0; i < plan.join_count; ++i) {
    if (::write(plan.join_fds[i], "0", 1) != 1)
      fail(plan, child_step::join_cgroups, static_cast<std::uint32_t>(i));
    ::close(plan.join_fds[i]);
  }

  if (::prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0) != 0)
    fail(plan, child_step::die_with_parent);
  if (plan.netns_fd >= 0) {
    if (::setns(plan.netns_fd, CLONE_NEWNET) != 0)
      fail(plan, child_step::enter_netns);
    ::close(plan.netns_fd);
  }
  ::umask(0); // device nodes and mount points get exactly the modes in the plan
  if (::sethostname(plan.hostname, __builtin_strlen(plan.hostname)) != 0)
    fail(plan, child_step::set_hostname);
  // Nothing we mount may propagate back to the host.
  if (::mount(nullptr, "/", nullptr, MS_REC | MS_PRIVATE, nullptr) != 0)
    fail(plan, child_step::make_mounts_private);
  for (std::size_t i = 0; i < plan.mount_count; ++i)
    if (!run_mount(plan.mounts[i]))
      fail(plan, child_step::mount, static_cast<std::uint32_t>(i));

  if (::chdir(plan.new_root) != 0 || ::mkdir(plan.old_root, 0700) != 0 ||
      ::syscall(SYS_pivot_root, ".", ".old_root") != 0 || ::chdir("/") != 0)
    fail(plan, child_step::pivot_root);
  if (::umount2("/.old_root", MNT_DETACH) != 0 || ::rmdir("/.old_root") != 0)
    fail(plan, child_step::detach_old_root);
  if (::mount(nullptr, "/", nullptr, MS_REMOUNT | MS_BIND | MS_RDONLY | MS_NOSUID | MS_NODEV,
              nullptr) != 0)
    fail(plan, child_step::remount_root_read_only);

  // Only now wait until the host has put us into the box's cgroups (EOF: the host gave up). The
  // root is built meanwhile: moving a process into a v1 cgroup can wait for an RCU grace period
  // (milliseconds on a busy machine), and only the program needs the limits and accounting, so
  // it must be forked after the move, not the root.
  char go = 0;
  ssize_t got;
  do
    got = ::read(plan.release_fd, &go, 1);
  while (got < 0 && errno == EINTR);
  if (got != 1)
    fail(plan, child_step::wait_for_release);
  ::close(plan.release_fd);

  // Blocked for good: with it blocked, the signal that says the host has read the cgroup
  // reaches the namespace's init although it has no handler (see finish_run).
  sigset_t read_done;
  ::sigemptyset(&read_done);
  ::sigaddset(&read_done, SIGUSR1);
  ::sigprocmask(SIG_BLOCK, &read_done, nullptr);
  // An init that may serve further runs gives each program a fresh IPC namespace (its own
  // outlives them): nothing System V or POSIX-queue one run makes reaches, or stays for, the next.
  run_program(plan, 0, plan.control_fd >= 0 ? CLONE_NEWIPC : 0);
  if (plan.control_fd >= 0)
    serve_further_runs(plan);
  // The init's exit tears down its namespaces, which is charged to the cgroup: wait until the
  // host has read the cgroup (it sends SIGUSR1; SIGKILL when it retires the box, or when it
  // dies).
  int sig = 0;
  (void) ::sigwait(&read_done, &sig);
  ::_exit(0);
}

long clone_box_init(const child_plan& plan, int& pidfd) {
  const unsigned long flags =
      CLONE_NEWPID | CLONE_NEWNS | CLONE_NEWIPC | CLONE_NEWUTS | CLONE_PIDFD | SIGCHLD;
  int fd = -1;
  // A raw clone behaves like fork here (no new stack) but skips glibc's atfork machinery; the
  // kernel stores the pidfd in `fd` (the parent's copy only).
  long pid = ::syscall(SYS_clone, flags, nullptr, &fd, nullptr, 0);
  if (pid == 0)
    inside_box_init(plan);
  if (pid < 0)
    return -errno;
  pidfd = fd;
  return pid;
}

std::string_view to_string(child_step step) {
  switch (step) {
    case child_step::wait_for_release: return "wait for release";
    case child_step::die_with_parent: return "set parent-death signal";
    case child_step::join_cgroups: return "join cgroups";
    case child_step::enter_netns: return "enter network namespace";
    case child_step::set_hostname: return "set hostname";
    case child_step::make_mounts_private: return "make mounts private";
    case child_step::mount: return "mount";
    case child_step::pivot_root: return "pivot_root";
    case child_step::detach_old_root: return "detach old root";
    case child_step::remount_root_read_only: return "remount root read-only";
    case child_step::fork_program: return "fork program";
    case child_step::close_fds: return "close inherited descriptors";
    case child_step::set_rlimit: return "set rlimit";
    case child_step::drop_capabilities: return "drop capability bounding set";
    case child_step::drop_groups: return "drop supplementary groups";
    case child_step::set_priority: return "set priority";
    case child_step::receive_next_run: return "receive the next run";
    case child_step::set_gid: return "set gid";
    case child_step::set_uid: return "set uid";
    case child_step::change_dir: return "change directory";
    case child_step::open_stdin: return "open stdin";
    case child_step::open_stdout: return "open stdout";
    case child_step::open_stderr: return "open stderr";
    case child_step::no_new_privs: return "set no_new_privs";
    case child_step::load_seccomp: return "load seccomp filter";
    case child_step::wait_for_start: return "wait for start";
    case child_step::exec: return "execute program";
  }
  return "unknown step";
}

std::string_view to_string(mount_kind kind) {
  switch (kind) {
    case mount_kind::make_dir: return "mkdir";
    case mount_kind::make_file: return "create file";
    case mount_kind::bind: return "bind";
    case mount_kind::remount: return "remount";
    case mount_kind::filesystem: return "mount filesystem";
    case mount_kind::device: return "mknod";
    case mount_kind::symlink: return "symlink";
  }
  return "unknown";
}

} // namespace recodex::sandbox::detail
