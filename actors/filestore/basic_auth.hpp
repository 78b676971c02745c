// HTTP Basic authentication (RFC 7617) for the file server: parsing an Authorization header
// and checking it against the configured credentials. Pure, so every malformed header is a
// table row in a unit test rather than a surprise on the wire.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace recodex::filestore {

struct basic_credentials {
  std::string username;
  std::string password;
};

// "Basic <base64(user:password)>" -> the pair; nullopt for any other scheme or bad encoding.
std::optional<basic_credentials> parse_basic_authorization(std::string_view header);

// True when `header` carries exactly these credentials. The comparison takes the same time
// wherever the first difference is, so it does not leak how much of a guess was right.
bool basic_authorization_matches(std::string_view header, std::string_view username,
                                 std::string_view password);

// Standard base64 with padding; clients (and tests) build the header with it.
std::string base64_encode(std::string_view data);

} // namespace recodex::filestore
