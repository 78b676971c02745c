/* Calls kernel interfaces a judged program never needs: keyctl, bpf, perf_event_open, io_uring,
 * personality changes, kexec and module loading. */
#define _GNU_SOURCE
#include "common.h"
#include <sys/personality.h>
#include <sys/syscall.h>
#include <unistd.h>

int main(void) {
  char buffer[256] = {0};
  report("keyctl", syscall(SYS_keyctl, 0 /* KEYCTL_GET_KEYRING_ID */, -3, 0));
  report("add_key", syscall(SYS_add_key, "user", "x", "y", 1, -3));
  report("bpf", syscall(SYS_bpf, 0, buffer, 64));
  report("perf_event_open", syscall(SYS_perf_event_open, buffer, 0, -1, -1, 0));
  report("io_uring_setup", syscall(SYS_io_uring_setup, 8, buffer));
  report("personality", personality(ADDR_NO_RANDOMIZE));
  report("kexec_load", syscall(SYS_kexec_load, 0, 0, 0, 0));
  report("init_module", syscall(SYS_init_module, buffer, 0, ""));
  return 0;
}
