// Pieces both cgroup backends share: emptying and removing a group directory.
#pragma once

#include "messages/result.hpp"

#include <cstdint>
#include <string>

namespace recodex::sandbox::detail {

// SIGKILLs every pid listed in `dir`/cgroup.procs (a missing file is fine).
void kill_members(const std::string& dir);
// rmdir with a short retry: a v1 group can stay busy for a moment after its last task died.
result<void> remove_group_dir(const std::string& dir);
bool exists(const std::string& path);
// A counter's growth since `base` (counters only grow; 0 if the group was replaced meanwhile).
inline std::uint64_t since(std::uint64_t now, std::uint64_t base) {
  return now > base ? now - base : 0;
}

} // namespace recodex::sandbox::detail
