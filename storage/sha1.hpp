// SHA-1 of content, the key of the blob store and of the worker's file cache (OpenSSL EVP).
#pragma once

#include "messages/result.hpp"

#include <cstddef>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

namespace recodex::storage {

// Incremental hasher for streamed content.
class sha1_hasher {
public:
  sha1_hasher();
  ~sha1_hasher();
  sha1_hasher(sha1_hasher&&) noexcept;
  sha1_hasher& operator=(sha1_hasher&&) noexcept;

  void update(const void* data, std::size_t size);
  void update(std::string_view data) { update(data.data(), data.size()); }

  // Lowercase hex digest of everything so far; the hasher starts over afterwards.
  std::string finish();

private:
  struct context;
  std::unique_ptr<context> context_;
};

std::string sha1_hex(std::string_view content);

// Streams the file through the hasher (no whole-file buffering).
result<std::string> sha1_hex_of_file(const std::filesystem::path& file);

// True for exactly 40 hex digits (either case).
bool is_sha1_hex(std::string_view text);

// The lowercase form of a valid SHA-1 hex string, nullopt for anything else.
std::optional<std::string> normalize_sha1(std::string_view text);

} // namespace recodex::storage
