// actors/worker/transfer/transfer_requests.hpp: credentials by URL prefix (4.3), URL splitting
// and where redirects lead.
#include "actors/worker/transfer/transfer_requests.hpp"

#include <catch2/catch.hpp>

using namespace recodex::worker;

namespace {

const std::vector<file_manager> managers = {
    {"https://files.example.org/api", "api", "secret"},
    {"https://files.example.org", "all", "other"},
    {"http://127.0.0.1:9999", "re", "codex"},
};

} // namespace

TEST_CASE("credentials come from the first file manager whose hostname prefixes the URL",
          "[worker][transfer]") {
  struct row {
    const char* url;
    const char* expected;
  };
  auto r = GENERATE(values<row>({
      {"https://files.example.org/api/v1/x", "Basic YXBpOnNlY3JldA=="}, // api:secret, listed first
      {"https://files.example.org/other", "Basic YWxsOm90aGVy"},        // all:other
      {"https://files.example.org.evil.com/x",
       "Basic YWxsOm90aGVy"},                                    // a string prefix, as 4.3 says
      {"http://127.0.0.1:9999/tasks/abc", "Basic cmU6Y29kZXg="}, // re:codex
      {"http://127.0.0.1:99990/tasks/abc", "Basic cmU6Y29kZXg="},
      {"http://files.example.org/api/x", ""}, // scheme differs
      {"http://127.0.0.1:999/x", ""},
  }));
  INFO(r.url);
  CHECK(authorization_for(managers, r.url) == r.expected);
  CHECK(authorization_for({}, r.url).empty());
}

TEST_CASE("request URLs split into server and target", "[worker][transfer]") {
  auto a = parse_request_url("https://h.example:8443/a/b/?x=1#frag").value();
  CHECK(a.endpoint.tls);
  CHECK(a.endpoint.host == "h.example");
  CHECK(a.endpoint.port == 8443);
  CHECK(a.target == "/a/b/?x=1");
  CHECK(to_url(a) == "https://h.example:8443/a/b/?x=1");

  auto b = parse_request_url("http://h").value();
  CHECK(b.endpoint.port == 80);
  CHECK(b.target == "/");
  CHECK(to_url(b) == "http://h/");
  CHECK(parse_request_url("http://h?q").value().target == "/?q");
  CHECK(to_url(parse_request_url("https://h:443/x").value()) == "https://h/x");

  for (const char* bad :
       {"ftp://h/x", "h/x", "http:///x", "http://h:0/x", "http://user:pw@h/x", ""}) {
    INFO(bad);
    CHECK_FALSE(parse_request_url(bad));
  }
}

TEST_CASE("redirect locations resolve against the current request", "[worker][transfer]") {
  auto from = parse_request_url("http://h:8080/dir/file?q=1").value();
  struct row {
    const char* location;
    const char* expected;
  };
  auto r = GENERATE(values<row>({
      {"https://other/x", "https://other/x"},
      {"//other:81/y", "http://other:81/y"},
      {"/root", "http://h:8080/root"},
      {"sibling", "http://h:8080/dir/sibling"},
      {"sub/x?y=2#f", "http://h:8080/dir/sub/x?y=2"},
  }));
  INFO(r.location);
  auto next = follow_location(from, r.location);
  REQUIRE(next);
  CHECK(to_url(next.value()) == r.expected);
  CHECK_FALSE(follow_location(from, ""));
  CHECK_FALSE(follow_location(from, "gopher://h/x"));
}
