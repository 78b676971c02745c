// Safe extraction of hostile archives (the submission archive and the `extract` task, 5.5/6.3)
// with libarchive. Every entry is checked before anything is written: only regular files and
// directories with relative paths free of `..` are accepted, and counts and sizes are capped
// while streaming, so a zip bomb stops at the limit. Files are created relative to directory
// descriptors opened with O_NOFOLLOW, so a symlink planted in the target cannot redirect a write.
#pragma once

#include "messages/result.hpp"

#include <cstdint>
#include <filesystem>

namespace recodex::worker {

struct extract_options {
  std::uint64_t max_entries = 10000;
  std::uint64_t max_total_size = std::uint64_t{1} << 30; // uncompressed bytes of all files
  // The submission archive gets +g+w,o+w (6.3) so sandboxed tasks may write beside it; the
  // `extract` task writes files 0644 and directories 0755 (5.5).
  bool group_other_writable = false;
};

struct extract_summary {
  std::uint64_t files = 0;
  std::uint64_t directories = 0;
  std::uint64_t bytes = 0;
};

// Extracts zip, tar, tar.gz and tar.bz2 (also tar.xz) `archive` into the existing directory
// `target`. Errors name the entry: invalid_argument for a hostile or corrupted archive,
// too_large past a limit, io_error when our disk fails, not_found for a missing archive or
// target. On error, entries already written stay inside `target` (the caller owns cleanup).
result<extract_summary> extract_archive(const std::filesystem::path& archive,
                                        const std::filesystem::path& target,
                                        const extract_options& options = {});

} // namespace recodex::worker
