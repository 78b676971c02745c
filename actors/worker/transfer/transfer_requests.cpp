// URL splitting, credential choice and redirect resolution; see transfer_requests.hpp.
#include "actors/worker/transfer/transfer_requests.hpp"

namespace recodex::worker {

namespace {

std::string_view without_fragment(std::string_view url) {
  return url.substr(0, url.find('#'));
}

} // namespace

result<request_location> parse_request_url(std::string_view url) {
  url = without_fragment(url);
  auto scheme_end = url.find("://");
  auto authority_start = scheme_end == std::string_view::npos ? 0 : scheme_end + 3;
  auto target_start = url.find_first_of("/?", authority_start);
  auto authority = url.substr(authority_start, target_start - authority_start);
  if (authority.find('@') != std::string_view::npos)
    return make_error(errc::invalid_argument,
                      "URL '" + std::string{url} +
                          "' carries credentials; give them in file-managers instead");
  RECODEX_TRY(endpoint, notifier::parse_url(url.substr(0, target_start)));
  std::string target =
      target_start == std::string_view::npos ? "/" : std::string{url.substr(target_start)};
  if (target.front() == '?')
    target.insert(0, "/");
  return request_location{std::move(endpoint), std::move(target)};
}

std::string to_url(const request_location& location) {
  const auto& e = location.endpoint;
  std::string url = e.tls ? "https://" : "http://";
  url += e.host;
  if (e.port != (e.tls ? 443 : 80))
    url += ":" + std::to_string(e.port);
  return url + location.target;
}

std::string authorization_for(const std::vector<file_manager>& managers, std::string_view url) {
  for (const auto& manager : managers)
    if (url.substr(0, manager.hostname.size()) == manager.hostname)
      return "Basic " + notifier::base64(manager.username + ":" + manager.password);
  return {};
}

result<request_location> follow_location(const request_location& from, std::string_view location) {
  location = without_fragment(location);
  if (location.empty())
    return make_error(errc::invalid_argument,
                      "redirect from " + to_url(from) + " without a Location");
  if (location.find("://") != std::string_view::npos)
    return parse_request_url(location);
  if (location.substr(0, 2) == "//")
    return parse_request_url(std::string{from.endpoint.tls ? "https:" : "http:"} +
                             std::string{location});
  auto next = from;
  if (location.front() == '/') {
    next.target = std::string{location};
  } else {
    auto path = from.target.substr(0, from.target.find('?'));
    next.target = path.substr(0, path.rfind('/') + 1) + std::string{location};
  }
  return next;
}

} // namespace recodex::worker
