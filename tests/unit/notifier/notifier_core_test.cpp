// Callback requests as values (spec 2.9): URL parsing, form bodies, escaping, Basic auth.
#include "actors/notifier/notifier_core.hpp"

#include <catch2/catch.hpp>

using namespace recodex;
using namespace recodex::notifier;

TEST_CASE("callback URLs parse with their ports and paths", "[notifier]") {
  auto e = parse_url("https://host.example/api/v1/broker-reports/").value();
  CHECK(e.tls);
  CHECK(e.host == "host.example");
  CHECK(e.port == 443);
  CHECK(e.path == "/api/v1/broker-reports");
  auto p = parse_url("http://127.0.0.1:8080", 0).value();
  CHECK_FALSE(p.tls);
  CHECK(p.port == 8080);
  CHECK(p.path.empty());
  CHECK(parse_url("http://h:8080/x", 9000).value().port == 9000);
  CHECK_FALSE(parse_url("ftp://h/x"));
  CHECK_FALSE(parse_url("http:///x"));
  CHECK_FALSE(parse_url("http://h:0/x"));
  CHECK_FALSE(parse_url("http://h:99999/x"));
  CHECK_FALSE(parse_url("http://h:abc/x"));
}

TEST_CASE("job status bodies are sorted by key and escaped", "[notifier]") {
  notifier_config c;
  c.username = "re";
  c.password = "codex";
  auto e = parse_url("http://h/api/v1/broker-reports").value();
  auto ok = job_status_post(c, e, {"student_1", job_status::ok, ""});
  CHECK(ok == http_post{"/api/v1/broker-reports/job-status/student_1", "status=OK", "Basic cmU6Y29kZXg="});
  auto failed = job_status_post(c, e, {"a b", job_status::failed, "x=1&y=ž"});
  CHECK(failed.target == "/api/v1/broker-reports/job-status/a%20b");
  CHECK(failed.body == "message=x%3D1%26y%3D%C5%BE&status=FAILED");
  CHECK(error_post(c, e, {"two INITs"}).body == "message=two%20INITs");
  CHECK(error_post(c, e, {"m"}).target == "/api/v1/broker-reports/error");
}

TEST_CASE("Basic auth only when credentials are set", "[notifier]") {
  notifier_config c;
  auto e = parse_url("http://h").value();
  CHECK(job_status_post(c, e, {"j", job_status::ok, ""}).authorization.empty());
  c.password = "p";
  CHECK(job_status_post(c, e, {"j", job_status::ok, ""}).authorization == "Basic OnA=");
}

TEST_CASE("base64 and escaping edge cases", "[notifier]") {
  CHECK(base64("") == "");
  CHECK(base64("f") == "Zg==");
  CHECK(base64("fo") == "Zm8=");
  CHECK(base64("foo") == "Zm9v");
  CHECK(base64("foob") == "Zm9vYg==");
  CHECK(url_escape("AZaz09-._~") == "AZaz09-._~");
  CHECK(url_escape(std::string("\0 /", 3)) == "%00%20%2F");
}

TEST_CASE("the default retry schedule is the original's", "[notifier]") {
  notifier_config c;
  CHECK(c.attempts == 4);
  CHECK(c.retry_delays == std::vector<std::chrono::milliseconds>{std::chrono::seconds(1), std::chrono::seconds(2),
                                                                 std::chrono::seconds(4), std::chrono::seconds(8)});
}

TEST_CASE("redirects lead to absolute URLs or paths on the same endpoint", "[notifier]") {
  auto from = parse_url("http://h:8080/api").value();
  auto same = redirect_target(from, "/v2/job-status/j").value();
  CHECK(same.endpoint.host == "h");
  CHECK(same.endpoint.port == 8080);
  CHECK(same.target == "/v2/job-status/j");
  auto moved = redirect_target(from, "https://other.example/api/job-status/j?x=1").value();
  CHECK(moved.endpoint.tls);
  CHECK(moved.endpoint.host == "other.example");
  CHECK(moved.endpoint.port == 443);
  CHECK(moved.target == "/api/job-status/j?x=1");
  CHECK(redirect_target(from, "http://root.example").value().target == "/");
  CHECK_FALSE(redirect_target(from, "relative/path"));
  CHECK_FALSE(redirect_target(from, ""));
  CHECK(is_redirect(301));
  CHECK(is_redirect(308));
  CHECK_FALSE(is_redirect(304));
  CHECK_FALSE(is_redirect(200));
}

TEST_CASE("after an attempt: delivered, a retry after 1, 2, 4 s, given up after the fourth",
          "[notifier][retry]") {
  notifier_config c; // ReCodEx: 4 attempts, 1, 2, 4, 8 s
  using namespace std::chrono_literals;
  CHECK(after_attempt(c, 1, true) == next_step{attempt_outcome::delivered, 0ms});
  CHECK(after_attempt(c, 3, true) == next_step{attempt_outcome::delivered, 0ms});
  CHECK(after_attempt(c, 1, false) == next_step{attempt_outcome::retry, 1s});
  CHECK(after_attempt(c, 2, false) == next_step{attempt_outcome::retry, 2s});
  CHECK(after_attempt(c, 3, false) == next_step{attempt_outcome::retry, 4s});
  CHECK(after_attempt(c, 4, false) == next_step{attempt_outcome::given_up, 0ms});
  c.attempts = 6; // the last delay repeats
  CHECK(after_attempt(c, 5, false) == next_step{attempt_outcome::retry, 8s});
  c.retry_delays.clear(); // no schedule: one attempt
  CHECK(after_attempt(c, 1, false) == next_step{attempt_outcome::given_up, 0ms});
}

TEST_CASE("every attempt outcome has a name", "[notifier]") {
  for (auto o : {attempt_outcome::delivered, attempt_outcome::retry, attempt_outcome::given_up})
    CHECK(to_string(o) != "?");
}
