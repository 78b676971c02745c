// broker-uri parsing: scheme, host, port; every malformed form is named in the error.
#include "actors/worker/listener/broker_endpoint.hpp"

#include <charconv>

namespace recodex::worker {

std::string to_string(broker_transport transport) {
  switch (transport) {
  case broker_transport::zeromq:
    return "zeromq";
  case broker_transport::caf:
    return "caf";
  }
  return "unknown";
}

std::string broker_endpoint::zeromq_uri() const {
  return "tcp://" + host + ":" + std::to_string(port);
}

result<broker_endpoint> parse_broker_uri(const std::string& uri) {
  auto bad = [&](const std::string& why) {
    return make_error(errc::invalid_argument, "broker-uri '" + uri + "': " + why);
  };
  broker_endpoint out;
  std::string rest;
  if (uri.rfind("tcp://", 0) == 0) {
    rest = uri.substr(6);
  } else if (uri.rfind("caf://", 0) == 0) {
    out.transport = broker_transport::caf;
    rest = uri.substr(6);
  } else {
    return bad("expected tcp://host:port or caf://host:port");
  }
  auto colon = rest.rfind(':');
  if (colon == std::string::npos)
    return bad("no port");
  out.host = rest.substr(0, colon);
  if (out.host.empty())
    return bad("no host");
  auto port_text = rest.substr(colon + 1);
  unsigned value = 0;
  auto [end, ec] = std::from_chars(port_text.data(), port_text.data() + port_text.size(), value);
  if (port_text.empty() || ec != std::errc{} || end != port_text.data() + port_text.size() ||
      value == 0 || value > 65535)
    return bad("port '" + port_text + "' is not a number in 1-65535");
  out.port = static_cast<std::uint16_t>(value);
  return out;
}

} // namespace recodex::worker
