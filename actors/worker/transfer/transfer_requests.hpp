// The HTTP client's decisions as plain values (no sockets): which credentials a URL gets, where a
// redirect leads, and how a URL is shown in errors. http_file_transfer.cpp performs them.
#pragma once

#include "actors/notifier/notifier_core.hpp"
#include "actors/worker/transfer/transfer_config.hpp"
#include "messages/result.hpp"

#include <string>
#include <string_view>
#include <vector>

namespace recodex::worker {

// Where one request goes: the server and the request target ("/path?query").
struct request_location {
  notifier::http_endpoint endpoint;
  std::string target;
};

// An absolute http(s) URL split into server and target ("/" when the URL has no path).
result<request_location> parse_request_url(std::string_view url);

// The URL again (scheme, host, port when not the scheme's default, target), for errors and for
// choosing credentials after a redirect.
std::string to_url(const request_location& location);

// "Basic <base64(user:password)>" of the FIRST entry whose hostname is a string prefix of `url`;
// empty when none matches (4.3).
std::string authorization_for(const std::vector<file_manager>& managers, std::string_view url);

// The next location after a 3xx answer from `from`: an absolute http(s) URL, a network-path
// reference ("//host/x"), an absolute path ("/x") or a path relative to the current target's
// directory ("x", "../x" is kept as is for the server to resolve).
result<request_location> follow_location(const request_location& from, std::string_view location);

} // namespace recodex::worker
