/* Opens descriptors until refused. */
#include "common.h"
#include <fcntl.h>

int main(void) {
  int opened = 0;
  while (open("/dev/null", O_RDONLY) >= 0)
    ++opened;
  printf("opened %d: %s\n", opened, errno_name(errno));
  return 0;
}
