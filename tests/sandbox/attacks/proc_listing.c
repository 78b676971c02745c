/* Lists the processes it can see through /proc. */
#include "common.h"
#include <ctype.h>
#include <dirent.h>
#include <stdlib.h>

int main(void) {
  DIR* d = opendir("/proc");
  if (!d) {
    report("proc", -1);
    return 0;
  }
  int count = 0, highest = 0;
  struct dirent* e;
  while ((e = readdir(d))) {
    if (!isdigit((unsigned char) e->d_name[0]))
      continue;
    int pid = atoi(e->d_name);
    ++count;
    if (pid > highest)
      highest = pid;
  }
  printf("visible: %d highest: %d\n", count, highest);
  return 0;
}
