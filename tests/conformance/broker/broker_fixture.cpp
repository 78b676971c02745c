// The broker conformance fixture; see broker_fixture.hpp.
#include "tests/conformance/broker/broker_fixture.hpp"

#include <zmq_addon.hpp>

#include <csignal>
#include <cstdio>
#include <cstring>
#include <fcntl.h>
#include <fstream>
#include <poll.h>
#include <stdexcept>
#include <sys/wait.h>
#include <unistd.h>

namespace recodex::testing {

namespace {

// Reads one line from fd with a deadline.
std::optional<std::string> read_line(int fd, std::chrono::milliseconds timeout) {
  std::string line;
  auto deadline = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < deadline) {
    pollfd p{fd, POLLIN, 0};
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
    if (::poll(&p, 1, static_cast<int>(std::max<long>(1, left.count()))) <= 0)
      continue;
    char c;
    auto n = ::read(fd, &c, 1);
    if (n <= 0)
      return std::nullopt;
    if (c == '\n')
      return line;
    line += c;
  }
  return std::nullopt;
}

std::uint16_t port_of(const std::string& line) {
  return static_cast<std::uint16_t>(std::stoul(line.substr(line.rfind(':') + 1)));
}

} // namespace

broker_process::broker_process(std::string yaml) {
  static int counter = 0;
  config_ = std::filesystem::temp_directory_path()
            / ("broker-conf-" + std::to_string(::getpid()) + "-" + std::to_string(counter++) + ".yml");
  {
    std::ofstream out(config_);
    out << yaml;
  }
  int out_pipe[2];
  if (::pipe2(out_pipe, O_CLOEXEC) != 0)
    throw std::runtime_error("pipe");
  pid_ = ::fork();
  if (pid_ == 0) {
    ::dup2(out_pipe[1], 1);
    std::string binary = std::string(RECODEX_BIN_DIR) + "/recodex-broker";
    ::execl(binary.c_str(), binary.c_str(), "-c", config_.c_str(), static_cast<char*>(nullptr));
    ::_exit(127);
  }
  ::close(out_pipe[1]);
  auto clients = read_line(out_pipe[0], 10s);
  auto workers = read_line(out_pipe[0], 10s);
  ::close(out_pipe[0]);
  if (!clients || !workers)
    throw std::runtime_error("recodex-broker did not print its endpoints");
  clients_port_ = port_of(*clients);
  workers_port_ = port_of(*workers);
}

broker_process::~broker_process() {
  if (pid_ > 0) {
    ::kill(pid_, SIGKILL);
    ::waitpid(pid_, nullptr, 0);
  }
  std::filesystem::remove(config_);
}

bool broker_process::running() const {
  return pid_ > 0 && ::waitpid(pid_, nullptr, WNOHANG) == 0;
}

int broker_process::stop() {
  if (pid_ <= 0)
    return -1;
  ::kill(pid_, SIGTERM);
  int status = 0;
  // Bounded: a broker that hangs on shutdown fails the test instead of blocking it.
  for (int i = 0; i < 100; ++i) {
    if (::waitpid(pid_, &status, WNOHANG) == pid_) {
      pid_ = -1;
      return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
    }
    std::this_thread::sleep_for(50ms);
  }
  return -2;
}

void broker_process::kill9() {
  if (pid_ > 0) {
    ::kill(pid_, SIGKILL);
    ::waitpid(pid_, nullptr, 0);
    pid_ = -1;
  }
}

} // namespace recodex::testing
