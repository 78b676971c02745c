/* Tries to become root or another user. */
#include "common.h"
#include <grp.h>
#include <unistd.h>

int main(void) {
  report("setuid0", setuid(0));
  report("setgid0", setgid(0));
  report("seteuid0", seteuid(0));
  gid_t groups[1] = {0};
  report("setgroups", setgroups(1, groups));
  printf("uid=%d euid=%d gid=%d\n", (int) getuid(), (int) geteuid(), (int) getgid());
  return 0;
}
