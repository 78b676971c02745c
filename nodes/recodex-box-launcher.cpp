// recodex-box-launcher: the box launcher's executable (sandbox/box_launcher.hpp). A host starts
// it through sandbox::start_box_launcher(), which passes the socket as descriptor 3 and its own
// pid; it is not meant to be run by hand.
#include "sandbox/box_launcher.hpp"

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <sys/socket.h>
#include <unistd.h>

namespace {

const char* usage = "recodex-box-launcher: clones sandbox box inits for the process that started it.\n"
                    "Started by the worker and the embedded system (sandbox::start_box_launcher), with\n"
                    "its socket as descriptor 3; not meant to be run by hand.\n\n"
                    "Usage: recodex-box-launcher --host-pid=<pid>\n";

// The pid given by --host-pid=<pid>, or 0 when the argument is anything else.
pid_t host_pid_argument(const char* argument) {
  const char prefix[] = "--host-pid=";
  if (std::strncmp(argument, prefix, sizeof prefix - 1) != 0)
    return 0;
  const char* digits = argument + sizeof prefix - 1;
  char* end = nullptr;
  long value = std::strtol(digits, &end, 10);
  return *digits != '\0' && *end == '\0' && value > 1 && value < (1L << 22) ? static_cast<pid_t>(value) : 0;
}

bool is_seqpacket_socket(int fd) {
  int type = 0;
  socklen_t size = sizeof type;
  return ::getsockopt(fd, SOL_SOCKET, SO_TYPE, &type, &size) == 0 && type == SOCK_SEQPACKET;
}

} // namespace

int main(int argc, char** argv) {
  if (argc == 2 && (std::strcmp(argv[1], "--help") == 0 || std::strcmp(argv[1], "-h") == 0)) {
    std::fputs(usage, stdout);
    return 0;
  }
  const pid_t host = argc == 2 ? host_pid_argument(argv[1]) : 0;
  if (host == 0) {
    std::fputs(usage, stderr);
    return 2;
  }
  if (!is_seqpacket_socket(3)) {
    std::fputs("recodex-box-launcher: descriptor 3 is not the host's socket; this program is "
               "started by sandbox::start_box_launcher()\n",
               stderr);
    return 2;
  }
  if (::getppid() != host) {
    std::fprintf(stderr, "recodex-box-launcher: the host %d is not this process's parent\n", static_cast<int>(host));
    return 2;
  }
  recodex::sandbox::detail::serve_box_launcher(host);
}
