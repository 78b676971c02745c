// Listing and zipping with libarchive; see zip_writer.hpp.
#include "storage/zip_writer.hpp"

#include "storage/file_io.hpp"

#include <algorithm>
#include <archive.h>
#include <archive_entry.h>
#include <cerrno>
#include <memory>
#include <optional>
#include <sys/stat.h>
#include <system_error>
#include <time.h>

namespace recodex::storage {

namespace fs = std::filesystem;

namespace {

struct archive_deleter {
  void operator()(archive* a) const { archive_write_free(a); }
};
struct entry_deleter {
  void operator()(archive_entry* e) const { archive_entry_free(e); }
};

// Where libarchive's output goes; a write failure keeps our error for the caller.
struct archive_sink {
  atomic_file_writer* writer = nullptr;
  std::optional<error> failure;
};

la_ssize_t write_to_sink(archive* a, void* client, const void* buffer, size_t size) {
  auto* sink = static_cast<archive_sink*>(client);
  if (auto written = sink->writer->write(buffer, size); !written) {
    sink->failure = written.error();
    archive_set_error(a, EIO, "%s", written.error().message.c_str());
    return -1;
  }
  return static_cast<la_ssize_t>(size);
}

error archive_failure(archive* a, const archive_sink& sink, const fs::path& target) {
  if (sink.failure)
    return *sink.failure;
  const char* reason = archive_error_string(a);
  return make_error(errc::io_error, "cannot build " + target.string() + ": " +
                                        (reason != nullptr ? reason : "libarchive failed"));
}

// A regular-file entry's header: mode 0644, the name as UTF-8 whatever the process locale is
// (as workers expect).
result<void> add_entry_header(archive* a, const archive_sink& sink, const std::string& name,
                              std::uint64_t size, const struct timespec& mtime,
                              const fs::path& target) {
  std::unique_ptr<archive_entry, entry_deleter> entry{archive_entry_new()};
  archive_entry_set_pathname_utf8(entry.get(), name.c_str());
  archive_entry_set_filetype(entry.get(), AE_IFREG);
  archive_entry_set_perm(entry.get(), 0644);
  archive_entry_set_size(entry.get(), static_cast<la_int64_t>(size));
  archive_entry_set_mtime(entry.get(), mtime.tv_sec, mtime.tv_nsec);
  if (archive_write_header(a, entry.get()) < ARCHIVE_WARN)
    return archive_failure(a, sink, target);
  return ok();
}

result<void> add_data(archive* a, const archive_sink& sink, std::string_view chunk,
                      const fs::path& target) {
  if (archive_write_data(a, chunk.data(), chunk.size()) < 0)
    return archive_failure(a, sink, target);
  return ok();
}

result<void> add_to_archive(archive* a, const archive_sink& sink, const zip_member& file,
                            const fs::path& target) {
  RECODEX_TRY(source, open_for_reading(file.source));
  struct stat st {};
  if (::fstat(source.get(), &st) != 0)
    return make_errno_error(errno, "cannot stat " + file.source.string());
  RECODEX_TRY_VOID(add_entry_header(a, sink, file.name, static_cast<std::uint64_t>(st.st_size),
                                    st.st_mtim, target));
  return read_chunks(source.get(), file.source,
                     [&](std::string_view chunk) { return add_data(a, sink, chunk, target); });
}

result<void> add_to_archive(archive* a, const archive_sink& sink, const zip_file& file,
                            const fs::path& target) {
  struct timespec now {};
  ::clock_gettime(CLOCK_REALTIME, &now);
  RECODEX_TRY_VOID(add_entry_header(a, sink, file.name, file.content.size(), now, target));
  return add_data(a, sink, file.content, target);
}

// The zip of `members` (zip_member: from disk; zip_file: from memory) into `writer`.
template <class Member>
result<void> write_members(atomic_file_writer& writer, const std::vector<Member>& members,
                           const fs::path& target) {
  archive_sink sink{&writer, std::nullopt};
  std::unique_ptr<archive, archive_deleter> zip{archive_write_new()};
  if (!zip)
    return make_error(errc::internal, "libarchive cannot allocate a writer");
  // No block padding: bytes after the zip's end record would confuse readers.
  if (archive_write_set_format_zip(zip.get()) != ARCHIVE_OK ||
      archive_write_set_bytes_in_last_block(zip.get(), 1) != ARCHIVE_OK ||
      archive_write_open(zip.get(), &sink, nullptr, write_to_sink, nullptr) != ARCHIVE_OK)
    return archive_failure(zip.get(), sink, target);
  for (const auto& member : members) {
    RECODEX_TRY_VOID(add_to_archive(zip.get(), sink, member, target));
  }
  if (archive_write_close(zip.get()) != ARCHIVE_OK)
    return archive_failure(zip.get(), sink, target);
  return ok();
}

} // namespace

result<std::vector<zip_member>>
list_regular_files(const fs::path& dir, const std::function<bool(const fs::path&)>& skip) {
  std::vector<zip_member> files;
  std::error_code ec;
  fs::recursive_directory_iterator it{dir, ec}, end;
  for (; !ec && it != end; it.increment(ec)) {
    auto relative = it->path().lexically_relative(dir);
    if (skip && skip(relative)) {
      if (it->is_directory(ec))
        it.disable_recursion_pending();
      continue;
    }
    if (fs::is_regular_file(it->symlink_status(ec)))
      files.push_back({it->path(), relative.generic_string()});
  }
  if (ec)
    return make_errno_error(ec.value(), "cannot list " + dir.string());
  std::sort(files.begin(), files.end(),
            [](const zip_member& a, const zip_member& b) { return a.name < b.name; });
  return files;
}

result<void> write_zip(atomic_file_writer& writer, const std::vector<zip_member>& members,
                       const fs::path& target) {
  return write_members(writer, members, target);
}

result<void> write_zip_of_contents(atomic_file_writer& writer, const std::vector<zip_file>& files,
                                   const fs::path& target) {
  return write_members(writer, files, target);
}

} // namespace recodex::storage
