/* Fills /tmp until the filesystem refuses. */
#include "common.h"
#include <fcntl.h>
#include <unistd.h>

int main(void) {
  static char block[65536];
  int fd = open("/tmp/fill", O_WRONLY | O_CREAT, 0644);
  if (fd < 0) {
    report("open", -1);
    return 0;
  }
  long long total = 0;
  for (;;) {
    ssize_t n = write(fd, block, sizeof block);
    if (n <= 0)
      break;
    total += n;
  }
  printf("wrote %lld: %s\n", total, errno_name(errno));
  return 0;
}
