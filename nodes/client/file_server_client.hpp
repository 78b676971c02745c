// The file server as the client uses it (README "HTTP routes"): one blocking HTTP/1.1
// exchange per call with Basic auth, bounded by the config's timeouts. Every error names the
// component, its address and the request: "file server at http://127.0.0.1:9999: GET
// /v1/tasks/sum/versions: HTTP 404: no such task" (errc::unavailable when it cannot be reached).
#pragma once

#include "messages/result.hpp"
#include "nodes/client/client_config.hpp"

#include <string>
#include <string_view>
#include <vector>

namespace recodex::client {

struct http_response {
  unsigned status = 0;
  std::string body;
};

// One part of a multipart/form-data body; files carry a filename, text fields do not.
struct form_part {
  std::string name;
  std::string content;
  bool is_file = true;
};

class file_server_client {
public:
  explicit file_server_client(client_config config);

  // The exchange; any HTTP status is a success here.
  result<http_response> request(std::string_view method, const std::string& target,
                                std::string body = {}, std::string content_type = {}) const;
  // The exchange, failing on a status >= 300 with the server's error text.
  result<std::string> call(std::string_view method, const std::string& target,
                           std::string body = {}, std::string content_type = {}) const;
  result<std::string> post_form(const std::string& target,
                                const std::vector<form_part>& parts) const;

  // base URL + target, for URLs handed to workers.
  std::string url(const std::string& target) const;

private:
  error failure(std::string_view method, const std::string& target, const http_response& r) const;

  client_config config_;
};

} // namespace recodex::client
