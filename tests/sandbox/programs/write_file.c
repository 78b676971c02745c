/* Writes 100 MiB to /box/big. */
#include <fcntl.h>
#include <string.h>
#include <unistd.h>

int main(void) {
  static char block[1 << 20];
  memset(block, 'y', sizeof block);
  int fd = open("/box/big", O_WRONLY | O_CREAT | O_TRUNC, 0644);
  if (fd < 0)
    return 2;
  for (int i = 0; i < 100; ++i)
    if (write(fd, block, sizeof block) != (ssize_t) sizeof block)
      return 3;
  return 0;
}
