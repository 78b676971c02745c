// Box lifecycle: leasing a box id under an exclusive flock (so worker slots, in one process or
// several, never share a box), its uid/gid, its private state directory, and retiring what a
// finished run left behind (its exiting init and its cgroup).
#include "sandbox/sandbox.hpp"

#include "sandbox/host_box_runtime.hpp"
#include "sandbox/child_plan.hpp"
#include "sandbox/host_files.hpp"

#include <cerrno>
#include <fcntl.h>
#include <poll.h>
#include <csignal>
#include <sys/file.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

namespace recodex::sandbox {

namespace detail {

void await_init_exit(pid_t init, int pidfd, int* status, struct rusage* usage) {
  int ignored_status = 0;
  for (;;) {
    if (::wait4(init, status ? status : &ignored_status, 0, usage) >= 0)
      return;
    if (errno != EINTR)
      break; // ECHILD: not ours
  }
  if (pidfd < 0)
    return;
  pollfd exited{pidfd, POLLIN, 0};
  while (::poll(&exited, 1, -1) < 0 && errno == EINTR) {
  }
}

void box_runtime::keep_leftovers(pid_t init, int pidfd, std::unique_ptr<cgroup> group, std::string group_name) {
  (void) retire();
  leftover_init = init;
  leftover_pidfd = pidfd;
  leftover_group = std::move(group);
  leftover_group_name = std::move(group_name);
}

bool box_runtime::holds_group(const std::string& name) const {
  return (idle && idle->group && idle->group_name == name) || (leftover_group && leftover_group_name == name) ||
         (left_group && left_group_name == name);
}

void box_runtime::keep_idle(idle_init init) {
  // Not retire(): the left group can wait for the next prepare(), off the caller's path.
  retire_idle();
  (void) retire_leftovers();
  idle = std::move(init);
}

std::optional<idle_init> box_runtime::take_idle(const std::string& layout, int wait_ms) {
  if (!idle || idle->layout != layout || idle->runs >= max_runs_per_init)
    return std::nullopt;
  pollfd cleaned{idle->control, POLLIN, 0};
  int ready;
  do
    ready = ::poll(&cleaned, 1, wait_ms);
  while (ready < 0 && errno == EINTR);
  char byte = 0;
  if (ready != 1 || ::recv(idle->control, &byte, 1, MSG_DONTWAIT) != 1 || byte != control_clean)
    return std::nullopt; // still cleaning, or gone (it exits when it cannot clean up)
  pollfd exited{idle->pidfd, POLLIN, 0};
  if (::poll(&exited, 1, 0) != 0 || (cleaned.revents & POLLHUP))
    return std::nullopt; // it answered, then died
  std::optional<idle_init> taken = std::move(idle);
  idle.reset();
  return taken;
}

result<void> box_runtime::remove_left_group() {
  result<void> outcome = ok();
  if (left_group) {
    outcome = left_group->remove();
    left_group.reset();
    left_group_name.clear();
  }
  return outcome;
}

void box_runtime::retire_idle() {
  if (idle) {
    // It exits on EOF; SIGKILL makes sure (it may be cleaning up), then it is a leftover.
    ::close(idle->control);
    ::syscall(SYS_pidfd_send_signal, idle->pidfd, SIGKILL, nullptr, 0);
    await_init_exit(idle->pid, idle->pidfd, nullptr, nullptr);
    ::close(idle->pidfd);
    auto group = std::move(idle->group);
    idle.reset();
    if (group)
      (void) group->remove();
  }
}

result<void> box_runtime::retire() {
  retire_idle();
  (void) remove_left_group();
  return retire_leftovers();
}

result<void> box_runtime::retire_leftovers() {
  if (leftover_init > 0) {
    if (leftover_pidfd >= 0)
      ::syscall(SYS_pidfd_send_signal, leftover_pidfd, SIGKILL, nullptr, 0);
    else
      ::kill(leftover_init, SIGKILL);
    await_init_exit(leftover_init, leftover_pidfd, nullptr, nullptr);
    leftover_init = -1;
  }
  if (leftover_pidfd >= 0) {
    ::close(leftover_pidfd);
    leftover_pidfd = -1;
  }
  result<void> outcome = ok();
  if (leftover_group) {
    outcome = leftover_group->remove();
    leftover_group.reset();
  }
  return outcome;
}

box_runtime::~box_runtime() {
  (void) retire();
}

box_runtime& runtime_of(const box& b) {
  return *b.runtime_;
}

} // namespace detail

box::box(box_config config, int id, int lock_fd)
  : config_(std::move(config)), id_(id), lock_fd_(lock_fd),
    runtime_(std::make_unique<detail::box_runtime>()) {
  uid_ = static_cast<unsigned>(config_.first_uid + id);
  gid_ = uid_;
  state_dir_ = config_.state_dir + "/box-" + std::to_string(id);
}

box::box(box&& other) noexcept
  : config_(std::move(other.config_)), id_(other.id_), uid_(other.uid_), gid_(other.gid_),
    lock_fd_(other.lock_fd_), state_dir_(std::move(other.state_dir_)),
    runtime_(std::move(other.runtime_)) {
  other.lock_fd_ = -1;
  other.id_ = -1;
}

box& box::operator=(box&& other) noexcept {
  if (this != &other) {
    runtime_.reset(); // retire this box's leftovers before its lock goes
    if (lock_fd_ >= 0)
      ::close(lock_fd_);
    config_ = std::move(other.config_);
    id_ = other.id_;
    uid_ = other.uid_;
    gid_ = other.gid_;
    lock_fd_ = other.lock_fd_;
    state_dir_ = std::move(other.state_dir_);
    runtime_ = std::move(other.runtime_);
    other.lock_fd_ = -1;
    other.id_ = -1;
  }
  return *this;
}

box::~box() {
  runtime_.reset(); // the leftovers go before the lock, so the next holder finds a clean box
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
