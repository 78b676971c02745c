// A file that appears complete or not at all: written to a temporary name in the target's
// directory, fsync'd, then renamed (and the directory fsync'd, with the parent of every directory
// made for it). Used for results, archives and submission files, one at a time or as a batch
// (commit_all: the files of one request, one fsync per distinct directory); the blob store builds
// its no-replace variant on the same idea.
#pragma once

#include "messages/result.hpp"

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <string_view>
#include <time.h>
#include <vector>

namespace recodex::storage {

// Whether a commit waits until the file and its name are on disk (the store's files), or only
// makes it appear whole under its name (working files of a worker that a crash discards anyway;
// an fsync costs milliseconds here).
enum class durability { synced, unsynced };

class atomic_file_writer {
public:
  static constexpr std::uint64_t unlimited = ~std::uint64_t{0};

  // Creates the temporary file (and missing parent directories, remembered for commit).
  static result<atomic_file_writer> create(std::filesystem::path target,
                                           std::uint64_t max_size = unlimited);

  atomic_file_writer(atomic_file_writer&&) noexcept;
  atomic_file_writer& operator=(atomic_file_writer&&) noexcept;
  ~atomic_file_writer(); // removes the temporary file unless committed

  // Fails with too_large past max_size (and the writer is then discarded).
  result<void> write(const void* data, std::size_t size);
  result<void> write(std::string_view data) { return write(data.data(), data.size()); }
  std::uint64_t size() const { return size_; }

  // Sets the file's modification time back to when create() made it, on the file system's own
  // clock: a file derived from others (a submission's archive) then tells when its inputs were
  // read, not when its writing ended, so an input changed meanwhile still looks newer.
  result<void> date_to_creation();

  // fsync + rename over the target (+ fsync of directories_to_sync()); unsynced: only the
  // rename.
  result<std::filesystem::path> commit(durability mode = durability::synced);

  // Directories made for this file before create() (the submission store makes a submission's
  // directory under its index lock): a synced commit makes their entries durable too.
  void add_new_directories(const std::vector<std::filesystem::path>& made);

  // What a synced commit fsyncs after the rename: the target's directory (the new name) and the
  // parent of every directory made for the file (the new directory's name).
  std::vector<std::filesystem::path> directories_to_sync() const;

  friend result<void> commit_all(std::vector<atomic_file_writer>& writers);

private:
  atomic_file_writer(std::filesystem::path target, std::filesystem::path temp, int fd,
                     std::uint64_t max_size);
  void discard();
  result<void> flush(durability mode); // fsync (when synced) and close
  result<void> publish();              // rename over the target

  std::filesystem::path target_;
  std::filesystem::path temp_;
  int fd_ = -1;
  std::uint64_t max_size_ = unlimited;
  std::uint64_t size_ = 0;
  struct timespec created_ {};
  std::vector<std::filesystem::path> new_directories_; // outermost first
};

// Commits several files as one durable step (the files of one upload): every file is fsync'd
// before any is renamed, then all are renamed, then each directory that any of them needs synced
// is fsync'd once. A failure before the renames leaves every target as it was; a failed rename
// leaves the earlier targets replaced whole and the later ones untouched. No temporary remains
// either way, and every writer is spent afterwards.
result<void> commit_all(std::vector<atomic_file_writer>& writers);

// Whole-content convenience.
result<void> write_file_atomically(const std::filesystem::path& target, std::string_view content,
                                   durability mode = durability::synced);

// -- steps shared with the blob store, which follows the same discipline --

// Writes everything, retrying on EINTR and partial writes; `file` names the file in errors.
result<void> write_fully(int fd, const void* data, std::size_t size,
                         const std::filesystem::path& file);

// Makes a rename or new entry in `dir` durable.
result<void> fsync_directory(const std::filesystem::path& dir);

// fsync_directory for each distinct directory of `dirs`, once.
result<void> fsync_directories(std::vector<std::filesystem::path> dirs);

// Makes `dir` and its missing parents, and returns the ones made, outermost first. A directory a
// concurrent caller made between our check and our mkdir counts as made here too: we cannot know
// whether its entry is durable yet.
result<std::vector<std::filesystem::path>>
make_missing_directories(const std::filesystem::path& dir);

// Moves `from` to `to` unless `to` exists: true when moved, false (and `from` left in place)
// when `to` was already there. Concurrent callers with the same `to` get exactly one `true`.
result<bool> rename_no_replace(const std::filesystem::path& from, const std::filesystem::path& to);

} // namespace recodex::storage
