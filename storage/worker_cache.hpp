// The worker's file cache for `fetch` tasks (5.5, ARCHITECTURE 5): <cache>/<name>, normally a
// SHA-1, shared by every slot of a host. A fill downloads into a temporary file inside the cache
// directory, checks the SHA-1, and renames without replacing, so concurrent fills of one entry
// from threads or processes are safe and exactly one copy is kept. Lookups refresh an entry's
// modification time, which eviction by age and by total size uses.
#pragma once

#include "messages/result.hpp"

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <optional>
#include <string>
#include <string_view>

namespace recodex::storage {

struct eviction_summary {
  std::uint64_t removed = 0;       // entries and stale temporary files
  std::uint64_t kept_bytes = 0;    // total size of the entries left
};

class worker_cache {
public:
  // Writes the content of `name` into `file` (created, empty, owned by the caller); an error
  // aborts the fill and the temporary file is removed. Tests pass a lambda; the worker passes
  // its HTTP client.
  using downloader = std::function<result<void>(const std::string& name,
                                                const std::filesystem::path& file)>;

  // Creates `dir` when missing.
  static result<worker_cache> open(std::filesystem::path dir);

  const std::filesystem::path& dir() const { return dir_; }

  // The entry's path when cached (its age is reset), else nullopt. invalid_argument for a name
  // that is not one plain file name.
  result<std::optional<std::filesystem::path>> lookup(std::string_view name) const;

  // Downloads `name` and moves it into place unless another fill won; a name that is a SHA-1
  // must match the content's hash (hash_mismatch otherwise, and nothing is kept).
  result<std::filesystem::path> fill(std::string_view name, const downloader& download) const;

  // lookup() or fill(), then copies the entry to `destination` (parents created), writable by
  // owner, group and others as 4.3 gives downloaded files.
  result<void> fetch_to(std::string_view name, const std::filesystem::path& destination,
                        const downloader& download) const;

  // As fetch_to, but only from the cache: false (and nothing written) when `name` is not cached.
  result<bool> copy_cached(std::string_view name, const std::filesystem::path& destination) const;

  // Removes entries older than `max_age` (and temporary files of fills that died), then the
  // oldest entries until the rest totals at most `max_bytes`.
  result<eviction_summary> evict(std::uint64_t max_bytes, std::chrono::seconds max_age,
                                 std::filesystem::file_time_type now =
                                     std::filesystem::file_time_type::clock::now()) const;

private:
  explicit worker_cache(std::filesystem::path dir) : dir_(std::move(dir)) {}

  std::filesystem::path dir_;
};

} // namespace recodex::storage
