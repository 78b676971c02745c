// Test doubles around a real recodex-broker process: the process itself (started from a YAML
// text, its ports read from stdout) and a small HTTP(S) server receiving the status callbacks;
// the ZeroMQ peers (DEALERs as core API and workers, a ROUTER as monitor) come from the harness.
// Everything binds 127.0.0.1 and waits on events with bounded timeouts.
#pragma once

#include "tests/harness/zmq_peers.hpp" // dealer, monitor_router, frames

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <filesystem>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

namespace recodex::testing {

using namespace std::chrono_literals;

class broker_process {
public:
  // `yaml` without clients/workers ports gets port 0 for both.
  explicit broker_process(std::string yaml);
  ~broker_process();
  broker_process(const broker_process&) = delete;
  broker_process& operator=(const broker_process&) = delete;

  std::uint16_t clients_port() const { return clients_port_; }
  std::uint16_t workers_port() const { return workers_port_; }
  bool running() const;
  // SIGTERM and wait: the exit code (or 128 + signal).
  int stop();
  void kill9();

private:
  int pid_ = -1;
  std::uint16_t clients_port_ = 0;
  std::uint16_t workers_port_ = 0;
  std::filesystem::path config_;
};

struct http_request {
  std::string method;
  std::string target;
  std::string authorization;
  std::string body;
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
  std::vector<http_request> wait_for(std::size_t count, std::chrono::milliseconds timeout = 5000ms);
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
