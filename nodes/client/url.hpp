// The parts of the client's addresses: scheme://host:port/path, with the scheme's default port.
#pragma once

#include "messages/result.hpp"

#include <string>
#include <string_view>

namespace recodex::client {

struct url_parts {
  std::string scheme; // http, ws, tcp
  std::string host;
  std::string port;
  std::string path; // "" or "/prefix" (no trailing slash)
};

// Only scheme `expected` is accepted; errors name `what` (e.g. "file server address").
result<url_parts> parse_url(std::string_view url, std::string_view expected, std::string_view what);

} // namespace recodex::client
