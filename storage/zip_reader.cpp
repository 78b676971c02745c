#include "storage/zip_reader.hpp"

#include <archive.h>
#include <archive_entry.h>

#include <memory>

namespace recodex::storage {

namespace {

using reader_ptr = std::unique_ptr<archive, decltype(&archive_read_free)>;

reader_ptr new_zip_reader() {
  reader_ptr reader{archive_read_new(), archive_read_free};
  archive_read_support_format_zip(reader.get());
  return reader;
}

error not_a_zip(archive* reader) {
  return make_error(errc::invalid_argument, std::string("not a zip: ") + archive_error_string(reader));
}

// The current member's bytes.
result<std::string> member_data(archive* reader, const std::string& name) {
  std::string out;
  char buffer[65536];
  la_ssize_t n;
  while ((n = archive_read_data(reader, buffer, sizeof buffer)) > 0)
    out.append(buffer, static_cast<std::size_t>(n));
  if (n < 0)
    return make_error(errc::invalid_argument,
                      "cannot read " + name + " of the zip: " + archive_error_string(reader));
  return out;
}

} // namespace

result<std::optional<std::string>> read_zip_member(std::string_view zip, const std::string& entry) {
  auto reader = new_zip_reader();
  if (archive_read_open_memory(reader.get(), zip.data(), zip.size()) != ARCHIVE_OK)
    return not_a_zip(reader.get());
  archive_entry* e = nullptr;
  while (archive_read_next_header(reader.get(), &e) == ARCHIVE_OK) {
    if (archive_entry_pathname(e) != entry)
      continue;
    RECODEX_TRY(data, member_data(reader.get(), entry));
    return std::optional<std::string>(std::move(data));
  }
  return std::optional<std::string>();
}

result<std::vector<zip_file>> read_zip_files(const std::filesystem::path& zip) {
  auto reader = new_zip_reader();
  if (archive_read_open_filename(reader.get(), zip.c_str(), 65536) != ARCHIVE_OK)
    return not_a_zip(reader.get());
  std::vector<zip_file> files;
  archive_entry* e = nullptr;
  int status = ARCHIVE_OK;
  while ((status = archive_read_next_header(reader.get(), &e)) == ARCHIVE_OK) {
    if (archive_entry_filetype(e) != AE_IFREG)
      continue;
    std::string name = archive_entry_pathname(e);
    RECODEX_TRY(data, member_data(reader.get(), name));
    files.push_back({std::move(name), std::move(data)});
  }
  if (status != ARCHIVE_EOF)
    return make_error(errc::invalid_argument, "cannot read " + zip.string() + ": " +
                                                  archive_error_string(reader.get()));
  return files;
}

} // namespace recodex::storage
