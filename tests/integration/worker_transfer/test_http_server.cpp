// Blocking Beast on one thread per connection; see test_http_server.hpp.
#include "tests/integration/worker_transfer/test_http_server.hpp"

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <mutex>
#include <optional>
#include <set>
#include <sys/socket.h>
#include <thread>

namespace recodex::testing {

namespace {
namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;
} // namespace

const char* pattern_at(std::uint64_t offset) {
  static const std::vector<char> cycle = [] {
    std::vector<char> bytes(64 * 1024 + 251);
    for (std::size_t i = 0; i < bytes.size(); ++i)
      bytes[i] = pattern_byte(i);
    return bytes;
  }();
  return cycle.data() + offset % 251;
}

struct test_http_server::impl {
  canned_handler handler;
  asio::io_context io;
  tcp::acceptor acceptor{io};
  std::optional<asio::ssl::context> tls;
  std::atomic<bool> stopping{false};
  mutable std::mutex mutex;
  std::vector<seen_request> seen;
  std::set<int> open_sockets;
  std::vector<std::thread> connections;
  std::thread accepting;

  void accept_loop() {
    while (true) {
      beast::error_code e;
      tcp::socket socket{io};
      acceptor.accept(socket, e);
      if (stopping || e)
        return;
      std::lock_guard lock{mutex};
      open_sockets.insert(socket.native_handle());
      connections.emplace_back([this, s = std::move(socket)]() mutable { serve(std::move(s)); });
    }
  }

  void serve(tcp::socket socket) {
    auto fd = socket.native_handle();
    try {
      if (tls) {
        asio::ssl::stream<tcp::socket&> stream{socket, *tls};
        stream.handshake(asio::ssl::stream_base::server);
        answer(stream);
      } else {
        answer(socket);
      }
    } catch (const std::exception&) {
      // A client that gave up (or rejected our certificate): nothing to answer.
    }
    std::lock_guard lock{mutex};
    open_sockets.erase(fd);
  }

  template <class Stream> void answer(Stream& stream) {
    beast::flat_buffer buffer;
    http::request<http::string_body> request;
    http::read(stream, buffer, request);
    seen_request got{std::string{request.method_string()}, std::string{request.target()},
                     std::string{request[http::field::authorization]}};
    {
      std::lock_guard lock{mutex};
      seen.push_back(got);
    }
    auto reply = handler(got);
    http::response<http::buffer_body> response{static_cast<http::status>(reply.status), 11};
    for (const auto& [name, value] : reply.headers)
      response.set(name, value);
    response.keep_alive(reply.claim_keep_alive);
    auto size = reply.generated_size ? reply.generated_size : reply.body.size();
    response.content_length(size);
    response.body().data = nullptr;
    response.body().more = size > 0;
    http::response_serializer<http::buffer_body> serializer{response};
    http::write_header(stream, serializer);
    constexpr std::uint64_t piece_size = 64 * 1024;
    for (std::uint64_t sent = 0; sent < size;) {
      auto n = static_cast<std::size_t>(std::min(piece_size, size - sent));
      response.body().data =
          reply.generated_size ? const_cast<char*>(pattern_at(sent)) : reply.body.data() + sent;
      sent += n;
      response.body().size = n;
      response.body().more = sent < size;
      beast::error_code e;
      http::write(stream, serializer, e);
      if (e && e != http::error::need_buffer)
        throw beast::system_error{e};
    }
  }
};

test_http_server::test_http_server(canned_handler handler,
                                   const self_signed_certificate* certificate)
    : impl_{std::make_unique<impl>()} {
  impl_->handler = std::move(handler);
  if (certificate) {
    impl_->tls.emplace(asio::ssl::context::tls_server);
    impl_->tls->use_certificate_chain_file(certificate->certificate_file().string());
    impl_->tls->use_private_key_file(certificate->private_key_file().string(),
                                     asio::ssl::context::pem);
  }
  tcp::endpoint loopback{asio::ip::make_address("127.0.0.1"), 0};
  impl_->acceptor.open(loopback.protocol());
  impl_->acceptor.bind(loopback);
  impl_->acceptor.listen();
  impl_->accepting = std::thread{[this] { impl_->accept_loop(); }};
}

test_http_server::~test_http_server() {
  impl_->stopping = true;
  ::shutdown(impl_->acceptor.native_handle(), SHUT_RDWR); // wakes the blocked accept
  impl_->accepting.join();
  {
    std::lock_guard lock{impl_->mutex};
    for (int fd : impl_->open_sockets)
      ::shutdown(fd, SHUT_RDWR);
  }
  for (auto& t : impl_->connections) // no new ones: the accept loop has ended
    t.join();
}

std::uint16_t test_http_server::port() const {
  return impl_->acceptor.local_endpoint().port();
}

std::string test_http_server::url() const {
  return std::string{impl_->tls ? "https" : "http"} + "://127.0.0.1:" + std::to_string(port());
}

std::vector<seen_request> test_http_server::requests() const {
  std::lock_guard lock{impl_->mutex};
  return impl_->seen;
}

} // namespace recodex::testing
