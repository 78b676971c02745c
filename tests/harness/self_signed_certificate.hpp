// A throw-away self-signed certificate for tests' TLS servers: one PEM certificate (no CA above
// it, so a client trusts it by using the same file as its CA file) for the names a loopback test
// dials, IP 127.0.0.1 and DNS localhost, and its unencrypted PEM private key. Both files live in
// a temporary directory removed with the object. Made with the OpenSSL API (EC P-256, SHA-256,
// valid from an hour ago for a day).
#pragma once

#include "tests/harness/temp_directory.hpp"

#include <filesystem>

namespace recodex::testing {

class self_signed_certificate {
public:
  // Throws std::runtime_error naming the OpenSSL step that failed.
  self_signed_certificate();

  const std::filesystem::path& certificate_file() const { return certificate_file_; }
  const std::filesystem::path& private_key_file() const { return private_key_file_; }

private:
  temp_directory directory_{"recodex-tls"};
  std::filesystem::path certificate_file_;
  std::filesystem::path private_key_file_;
};

} // namespace recodex::testing
