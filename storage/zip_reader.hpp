// Reading one member of a zip held in memory (a results zip fetched over HTTP), with libarchive.
#pragma once

#include "messages/result.hpp"

#include <optional>
#include <string>
#include <string_view>

namespace recodex::storage {

// The bytes of the member named `entry`; nullopt when the zip has no such member. An error
// (invalid_argument) when `zip` is not a readable zip or the member cannot be read.
result<std::optional<std::string>> read_zip_member(std::string_view zip, const std::string& entry);

} // namespace recodex::storage
