// A small blocking HTTP/1.1 client for integration tests (Beast inside
// http_client.cpp only, so the test files compile fast). Every socket has send and receive
// timeouts, so a server that stops answering fails a test instead of hanging it.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace recodex::testing {

using header_list = std::vector<std::pair<std::string, std::string>>;

struct http_response {
  unsigned status = 0;
  std::map<std::string, std::string> headers; // names in lowercase
  std::string body;
  bool keep_alive = false;

  std::string header(const std::string& lowercase_name) const {
    auto it = headers.find(lowercase_name);
    return it == headers.end() ? std::string() : it->second;
  }
};

// One keep-alive connection.
class http_connection {
public:
  http_connection(const std::string& host, std::uint16_t port,
                  std::chrono::seconds timeout = std::chrono::seconds(30));
  ~http_connection();
  http_connection(const http_connection&) = delete;
  http_connection& operator=(const http_connection&) = delete;

  // Sends a request with a Content-Length body (none for an empty GET/HEAD) and reads the reply.
  http_response request(const std::string& method, const std::string& target,
                        const std::string& body = {}, const header_list& headers = {});

  // Sends `size` bytes made by `fill(buffer, n, offset)` as the body, in 256 KiB pieces. With
  // `chunked`, uses Transfer-Encoding: chunked instead of Content-Length.
  http_response upload(const std::string& method, const std::string& target, std::uint64_t size,
                       const std::function<void(char*, std::size_t, std::uint64_t)>& fill,
                       const header_list& headers = {}, bool chunked = false);

  // GET whose body goes to `sink` piece by piece instead of into the response.
  http_response download(const std::string& target,
                         const std::function<void(std::string_view)>& sink,
                         const header_list& headers = {});

  // -- raw access for protocol tests --
  void write_raw(std::string_view bytes);
  // Reads until `delimiter` has arrived or `timeout` passed; returns what was read (the read
  // stops right after the delimiter when it arrives in one piece with other data, the rest is
  // kept for read_response()).
  std::string read_until(std::string_view delimiter, std::chrono::milliseconds timeout);
  http_response read_response(bool head_request = false);
  // True when the server closes the connection within `timeout` (EOF or reset).
  bool closed_by_peer(std::chrono::milliseconds timeout);

private:
  struct impl;
  std::unique_ptr<impl> impl_;
};

// One request on a fresh connection.
http_response http_request(std::uint16_t port, const std::string& method, const std::string& target,
                           const std::string& body = {}, const header_list& headers = {});

// {"Authorization", "Basic ..."}
std::pair<std::string, std::string> basic_auth(const std::string& user,
                                               const std::string& password);

struct form_part {
  std::string name;
  std::string content;
  std::optional<std::string> filename;
};

constexpr std::string_view test_boundary = "recodex-test-boundary-7MA4YWxkTrZu0gW";

// A multipart/form-data body with test_boundary, and its Content-Type header.
std::string multipart_body(const std::vector<form_part>& parts);
std::pair<std::string, std::string> multipart_content_type();

} // namespace recodex::testing
