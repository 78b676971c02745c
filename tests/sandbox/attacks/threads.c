/* Starts 64 threads under a smaller process limit; reports how many it got. */
#include "common.h"
#include <pthread.h>
#include <unistd.h>

static void* park(void* arg) {
  (void) arg;
  sleep(2);
  return 0;
}

int main(void) {
  int started = 0, rc = 0;
  pthread_t t;
  for (int i = 0; i < 64; ++i) {
    rc = pthread_create(&t, 0, park, 0);
    if (rc != 0)
      break;
    ++started;
  }
  printf("threads %d: %s\n", started, rc == 0 ? "OK" : errno_name(rc));
  fflush(stdout);
  _exit(0);
}
