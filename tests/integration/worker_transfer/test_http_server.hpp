// A tiny HTTP/1.1 server for the transfer tests, beside the real file server: canned answers
// (redirects, errors, a generated body of any size streamed in 64 KiB pieces) over plain TCP or
// TLS with a self-signed certificate, on 127.0.0.1 port 0. One request per connection
// (Connection: close unless told to claim otherwise), one thread per connection; the destructor
// shuts every socket and joins.
#pragma once

#include "tests/harness/self_signed_certificate.hpp"

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <utility>
#include <vector>

namespace recodex::testing {

struct canned_reply {
  unsigned status = 200;
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;
  std::uint64_t generated_size = 0; // when non-zero, the body is pattern_byte(0 .. size-1)
  bool claim_keep_alive = false;    // say keep-alive, close anyway: a stale pooled connection
};

// The generated body's byte at `offset`: a 251-byte cycle, which no power-of-two piece size
// lines up with, so a piece written at the wrong offset shows.
inline char pattern_byte(std::uint64_t offset) {
  return static_cast<char>(offset % 251);
}

// Checks and fills go through this: `size` bytes of the pattern from `offset` (size <= 64 KiB).
const char* pattern_at(std::uint64_t offset);

struct seen_request {
  std::string method;
  std::string target;
  std::string authorization;
};

using canned_handler = std::function<canned_reply(const seen_request&)>;

class test_http_server {
public:
  // TLS with `certificate` when given (it must outlive the server).
  explicit test_http_server(canned_handler handler,
                            const self_signed_certificate* certificate = nullptr);
  ~test_http_server();
  test_http_server(const test_http_server&) = delete;
  test_http_server& operator=(const test_http_server&) = delete;

  std::uint16_t port() const;
  std::string url() const; // http(s)://127.0.0.1:<port>
  std::vector<seen_request> requests() const;

private:
  struct impl;
  std::unique_ptr<impl> impl_;
};

} // namespace recodex::testing
