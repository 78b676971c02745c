/* Tries to read host secrets: /etc/shadow, /etc/passwd, /root, /home and the host's fstab. */
#include "common.h"
#include <dirent.h>
#include <fcntl.h>
#include <unistd.h>

int main(void) {
  errno = 0;
  report("shadow", open("/etc/shadow", O_RDONLY));
  report("passwd", open("/etc/passwd", O_RDONLY));
  report("fstab", open("/etc/fstab", O_RDONLY));
  DIR* d = opendir("/root");
  report("root", d ? 0 : -1);
  d = opendir("/home");
  report("home", d ? 0 : -1);
  return 0;
}
