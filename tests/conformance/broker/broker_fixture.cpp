// The broker conformance fixture; see broker_fixture.hpp.
#include "tests/conformance/broker/broker_fixture.hpp"

#include <zmq_addon.hpp>

#include <openssl/ssl.h>

#include <arpa/inet.h>
#include <csignal>
#include <cstdio>
#include <cstring>
#include <fcntl.h>
#include <fstream>
#include <netinet/in.h>
#include <poll.h>
#include <stdexcept>
#include <sys/socket.h>
#include <sys/time.h>
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

http_sink::http_sink(int failures, int status) : failures_(failures), status_(status) { start(); }

http_sink::http_sink(const std::filesystem::path& certificate, const std::filesystem::path& private_key)
  : failures_(0), status_(500) {
  // OpenSSL's socket BIO writes without MSG_NOSIGNAL: a handshake alert or close_notify to a
  // client that already hung up (the broker refusing our certificate) would kill the test.
  ::signal(SIGPIPE, SIG_IGN);
  auto* ctx = SSL_CTX_new(TLS_server_method());
  if (!ctx || SSL_CTX_use_certificate_chain_file(ctx, certificate.c_str()) != 1
      || SSL_CTX_use_PrivateKey_file(ctx, private_key.c_str(), SSL_FILETYPE_PEM) != 1)
    throw std::runtime_error("http_sink: cannot load the TLS certificate or key");
  tls_ = ctx;
  start();
}

void http_sink::start() {
  listen_fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ::bind(listen_fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr);
  ::listen(listen_fd_, 64);
  socklen_t len = sizeof addr;
  ::getsockname(listen_fd_, reinterpret_cast<sockaddr*>(&addr), &len);
  port_ = ntohs(addr.sin_port);
  thread_ = std::thread([this] { serve(); });
}

http_sink::~http_sink() {
  {
    std::lock_guard<std::mutex> guard{mutex_};
    stopping_ = true;
  }
  ::shutdown(listen_fd_, SHUT_RDWR);
  thread_.join();
  ::close(listen_fd_);
  if (tls_)
    SSL_CTX_free(static_cast<SSL_CTX*>(tls_));
}

namespace {

// One accepted connection, plain or TLS; reads wait at most 2 s.
class connection {
public:
  connection(int fd, void* tls) : fd_(fd) {
    timeval two_seconds{2, 0};
    ::setsockopt(fd_, SOL_SOCKET, SO_RCVTIMEO, &two_seconds, sizeof two_seconds);
    if (tls) {
      ssl_ = SSL_new(static_cast<SSL_CTX*>(tls));
      SSL_set_fd(ssl_, fd_);
      if (SSL_accept(ssl_) != 1) {
        SSL_free(ssl_);
        ssl_ = nullptr;
        failed_ = true;
      }
    }
  }
  ~connection() {
    if (ssl_) {
      SSL_shutdown(ssl_);
      SSL_free(ssl_);
    }
    ::close(fd_);
  }
  bool failed() const { return failed_; }
  long read(char* buf, std::size_t size) {
    return ssl_ ? SSL_read(ssl_, buf, static_cast<int>(size)) : ::read(fd_, buf, size);
  }
  void write(const std::string& data) {
    if (ssl_)
      SSL_write(ssl_, data.data(), static_cast<int>(data.size()));
    else // the client may be gone (a broker killed meanwhile): no SIGPIPE
        [[maybe_unused]]
      auto w = ::send(fd_, data.data(), data.size(), MSG_NOSIGNAL);
  }

private:
  int fd_;
  SSL* ssl_ = nullptr;
  bool failed_ = false;
};

} // namespace

void http_sink::serve() {
  for (;;) {
    pollfd p{listen_fd_, POLLIN, 0};
    if (::poll(&p, 1, 100) <= 0) {
      std::lock_guard<std::mutex> guard{mutex_};
      if (stopping_)
        return;
      continue;
    }
    int fd = ::accept4(listen_fd_, nullptr, nullptr, SOCK_CLOEXEC);
    if (fd < 0)
      return;
    connection peer{fd, tls_};
    if (peer.failed())
      continue; // e.g. a client that refused our certificate
    std::string data;
    char buf[4096];
    std::size_t header_end = std::string::npos;
    std::size_t content_length = 0;
    for (;;) {
      auto n = peer.read(buf, sizeof buf);
      if (n <= 0)
        break;
      data.append(buf, static_cast<std::size_t>(n));
      if (header_end == std::string::npos && (header_end = data.find("\r\n\r\n")) != std::string::npos) {
        auto lower = data.substr(0, header_end);
        for (auto& ch : lower)
          ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
        auto cl = lower.find("content-length:");
        if (cl != std::string::npos)
          content_length = std::stoul(lower.substr(cl + 15));
      }
      if (header_end != std::string::npos && data.size() >= header_end + 4 + content_length)
        break;
    }
    http_request request;
    if (header_end != std::string::npos) {
      auto first_line = data.substr(0, data.find("\r\n"));
      request.method = first_line.substr(0, first_line.find(' '));
      auto t = first_line.find(' ') + 1;
      request.target = first_line.substr(t, first_line.find(' ', t) - t);
      auto head = data.substr(0, header_end);
      auto a = head.find("Authorization: ");
      if (a == std::string::npos)
        a = head.find("authorization: ");
      if (a != std::string::npos)
        request.authorization = head.substr(a + 15, head.find("\r\n", a) - a - 15);
      request.body = data.substr(header_end + 4, content_length);
    }
    int status = 200;
    auto hold = std::chrono::milliseconds{0};
    {
      std::lock_guard<std::mutex> guard{mutex_};
      if (failures_ > 0) {
        --failures_;
        status = status_;
      }
      if (holds_ > 0) {
        --holds_;
        hold = hold_delay_;
      }
      requests_.push_back(request);
    }
    changed_.notify_all();
    for (auto until = std::chrono::steady_clock::now() + hold;
         std::chrono::steady_clock::now() < until;) {
      {
        std::lock_guard<std::mutex> guard{mutex_};
        if (stopping_)
          return;
      }
      std::this_thread::sleep_for(10ms);
    }
    std::string body = R"({"success":true,"code":200,"payload":"OK"})";
    std::string extra;
    // Everything under /old/ has moved to /new/ (exercises redirect following).
    if (request.target.rfind("/old/", 0) == 0) {
      status = 307;
      extra = "Location: /new/" + request.target.substr(5) + "\r\n";
    }
    std::string response = "HTTP/1.1 " + std::to_string(status) + " X\r\nContent-Type: application/json\r\n" + extra
                           + "Content-Length: " + std::to_string(body.size()) + "\r\nConnection: close\r\n\r\n" + body;
    peer.write(response);
  }
}

void http_sink::hold_answers(int count, std::chrono::milliseconds delay) {
  std::lock_guard<std::mutex> guard{mutex_};
  holds_ = count;
  hold_delay_ = delay;
}

std::vector<http_request> http_sink::wait_for(std::size_t count, std::chrono::milliseconds timeout) {
  std::unique_lock<std::mutex> lock{mutex_};
  changed_.wait_for(lock, timeout, [&] { return requests_.size() >= count; });
  return requests_;
}

std::vector<http_request> http_sink::requests() {
  std::lock_guard<std::mutex> guard{mutex_};
  return requests_;
}

} // namespace recodex::testing
