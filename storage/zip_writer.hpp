// Zips of regular files from disk (or contents in memory), written with libarchive into an atomic_file_writer: the
// submission archives (files at the archive root) and the worker's results zip (files under
// result/). Entries are regular files, mode 0644, names stored as UTF-8, bodies streamed in
// 64 KiB pieces, no block padding after the end record.
#pragma once

#include "messages/result.hpp"
#include "storage/atomic_file.hpp"
#include "storage/zip_reader.hpp"

#include <filesystem>
#include <functional>
#include <string>
#include <vector>

namespace recodex::storage {

struct zip_member {
  std::filesystem::path source; // the file on disk
  std::string name;             // the entry name, '/'-separated
};

// Regular files below `dir`, recursively, named by their '/'-separated path relative to `dir`
// and sorted by name. Symlinks are neither followed nor listed, nor is anything else that is
// not a regular file. `skip(relative path)` leaves out a file, or a directory with everything in
// it.
result<std::vector<zip_member>>
list_regular_files(const std::filesystem::path& dir,
                   const std::function<bool(const std::filesystem::path&)>& skip = {});

// Writes the zip of `members` into `writer`, which the caller then commits; `target` names the
// zip in errors.
result<void> write_zip(atomic_file_writer& writer, const std::vector<zip_member>& members,
                       const std::filesystem::path& target);
// The same from contents in memory (entries dated now), in the order given.
result<void> write_zip_of_contents(atomic_file_writer& writer, const std::vector<zip_file>& files,
                                   const std::filesystem::path& target);

} // namespace recodex::storage
