// Builds the child plan: default root (read-only /usr and the merged-/usr links, a small safe
// /etc subset, /box, private /tmp, fresh /proc, minimal /dev) plus the --dir rules, rlimits and
// the program's argv/envp.
#include "sandbox/host_plan.hpp"

#include "sandbox/sandbox.hpp"

#include <cerrno>
#include <climits>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <cmath>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

namespace recodex::sandbox::detail {

namespace {

class plan_builder {
public:
  plan_builder(plan_storage& store, std::string root) : store_(store), root_(std::move(root)) {
  }

  void op(mount_kind kind, const std::string& inside, const char* source = nullptr,
          unsigned long flags = 0, const char* data = nullptr, unsigned mode = 0755,
          unsigned long long device = 0) {
    mount_op m;
    m.kind = kind;
    m.target = store_.keep(root_ + inside);
    m.source = source;
    m.flags = flags;
    m.data = data;
    m.mode = mode;
    m.device = device;
    store_.mounts.push_back(m);
    std::string label{to_string(kind)};
    label += ' ';
    if (source) {
      label += source;
      label += " -> ";
    }
    label += inside;
    store_.mount_labels.push_back(std::move(label));
  }

  // mkdir -p of the parents of `inside` (the root tmpfs is writable until the pivot).
  void parents(const std::string& inside) {
    for (auto slash = inside.find('/', 1); slash != std::string::npos;
         slash = inside.find('/', slash + 1))
      op(mount_kind::make_dir, inside.substr(0, slash));
  }

  result<void> rule(const dir_rule& r, std::uint64_t tmp_kib) {
    unsigned long lock = MS_NOSUID | (r.devices ? 0 : MS_NODEV) | (r.no_exec ? MS_NOEXEC : 0);
    if (r.tmp) {
      parents(r.inside);
      op(mount_kind::make_dir, r.inside);
      op(mount_kind::filesystem, r.inside, "tmpfs", lock,
         store_.keep("mode=0777,size=" + std::to_string(tmp_kib) + "k"));
      return ok();
    }
    if (r.filesystem) {
      parents(r.inside);
      op(mount_kind::make_dir, r.inside);
      op(mount_kind::filesystem, r.inside, store_.keep(r.outside),
         lock | (r.read_write ? 0 : MS_RDONLY));
      return ok();
    }
    struct stat st {};
    if (::stat(r.outside.c_str(), &st) != 0) {
      if (r.maybe)
        return ok();
      return make_error(errc::invalid_argument,
                        "--dir " + to_string(r) + ": cannot use " + r.outside + ": " +
                            std::strerror(errno));
    }
    parents(r.inside);
    op(S_ISDIR(st.st_mode) ? mount_kind::make_dir : mount_kind::make_file, r.inside, nullptr, 0,
       nullptr, S_ISDIR(st.st_mode) ? 0755 : 0644);
    op(mount_kind::bind, r.inside, store_.keep(r.outside), r.no_recursion ? 0 : MS_REC);
    op(mount_kind::remount, r.inside, nullptr, lock | (r.read_write ? 0 : MS_RDONLY));
    return ok();
  }

private:
  plan_storage& store_;
  std::string root_;
};

std::string inside_path(const std::string& path) {
  if (path.empty() || path.front() == '/')
    return path;
  return "/box/" + path;
}

void add_rlimit(plan_storage& store, int resource, rlim_t soft, rlim_t hard) {
  // Without CAP_SYS_RESOURCE a hard limit can only go down: clamp to what we have.
  struct rlimit current {};
  ::getrlimit(static_cast<__rlimit_resource>(resource), &current);
  if (current.rlim_max != RLIM_INFINITY) {
    hard = hard == RLIM_INFINITY ? current.rlim_max : std::min(hard, current.rlim_max);
    soft = soft == RLIM_INFINITY ? hard : std::min(soft, hard);
  }
  rlimit_op op;
  op.resource = resource;
  op.value.rlim_cur = soft;
  op.value.rlim_max = hard;
  store.rlimits.push_back(op);
}

// Where this process's argv and environment strings live (/proc/self/stat fields 48-51), so the
// box's init can blank them in its copy. Read once; {nullptr, 0} when unavailable.
struct host_strings {
  char* args = nullptr;
  std::size_t args_size = 0;
  char* env = nullptr;
  std::size_t env_size = 0;
};

const host_strings& own_strings() {
  static const host_strings found = [] {
    host_strings h;
    std::FILE* f = std::fopen("/proc/self/stat", "re");
    if (!f)
      return h;
    char line[4096];
    bool got = std::fgets(line, sizeof line, f) != nullptr;
    std::fclose(f);
    const char* p = got ? std::strrchr(line, ')') : nullptr; // the name may hold spaces
    if (!p)
      return h;
    unsigned long long field[52] = {};
    int index = 2; // the token after ')' is field 3
    for (++p; *p && index < 51;) {
      while (*p == ' ')
        ++p;
      char* end = nullptr;
      auto value = std::strtoull(p, &end, 10);
      if (end == p) { // the state letter
        while (*p && *p != ' ')
          ++p;
        value = 0;
      } else {
        p = end;
      }
      field[++index] = value;
    }
    // The launcher runs with an empty environment: no env strings is fine, no args is not.
    if (index == 51 && field[49] > field[48] && field[51] >= field[50]) {
      h.args = reinterpret_cast<char*>(static_cast<std::uintptr_t>(field[48]));
      h.args_size = static_cast<std::size_t>(field[49] - field[48]);
      h.env = reinterpret_cast<char*>(static_cast<std::uintptr_t>(field[50]));
      h.env_size = static_cast<std::size_t>(field[51] - field[50]);
    }
    return h;
  }();
  return found;
}

} // namespace

result<std::unique_ptr<plan_storage>> build_plan(const box_identity& b,
                                                 const run_options& options) {
  if (options.argv.empty() || options.argv.front().empty())
    return make_error(errc::invalid_argument, "no program to run");
  struct stat box_st {};
  if (::stat(options.box_dir.c_str(), &box_st) != 0 || !S_ISDIR(box_st.st_mode))
    return make_error(errc::invalid_argument,
                      "box directory " + options.box_dir + " is not a directory");

  auto store = std::make_unique<plan_storage>();
  auto& s = *store;
  const std::string root = b.state_dir + "/root";
  plan_builder build{s, root};

  // The root itself: a tiny tmpfs holding only mount points, read-only after the pivot.
  build.op(mount_kind::filesystem, "", "tmpfs", MS_NOSUID | MS_NODEV, "size=1m,mode=0755");
  // The merged-/usr links (/bin -> usr/bin ...), or read-only binds where they are directories.
  std::vector<dir_rule> rules;
  for (const char* top : {"/bin", "/sbin", "/lib", "/lib64", "/lib32", "/libx32"}) {
    struct stat st {};
    if (::lstat(top, &st) != 0)
      continue;
    if (S_ISLNK(st.st_mode)) {
      char target[PATH_MAX];
      auto n = ::readlink(top, target, sizeof target - 1);
      if (n <= 0)
        continue;
      target[n] = '\0';
      // Relative, so nothing resolving through it before the pivot can reach the host's tree.
      const char* relative = target[0] == '/' ? target + 1 : target;
      build.op(mount_kind::symlink, top, s.keep(relative));
    } else if (S_ISDIR(st.st_mode)) {
      rules.push_back(dir_rule{top, top});
    }
  }
  rules.push_back(dir_rule{"/usr", "/usr"});
  // Only what compilers and interpreters need from /etc: the alternatives links and the
  // dynamic linker's cache. No passwd, shadow, hosts or anything naming the host.
  for (const char* etc : {"/etc/alternatives", "/etc/ld.so.cache"}) {
    dir_rule r{etc, etc};
    r.maybe = true;
    rules.push_back(r);
  }
  for (const auto& user : options.dirs) {
    bool replaced = false;
    for (auto& r : rules)
      if (r.inside == user.inside) {
        r = user;
        replaced = true;
      }
    if (!replaced)
      rules.push_back(user);
  }

  build.op(mount_kind::make_dir, "/box");
  build.op(mount_kind::bind, "/box", s.keep(options.box_dir), 0);
  build.op(mount_kind::remount, "/box", nullptr, MS_NOSUID | MS_NODEV);
  build.op(mount_kind::make_dir, "/tmp", nullptr, 0, nullptr, 01777);
  build.op(mount_kind::filesystem, "/tmp", "tmpfs", MS_NOSUID | MS_NODEV,
           s.keep("mode=1777,size=" + std::to_string(options.tmp_kib) + "k"));
  build.op(mount_kind::make_dir, "/proc", nullptr, 0, nullptr, 0555);
  build.op(mount_kind::filesystem, "/proc", "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC);
  build.op(mount_kind::make_dir, "/dev");
  build.op(mount_kind::filesystem, "/dev", "tmpfs", MS_NOSUID | MS_NOEXEC, "size=64k,mode=0755");
  struct device {
    const char* name;
    unsigned minor;
  };
  for (auto [name, minor] : {device{"null", 3}, device{"zero", 5}, device{"full", 7},
                             device{"random", 8}, device{"urandom", 9}})
    build.op(mount_kind::device, std::string{"/dev/"} + name, nullptr, 0, nullptr, 0666,
             makedev(1, minor));
  // POSIX shared memory and semaphores (Python's multiprocessing locks): a private tmpfs sized
  // like /tmp, whose pages count against the box's memory limit like /tmp's.
  build.op(mount_kind::make_dir, "/dev/shm", nullptr, 0, nullptr, 01777);
  build.op(mount_kind::filesystem, "/dev/shm", "tmpfs", MS_NOSUID | MS_NODEV | MS_NOEXEC,
           s.keep("mode=1777,size=" + std::to_string(options.tmp_kib) + "k"));
  build.op(mount_kind::symlink, "/dev/fd", "/proc/self/fd");
  build.op(mount_kind::symlink, "/dev/stdin", "/proc/self/fd/0");
  build.op(mount_kind::symlink, "/dev/stdout", "/proc/self/fd/1");
  build.op(mount_kind::symlink, "/dev/stderr", "/proc/self/fd/2");
  for (const auto& r : rules) {
    RECODEX_TRY_VOID(build.rule(r, options.tmp_kib));
  }
  build.op(mount_kind::remount, "/dev", nullptr, MS_RDONLY | MS_NOSUID | MS_NOEXEC);

  child_plan& p = s.plan;
  p.new_root = s.keep(root);
  p.old_root = s.keep(root + "/.old_root");
  p.mounts = s.mounts.data();
  p.mount_count = s.mounts.size();
  // Far more than start_program needs (a few hundred bytes of locals, no calls that recurse).
  // Not zeroed: zeroing would touch all 32 pages in the host (or launcher), and every page it
  // touches is copied again on write while an init shares it; the stack needs none of that.
  constexpr std::size_t program_stack_size = 128 * 1024;
  s.program_stack.reset(new char[program_stack_size]);
  auto top = reinterpret_cast<std::uintptr_t>(s.program_stack.get() + program_stack_size);
  p.program_stack_top = reinterpret_cast<char*>(top & ~std::uintptr_t{15});
  const auto& host = own_strings();
  p.host_args = host.args;
  p.host_args_size = host.args_size;
  p.host_env = host.env;
  p.host_env_size = host.env_size;
  RECODEX_TRY_VOID(add_program(s, b, options));
  return store;
}

result<void> add_program(plan_storage& s, const box_identity& b, const run_options& options) {
  if (options.argv.empty() || options.argv.front().empty())
    return make_error(errc::invalid_argument, "no program to run");
  // Limits. CPU is enforced precisely by the host from cgroup accounting; the rlimit is a
  // backstop a little above it (it only has whole seconds).
  add_rlimit(s, RLIMIT_CORE, 0, 0);
  add_rlimit(s, RLIMIT_NOFILE, options.open_files, options.open_files);
  if (options.stack_kib)
    add_rlimit(s, RLIMIT_STACK, options.stack_kib * 1024, options.stack_kib * 1024);
  if (options.fsize_kib)
    add_rlimit(s, RLIMIT_FSIZE, options.fsize_kib * 1024, options.fsize_kib * 1024);
  if (options.as_kib)
    add_rlimit(s, RLIMIT_AS, options.as_kib * 1024, options.as_kib * 1024);
  if (options.time_s > 0) {
    auto soft = static_cast<rlim_t>(std::ceil(options.time_s + options.extra_time_s));
    add_rlimit(s, RLIMIT_CPU, soft, soft + 1);
  }

  // Program, environment and the PATH search.
  for (const auto& arg : options.argv)
    s.argv.push_back(const_cast<char*>(s.keep(arg)));
  s.argv.push_back(nullptr);
  std::string path = "/usr/local/bin:/usr/bin:/bin";
  s.envp.push_back(const_cast<char*>(s.keep("LIBC_FATAL_STDERR_=1")));
  bool has_path = false;
  for (const auto& [key, value] : options.env) {
    if (key == "PATH") {
      path = value;
      has_path = true;
    }
    s.envp.push_back(const_cast<char*>(s.keep(key + "=" + value)));
  }
  if (!has_path)
    s.envp.push_back(const_cast<char*>(s.keep("PATH=" + path)));
  s.envp.push_back(nullptr);
  const std::string& program = options.argv.front();
  if (program.find('/') != std::string::npos) {
    s.exec_paths.push_back(s.keep(program));
  } else {
    std::size_t start = 0;
    while (start <= path.size()) {
      auto end = path.find(':', start);
      if (end == std::string::npos)
        end = path.size();
      auto dir = path.substr(start, end - start);
      s.exec_paths.push_back(s.keep((dir.empty() ? "." : dir) + "/" + program));
      start = end + 1;
    }
  }

  child_plan& p = s.plan;
  p.rlimits = s.rlimits.data();
  p.rlimit_count = s.rlimits.size();
  p.uid = b.uid;
  p.gid = b.gid;
  p.work_dir = s.keep(inside_path(options.chdir.empty() ? "/box" : options.chdir));
  p.stdin_path = options.stdin_path.empty() ? nullptr : s.keep(inside_path(options.stdin_path));
  p.stdout_path = options.stdout_path.empty() ? nullptr : s.keep(inside_path(options.stdout_path));
  p.stderr_path = options.stderr_path.empty() ? nullptr : s.keep(inside_path(options.stderr_path));
  p.stderr_to_stdout = options.stderr_to_stdout;
  p.exec_paths = s.exec_paths.data();
  p.exec_count = s.exec_paths.size();
  p.argv = s.argv.data();
  p.envp = s.envp.data();
  return ok();
}

} // namespace recodex::sandbox::detail
