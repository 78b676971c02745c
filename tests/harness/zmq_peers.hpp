// Plain ZeroMQ sockets that play the peers of our nodes in tests: a DEALER playing the core API
// (or a ReCodEx worker) and a ROUTER playing the ReCodEx monitor, which the broker connects to.
// Everything binds or connects on 127.0.0.1 and waits with bounded timeouts.
#pragma once

#include <zmq.hpp>

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace recodex::testing {

using frames = std::vector<std::string>;

// One context per test process.
zmq::context_t& zmq_context();

class dealer {
public:
  explicit dealer(std::uint16_t port, std::string identity = "");
  void send(const frames& message);
  std::optional<frames> recv(std::chrono::milliseconds timeout = std::chrono::milliseconds{3000});
  // Receives until a message whose frame 0 is not `skip` (pongs while waiting for an eval).
  std::optional<frames> recv_skipping(const std::string& skip,
                                      std::chrono::milliseconds timeout = std::chrono::milliseconds{3000});

private:
  zmq::socket_t socket_;
};

// Bound to 127.0.0.1 on a free port with the routing id the broker expects of a monitor.
class monitor_router {
public:
  monitor_router();
  std::uint16_t port() const { return port_; }
  // The frames after the peer's identity.
  std::optional<frames> recv(std::chrono::milliseconds timeout = std::chrono::milliseconds{3000});

private:
  zmq::socket_t socket_;
  std::uint16_t port_ = 0;
};

// One number of the broker's runtime statistics (`get-runtime-stats` over a client DEALER, e.g.
// "worker-count"); nullopt without an answer within `timeout` or without that key.
std::optional<std::uint64_t> runtime_stat(dealer& client, const std::string& key,
                                          std::chrono::milliseconds timeout = std::chrono::seconds(2));
// Asks again every 50 ms until the statistic reaches `at_least` (true) or `timeout` passes; the
// broker counts registrations asynchronously.
bool await_runtime_stat(dealer& client, const std::string& key, std::uint64_t at_least,
                        std::chrono::milliseconds timeout = std::chrono::seconds(10));

} // namespace recodex::testing
