// The box directory seen from the host: ownership hand-over and safe reads of program output.
#include "sandbox/host_box_dir.hpp"

#include "sandbox/host_files.hpp"

#include <cerrno>
#include <dirent.h>
#include <fcntl.h>
#include <linux/openat2.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

namespace recodex::sandbox {

namespace {

using detail::errno_error;

result<void> chown_below(int dir_fd, const std::string& path, uid_t uid, gid_t gid, dev_t dev,
                         int depth) {
  if (depth > 256)
    return make_error(errc::too_large, "box directory nests too deep at " + path);
  int copy = ::dup(dir_fd);
  DIR* listing = copy >= 0 ? ::fdopendir(copy) : nullptr;
  if (!listing) {
    if (copy >= 0)
      ::close(copy);
    return errno_error(errno, "cannot list", path);
  }
  result<void> outcome = ok();
  while (struct dirent* entry = ::readdir(listing)) {
    std::string name = entry->d_name;
    if (name == "." || name == "..")
      continue;
    // A stat is much cheaper than a chown (which dirties the inode in the journal), and runs
    // that keep the directory handed over find most entries already owned.
    struct stat entry_st {};
    const bool owned = ::fstatat(dir_fd, entry->d_name, &entry_st, AT_SYMLINK_NOFOLLOW) == 0 &&
                       entry_st.st_uid == uid && entry_st.st_gid == gid;
    if (!owned && ::fchownat(dir_fd, entry->d_name, uid, gid, AT_SYMLINK_NOFOLLOW) != 0 &&
        errno != ENOENT) {
      outcome = errno_error(errno, "cannot chown", path + "/" + name);
      break;
    }
    if (entry->d_type != DT_DIR && entry->d_type != DT_UNKNOWN)
      continue;
    int child = ::openat(dir_fd, entry->d_name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    if (child < 0)
      continue; // not a directory after all (or a symlink): nothing below it to hand over
    struct stat st {};
    if (::fstat(child, &st) == 0 && st.st_dev == dev)
      outcome = chown_below(child, path + "/" + name, uid, gid, dev, depth + 1);
    ::close(child);
    if (!outcome)
      break;
  }
  ::closedir(listing);
  return outcome;
}

// openat2 confined below `root_fd`, no symlinks, no mount crossings.
int open_beneath(int root_fd, const std::string& relative, int flags) {
  struct open_how how {};
  how.flags = static_cast<std::uint64_t>(flags | O_CLOEXEC | O_NOFOLLOW);
  how.resolve = RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS | RESOLVE_NO_XDEV;
  return static_cast<int>(::syscall(SYS_openat2, root_fd, relative.c_str(), &how, sizeof how));
}

result<int> open_output(const std::string& box_dir, const std::string& relative) {
  std::string rel = relative;
  if (rel.rfind("/box/", 0) == 0)
    rel = rel.substr(5);
  while (!rel.empty() && rel.front() == '/')
    rel.erase(rel.begin());
  if (rel.empty())
    return make_error(errc::invalid_argument, "empty path inside the box");
  int root = ::open(box_dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (root < 0)
    return errno_error(errno, "cannot open box directory", box_dir);
  int fd = open_beneath(root, rel, O_RDONLY | O_NONBLOCK);
  int err = errno;
  ::close(root);
  auto where = box_dir + "/" + rel;
  if (fd < 0) {
    if (err == ELOOP || err == EXDEV)
      return make_error(errc::invalid_argument,
                        "refusing " + where + ": a symlink or a path leaving the box");
    return errno_error(err, "cannot open box file", where);
  }
  struct stat st {};
  if (::fstat(fd, &st) != 0) {
    err = errno;
    ::close(fd);
    return errno_error(err, "cannot stat", where);
  }
  if (!S_ISREG(st.st_mode) || st.st_nlink != 1) {
    ::close(fd);
    return make_error(errc::invalid_argument,
                      "refusing " + where + (S_ISREG(st.st_mode)
                                                 ? ": it has " + std::to_string(st.st_nlink) +
                                                       " hard links"
                                                 : ": not a regular file"));
  }
  return fd;
}

} // namespace

result<void> chown_tree(const std::string& dir, uid_t uid, gid_t gid) {
  int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
  if (fd < 0)
    return errno_error(errno, "cannot open box directory", dir);
  struct stat st {};
  result<void> outcome = ok();
  if (::fstat(fd, &st) != 0 || ((st.st_uid != uid || st.st_gid != gid) && ::fchown(fd, uid, gid) != 0))
    outcome = errno_error(errno, "cannot chown", dir);
  else
    outcome = chown_below(fd, dir, uid, gid, st.st_dev, 0);
  ::close(fd);
  return outcome;
}

result<std::string> read_box_file(const std::string& box_dir, const std::string& relative,
                                  std::size_t max_bytes, oversize policy) {
  RECODEX_TRY(fd, open_output(box_dir, relative));
  std::string out;
  char buffer[65536];
  for (;;) {
    auto n = ::read(fd, buffer, sizeof buffer);
    if (n < 0) {
      int err = errno;
      ::close(fd);
      return errno_error(err, "cannot read box file", box_dir + "/" + relative);
    }
    if (n == 0)
      break;
    if (out.size() + static_cast<std::size_t>(n) > max_bytes) {
      if (policy == oversize::truncate) {
        out.append(buffer, max_bytes - out.size());
        break;
      }
      ::close(fd);
      return make_error(errc::too_large, box_dir + "/" + relative + " is larger than " +
                                             std::to_string(max_bytes) + " bytes");
    }
    out.append(buffer, static_cast<std::size_t>(n));
  }
  ::close(fd);
  return out;
}

result<void> copy_box_file(const std::string& box_dir, const std::string& relative,
                           const std::string& destination, std::size_t max_bytes,
                           oversize policy) {
  RECODEX_TRY(content, read_box_file(box_dir, relative, max_bytes, policy));
  int out = ::open(destination.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC,
                   0644);
  if (out < 0)
    return errno_error(errno, "cannot create", destination);
  std::size_t done = 0;
  while (done < content.size()) {
    auto n = ::write(out, content.data() + done, content.size() - done);
    if (n < 0) {
      int err = errno;
      ::close(out);
      return errno_error(err, "cannot write", destination);
    }
    done += static_cast<std::size_t>(n);
  }
  ::close(out);
  return ok();
}

result<void> make_box_file_executable(const std::string& box_dir, const std::string& relative) {
  RECODEX_TRY(fd, open_output(box_dir, relative));
  struct stat st {};
  result<void> outcome = ok();
  if (::fstat(fd, &st) != 0)
    outcome = errno_error(errno, "cannot stat", box_dir + "/" + relative);
  else if ((st.st_mode & 0111) != 0111 && ::fchmod(fd, (st.st_mode & 07777) | 0111) != 0)
    outcome = errno_error(errno, "cannot chmod", box_dir + "/" + relative);
  ::close(fd);
  return outcome;
}

} // namespace recodex::sandbox
