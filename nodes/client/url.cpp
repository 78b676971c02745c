#include "nodes/client/url.hpp"

#include <algorithm>
#include <cctype>

namespace recodex::client {

result<url_parts> parse_url(std::string_view url, std::string_view expected,
                            std::string_view what) {
  auto fail = [&](const std::string& why) {
    return make_error(errc::invalid_argument,
                      std::string(what) + " '" + std::string(url) + "': " + why);
  };
  const auto colon = url.find("://");
  if (colon == std::string_view::npos || url.substr(0, colon) != expected)
    return fail("must start with " + std::string(expected) + "://");
  url_parts out;
  out.scheme = std::string(expected);
  std::string_view rest = url.substr(colon + 3);
  const auto slash = rest.find('/');
  std::string_view authority = rest.substr(0, slash);
  if (slash != std::string_view::npos) {
    out.path = std::string(rest.substr(slash));
    while (!out.path.empty() && out.path.back() == '/')
      out.path.pop_back();
  }
  const auto port_colon = authority.rfind(':');
  if (port_colon == std::string_view::npos) {
    out.host = std::string(authority);
    out.port = expected == "http" || expected == "ws" ? "80" : "";
  } else {
    out.host = std::string(authority.substr(0, port_colon));
    out.port = std::string(authority.substr(port_colon + 1));
  }
  if (out.host.empty())
    return fail("has no host");
  if (out.port.empty() || out.port.size() > 5 ||
      !std::all_of(out.port.begin(), out.port.end(),
                   [](unsigned char c) { return std::isdigit(c); }) ||
      std::stoul(out.port) > 65535)
    return fail("has no valid port");
  return out;
}

} // namespace recodex::client
