// How a bridge's socket is opened: kind, endpoint, bind or connect, identity, input bound.
#pragma once

#include <cstdint>
#include <string>

namespace recodex::bridge {

// ROUTER for the broker's fronts; DEALER for a worker's link to a ReCodEx broker (no routing
// id frame on either direction).
enum class socket_kind { router, dealer };

struct socket_options {
  socket_kind kind = socket_kind::router;
  // tcp://<address>:<port>; "*" or an address for bind, host:port for connect.
  std::string endpoint;
  bool bind = true;
  // Routing id this socket presents to its peer (empty: ZeroMQ picks one).
  std::string identity;
  // Largest inbound message part; a peer sending more is disconnected (hostile input bound).
  std::int64_t max_message_size = 64 * 1024 * 1024;
};

// The port of "tcp://host:port" (0 when there is none).
std::uint16_t port_of(const std::string& endpoint);

} // namespace recodex::bridge
