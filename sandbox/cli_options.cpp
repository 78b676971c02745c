// Parsing of recodex-sandbox's isolate-like options; errors name the option and the value.
#include "sandbox/cli_options.hpp"

#include <cerrno>
#include <cmath>
#include <cstdlib>

namespace recodex::sandbox {

std::string_view to_string(cli_action a) {
  switch (a) {
    case cli_action::run: return "run";
    case cli_action::help: return "help";
    case cli_action::check: return "check";
  }
  return "unknown";
}

namespace {

error bad(const std::string& option, const std::string& why) {
  return make_error(errc::invalid_argument, option + ": " + why);
}

result<double> seconds(const std::string& option, const std::string& value) {
  errno = 0;
  char* end = nullptr;
  double s = std::strtod(value.c_str(), &end);
  if (value.empty() || *end != '\0' || errno != 0 || !std::isfinite(s) || s < 0)
    return bad(option, "'" + value + "' is not a non-negative number of seconds");
  return s;
}

result<std::uint64_t> count(const std::string& option, const std::string& value) {
  errno = 0;
  char* end = nullptr;
  if (value.empty() || value.front() == '-')
    return bad(option, "'" + value + "' is not a non-negative integer");
  auto n = std::strtoull(value.c_str(), &end, 10);
  if (*end != '\0' || errno != 0)
    return bad(option, "'" + value + "' is not a non-negative integer");
  return static_cast<std::uint64_t>(n);
}

} // namespace

result<cli_request> parse_cli(const std::vector<std::string>& args, const env_lookup& lookup) {
  cli_request req;
  run_options& o = req.options;
  bool have_box = false;
  std::size_t i = 0;
  for (; i < args.size(); ++i) {
    const std::string& arg = args[i];
    if (arg == "--") {
      ++i;
      break;
    }
    if (arg.rfind("--", 0) != 0) // the program starts here when no "--" was given
      break;
    auto eq = arg.find('=');
    std::string name = arg.substr(0, eq);
    bool has_value = eq != std::string::npos;
    std::string value = has_value ? arg.substr(eq + 1) : "";
    auto need_value = [&]() -> result<void> {
      if (!has_value)
        return bad(name, "needs a value (" + name + "=...)");
      return ok();
    };
    auto no_value = [&]() -> result<void> {
      if (has_value)
        return bad(name, "takes no value");
      return ok();
    };

    if (name == "--help") {
      req.action = cli_action::help;
      return req;
    } else if (name == "--check") {
      req.action = cli_action::check;
    } else if (name == "--box") {
      RECODEX_TRY_VOID(need_value());
      if (value.empty())
        return bad(name, "empty directory");
      o.box_dir = value;
      have_box = true;
    } else if (name == "--box-id") {
      RECODEX_TRY_VOID(need_value());
      RECODEX_TRY(n, count(name, value));
      if (n > 1000000)
        return bad(name, "too large");
      req.box_id = static_cast<int>(n);
    } else if (name == "--time") {
      RECODEX_TRY_VOID(need_value());
      RECODEX_TRY(s, seconds(name, value));
      o.time_s = s;
    } else if (name == "--wall-time") {
      RECODEX_TRY_VOID(need_value());
      RECODEX_TRY(s, seconds(name, value));
      o.wall_time_s = s;
    } else if (name == "--extra-time") {
      RECODEX_TRY_VOID(need_value());
      RECODEX_TRY(s, seconds(name, value));
      o.extra_time_s = s;
    } else if (name == "--memory") {
      RECODEX_TRY_VOID(need_value());
      RECODEX_TRY(n, count(name, value));
      o.memory_kib = n;
    } else if (name == "--stack") {
      RECODEX_TRY_VOID(need_value());
      RECODEX_TRY(n, count(name, value));
      o.stack_kib = n;
    } else if (name == "--fsize") {
      RECODEX_TRY_VOID(need_value());
      RECODEX_TRY(n, count(name, value));
      o.fsize_kib = n;
    } else if (name == "--processes") {
      // isolate: without a value (or 0) any number of processes.
      if (!has_value) {
        o.processes.reset();
      } else {
        RECODEX_TRY(n, count(name, value));
        if (n > 1000000)
          return bad(name, "too large");
        if (n == 0)
          o.processes.reset();
        else
          o.processes = static_cast<unsigned>(n);
      }
    } else if (name == "--stdin" || name == "--stdout" || name == "--stderr" ||
               name == "--chdir") {
      RECODEX_TRY_VOID(need_value());
      if (value.empty())
        return bad(name, "empty path");
      (name == "--stdin"    ? o.stdin_path
       : name == "--stdout" ? o.stdout_path
       : name == "--stderr" ? o.stderr_path
                            : o.chdir) = value;
    } else if (name == "--stderr-to-stdout") {
      RECODEX_TRY_VOID(no_value());
      o.stderr_to_stdout = true;
    } else if (name == "--share-net") {
      RECODEX_TRY_VOID(no_value());
      o.share_net = true;
    } else if (name == "--dir") {
      RECODEX_TRY_VOID(need_value());
      RECODEX_TRY(rule, parse_dir_rule(value));
      o.dirs.push_back(std::move(rule));
    } else if (name == "--env") {
      RECODEX_TRY_VOID(need_value());
      auto sep = value.find('=');
      std::string key = value.substr(0, sep);
      if (key.empty())
        return bad(name, "empty variable name");
      if (sep != std::string::npos) {
        o.env.emplace_back(key, value.substr(sep + 1));
      } else if (auto inherited = lookup ? lookup(key) : std::nullopt) {
        o.env.emplace_back(key, *inherited);
      }
    } else if (name == "--meta") {
      RECODEX_TRY_VOID(need_value());
      if (value.empty())
        return bad(name, "empty path");
      req.meta_path = value;
    } else {
      return bad(name, "unknown option (see --help)");
    }
  }
  if (req.action == cli_action::check)
    return req;
  for (; i < args.size(); ++i)
    o.argv.push_back(args[i]);
  if (!have_box)
    return bad("--box", "is required");
  if (o.argv.empty())
    return make_error(errc::invalid_argument, "no program given (put it after --)");
  return req;
}

std::string cli_help() {
  return R"(recodex-sandbox: run one untrusted program in a box, isolate-style.

Usage:
  recodex-sandbox --box=<dir> [options] -- <program> [args...]
  recodex-sandbox --check     explain what this host lacks, then smoke-test a run
  recodex-sandbox --help

The program runs in new PID, mount, IPC, UTS and network namespaces, as an unprivileged
per-box uid (60000 + box id) with no capabilities and no_new_privs, under a seccomp deny-list,
inside a minimal root: read-only /usr (and the /bin, /lib, /lib64, /sbin links),
/etc/alternatives and /etc/ld.so.cache, <dir> read-write at /box, a private tmpfs /tmp,
a fresh /proc and a /dev with only null, zero, full, random, urandom and a private tmpfs
/dev/shm for POSIX shared memory (sized like /tmp; both count against --memory).

Options (sizes in KiB, times in seconds, fractions allowed):
  --box=<dir>          host directory mounted read-write at /box (required)
  --box-id=<n>         which box (lock, uid, cgroup) to use; default: the first free one
  --time=<s>           CPU-time limit, measured by the cgroup (all processes together)
  --wall-time=<s>      wall-clock limit
  --extra-time=<s>     grace before killing; going over --time is still TO
  --memory=<KiB>       memory limit (cgroup, swap included); OOM kills are reported
  --stack=<KiB>        stack limit (RLIMIT_STACK)
  --processes[=<n>]    at most n processes and threads (default 1; no value or 0 = no limit)
  --fsize=<KiB>        largest file the program may write (RLIMIT_FSIZE; SIGXFSZ beyond)
  --stdin=<file>       stdin from this file (paths are inside the box; relative = below /box)
  --stdout=<file>      stdout to this file
  --stderr=<file>      stderr to this file
  --stderr-to-stdout   stderr goes where stdout goes
  --chdir=<dir>        working directory inside the box (default /box)
  --dir=<rule>         extra directory: dst[=src][:rw][:noexec][:tmp][:maybe][:dev][:fs][:norec]
                       dst is inside the box, src on the host (default src = dst); read-only
                       unless :rw; :tmp = fresh tmpfs; :maybe = skip when src is missing;
                       :dev = allow device nodes; :fs = src names a filesystem type;
                       :norec = do not bind submounts. A rule replaces a default with the same dst.
  --env=<K>=<V>        set a variable; --env=<K> copies it from this environment. The
                       environment is otherwise empty apart from LIBC_FATAL_STDERR_=1 and
                       PATH=/usr/local/bin:/usr/bin:/bin
  --share-net          keep the host's network (no network namespace)
  --meta=<file>        write the results as key:value lines to <file> (default: stderr)

Results (meta keys): time, time-wall, max-rss, cg-mem, csw-voluntary, csw-forced, exitcode,
exitsig, killed, cg-oom-killed, and when not OK: status (RE non-zero exit, SG signal, TO time
limit, XX sandbox failure) and message ("Time limit exceeded", "Memory limit exceeded",
"Output limit exceeded", "Caught fatal signal N", "Exited with error status N", ...).

Exit status: 0 program finished OK, 1 program failed (RE, SG, TO), 2 sandbox error (XX) or
bad usage.
)";
}

} // namespace recodex::sandbox
