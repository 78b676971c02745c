#include "actors/bridge/router_io.hpp"

namespace recodex::bridge {

std::uint16_t port_of(const std::string& endpoint) {
  auto colon = endpoint.rfind(':');
  if (colon == std::string::npos)
    return 0;
  try {
    return static_cast<std::uint16_t>(std::stoul(endpoint.substr(colon + 1)));
  } catch (...) {
    return 0;
  }
}

result<std::string> open_router(zmq::socket_t& socket, const socket_options& options) {
  try {
    socket.set(zmq::sockopt::linger, 0);
    socket.set(zmq::sockopt::maxmsgsize, options.max_message_size);
    socket.set(zmq::sockopt::sndhwm, 100000);
    socket.set(zmq::sockopt::rcvhwm, 100000);
    if (!options.identity.empty())
      socket.set(zmq::sockopt::routing_id, options.identity);
    if (options.bind) {
      socket.bind(options.endpoint);
      return socket.get(zmq::sockopt::last_endpoint);
    }
    socket.connect(options.endpoint);
    return options.endpoint;
  } catch (const zmq::error_t& e) {
    return make_error(errc::unavailable, "cannot " + std::string(options.bind ? "bind " : "connect ")
                                           + options.endpoint + ": " + e.what());
  }
}

void receive_ready(zmq::socket_t& socket, int max, std::vector<wire::frames>& out) {
  for (int i = 0; i < max; ++i) {
    wire::frames message;
    zmq::message_t part;
    bool more = true;
    try {
      while (more) {
        // Only the first part may be absent; the rest of a message arrives with it.
        auto r = socket.recv(part, message.empty() ? zmq::recv_flags::dontwait : zmq::recv_flags::none);
        if (!r)
          break;
        message.emplace_back(part.data<char>(), part.size());
        more = part.more();
      }
    } catch (const zmq::error_t&) {
      return;
    }
    if (message.empty())
      return;
    out.push_back(std::move(message));
  }
}

void send_message(zmq::socket_t& socket, const wire::frames& message) {
  for (std::size_t i = 0; i < message.size(); ++i) {
    auto flags = i + 1 < message.size() ? zmq::send_flags::sndmore : zmq::send_flags::none;
    try {
      socket.send(zmq::buffer(message[i]), flags);
    } catch (const zmq::error_t&) {
      return;
    }
  }
}

} // namespace recodex::bridge
