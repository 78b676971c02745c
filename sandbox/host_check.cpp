// check_host(): what `recodex-sandbox --check` prints. Each probe names what it needs, and a
// final smoke run of /bin/true exercises the whole flow.
#include "sandbox/sandbox.hpp"

#include "sandbox/cgroup.hpp"
#include "sandbox/seccomp_filter.hpp"

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

namespace recodex::sandbox {

std::vector<host_check_item> check_host(const box_config& config) {
  std::vector<host_check_item> items;
  auto add = [&items](std::string name, bool ok, std::string detail) {
    items.push_back({std::move(name), ok, std::move(detail)});
  };

  const bool root = ::geteuid() == 0;
  add("root", root, root ? "running as uid 0" : "run as root: namespaces, mounts and cgroups need it");

  auto probed = probe_cgroups("/proc/self/mounts", config.cgroup_parent);
  add("cgroups", bool(probed),
      probed ? probed.value()->describe() : probed.error().message);

  int pidfd = static_cast<int>(::syscall(SYS_pidfd_open, ::getpid(), 0));
  add("pidfd", pidfd >= 0,
      pidfd >= 0 ? "pidfd_open works" : std::string{"pidfd_open: "} + std::strerror(errno) +
                                             " (needs Linux 5.3)");
  if (pidfd >= 0)
    ::close(pidfd);

  int mode = ::prctl(PR_GET_SECCOMP, 0, 0, 0, 0);
  auto filter = detail::box_seccomp_program();
  bool seccomp_ok = mode == 0 && filter;
  add("seccomp", seccomp_ok,
      mode != 0 ? "this process is already under seccomp or the kernel lacks it"
      : filter  ? std::to_string(filter.value()->instructions.size()) + " BPF instructions"
                : filter.error().message);

  struct stat st {};
  add("/usr", ::stat("/usr", &st) == 0 && S_ISDIR(st.st_mode), "bound read-only into each box");


  if (!root) {
    add("smoke run", false, "skipped: not root");
    return items;
  }
  auto leased = acquire_box(config);
  if (!leased) {
    add("smoke run", false, leased.error().message);
    return items;
  }
  char dir[] = "/tmp/recodex-sandbox-check-XXXXXX";
  if (!::mkdtemp(dir)) {
    add("smoke run", false, std::string{"mkdtemp: "} + std::strerror(errno));
    return items;
  }
  run_options options;
  options.box_dir = dir;
  options.argv = {"/bin/true"};
  options.time_s = 2;
  options.wall_time_s = 5;
  auto ran = run(leased.value(), options);
  ::rmdir(dir);
  if (!ran)
    add("smoke run", false, ran.error().message);
  else
    add("smoke run", ran.value().result == status::ok,
        ran.value().result == status::ok
            ? "/bin/true ran in box " + std::to_string(leased.value().id()) + " in " +
                  std::to_string(ran.value().wall_time_s * 1000).substr(0, 5) + " ms"
            : std::string{to_string(ran.value().result)} + ": " + ran.value().message);
  return items;
}

} // namespace recodex::sandbox
