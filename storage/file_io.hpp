// POSIX file plumbing shared by storage/ and the file server: an owned descriptor, and the one
// loop that reads a file to its end in bounded chunks (EINTR retried, errors named with the
// file), so no caller ever buffers a whole file or leaks a descriptor on an error path.
#pragma once

#include "messages/result.hpp"

#include <cstddef>
#include <filesystem>
#include <functional>
#include <string_view>

namespace recodex::storage {

class unique_fd {
public:
  unique_fd() = default;
  explicit unique_fd(int fd) : fd_(fd) {}
  unique_fd(unique_fd&& other) noexcept : fd_(other.release()) {}
  unique_fd& operator=(unique_fd&& other) noexcept {
    if (this != &other) {
      reset();
      fd_ = other.release();
    }
    return *this;
  }
  ~unique_fd() { reset(); }
  unique_fd(const unique_fd&) = delete;
  unique_fd& operator=(const unique_fd&) = delete;

  int get() const { return fd_; }
  explicit operator bool() const { return fd_ >= 0; }
  int release() {
    int fd = fd_;
    fd_ = -1;
    return fd;
  }
  void reset();

private:
  int fd_ = -1;
};

// Opens `file` read-only (O_CLOEXEC).
result<unique_fd> open_for_reading(const std::filesystem::path& file);

// Receives each chunk; an error stops the reading and is returned as it is.
using chunk_sink = std::function<result<void>(std::string_view chunk)>;

// Reads `fd` from its current offset to the end, at most 64 KiB at a time; `file` names it in
// errors.
result<void> read_chunks(int fd, const std::filesystem::path& file, const chunk_sink& sink);

// Opens `file` and reads it whole through `sink`.
result<void> read_file_chunks(const std::filesystem::path& file, const chunk_sink& sink);

} // namespace recodex::storage
