/* Allocates and touches 512 MiB, page by page (volatile, so the compiler keeps every write). */
#include <stdlib.h>

int main(void) {
  size_t size = 512u << 20;
  volatile char* p = malloc(size);
  if (!p)
    return 2;
  for (size_t i = 0; i < size; i += 4096)
    p[i] = 1;
  return 0;
}
