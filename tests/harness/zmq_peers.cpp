#include "tests/harness/zmq_peers.hpp"

#include <zmq_addon.hpp>

#include <algorithm>
#include <iterator>
#include <thread>

namespace recodex::testing {

using namespace std::chrono_literals;

zmq::context_t& zmq_context() {
  static zmq::context_t ctx{1};
  return ctx;
}

namespace {

std::optional<std::vector<zmq::message_t>> receive_parts(zmq::socket_t& socket,
                                                         std::chrono::milliseconds timeout) {
  zmq::pollitem_t item{static_cast<void*>(socket), 0, ZMQ_POLLIN, 0};
  if (zmq::poll(&item, 1, timeout) <= 0)
    return std::nullopt;
  std::vector<zmq::message_t> parts;
  (void) zmq::recv_multipart(socket, std::back_inserter(parts));
  return parts;
}

frames to_frames(const std::vector<zmq::message_t>& parts, std::size_t from) {
  frames out;
  for (std::size_t i = from; i < parts.size(); ++i)
    out.push_back(parts[i].to_string());
  return out;
}

} // namespace

dealer::dealer(std::uint16_t port, std::string identity) : socket_(zmq_context(), zmq::socket_type::dealer) {
  socket_.set(zmq::sockopt::linger, 0);
  if (!identity.empty())
    socket_.set(zmq::sockopt::routing_id, identity);
  socket_.connect("tcp://127.0.0.1:" + std::to_string(port));
}

void dealer::send(const frames& message) {
  for (std::size_t i = 0; i < message.size(); ++i)
    socket_.send(zmq::buffer(message[i]), i + 1 < message.size() ? zmq::send_flags::sndmore : zmq::send_flags::none);
}

std::optional<frames> dealer::recv(std::chrono::milliseconds timeout) {
  auto parts = receive_parts(socket_, timeout);
  if (!parts)
    return std::nullopt;
  return to_frames(*parts, 0);
}

std::optional<frames> dealer::recv_skipping(const std::string& skip, std::chrono::milliseconds timeout) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < deadline) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
    auto m = recv(std::max(left, 1ms));
    if (m && (m->empty() || m->front() != skip))
      return m;
  }
  return std::nullopt;
}

monitor_router::monitor_router() : socket_(zmq_context(), zmq::socket_type::router) {
  socket_.set(zmq::sockopt::linger, 0);
  socket_.set(zmq::sockopt::routing_id, "recodex-monitor");
  socket_.bind("tcp://127.0.0.1:*");
  auto endpoint = socket_.get(zmq::sockopt::last_endpoint);
  port_ = static_cast<std::uint16_t>(std::stoul(endpoint.substr(endpoint.rfind(':') + 1)));
}

std::optional<frames> monitor_router::recv(std::chrono::milliseconds timeout) {
  auto parts = receive_parts(socket_, timeout);
  if (!parts)
    return std::nullopt;
  return to_frames(*parts, 1);
}

std::optional<std::uint64_t> runtime_stat(dealer& client, const std::string& key,
                                          std::chrono::milliseconds timeout) {
  client.send({"get-runtime-stats"});
  auto reply = client.recv(timeout);
  if (reply)
    for (std::size_t i = 0; i + 1 < reply->size(); i += 2)
      if ((*reply)[i] == key)
        return std::stoull((*reply)[i + 1]);
  return std::nullopt;
}

bool await_runtime_stat(dealer& client, const std::string& key, std::uint64_t at_least,
                        std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  for (;;) {
    if (runtime_stat(client, key).value_or(0) >= at_least)
      return true;
    if (std::chrono::steady_clock::now() >= deadline)
      return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
}

} // namespace recodex::testing
