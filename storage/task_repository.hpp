// Versioned tasks in one bare git repository (libgit2) at <data>/tasks.git.
//
// A task is the ref refs/tasks/<task_id>; each version is a commit on it. A commit's tree maps
// human-readable file names to small manifest blobs ("sha1 <hex>\nsize <n>\n") that point into
// the blob store, so file contents are stored once, outside git. Version numbers are 1-based
// positions on the first-parent chain and never change. Revert makes a NEW commit whose tree
// equals an older version's: history is never rewritten.
//
// Writers to one task are serialized in process (a mutex per task) and across processes (the ref
// is moved only if it still points where the writer started, and a task's first version only if
// the ref still does not exist; otherwise the write is retried on top of the winner).
// Objects are written before the ref moves, so a crash mid-write leaves the previous version.
// A task id must also be a valid git ref component (so "a..b", ".x" or "x.lock" are refused).
#pragma once

#include "messages/result.hpp"

#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace recodex::storage {

class blob_store;

// One file of a version: its name in the task and the blob it points to.
struct manifest_entry {
  std::string name;
  std::string sha1;
  std::uint64_t size = 0;

  friend bool operator==(const manifest_entry& a, const manifest_entry& b) {
    return a.name == b.name && a.sha1 == b.sha1 && a.size == b.size;
  }
};

struct version_info {
  std::uint32_t number = 0;          // 1-based
  std::int64_t time = 0;             // commit time, seconds since the epoch
  std::string message;               // the author's message
  std::string commit;                // git commit id (hex)
  std::vector<manifest_entry> files; // sorted by name
};

struct task_summary {
  std::string task_id;
  std::uint32_t newest_version = 0;
};

struct version_diff {
  std::vector<std::string> added;   // in `to`, not in `from`
  std::vector<std::string> removed; // in `from`, not in `to`
  std::vector<std::string> changed; // in both, with different content
};

// A file for a new version: the SHA-1 of a blob already in the store when `sha1` is set,
// otherwise `content` (which may be empty). Plain strings so the type travels between actors.
struct task_file {
  std::string name;
  std::string content;
  std::string sha1;

  static task_file with_content(std::string name, std::string content) {
    return task_file{std::move(name), std::move(content), {}};
  }
  static task_file with_sha1(std::string name, std::string sha1) {
    return task_file{std::move(name), {}, std::move(sha1)};
  }
};

class task_repository {
public:
  // A write that keeps losing the race for the ref to other processes gives up with
  // errc::conflict after this many attempts (each re-reads the newest version first).
  static constexpr unsigned max_write_attempts = 32;

  // Opens <data>/tasks.git, creating the bare repository when missing. The blob store must
  // outlive the repository.
  static result<std::unique_ptr<task_repository>> open(const std::filesystem::path& git_dir,
                                                       const blob_store& blobs);
  ~task_repository();

  // Stores contents in the blob store and commits a new version with exactly these files.
  // Errors: invalid_argument (bad task id or file name, duplicate names, a sha1 together with
  // content, a malformed sha1, a name git refuses such as ".git"), not_found (a sha1 that is not
  // in the store), conflict (other processes kept moving the ref, see max_write_attempts),
  // io_error (disk or libgit2), internal (a damaged repository). Every method reports unknown
  // tasks and versions as not_found and bad ids as invalid_argument.
  result<version_info> create_version(const std::string& task_id,
                                      const std::vector<task_file>& files,
                                      const std::string& message);

  // Every task with its newest version number, sorted by id.
  result<std::vector<task_summary>> list_tasks() const;

  // Versions of a task, oldest first, each with its file list.
  result<std::vector<version_info>> list_versions(const std::string& task_id) const;

  // One version; `number` 0 means the newest.
  result<version_info> version(const std::string& task_id, std::uint32_t number = 0) const;

  // name -> blob at a version (0 = newest).
  result<manifest_entry> resolve(const std::string& task_id, std::uint32_t number,
                                 const std::string& name) const;

  // New version equal to version `number`, with the message "Revert to version N: <message>"
  // ("Revert to version N" when `message` is empty). `number` 0 is invalid_argument: a revert
  // names a concrete version.
  result<version_info> revert(const std::string& task_id, std::uint32_t number,
                              const std::string& message);

  // Names added, removed and changed from version `from` to version `to`, each sorted; 0 means
  // the newest version, as in version().
  result<version_diff> diff(const std::string& task_id, std::uint32_t from, std::uint32_t to) const;

  // -- for tests --
  // Called by every write attempt (counted from 1) after its objects are stored and just before
  // the ref moves: the one point where a crash or a competing process matters. It runs under
  // the task's mutex, so it must not write to that task through this same instance. Set it
  // before the repository is shared between threads.
  using write_hook = std::function<void(const std::string& task_id, unsigned attempt)>;
  void set_before_ref_update_hook(write_hook hook);

private:
  struct impl;
  explicit task_repository(std::unique_ptr<impl> impl);
  std::unique_ptr<impl> impl_;
};

} // namespace recodex::storage
