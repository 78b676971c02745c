#include "sandbox/box_launcher.hpp"

#include "sandbox/child_plan.hpp"
#include "sandbox/fd_passing.hpp"
#include "sandbox/host_plan.hpp"
#include "sandbox/sandbox.hpp"
#include "sandbox/seccomp_filter.hpp"

#include <cerrno>
#include <csignal>
#include <cstdint>
#include <cstring>
#include <memory>
#include <mutex>
#include <fcntl.h>
#include <poll.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

namespace recodex::sandbox {

namespace detail {

namespace {

constexpr std::size_t max_fds = 6 + max_join_fds;
constexpr int launcher_socket_fd = 3;

// Which descriptors follow the payload, and in what order: release, failure, report, start,
// then the network namespace when there is one, the control socket when there is one (the init
// may be reused, child_plan::control_fd), then the join files.
struct request_header {
  std::uint8_t has_netns = 0;
  std::uint8_t join_count = 0;
  std::uint8_t has_control = 0;
};

struct reply {
  std::int32_t err = 0; // 0: launched, the pidfd is attached
  std::int32_t code = 0; // errc, when err != 0
  std::int64_t pid = -1;
  char message[240] = {};
};

struct launcher_link {
  std::mutex mutex;
  int socket = -1;
  pid_t pid = -1;
  bool enabled = true;

  void drop() {
    if (socket >= 0)
      ::close(socket);
    socket = -1;
    if (pid > 0)
      (void) ::waitpid(pid, nullptr, WNOHANG);
    pid = -1;
  }
};

launcher_link& link() {
  static launcher_link the_link;
  return the_link;
}

void close_all(const int* fds, std::size_t count) {
  for (std::size_t i = 0; i < count; ++i)
    ::close(fds[i]);
}

reply refusal(errc code, int err, const std::string& message) {
  reply r;
  r.err = err;
  r.code = static_cast<std::int32_t>(code);
  std::strncpy(r.message, message.c_str(), sizeof r.message - 1);
  return r;
}

// The launcher's own priority when it started (the host's), which boxes run at; it builds them
// at the lowest (see child_plan::renice).
constexpr int setup_nice = 19;
int host_nice = 0;

// Rebuilds the plan from the request and clones the init; the init's pidfd comes back in `pidfd`.
reply launch(std::string_view payload, const int* fds, std::size_t fd_count, int& pidfd) {
  request_header header;
  if (payload.size() < sizeof header)
    return refusal(errc::invalid_argument, EINVAL, "launch request without its header");
  std::memcpy(&header, payload.data(), sizeof header);
  payload.remove_prefix(sizeof header);
  const std::size_t expected = 4 + header.has_netns + header.has_control + header.join_count;
  if (header.join_count > max_join_fds || fd_count != expected)
    return refusal(errc::invalid_argument, EINVAL, "launch request with the wrong descriptors");
  auto request = decode_launch_request(payload);
  if (!request)
    return refusal(request.error().code, EINVAL, request.error().message);
  auto storage = build_plan(request.value().box, request.value().options);
  if (!storage)
    return refusal(storage.error().code, EINVAL, storage.error().message);
  auto filter = box_seccomp_program();
  if (!filter)
    return refusal(filter.error().code, EINVAL, filter.error().message);
  child_plan& plan = storage.value()->plan;
  plan.seccomp = &filter.value()->program;
  plan.release_fd = fds[0];
  plan.failure_fd = fds[1];
  plan.report_fd = fds[2];
  plan.start_fd = fds[3];
  plan.netns_fd = header.has_netns ? fds[4] : -1;
  plan.control_fd = header.has_control ? fds[4 + header.has_netns] : -1;
  plan.join_fds = fds + 4 + header.has_netns + header.has_control;
  plan.join_count = header.join_count;
  plan.renice = true;
  plan.run_nice = host_nice;
  plan.setup_nice = setup_nice;
  long pid = clone_box_init(plan, pidfd);
  if (pid < 0)
    return refusal(errc::io_error, static_cast<int>(-pid),
                   make_errno_error(static_cast<int>(-pid), "cannot clone the box init").message);
  reply r;
  r.pid = pid;
  return r;
}

void reap_children() {
  while (::waitpid(-1, nullptr, WNOHANG) > 0) {
  }
}

} // namespace

[[noreturn]] void serve_box_launcher(pid_t host) {
  if (::prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0) != 0 || ::getppid() != host)
    ::_exit(0);
  (void) ::prctl(PR_SET_NAME, "box-launcher", 0, 0, 0);
  errno = 0;
  if (int nice = ::getpriority(PRIO_PROCESS, 0); errno == 0)
    host_nice = nice;
  (void) ::setpriority(PRIO_PROCESS, 0, setup_nice);
  ::syscall(SYS_close_range, launcher_socket_fd + 1, ~0U, 0);
  sigset_t child_signal;
  ::sigemptyset(&child_signal);
  ::sigaddset(&child_signal, SIGCHLD);
  ::sigprocmask(SIG_BLOCK, &child_signal, nullptr);
  int children = ::signalfd(-1, &child_signal, SFD_CLOEXEC | SFD_NONBLOCK);
  if (children < 0) // without it inits would stay zombies; the host clones them itself instead
    ::_exit(1);
  // Not touched until used, so it adds no pages for the inits to copy.
  std::unique_ptr<char[]> buffer{new char[max_launch_request_bytes]};
  for (;;) {
    pollfd watched[2] = {{launcher_socket_fd, POLLIN, 0}, {children, POLLIN, 0}};
    if (::poll(watched, 2, -1) < 0 && errno != EINTR)
      ::_exit(1);
    if (watched[1].revents) {
      signalfd_siginfo info;
      while (::read(children, &info, sizeof info) == static_cast<ssize_t>(sizeof info)) {
      }
      reap_children();
    }
    if (!(watched[0].revents & (POLLIN | POLLHUP | POLLERR)))
      continue;
    int fds[max_fds];
    std::size_t fd_count = 0;
    bool truncated = false;
    ssize_t got = receive_with_fds(launcher_socket_fd, buffer.get(), max_launch_request_bytes, fds, max_fds,
                                   fd_count, truncated);
    if (got <= 0) // the host closed its end (or the socket broke): nothing more to do
      ::_exit(0);
    int pidfd = -1;
    reply answer = truncated ? refusal(errc::too_large, EMSGSIZE, "launch request too large")
                             : launch({buffer.get(), static_cast<std::size_t>(got)}, fds,
                                      fd_count, pidfd);
    close_all(fds, fd_count);
    bool sent = send_with_fds(launcher_socket_fd, &answer, sizeof answer, &pidfd,
                              pidfd >= 0 ? 1 : 0);
    if (pidfd >= 0)
      ::close(pidfd);
    if (!sent)
      ::_exit(0);
  }
}

bool box_launcher_running() {
  std::lock_guard<std::mutex> lock{link().mutex};
  return link().socket >= 0 && link().enabled;
}

void enable_box_launcher(bool enabled) {
  std::lock_guard<std::mutex> lock{link().mutex};
  link().enabled = enabled;
}

result<launched_init> launch_box_init(std::string_view request, const init_fds& fds) {
  if (fds.join_count > max_join_fds)
    return make_error(errc::invalid_argument, "too many cgroup join files");
  request_header header;
  header.has_netns = fds.netns >= 0;
  header.has_control = fds.control >= 0;
  header.join_count = static_cast<std::uint8_t>(fds.join_count);
  std::string payload(reinterpret_cast<const char*>(&header), sizeof header);
  payload += request;
  if (payload.size() > max_launch_request_bytes)
    return make_error(errc::unavailable, "the launch request is too large for the launcher");
  int attached[max_fds] = {fds.release, fds.failure, fds.report, fds.start};
  std::size_t count = 4;
  if (fds.netns >= 0)
    attached[count++] = fds.netns;
  if (fds.control >= 0)
    attached[count++] = fds.control;
  for (std::size_t i = 0; i < fds.join_count; ++i)
    attached[count++] = fds.joins[i];

  launcher_link& the_link = link();
  std::lock_guard<std::mutex> lock{the_link.mutex};
  if (the_link.socket < 0)
    return make_error(errc::unavailable, "no box launcher");
  if (!send_with_fds(the_link.socket, payload.data(), payload.size(), attached, count)) {
    int err = errno;
    if (err != EMSGSIZE && err != ENOBUFS)
      the_link.drop();
    return make_error(errc::unavailable, make_errno_error(err, "cannot reach the box launcher").message);
  }
  reply answer;
  int pidfd = -1;
  std::size_t pidfd_count = 0;
  bool truncated = false;
  ssize_t got = receive_with_fds(the_link.socket, reinterpret_cast<char*>(&answer),
                                 sizeof answer, &pidfd, 1, pidfd_count, truncated);
  if (got != static_cast<ssize_t>(sizeof answer) || truncated) {
    if (pidfd_count > 0)
      ::close(pidfd);
    the_link.drop(); // the launcher died or broke the protocol: the host clones from now on
    return make_error(errc::unavailable, "the box launcher has gone");
  }
  if (answer.err != 0 || pidfd_count != 1) {
    if (pidfd_count > 0)
      ::close(pidfd);
    answer.message[sizeof answer.message - 1] = '\0';
    auto code = answer.code ? static_cast<errc>(answer.code) : errc::internal;
    return make_error(code, answer.message);
  }
  return launched_init{static_cast<long>(answer.pid), pidfd};
}

} // namespace detail

std::string default_box_launcher_executable() {
  char self[4096];
  ssize_t n = ::readlink("/proc/self/exe", self, sizeof self - 1);
  if (n <= 0)
    return {};
  std::string path(self, static_cast<std::size_t>(n));
  auto slash = path.rfind('/');
  return slash == std::string::npos ? std::string{} : path.substr(0, slash + 1) + box_launcher_name;
}

result<void> start_box_launcher(const std::string& executable) {
  auto& the_link = detail::link();
  std::lock_guard<std::mutex> lock{the_link.mutex};
  if (the_link.socket >= 0)
    return ok();
  const std::string program = executable.empty() ? default_box_launcher_executable() : executable;
  if (program.empty())
    return make_error(errc::unavailable, "cannot tell where the box launcher (" +
                                             std::string{box_launcher_name} + ") is");
  // Everything the child needs is built before the fork: it only calls async-signal-safe
  // functions until the exec.
  const std::string host_argument = "--host-pid=" + std::to_string(::getpid());
  char* const argv[] = {const_cast<char*>(program.c_str()), const_cast<char*>(host_argument.c_str()),
                        nullptr};
  char* const envp[] = {nullptr};
  int ends[2];
  if (::socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, ends) != 0)
    return make_errno_error(errno, "cannot create the box launcher's socket");
  detail::reserve_send_buffer(ends[0], detail::max_launch_request_bytes);
  // The exec's failure comes back through this pipe; its closing (close-on-exec) means success.
  int exec_status[2];
  if (::pipe2(exec_status, O_CLOEXEC) != 0) {
    int err = errno;
    ::close(ends[0]);
    ::close(ends[1]);
    return make_errno_error(err, "cannot create a pipe for the box launcher");
  }
  pid_t pid = ::fork();
  if (pid < 0) {
    int err = errno;
    for (int fd : {ends[0], ends[1], exec_status[0], exec_status[1]})
      ::close(fd);
    return make_errno_error(err, "cannot fork the box launcher");
  }
  if (pid == 0) {
    // Set before the exec (it survives it) so the launcher never outlives this thread, even
    // when this process dies before the launcher's main sets it again.
    (void) ::prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0);
    int err = 0;
    // The launcher finds its socket at a fixed descriptor, which must survive the exec.
    const int socket = detail::launcher_socket_fd;
    if (ends[1] == socket ? ::fcntl(socket, F_SETFD, 0) != 0 : ::dup2(ends[1], socket) < 0)
      err = errno;
    else
      ::execve(argv[0], argv, envp);
    if (err == 0)
      err = errno;
    (void) !::write(exec_status[1], &err, sizeof err);
    ::_exit(127);
  }
  ::close(ends[1]);
  ::close(exec_status[1]);
  int err = 0;
  ssize_t got;
  do
    got = ::read(exec_status[0], &err, sizeof err);
  while (got < 0 && errno == EINTR);
  ::close(exec_status[0]);
  if (got == static_cast<ssize_t>(sizeof err)) {
    ::close(ends[0]);
    (void) ::waitpid(pid, nullptr, 0);
    return make_errno_error(err, "cannot start the box launcher " + program);
  }
  the_link.socket = ends[0];
  the_link.pid = pid;
  return ok();
}

} // namespace recodex::sandbox
