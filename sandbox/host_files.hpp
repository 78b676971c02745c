// Small host-side file helpers for cgroupfs and /proc: whole-file reads and writes that report
// the path and errno, as the error policy asks ("cannot write memory.max in ...: EACCES").
#pragma once

#include "messages/result.hpp"

#include <cstdint>
#include <string>
#include <string_view>

namespace recodex::sandbox::detail {

result<void> write_text(const std::string& path, std::string_view text);
result<std::string> read_text(const std::string& path);
result<std::uint64_t> read_number(const std::string& path);
// The value of `key` in "key value" lines (memory.events, cpu.stat, memory.oom_control);
// 0 when the key is absent.
std::uint64_t keyed_value(std::string_view text, std::string_view key);
// mkdir that accepts an existing directory.
result<void> make_dir(const std::string& path, unsigned mode = 0755);
error errno_error(int err, std::string_view what, const std::string& path);

} // namespace recodex::sandbox::detail
