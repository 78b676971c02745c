// The tests' WebSocket client: Beast's stream driven by io_context::run_for, so each read has a
// deadline without a thread of its own.
#include "tests/conformance/monitor/ws_client.hpp"

#include <boost/asio/connect.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/websocket.hpp>

#include <stdexcept>

namespace recodex::testing {

namespace beast = boost::beast;
namespace websocket = beast::websocket;
namespace net = boost::asio;
using tcp = net::ip::tcp;

struct ws_client::impl {
  net::io_context ioc;
  websocket::stream<tcp::socket> ws{ioc};
  beast::flat_buffer buffer;
};

ws_client::ws_client(std::uint16_t port, const std::string& path, int receive_buffer)
  : impl_(std::make_unique<impl>()) {
  auto& socket = impl_->ws.next_layer();
  socket.open(tcp::v4());
  if (receive_buffer > 0)
    socket.set_option(net::socket_base::receive_buffer_size(receive_buffer));
  socket.connect(tcp::endpoint{net::ip::make_address("127.0.0.1"), port});
  impl_->ws.handshake("127.0.0.1:" + std::to_string(port), path);
}

ws_client::~ws_client() = default;

void ws_client::send(const std::string& text) {
  impl_->ws.text(true);
  impl_->ws.write(net::buffer(text));
}

std::optional<std::string> ws_client::read(std::chrono::milliseconds timeout) {
  impl_->buffer.consume(impl_->buffer.size());
  bool done = false;
  beast::error_code result;
  impl_->ws.async_read(impl_->buffer, [&](beast::error_code ec, std::size_t) {
    done = true;
    result = ec;
  });
  impl_->ioc.restart();
  impl_->ioc.run_for(timeout);
  if (!done) {
    impl_->ws.next_layer().cancel();
    impl_->ioc.restart();
    impl_->ioc.run();
    throw std::runtime_error("no WebSocket message within the timeout");
  }
  if (result == websocket::error::closed)
    return std::nullopt;
  if (result)
    throw std::runtime_error("WebSocket read failed: " + result.message());
  return beast::buffers_to_string(impl_->buffer.data());
}

int ws_client::close_code() const { return static_cast<int>(impl_->ws.reason().code); }

std::string ws_client::close_reason() const {
  const auto& r = impl_->ws.reason().reason;
  return std::string(r.data(), r.size());
}

} // namespace recodex::testing
