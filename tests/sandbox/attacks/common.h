/* Shared by the attack programs: print what was tried and how it ended, one line each, so the
 * tests assert on outcomes ("shadow: ENOENT"), not only on exit codes. */
#pragma once
#include <errno.h>
#include <stdio.h>
#include <string.h>

static const char* errno_name(int e) {
  switch (e) {
    case 0: return "OK";
    case EPERM: return "EPERM";
    case ENOENT: return "ENOENT";
    case ESRCH: return "ESRCH";
    case EACCES: return "EACCES";
    case EEXIST: return "EEXIST";
    case EXDEV: return "EXDEV";
    case EROFS: return "EROFS";
    case ENOSPC: return "ENOSPC";
    case EMFILE: return "EMFILE";
    case EAGAIN: return "EAGAIN";
    case ENOSYS: return "ENOSYS";
    case EINVAL: return "EINVAL";
    case ENETUNREACH: return "ENETUNREACH";
    case ECONNREFUSED: return "ECONNREFUSED";
    case EAFNOSUPPORT: return "EAFNOSUPPORT";
    case EFBIG: return "EFBIG";
    default: return "OTHER";
  }
}

/* rc < 0 means failure with errno; anything else is success ("OK"). */
static void report(const char* what, long rc) {
  printf("%s: %s\n", what, rc < 0 ? errno_name(errno) : "OK");
  fflush(stdout);
}
