// Test doubles around a real recodex-broker process: the process itself (started from a YAML
// text, its ports read from stdout); the small HTTP(S) server receiving the status callbacks is
// http_sink.hpp, the ZeroMQ peers (DEALERs as core API and workers, a ROUTER as monitor) come
// from the harness. Everything binds 127.0.0.1 and waits on events with bounded timeouts.
#pragma once

#include "tests/conformance/broker/http_sink.hpp"
#include "tests/harness/zmq_peers.hpp" // dealer, monitor_router, frames

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <string>

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

} // namespace recodex::testing
