/* Runtime error on the zeros test: (a*a + a*b) / a is a + b, except that a = 0 divides by 0. */
#include <stdio.h>

int main(void) {
  long long a, b;
  if (scanf("%lld %lld", &a, &b) != 2)
    return 1;
  printf("%lld\n", (a * a + a * b) / a);
  return 0;
}
