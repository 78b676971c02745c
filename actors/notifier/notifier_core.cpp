// Callback requests as values; see notifier_core.hpp.
#include "actors/notifier/notifier_core.hpp"

#include <algorithm>
#include <charconv>

namespace recodex::notifier {

result<http_endpoint> parse_url(std::string_view url, std::uint16_t port_override) {
  http_endpoint e;
  std::string_view rest;
  if (url.substr(0, 7) == "http://") {
    rest = url.substr(7);
  } else if (url.substr(0, 8) == "https://") {
    e.tls = true;
    e.port = 443;
    rest = url.substr(8);
  } else {
    return make_error(errc::invalid_argument, "URL '" + std::string{url} + "' must start with http:// or https://");
  }
  auto slash = rest.find('/');
  auto authority = rest.substr(0, slash);
  e.path = slash == std::string_view::npos ? "" : std::string{rest.substr(slash)};
  while (!e.path.empty() && e.path.back() == '/')
    e.path.pop_back();
  auto colon = authority.rfind(':');
  if (colon != std::string_view::npos && authority.find(']') == std::string_view::npos) {
    auto digits = authority.substr(colon + 1);
    unsigned value = 0;
    auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), value);
    if (digits.empty() || ec != std::errc{} || end != digits.data() + digits.size() || value == 0
        || value > 65535)
      return make_error(errc::invalid_argument, "URL '" + std::string{url} + "' has a bad port");
    e.port = static_cast<std::uint16_t>(value);
    authority = authority.substr(0, colon);
  }
  if (authority.empty())
    return make_error(errc::invalid_argument, "URL '" + std::string{url} + "' has no host");
  e.host = std::string{authority};
  if (port_override != 0)
    e.port = port_override;
  return e;
}

std::string url_escape(std::string_view text) {
  static constexpr char digits[] = "0123456789ABCDEF";
  std::string out;
  out.reserve(text.size());
  for (unsigned char c : text) {
    bool unreserved = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9')
                      || c == '-' || c == '.' || c == '_' || c == '~';
    if (unreserved) {
      out += static_cast<char>(c);
    } else {
      out += '%';
      out += digits[c >> 4];
      out += digits[c & 0xf];
    }
  }
  return out;
}

std::string base64(std::string_view bytes) {
  static constexpr char table[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  std::size_t i = 0;
  for (; i + 2 < bytes.size(); i += 3) {
    auto v = (unsigned(static_cast<unsigned char>(bytes[i])) << 16)
             | (unsigned(static_cast<unsigned char>(bytes[i + 1])) << 8)
             | unsigned(static_cast<unsigned char>(bytes[i + 2]));
    out += table[(v >> 18) & 63];
    out += table[(v >> 12) & 63];
    out += table[(v >> 6) & 63];
    out += table[v & 63];
  }
  if (auto left = bytes.size() - i; left > 0) {
    auto v = unsigned(static_cast<unsigned char>(bytes[i])) << 16;
    if (left == 2)
      v |= unsigned(static_cast<unsigned char>(bytes[i + 1])) << 8;
    out += table[(v >> 18) & 63];
    out += table[(v >> 12) & 63];
    out += left == 2 ? table[(v >> 6) & 63] : '=';
    out += '=';
  }
  return out;
}

result<redirect> redirect_target(const http_endpoint& from, std::string_view location) {
  if (!location.empty() && location.front() == '/')
    return redirect{from, std::string{location}};
  auto scheme_end = location.find("://");
  if (scheme_end == std::string_view::npos)
    return make_error(errc::invalid_argument, "unsupported redirect location '" + std::string{location} + "'");
  auto slash = location.find('/', scheme_end + 3);
  RECODEX_TRY(endpoint, parse_url(location.substr(0, slash)));
  auto target = slash == std::string_view::npos ? std::string{"/"} : std::string{location.substr(slash)};
  return redirect{std::move(endpoint), std::move(target)};
}

bool is_redirect(unsigned status) {
  return status == 301 || status == 302 || status == 303 || status == 307 || status == 308;
}

namespace {

std::string authorization(const notifier_config& config) {
  if (config.username.empty() && config.password.empty())
    return {};
  return "Basic " + base64(config.username + ":" + config.password);
}

} // namespace

http_post job_status_post(const notifier_config& config, const http_endpoint& endpoint,
                          const job_status_report& report) {
  http_post post;
  post.target = endpoint.path + "/job-status/" + url_escape(report.job_id);
  // Pairs sorted by key, as the original sends them.
  if (report.status == job_status::ok)
    post.body = "status=OK";
  else
    post.body = "message=" + url_escape(report.message) + "&status=FAILED";
  post.authorization = authorization(config);
  return post;
}

http_post error_post(const notifier_config& config, const http_endpoint& endpoint,
                     const error_report& report) {
  return {endpoint.path + "/error", "message=" + url_escape(report.message), authorization(config)};
}

std::string to_string(attempt_outcome outcome) {
  switch (outcome) {
    case attempt_outcome::delivered:
      return "delivered";
    case attempt_outcome::retry:
      return "retry";
    case attempt_outcome::given_up:
      return "given up";
  }
  return "?";
}

next_step after_attempt(const notifier_config& config, unsigned number, bool succeeded) {
  if (succeeded)
    return {attempt_outcome::delivered, {}};
  if (number >= config.attempts || config.retry_delays.empty())
    return {attempt_outcome::given_up, {}};
  auto index = std::min<std::size_t>(number == 0 ? 0 : number - 1, config.retry_delays.size() - 1);
  return {attempt_outcome::retry, config.retry_delays[index]};
}

} // namespace recodex::notifier
