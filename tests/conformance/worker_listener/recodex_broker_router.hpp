// A plain ZeroMQ ROUTER playing the ReCodEx broker's worker socket (spec section 2): it binds
// 127.0.0.1 on a free port and sees each message with the sending DEALER's identity, so a test
// can tell a new connection (a new identity) from the old one. Waits are bounded.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>
#include <zmq.hpp>

namespace recodex::testing {

using frames = std::vector<std::string>;

struct routed_message {
  std::string identity;
  frames body;
  std::chrono::steady_clock::time_point received;
};

class recodex_broker_router {
public:
  recodex_broker_router();
  std::uint16_t port() const { return port_; }
  std::string uri() const { return "tcp://127.0.0.1:" + std::to_string(port_); }

  std::optional<routed_message> recv(std::chrono::milliseconds timeout = std::chrono::milliseconds{
                                         3000});
  // The next message that is not a ping; each ping on the way is answered with `pong` when
  // `answer_pings` (a live broker) or left unanswered (a silent one).
  std::optional<routed_message>
  recv_non_ping(bool answer_pings,
                std::chrono::milliseconds timeout = std::chrono::milliseconds{3000});
  void send(const std::string& identity, const frames& body);

private:
  zmq::context_t context_{1};
  zmq::socket_t socket_{context_, zmq::socket_type::router};
  std::uint16_t port_ = 0;
};

} // namespace recodex::testing
