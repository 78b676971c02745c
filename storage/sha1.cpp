// SHA-1 through OpenSSL's EVP interface, one context per hasher so uploads can be hashed while
// they stream in. The digest is the blob store's key and the worker cache's file name, so it is
// always lowercase hex.
#include "storage/sha1.hpp"

#include "storage/file_io.hpp"

#include <cassert>
#include <cstdlib>
#include <openssl/evp.h>

namespace recodex::storage {

namespace {

bool is_hex_digit(char c) {
  return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

char to_lower_hex(char c) {
  return (c >= 'A' && c <= 'F') ? static_cast<char>(c - 'A' + 'a') : c;
}

std::string to_hex(const unsigned char* bytes, std::size_t size) {
  static constexpr char digits[] = "0123456789abcdef";
  std::string text(size * 2, '0');
  for (std::size_t i = 0; i < size; ++i) {
    text[2 * i] = digits[bytes[i] >> 4];
    text[2 * i + 1] = digits[bytes[i] & 0x0f];
  }
  return text;
}

// EVP failures here mean OpenSSL itself is broken (SHA-1 is always built in): a broken
// invariant, not an input or environment error.
void require(int evp_status) {
  if (evp_status != 1)
    std::abort();
}

} // namespace

struct sha1_hasher::context {
  EVP_MD_CTX* md = nullptr;

  context() : md(EVP_MD_CTX_new()) {
    if (md == nullptr)
      std::abort(); // out of memory
    restart();
  }
  ~context() { EVP_MD_CTX_free(md); }
  context(const context&) = delete;
  context& operator=(const context&) = delete;

  void restart() { require(EVP_DigestInit_ex(md, EVP_sha1(), nullptr)); }
};

sha1_hasher::sha1_hasher() : context_(std::make_unique<context>()) {}
sha1_hasher::~sha1_hasher() = default;
sha1_hasher::sha1_hasher(sha1_hasher&&) noexcept = default;
sha1_hasher& sha1_hasher::operator=(sha1_hasher&&) noexcept = default;

void sha1_hasher::update(const void* data, std::size_t size) {
  assert(context_ && "use of a moved-from sha1_hasher");
  if (size > 0)
    require(EVP_DigestUpdate(context_->md, data, size));
}

std::string sha1_hasher::finish() {
  assert(context_ && "use of a moved-from sha1_hasher");
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int length = 0;
  require(EVP_DigestFinal_ex(context_->md, digest, &length));
  context_->restart();
  return to_hex(digest, length);
}

std::string sha1_hex(std::string_view content) {
  sha1_hasher hasher;
  hasher.update(content);
  return hasher.finish();
}

result<std::string> sha1_hex_of_file(const std::filesystem::path& file) {
  sha1_hasher hasher;
  RECODEX_TRY_VOID(read_file_chunks(file, [&](std::string_view chunk) -> result<void> {
    hasher.update(chunk);
    return ok();
  }));
  return hasher.finish();
}

bool is_sha1_hex(std::string_view text) {
  if (text.size() != 40)
    return false;
  for (char c : text)
    if (!is_hex_digit(c))
      return false;
  return true;
}

std::optional<std::string> normalize_sha1(std::string_view text) {
  if (!is_sha1_hex(text))
    return std::nullopt;
  std::string lower(text);
  for (char& c : lower)
    c = to_lower_hex(c);
  return lower;
}

} // namespace recodex::storage
