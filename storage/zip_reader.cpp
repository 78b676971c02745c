#include "storage/zip_reader.hpp"

#include <archive.h>
#include <archive_entry.h>

#include <memory>

namespace recodex::storage {

result<std::optional<std::string>> read_zip_member(std::string_view zip, const std::string& entry) {
  std::unique_ptr<archive, decltype(&archive_read_free)> reader{archive_read_new(), archive_read_free};
  archive_read_support_format_zip(reader.get());
  if (archive_read_open_memory(reader.get(), zip.data(), zip.size()) != ARCHIVE_OK)
    return make_error(errc::invalid_argument, std::string("not a zip: ") + archive_error_string(reader.get()));
  archive_entry* e = nullptr;
  while (archive_read_next_header(reader.get(), &e) == ARCHIVE_OK) {
    if (archive_entry_pathname(e) != entry)
      continue;
    std::string out;
    char buffer[65536];
    la_ssize_t n;
    while ((n = archive_read_data(reader.get(), buffer, sizeof buffer)) > 0)
      out.append(buffer, static_cast<std::size_t>(n));
    if (n < 0)
      return make_error(errc::invalid_argument, "cannot read " + entry + " of the zip: " +
                                                    archive_error_string(reader.get()));
    return std::optional<std::string>(std::move(out));
  }
  return std::optional<std::string>();
}

} // namespace recodex::storage
