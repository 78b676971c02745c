// Content-addressed blobs: <root>/<first hex char>/<sha1>. A blob is written to a temporary
// file on the same file system, fsync'd and renamed into place without replacing anything, so
// readers never see a partial file and the same content is stored once.
#pragma once

#include "messages/result.hpp"
#include "storage/sha1.hpp"

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>

namespace recodex::storage {

struct blob_info {
  std::string sha1;        // lowercase hex
  std::uint64_t size = 0;  // bytes
  bool created = false;    // false when the content was already stored (dedup)

  friend bool operator==(const blob_info& a, const blob_info& b) {
    return a.sha1 == b.sha1 && a.size == b.size && a.created == b.created;
  }
};

// Streams one upload into a temporary file. Nothing is visible until commit() succeeds;
// destroying an uncommitted writer removes the temporary file.
class blob_writer {
public:
  blob_writer(blob_writer&&) noexcept;
  blob_writer& operator=(blob_writer&&) noexcept;
  ~blob_writer();

  // Appends; fails with too_large past the store's size limit.
  result<void> write(const void* data, std::size_t size);
  result<void> write(std::string_view data) { return write(data.data(), data.size()); }

  std::uint64_t size() const { return size_; }

  // fsyncs, checks the claimed SHA-1 (hash_mismatch), and moves the file into place unless that
  // content is already stored. The writer is spent afterwards.
  result<blob_info> commit();

private:
  friend class blob_store;
  blob_writer(std::filesystem::path root, std::filesystem::path temp_path, int fd,
              std::optional<std::string> claimed_sha1, std::uint64_t max_size);
  void discard();

  std::filesystem::path root_;
  std::filesystem::path temp_path_;
  int fd_ = -1;
  std::optional<std::string> claimed_sha1_;
  std::uint64_t max_size_ = 0;
  std::uint64_t size_ = 0;
  sha1_hasher hasher_;
};

class blob_store {
public:
  static constexpr std::uint64_t unlimited = ~std::uint64_t{0};

  // `root` is <data>/tasks; created when missing. Temporary files live in <root>/.incoming.
  static result<blob_store> open(std::filesystem::path root, std::uint64_t max_blob_size = unlimited);

  // Starts a streamed upload; a claimed SHA-1 must be valid hex (invalid_argument otherwise).
  result<blob_writer> begin_write(std::optional<std::string_view> claimed_sha1 = std::nullopt) const;

  // Convenience for content already in memory.
  result<blob_info> put(std::string_view content,
                        std::optional<std::string_view> claimed_sha1 = std::nullopt) const;

  // Streams a file from disk into the store.
  result<blob_info> put_file(const std::filesystem::path& source) const;

  bool contains(std::string_view sha1) const;

  // Where a stored blob lives; not_found when absent, invalid_argument for a bad hash.
  result<std::filesystem::path> path_of(std::string_view sha1) const;

  // Size of a stored blob.
  result<std::uint64_t> size_of(std::string_view sha1) const;

  // Whole content; for small blobs only (manifests, tests).
  result<std::string> read(std::string_view sha1) const;

  // Removes temporaries of crashed or abandoned writers not modified for `max_age`; those of
  // live writers (which hold a lock on them) are kept whatever their age.
  std::size_t remove_stale_temporaries(std::chrono::seconds max_age) const;

  const std::filesystem::path& root() const { return root_; }

private:
  blob_store(std::filesystem::path root, std::uint64_t max_blob_size);
  std::filesystem::path final_path(const std::string& sha1) const;

  std::filesystem::path root_;
  std::uint64_t max_blob_size_ = unlimited;
};

} // namespace recodex::storage
