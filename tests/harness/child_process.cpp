#include "tests/harness/child_process.hpp"

#include <algorithm>
#include <csignal>
#include <fcntl.h>
#include <filesystem>
#include <fstream>
#include <poll.h>
#include <spawn.h>
#include <stdexcept>
#include <sys/wait.h>
#include <unistd.h>

extern char** environ;

namespace recodex::testing {

using namespace std::chrono_literals;

child_process::child_process(const std::vector<std::string>& args) {
  int out[2], err[2];
  if (::pipe2(out, O_CLOEXEC) != 0 || ::pipe2(err, O_CLOEXEC) != 0)
    throw std::runtime_error("pipe2 failed");
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_adddup2(&actions, out[1], 1);
  posix_spawn_file_actions_adddup2(&actions, err[1], 2);
  std::vector<char*> argv;
  for (const auto& a : args)
    argv.push_back(const_cast<char*>(a.c_str()));
  argv.push_back(nullptr);
  int rc = ::posix_spawn(&pid_, args[0].c_str(), &actions, nullptr, argv.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  ::close(out[1]);
  ::close(err[1]);
  fds_[0] = out[0];
  fds_[1] = err[0];
  if (rc != 0) {
    pid_ = -1;
    throw std::runtime_error("cannot spawn " + args[0]);
  }
}

child_process::~child_process() {
  kill9();
  for (int fd : fds_)
    if (fd >= 0)
      ::close(fd);
}

std::optional<std::string> child_process::read_line(std::chrono::milliseconds timeout) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  for (;;) {
    auto newline = out_.find('\n');
    if (newline != std::string::npos) {
      std::string line = out_.substr(0, newline);
      out_.erase(0, newline + 1);
      return line;
    }
    if (!pump(deadline))
      return std::nullopt;
  }
}

std::optional<std::string> child_process::wait_for_line(const std::string& needle,
                                                        std::chrono::milliseconds timeout) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  for (;;) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0)
      return std::nullopt;
    auto line = read_line(left);
    if (!line)
      return std::nullopt;
    if (line->find(needle) != std::string::npos)
      return line;
  }
}

std::optional<int> child_process::wait_exit(std::chrono::milliseconds timeout) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  for (;;) {
    int status = 0;
    if (pid_ > 0 && ::waitpid(pid_, &status, WNOHANG) == pid_) {
      exited_ = true;
      while (pump(std::chrono::steady_clock::now() + 1s)) {
      }
      return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
    }
    if (std::chrono::steady_clock::now() > deadline)
      return std::nullopt;
    // Output or the pipes closing wake us; else look at waitpid again after 10 ms.
    pump(std::min(deadline, std::chrono::steady_clock::now() + 10ms));
  }
}

std::optional<int> child_process::terminate(std::chrono::milliseconds timeout) {
  if (pid_ > 0 && !exited_)
    ::kill(pid_, SIGTERM);
  return wait_exit(timeout);
}

void child_process::kill9() {
  if (pid_ > 0 && !exited_) {
    ::kill(pid_, SIGKILL);
    ::waitpid(pid_, nullptr, 0);
    exited_ = true;
  }
}

bool child_process::running() {
  return pid_ > 0 && !exited_ && ::waitpid(pid_, nullptr, WNOHANG) == 0;
}

void child_process::collect_output(std::chrono::milliseconds timeout) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  while (pump(deadline)) {
  }
}

// Reads what is available on either pipe until `deadline`; false when nothing came (timeout
// or both pipes closed).
bool child_process::pump(std::chrono::steady_clock::time_point deadline) {
  if (fds_[0] < 0 && fds_[1] < 0)
    return false;
  auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
  pollfd p[2] = {{fds_[0], POLLIN, 0}, {fds_[1], POLLIN, 0}};
  if (::poll(p, 2, static_cast<int>(std::max<long>(0, left.count()))) <= 0)
    return false;
  bool got = false;
  std::string* into[2] = {&out_, &err_};
  for (int i = 0; i < 2; ++i) {
    if (!(p[i].revents & (POLLIN | POLLHUP)))
      continue;
    char buffer[4096];
    ssize_t n = ::read(fds_[i], buffer, sizeof buffer);
    if (n > 0) {
      into[i]->append(buffer, static_cast<std::size_t>(n));
      got = true;
    } else {
      fds_[i] = closed_fd(fds_[i]);
    }
  }
  return got;
}

// A closed pipe is replaced by -1, which poll ignores.
int child_process::closed_fd(int fd) {
  if (fd >= 0)
    ::close(fd);
  return -1;
}

double cpu_seconds_of_threads(pid_t pid) {
  std::error_code ec;
  std::filesystem::directory_iterator tasks("/proc/" + std::to_string(pid) + "/task", ec);
  if (ec)
    return -1;
  unsigned long long total_ns = 0;
  for (const auto& task : tasks) {
    std::ifstream schedstat(task.path() / "schedstat");
    unsigned long long on_cpu_ns = 0;
    if (schedstat >> on_cpu_ns)
      total_ns += on_cpu_ns;
  }
  return static_cast<double>(total_ns) / 1e9;
}

long peak_rss_kib(pid_t pid) {
  std::ifstream status("/proc/" + std::to_string(pid) + "/status");
  std::string line;
  while (std::getline(status, line))
    if (line.rfind("VmHWM:", 0) == 0)
      return std::stol(line.substr(6));
  return -1;
}

finished_process run_to_end(const std::vector<std::string>& args, std::chrono::milliseconds timeout) {
  child_process child(args);
  finished_process out;
  auto code = child.wait_exit(timeout);
  out.exit_code = code ? *code : -1;
  child.collect_output(std::chrono::milliseconds(10));
  out.out = child.stdout_text();
  out.err = child.stderr_text();
  return out;
}

} // namespace recodex::testing
