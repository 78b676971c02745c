// The sandbox room's door: lease a box, run one untrusted program in it, get an isolate-style
// result. Everything behind this header (namespaces, pivot_root, cgroups, seccomp, rlimits, the
// init process) is private to the room. Verdicts are data; `result` errors mean the caller got
// something wrong before anything ran (a bad option, no free box).
#pragma once

#include "messages/result.hpp"
#include "sandbox/dir_rule.hpp"
#include "sandbox/fwd.hpp"
#include "sandbox/status.hpp"

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace recodex::sandbox {

class prepared_run;

namespace detail {
struct box_runtime;
struct prepared_state;
box_runtime& runtime_of(const box& b);
// prepare() and the cold run(box, options) share it; `eager` starts the program unprompted.
result<prepared_run> prepare_run(const box& b, const run_options& options, bool eager);
} // namespace detail

// Where boxes keep their lock files and staging roots, and which ids and uids they take.
struct box_config {
  std::string state_dir = "/run/recodex-sandbox";
  int box_count = 1000;       // ids 0..box_count-1
  int first_uid = 60000;      // box N runs as uid/gid first_uid + N, as isolate does
  std::string cgroup_parent = "recodex-sandbox"; // below each controller's root
};

// A leased box: an id held by an exclusive lock (several worker slots can run in parallel, each
// in its own box), the box's unprivileged uid/gid, and its private state directory. Move-only;
// the lock is released when it is destroyed. A box is used by one thread at a time; it also keeps
// what a finished run left to clean up (its init's exit, its cgroup), done at the next run or on
// destruction, off the path of the run that produced it.
class box {
public:
  box(box&&) noexcept;
  box& operator=(box&&) noexcept;
  ~box();

  int id() const { return id_; }
  unsigned uid() const { return uid_; }
  unsigned gid() const { return gid_; }
  const std::string& state_dir() const { return state_dir_; } // e.g. /run/recodex-sandbox/box-3
  const box_config& config() const { return config_; }

private:
  friend result<box> acquire_box(const box_config&, std::optional<int>);
  box(box_config config, int id, int lock_fd);

  box_config config_;
  int id_ = -1;
  unsigned uid_ = 0;
  unsigned gid_ = 0;
  int lock_fd_ = -1;
  std::string state_dir_;
  // Host-side state that runs change through a `const box&` (the box stays leased meanwhile).
  std::unique_ptr<detail::box_runtime> runtime_;
  friend detail::box_runtime& detail::runtime_of(const box& b);
};

// Leases box `id`, or the first free one when no id is given. Fails with `conflict` when the box
// (or every box) is in use by another holder, in this process or another.
result<box> acquire_box(const box_config& config = {}, std::optional<int> id = std::nullopt);

struct run_options {
  std::string box_dir;                 // host directory mounted read-write at /box
  std::vector<std::string> argv;       // argv[0] is the program: a path or a name searched in PATH

  double time_s = 0;       // CPU time limit (0 = none)
  double wall_time_s = 0;  // wall-clock limit (0 = none)
  double extra_time_s = 0; // grace before killing; exceeding time_s is still TO
  std::uint64_t memory_kib = 0;   // cgroup memory limit (0 = none)
  std::uint64_t stack_kib = 0;    // RLIMIT_STACK (0 = inherited)
  std::uint64_t fsize_kib = 0;    // RLIMIT_FSIZE (0 = inherited)
  std::uint64_t as_kib = 0;       // RLIMIT_AS (0 = none)
  unsigned open_files = 64;       // RLIMIT_NOFILE
  std::optional<unsigned> processes = 1; // pids limit for the program; nullopt = unlimited
  std::uint64_t tmp_kib = 65536;  // size of the private /tmp, and of the private /dev/shm

  std::string stdin_path;   // inside paths; relative ones are relative to /box; empty = inherit
  std::string stdout_path;
  std::string stderr_path;
  bool stderr_to_stdout = false;
  std::string chdir = "/box";

  // KEY=VALUE pairs; the environment starts empty apart from LIBC_FATAL_STDERR_=1 and a default
  // PATH (overridden by an explicit PATH).
  std::vector<std::pair<std::string, std::string>> env;
  std::vector<dir_rule> dirs; // applied after the default root, replacing rules with the same inside path
  bool share_net = false;
  // The box directory is handed to the box user for the run and, by default, given back to its
  // owner afterwards. A caller that runs many programs over one directory (the worker, for the
  // tasks of a job) may keep it handed over: the next run then only hands over what appeared
  // meanwhile. Nothing of the box runs between runs, so its user can do nothing with it then.
  bool give_back_box_dir = true;
};

struct run_result {
  status result = status::internal_error;
  double time_s = 0;      // CPU seconds from cgroup accounting
  double wall_time_s = 0;
  std::uint64_t memory_kib = 0;  // cgroup peak (cg-mem)
  std::uint64_t max_rss_kib = 0;
  bool exited = false;
  int exitcode = 0;
  int exitsig = 0;
  bool killed = false;
  bool oom_killed = false;       // cg-oom-killed
  std::string message;
  std::uint64_t csw_voluntary = 0;
  std::uint64_t csw_forced = 0;
};

// Runs one program in `b`: prepare() then run() below. Verdicts (including XX, "we failed") are
// in the run_result; an error means the options were unusable and nothing was started.
result<run_result> run(const box& b, const run_options& options);

// A run made ready ahead of time (the "warm box"): the box's cgroups exist with the run's limits,
// the init sits in fresh namespaces with the root built and pivoted, and the program is forked
// as the box user with its rlimits and seccomp filter, waiting just before it opens its stdio and
// execs. run() then only starts it, so the set-up is paid while the caller does other work.
// Files put into the box directory after prepare() are seen by the program (stdio is opened and
// the directory handed to the box user at start). At most one per box; the box must outlive it
// (it may be moved meanwhile). The prepared init dies with the thread that called prepare()
// (PR_SET_PDEATHSIG), so a pool prepares and runs on the same worker thread; a box that died
// early comes back from run() as XX. Destroying it unused kills the prepared box. Environment
// failures surface as XX from run().
class prepared_run {
public:
  prepared_run(prepared_run&&) noexcept;
  prepared_run& operator=(prepared_run&&) noexcept;
  ~prepared_run();

private:
  friend result<prepared_run> detail::prepare_run(const box&, const run_options&, bool);
  friend result<run_result> run(prepared_run&&, const std::function<void()>&);
  explicit prepared_run(std::unique_ptr<detail::prepared_state> state);
  std::unique_ptr<detail::prepared_state> state_;
};

// Fails like run(), and with `conflict` when `b` already has a prepared run.
result<prepared_run> prepare(const box& b, const run_options& options);
result<run_result> run(prepared_run&& prepared);
// The same; `once_started` is called on this thread right after the program was told to start
// (not when the run failed before that), while it runs: a caller that prepares its next run on
// another thread wakes that thread there, so the wake-up does not delay this start.
result<run_result> run(prepared_run&& prepared, const std::function<void()>& once_started);

// Starts this process's box launcher: a small helper process that clones every box init from
// then on (see box_launcher.hpp). A long-running host with threads and tens of MB (the worker,
// the embedded system) calls it first thing in main, before it starts threads; a box then costs
// the host no page-table copy and no copy-on-write faults. The launcher is its own executable
// (`executable`, by default default_box_launcher_executable()), forked and exec'd, so an init
// copies only that small static image, not the host's hundreds of mappings. Fails when it
// cannot be started (missing executable...); without it, or after it has gone, inits are cloned
// from the calling process. Calling it again once it runs is a no-op.
inline constexpr char box_launcher_name[] = "recodex-box-launcher";
result<void> start_box_launcher(const std::string& executable = {});
// recodex-box-launcher in the directory of this process's executable (the build tree's bin/ and
// an installation keep them together); empty when that cannot be told.
std::string default_box_launcher_executable();

// One line per host feature the sandbox needs, for `recodex-sandbox --check`.
struct host_check_item {
  std::string name;
  bool ok = false;
  std::string detail; // what was found, or what is missing and how to fix it
};
std::vector<host_check_item> check_host(const box_config& config = {});

} // namespace recodex::sandbox
