// A fresh directory per test under $TMPDIR (or /tmp), erased with everything in it at the end
// of the test, plus small file helpers the storage tests share.
#pragma once

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <stdexcept>
#include <stdlib.h>
#include <string>
#include <system_error>

namespace recodex::storage::testing {

class temp_directory {
public:
  temp_directory() {
    const char* base = std::getenv("TMPDIR");
    std::string pattern = std::string{base != nullptr && *base != '\0' ? base : "/tmp"} +
                          "/recodex-storage-test-XXXXXX";
    if (::mkdtemp(pattern.data()) == nullptr)
      throw std::runtime_error("mkdtemp failed for " + pattern); // tests only
    path_ = pattern;
  }
  ~temp_directory() {
    std::error_code ignored;
    std::filesystem::remove_all(path_, ignored);
  }
  temp_directory(const temp_directory&) = delete;
  temp_directory& operator=(const temp_directory&) = delete;

  const std::filesystem::path& path() const { return path_; }
  std::filesystem::path operator/(const std::filesystem::path& child) const {
    return path_ / child;
  }

private:
  std::filesystem::path path_;
};

inline std::string read_whole_file(const std::filesystem::path& file) {
  std::ifstream in{file, std::ios::binary};
  return std::string{std::istreambuf_iterator<char>{in}, std::istreambuf_iterator<char>{}};
}

inline void write_whole_file(const std::filesystem::path& file, const std::string& content) {
  std::filesystem::create_directories(file.parent_path());
  std::ofstream out{file, std::ios::binary | std::ios::trunc};
  out << content;
}

// Regular files anywhere below `dir` (0 when it does not exist).
inline std::size_t count_files(const std::filesystem::path& dir) {
  std::error_code ec;
  std::size_t count = 0;
  for (std::filesystem::recursive_directory_iterator it{dir, ec}, end; !ec && it != end;
       it.increment(ec))
    if (it->is_regular_file())
      ++count;
  return count;
}

} // namespace recodex::storage::testing
