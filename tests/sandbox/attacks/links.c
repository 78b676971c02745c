/* Plants links for the host to trip over: symlinks to host files, a hardlink to a file the host
 * put in the box (/box/input), and a hardlink to a system file. */
#include "common.h"
#include <unistd.h>

int main(void) {
  report("symlink_shadow", symlink("/etc/shadow", "/box/out_symlink"));
  report("symlink_dir", symlink("/etc", "/box/out_dir"));
  report("hardlink_input", link("/box/input", "/box/out_hardlink"));
  report("hardlink_system", link("/usr/bin/true", "/box/out_system"));
  return 0;
}
