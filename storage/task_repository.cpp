// Task versions in one bare git repository through libgit2 (the contract is in the header).
// Owns the mapping between versions and git objects: manifest blobs, one tree per version,
// commits on refs/tasks/<id>, version numbers as first-parent depths, and the write protocol.
//
// Theory of operation for a write (create_version, revert):
//   1. No lock: validate names and SHA-1s, check given SHA-1s in the blob store, put contents.
//   2. Under the task's mutex, so writers in this process take turns instead of racing:
//      a. write the manifest blobs and the tree (they do not depend on the parent);
//      b. per attempt: read the ref and write a commit whose only parent is what it read
//         (no parent for the first version);
//      c. run the test hook, with no lock held;
//      d. move the ref only if it still holds what (b) read, with git_reference_create_matching:
//         libgit2 takes <ref>.lock (O_EXCL, so across processes) and compares the ref on disk
//         with the expected id under that lock. For the first version the expected id is the
//         zero id, meaning "no ref yet", so creating a task is the same compare-and-swap. When
//         another writer moved the ref first, go back to (b) after a short randomized pause, at
//         most max_write_attempts times.
//   git_reference_create with force=0 is NOT a safe way to create the first version: libgit2
//   checks that the ref is missing before it takes the lock and then writes without comparing,
//   so a writer that saw no ref, stalled, and locked after another writer's version landed
//   would replace that version (and any built on it) with its own parentless commit.
//   Every libgit2 call runs under git_mutex_ because a git_repository handle must not be used
//   by two threads at once; the lock is dropped between steps so readers and writers of other
//   tasks interleave. Objects always precede the ref that names them, and objects and refs are
//   fsync'd, so a crash leaves the ref at a complete older version plus some unreachable objects.
#include "storage/task_repository.hpp"

#include "storage/blob_store.hpp"
#include "storage/names.hpp"
#include "storage/sha1.hpp"

#include <algorithm>
#include <charconv>
#include <chrono>
#include <ctime>
#include <functional>
#include <git2.h>
#include <map>
#include <mutex>
#include <random>
#include <set>
#include <string_view>
#include <thread>
#include <unordered_map>
#include <utility>

namespace recodex::storage {

namespace {

// -- libgit2 handles --

template <auto Free> struct git_free {
  template <class T> void operator()(T* handle) const { Free(handle); }
};

using repository_ptr = std::unique_ptr<git_repository, git_free<git_repository_free>>;
using commit_ptr = std::unique_ptr<git_commit, git_free<git_commit_free>>;
using tree_ptr = std::unique_ptr<git_tree, git_free<git_tree_free>>;
using blob_ptr = std::unique_ptr<git_blob, git_free<git_blob_free>>;
using reference_ptr = std::unique_ptr<git_reference, git_free<git_reference_free>>;
using signature_ptr = std::unique_ptr<git_signature, git_free<git_signature_free>>;
using treebuilder_ptr = std::unique_ptr<git_treebuilder, git_free<git_treebuilder_free>>;
using reference_iterator_ptr =
    std::unique_ptr<git_reference_iterator, git_free<git_reference_iterator_free>>;

constexpr std::string_view ref_prefix = "refs/tasks/";

// "what: libgit2's own message". The message slot is thread-local, so it belongs to the call
// that just failed on this thread.
error libgit2_error(errc code, const std::string& what) {
  const git_error* last = git_error_last();
  const char* detail =
      last != nullptr && last->message != nullptr ? last->message : "unknown libgit2 error";
  return make_error(code, what + ": " + detail);
}

// libgit2 keeps process-wide state; it is initialised once and never shut down, because
// repositories may live until exit.
result<void> init_libgit2() {
  static const int rc = [] {
    int status = git_libgit2_init();
    // Without this libgit2 does not fsync, and a power loss could leave a ref naming a commit
    // whose objects never reached the disk.
    if (status >= 0)
      status = git_libgit2_opts(GIT_OPT_ENABLE_FSYNC_GITDIR, 1);
    return status;
  }();
  if (rc < 0)
    return libgit2_error(errc::internal, "cannot initialise libgit2");
  return ok();
}

std::string hex_of(const git_oid& id) {
  char text[GIT_OID_HEXSZ + 1];
  git_oid_tostr(text, sizeof text, &id);
  return text;
}

std::string key_of(const git_oid& id) {
  return std::string(reinterpret_cast<const char*>(id.id), GIT_OID_RAWSZ);
}

result<std::string> ref_name_of(const std::string& task_id) {
  if (!is_valid_id(task_id))
    return make_error(errc::invalid_argument, "invalid task id '" + task_id + "'");
  std::string name = std::string{ref_prefix} + task_id;
  int valid = 0;
  if (git_reference_name_is_valid(&valid, name.c_str()) < 0 || valid == 0)
    return make_error(errc::invalid_argument,
                      "task id '" + task_id + "' cannot be a git ref name (" + name + ")");
  return name;
}

// -- manifests: "sha1 <hex>\nsize <n>\n" --

std::string manifest_text(const manifest_entry& entry) {
  return "sha1 " + entry.sha1 + "\nsize " + std::to_string(entry.size) + "\n";
}

// Strict, so that a foreign or damaged blob in the repository is reported, not misread.
std::optional<manifest_entry> parse_manifest(std::string name, std::string_view text) {
  constexpr std::string_view sha1_key = "sha1 ";
  constexpr std::string_view size_key = "\nsize ";
  if (text.substr(0, sha1_key.size()) != sha1_key)
    return std::nullopt;
  text.remove_prefix(sha1_key.size());
  const std::string_view sha1 = text.substr(0, 40);
  const auto normal = normalize_sha1(sha1);
  if (!normal || *normal != sha1)
    return std::nullopt;
  text.remove_prefix(sha1.size());
  if (text.substr(0, size_key.size()) != size_key)
    return std::nullopt;
  text.remove_prefix(size_key.size());
  if (text.size() < 2 || text.back() != '\n')
    return std::nullopt;
  text.remove_suffix(1);
  std::uint64_t size = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), size);
  if (ec != std::errc{} || end != text.data() + text.size())
    return std::nullopt;
  return manifest_entry{std::move(name), std::string{sha1}, size};
}

// Another process moved the ref between our read and our update: a pause of a few random
// milliseconds, growing with the attempt, keeps two writers from colliding in lockstep.
void pause_before_retry(unsigned attempt) {
  thread_local std::minstd_rand random{static_cast<std::minstd_rand::result_type>(
      std::hash<std::thread::id>{}(std::this_thread::get_id()) ^
      static_cast<std::size_t>(std::chrono::steady_clock::now().time_since_epoch().count()))};
  const unsigned ceiling_ms = std::min(attempt, 10u) + 1;
  std::uniform_int_distribution<unsigned> pick{0, ceiling_ms * 1000};
  std::this_thread::sleep_for(std::chrono::microseconds{pick(random)});
}

} // namespace

// -- the repository behind the door --

struct task_repository::impl {
  impl(repository_ptr repo, const blob_store& blobs) : repo_(std::move(repo)), blobs_(blobs) {}

  // -- reading; callers hold git_mutex_ --

  // The commit the task's ref points at; nullopt for a task without versions.
  result<std::optional<git_oid>> head(const std::string& ref_name) const {
    git_oid id;
    const int rc = git_reference_name_to_id(&id, repo_.get(), ref_name.c_str());
    if (rc == GIT_ENOTFOUND)
      return std::optional<git_oid>{};
    if (rc < 0)
      return libgit2_error(errc::io_error, "cannot read " + ref_name);
    return std::optional<git_oid>{id};
  }

  result<commit_ptr> lookup_commit(const git_oid& id) const {
    git_commit* commit = nullptr;
    if (git_commit_lookup(&commit, repo_.get(), &id) < 0)
      return libgit2_error(errc::internal, "cannot read commit " + hex_of(id));
    return commit_ptr{commit};
  }

  result<commit_ptr> first_parent(const git_commit* commit) const {
    git_commit* parent = nullptr;
    if (git_commit_parent(&parent, commit, 0) < 0)
      return libgit2_error(errc::internal,
                           "cannot read the parent of commit " + hex_of(*git_commit_id(commit)));
    return commit_ptr{parent};
  }

  // A commit's version number is its depth on the first-parent chain. Commits never change, so
  // every depth learnt is cached and later writes cost one step instead of a walk.
  result<std::uint32_t> number_of(const git_commit* commit) const {
    std::vector<std::string> unknown; // newest first
    std::uint32_t base = 0;
    commit_ptr owned;
    const git_commit* current = commit;
    for (;;) {
      std::string key = key_of(*git_commit_id(current));
      if (const auto found = numbers_.find(key); found != numbers_.end()) {
        base = found->second;
        break;
      }
      unknown.push_back(std::move(key));
      if (git_commit_parentcount(current) == 0)
        break;
      RECODEX_TRY(parent, first_parent(current));
      owned = std::move(parent);
      current = owned.get();
    }
    const auto count = static_cast<std::uint32_t>(unknown.size());
    for (std::uint32_t i = 0; i < count; ++i)
      numbers_[unknown[i]] = base + count - i;
    return base + count;
  }

  result<std::vector<manifest_entry>> files_of(const git_commit* commit) const {
    git_tree* raw_tree = nullptr;
    if (git_commit_tree(&raw_tree, commit) < 0)
      return libgit2_error(errc::internal,
                           "cannot read the tree of commit " + hex_of(*git_commit_id(commit)));
    const tree_ptr tree{raw_tree};
    std::vector<manifest_entry> files;
    const std::size_t count = git_tree_entrycount(tree.get());
    files.reserve(count);
    for (std::size_t i = 0; i < count; ++i) {
      RECODEX_TRY(entry, read_entry(git_tree_entry_byindex(tree.get(), i), *git_commit_id(commit)));
      files.push_back(std::move(entry));
    }
    // Git orders blob entries bytewise already; sorting states the promise, not the accident.
    std::sort(files.begin(), files.end(),
              [](const manifest_entry& a, const manifest_entry& b) { return a.name < b.name; });
    return files;
  }

  result<manifest_entry> read_entry(const git_tree_entry* entry, const git_oid& commit) const {
    const std::string name = git_tree_entry_name(entry);
    const std::string where = "'" + name + "' in commit " + hex_of(commit);
    if (git_tree_entry_type(entry) != GIT_OBJECT_BLOB)
      return make_error(errc::internal, "tree entry " + where + " is not a manifest blob");
    git_blob* raw_blob = nullptr;
    if (git_blob_lookup(&raw_blob, repo_.get(), git_tree_entry_id(entry)) < 0)
      return libgit2_error(errc::internal, "cannot read the manifest of " + where);
    const blob_ptr blob{raw_blob};
    const std::string_view text{static_cast<const char*>(git_blob_rawcontent(blob.get())),
                                static_cast<std::size_t>(git_blob_rawsize(blob.get()))};
    auto parsed = parse_manifest(name, text);
    if (!parsed)
      return make_error(errc::internal, "malformed manifest for " + where);
    return std::move(*parsed);
  }

  result<version_info> describe(const git_commit* commit, std::uint32_t number) const {
    RECODEX_TRY(files, files_of(commit));
    version_info info;
    info.number = number;
    info.time = static_cast<std::int64_t>(git_commit_time(commit));
    const char* message = git_commit_message_raw(commit);
    info.message = message != nullptr ? message : "";
    info.commit = hex_of(*git_commit_id(commit));
    info.files = std::move(files);
    return info;
  }

  // The commit of version `number` (0 = newest) and its concrete number.
  result<std::pair<commit_ptr, std::uint32_t>> find_version(const std::string& task_id,
                                                            std::uint32_t number) const {
    RECODEX_TRY(ref_name, ref_name_of(task_id));
    RECODEX_TRY(head_id, head(ref_name));
    if (!head_id)
      return make_error(errc::not_found, "unknown task '" + task_id + "'");
    RECODEX_TRY(commit, lookup_commit(*head_id));
    RECODEX_TRY(newest, number_of(commit.get()));
    if (number == 0)
      number = newest;
    if (number > newest)
      return make_error(errc::not_found, "task '" + task_id + "' has no version " +
                                             std::to_string(number) + " (newest is " +
                                             std::to_string(newest) + ")");
    commit_ptr current = std::move(commit);
    for (std::uint32_t at = newest; at > number; --at) {
      RECODEX_TRY(parent, first_parent(current.get()));
      current = std::move(parent);
    }
    return std::make_pair(std::move(current), number);
  }

  // -- writing --

  // Manifest blobs and their tree; holds git_mutex_ itself.
  result<git_oid> write_tree(const std::vector<manifest_entry>& files) {
    const std::lock_guard git_lock{git_mutex_};
    git_treebuilder* raw_builder = nullptr;
    if (git_treebuilder_new(&raw_builder, repo_.get(), nullptr) < 0)
      return libgit2_error(errc::internal, "cannot start a tree");
    const treebuilder_ptr builder{raw_builder};
    for (const auto& file : files) {
      const std::string text = manifest_text(file);
      git_oid blob_id;
      if (git_blob_create_from_buffer(&blob_id, repo_.get(), text.data(), text.size()) < 0)
        return libgit2_error(errc::io_error, "cannot store the manifest of '" + file.name + "'");
      // libgit2 refuses a few names our rules allow, such as ".git": the caller's mistake.
      if (git_treebuilder_insert(nullptr, builder.get(), file.name.c_str(), &blob_id,
                                 GIT_FILEMODE_BLOB) < 0)
        return libgit2_error(errc::invalid_argument,
                             "file name '" + file.name + "' is not accepted by git");
    }
    git_oid tree_id;
    if (git_treebuilder_write(&tree_id, builder.get()) < 0)
      return libgit2_error(errc::io_error, "cannot store a tree");
    return tree_id;
  }

  struct staged_commit {
    std::optional<git_oid> parent;
    git_oid id;
    std::uint32_t number = 0;
    std::int64_t time = 0;
  };

  // Step (b): a commit of `tree_id` on top of whatever the ref holds now.
  result<staged_commit> stage_commit(const std::string& ref_name, const git_oid& tree_id,
                                     const std::string& message) {
    const std::lock_guard git_lock{git_mutex_};
    staged_commit staged;
    RECODEX_TRY(parent_id, head(ref_name));
    staged.parent = parent_id;
    commit_ptr parent;
    staged.number = 1;
    if (staged.parent) {
      RECODEX_TRY(found, lookup_commit(*staged.parent));
      parent = std::move(found);
      RECODEX_TRY(parent_number, number_of(parent.get()));
      staged.number = parent_number + 1;
    }
    git_tree* raw_tree = nullptr;
    if (git_tree_lookup(&raw_tree, repo_.get(), &tree_id) < 0)
      return libgit2_error(errc::internal, "cannot read tree " + hex_of(tree_id));
    const tree_ptr tree{raw_tree};
    // The current time in UTC: git_signature_now would ask localtime for the zone offset,
    // which nobody reads here, and glibc's tzset looks like a data race to ThreadSanitizer.
    staged.time = static_cast<std::int64_t>(std::time(nullptr));
    git_signature* raw_signature = nullptr;
    if (git_signature_new(&raw_signature, "recodex", "recodex@localhost",
                          static_cast<git_time_t>(staged.time), 0) < 0)
      return libgit2_error(errc::internal, "cannot make the commit signature");
    const signature_ptr signature{raw_signature};
    const git_commit* parents[] = {parent.get()};
    if (git_commit_create(&staged.id, repo_.get(), nullptr, signature.get(), signature.get(),
                          nullptr, message.c_str(), tree.get(), parent ? 1 : 0, parents) < 0)
      return libgit2_error(errc::io_error, "cannot store a commit for " + ref_name);
    // The commit exists now and its depth is known: remember it before it becomes the head.
    numbers_[key_of(staged.id)] = staged.number;
    return staged;
  }

  // Step (d): true when the ref moved, false when another writer got there first.
  result<bool> move_ref(const std::string& ref_name, const staged_commit& staged) {
    const std::lock_guard git_lock{git_mutex_};
    // The zero id asks libgit2 to check, under the ref's lock, that the ref does not exist.
    git_oid expected{};
    if (staged.parent)
      expected = *staged.parent;
    git_reference* raw_ref = nullptr;
    const int rc = git_reference_create_matching(&raw_ref, repo_.get(), ref_name.c_str(),
                                                 &staged.id, 1, &expected, nullptr);
    const reference_ptr ref{raw_ref};
    // EMODIFIED: the ref moved, or was created, since (b) read it; ELOCKED: another writer holds
    // <ref>.lock right now. Both mean "read again and retry".
    if (rc == GIT_EMODIFIED || rc == GIT_ELOCKED)
      return false;
    if (rc < 0)
      return libgit2_error(errc::io_error, "cannot move " + ref_name);
    return true;
  }

  // Steps (b) to (d) with retries; the caller holds the task's mutex.
  result<version_info> commit_tree(const std::string& task_id, const std::string& ref_name,
                                   const git_oid& tree_id, std::vector<manifest_entry> files,
                                   const std::string& message) {
    for (unsigned attempt = 1;; ++attempt) {
      RECODEX_TRY(staged, stage_commit(ref_name, tree_id, message));
      if (before_ref_update_)
        before_ref_update_(task_id, attempt);
      RECODEX_TRY(moved, move_ref(ref_name, staged));
      if (moved) {
        version_info info;
        info.number = staged.number;
        info.time = staged.time;
        info.message = message;
        info.commit = hex_of(staged.id);
        info.files = std::move(files);
        return info;
      }
      if (attempt == max_write_attempts)
        return make_error(errc::conflict,
                          "task '" + task_id + "' kept changing under this write; gave up after " +
                              std::to_string(attempt) + " attempts (a stale " + ref_name +
                              ".lock left by a crashed process also causes this)");
      pause_before_retry(attempt);
    }
  }

  // One mutex per task id, created on first use and kept: tasks are few and long-lived.
  std::mutex& task_mutex(const std::string& task_id) {
    const std::lock_guard lock{task_mutexes_mutex_};
    auto& slot = task_mutexes_[task_id];
    if (!slot)
      slot = std::make_unique<std::mutex>();
    return *slot;
  }

  repository_ptr repo_;
  const blob_store& blobs_;
  // Guards repo_ and numbers_: a git_repository handle is not safe for concurrent use.
  mutable std::mutex git_mutex_;
  mutable std::unordered_map<std::string, std::uint32_t> numbers_; // raw commit id -> number
  std::mutex task_mutexes_mutex_;
  std::map<std::string, std::unique_ptr<std::mutex>> task_mutexes_;
  write_hook before_ref_update_;
};

// -- the door --

result<std::unique_ptr<task_repository>> task_repository::open(const std::filesystem::path& git_dir,
                                                               const blob_store& blobs) {
  RECODEX_TRY_VOID(init_libgit2());
  const std::string path = git_dir.string();
  git_repository* raw_repo = nullptr;
  int rc = git_repository_open_bare(&raw_repo, path.c_str());
  if (rc == GIT_ENOTFOUND) {
    // Two processes may race here; initialising an existing repository is harmless.
    rc = git_repository_init(&raw_repo, path.c_str(), 1);
    if (rc < 0)
      return libgit2_error(errc::io_error, "cannot create the task repository " + path);
  } else if (rc < 0) {
    return libgit2_error(errc::io_error, "cannot open the task repository " + path);
  }
  auto state = std::make_unique<impl>(repository_ptr{raw_repo}, blobs);
  return std::unique_ptr<task_repository>{new task_repository{std::move(state)}};
}

task_repository::task_repository(std::unique_ptr<impl> state) : impl_(std::move(state)) {}

task_repository::~task_repository() = default;

void task_repository::set_before_ref_update_hook(write_hook hook) {
  impl_->before_ref_update_ = std::move(hook);
}

result<version_info> task_repository::create_version(const std::string& task_id,
                                                     const std::vector<task_file>& files,
                                                     const std::string& message) {
  RECODEX_TRY(ref_name, ref_name_of(task_id));

  // Everything is checked before anything is stored, so a rejected request leaves no trace.
  // The exception is git's own name rules (".git", NTFS aliases of it), met only when the tree
  // is built; contents stored by then are harmless, unreferenced blobs.
  std::set<std::string_view> names;
  std::vector<std::optional<std::string>> given_sha1s;
  given_sha1s.reserve(files.size());
  for (const auto& file : files) {
    if (!is_valid_task_file_name(file.name))
      return make_error(errc::invalid_argument, "invalid task file name '" + file.name + "'");
    if (!names.insert(file.name).second)
      return make_error(errc::invalid_argument, "file name '" + file.name + "' appears twice");
    if (file.sha1.empty()) {
      given_sha1s.emplace_back();
      continue;
    }
    if (!file.content.empty())
      return make_error(errc::invalid_argument,
                        "file '" + file.name + "' has both content and a sha1");
    auto sha1 = normalize_sha1(file.sha1);
    if (!sha1)
      return make_error(errc::invalid_argument,
                        "file '" + file.name + "' has a malformed sha1 '" + file.sha1 + "'");
    if (!impl_->blobs_.contains(*sha1))
      return make_error(errc::not_found, "file '" + file.name + "' names blob " + *sha1 +
                                             ", which is not in the store");
    given_sha1s.push_back(std::move(sha1));
  }

  std::vector<manifest_entry> entries;
  entries.reserve(files.size());
  for (std::size_t i = 0; i < files.size(); ++i) {
    if (given_sha1s[i]) {
      RECODEX_TRY(size, impl_->blobs_.size_of(*given_sha1s[i]));
      entries.push_back(manifest_entry{files[i].name, *given_sha1s[i], size});
    } else {
      RECODEX_TRY(stored, impl_->blobs_.put(files[i].content));
      entries.push_back(manifest_entry{files[i].name, stored.sha1, stored.size});
    }
  }
  std::sort(entries.begin(), entries.end(),
            [](const manifest_entry& a, const manifest_entry& b) { return a.name < b.name; });

  const std::lock_guard task_lock{impl_->task_mutex(task_id)};
  RECODEX_TRY(tree_id, impl_->write_tree(entries));
  return impl_->commit_tree(task_id, ref_name, tree_id, std::move(entries), message);
}

result<std::vector<task_summary>> task_repository::list_tasks() const {
  const std::lock_guard git_lock{impl_->git_mutex_};
  git_reference_iterator* raw_iterator = nullptr;
  const std::string glob = std::string{ref_prefix} + "*";
  if (git_reference_iterator_glob_new(&raw_iterator, impl_->repo_.get(), glob.c_str()) < 0)
    return libgit2_error(errc::io_error, "cannot list the task refs");
  const reference_iterator_ptr iterator{raw_iterator};
  std::vector<task_summary> tasks;
  for (;;) {
    git_reference* raw_ref = nullptr;
    const int rc = git_reference_next(&raw_ref, iterator.get());
    if (rc == GIT_ITEROVER)
      break;
    if (rc < 0)
      return libgit2_error(errc::io_error, "cannot list the task refs");
    const reference_ptr ref{raw_ref};
    const std::string_view name = git_reference_name(ref.get());
    std::string task_id{name.substr(ref_prefix.size())};
    // The glob also matches nested refs such as refs/tasks/a/b, which no task id can produce.
    if (!is_valid_id(task_id))
      continue;
    git_reference* raw_resolved = nullptr;
    if (git_reference_resolve(&raw_resolved, ref.get()) < 0)
      return libgit2_error(errc::io_error, "cannot resolve " + std::string{name});
    const reference_ptr resolved{raw_resolved};
    RECODEX_TRY(commit, impl_->lookup_commit(*git_reference_target(resolved.get())));
    RECODEX_TRY(newest, impl_->number_of(commit.get()));
    tasks.push_back(task_summary{std::move(task_id), newest});
  }
  std::sort(tasks.begin(), tasks.end(),
            [](const task_summary& a, const task_summary& b) { return a.task_id < b.task_id; });
  return tasks;
}

result<std::vector<version_info>> task_repository::list_versions(const std::string& task_id) const {
  const std::lock_guard git_lock{impl_->git_mutex_};
  RECODEX_TRY(newest, impl_->find_version(task_id, 0));
  auto [commit, number] = std::move(newest);
  std::vector<version_info> versions;
  versions.reserve(number);
  for (;;) {
    RECODEX_TRY(info, impl_->describe(commit.get(), number));
    versions.push_back(std::move(info));
    if (number == 1)
      break;
    RECODEX_TRY(parent, impl_->first_parent(commit.get()));
    commit = std::move(parent);
    --number;
  }
  std::reverse(versions.begin(), versions.end());
  return versions;
}

result<version_info> task_repository::version(const std::string& task_id,
                                              std::uint32_t number) const {
  const std::lock_guard git_lock{impl_->git_mutex_};
  RECODEX_TRY(found, impl_->find_version(task_id, number));
  return impl_->describe(found.first.get(), found.second);
}

result<manifest_entry> task_repository::resolve(const std::string& task_id, std::uint32_t number,
                                                const std::string& name) const {
  if (!is_valid_task_file_name(name))
    return make_error(errc::invalid_argument, "invalid task file name '" + name + "'");
  const std::lock_guard git_lock{impl_->git_mutex_};
  RECODEX_TRY(found, impl_->find_version(task_id, number));
  git_tree* raw_tree = nullptr;
  if (git_commit_tree(&raw_tree, found.first.get()) < 0)
    return libgit2_error(errc::internal, "cannot read the tree of version " +
                                             std::to_string(found.second) + " of " + task_id);
  const tree_ptr tree{raw_tree};
  const git_tree_entry* entry = git_tree_entry_byname(tree.get(), name.c_str());
  if (entry == nullptr)
    return make_error(errc::not_found, "version " + std::to_string(found.second) + " of task '" +
                                           task_id + "' has no file '" + name + "'");
  return impl_->read_entry(entry, *git_commit_id(found.first.get()));
}

result<version_info> task_repository::revert(const std::string& task_id, std::uint32_t number,
                                             const std::string& message) {
  RECODEX_TRY(ref_name, ref_name_of(task_id));
  if (number == 0)
    return make_error(errc::invalid_argument,
                      "revert of task '" + task_id + "' needs a version number, not 0");
  const std::lock_guard task_lock{impl_->task_mutex(task_id)};
  git_oid tree_id;
  std::vector<manifest_entry> files;
  {
    const std::lock_guard git_lock{impl_->git_mutex_};
    RECODEX_TRY(found, impl_->find_version(task_id, number));
    tree_id = *git_commit_tree_id(found.first.get());
    RECODEX_TRY(old_files, impl_->files_of(found.first.get()));
    files = std::move(old_files);
  }
  std::string full_message = "Revert to version " + std::to_string(number);
  if (!message.empty())
    full_message += ": " + message;
  return impl_->commit_tree(task_id, ref_name, tree_id, std::move(files), full_message);
}

result<version_diff> task_repository::diff(const std::string& task_id, std::uint32_t from,
                                           std::uint32_t to) const {
  std::map<std::string, std::string> before; // name -> sha1
  std::map<std::string, std::string> after;
  {
    const std::lock_guard git_lock{impl_->git_mutex_};
    // Both ends are read under one lock, so no writer in this process moves "newest" between.
    RECODEX_TRY(from_version, impl_->find_version(task_id, from));
    RECODEX_TRY(to_version, impl_->find_version(task_id, to));
    RECODEX_TRY(from_files, impl_->files_of(from_version.first.get()));
    RECODEX_TRY(to_files, impl_->files_of(to_version.first.get()));
    for (auto& file : from_files)
      before.emplace(std::move(file.name), std::move(file.sha1));
    for (auto& file : to_files)
      after.emplace(std::move(file.name), std::move(file.sha1));
  }
  version_diff changes;
  for (const auto& [name, sha1] : after) {
    const auto old = before.find(name);
    if (old == before.end())
      changes.added.push_back(name);
    else if (old->second != sha1)
      changes.changed.push_back(name);
  }
  for (const auto& [name, sha1] : before)
    if (after.count(name) == 0)
      changes.removed.push_back(name);
  return changes;
}

} // namespace recodex::storage
