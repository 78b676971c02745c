// Where judges read their bytes from: a file descriptor in fixed-size reads, or memory replayed
// in chunks of a chosen size (tests use it to prove parsers do not depend on chunk boundaries).
#pragma once

#include "messages/result.hpp"

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace recodex::judges {

class byte_source {
public:
  virtual ~byte_source() = default;
  // Reads at most `capacity` bytes; 0 means end of input.
  virtual result<std::size_t> read(char* buffer, std::size_t capacity) = 0;
};

// Owns an fd opened for reading; reads go straight to read(2) so memory stays bounded.
class file_source final : public byte_source {
public:
  static result<file_source> open(const std::string& path);
  file_source(file_source&& other) noexcept;
  file_source& operator=(file_source&&) = delete;
  file_source(const file_source&) = delete;
  ~file_source() override;
  // Wraps an fd we do not own (stdin).
  static file_source borrow(int fd, std::string name);

  result<std::size_t> read(char* buffer, std::size_t capacity) override;
  result<void> seek(std::uint64_t offset);

private:
  file_source(int fd, std::string path, bool owned) : fd_(fd), path_(std::move(path)), owned_(owned) {}
  int fd_ = -1;
  std::string path_;
  bool owned_ = true;
};

// Hands out `data` at most `chunk` bytes per read.
class memory_source final : public byte_source {
public:
  memory_source(std::string_view data, std::size_t chunk) : data_(data), chunk_(chunk ? chunk : 1) {}
  result<std::size_t> read(char* buffer, std::size_t capacity) override;

private:
  std::string_view data_;
  std::size_t chunk_;
  std::size_t pos_ = 0;
};

} // namespace recodex::judges
