// Erases entries of <data>/temp (files and whole directories) whose last modification is older
// than a maximum age. Time is passed in so the rule is testable; the file server calls it
// periodically.
#pragma once

#include <chrono>
#include <cstddef>
#include <filesystem>

namespace recodex::storage {

struct temp_clean_report {
  std::size_t removed = 0;  // top-level entries erased
  std::size_t failed = 0;   // entries that could not be erased (logged by the caller)
};

temp_clean_report clean_temp_dir(const std::filesystem::path& temp_dir,
                                 std::chrono::seconds max_age,
                                 std::filesystem::file_time_type now);

} // namespace recodex::storage
