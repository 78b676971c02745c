// Host-side handling of the box directory's contents: handing the tree to the box user for a
// run and back afterwards, and reading files the program produced, all without following a
// symlink or hardlink the program made (the escape class of Judge0 CVE-2024-28185/28189).
#pragma once

#include "messages/result.hpp"

#include <sys/types.h>

#include <cstddef>
#include <string>

namespace recodex::sandbox {

// lchown of every entry below and including `dir`; never descends through symlinks or into
// other filesystems.
result<void> chown_tree(const std::string& dir, uid_t uid, gid_t gid);

// What a file longer than `max_bytes` gives: an error, or its first `max_bytes` bytes.
enum class oversize { refuse, truncate };

// Reads a regular file at `relative` below `box_dir` (at most `max_bytes`; more is an error
// unless `truncate`). Refuses symlinks in any component, paths leaving the box, non-regular
// files and files with more than one link.
result<std::string> read_box_file(const std::string& box_dir, const std::string& relative,
                                  std::size_t max_bytes, oversize policy = oversize::refuse);

// The same checks, copying to a new host file `destination` (created, never overwritten
// through a link: O_EXCL).
result<void> copy_box_file(const std::string& box_dir, const std::string& relative,
                           const std::string& destination, std::size_t max_bytes,
                           oversize policy = oversize::refuse);

// The same checks, then adds the execute bits for everyone a program the box produced lacks
// (a compiler's output run by a later task, spec 5.6).
result<void> make_box_file_executable(const std::string& box_dir, const std::string& relative);

} // namespace recodex::sandbox
