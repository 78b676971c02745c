/* Time limit on the large test: counts b steps one by one, ten times over (2e10 steps: far
   beyond the 1 s limit even on a fast, idle machine). */
#include <stdio.h>

int main(void) {
  long long a, b;
  if (scanf("%lld %lld", &a, &b) != 2)
    return 1;
  volatile long long sum = a;
  for (int round = 0; round < 10; ++round) {
    sum = a;
    for (long long i = 0; i < (b < 0 ? -b : b); ++i)
      sum += b < 0 ? -1 : 1;
  }
  printf("%lld\n", sum);
  return 0;
}
