// The blob store: layout, dedup, claimed hashes, limits, streaming, concurrency and crashes.
#include "crash.hpp"
#include "storage/blob_store.hpp"
#include "temp_directory.hpp"

#include <atomic>
#include <catch2/catch.hpp>
#include <cstdint>
#include <fstream>
#include <string>
#include <sys/resource.h>
#include <sys/stat.h>
#include <thread>
#include <vector>

using namespace recodex::storage;
using recodex::errc;
namespace fs = std::filesystem;

namespace {

blob_store open_store(const testing::temp_directory& dir,
                      std::uint64_t limit = blob_store::unlimited) {
  auto store = blob_store::open(dir / "tasks", limit);
  REQUIRE(store);
  return std::move(store.value());
}

std::size_t incoming_count(const blob_store& store) {
  return testing::count_files(store.root() / ".incoming");
}

// Blobs stored, temporaries not counted.
std::size_t blob_count(const blob_store& store) {
  return testing::count_files(store.root()) - incoming_count(store);
}

long peak_rss_kib() {
  rusage usage{};
  ::getrusage(RUSAGE_SELF, &usage);
  return usage.ru_maxrss;
}

const std::string abc_sha1 = "a9993e364706816aba3e25717850c26c9cd0d89d";

} // namespace

TEST_CASE("a blob is stored at <root>/<first hex char>/<sha1>", "[storage][blob_store]") {
  testing::temp_directory dir;
  auto store = open_store(dir);
  CHECK(fs::is_directory(dir / "tasks" / ".incoming"));
  auto info = store.put("abc");
  REQUIRE(info);
  CHECK(info.value() == blob_info{abc_sha1, 3, true});
  CHECK(testing::read_whole_file(dir / "tasks" / "a" / abc_sha1) == "abc");
  auto path = store.path_of(abc_sha1);
  REQUIRE(path);
  CHECK(path.value() == dir / "tasks" / "a" / abc_sha1);
  CHECK(store.contains(abc_sha1));
  CHECK(store.size_of(abc_sha1).value() == 3);
  CHECK(store.read(abc_sha1).value() == "abc");
  CHECK(incoming_count(store) == 0);
}

TEST_CASE("the same content stored twice is one file and the second put reports created=false",
          "[storage][blob_store]") {
  testing::temp_directory dir;
  auto store = open_store(dir);
  auto first = store.put("same bytes");
  auto second = store.put("same bytes");
  REQUIRE(first);
  REQUIRE(second);
  CHECK(first.value().created);
  CHECK_FALSE(second.value().created);
  CHECK(first.value().sha1 == second.value().sha1);
  CHECK(second.value().size == 10);
  CHECK(blob_count(store) == 1);
  CHECK(incoming_count(store) == 0);
}

TEST_CASE("an existing blob is never rewritten", "[storage][blob_store]") {
  testing::temp_directory dir;
  auto store = open_store(dir);
  REQUIRE(store.put("abc"));
  auto path = store.path_of(abc_sha1).value();
  struct stat before {};
  REQUIRE(::stat(path.c_str(), &before) == 0);
  REQUIRE(store.put("abc"));
  struct stat after {};
  REQUIRE(::stat(path.c_str(), &after) == 0);
  CHECK(before.st_ino == after.st_ino);
}

TEST_CASE("the empty blob can be stored", "[storage][blob_store]") {
  testing::temp_directory dir;
  auto store = open_store(dir);
  auto info = store.put("");
  REQUIRE(info);
  CHECK(info.value() == blob_info{"da39a3ee5e6b4b0d3255bfef95601890afd80709", 0, true});
  CHECK(store.read(info.value().sha1).value().empty());
}

TEST_CASE("a matching claimed hash is accepted in either case", "[storage][blob_store]") {
  testing::temp_directory dir;
  auto store = open_store(dir);
  auto upper = store.put("abc", "A9993E364706816ABA3E25717850C26C9CD0D89D");
  REQUIRE(upper);
  CHECK(upper.value().sha1 == abc_sha1);
  CHECK(upper.value().created);
  auto again = store.put("abc", abc_sha1);
  REQUIRE(again);
  CHECK_FALSE(again.value().created);
}

TEST_CASE("content that does not hash to the claimed SHA-1 is rejected and nothing is visible",
          "[storage][blob_store]") {
  testing::temp_directory dir;
  auto store = open_store(dir);
  auto claimed = std::string{"0000000000000000000000000000000000000000"};
  auto info = store.put("abc", claimed);
  REQUIRE_FALSE(info);
  CHECK(info.error().code == errc::hash_mismatch);
  CHECK(info.error().message.find(abc_sha1) != std::string::npos);
  CHECK(info.error().message.find(claimed) != std::string::npos);
  CHECK_FALSE(store.contains(abc_sha1));
  CHECK_FALSE(store.contains(claimed));
  CHECK(blob_count(store) == 0);
  CHECK(incoming_count(store) == 0);
}

TEST_CASE("a claimed hash that is not 40 hex digits is invalid_argument", "[storage][blob_store]") {
  testing::temp_directory dir;
  auto store = open_store(dir);
  auto bad = GENERATE(as<std::string>{}, "", "abc", "../../etc/passwd",
                      "a9993e364706816aba3e25717850c26c9cd0d89",
                      "z9993e364706816aba3e25717850c26c9cd0d89d");
  CAPTURE(bad);
  auto writer = store.begin_write(bad);
  REQUIRE_FALSE(writer);
  CHECK(writer.error().code == errc::invalid_argument);
  CHECK_FALSE(store.put("abc", bad));
  CHECK(incoming_count(store) == 0);
}

TEST_CASE("lookups by a malformed hash are invalid_argument, by an absent one not_found",
          "[storage][blob_store]") {
  testing::temp_directory dir;
  auto store = open_store(dir);
  CHECK(store.path_of("../a").error().code == errc::invalid_argument);
  CHECK(store.size_of("xyz").error().code == errc::invalid_argument);
  CHECK(store.read("").error().code == errc::invalid_argument);
  CHECK_FALSE(store.contains("../a"));
  CHECK(store.path_of(abc_sha1).error().code == errc::not_found);
  CHECK(store.size_of(abc_sha1).error().code == errc::not_found);
  CHECK(store.read(abc_sha1).error().code == errc::not_found);
  CHECK_FALSE(store.contains(abc_sha1));
}

TEST_CASE("an uppercase lookup finds the lowercase blob", "[storage][blob_store]") {
  testing::temp_directory dir;
  auto store = open_store(dir);
  REQUIRE(store.put("abc"));
  CHECK(store.contains("A9993E364706816ABA3E25717850C26C9CD0D89D"));
}

TEST_CASE("a streamed upload is invisible until commit and hashes every chunking alike",
          "[storage][blob_store]") {
  testing::temp_directory dir;
  auto store = open_store(dir);
  std::string content;
  for (int i = 0; i < 10000; ++i)
    content += std::to_string(i * 7919) + ",";
  auto chunk = GENERATE(1, 2, 5, 64, 4096);
  auto writer = store.begin_write();
  REQUIRE(writer);
  for (std::size_t at = 0; at < content.size(); at += chunk)
    REQUIRE(writer.value().write(std::string_view{content}.substr(at, chunk)));
  CHECK(writer.value().size() == content.size());
  CHECK(blob_count(store) == 0);
  CHECK(incoming_count(store) == 1);
  auto info = writer.value().commit();
  REQUIRE(info);
  CHECK(info.value().sha1 == sha1_hex(content));
  CHECK(store.read(info.value().sha1).value() == content);
  CHECK(incoming_count(store) == 0);

  // The writer is spent.
  CHECK(writer.value().commit().error().code == errc::internal);
  CHECK_FALSE(writer.value().write("more"));
}

TEST_CASE("an abandoned writer leaves nothing behind", "[storage][blob_store]") {
  testing::temp_directory dir;
  auto store = open_store(dir);
  {
    auto writer = store.begin_write();
    REQUIRE(writer);
    REQUIRE(writer.value().write("never committed"));
    CHECK(incoming_count(store) == 1);
  }
  CHECK(incoming_count(store) == 0);
  CHECK(blob_count(store) == 0);
}

TEST_CASE("a moved blob writer keeps its content and hash", "[storage][blob_store]") {
  testing::temp_directory dir;
  auto store = open_store(dir);
  auto created = store.begin_write(abc_sha1);
  REQUIRE(created);
  blob_writer first = std::move(created.value());
  REQUIRE(first.write("ab"));
  blob_writer second = std::move(first);
  REQUIRE(second.write("c"));
  CHECK_FALSE(first.write("x")); // NOLINT: the moved-from writer is spent on purpose
  auto other = store.begin_write();
  REQUIRE(other);
  REQUIRE(other.value().write("discarded by the assignment"));
  other.value() = std::move(second);
  CHECK(incoming_count(store) == 1);
  auto info = other.value().commit();
  REQUIRE(info);
  CHECK(info.value() == blob_info{abc_sha1, 3, true});
  CHECK(incoming_count(store) == 0);
}

TEST_CASE("a blob over the store's size limit is too_large and not stored",
          "[storage][blob_store]") {
  testing::temp_directory dir;
  auto store = open_store(dir, 1024);
  REQUIRE(store.put(std::string(1024, 'a'))); // at the limit
  auto over = store.put(std::string(1025, 'b'));
  REQUIRE_FALSE(over);
  CHECK(over.error().code == errc::too_large);
  CHECK(over.error().message.find("1024") != std::string::npos);

  auto writer = store.begin_write();
  REQUIRE(writer);
  REQUIRE(writer.value().write(std::string(1000, 'c')));
  auto too_much = writer.value().write(std::string(25, 'c'));
  REQUIRE_FALSE(too_much);
  CHECK(too_much.error().code == errc::too_large);
  CHECK(writer.value().commit().error().code == errc::internal);
  CHECK(blob_count(store) == 1);
  CHECK(incoming_count(store) == 0);

  testing::write_whole_file(dir / "big", std::string(4096, 'd'));
  auto from_file = store.put_file(dir / "big");
  REQUIRE_FALSE(from_file);
  CHECK(from_file.error().code == errc::too_large);
  CHECK(incoming_count(store) == 0);
}

TEST_CASE("put_file streams a 64 MiB file without buffering it", "[storage][blob_store]") {
  testing::temp_directory dir;
  auto store = open_store(dir);
  constexpr std::size_t total = 64u << 20;
  {
    // Pseudo-random content, written a chunk at a time.
    std::ofstream out{dir / "big.bin", std::ios::binary};
    std::string chunk(1 << 20, '\0');
    std::uint64_t state = 0x9e3779b97f4a7c15u;
    for (std::size_t written = 0; written < total; written += chunk.size()) {
      for (auto& c : chunk) {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        c = static_cast<char>(state);
      }
      out.write(chunk.data(), static_cast<std::streamsize>(chunk.size()));
    }
  }
  auto expected = sha1_hex_of_file(dir / "big.bin");
  REQUIRE(expected);

  long before = peak_rss_kib();
  auto info = store.put_file(dir / "big.bin");
  long after = peak_rss_kib();
  REQUIRE(info);
  CHECK(info.value() == blob_info{expected.value(), total, true});
  CHECK(store.size_of(expected.value()).value() == total);
  CHECK(sha1_hex_of_file(store.path_of(expected.value()).value()).value() == expected.value());
  CHECK(after - before < 16 * 1024); // KiB: far below the 64 MiB a buffering copy would take

  auto again = store.put_file(dir / "big.bin");
  REQUIRE(again);
  CHECK_FALSE(again.value().created);
  CHECK(incoming_count(store) == 0);
}

TEST_CASE("put_file of a missing source is an io_error naming it", "[storage][blob_store]") {
  testing::temp_directory dir;
  auto store = open_store(dir);
  auto info = store.put_file(dir / "nope");
  REQUIRE_FALSE(info);
  CHECK(info.error().code == errc::io_error);
  CHECK(info.error().message.find((dir / "nope").string()) != std::string::npos);
  CHECK(incoming_count(store) == 0);
}

TEST_CASE("concurrent writers of the same content leave exactly one file",
          "[storage][blob_store]") {
  testing::temp_directory dir;
  auto store = open_store(dir);
  std::string content(200000, 'q');
  constexpr int writers = 8;
  std::atomic<int> created{0}, deduplicated{0}, failed{0};
  std::atomic<bool> go{false};
  std::vector<std::thread> threads;
  for (int i = 0; i < writers; ++i)
    threads.emplace_back([&] {
      while (!go.load())
        std::this_thread::yield();
      auto writer = store.begin_write();
      if (!writer) {
        ++failed;
        return;
      }
      for (std::size_t at = 0; at < content.size(); at += 4096)
        if (!writer.value().write(std::string_view{content}.substr(at, 4096))) {
          ++failed;
          return;
        }
      auto info = writer.value().commit();
      if (!info)
        ++failed;
      else if (info.value().created)
        ++created;
      else
        ++deduplicated;
    });
  go = true;
  for (auto& t : threads)
    t.join();
  CHECK(failed == 0);
  CHECK(created == 1);
  CHECK(deduplicated == writers - 1);
  CHECK(blob_count(store) == 1);
  CHECK(incoming_count(store) == 0);
  CHECK(store.read(sha1_hex(content)).value() == content);
}

TEST_CASE("a writer killed before commit leaves no visible blob, and its temporary is reclaimed",
          "[storage][blob_store]") {
  testing::temp_directory dir;
  auto store = open_store(dir);
  std::string content(100000, 'k');
  auto half = std::string_view{content}.substr(0, content.size() / 2);
  auto outcome = testing::crash_after([&] {
    auto writer = store.begin_write(sha1_hex(content));
    if (!writer || !writer.value().write(half))
      return false;
    new blob_writer{std::move(writer.value())}; // leaked: the process dies mid-upload
    return true;
  });
  REQUIRE(outcome.reached);
  REQUIRE(outcome.killed);

  CHECK_FALSE(store.contains(sha1_hex(content)));
  CHECK_FALSE(store.contains(sha1_hex(half)));
  CHECK(store.path_of(sha1_hex(content)).error().code == errc::not_found);
  CHECK(blob_count(store) == 0);
  REQUIRE(incoming_count(store) == 1);

  CHECK(store.remove_stale_temporaries(std::chrono::hours{1}) == 0); // still fresh
  CHECK(incoming_count(store) == 1);
  CHECK(store.remove_stale_temporaries(std::chrono::seconds{0}) == 1);
  CHECK(incoming_count(store) == 0);

  // The upload can simply be repeated.
  auto info = store.put(content, sha1_hex(content));
  REQUIRE(info);
  CHECK(info.value().created);
}

TEST_CASE("remove_stale_temporaries keeps fresh temporaries and removes old ones",
          "[storage][blob_store]") {
  testing::temp_directory dir;
  auto store = open_store(dir);
  auto incoming = store.root() / ".incoming";
  testing::write_whole_file(incoming / "blob-old", "x");
  testing::write_whole_file(incoming / "blob-new", "y");
  fs::last_write_time(incoming / "blob-old",
                      fs::file_time_type::clock::now() - std::chrono::hours{3});
  CHECK(store.remove_stale_temporaries(std::chrono::hours{1}) == 1);
  CHECK_FALSE(fs::exists(incoming / "blob-old"));
  CHECK(fs::exists(incoming / "blob-new"));
}

TEST_CASE("opening a store where a file blocks the root is an io_error", "[storage][blob_store]") {
  testing::temp_directory dir;
  testing::write_whole_file(dir / "tasks", "a file, not a directory");
  auto store = blob_store::open(dir / "tasks");
  REQUIRE_FALSE(store);
  CHECK(store.error().code == errc::io_error);
  CHECK(store.error().message.find((dir / "tasks").string()) != std::string::npos);
}

TEST_CASE("a live writer's temporary survives stale-temporary removal however old it looks",
          "[storage][blob_store]") {
  testing::temp_directory dir;
  auto store = open_store(dir);
  auto writer = store.begin_write();
  REQUIRE(writer);
  REQUIRE(writer.value().write("first part of a slow upload"));
  // A multipart upload keeps earlier parts idle while later ones stream in.
  for (const auto& entry : fs::directory_iterator(store.root() / ".incoming"))
    fs::last_write_time(entry.path(), fs::file_time_type::clock::now() - std::chrono::hours{3});

  CHECK(store.remove_stale_temporaries(std::chrono::seconds{0}) == 0);
  auto info = writer.value().commit();
  REQUIRE(info);
  CHECK(store.read(info.value().sha1).value() == "first part of a slow upload");
  CHECK(incoming_count(store) == 0);
}
