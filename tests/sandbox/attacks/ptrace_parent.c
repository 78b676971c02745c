/* Tries to debug the init (its parent) and to be traced. */
#include "common.h"
#include <sys/ptrace.h>
#include <unistd.h>

int main(void) {
  report("attach_parent", ptrace(PTRACE_ATTACH, getppid(), 0, 0));
  report("attach_init", ptrace(PTRACE_ATTACH, 1, 0, 0));
  report("traceme", ptrace(PTRACE_TRACEME, 0, 0, 0));
  return 0;
}
