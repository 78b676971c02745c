// The web application's stand-in; see http_sink.hpp.
#include "tests/conformance/broker/http_sink.hpp"

#include <arpa/inet.h>
#include <cctype>
#include <csignal>
#include <netinet/in.h>
#include <openssl/ssl.h>
#include <poll.h>
#include <stdexcept>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

namespace recodex::testing {

using namespace std::chrono_literals;

http_sink::http_sink(int failures, int status) : failures_(failures), status_(status) {
  start();
}

http_sink::http_sink(const std::filesystem::path& certificate,
                     const std::filesystem::path& private_key)
    : failures_(0), status_(500) {
  // OpenSSL's socket BIO writes without MSG_NOSIGNAL: a handshake alert or close_notify to a
  // client that already hung up (the broker refusing our certificate) would kill the test.
  ::signal(SIGPIPE, SIG_IGN);
  auto* ctx = SSL_CTX_new(TLS_server_method());
  if (!ctx || SSL_CTX_use_certificate_chain_file(ctx, certificate.c_str()) != 1 ||
      SSL_CTX_use_PrivateKey_file(ctx, private_key.c_str(), SSL_FILETYPE_PEM) != 1)
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
      if (header_end == std::string::npos &&
          (header_end = data.find("\r\n\r\n")) != std::string::npos) {
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
    std::string extra;
    auto hold = std::chrono::milliseconds{0};
    {
      std::lock_guard<std::mutex> guard{mutex_};
      if (failures_ > 0) {
        --failures_;
        status = status_;
      }
      // Everything under /old/ has moved to /new/ (exercises redirect following).
      if (request.target.rfind("/old/", 0) == 0) {
        status = 307;
        extra = "Location: /new/" + request.target.substr(5) + "\r\n";
      }
      if (holds_ > 0) {
        --holds_;
        hold = hold_delay_;
      }
      request.status = status;
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
    std::string response =
        "HTTP/1.1 " + std::to_string(status) + " X\r\nContent-Type: application/json\r\n" + extra +
        "Content-Length: " + std::to_string(body.size()) + "\r\nConnection: close\r\n\r\n" + body;
    peer.write(response);
  }
}

void http_sink::hold_answers(int count, std::chrono::milliseconds delay) {
  std::lock_guard<std::mutex> guard{mutex_};
  holds_ = count;
  hold_delay_ = delay;
}

std::vector<http_request> http_sink::wait_for(std::size_t count,
                                              std::chrono::milliseconds timeout) {
  std::unique_lock<std::mutex> lock{mutex_};
  changed_.wait_for(lock, timeout, [&] { return requests_.size() >= count; });
  return requests_;
}

std::vector<http_request> http_sink::requests() {
  std::lock_guard<std::mutex> guard{mutex_};
  return requests_;
}

} // namespace recodex::testing
