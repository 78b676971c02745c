// atomic_file_writer: a temporary `.<name>.tmp-XXXXXX` beside the target, written in full,
// fsync'd, renamed over the target, and the directory fsync'd, so after a crash the target is
// either the old file or the complete new one. Also the low-level write/fsync steps the blob
// store shares.
//
// Crash reasoning for a batch (commit_all): each file's content is on disk before its rename, so
// a name that survives a crash always names a complete file. Until the directory fsyncs at the
// end return, a crash may lose any subset of the batch's renames (and of the directories made for
// it); the caller has not answered yet, so nothing promised is lost. Once they return, every new
// name and every new directory's name in its parent is on disk, exactly as if each file had been
// committed alone, with one fsync per directory instead of one per file.
#include "storage/atomic_file.hpp"

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <fcntl.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <system_error>
#include <unistd.h>
#include <utility>

namespace recodex::storage {

namespace fs = std::filesystem;

namespace {

fs::path directory_of(const fs::path& file) {
  auto parent = file.parent_path();
  return parent.empty() ? fs::path{"."} : parent;
}

} // namespace

// -- shared steps --

result<void> write_fully(int fd, const void* data, std::size_t size, const fs::path& file) {
  auto* next = static_cast<const char*>(data);
  while (size > 0) {
    ssize_t written = ::write(fd, next, size);
    if (written < 0) {
      if (errno == EINTR)
        continue;
      return make_errno_error(errno, "cannot write " + file.string());
    }
    next += written;
    size -= static_cast<std::size_t>(written);
  }
  return ok();
}

result<void> fsync_directory(const fs::path& dir) {
  int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0)
    return make_errno_error(errno, "cannot open directory " + dir.string());
  int status = ::fsync(fd);
  int saved = errno;
  ::close(fd);
  if (status != 0)
    return make_errno_error(saved, "cannot fsync directory " + dir.string());
  return ok();
}

result<void> fsync_directories(std::vector<fs::path> dirs) {
  std::sort(dirs.begin(), dirs.end());
  dirs.erase(std::unique(dirs.begin(), dirs.end()), dirs.end());
  for (const auto& dir : dirs) {
    RECODEX_TRY_VOID(fsync_directory(dir));
  }
  return ok();
}

result<std::vector<fs::path>> make_missing_directories(const fs::path& dir) {
  std::vector<fs::path> missing;
  struct stat st {};
  for (fs::path d = dir; !d.empty() && ::stat(d.c_str(), &st) != 0; d = d.parent_path()) {
    missing.push_back(d);
    if (d == d.parent_path())
      break; // the root itself is missing: mkdir below reports it
  }
  std::reverse(missing.begin(), missing.end());
  for (const auto& d : missing)
    if (::mkdir(d.c_str(), 0777) != 0 && errno != EEXIST)
      return make_errno_error(errno, "cannot create directory " + d.string());
  return missing;
}

result<bool> rename_no_replace(const fs::path& from, const fs::path& to) {
  if (::renameat2(AT_FDCWD, from.c_str(), AT_FDCWD, to.c_str(), RENAME_NOREPLACE) == 0)
    return true;
  if (errno == EEXIST)
    return false;
  if (errno != EINVAL && errno != ENOSYS)
    return make_errno_error(errno, "cannot rename " + from.string() + " to " + to.string());
  // The file system lacks RENAME_NOREPLACE: link() refuses to replace just the same.
  if (::link(from.c_str(), to.c_str()) != 0) {
    if (errno == EEXIST)
      return false;
    return make_errno_error(errno, "cannot link " + from.string() + " to " + to.string());
  }
  ::unlink(from.c_str());
  return true;
}

// -- atomic_file_writer --

result<atomic_file_writer> atomic_file_writer::create(fs::path target, std::uint64_t max_size) {
  if (!target.has_filename())
    return make_error(errc::invalid_argument, "no file name in target path " + target.string());
  auto dir = directory_of(target);
  RECODEX_TRY(made, make_missing_directories(dir));

  // The temporary sits in the target's directory so the final rename never crosses file
  // systems; the leading dot keeps it out of casual listings.
  std::string temp_name = (dir / ("." + target.filename().string() + ".tmp-XXXXXX")).string();
  int fd = ::mkostemp(temp_name.data(), O_CLOEXEC);
  if (fd < 0)
    return make_errno_error(errno, "cannot create a temporary file for " + target.string());
  // mkostemp creates 0600; stored files are meant to be readable like any other output.
  ::fchmod(fd, 0644);
  atomic_file_writer writer{std::move(target), fs::path{temp_name}, fd, max_size};
  writer.new_directories_ = std::move(made);
  struct stat st {};
  if (::fstat(fd, &st) != 0)
    return make_errno_error(errno, "cannot stat " + temp_name);
  writer.created_ = st.st_mtim;
  return writer;
}

atomic_file_writer::atomic_file_writer(fs::path target, fs::path temp, int fd,
                                       std::uint64_t max_size)
    : target_(std::move(target)), temp_(std::move(temp)), fd_(fd), max_size_(max_size) {}

atomic_file_writer::atomic_file_writer(atomic_file_writer&& other) noexcept
    : target_(std::move(other.target_)), temp_(std::move(other.temp_)),
      fd_(std::exchange(other.fd_, -1)), max_size_(other.max_size_), size_(other.size_),
      created_(other.created_), new_directories_(std::move(other.new_directories_)) {
  other.temp_.clear();
}

atomic_file_writer& atomic_file_writer::operator=(atomic_file_writer&& other) noexcept {
  if (this != &other) {
    discard();
    target_ = std::move(other.target_);
    temp_ = std::move(other.temp_);
    other.temp_.clear();
    fd_ = std::exchange(other.fd_, -1);
    max_size_ = other.max_size_;
    size_ = other.size_;
    created_ = other.created_;
    new_directories_ = std::move(other.new_directories_);
  }
  return *this;
}

atomic_file_writer::~atomic_file_writer() {
  discard();
}

void atomic_file_writer::discard() {
  if (fd_ >= 0) {
    ::close(fd_);
    fd_ = -1;
  }
  if (!temp_.empty()) {
    ::unlink(temp_.c_str());
    temp_.clear();
  }
}

result<void> atomic_file_writer::write(const void* data, std::size_t size) {
  if (fd_ < 0)
    return make_error(errc::internal, "write to a spent writer for " + target_.string());
  if (size > max_size_ - size_) {
    discard();
    return make_error(errc::too_large, target_.string() + " exceeds the limit of " +
                                           std::to_string(max_size_) + " bytes");
  }
  auto written = write_fully(fd_, data, size, temp_);
  if (!written) {
    discard();
    return written.error();
  }
  size_ += size;
  return ok();
}

result<void> atomic_file_writer::date_to_creation() {
  if (fd_ < 0)
    return make_error(errc::internal, "dating of a spent writer for " + target_.string());
  const struct timespec times[2] = {{0, UTIME_OMIT}, created_};
  if (::futimens(fd_, times) != 0)
    return make_errno_error(errno, "cannot set the modification time of " + temp_.string());
  return ok();
}

void atomic_file_writer::add_new_directories(const std::vector<fs::path>& made) {
  new_directories_.insert(new_directories_.begin(), made.begin(), made.end());
}

std::vector<fs::path> atomic_file_writer::directories_to_sync() const {
  std::vector<fs::path> dirs{directory_of(target_)};
  for (const auto& made : new_directories_)
    dirs.push_back(directory_of(made));
  return dirs;
}

result<void> atomic_file_writer::flush(durability mode) {
  if (fd_ < 0)
    return make_error(errc::internal, "commit of a spent writer for " + target_.string());
  if (mode == durability::synced && ::fsync(fd_) != 0) {
    auto failure = make_errno_error(errno, "cannot fsync " + temp_.string());
    discard();
    return failure;
  }
  if (::close(std::exchange(fd_, -1)) != 0) {
    auto failure = make_errno_error(errno, "cannot close " + temp_.string());
    discard();
    return failure;
  }
  return ok();
}

result<void> atomic_file_writer::publish() {
  if (::rename(temp_.c_str(), target_.c_str()) != 0) {
    auto failure =
        make_errno_error(errno, "cannot rename " + temp_.string() + " to " + target_.string());
    discard();
    return failure;
  }
  temp_.clear(); // it is the target now
  return ok();
}

result<fs::path> atomic_file_writer::commit(durability mode) {
  RECODEX_TRY_VOID(flush(mode));
  RECODEX_TRY_VOID(publish());
  if (mode == durability::synced) {
    RECODEX_TRY_VOID(fsync_directories(directories_to_sync()));
  }
  return target_;
}

result<void> commit_all(std::vector<atomic_file_writer>& writers) {
  auto discard_all = [&writers] {
    for (auto& writer : writers)
      writer.discard(); // a no-op for the writers already renamed
  };
  // Contents first: no name may reach the disk before the data it names.
  for (auto& writer : writers)
    if (auto flushed = writer.flush(durability::synced); !flushed) {
      discard_all();
      return flushed.error();
    }
  std::vector<fs::path> dirs;
  for (auto& writer : writers) {
    if (auto published = writer.publish(); !published) {
      discard_all();
      return published.error();
    }
    auto more = writer.directories_to_sync();
    dirs.insert(dirs.end(), more.begin(), more.end());
  }
  return fsync_directories(std::move(dirs));
}

result<void> write_file_atomically(const fs::path& target, std::string_view content,
                                   durability mode) {
  RECODEX_TRY(writer, atomic_file_writer::create(target));
  RECODEX_TRY_VOID(writer.write(content));
  RECODEX_TRY_VOID(writer.commit(mode));
  return ok();
}

} // namespace recodex::storage
