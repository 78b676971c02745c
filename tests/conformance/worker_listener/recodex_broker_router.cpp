// The fake ReCodEx broker socket of the listener's conformance tests.
#include "tests/conformance/worker_listener/recodex_broker_router.hpp"

namespace recodex::testing {

recodex_broker_router::recodex_broker_router() {
  socket_.set(zmq::sockopt::linger, 0);
  socket_.bind("tcp://127.0.0.1:0");
  auto endpoint = socket_.get(zmq::sockopt::last_endpoint);
  port_ = static_cast<std::uint16_t>(std::stoul(endpoint.substr(endpoint.rfind(':') + 1)));
}

std::optional<routed_message> recodex_broker_router::recv(std::chrono::milliseconds timeout) {
  zmq::pollitem_t item{static_cast<void*>(socket_), 0, ZMQ_POLLIN, 0};
  if (zmq::poll(&item, 1, timeout) <= 0)
    return std::nullopt;
  routed_message out;
  zmq::message_t part;
  bool first = true;
  do {
    (void)socket_.recv(part);
    if (first)
      out.identity = part.to_string();
    else
      out.body.push_back(part.to_string());
    first = false;
  } while (part.more());
  out.received = std::chrono::steady_clock::now();
  return out;
}

std::optional<routed_message>
recodex_broker_router::recv_non_ping(bool answer_pings, std::chrono::milliseconds timeout) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  while (true) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0)
      return std::nullopt;
    auto message = recv(left);
    if (!message)
      return std::nullopt;
    if (message->body != frames{"ping"})
      return message;
    if (answer_pings)
      send(message->identity, {"pong"});
  }
}

void recodex_broker_router::send(const std::string& identity, const frames& body) {
  socket_.send(zmq::buffer(identity), zmq::send_flags::sndmore);
  for (std::size_t i = 0; i < body.size(); ++i)
    socket_.send(zmq::buffer(body[i]),
                 i + 1 < body.size() ? zmq::send_flags::sndmore : zmq::send_flags::none);
}

} // namespace recodex::testing
