/* Tries to write outside /box: the root, /usr, /etc, /dev, /proc/sys and a new device node. */
#include "common.h"
#include <fcntl.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

int main(void) {
  report("root", open("/escape", O_WRONLY | O_CREAT, 0644));
  report("usr", open("/usr/escape", O_WRONLY | O_CREAT, 0644));
  report("etc", open("/etc/escape", O_WRONLY | O_CREAT, 0644));
  report("dev", open("/dev/escape", O_WRONLY | O_CREAT, 0644));
  report("sysctl", open("/proc/sys/kernel/hostname", O_WRONLY));
  report("mknod", mknod("/box/disk", S_IFBLK | 0600, makedev(8, 0)));
  report("box", open("/box/inside", O_WRONLY | O_CREAT, 0644));
  return 0;
}
