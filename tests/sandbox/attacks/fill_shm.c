/* POSIX shared memory in the box: shm_open + mmap must work (Python's multiprocessing needs it),
 * a named semaphore must work, and filling /dev/shm must stop at its size. */
#include "common.h"
#include <fcntl.h>
#include <semaphore.h>
#include <sys/mman.h>
#include <unistd.h>

int main(void) {
  int fd = shm_open("/box-shm", O_RDWR | O_CREAT | O_EXCL, 0600);
  report("shm_open", fd);
  if (fd >= 0) {
    report("ftruncate", ftruncate(fd, 4096));
    char* p = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    report("mmap", p == MAP_FAILED ? -1 : 0);
    if (p != MAP_FAILED) {
      strcpy(p, "shared");
      munmap(p, 4096);
    }
    close(fd);
    report("shm_unlink", shm_unlink("/box-shm"));
  }
  sem_t* sem = sem_open("/box-sem", O_CREAT | O_EXCL, 0600, 1);
  report("sem_open", sem == SEM_FAILED ? -1 : 0);
  if (sem != SEM_FAILED) {
    report("sem_wait", sem_wait(sem));
    report("sem_post", sem_post(sem));
    sem_close(sem);
    sem_unlink("/box-sem");
  }

  static char block[65536];
  int fill = open("/dev/shm/fill", O_WRONLY | O_CREAT, 0600);
  if (fill < 0) {
    report("fill", -1);
    return 0;
  }
  long long total = 0;
  for (;;) {
    ssize_t n = write(fill, block, sizeof block);
    if (n <= 0)
      break;
    total += n;
  }
  printf("wrote %lld: %s\n", total, errno_name(errno));
  return 0;
}
