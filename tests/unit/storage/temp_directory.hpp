// The temporary directory of tests/harness plus small file helpers the storage tests share.
#pragma once

#include "tests/harness/temp_directory.hpp"

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <stdexcept>
#include <stdlib.h>
#include <string>
#include <system_error>

namespace recodex::storage::testing {

// The project-wide temporary directory of the test support library.
using recodex::testing::temp_directory;

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
