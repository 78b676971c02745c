// The seccomp deny-list every box program runs under: system calls a judged program never
// needs (debugging other processes, mounts and namespaces, kernel keyrings, BPF, perf, io_uring,
// kexec, modules, reboot, personality changes, raw and packet sockets, clock setting...) fail
// with EPERM; everything else, including what compilers, interpreters and threads use, is allowed.
#pragma once

#include "messages/result.hpp"

#include <linux/filter.h>

#include <string>
#include <vector>

namespace recodex::sandbox::detail {

struct seccomp_program {
  std::vector<sock_filter> instructions;
  sock_fprog program{}; // points into `instructions`
};

// Built with libseccomp once per process, then loaded by the child with a plain system call
// (libseccomp's own loader allocates, which the child must not do).
result<const seccomp_program*> box_seccomp_program();

// The names of the denied system calls, for --help and the tests.
std::vector<std::string> denied_syscalls();

} // namespace recodex::sandbox::detail
