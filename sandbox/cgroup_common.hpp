// Pieces both cgroup backends share: emptying and removing a group directory.
#pragma once

#include "messages/result.hpp"

#include <string>

namespace recodex::sandbox::detail {

// SIGKILLs every pid listed in `dir`/cgroup.procs (a missing file is fine).
void kill_members(const std::string& dir);
// rmdir with a short retry: a v1 group can stay busy for a moment after its last task died.
result<void> remove_group_dir(const std::string& dir);
bool exists(const std::string& path);

} // namespace recodex::sandbox::detail
