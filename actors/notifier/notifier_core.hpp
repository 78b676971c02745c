// What the notifier sends, as plain values: the parsed callback URL, the POST target, the
// URL-escaped form body (the original does not escape; ARCHITECTURE.md 7 says we do) and the
// Basic auth header; and what follows an attempt (deliver, retry after a delay, give up). No
// sockets here; notifier_actor.cpp performs the requests.
#pragma once

#include "actors/notifier/notifier_config.hpp"
#include "messages/job_messages.hpp"
#include "messages/result.hpp"

#include <chrono>
#include <string>
#include <string_view>

namespace recodex::notifier {

struct http_endpoint {
  bool tls = false;
  std::string host;
  std::uint16_t port = 80;
  std::string path; // prefix without a trailing slash
};

// http(s)://host[:port][/path]; `port_override` (when non-zero) wins over the URL's port.
result<http_endpoint> parse_url(std::string_view url, std::uint16_t port_override = 0);

struct http_post {
  std::string target;        // path and escaped job id
  std::string body;          // application/x-www-form-urlencoded
  std::string authorization; // "Basic ..." or empty

  friend bool operator==(const http_post& a, const http_post& b) {
    return a.target == b.target && a.body == b.body && a.authorization == b.authorization;
  }
};

// Percent-encodes everything but unreserved characters (RFC 3986), spaces as %20.
std::string url_escape(std::string_view text);
std::string base64(std::string_view bytes);

// POST <path>/job-status/<job_id>: `status=OK` or `message=<text>&status=FAILED`.
http_post job_status_post(const notifier_config& config, const http_endpoint& endpoint,
                          const job_status_report& report);
// Where a 3xx `Location` leads: an absolute http(s) URL (any host) or an absolute path on the
// same endpoint; the new endpoint and the request target. Other forms are errors.
struct redirect {
  http_endpoint endpoint;
  std::string target;
};
result<redirect> redirect_target(const http_endpoint& from, std::string_view location);

// 301, 302, 303, 307 and 308 are followed (POST and body kept, as the web application expects
// its form wherever it moved).
bool is_redirect(unsigned status);

// POST <path>/error: `message=<text>`.
http_post error_post(const notifier_config& config, const http_endpoint& endpoint,
                     const error_report& report);

// -- what follows an attempt --

// A report is through (delivered or given up) or waits for its next attempt.
enum class attempt_outcome { delivered, retry, given_up };
std::string to_string(attempt_outcome outcome);

struct next_step {
  attempt_outcome outcome = attempt_outcome::delivered;
  std::chrono::milliseconds delay{0}; // before the next attempt (retry only)

  friend bool operator==(const next_step& a, const next_step& b) {
    return a.outcome == b.outcome && a.delay == b.delay;
  }
};

// After attempt `number` (1-based) succeeded or failed: the web application has it; or the
// next attempt after retry_delays[number - 1] (the last delay repeats); or, after attempt
// `config.attempts` (ReCodEx: 4), the report is given up, as ReCodEx does.
next_step after_attempt(const notifier_config& config, unsigned number, bool succeeded);

} // namespace recodex::notifier
