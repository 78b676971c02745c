// Builds the box's seccomp deny-list with libseccomp and exports it as raw BPF.
#include "sandbox/seccomp_filter.hpp"

#include "sandbox/host_files.hpp"

#include <cerrno>
#include <mutex>
#include <sched.h>
#include <seccomp.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

namespace recodex::sandbox::detail {

namespace {

// Denied outright. clone3 gets ENOSYS instead, so glibc falls back to clone, whose flags the
// filter can inspect (clone3 passes them in memory, out of seccomp's reach).
const char* const denied[] = {
  "ptrace", "process_vm_readv", "process_vm_writev", "kcmp", "pidfd_getfd",
  "mount", "umount2", "pivot_root", "chroot", "move_mount", "open_tree", "fsopen", "fsconfig",
  "fsmount", "fspick", "mount_setattr", "unshare", "setns",
  "keyctl", "add_key", "request_key", "bpf", "perf_event_open", "userfaultfd",
  "io_uring_setup", "io_uring_enter", "io_uring_register",
  "kexec_load", "kexec_file_load", "init_module", "finit_module", "delete_module",
  "reboot", "swapon", "swapoff", "acct", "syslog", "quotactl", "quotactl_fd",
  "settimeofday", "clock_settime", "clock_adjtime", "adjtimex", "sethostname", "setdomainname",
  "iopl", "ioperm", "vhangup", "uselib", "lookup_dcookie", "name_to_handle_at",
  "open_by_handle_at", "fanotify_init", "nfsservctl", "get_kernel_syms", "query_module",
  "create_module",
};

const int namespace_flags[] = {CLONE_NEWNS,  CLONE_NEWUTS, CLONE_NEWIPC,    CLONE_NEWUSER,
                               CLONE_NEWPID, CLONE_NEWNET, CLONE_NEWCGROUP, CLONE_NEWTIME};

error seccomp_error(int rc, const std::string& what) {
  return errno_error(-rc, "seccomp: cannot " + what, "filter");
}

result<seccomp_program*> build() {
  scmp_filter_ctx ctx = seccomp_init(SCMP_ACT_ALLOW);
  if (!ctx)
    return make_error(errc::internal, "seccomp_init failed");
  struct guard {
    scmp_filter_ctx ctx;
    ~guard() {
      seccomp_release(ctx);
    }
  } release{ctx};
  // A binary search over the system call numbers instead of one comparison after another: the
  // kernel runs the filter for every system call number when the program loads it (to cache
  // the always-allowed ones), which made the linear chain cost ~120 us per box.
  // Best effort: a libseccomp without it (< 2.5) builds the same filter, only slower to load.
  (void) seccomp_attr_set(ctx, SCMP_FLTATR_CTL_OPTIMIZE, 2);
  const auto deny = SCMP_ACT_ERRNO(EPERM);

  for (const char* name : denied) {
    int nr = seccomp_syscall_resolve_name(name);
    if (nr == __NR_SCMP_ERROR)
      continue; // not on this architecture
    if (int rc = seccomp_rule_add(ctx, deny, nr, 0); rc < 0)
      return seccomp_error(rc, std::string{"deny "} + name);
  }
  if (int rc = seccomp_rule_add(ctx, SCMP_ACT_ERRNO(ENOSYS), SCMP_SYS(clone3), 0); rc < 0)
    return seccomp_error(rc, "deny clone3");
  for (int flag : namespace_flags) {
    auto mask = static_cast<scmp_datum_t>(static_cast<unsigned>(flag));
    if (int rc = seccomp_rule_add(ctx, deny, SCMP_SYS(clone), 1,
                                  SCMP_A0(SCMP_CMP_MASKED_EQ, mask, mask));
        rc < 0)
      return seccomp_error(rc, "deny clone with namespace flags");
  }
  // Reading the personality (0xffffffff) is fine; changing it (e.g. disabling ASLR) is not.
  if (int rc = seccomp_rule_add(ctx, deny, SCMP_SYS(personality), 1,
                                SCMP_A0(SCMP_CMP_NE, 0xffffffffULL));
      rc < 0)
    return seccomp_error(rc, "deny personality");
  // Raw and packet sockets: crafting packets is never part of a judged program.
  if (int rc = seccomp_rule_add(ctx, deny, SCMP_SYS(socket), 1,
                                SCMP_A1(SCMP_CMP_MASKED_EQ, 0xf, SOCK_RAW));
      rc < 0)
    return seccomp_error(rc, "deny raw sockets");
  if (int rc = seccomp_rule_add(ctx, deny, SCMP_SYS(socket), 1, SCMP_A0(SCMP_CMP_EQ, AF_PACKET));
      rc < 0)
    return seccomp_error(rc, "deny packet sockets");

  // Export as raw BPF through a memfd, then keep the instructions in memory.
  int fd = ::memfd_create("recodex-seccomp", MFD_CLOEXEC);
  if (fd < 0)
    return errno_error(errno, "cannot create memfd for", "seccomp");
  if (int rc = seccomp_export_bpf(ctx, fd); rc < 0) {
    ::close(fd);
    return seccomp_error(rc, "export");
  }
  struct stat st {};
  ::fstat(fd, &st);
  auto* out = new seccomp_program;
  out->instructions.resize(static_cast<std::size_t>(st.st_size) / sizeof(sock_filter));
  auto bytes = static_cast<ssize_t>(out->instructions.size() * sizeof(sock_filter));
  if (::pread(fd, out->instructions.data(), static_cast<std::size_t>(bytes), 0) != bytes) {
    ::close(fd);
    delete out;
    return make_error(errc::internal, "seccomp: short read of the exported filter");
  }
  ::close(fd);
  out->program.len = static_cast<unsigned short>(out->instructions.size());
  out->program.filter = out->instructions.data();
  return out;
}

} // namespace

result<const seccomp_program*> box_seccomp_program() {
  static std::once_flag once;
  static seccomp_program* program = nullptr;
  static error failure;
  std::call_once(once, [] {
    auto built = build();
    if (built)
      program = built.value();
    else
      failure = built.error();
  });
  if (!program)
    return failure;
  return program;
}

std::vector<std::string> denied_syscalls() {
  std::vector<std::string> names(std::begin(denied), std::end(denied));
  names.push_back("clone3 (ENOSYS)");
  names.push_back("clone with namespace flags");
  names.push_back("personality changes");
  names.push_back("raw and packet sockets");
  return names;
}

} // namespace recodex::sandbox::detail
