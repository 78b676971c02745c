// Tests actors/filestore/basic_auth.hpp: Authorization headers as table rows, right, wrong and
// malformed, and the base64 encoder against the RFC 4648 vectors.
#include "actors/filestore/basic_auth.hpp"

#include <catch2/catch.hpp>
#include <string>
#include <vector>

namespace fs = recodex::filestore;

TEST_CASE("base64 encodes the RFC 4648 test vectors", "[filestore][auth]") {
  CHECK(fs::base64_encode("") == "");
  CHECK(fs::base64_encode("f") == "Zg==");
  CHECK(fs::base64_encode("fo") == "Zm8=");
  CHECK(fs::base64_encode("foo") == "Zm9v");
  CHECK(fs::base64_encode("foob") == "Zm9vYg==");
  CHECK(fs::base64_encode("fooba") == "Zm9vYmE=");
  CHECK(fs::base64_encode("foobar") == "Zm9vYmFy");
  CHECK(fs::base64_encode("re:codex") == "cmU6Y29kZXg=");
}

TEST_CASE("Authorization headers are accepted only with exactly the configured credentials",
          "[filestore][auth]") {
  struct row {
    std::string header;
    bool accepted;
  };
  const std::string good = "Basic " + fs::base64_encode("re:codex");
  auto rows = std::vector<row>{
      {good, true},
      {"basic " + fs::base64_encode("re:codex"), true},
      {"BASIC   " + fs::base64_encode("re:codex") + "  ", true},
      {"Basic " + fs::base64_encode("re:codeX"), false},
      {"Basic " + fs::base64_encode("Re:codex"), false},
      {"Basic " + fs::base64_encode("re:codex "), false},
      {"Basic " + fs::base64_encode("re:"), false},
      {"Basic " + fs::base64_encode("re"), false}, // no colon
      {"Basic " + fs::base64_encode(":codex"), false},
      {"Basic " + fs::base64_encode("re:codexcodex"), false},
      {"Bearer " + fs::base64_encode("re:codex"), false},
      {"Basic", false},
      {"Basic ", false},
      {"Basicx " + fs::base64_encode("re:codex"), false},
      {"", false},
      {"Basic cmU6Y29kZXg", false},   // missing padding
      {"Basic cmU6Y29kZXg=x", false}, // data after padding
      {"Basic cm=6Y29kZXg=", false},  // padding inside
      {"Basic cmU6Y2*kZXg=", false},  // not base64
  };
  for (const auto& r : rows) {
    INFO("'" << r.header << "'");
    CHECK(fs::basic_authorization_matches(r.header, "re", "codex") == r.accepted);
  }
}

TEST_CASE("a password may contain colons, only the first one separates", "[filestore][auth]") {
  auto parsed = fs::parse_basic_authorization("Basic " + fs::base64_encode("user:pa:ss"));
  REQUIRE(parsed);
  CHECK(parsed->username == "user");
  CHECK(parsed->password == "pa:ss");
  CHECK(
      fs::basic_authorization_matches("Basic " + fs::base64_encode("user:pa:ss"), "user", "pa:ss"));
}
