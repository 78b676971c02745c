/* Tries to kill processes outside the box: a host pid given in argv[1], the init, and every
 * process it may signal (kill -1). */
#include "common.h"
#include <signal.h>
#include <stdlib.h>
#include <unistd.h>

int main(int argc, char** argv) {
  report("host_pid", kill(argc > 1 ? atoi(argv[1]) : 1, SIGKILL));
  report("init", kill(1, SIGKILL));
  signal(SIGTERM, SIG_IGN);
  report("everyone", kill(-1, SIGTERM)); /* reaches only the box's own processes */
  return 0;
}
