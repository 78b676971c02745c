// The read loop and the descriptor owner of file_io.hpp.
#include "storage/file_io.hpp"

#include <cerrno>
#include <fcntl.h>
#include <memory>
#include <unistd.h>

namespace recodex::storage {

namespace {

constexpr std::size_t chunk_size = 64 * 1024;

} // namespace

void unique_fd::reset() {
  if (fd_ >= 0)
    ::close(fd_);
  fd_ = -1;
}

result<unique_fd> open_for_reading(const std::filesystem::path& file) {
  int fd = ::open(file.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0)
    return make_errno_error(errno, "cannot open " + file.string());
  return unique_fd{fd};
}

result<void> read_chunks(int fd, const std::filesystem::path& file, const chunk_sink& sink) {
  // On the heap: callers run on threads with modest stacks (Asio pools, CAF workers).
  auto buffer = std::make_unique<char[]>(chunk_size);
  for (;;) {
    ssize_t got = ::read(fd, buffer.get(), chunk_size);
    if (got < 0) {
      if (errno == EINTR)
        continue;
      return make_errno_error(errno, "cannot read " + file.string());
    }
    if (got == 0)
      return ok();
    RECODEX_TRY_VOID(sink(std::string_view(buffer.get(), static_cast<std::size_t>(got))));
  }
}

result<void> read_file_chunks(const std::filesystem::path& file, const chunk_sink& sink) {
  RECODEX_TRY(fd, open_for_reading(file));
  return read_chunks(fd.get(), file, sink);
}

} // namespace recodex::storage
