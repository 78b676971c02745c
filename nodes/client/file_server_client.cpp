// Beast HTTP/1.1, one connection per call (the client makes a handful of calls per command).
#include "nodes/client/file_server_client.hpp"

#include "nodes/client/net_timeout.hpp"
#include "nodes/client/url.hpp"

#include <boost/asio/connect.hpp>
#include <boost/beast/core/detail/base64.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http.hpp>
#include <nlohmann/json.hpp>
#include <random>
#include <sstream>

namespace recodex::client {

namespace http = boost::beast::http;

namespace net {

error_code connect(asio::io_context& ioc, asio::ip::tcp::socket& socket, const std::string& host,
                   const std::string& port, std::chrono::milliseconds timeout) {
  asio::ip::tcp::resolver resolver(ioc);
  asio::ip::tcp::resolver::results_type endpoints;
  auto ec = run_with_timeout(
      ioc, timeout,
      [&](auto handler) {
        resolver.async_resolve(host, port,
                               [&, handler](error_code e, asio::ip::tcp::resolver::results_type r) {
                                 endpoints = std::move(r);
                                 handler(e);
                               });
      },
      [&] { resolver.cancel(); });
  if (ec)
    return ec;
  return run_with_timeout(
      ioc, timeout,
      [&](auto handler) {
        asio::async_connect(socket, endpoints, [&socket, handler](error_code e, const asio::ip::tcp::endpoint&) {
          // An upload is written as the header, then the body: with Nagle's algorithm the body
          // would wait for the header's ACK, which the server delays by up to 40 ms.
          if (!e) {
            error_code ignored;
            socket.set_option(asio::ip::tcp::no_delay(true), ignored);
          }
          handler(e);
        });
      },
      [&] { socket.close(); });
}

} // namespace net

namespace {

std::string basic_credentials(const std::string& user, const std::string& password) {
  const std::string plain = user + ":" + password;
  std::string out(boost::beast::detail::base64::encoded_size(plain.size()), '\0');
  out.resize(boost::beast::detail::base64::encode(out.data(), plain.data(), plain.size()));
  return "Basic " + out;
}

std::string seconds_text(std::chrono::milliseconds ms) {
  std::ostringstream out;
  out << ms.count() / 1000.0 << " s";
  return out.str();
}

// The server's own explanation: the "error" of its JSON body, else the body's first line.
std::string server_reason(const std::string& body) {
  auto json = nlohmann::json::parse(body, nullptr, false);
  if (json.is_object() && json.contains("error") && json["error"].is_string())
    return json["error"].get<std::string>();
  return body.substr(0, std::min(body.find('\n'), std::size_t{200}));
}

std::string random_boundary() {
  std::random_device seed;
  std::mt19937_64 bits(seed());
  return "recodex-" + std::to_string(bits()) + std::to_string(bits());
}

} // namespace

file_server_client::file_server_client(client_config config) : config_(std::move(config)) {}

std::string file_server_client::url(const std::string& target) const {
  return config_.fileserver + target;
}

result<http_response> file_server_client::request(std::string_view method,
                                                  const std::string& target, std::string body,
                                                  std::string content_type) const {
  const std::string where = "file server at " + config_.fileserver;
  RECODEX_TRY(address, parse_url(config_.fileserver, "http", "file server address"));
  auto unreachable = [&](const std::string& why) {
    return make_error(errc::unavailable,
                      where + ": " + std::string(method) + " " + target + ": " + why);
  };
  net::asio::io_context ioc;
  net::asio::ip::tcp::socket socket(ioc);
  if (auto ec = net::connect(ioc, socket, address.host, address.port, config_.connect_timeout))
    return unreachable("cannot connect: " + ec.message());

  http::request<http::string_body> req{
      http::string_to_verb(boost::beast::string_view(method.data(), method.size())),
      address.path + target, 11};
  req.set(http::field::host, address.host + ":" + address.port);
  req.set(http::field::user_agent, "recodex-client");
  req.set(http::field::authorization, basic_credentials(config_.username, config_.password));
  if (!content_type.empty())
    req.set(http::field::content_type, content_type);
  req.body() = std::move(body);
  req.prepare_payload();

  auto ec = net::run_with_timeout(
      ioc, config_.request_timeout, [&](auto handler) { http::async_write(socket, req, handler); },
      [&] { socket.close(); });
  if (ec == net::asio::error::timed_out)
    return unreachable("no progress sending the request within " +
                       seconds_text(config_.request_timeout));
  if (ec)
    return unreachable("sending the request failed: " + ec.message());

  boost::beast::flat_buffer buffer;
  http::response_parser<http::string_body> parser;
  parser.body_limit(1024ull * 1024 * 1024);
  ec = net::run_with_timeout(
      ioc, config_.request_timeout,
      [&](auto handler) { http::async_read(socket, buffer, parser, handler); },
      [&] { socket.close(); });
  if (ec == net::asio::error::timed_out)
    return unreachable("no answer within " + seconds_text(config_.request_timeout));
  if (ec)
    return unreachable("reading the answer failed: " + ec.message());
  net::error_code ignored;
  socket.shutdown(net::asio::ip::tcp::socket::shutdown_both, ignored);
  http_response out;
  out.status = parser.get().result_int();
  out.body = std::move(parser.get().body());
  return out;
}

error file_server_client::failure(std::string_view method, const std::string& target,
                                  const http_response& r) const {
  std::string text = "file server at " + config_.fileserver + ": " + std::string(method) + " " +
                     target + ": HTTP " + std::to_string(r.status) + ": " + server_reason(r.body);
  if (r.status == 401)
    return make_error(errc::invalid_argument,
                      text + " (check the credentials: --user and --password)");
  if (r.status == 404)
    return make_error(errc::not_found, text);
  if (r.status >= 500)
    return make_error(errc::unavailable, text);
  return make_error(errc::invalid_argument, text);
}

result<std::string> file_server_client::call(std::string_view method, const std::string& target,
                                             std::string body, std::string content_type) const {
  RECODEX_TRY(reply, request(method, target, std::move(body), std::move(content_type)));
  if (reply.status >= 300)
    return failure(method, target, reply);
  return std::move(reply.body);
}

result<std::string> file_server_client::post_form(const std::string& target,
                                                  const std::vector<form_part>& parts) const {
  const std::string boundary = random_boundary();
  std::string body;
  for (const auto& part : parts) {
    body += "--" + boundary + "\r\nContent-Disposition: form-data; name=\"" + part.name + "\"";
    if (part.is_file)
      body += "; filename=\"" + part.name + "\"\r\nContent-Type: application/octet-stream";
    body += "\r\n\r\n" + part.content + "\r\n";
  }
  body += "--" + boundary + "--\r\n";
  return call("POST", target, std::move(body), "multipart/form-data; boundary=" + boundary);
}

} // namespace recodex::client
