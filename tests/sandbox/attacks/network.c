/* Tries the network: TCP to 127.0.0.1 (port in argv[1]) and to an external address, a raw
 * socket and a packet socket. */
#include "common.h"
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <unistd.h>

static long connect_to(const char* ip, int port) {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0)
    return -1;
  struct sockaddr_in a = {0};
  a.sin_family = AF_INET;
  a.sin_port = htons(port);
  inet_pton(AF_INET, ip, &a.sin_addr);
  return connect(fd, (struct sockaddr*) &a, sizeof a);
}

int main(int argc, char** argv) {
  report("loopback", connect_to("127.0.0.1", argc > 1 ? atoi(argv[1]) : 80));
  report("external", connect_to("1.1.1.1", 53));
  report("raw", socket(AF_INET, SOCK_RAW, 1));
  report("packet", socket(AF_PACKET, SOCK_RAW, 0));
  return 0;
}
