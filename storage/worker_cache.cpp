// Fills are the only writers: each gets its own temporary name ".fill-<name>-<pid>-<n>" in the
// cache directory (same file system, so the final rename is atomic) and publishes with
// rename_no_replace. Readers copy an entry out; if eviction removed it in between, the copy is
// retried through a new fill.
#include "storage/worker_cache.hpp"

#include "storage/atomic_file.hpp"
#include "storage/names.hpp"
#include "storage/sha1.hpp"

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <fcntl.h>
#include <sys/stat.h>
#include <system_error>
#include <unistd.h>
#include <vector>

namespace recodex::storage {

namespace fs = std::filesystem;

namespace {

constexpr std::string_view temp_prefix = ".fill-";

result<void> check_name(std::string_view name) {
  if (!is_valid_task_file_name(name) || name.front() == '.')
    return make_error(errc::invalid_argument,
                      "'" + std::string{name} + "' is not a valid cache entry name");
  return ok();
}

fs::path unique_temp(const fs::path& dir, std::string_view name) {
  static std::atomic<unsigned long> counter{0};
  return dir / (std::string{temp_prefix} + std::string{name} + "-" +
                std::to_string(::getpid()) + "-" + std::to_string(counter++));
}

} // namespace

result<worker_cache> worker_cache::open(fs::path dir) {
  std::error_code ec;
  fs::create_directories(dir, ec);
  if (ec)
    return make_error(errc::io_error,
                      "cannot create the cache directory " + dir.string() + ": " + ec.message());
  return worker_cache{std::move(dir)};
}

result<std::optional<fs::path>> worker_cache::lookup(std::string_view name) const {
  RECODEX_TRY_VOID(check_name(name));
  fs::path entry = dir_ / std::string{name};
  // Touching is the lookup: utimensat fails with ENOENT exactly when the entry is absent.
  if (::utimensat(AT_FDCWD, entry.c_str(), nullptr, AT_SYMLINK_NOFOLLOW) != 0) {
    if (errno == ENOENT)
      return std::optional<fs::path>{};
    return make_errno_error(errno, "cannot touch cache entry " + entry.string());
  }
  return std::optional<fs::path>{std::move(entry)};
}

result<fs::path> worker_cache::fill(std::string_view name, const downloader& download) const {
  RECODEX_TRY_VOID(check_name(name));
  const fs::path temp = unique_temp(dir_, name);
  int fd = ::open(temp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
  if (fd < 0)
    return make_errno_error(errno, "cannot create " + temp.string());
  ::close(fd);
  auto remove_temp = [&] {
    std::error_code ignored;
    fs::remove(temp, ignored);
  };
  auto downloaded = download(std::string{name}, temp);
  if (!downloaded) {
    remove_temp();
    return downloaded.error();
  }
  if (auto expected = normalize_sha1(name)) {
    auto actual = sha1_hex_of_file(temp);
    if (!actual) {
      remove_temp();
      return actual.error();
    }
    if (actual.value() != *expected) {
      remove_temp();
      return make_error(errc::hash_mismatch, "downloaded " + std::string{name} +
                                                 " hashes to " + actual.value());
    }
  }
  const fs::path entry = dir_ / std::string{name};
  auto moved = rename_no_replace(temp, entry);
  if (!moved) {
    remove_temp();
    return moved.error();
  }
  if (!moved.value())
    remove_temp(); // another fill won; its copy has the same content
  return entry;
}

namespace {

// The entry's content at `destination` (parents created, an existing file overwritten), writable
// by owner, group and others as 4.3 gives downloaded files. ENOENT from the entry itself (evicted
// meanwhile) is returned as is, so the caller can fill it again.
std::error_code copy_entry(const fs::path& entry, const fs::path& destination) {
  std::error_code ec;
  if (destination.has_parent_path())
    fs::create_directories(destination.parent_path(), ec);
  if (!ec)
    fs::copy_file(entry, destination, fs::copy_options::overwrite_existing, ec);
  if (ec)
    return ec;
  std::error_code not_writable; // as before: the copy stands even if this fails
  fs::permissions(destination,
                  fs::perms::owner_write | fs::perms::group_write | fs::perms::others_write,
                  fs::perm_options::add, not_writable);
  return ec;
}

} // namespace

result<void> worker_cache::fetch_to(std::string_view name, const fs::path& destination,
                                    const downloader& download) const {
  for (int attempt = 0; attempt < 2; ++attempt) {
    RECODEX_TRY(found, lookup(name));
    fs::path entry;
    if (found) {
      entry = *found;
    } else {
      RECODEX_TRY(filled, fill(name, download));
      entry = std::move(filled);
    }
    auto ec = copy_entry(entry, destination);
    if (ec == std::errc::no_such_file_or_directory && fs::exists(destination.parent_path()))
      continue; // evicted between lookup and copy: fill again
    if (ec)
      return make_error(errc::io_error, "cannot copy cache entry " + std::string{name} + " to " +
                                            destination.string() + ": " + ec.message());
    return ok();
  }
  return make_error(errc::conflict, "cache entry " + std::string{name} +
                                        " was evicted while being fetched twice");
}

result<bool> worker_cache::copy_cached(std::string_view name, const fs::path& destination) const {
  RECODEX_TRY(found, lookup(name));
  if (!found)
    return false;
  if (auto ec = copy_entry(*found, destination)) {
    if (ec == std::errc::no_such_file_or_directory && !fs::exists(*found))
      return false; // evicted meanwhile
    return make_error(errc::io_error, "cannot copy cache entry " + std::string{name} + " to " +
                                          destination.string() + ": " + ec.message());
  }
  return true;
}

result<eviction_summary> worker_cache::evict(std::uint64_t max_bytes, std::chrono::seconds max_age,
                                             fs::file_time_type now) const {
  struct entry {
    fs::path path;
    fs::file_time_type mtime;
    std::uint64_t size;
  };
  eviction_summary summary;
  std::vector<entry> kept;
  std::error_code ec;
  for (fs::directory_iterator it{dir_, ec}, end; !ec && it != end; it.increment(ec)) {
    std::error_code item_ec;
    if (!it->is_regular_file(item_ec))
      continue;
    auto mtime = fs::last_write_time(it->path(), item_ec);
    auto size = fs::file_size(it->path(), item_ec);
    if (item_ec)
      continue; // removed by a concurrent eviction
    const bool temp = it->path().filename().string().rfind(temp_prefix, 0) == 0;
    if (now - mtime > max_age) {
      if (fs::remove(it->path(), item_ec))
        ++summary.removed;
      continue;
    }
    if (!temp)
      kept.push_back({it->path(), mtime, size});
  }
  if (ec)
    return make_error(errc::io_error, "cannot list the cache " + dir_.string() + ": " +
                                          ec.message());
  std::sort(kept.begin(), kept.end(),
            [](const entry& a, const entry& b) { return a.mtime < b.mtime; });
  std::uint64_t total = 0;
  for (const auto& e : kept)
    total += e.size;
  for (const auto& e : kept) {
    if (total <= max_bytes)
      break;
    std::error_code item_ec;
    if (fs::remove(e.path, item_ec))
      ++summary.removed;
    total -= e.size;
  }
  summary.kept_bytes = total;
  return summary;
}

} // namespace recodex::storage
