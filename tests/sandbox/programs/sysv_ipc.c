/* System V shared memory across runs of one box: "create" makes a segment with a fixed key,
   "check" prints "absent" when no such segment is visible, "present" otherwise. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/ipc.h>
#include <sys/shm.h>

int main(int argc, char** argv) {
  const key_t key = 0x5eed;
  if (argc > 1 && strcmp(argv[1], "create") == 0)
    return shmget(key, 4096, IPC_CREAT | 0600) < 0 ? 1 : 0;
  int id = shmget(key, 0, 0);
  puts(id < 0 && errno == ENOENT ? "absent" : "present");
  return 0;
}
