// A small HTTP(S)/1.1 server playing the web application's broker-reports endpoint: records
// every request, answers a chosen status to the first ones (to provoke the notifier's retries)
// and 200 after, can hold answers back (a slow web application). Serves one connection at a
// time on 127.0.0.1, port 0; waits are bounded. Used by the broker conformance tests and the
// notifier's tests.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <filesystem>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace recodex::testing {

struct http_request {
  std::string method;
  std::string target;
  std::string authorization;
  std::string body;
  int status = 0; // what the sink answered
};

class http_sink {
public:
  // Answers each request with `status` (e.g. 500 to provoke retries) for the first
  // `failures` requests, then 200.
  explicit http_sink(int failures = 0, int status = 500);
  // HTTPS with this certificate and key (PEM files).
  http_sink(const std::filesystem::path& certificate, const std::filesystem::path& private_key);
  ~http_sink();
  std::uint16_t port() const { return port_; }
  // The next `count` requests are recorded at once but answered only after `delay` (a web
  // application that is slow to answer; the sink serves one connection at a time).
  void hold_answers(int count, std::chrono::milliseconds delay);
  std::vector<http_request>
  wait_for(std::size_t count, std::chrono::milliseconds timeout = std::chrono::milliseconds{5000});
  std::vector<http_request> requests();

private:
  void start();
  void serve();
  int listen_fd_ = -1;
  void* tls_ = nullptr; // SSL_CTX when serving HTTPS
  std::uint16_t port_ = 0;
  int failures_;
  int status_;
  int holds_ = 0;
  std::chrono::milliseconds hold_delay_{0};
  std::thread thread_;
  std::mutex mutex_;
  std::condition_variable changed_;
  std::vector<http_request> requests_;
  bool stopping_ = false;
};

} // namespace recodex::testing
