/* Burns CPU for argv[1] seconds of its own CPU time (default 1.0), then exits 0. */
#include <stdlib.h>
#include <time.h>

int main(int argc, char** argv) {
  double limit = argc > 1 ? atof(argv[1]) : 1.0;
  volatile unsigned long spin = 0;
  for (;;) {
    for (int i = 0; i < 100000; ++i)
      spin++;
    if ((double) clock() / CLOCKS_PER_SEC >= limit)
      return 0;
  }
}
