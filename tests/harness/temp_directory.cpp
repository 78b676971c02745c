// mkdtemp-based temporary directories for tests.
#include "tests/harness/temp_directory.hpp"

#include <cstdlib>
#include <stdexcept>
#include <system_error>
#include <vector>

namespace recodex::testing {

temp_directory::temp_directory(const std::string& prefix) {
  const char* base = std::getenv("TMPDIR");
  std::string pattern = std::string{base && *base ? base : "/tmp"} + "/" + prefix + "-XXXXXX";
  std::vector<char> buffer(pattern.begin(), pattern.end());
  buffer.push_back('\0');
  if (::mkdtemp(buffer.data()) == nullptr)
    throw std::system_error(errno, std::generic_category(), "mkdtemp " + pattern);
  path_ = buffer.data();
}

temp_directory::~temp_directory() {
  std::error_code ignored;
  std::filesystem::remove_all(path_, ignored);
}

} // namespace recodex::testing
