/* Tries to rearrange its world: mount, unshare (user namespace included), setns, chroot, and
 * clone with CLONE_NEWUSER. */
#define _GNU_SOURCE
#include "common.h"
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <sys/mount.h>
#include <sys/syscall.h>
#include <unistd.h>

int main(void) {
  report("mount", mount("none", "/tmp", "tmpfs", 0, 0));
  report("unshare_user", unshare(CLONE_NEWUSER));
  report("unshare_ns", unshare(CLONE_NEWNS));
  int fd = open("/proc/1/ns/mnt", O_RDONLY);
  report("open_init_ns", fd);
  report("setns", setns(fd >= 0 ? fd : 0, 0));
  report("chroot", chroot("/tmp"));
  report("clone_newuser", syscall(SYS_clone, CLONE_NEWUSER | SIGCHLD, 0, 0, 0, 0));
  return 0;
}
