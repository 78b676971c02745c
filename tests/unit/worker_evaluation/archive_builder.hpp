// Archives built in the tests with libarchive's writer, hostile ones included (`..` names,
// links, devices), so the extraction tests need no binary fixtures.
#pragma once

#include <archive.h>
#include <archive_entry.h>

#include <algorithm>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <stdexcept>
#include <string>
#include <utility>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <vector>

namespace recodex::worker::testing {

enum class archive_kind { zip, tar, tgz, tbz2 };

struct archive_item {
  archive_item(std::string name_, std::string content_ = {}, unsigned type_ = AE_IFREG,
               std::string link_ = {}, bool hardlink_ = false, std::uint64_t zeros_ = 0,
               unsigned perm_ = 0644)
      : name(std::move(name_)), content(std::move(content_)), type(type_),
        link(std::move(link_)), hardlink(hardlink_), zeros(zeros_), perm(perm_) {}

  std::string name;
  std::string content;           // for regular files
  unsigned type = AE_IFREG;      // AE_IFREG, AE_IFDIR, AE_IFLNK, AE_IFCHR, AE_IFIFO...
  std::string link;              // symlink target, or hardlink target when `hardlink`
  bool hardlink = false;
  std::uint64_t zeros = 0;       // appended zero bytes (a compressible bomb)
  unsigned perm = 0644;
};

inline void build_archive(const std::filesystem::path& file, archive_kind kind,
                          const std::vector<archive_item>& items) {
  struct archive* out = archive_write_new();
  switch (kind) {
  case archive_kind::zip:
    archive_write_set_format_zip(out);
    break;
  case archive_kind::tar:
    archive_write_set_format_pax_restricted(out);
    break;
  case archive_kind::tgz:
    archive_write_set_format_pax_restricted(out);
    archive_write_add_filter_gzip(out);
    break;
  case archive_kind::tbz2:
    archive_write_set_format_pax_restricted(out);
    archive_write_add_filter_bzip2(out);
    break;
  }
  if (archive_write_open_filename(out, file.c_str()) != ARCHIVE_OK)
    throw std::runtime_error{archive_error_string(out)};
  for (const auto& item : items) {
    struct archive_entry* entry = archive_entry_new();
    archive_entry_set_pathname(entry, item.name.c_str());
    archive_entry_set_perm(entry, item.perm);
    if (item.hardlink) {
      archive_entry_set_filetype(entry, AE_IFREG);
      archive_entry_set_hardlink(entry, item.link.c_str());
      archive_entry_set_size(entry, 0);
    } else {
      archive_entry_set_filetype(entry, item.type);
      if (item.type == AE_IFLNK)
        archive_entry_set_symlink(entry, item.link.c_str());
      if (item.type == AE_IFCHR)
        archive_entry_set_rdev(entry, makedev(1, 3));
      archive_entry_set_size(entry, item.type == AE_IFREG
                                        ? static_cast<la_int64_t>(item.content.size() + item.zeros)
                                        : 0);
    }
    if (archive_write_header(out, entry) < ARCHIVE_WARN)
      throw std::runtime_error{archive_error_string(out)};
    if (item.type == AE_IFREG && !item.hardlink) {
      archive_write_data(out, item.content.data(), item.content.size());
      const std::string chunk(1 << 20, '\0');
      for (std::uint64_t left = item.zeros; left > 0;) {
        auto n = std::min<std::uint64_t>(left, chunk.size());
        archive_write_data(out, chunk.data(), n);
        left -= n;
      }
    }
    archive_entry_free(entry);
  }
  archive_write_close(out);
  archive_write_free(out);
}

inline std::string read_text(const std::filesystem::path& file) {
  std::ifstream in{file, std::ios::binary};
  return std::string{std::istreambuf_iterator<char>{in}, std::istreambuf_iterator<char>{}};
}

inline void write_text(const std::filesystem::path& file, const std::string& content) {
  std::filesystem::create_directories(file.parent_path());
  std::ofstream out{file, std::ios::binary | std::ios::trunc};
  out << content;
}

// Every path below `dir` (files, directories, links), relative, sorted.
inline std::vector<std::string> list_tree(const std::filesystem::path& dir) {
  std::vector<std::string> names;
  std::error_code ec;
  for (std::filesystem::recursive_directory_iterator it{dir, ec}, end; !ec && it != end;
       it.increment(ec))
    names.push_back(std::filesystem::relative(it->path(), dir).generic_string());
  std::sort(names.begin(), names.end());
  return names;
}

} // namespace recodex::worker::testing
