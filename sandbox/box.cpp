// Box lifecycle: leasing a box id under an exclusive flock (so worker slots, in one process or
// several, never share a box), its uid/gid, and its private state directory.
#include "sandbox/sandbox.hpp"

#include "sandbox/host_files.hpp"

#include <cerrno>
#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

namespace recodex::sandbox {

box::box(box_config config, int id, int lock_fd)
  : config_(std::move(config)), id_(id), lock_fd_(lock_fd) {
  uid_ = static_cast<unsigned>(config_.first_uid + id);
  gid_ = uid_;
  state_dir_ = config_.state_dir + "/box-" + std::to_string(id);
}

box::box(box&& other) noexcept
  : config_(std::move(other.config_)), id_(other.id_), uid_(other.uid_), gid_(other.gid_),
    lock_fd_(other.lock_fd_), state_dir_(std::move(other.state_dir_)) {
  other.lock_fd_ = -1;
  other.id_ = -1;
}

box& box::operator=(box&& other) noexcept {
  if (this != &other) {
    if (lock_fd_ >= 0)
      ::close(lock_fd_);
    config_ = std::move(other.config_);
    id_ = other.id_;
    uid_ = other.uid_;
    gid_ = other.gid_;
    lock_fd_ = other.lock_fd_;
    state_dir_ = std::move(other.state_dir_);
    other.lock_fd_ = -1;
    other.id_ = -1;
  }
  return *this;
}

box::~box() {
  if (lock_fd_ >= 0)
    ::close(lock_fd_); // closing the only descriptor drops the flock
}

namespace {

// Returns the locked descriptor, -1 when another holder has the box, or an error.
result<int> try_lock(const box_config& config, int id) {
  auto path = config.state_dir + "/box-" + std::to_string(id) + ".lock";
  int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
  if (fd < 0)
    return detail::errno_error(errno, "cannot open lock file", path);
  if (::flock(fd, LOCK_EX | LOCK_NB) != 0) {
    int err = errno;
    ::close(fd);
    if (err == EWOULDBLOCK)
      return -1;
    return detail::errno_error(err, "cannot lock", path);
  }
  return fd;
}

} // namespace

result<box> acquire_box(const box_config& config, std::optional<int> id) {
  if (config.box_count <= 0 || config.first_uid <= 0)
    return make_error(errc::invalid_argument, "box_count and first_uid must be positive");
  if (id && (*id < 0 || *id >= config.box_count))
    return make_error(errc::invalid_argument, "box id " + std::to_string(*id) +
                                                  " is outside 0.." +
                                                  std::to_string(config.box_count - 1));
  RECODEX_TRY_VOID(detail::make_dir(config.state_dir, 0700));
  int first = id ? *id : 0;
  int last = id ? *id : config.box_count - 1;
  for (int candidate = first; candidate <= last; ++candidate) {
    RECODEX_TRY(fd, try_lock(config, candidate));
    if (fd < 0)
      continue;
    box leased{config, candidate, fd};
    if (auto made = detail::make_dir(leased.state_dir(), 0700); !made)
      return made.error();
    if (auto made = detail::make_dir(leased.state_dir() + "/root", 0700); !made)
      return made.error();
    return leased;
  }
  return make_error(errc::conflict, id ? "box " + std::to_string(*id) + " is in use"
                                       : "all " + std::to_string(config.box_count) +
                                             " boxes are in use");
}

} // namespace recodex::sandbox
