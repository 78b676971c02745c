// A fresh directory under $TMPDIR (or /tmp) for one test, removed with everything in it.
#pragma once

#include <filesystem>
#include <string>

namespace recodex::testing {

class temp_directory {
public:
  explicit temp_directory(const std::string& prefix = "recodex-test");
  ~temp_directory();
  temp_directory(const temp_directory&) = delete;
  temp_directory& operator=(const temp_directory&) = delete;

  const std::filesystem::path& path() const { return path_; }
  std::filesystem::path operator/(const std::filesystem::path& child) const {
    return path_ / child;
  }

private:
  std::filesystem::path path_;
};

} // namespace recodex::testing
