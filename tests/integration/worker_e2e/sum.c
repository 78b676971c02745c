/* The end-to-end test's submission: sums two integers, with planted faults chosen by the input
   so one job exercises every verdict: a = 42 answers wrong, a = -1 loops forever, a = -2 eats
   memory, a = -3 exits with code 3. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int main(void) {
  long a = 0, b = 0;
  if (scanf("%ld %ld", &a, &b) != 2)
    return 2;
  if (a == -1)
    for (volatile unsigned long spin = 0;; ++spin) {
    }
  if (a == -2) {
    for (int i = 0; i < 64; ++i) {
      char* block = malloc(16u << 20);
      if (block)
        memset(block, i, 16u << 20);
    }
  }
  if (a == -3)
    return 3;
  printf("%ld\n", a == 42 ? a + b + 1 : a + b);
  return 0;
}
