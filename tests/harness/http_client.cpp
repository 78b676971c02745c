// The test client: Beast's parser and serializer over a socket driven by a private io_context;
// each operation runs with run_for(timeout), so a silent server turns into an exception
// (a failed test) rather than a hung test run.
#include "tests/harness/http_client.hpp"

#include "actors/filestore/basic_auth.hpp"

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http.hpp>
#include <cctype>
#include <limits>
#include <stdexcept>

namespace recodex::testing {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;

struct http_connection::impl {
  asio::io_context ioc;
  tcp::socket socket{ioc};
  beast::flat_buffer buffer;
  std::chrono::seconds timeout;

  // Runs one asynchronous operation to completion or the timeout.
  template <class Start>
  beast::error_code run(Start&& start, std::chrono::milliseconds limit,
                        bool throw_on_timeout = true) {
    bool done = false;
    beast::error_code result;
    start([&](beast::error_code ec, std::size_t = 0) {
      result = ec;
      done = true;
    });
    ioc.restart();
    ioc.run_for(limit);
    if (!done) {
      beast::error_code ignored;
      socket.cancel(ignored);
      ioc.restart();
      ioc.run();
      if (throw_on_timeout)
        throw std::runtime_error("HTTP client: no answer within " + std::to_string(limit.count()) +
                                 " ms");
      return asio::error::timed_out;
    }
    return result;
  }

  template <class Start> void must(Start&& start) {
    auto ec = run(std::forward<Start>(start), timeout);
    if (ec)
      throw beast::system_error(ec);
  }

  static http_response convert(http::response<http::string_body>& res) {
    http_response out;
    out.status = res.result_int();
    for (const auto& field : res) {
      std::string name(field.name_string());
      for (auto& c : name)
        c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
      out.headers[name] = std::string(field.value());
    }
    out.body = std::move(res.body());
    out.keep_alive = res.keep_alive();
    return out;
  }

  template <class Request> void set_headers(Request& req, const header_list& headers) {
    req.set(http::field::host, "127.0.0.1");
    for (const auto& [name, value] : headers)
      req.set(name, value);
  }
};

http_connection::http_connection(const std::string& host, std::uint16_t port,
                                 std::chrono::seconds timeout)
    : impl_(std::make_unique<impl>()) {
  impl_->timeout = timeout;
  tcp::endpoint endpoint{asio::ip::make_address(host), port};
  impl_->must([&](auto handler) {
    impl_->socket.async_connect(endpoint, [handler](beast::error_code ec) mutable { handler(ec); });
  });
}

http_connection::~http_connection() = default;

http_response http_connection::read_response(bool head_request) {
  http::response_parser<http::string_body> parser;
  parser.body_limit(std::numeric_limits<std::uint64_t>::max());
  parser.skip(head_request);
  impl_->must(
      [&](auto handler) { http::async_read(impl_->socket, impl_->buffer, parser, handler); });
  return impl::convert(parser.get());
}

http_response http_connection::request(const std::string& method, const std::string& target,
                                       const std::string& body, const header_list& headers) {
  http::request<http::string_body> req;
  req.method_string(method);
  req.target(target);
  req.version(11);
  impl_->set_headers(req, headers);
  req.body() = body;
  if (!body.empty() || method == "POST" || method == "PUT")
    req.prepare_payload();
  impl_->must([&](auto handler) { http::async_write(impl_->socket, req, handler); });
  return read_response(method == "HEAD");
}

http_response
http_connection::upload(const std::string& method, const std::string& target, std::uint64_t size,
                        const std::function<void(char*, std::size_t, std::uint64_t)>& fill,
                        const header_list& headers, bool chunked) {
  http::request<http::empty_body> req;
  req.method_string(method);
  req.target(target);
  req.version(11);
  impl_->set_headers(req, headers);
  if (chunked)
    req.chunked(true);
  else
    req.content_length(size);
  http::request_serializer<http::empty_body> sr{req};
  impl_->must([&](auto handler) { http::async_write_header(impl_->socket, sr, handler); });
  constexpr std::size_t piece = 256 * 1024;
  std::string chunk(piece, '\0');
  for (std::uint64_t offset = 0; offset < size;) {
    std::size_t n = static_cast<std::size_t>(std::min<std::uint64_t>(piece, size - offset));
    fill(chunk.data(), n, offset);
    std::string framed;
    if (chunked) {
      char prefix[32];
      std::snprintf(prefix, sizeof prefix, "%zx\r\n", n);
      framed = prefix + chunk.substr(0, n) + "\r\n";
    }
    auto data = chunked ? asio::buffer(framed) : asio::buffer(chunk.data(), n);
    impl_->must([&](auto handler) { asio::async_write(impl_->socket, data, handler); });
    offset += n;
  }
  if (chunked) {
    static const std::string last = "0\r\n\r\n";
    impl_->must(
        [&](auto handler) { asio::async_write(impl_->socket, asio::buffer(last), handler); });
  }
  return read_response();
}

http_response http_connection::download(const std::string& target,
                                        const std::function<void(std::string_view)>& sink,
                                        const header_list& headers) {
  http::request<http::empty_body> req{http::verb::get, target, 11};
  impl_->set_headers(req, headers);
  impl_->must([&](auto handler) { http::async_write(impl_->socket, req, handler); });

  http::response_parser<http::buffer_body> parser;
  parser.body_limit(std::numeric_limits<std::uint64_t>::max());
  impl_->must([&](auto handler) {
    http::async_read_header(impl_->socket, impl_->buffer, parser, handler);
  });
  constexpr std::size_t piece = 256 * 1024;
  std::string chunk(piece, '\0');
  while (!parser.is_done()) {
    parser.get().body().data = chunk.data();
    parser.get().body().size = piece;
    auto ec = impl_->run(
        [&](auto handler) { http::async_read(impl_->socket, impl_->buffer, parser, handler); },
        impl_->timeout);
    if (ec && ec != http::error::need_buffer)
      throw beast::system_error(ec);
    sink(std::string_view(chunk.data(), piece - parser.get().body().size));
  }
  http_response out;
  out.status = parser.get().result_int();
  for (const auto& field : parser.get()) {
    std::string name(field.name_string());
    for (auto& c : name)
      c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    out.headers[name] = std::string(field.value());
  }
  out.keep_alive = parser.get().keep_alive();
  return out;
}

void http_connection::write_raw(std::string_view bytes) {
  impl_->must([&](auto handler) {
    asio::async_write(impl_->socket, asio::buffer(bytes.data(), bytes.size()), handler);
  });
}

std::string http_connection::read_until(std::string_view delimiter,
                                        std::chrono::milliseconds timeout) {
  // By hand rather than asio::read_until, which would copy the flat_buffer it is given.
  auto deadline = std::chrono::steady_clock::now() + timeout;
  auto& buffer = impl_->buffer;
  for (;;) {
    auto data = buffer.data();
    std::string_view have(static_cast<const char*>(data.data()), data.size());
    auto at = have.find(delimiter);
    if (at != std::string_view::npos) {
      std::string out(have.substr(0, at + delimiter.size()));
      buffer.consume(out.size());
      return out;
    }
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0)
      return std::string(have);
    std::size_t got = 0;
    auto space = buffer.prepare(4096);
    auto ec = impl_->run(
        [&](auto handler) {
          impl_->socket.async_read_some(
              space, [handler, &got](beast::error_code e, std::size_t n) mutable {
                got = n;
                handler(e);
              });
        },
        left, false);
    buffer.commit(got);
    if (ec)
      return std::string(static_cast<const char*>(buffer.data().data()), buffer.size());
  }
}

bool http_connection::closed_by_peer(std::chrono::milliseconds timeout) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  char scratch[4096];
  impl_->buffer.consume(impl_->buffer.size());
  for (;;) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0)
      return false;
    auto ec = impl_->run(
        [&](auto handler) { impl_->socket.async_read_some(asio::buffer(scratch), handler); }, left,
        false);
    if (ec == asio::error::timed_out)
      return false;
    if (ec)
      return true; // eof or reset
  }
}

http_response http_request(std::uint16_t port, const std::string& method, const std::string& target,
                           const std::string& body, const header_list& headers) {
  http_connection connection("127.0.0.1", port);
  return connection.request(method, target, body, headers);
}

std::pair<std::string, std::string> basic_auth(const std::string& user,
                                               const std::string& password) {
  return {"Authorization", "Basic " + filestore::base64_encode(user + ":" + password)};
}

std::string multipart_body(const std::vector<form_part>& parts) {
  std::string out;
  for (const auto& p : parts) {
    out += "--" + std::string(test_boundary) + "\r\n";
    out += "Content-Disposition: form-data; name=\"" + p.name + "\"";
    if (p.filename)
      out += "; filename=\"" + *p.filename + "\"";
    out += "\r\n";
    if (p.filename)
      out += "Content-Type: application/octet-stream\r\n";
    out += "\r\n" + p.content + "\r\n";
  }
  out += "--" + std::string(test_boundary) + "--\r\n";
  return out;
}

std::pair<std::string, std::string> multipart_content_type() {
  return {"Content-Type", "multipart/form-data; boundary=" + std::string(test_boundary)};
}

} // namespace recodex::testing
