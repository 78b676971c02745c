// Descriptors passed over a Unix socket (SCM_RIGHTS): the host to the box launcher and back, and
// the host to a reused box init. One message at a time; no allocation, so a box init may use it.
#pragma once

#include <cstddef>
#include <sys/types.h>

namespace recodex::sandbox::detail {

// The most descriptors one message carries.
constexpr std::size_t max_passed_fds = 16;

// Makes room in `socket`'s send buffer for a message of `bytes` (root may exceed wmem_max;
// best effort otherwise, where the default stays).
void reserve_send_buffer(int socket, std::size_t bytes);

// Sends `size` bytes with `fds` attached (at most max_passed_fds); false with errno set.
bool send_with_fds(int socket, const void* bytes, std::size_t size, const int* fds, std::size_t fd_count);

// Receives one message into `buffer` and up to `fd_capacity` descriptors (close-on-exec) into
// `fds`; returns its length (0: the peer closed, -1: errno). `truncated` is set when the data or
// the descriptors did not fit (those that did are still returned, to be closed).
ssize_t receive_with_fds(int socket, char* buffer, std::size_t capacity, int* fds, std::size_t fd_capacity,
                         std::size_t& fd_count, bool& truncated);

} // namespace recodex::sandbox::detail
