/* Memory limit on the large test: keeps every partial sum (b of them), 1 MiB block by block. */
#include <stdio.h>
#include <stdlib.h>

#define BLOCK (1 << 17) /* partial sums per block: 1 MiB */

int main(void) {
  long long a, b;
  if (scanf("%lld %lld", &a, &b) != 2)
    return 1;
  long long steps = b < 0 ? -b : b, sum = a;
  for (long long done = 0; done < steps; done += BLOCK) {
    long long* block = malloc(BLOCK * sizeof *block);
    if (!block)
      return 1;
    for (long long i = 0; i < BLOCK && done + i < steps; ++i)
      block[i] = sum += b < 0 ? -1 : 1;
  }
  printf("%lld\n", sum);
  return 0;
}
