// The content-addressed blob store. Theory of operation: an upload streams into a private
// temporary file in <root>/.incoming while being hashed; commit fsyncs it, checks the claimed
// hash, and links it into <root>/<c>/<sha1> with renameat2(RENAME_NOREPLACE). The kernel picks
// one winner among concurrent writers of the same content; losers (EEXIST) drop their temporary
// and report created = false. A stored blob is therefore written once and never replaced, and a
// crash before the rename leaves only a temporary that remove_stale_temporaries reclaims. Each
// writer holds flock(LOCK_EX) on its temporary until it is renamed or discarded, so the
// reclaiming never takes a file from an upload that is merely slow.
#include "storage/blob_store.hpp"

#include "storage/atomic_file.hpp"
#include "storage/file_io.hpp"

#include <cerrno>
#include <fcntl.h>
#include <stdlib.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <system_error>
#include <unistd.h>
#include <utility>

namespace recodex::storage {

namespace fs = std::filesystem;

namespace {

constexpr const char* incoming_dir_name = ".incoming";

error bad_sha1(std::string_view text) {
  return make_error(errc::invalid_argument,
                    "'" + std::string{text} + "' is not a SHA-1 (40 hex digits)");
}

result<void> make_directory(const fs::path& dir) {
  if (::mkdir(dir.c_str(), 0755) != 0 && errno != EEXIST)
    return make_errno_error(errno, "cannot create directory " + dir.string());
  return ok();
}

} // namespace

// -- blob_writer --

blob_writer::blob_writer(fs::path root, fs::path temp_path, int fd,
                         std::optional<std::string> claimed_sha1, std::uint64_t max_size)
    : root_(std::move(root)), temp_path_(std::move(temp_path)), fd_(fd),
      claimed_sha1_(std::move(claimed_sha1)), max_size_(max_size) {}

blob_writer::blob_writer(blob_writer&& other) noexcept
    : root_(std::move(other.root_)), temp_path_(std::move(other.temp_path_)),
      fd_(std::exchange(other.fd_, -1)), claimed_sha1_(std::move(other.claimed_sha1_)),
      max_size_(other.max_size_), size_(other.size_), hasher_(std::move(other.hasher_)) {
  other.temp_path_.clear();
}

blob_writer& blob_writer::operator=(blob_writer&& other) noexcept {
  if (this != &other) {
    discard();
    root_ = std::move(other.root_);
    temp_path_ = std::move(other.temp_path_);
    other.temp_path_.clear();
    fd_ = std::exchange(other.fd_, -1);
    claimed_sha1_ = std::move(other.claimed_sha1_);
    max_size_ = other.max_size_;
    size_ = other.size_;
    hasher_ = std::move(other.hasher_);
  }
  return *this;
}

blob_writer::~blob_writer() {
  discard();
}

void blob_writer::discard() {
  if (fd_ >= 0) {
    ::close(fd_);
    fd_ = -1;
  }
  if (!temp_path_.empty()) {
    ::unlink(temp_path_.c_str());
    temp_path_.clear();
  }
}

result<void> blob_writer::write(const void* data, std::size_t size) {
  if (fd_ < 0)
    return make_error(errc::internal, "write to a spent blob writer in " + root_.string());
  if (size > max_size_ - size_) {
    discard();
    return make_error(errc::too_large,
                      "blob exceeds the limit of " + std::to_string(max_size_) + " bytes");
  }
  auto written = write_fully(fd_, data, size, temp_path_);
  if (!written) {
    discard();
    return written.error();
  }
  hasher_.update(data, size);
  size_ += size;
  return ok();
}

result<blob_info> blob_writer::commit() {
  if (fd_ < 0)
    return make_error(errc::internal, "commit of a spent blob writer in " + root_.string());

  // Durable before visible: the rename must never expose a blob whose data is not on disk.
  if (::fsync(fd_) != 0) {
    auto failure = make_errno_error(errno, "cannot fsync " + temp_path_.string());
    discard();
    return failure;
  }

  auto sha1 = hasher_.finish();
  if (claimed_sha1_ && *claimed_sha1_ != sha1) {
    discard();
    return make_error(errc::hash_mismatch,
                      "content hashes to " + sha1 + ", not to the claimed " + *claimed_sha1_);
  }

  // The descriptor, and with it the lock that keeps remove_stale_temporaries away, stays open
  // until the temporary has its final name.
  auto dir = root_ / sha1.substr(0, 1);
  if (auto made = make_directory(dir); !made) {
    discard();
    return made.error();
  }
  auto moved = rename_no_replace(temp_path_, dir / sha1);
  if (!moved) {
    discard();
    return moved.error();
  }
  blob_info info{sha1, size_, moved.value()};
  if (!info.created) {
    discard(); // the same content is already stored; our copy is redundant
    return info;
  }
  temp_path_.clear();
  ::close(std::exchange(fd_, -1));
  RECODEX_TRY_VOID(fsync_directory(dir));
  return info;
}

// -- blob_store --

blob_store::blob_store(fs::path root, std::uint64_t max_blob_size)
    : root_(std::move(root)), max_blob_size_(max_blob_size) {}

result<blob_store> blob_store::open(fs::path root, std::uint64_t max_blob_size) {
  std::error_code ec;
  fs::create_directories(root / incoming_dir_name, ec);
  if (ec)
    return make_errno_error(ec.value(), "cannot create blob store directory " + root.string());
  return blob_store{std::move(root), max_blob_size};
}

fs::path blob_store::final_path(const std::string& sha1) const {
  return root_ / sha1.substr(0, 1) / sha1;
}

result<blob_writer> blob_store::begin_write(std::optional<std::string_view> claimed_sha1) const {
  std::optional<std::string> claimed;
  if (claimed_sha1) {
    claimed = normalize_sha1(*claimed_sha1);
    if (!claimed)
      return bad_sha1(*claimed_sha1);
  }
  std::string temp = (root_ / incoming_dir_name / "blob-XXXXXX").string();
  int fd = ::mkostemp(temp.data(), O_CLOEXEC);
  if (fd < 0)
    return make_errno_error(errno, "cannot create a temporary file in " +
                                       (root_ / incoming_dir_name).string());
  // Blobs are served to workers and read by other tools; mkostemp's 0600 is too strict.
  ::fchmod(fd, 0644);
  // Marks the temporary as in use for remove_stale_temporaries: an upload may sit idle longer
  // than the maximum age (a slow multipart request keeps its earlier parts waiting), and the
  // lock, unlike the mtime, vanishes with the process when a writer crashes.
  if (::flock(fd, LOCK_EX | LOCK_NB) != 0) {
    auto failure = make_errno_error(errno, "cannot lock " + temp);
    ::close(fd);
    ::unlink(temp.c_str());
    return failure;
  }
  return blob_writer{root_, fs::path{temp}, fd, std::move(claimed), max_blob_size_};
}

result<blob_info> blob_store::put(std::string_view content,
                                  std::optional<std::string_view> claimed_sha1) const {
  RECODEX_TRY(writer, begin_write(claimed_sha1));
  RECODEX_TRY_VOID(writer.write(content));
  return writer.commit();
}

result<blob_info> blob_store::put_file(const fs::path& source) const {
  RECODEX_TRY(fd, open_for_reading(source));
  RECODEX_TRY(writer, begin_write());
  RECODEX_TRY_VOID(read_chunks(fd.get(), source, [&](std::string_view chunk) {
    return writer.write(chunk);
  }));
  return writer.commit();
}

bool blob_store::contains(std::string_view sha1) const {
  return path_of(sha1).has_value();
}

result<fs::path> blob_store::path_of(std::string_view sha1) const {
  auto normalized = normalize_sha1(sha1);
  if (!normalized)
    return bad_sha1(sha1);
  auto path = final_path(*normalized);
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) {
    if (errno == ENOENT || errno == ENOTDIR)
      return make_error(errc::not_found, "no blob " + *normalized);
    return make_errno_error(errno, "cannot stat " + path.string());
  }
  if (!S_ISREG(st.st_mode))
    return make_error(errc::internal, path.string() + " is not a regular file");
  return path;
}

result<std::uint64_t> blob_store::size_of(std::string_view sha1) const {
  RECODEX_TRY(path, path_of(sha1));
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0)
    return make_errno_error(errno, "cannot stat " + path.string());
  return static_cast<std::uint64_t>(st.st_size);
}

result<std::string> blob_store::read(std::string_view sha1) const {
  RECODEX_TRY(path, path_of(sha1));
  std::string content;
  RECODEX_TRY_VOID(read_file_chunks(path, [&](std::string_view chunk) -> result<void> {
    content.append(chunk);
    return ok();
  }));
  return content;
}

std::size_t blob_store::remove_stale_temporaries(std::chrono::seconds max_age) const {
  std::error_code ec;
  auto now = fs::file_time_type::clock::now();
  std::size_t removed = 0;
  for (fs::directory_iterator it{root_ / incoming_dir_name, ec}, end; !ec && it != end;
       it.increment(ec)) {
    std::error_code entry_ec;
    auto modified = it->last_write_time(entry_ec);
    if (entry_ec || now - modified < max_age)
      continue;
    // Old is not enough: a live writer holds a lock on its temporary (see begin_write). Holding
    // the lock ourselves while unlinking keeps a writer from starting on it meanwhile.
    unique_fd file{::open(it->path().c_str(), O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK)};
    if (file && ::flock(file.get(), LOCK_EX | LOCK_NB) != 0)
      continue;
    if (::unlink(it->path().c_str()) == 0)
      ++removed;
  }
  return removed;
}

} // namespace recodex::storage
