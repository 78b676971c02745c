// Theory of operation: the target directory is opened once; every entry's path is split into
// components, each parent is opened (or made) with openat(O_DIRECTORY|O_NOFOLLOW) from the one
// before, and the file itself is created with O_CREAT|O_EXCL|O_NOFOLLOW. No path string is ever
// handed to the kernel whole, so neither `..` nor a symlink can lead a write outside `target`.
#include "actors/worker/evaluation/archive_extractor.hpp"

#include "storage/file_io.hpp"

#include <archive.h>
#include <archive_entry.h>

#include <cerrno>
#include <fcntl.h>
#include <memory>
#include <string>
#include <string_view>
#include <sys/stat.h>
#include <unistd.h>
#include <vector>

namespace recodex::worker {

namespace {

using storage::unique_fd;

struct archive_deleter {
  void operator()(struct archive* a) const { archive_read_free(a); }
};
using archive_ptr = std::unique_ptr<struct archive, archive_deleter>;

error entry_error(errc code, std::string_view entry, std::string_view what) {
  return make_error(code, "archive entry '" + std::string{entry} + "': " + std::string{what});
}

error entry_errno(int err, std::string_view entry, std::string_view what) {
  auto e = make_errno_error(err, what);
  e.message = "archive entry '" + std::string{entry} + "': " + e.message;
  return e;
}

// The entry's components with "." and empty ones dropped; an error for absolute paths, `..`,
// backslashes (a Windows zip's separator that Linux would keep inside one name) and NULs.
result<std::vector<std::string>> split_entry_path(std::string_view path) {
  if (path.empty())
    return make_error(errc::invalid_argument, "archive entry with an empty name");
  if (path.front() == '/')
    return entry_error(errc::invalid_argument, path, "absolute paths are not allowed");
  if (path.find('\\') != std::string_view::npos)
    return entry_error(errc::invalid_argument, path, "backslashes are not allowed in names");
  std::vector<std::string> parts;
  std::size_t start = 0;
  while (start <= path.size()) {
    auto end = path.find('/', start);
    if (end == std::string_view::npos)
      end = path.size();
    auto part = path.substr(start, end - start);
    if (part == "..")
      return entry_error(errc::invalid_argument, path, "'..' components are not allowed");
    if (!part.empty() && part != ".")
      parts.emplace_back(part);
    start = end + 1;
  }
  return parts;
}

// Opens (creating when missing) the directory `name` below `parent`, never through a symlink.
result<unique_fd> open_subdirectory(int parent, const std::string& name, mode_t mode,
                                    std::string_view entry, bool* created = nullptr) {
  if (::mkdirat(parent, name.c_str(), 0700) == 0) {
    if (created)
      *created = true;
  } else if (errno != EEXIST) {
    return entry_errno(errno, entry, "cannot create directory " + name);
  }
  int fd = ::openat(parent, name.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
  if (fd < 0) {
    if (errno == ELOOP || errno == ENOTDIR)
      return entry_error(errc::invalid_argument, entry,
                         "'" + name + "' exists and is not a directory");
    return entry_errno(errno, entry, "cannot open directory " + name);
  }
  unique_fd dir{fd};
  if (created && *created && ::fchmod(dir.get(), mode) != 0)
    return entry_errno(errno, entry, "cannot set the mode of " + name);
  return dir;
}

class extractor {
public:
  extractor(const extract_options& options, int root) : options_(options), root_(root) {}

  result<extract_summary> run(struct archive* in) {
    for (;;) {
      struct archive_entry* entry = nullptr;
      int rc = archive_read_next_header(in, &entry);
      if (rc == ARCHIVE_EOF)
        break;
      if (rc < ARCHIVE_WARN)
        return make_error(errc::invalid_argument,
                          "corrupted archive after " + std::to_string(entries_) +
                              " entries: " + library_message(in));
      if (++entries_ > options_.max_entries)
        return make_error(errc::too_large, "the archive has more than " +
                                               std::to_string(options_.max_entries) +
                                               " entries");
      RECODEX_TRY_VOID(extract_entry(in, entry));
    }
    return summary_;
  }

private:
  static std::string library_message(struct archive* in) {
    const char* text = archive_error_string(in);
    return text ? text : "unknown libarchive error";
  }

  mode_t dir_mode() const { return options_.group_other_writable ? 0777 : 0755; }
  mode_t file_mode(mode_t entry_mode) const {
    mode_t mode = (entry_mode & 0111) ? 0755 : 0644;
    return options_.group_other_writable ? (mode | 0022) : mode;
  }

  result<void> extract_entry(struct archive* in, struct archive_entry* entry) {
    const char* raw = archive_entry_pathname(entry);
    if (!raw)
      raw = archive_entry_pathname_utf8(entry);
    if (!raw)
      return make_error(errc::invalid_argument, "archive entry " + std::to_string(entries_) +
                                                    " has a name that cannot be decoded");
    std::string name = raw;
    if (archive_entry_hardlink(entry))
      return entry_error(errc::invalid_argument, name, "hard links are not allowed");
    auto type = archive_entry_filetype(entry);
    if (type == AE_IFLNK)
      return entry_error(errc::invalid_argument, name, "symbolic links are not allowed");
    if (type != AE_IFREG && type != AE_IFDIR)
      return entry_error(errc::invalid_argument, name,
                         "only regular files and directories are allowed");
    RECODEX_TRY(parts, split_entry_path(name));
    if (parts.empty()) {
      if (type == AE_IFDIR)
        return ok(); // "./" names the target itself
      return entry_error(errc::invalid_argument, name, "a file needs a name");
    }

    // Walk to the parent one component at a time.
    unique_fd parent;
    int parent_fd = root_;
    const std::size_t leaf = parts.size() - 1;
    for (std::size_t i = 0; i < leaf; ++i) {
      bool created = false;
      RECODEX_TRY(next, open_subdirectory(parent_fd, parts[i], dir_mode(), name, &created));
      parent = std::move(next);
      parent_fd = parent.get();
    }

    if (type == AE_IFDIR) {
      bool created = false;
      RECODEX_TRY(dir, open_subdirectory(parent_fd, parts[leaf], dir_mode(), name, &created));
      (void)dir;
      ++summary_.directories;
      return ok();
    }
    return write_file(in, entry, parent_fd, parts[leaf], name);
  }

  result<void> write_file(struct archive* in, struct archive_entry* entry, int parent,
                          const std::string& leaf, const std::string& name) {
    const std::uint64_t budget = options_.max_total_size - summary_.bytes;
    if (archive_entry_size_is_set(entry) && archive_entry_size(entry) > 0 &&
        static_cast<std::uint64_t>(archive_entry_size(entry)) > budget)
      return too_large(name);

    const int flags = O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC;
    int fd = ::openat(parent, leaf.c_str(), flags, 0600);
    if (fd < 0 && errno == EEXIST) {
      // A file left by an earlier entry or task is replaced; a symlink is removed, never
      // followed; a directory stays and the entry fails.
      struct stat st{};
      if (::fstatat(parent, leaf.c_str(), &st, AT_SYMLINK_NOFOLLOW) == 0 && S_ISDIR(st.st_mode))
        return entry_error(errc::invalid_argument, name, "a directory of that name exists");
      if (::unlinkat(parent, leaf.c_str(), 0) != 0)
        return entry_errno(errno, name, "cannot replace " + leaf);
      fd = ::openat(parent, leaf.c_str(), flags, 0600);
    }
    if (fd < 0)
      return entry_errno(errno, name, "cannot create " + leaf);
    unique_fd file{fd};
    entry_bytes_ = 0;
    auto written = copy_data(in, file.get(), name);
    if (!written) {
      ::unlinkat(parent, leaf.c_str(), 0); // no partial file of a refused entry is left
      return written.error();
    }
    if (::fchmod(file.get(), file_mode(archive_entry_perm(entry))) != 0)
      return entry_errno(errno, name, "cannot set the mode of " + leaf);
    ++summary_.files;
    return ok();
  }

  result<void> copy_data(struct archive* in, int fd, const std::string& name) {
    for (;;) {
      const void* block = nullptr;
      std::size_t size = 0;
      la_int64_t offset = 0;
      int rc = archive_read_data_block(in, &block, &size, &offset);
      if (rc == ARCHIVE_EOF)
        return ok();
      // A warning here is a checksum mismatch: the data is wrong, so it counts as corruption.
      if (rc < ARCHIVE_OK)
        return entry_error(errc::invalid_argument, name,
                           "corrupted data: " + library_message(in));
      // Sparse tar entries give offsets; the hole counts towards the size as well.
      const std::uint64_t end = static_cast<std::uint64_t>(offset) + size;
      const std::uint64_t before_entry = summary_.bytes - entry_bytes_;
      if (end > options_.max_total_size - before_entry)
        return too_large(name);
      if (size > 0 && ::pwrite(fd, block, size, offset) != static_cast<ssize_t>(size)) {
        // pwrite on a regular file writes everything unless the disk fails.
        return entry_errno(errno ? errno : EIO, name, "cannot write");
      }
      if (end > entry_bytes_) {
        summary_.bytes += end - entry_bytes_;
        entry_bytes_ = end;
      }
    }
  }

  error too_large(const std::string& name) const {
    return entry_error(errc::too_large, name,
                       "the archive unpacks to more than " +
                           std::to_string(options_.max_total_size) + " bytes");
  }

  const extract_options& options_;
  int root_;
  std::uint64_t entries_ = 0;
  std::uint64_t entry_bytes_ = 0;
  extract_summary summary_;
};

} // namespace

result<extract_summary> extract_archive(const std::filesystem::path& archive,
                                        const std::filesystem::path& target,
                                        const extract_options& options) {
  int root = ::open(target.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (root < 0) {
    auto e = make_errno_error(errno, "cannot open the extraction directory " + target.string());
    if (errno == ENOENT)
      e.code = errc::not_found;
    return e;
  }
  unique_fd root_fd{root};

  auto opened = storage::open_for_reading(archive);
  if (!opened) {
    auto e = opened.error();
    if (!std::filesystem::exists(archive))
      e.code = errc::not_found;
    return e;
  }
  auto input = std::move(opened).value();
  archive_ptr in{archive_read_new()};
  if (!in)
    return make_error(errc::internal, "libarchive could not allocate a reader");
  archive_read_support_format_zip(in.get());
  archive_read_support_format_tar(in.get());
  archive_read_support_format_gnutar(in.get());
  archive_read_support_filter_gzip(in.get());
  archive_read_support_filter_bzip2(in.get());
  archive_read_support_filter_xz(in.get());
  if (archive_read_open_fd(in.get(), input.get(), 64 * 1024) != ARCHIVE_OK) {
    const char* text = archive_error_string(in.get());
    return make_error(errc::invalid_argument, "cannot read " + archive.filename().string() +
                                                  " as an archive: " +
                                                  (text ? text : "unknown format"));
  }
  extractor x{options, root_fd.get()};
  auto summary = x.run(in.get());
  if (!summary) {
    auto e = summary.error();
    e.message = archive.filename().string() + ": " + e.message;
    return e;
  }
  return summary.value();
}

} // namespace recodex::worker
