// Validation of names that come from outside (HTTP paths, multipart fields, task definitions)
// before they touch the file system. Everything here is pure.
#pragma once

#include <string_view>

namespace recodex::storage {

// Submission, result, job and task ids: [A-Za-z0-9_.-]{1,128}, and never "." or "..".
bool is_valid_id(std::string_view id);

// A relative path inside a submission: '/'-separated components, each a non-empty name other
// than "." and "..", no leading '/', no backslash or NUL, at most 1024 bytes.
bool is_valid_relative_path(std::string_view path);

// A task file name shown to humans: one path component of printable characters other than
// '/', '\\' and NUL, at most 255 bytes, and never "." or "..".
bool is_valid_task_file_name(std::string_view name);

} // namespace recodex::storage
