// The plan the host prepares before cloning the box and the child walks after it: plain arrays
// of C strings and numbers, owned by the host (which is blocked in run() until the box is gone),
// so the child never allocates, throws or logs. Failures come back as {step, index, errno}.
#pragma once

#include <sys/resource.h>
#include <sys/types.h>

#include <cstddef>
#include <cstdint>
#include <ctime>
#include <string_view>

struct sock_fprog;

namespace recodex::sandbox::detail {

// Where the child was when it failed; named in the XX message.
enum class child_step : std::uint32_t {
  wait_for_release,
  die_with_parent,
  join_cgroups,      // index = position in child_plan::join_fds
  enter_netns,
  set_hostname,
  make_mounts_private,
  mount,            // index = position in child_plan::mounts
  pivot_root,
  detach_old_root,
  remount_root_read_only,
  fork_program,
  close_fds,
  set_rlimit,       // index = position in child_plan::rlimits
  drop_capabilities, // index = the capability
  drop_groups,
  set_gid,
  set_uid,
  change_dir,
  open_stdin,
  open_stdout,
  open_stderr,
  no_new_privs,
  load_seccomp,
  wait_for_start,
  exec,
  set_priority,
  receive_next_run, // a reused init could not use the host's request for its next run
};
std::string_view to_string(child_step step);

struct child_failure {
  std::uint32_t step = 0;
  std::uint32_t index = 0;
  std::int32_t err = 0;
};

enum class mount_kind : std::uint8_t {
  make_dir,   // mkdir target (an existing one is fine)
  make_file,  // create an empty file to bind a file onto
  bind,       // bind source onto target (flags may add MS_REC)
  remount,    // change a bind's flags (read-only, nosuid, nodev, noexec)
  filesystem, // mount a fresh filesystem of type `source` (tmpfs, proc) with `data`
  device,     // mknod target as a character device
  symlink,    // target -> source
};
std::string_view to_string(mount_kind kind);

struct mount_op {
  mount_kind kind = mount_kind::make_dir;
  const char* source = nullptr;
  const char* target = nullptr; // an absolute host path below the staging root
  unsigned long flags = 0;
  const char* data = nullptr;
  unsigned mode = 0;
  unsigned long long device = 0;
};

struct rlimit_op {
  int resource = 0;
  struct rlimit value {};
};

// What the box tells the host through the report pipe. The init sends "ready" and, once the
// program ended, "ended"; the program itself sends "started" right after the host's start byte,
// just before it opens its stdio and execs (it closes its end of the pipe then, and the program
// never holds it after exec). The times are CLOCK_MONOTONIC, which the box shares with the host
// (no time namespace): the wall time runs from "started" to "ended", however late the host reads
// them. "Ended" is only sent once everything else in the box is dead and reaped, so the host may
// trust it as "the box is empty" without waiting for the init's own exit (its namespace teardown).
struct init_report {
  std::uint32_t kind = 0;       // report_ready, report_ended or report_started
  std::int32_t wait_status = 0; // ended
  // ready: CPU the init spent on set-up; started: CPU the program spent on its own set-up before
  // the start byte; ended: the init's CPU so far, its reaping and clean-up included. All of it is
  // charged to the cgroup and none of it is the program's: the host subtracts it.
  std::uint64_t setup_cpu_ns = 0;
  std::int64_t max_rss_kib = 0;  // ended: from the program's rusage
  std::int64_t csw_voluntary = 0;
  std::int64_t csw_forced = 0;
  std::uint64_t at_ns = 0; // CLOCK_MONOTONIC when it happened (started: the program's start;
                           // ended: the init reaped the program)
};
constexpr std::uint32_t report_ready = 1;
constexpr std::uint32_t report_ended = 2;
constexpr std::uint32_t report_started = 3;

// CLOCK_MONOTONIC in ns: async-signal-safe and allocation-free, so the child may take it.
inline std::uint64_t monotonic_ns() {
  struct timespec ts;
  if (::clock_gettime(CLOCK_MONOTONIC, &ts) != 0)
    return 0;
  return static_cast<std::uint64_t>(ts.tv_sec) * 1000000000ULL +
         static_cast<std::uint64_t>(ts.tv_nsec);
}

constexpr std::size_t max_join_fds = 4;

// The reuse protocol on the control socket (SOCK_SEQPACKET, a message per step). A run ended
// ("ended" reported) -> host: control_read_done once it has read the run's cgroup (the init's
// clean-up must not be charged before that) -> init: empties the box's writable tmpfs (/tmp,
// /dev/shm, :tmp rules), answers control_clean -> host, at the next prepare() with the same
// root: the encoded launch_request, with the run's failure, report and start pipe ends and its
// cgroup join files attached -> init: joins the cgroups, starts the program (fresh IPC
// namespace), reports "ready" and later "ended" as for a first run. EOF at any step: the init
// exits. It exits too when its clean-up fails, so the host never reuses a box it could not clean.
constexpr char control_read_done = 'R';
constexpr char control_clean = 'C';
constexpr std::size_t max_next_run_fds = 3 + max_join_fds;

struct child_plan {
  int release_fd = -1; // host -> init: one byte once the init sits in its cgroups (or, with
                       // join_fds, once the host is committed); the init builds the root
                       // meanwhile and forks the program only after it
  int failure_fd = -1; // child -> host: child_failure records; close-on-exec, so EOF = exec'd
  int report_fd = -1;  // init, program -> host: init_report records
  int start_fd = -1;   // host -> program: one byte lets it open its stdio and exec
  // The box's cgroup `tasks` files (v1), opened by the host: the init writes "0" to each to move
  // itself in, which skips the global lock a move by the host takes. None: the host moves it.
  const int* join_fds = nullptr;
  std::size_t join_count = 0;
  int netns_fd = -1;   // the box's empty network namespace to enter; -1 = keep the host's
  // Priorities (nice values). The launcher builds boxes at the lowest priority, so that work
  // never delays a running program or the host's wake-ups; the init then waits for the program
  // (whose end it must see at once) and the program runs at `run_nice`, the priority the host
  // had; the init's exit (tearing down its namespaces) is at `setup_nice` again. Without
  // `renice` (cloned by the host itself) nothing changes.
  bool renice = false;
  int run_nice = 0;
  int setup_nice = 19;
  // The init's end of the host's control socket, or -1. With it the init outlives its first run
  // and serves further runs with the same root (see the reuse protocol below); only inits of
  // the box launcher get one: the reuse path allocates, which is safe in a copy of the
  // single-threaded launcher and not in a copy of a multithreaded host.
  int control_fd = -1;
  const char* hostname = "box";
  const char* new_root = nullptr;     // staging directory; a tmpfs is mounted on it
  const char* old_root = nullptr;     // new_root + "/.old_root", pivot_root's put_old
  const mount_op* mounts = nullptr;
  std::size_t mount_count = 0;
  const rlimit_op* rlimits = nullptr;
  std::size_t rlimit_count = 0;
  unsigned uid = 0;
  unsigned gid = 0;
  const char* work_dir = "/box";
  const char* stdin_path = nullptr; // null = inherit
  const char* stdout_path = nullptr;
  const char* stderr_path = nullptr;
  bool stderr_to_stdout = false;
  const sock_fprog* seccomp = nullptr;
  const char* const* exec_paths = nullptr; // candidates tried in order (a PATH search)
  std::size_t exec_count = 0;
  char* const* argv = nullptr;
  char* const* envp = nullptr;
  // The program's stack until it execs (its highest address, 16-byte aligned): the init starts
  // it with CLONE_VM, sharing the init's memory instead of copying the page tables of the whole
  // host (the init is a copy of it) a second time.
  char* program_stack_top = nullptr;
  // The host's own argv and environment strings (from /proc/self/stat): the init is a copy of
  // the host, so it blanks them in its copy, or /proc/1/cmdline would show the host's command.
  char* host_args = nullptr;
  std::size_t host_args_size = 0;
  char* host_env = nullptr;
  std::size_t host_env_size = 0;
};

// The box's init (PID 1 of the new namespaces). Never returns.
[[noreturn]] void inside_box_init(const child_plan& plan);

// Clones the box's init (fresh pid, mount, ipc and uts namespaces) from the calling process; the
// child runs inside_box_init(plan). Returns the init's pid with its pidfd (close-on-exec) in
// `pidfd`, or -errno.
long clone_box_init(const child_plan& plan, int& pidfd);

} // namespace recodex::sandbox::detail
