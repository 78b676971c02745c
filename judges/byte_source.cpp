// File and memory byte sources for the judges (see byte_source.hpp).
#include "judges/byte_source.hpp"

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

namespace recodex::judges {

result<file_source> file_source::open(const std::string& path) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0)
    return make_errno_error(errno, "cannot open " + path);
  struct stat st {};
  // A directory opens fine but fails on the first read with EISDIR; say so up front.
  if (::fstat(fd, &st) == 0 && S_ISDIR(st.st_mode)) {
    ::close(fd);
    return make_error(errc::invalid_argument, "cannot read " + path + ": is a directory");
  }
#ifdef POSIX_FADV_SEQUENTIAL
  ::posix_fadvise(fd, 0, 0, POSIX_FADV_SEQUENTIAL);
#endif
  return file_source{fd, path, true};
}

file_source file_source::borrow(int fd, std::string name) { return file_source{fd, std::move(name), false}; }

file_source::file_source(file_source&& other) noexcept
    : fd_(other.fd_), path_(std::move(other.path_)), owned_(other.owned_) {
  other.fd_ = -1;
}

file_source::~file_source() {
  if (fd_ >= 0 && owned_)
    ::close(fd_);
}

result<std::size_t> file_source::read(char* buffer, std::size_t capacity) {
  for (;;) {
    ssize_t n = ::read(fd_, buffer, capacity);
    if (n >= 0)
      return static_cast<std::size_t>(n);
    if (errno != EINTR)
      return make_errno_error(errno, "cannot read " + path_);
  }
}

result<void> file_source::seek(std::uint64_t offset) {
  if (::lseek(fd_, static_cast<off_t>(offset), SEEK_SET) < 0)
    return make_errno_error(errno, "cannot seek in " + path_);
  return ok();
}

result<std::size_t> memory_source::read(char* buffer, std::size_t capacity) {
  std::size_t n = std::min({capacity, chunk_, data_.size() - pos_});
  std::memcpy(buffer, data_.data() + pos_, n);
  pos_ += n;
  return n;
}

} // namespace recodex::judges
