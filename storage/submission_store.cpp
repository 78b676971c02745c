// Submissions, archives and results on disk. Theory of operation: a submission's first file
// decides its place, recorded in submits/@index/<submit_id> ("<user>/<course>/<id>" or "<id>")
// under a lock file, so concurrent first writers agree; every lookup reads that entry, which finds
// owned and unowned submissions alike. '@' never occurs in an id, so the index collides with no
// user or submission. Archives are built with libarchive on demand and kept while they are newer
// than every file and directory of the submission.
#include "storage/submission_store.hpp"

#include "storage/file_io.hpp"
#include "storage/names.hpp"
#include "storage/zip_writer.hpp"

#include <algorithm>
#include <cerrno>
#include <fcntl.h>
#include <memory>
#include <stdlib.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <set>
#include <system_error>
#include <unistd.h>
#include <utility>
#include <vector>

namespace recodex::storage {

namespace fs = std::filesystem;

namespace {

constexpr const char* index_dir_name = "@index";
// Apart from users' directories, so an unowned submission's directory is its own record: no
// index entry (and none of its fsyncs) is needed to find it or to keep it from a user's files.
constexpr const char* unowned_dir_name = "@unowned";

// -- validation --

error invalid(std::string_view what, std::string_view value) {
  return make_error(errc::invalid_argument,
                    std::string{what} + " '" + std::string{value} + "' is not allowed");
}

// atomic_file_writer's temporaries are `.<name>.tmp-XXXXXX`; a submitted file named like that
// could not be told apart from an upload in progress, so such names are refused.
bool looks_temporary(std::string_view name) {
  constexpr std::string_view marker = ".tmp-";
  constexpr std::size_t suffix = 6;
  return name.size() > 1 + marker.size() + suffix && name.front() == '.' &&
         name.substr(name.size() - suffix - marker.size(), marker.size()) == marker;
}

bool has_temporary_component(const fs::path& relative) {
  for (const auto& component : relative)
    if (looks_temporary(component.native()))
      return true;
  return false;
}

result<void> check_id(std::string_view what, std::string_view id) {
  if (!is_valid_id(id))
    return invalid(what, id);
  return ok();
}

// -- small file helpers --

result<void> make_directories(const fs::path& dir) {
  std::error_code ec;
  fs::create_directories(dir, ec);
  if (ec)
    return make_errno_error(ec.value(), "cannot create directory " + dir.string());
  return ok();
}

bool is_real_directory(const fs::path& path) {
  std::error_code ec;
  return fs::is_directory(fs::symlink_status(path, ec));
}

// -- the index of submission places --

fs::path index_entry_path(const fs::path& submits, std::string_view submit_id) {
  return submits / index_dir_name / std::string{submit_id};
}

// The place recorded for a submission (relative to submits/), nullopt when there is none.
result<std::optional<std::string>> read_index(const fs::path& submits, std::string_view id) {
  auto entry = index_entry_path(submits, id);
  unique_fd file{::open(entry.c_str(), O_RDONLY | O_CLOEXEC)};
  if (!file) {
    if (errno == ENOENT)
      return std::optional<std::string>{};
    return make_errno_error(errno, "cannot open " + entry.string());
  }
  // "<user>/<course>/<id>\n" is at most 3 * 128 + 3 bytes; anything longer is not ours.
  constexpr std::size_t max_entry_size = 512;
  std::string place;
  RECODEX_TRY_VOID(read_chunks(file.get(), entry, [&](std::string_view chunk) -> result<void> {
    if (place.size() + chunk.size() > max_entry_size)
      return make_error(errc::internal, "corrupt submission index entry " + entry.string());
    place.append(chunk);
    return ok();
  }));
  if (!place.empty() && place.back() == '\n')
    place.pop_back();
  // The entry names a directory we are about to write into: accept only what we would write.
  std::vector<std::string_view> parts;
  std::string_view rest{place};
  for (std::size_t slash; (slash = rest.find('/')) != std::string_view::npos;
       rest.remove_prefix(slash + 1))
    parts.push_back(rest.substr(0, slash));
  parts.push_back(rest);
  bool well_formed = (parts.size() == 1 || parts.size() == 3) && parts.back() == id &&
                     std::all_of(parts.begin(), parts.end(), is_valid_id);
  if (!well_formed)
    return make_error(errc::internal, "corrupt submission index entry " + entry.string());
  return std::optional<std::string>{std::move(place)};
}

// Held while a new submission's place is decided: first writers of submissions (in any thread
// or process) take turns, so checking for collisions and recording the place is one step.
result<unique_fd> lock_index(const fs::path& submits) {
  auto dir = submits / index_dir_name;
  RECODEX_TRY(made, make_missing_directories(dir));
  if (!made.empty()) {
    // The first submission ever: @index's own name must be durable before any entry in it is.
    RECODEX_TRY_VOID(fsync_directory(submits));
  }
  auto path = dir / "@lock";
  unique_fd lock{::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644)};
  if (!lock)
    return make_errno_error(errno, "cannot open " + path.string());
  while (::flock(lock.get(), LOCK_EX) != 0)
    if (errno != EINTR)
      return make_errno_error(errno, "cannot lock " + path.string());
  return lock;
}

struct submission_place {
  fs::path dir;
  std::vector<fs::path> new_directories; // made by this call, outermost first
};

fs::path unowned_place(const fs::path& submits, std::string_view id) {
  return submits / unowned_dir_name / std::string{id};
}

fs::path archive_place(const fs::path& submits, std::string_view id) {
  return submits.parent_path() / "submit_archives" / (std::string{id} + ".zip");
}

// A submission stored whole as its archive (store_new_unowned) and not indexed: unowned, with
// no directory yet. The caller holds the index lock.
bool stored_as_archive(const fs::path& submits, std::string_view id) {
  std::error_code ec;
  return !is_real_directory(unowned_place(submits, id)) &&
         fs::is_regular_file(archive_place(submits, id), ec);
}

// A submission stored as its archive gets a directory when files are added to it. The
// directory becomes the record, and the archive (the record until then) is replaced once the
// submission changes, so the archive's files are written and synced in a sibling first, which is
// then renamed into place and its name synced: readers (and a crash) see no directory or a
// complete one. The caller holds the index lock; a sibling left by a crash is thrown away.
result<void> unpack_stored_archive(const fs::path& submits, std::string_view id) {
  const fs::path dir = unowned_place(submits, id);
  const fs::path unpacking = dir.parent_path() / (".unpacking-" + std::string{id});
  std::error_code ec;
  fs::remove_all(unpacking, ec);
  RECODEX_TRY(files, read_zip_files(archive_place(submits, id)));
  RECODEX_TRY(made, make_missing_directories(unpacking)); // [@unowned,] the sibling
  std::vector<atomic_file_writer> writers;
  for (const auto& file : files) {
    if (!is_valid_relative_path(file.name) || has_temporary_component(fs::path{file.name}))
      return make_error(errc::internal, "stored archive of " + std::string{id} +
                                            " holds an invalid name: " + file.name);
    RECODEX_TRY(writer, atomic_file_writer::create(unpacking / file.name));
    RECODEX_TRY_VOID(writer.write(file.content));
    writers.push_back(std::move(writer));
  }
  if (!writers.empty()) {
    RECODEX_TRY_VOID(commit_all(writers));
  }
  RECODEX_TRY_VOID(fsync_directories({unpacking}));
  if (::rename(unpacking.c_str(), dir.c_str()) != 0)
    return make_errno_error(errno, "cannot rename " + unpacking.string() + " to " + dir.string());
  // @unowned's new entry, and @unowned's own in submits/ if this made it.
  std::vector<fs::path> names{dir.parent_path()};
  if (made.size() > 1)
    names.push_back(submits);
  return fsync_directories(names);
}

// Finds or decides where a submission's files go: an id keeps the place it was given first (an
// owned one in the index, an unowned one its directory below @unowned), and the same id never
// gets both. An unowned submission of an older store (indexed at submits/<id>) stays there, and
// a user whose id is such a submission's is refused, as those stores did.
result<submission_place> place_submission(const fs::path& submits, std::string_view id,
                                          const std::optional<submission_owner>& owner) {
  std::string wanted =
      owner ? owner->user_id + "/" + owner->course + "/" + std::string{id} : std::string{id};
  const fs::path unowned = unowned_place(submits, id);
  auto agree = [&](const std::string& recorded) -> result<submission_place> {
    if (owner && recorded != wanted)
      return make_error(errc::conflict, "submission " + std::string{id} + " is stored under " +
                                            (submits / recorded).string());
    return submission_place{submits / recorded, {}};
  };

  RECODEX_TRY(recorded, read_index(submits, id));
  if (recorded)
    return agree(*recorded);
  if (!owner && is_real_directory(unowned))
    return submission_place{unowned, {}};

  auto lock = lock_index(submits); // held until this function returns
  if (!lock)
    return lock.error();
  RECODEX_TRY(raced, read_index(submits, id));
  if (raced)
    return agree(*raced);
  if (!owner) {
    if (stored_as_archive(submits, id)) {
      RECODEX_TRY_VOID(unpack_stored_archive(submits, id));
      return submission_place{unowned, {}};
    }
    // The directory is the record; its name is synced with the submission's files (commit,
    // commit_all). A crash before that leaves at most a directory the retry writes into.
    RECODEX_TRY(made, make_missing_directories(unowned));
    return submission_place{unowned, std::move(made)};
  }
  std::error_code ec;
  if (fs::exists(fs::symlink_status(unowned, ec)) || stored_as_archive(submits, id))
    return make_error(errc::conflict,
                      "submission " + std::string{id} + " is stored without an owner");
  RECODEX_TRY(user_as_submission, read_index(submits, owner->user_id));
  if (user_as_submission && *user_as_submission == owner->user_id)
    return make_error(errc::conflict, "user id " + owner->user_id +
                                          " is taken by a submission stored without an owner");
  // Index first: a crash before the directory exists leaves a place that the next write fills.
  // The entry is synced here (file and @index), not with the request's other directories at its
  // end: the kernel may write the new directory's name back at any moment after the mkdir, and
  // an owned directory that survived a crash without its entry could not be found by id.
  RECODEX_TRY_VOID(write_file_atomically(index_entry_path(submits, id), wanted + "\n"));
  // The new directories' names are synced with the submission's files (commit, commit_all).
  RECODEX_TRY(made, make_missing_directories(submits / wanted));
  return submission_place{submits / wanted, std::move(made)};
}

// -- archives --

// Newest modification of the submission directory tree: a new or replaced file changes its
// directory's mtime, so a cached archive older than this misses something.
fs::file_time_type newest_change(const fs::path& dir) {
  std::error_code ec;
  auto newest = fs::last_write_time(dir, ec);
  for (fs::recursive_directory_iterator it{dir, ec}, end; !ec && it != end; it.increment(ec)) {
    std::error_code entry_ec;
    auto changed = it->last_write_time(entry_ec);
    if (!entry_ec)
      newest = std::max(newest, changed);
  }
  return newest;
}

// The writer is created before the files are listed and the archive is dated to that moment:
// a file committed while the archive is being built is then newer than the archive, and the
// next request rebuilds it. Dated by its end instead, the archive would look newer than a file
// it lacks and be served without it until the submission changed again.
result<fs::path> build_archive(const fs::path& dir, const fs::path& target) {
  RECODEX_TRY(writer, atomic_file_writer::create(target));
  // Temporaries of uploads in flight are left out; symlinks and other non-regular files too.
  RECODEX_TRY(files, list_regular_files(dir, has_temporary_component));
  RECODEX_TRY_VOID(write_zip(writer, files, target));
  RECODEX_TRY_VOID(writer.date_to_creation());
  // Derived from the submission's files, which are synced: a crash that loses the archive only
  // makes the next request build it again, so it is not worth an fsync per job.
  return writer.commit(durability::unsynced);
}

} // namespace

// -- submission_store --

submission_store::submission_store(fs::path data_dir, std::uint64_t max_file_size)
    : data_dir_(std::move(data_dir)), max_file_size_(max_file_size) {}

result<submission_store> submission_store::open(fs::path data_dir, std::uint64_t max_file_size) {
  for (const char* part : {"submits", "submit_archives", "results", "temp"}) {
    RECODEX_TRY_VOID(make_directories(data_dir / part));
  }
  return submission_store{std::move(data_dir), max_file_size};
}

result<bool> submission_store::store_new_unowned(std::string_view submit_id,
                                                 const std::vector<zip_file>& files) const {
  RECODEX_TRY_VOID(check_id("submission id", submit_id));
  std::set<std::string> names;
  for (const auto& file : files) {
    if (!is_valid_relative_path(file.name) || has_temporary_component(fs::path{file.name}))
      return invalid("file path", file.name);
    names.insert(file.name);
  }
  // A name that is also another's directory ("a" and "a/b") cannot be unpacked later: such a
  // submission takes the per-file way, which refuses it there.
  for (const auto& name : names)
    if (auto next = names.lower_bound(name + "/");
        next != names.end() && next->rfind(name + "/", 0) == 0)
      return false;
  const auto submits = data_dir_ / "submits";
  auto lock = lock_index(submits);
  if (!lock)
    return lock.error();
  RECODEX_TRY(recorded, read_index(submits, submit_id));
  std::error_code ec;
  const auto target = archive_place(submits, submit_id);
  if (recorded || fs::exists(fs::symlink_status(unowned_place(submits, submit_id), ec)) ||
      fs::exists(fs::symlink_status(target, ec)))
    return false;
  // No size limit here: the request that brought the files was bounded, and a zip's overhead
  // must not refuse what the per-file way would store.
  RECODEX_TRY(writer, atomic_file_writer::create(target));
  RECODEX_TRY_VOID(write_zip_of_contents(writer, files, target));
  RECODEX_TRY_VOID(writer.commit()); // synced: the archive is the submission's record
  return true;
}

result<atomic_file_writer>
submission_store::begin_submission_file(std::string_view submit_id, std::string_view relative_path,
                                        const std::optional<submission_owner>& owner) const {
  RECODEX_TRY_VOID(check_id("submission id", submit_id));
  if (!is_valid_relative_path(relative_path) || has_temporary_component(fs::path{relative_path}))
    return invalid("file path", relative_path);
  if (owner) {
    RECODEX_TRY_VOID(check_id("user id", owner->user_id));
    RECODEX_TRY_VOID(check_id("course", owner->course));
  }
  RECODEX_TRY(place, place_submission(data_dir_ / "submits", submit_id, owner));

  auto cached = data_dir_ / "submit_archives" / (std::string{submit_id} + ".zip");
  if (::unlink(cached.c_str()) != 0 && errno != ENOENT)
    return make_errno_error(errno, "cannot remove the outdated archive " + cached.string());
  RECODEX_TRY(writer,
              atomic_file_writer::create(place.dir / fs::path{relative_path}, max_file_size_));
  writer.add_new_directories(place.new_directories);
  return std::move(writer);
}

result<void>
submission_store::put_submission_file(std::string_view submit_id, std::string_view relative_path,
                                      std::string_view content,
                                      const std::optional<submission_owner>& owner) const {
  RECODEX_TRY(writer, begin_submission_file(submit_id, relative_path, owner));
  RECODEX_TRY_VOID(writer.write(content));
  RECODEX_TRY_VOID(writer.commit());
  return ok();
}

result<fs::path> submission_store::submission_dir(std::string_view submit_id) const {
  RECODEX_TRY_VOID(check_id("submission id", submit_id));
  auto submits = data_dir_ / "submits";
  RECODEX_TRY(place, read_index(submits, submit_id));
  if (place && is_real_directory(submits / *place))
    return submits / *place;
  if (!place && is_real_directory(unowned_place(submits, submit_id)))
    return unowned_place(submits, submit_id);
  return make_error(errc::not_found, "no submission " + std::string{submit_id});
}

result<fs::path> submission_store::archive(std::string_view submit_id) const {
  RECODEX_TRY_VOID(check_id("submission id", submit_id));
  auto target = data_dir_ / "submit_archives" / (std::string{submit_id} + ".zip");
  std::error_code ec;
  auto dir = submission_dir(submit_id);
  if (!dir) {
    if (dir.error().code == errc::not_found && fs::is_regular_file(target, ec))
      return target; // uploaded with begin_archive, no files to build from
    return dir.error();
  }
  auto built = fs::last_write_time(target, ec);
  // Strictly newer: with coarse timestamps a file committed in the archive's last tick counts
  // as missing, and the archive is rebuilt once more rather than served stale.
  if (!ec && built > newest_change(dir.value()))
    return target;
  return build_archive(dir.value(), target);
}

result<atomic_file_writer> submission_store::begin_archive(std::string_view submit_id) const {
  RECODEX_TRY_VOID(check_id("submission id", submit_id));
  return atomic_file_writer::create(
      data_dir_ / "submit_archives" / (std::string{submit_id} + ".zip"), max_file_size_);
}

result<atomic_file_writer> submission_store::begin_result(std::string_view id) const {
  RECODEX_TRY_VOID(check_id("result id", id));
  return atomic_file_writer::create(data_dir_ / "results" / (std::string{id} + ".zip"),
                                    max_file_size_);
}

result<fs::path> submission_store::result_file(std::string_view id) const {
  RECODEX_TRY_VOID(check_id("result id", id));
  auto path = data_dir_ / "results" / (std::string{id} + ".zip");
  std::error_code ec;
  if (!fs::is_regular_file(path, ec))
    return make_error(errc::not_found, "no result " + std::string{id});
  return path;
}

} // namespace recodex::storage
