// clean_temp_dir: ages out scratch entries of <data>/temp. A directory's age is that of the
// newest thing inside it, because writing a file deep in a tree does not touch the top-level
// directory's mtime, and a job still filling its scratch directory must not lose it.
#include "storage/temp_cleaner.hpp"

#include <algorithm>
#include <optional>
#include <system_error>

namespace recodex::storage {

namespace fs = std::filesystem;

namespace {

// The newest modification of `entry` and, for a directory, of everything below it.
// nullopt when the entry itself cannot be examined.
std::optional<fs::file_time_type> last_change(const fs::directory_entry& entry) {
  std::error_code ec;
  auto status = entry.symlink_status(ec);
  if (ec)
    return std::nullopt;
  if (fs::is_symlink(status)) {
    // The link's own time is what matters; a dangling link has no target to ask.
    auto target = fs::last_write_time(entry.path(), ec);
    if (ec)
      return fs::file_time_type::min();
    return target;
  }
  auto newest = entry.last_write_time(ec);
  if (ec)
    return std::nullopt;
  if (fs::is_directory(status)) {
    for (fs::recursive_directory_iterator it{entry.path(), ec}, end; !ec && it != end;
         it.increment(ec)) {
      std::error_code inner;
      if (it->is_symlink(inner))
        continue;
      auto changed = it->last_write_time(inner);
      if (!inner)
        newest = std::max(newest, changed);
    }
  }
  return newest;
}

} // namespace

temp_clean_report clean_temp_dir(const fs::path& temp_dir, std::chrono::seconds max_age,
                                 fs::file_time_type now) {
  temp_clean_report report;
  std::error_code ec;
  for (fs::directory_iterator it{temp_dir, ec}, end; !ec && it != end; it.increment(ec)) {
    auto changed = last_change(*it);
    if (!changed) {
      ++report.failed;
      continue;
    }
    if (now - *changed <= max_age)
      continue;
    std::error_code removal;
    fs::remove_all(it->path(), removal);
    if (removal)
      ++report.failed;
    else
      ++report.removed;
  }
  return report;
}

} // namespace recodex::storage
