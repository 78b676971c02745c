// Reading zips with libarchive: one member of a zip held in memory (a results zip fetched over
// HTTP), or every file of a zip on disk (a submission stored as its archive).
#pragma once

#include "messages/result.hpp"

#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace recodex::storage {

// The bytes of the member named `entry`; nullopt when the zip has no such member. An error
// (invalid_argument) when `zip` is not a readable zip or the member cannot be read.
result<std::optional<std::string>> read_zip_member(std::string_view zip, const std::string& entry);

struct zip_file {
  std::string name; // as stored, '/'-separated
  std::string content;
};

// The regular-file members of the zip at `zip`, in archive order, read into memory (callers
// read archives whose size they bound). invalid_argument when it is not a readable zip.
result<std::vector<zip_file>> read_zip_files(const std::filesystem::path& zip);

} // namespace recodex::storage
