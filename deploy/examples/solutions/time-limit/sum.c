/* Time limit on the large test: counts b steps one by one (2e9 of them). */
#include <stdio.h>

int main(void) {
  long long a, b;
  if (scanf("%lld %lld", &a, &b) != 2)
    return 1;
  volatile long long sum = a;
  for (long long i = 0; i < (b < 0 ? -b : b); ++i)
    sum += b < 0 ? -1 : 1;
  printf("%lld\n", sum);
  return 0;
}
