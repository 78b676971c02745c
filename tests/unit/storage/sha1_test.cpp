// SHA-1 of content: known vectors, every chunking of a stream, files, and hex validation.
#include "storage/sha1.hpp"
#include "temp_directory.hpp"

#include <catch2/catch.hpp>
#include <string>
#include <vector>

using namespace recodex::storage;
using recodex::errc;

namespace {

struct known_digest {
  std::string content;
  std::string sha1;
};

const std::vector<known_digest>& known_digests() {
  static const std::vector<known_digest> rows{
      {"", "da39a3ee5e6b4b0d3255bfef95601890afd80709"},
      {"abc", "a9993e364706816aba3e25717850c26c9cd0d89d"},
      {"The quick brown fox jumps over the lazy dog", "2fd4e1c67a2d28fced849ee1bb76e7391b93eb12"},
      {"abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq",
       "84983e441c3bd26ebaae4aa1f95129e5e54670f1"},
      {std::string(1000000, 'a'), "34aa973cd4c4daa4f61eeb2bdbad27316534016f"},
  };
  return rows;
}

} // namespace

TEST_CASE("sha1_hex matches the published test vectors", "[storage][sha1]") {
  for (const auto& row : known_digests())
    CHECK(sha1_hex(row.content) == row.sha1);
}

TEST_CASE("a streamed hash equals the one-shot hash under every chunking", "[storage][sha1]") {
  auto chunk = GENERATE(1, 2, 5, 64, 4096);
  for (const auto& row : known_digests()) {
    if (chunk == 1 && row.content.size() > 100000)
      continue; // a million one-byte EVP calls only slow the suite down
    sha1_hasher hasher;
    for (std::size_t at = 0; at < row.content.size(); at += chunk)
      hasher.update(std::string_view{row.content}.substr(at, chunk));
    CHECK(hasher.finish() == row.sha1);
  }
}

TEST_CASE("a hasher starts over after finish and survives a move", "[storage][sha1]") {
  sha1_hasher hasher;
  hasher.update("abc");
  CHECK(hasher.finish() == "a9993e364706816aba3e25717850c26c9cd0d89d");
  CHECK(hasher.finish() == "da39a3ee5e6b4b0d3255bfef95601890afd80709");
  hasher.update("ab");
  sha1_hasher moved{std::move(hasher)};
  moved.update("c");
  CHECK(moved.finish() == "a9993e364706816aba3e25717850c26c9cd0d89d");
  sha1_hasher assigned;
  assigned = std::move(moved);
  assigned.update("abc");
  CHECK(assigned.finish() == "a9993e364706816aba3e25717850c26c9cd0d89d");
}

TEST_CASE("sha1_hex_of_file hashes a file and reports a missing one", "[storage][sha1]") {
  testing::temp_directory dir;
  std::string content(300000, 'x');
  content += "tail";
  testing::write_whole_file(dir / "f", content);
  auto digest = sha1_hex_of_file(dir / "f");
  REQUIRE(digest);
  CHECK(digest.value() == sha1_hex(content));

  auto missing = sha1_hex_of_file(dir / "missing");
  REQUIRE_FALSE(missing);
  CHECK(missing.error().code == errc::io_error);
  CHECK(missing.error().message.find((dir / "missing").string()) != std::string::npos);
  CHECK(missing.error().message.find("No such file") != std::string::npos);
}

TEST_CASE("only 40 hex digits are a SHA-1, and normalizing lowercases them", "[storage][sha1]") {
  struct row {
    std::string text;
    bool valid;
  };
  auto r = GENERATE(values<row>({
      {"da39a3ee5e6b4b0d3255bfef95601890afd80709", true},
      {"DA39A3EE5E6B4B0D3255BFEF95601890AFD80709", true},
      {"Da39a3ee5e6b4b0d3255bfef95601890afd80709", true},
      {"", false},
      {"da39a3ee5e6b4b0d3255bfef95601890afd8070", false},   // 39
      {"da39a3ee5e6b4b0d3255bfef95601890afd807090", false}, // 41
      {"ga39a3ee5e6b4b0d3255bfef95601890afd80709", false},
      {"da39a3ee5e6b4b0d3255bfef95601890afd8070 ", false},
      {"../9a3ee5e6b4b0d3255bfef95601890afd80709", false},
      {std::string("da39a3ee5e6b4b0d3255bfef95601890afd8070\0", 40), false},
  }));
  CAPTURE(r.text);
  CHECK(is_sha1_hex(r.text) == r.valid);
  auto normalized = normalize_sha1(r.text);
  CHECK(normalized.has_value() == r.valid);
  if (normalized)
    CHECK(*normalized == "da39a3ee5e6b4b0d3255bfef95601890afd80709");
}
