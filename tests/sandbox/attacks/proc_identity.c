/* Reads what the box's PID 1 shows of itself: its command line, environment, name and the
 * target of its executable link. The init is a copy of the host process, so anything here
 * could leak the host's command line, paths or environment. */
#include "common.h"
#include <fcntl.h>
#include <unistd.h>

/* Prints `what: <contents>` with NULs as spaces and trailing blanks dropped, or the errno. */
static void show(const char* what, const char* path) {
  char buffer[65536];
  int fd = open(path, O_RDONLY);
  if (fd < 0) {
    report(what, -1);
    return;
  }
  ssize_t n = read(fd, buffer, sizeof buffer - 1);
  int err = errno;
  close(fd);
  if (n < 0) {
    errno = err;
    report(what, -1);
    return;
  }
  while (n > 0 && (buffer[n - 1] == '\0' || buffer[n - 1] == '\n' || buffer[n - 1] == ' '))
    --n;
  for (ssize_t i = 0; i < n; ++i)
    if (buffer[i] == '\0' || buffer[i] == '\n')
      buffer[i] = ' ';
  buffer[n] = '\0';
  printf("%s: [%s]\n", what, buffer);
}

int main(void) {
  show("cmdline", "/proc/1/cmdline");
  show("environ", "/proc/1/environ");
  show("comm", "/proc/1/comm");
  char target[4096];
  ssize_t n = readlink("/proc/1/exe", target, sizeof target - 1);
  if (n >= 0) {
    target[n] = '\0';
    printf("exe: [%s]\n", target);
  } else {
    report("exe", -1);
  }
  fflush(stdout);
  return 0;
}
