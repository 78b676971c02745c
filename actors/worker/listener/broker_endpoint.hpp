// Where the broker is and how to reach it, parsed from `broker-uri`: tcp://host:port is a
// ReCodEx-compatible ZeroMQ broker (port 9657 in shipped configs), caf://host:port is our broker
// actor published on its cluster port. Validated once at start-up.
#pragma once

#include "messages/result.hpp"

#include <cstdint>
#include <string>

namespace recodex::worker {

enum class broker_transport { zeromq, caf };

std::string to_string(broker_transport transport);

struct broker_endpoint {
  broker_transport transport = broker_transport::zeromq;
  std::string host;
  std::uint16_t port = 0;

  // tcp://host:port, the form ZeroMQ connects to.
  std::string zeromq_uri() const;
};

result<broker_endpoint> parse_broker_uri(const std::string& uri);

} // namespace recodex::worker
