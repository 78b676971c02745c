// Tests of storage/worker_cache.hpp: hits and misses, SHA-1 verification, failed downloads
// leaving nothing behind, concurrent fills of one entry keeping exactly one copy, and eviction
// by age and by size.
#include "storage/worker_cache.hpp"

#include "storage/sha1.hpp"
#include "tests/unit/storage/temp_directory.hpp"

#include <catch2/catch.hpp>

#include <atomic>
#include <thread>
#include <vector>

using namespace recodex;
using namespace recodex::storage;
using namespace recodex::storage::testing;
namespace fs = std::filesystem;
using namespace std::chrono_literals;

namespace {

// A downloader serving fixed content and counting its calls.
struct fake_server {
  std::string content;
  std::atomic<int> calls{0};
  worker_cache::downloader downloader() {
    return [this](const std::string&, const fs::path& file) -> recodex::result<void> {
      ++calls;
      write_whole_file(file, content);
      return ok();
    };
  }
};

std::vector<std::string> names_in(const fs::path& dir) {
  std::vector<std::string> out;
  for (const auto& e : fs::directory_iterator{dir})
    out.push_back(e.path().filename().string());
  std::sort(out.begin(), out.end());
  return out;
}

} // namespace

TEST_CASE("a miss downloads once, a hit is served from the cache", "[storage][worker_cache]") {
  temp_directory tmp;
  auto cache = worker_cache::open(tmp / "cache").value();
  fake_server server{"hello\n"};
  const auto hash = sha1_hex(server.content);

  CHECK(!cache.lookup(hash).value());
  REQUIRE(cache.fetch_to(hash, tmp / "job/in.txt", server.downloader()));
  REQUIRE(cache.fetch_to(hash, tmp / "job/again.txt", server.downloader()));
  CHECK(server.calls == 1);
  CHECK(read_whole_file(tmp / "job/in.txt") == "hello\n");
  CHECK(read_whole_file(tmp / "job/again.txt") == "hello\n");
  CHECK((fs::status(tmp / "job/in.txt").permissions() & fs::perms::others_write) !=
        fs::perms::none);
  CHECK(names_in(tmp / "cache") == std::vector<std::string>{hash});
}

TEST_CASE("copy_cached copies an entry only from the cache, never downloading",
          "[storage][worker_cache]") {
  temp_directory tmp;
  auto cache = worker_cache::open(tmp / "cache").value();
  fake_server server{"cached\n"};
  const auto hash = sha1_hex(server.content);

  auto missed = cache.copy_cached(hash, tmp / "staged/a");
  REQUIRE(missed);
  CHECK_FALSE(missed.value());
  CHECK_FALSE(fs::exists(tmp / "staged/a"));
  CHECK(server.calls == 0);

  REQUIRE(cache.fetch_to(hash, tmp / "job/in.txt", server.downloader()));
  auto copied = cache.copy_cached(hash, tmp / "staged/a");
  REQUIRE(copied);
  CHECK(copied.value());
  CHECK(read_whole_file(tmp / "staged/a") == "cached\n");
  CHECK((fs::status(tmp / "staged/a").permissions() & fs::perms::others_write) !=
        fs::perms::none);
  CHECK(server.calls == 1);
  CHECK_FALSE(cache.copy_cached("../escape", tmp / "staged/b"));
}

TEST_CASE("content that does not match its SHA-1 name is not kept", "[storage][worker_cache]") {
  temp_directory tmp;
  auto cache = worker_cache::open(tmp / "cache").value();
  fake_server server{"tampered"};
  auto result = cache.fill(sha1_hex("original"), server.downloader());
  REQUIRE(!result);
  CHECK(result.error().code == errc::hash_mismatch);
  CHECK(names_in(tmp / "cache").empty());
}

TEST_CASE("a failed download leaves no file behind", "[storage][worker_cache]") {
  temp_directory tmp;
  auto cache = worker_cache::open(tmp / "cache").value();
  auto failing = [](const std::string&, const fs::path& file) -> recodex::result<void> {
    write_whole_file(file, "partial");
    return make_error(errc::unavailable, "HTTP 404");
  };
  auto result = cache.fetch_to("input.txt", tmp / "job/x", failing);
  REQUIRE(!result);
  CHECK(result.error().message == "HTTP 404");
  CHECK(names_in(tmp / "cache").empty());
  CHECK(!fs::exists(tmp / "job/x"));
}

TEST_CASE("names that are not one plain file name are refused", "[storage][worker_cache]") {
  temp_directory tmp;
  auto cache = worker_cache::open(tmp / "cache").value();
  fake_server server{"x"};
  for (std::string bad : {"../x", "a/b", "", ".fill-x", ".."}) {
    auto result = cache.fill(bad, server.downloader());
    REQUIRE(!result);
    CHECK(result.error().code == errc::invalid_argument);
  }
  CHECK(server.calls == 0);
}

TEST_CASE("concurrent fills of one entry keep exactly one copy", "[storage][worker_cache]") {
  temp_directory tmp;
  auto cache = worker_cache::open(tmp / "cache").value();
  fake_server server{std::string(256 * 1024, 'z')};
  const auto hash = sha1_hex(server.content);
  std::vector<std::thread> threads;
  std::atomic<int> successes{0};
  for (int i = 0; i < 8; ++i)
    threads.emplace_back([&, i] {
      if (cache.fetch_to(hash, tmp / ("job" + std::to_string(i)) / "f", server.downloader()))
        ++successes;
    });
  for (auto& t : threads)
    t.join();
  CHECK(successes == 8);
  CHECK(names_in(tmp / "cache") == std::vector<std::string>{hash});
  CHECK(read_whole_file(tmp / "cache" / hash) == server.content);
  for (int i = 0; i < 8; ++i)
    CHECK(fs::file_size(tmp / ("job" + std::to_string(i)) / "f") == server.content.size());
}

TEST_CASE("eviction removes old entries, then the least recently used past the size",
          "[storage][worker_cache]") {
  temp_directory tmp;
  auto cache = worker_cache::open(tmp / "cache").value();
  const auto now = fs::file_time_type::clock::now();
  auto put = [&](const std::string& name, std::size_t size, std::chrono::seconds age) {
    write_whole_file(tmp / "cache" / name, std::string(size, 'a'));
    fs::last_write_time(tmp / "cache" / name, now - age);
  };
  put("ancient", 10, 100h);
  put("old", 100, 3h);
  put("middle", 100, 2h);
  put("new", 100, 1h);
  put(".fill-dead-1-1", 5, 100h);

  SECTION("by age only") {
    auto summary = cache.evict(1'000'000, 24h, now).value();
    CHECK(summary.removed == 2);
    CHECK(summary.kept_bytes == 300);
    CHECK(names_in(tmp / "cache") == std::vector<std::string>{"middle", "new", "old"});
  }
  SECTION("by size, oldest first, and a lookup makes an entry young again") {
    REQUIRE(cache.lookup("old").value());
    auto summary = cache.evict(200, 24h, fs::file_time_type::clock::now()).value();
    CHECK(summary.kept_bytes == 200);
    CHECK(names_in(tmp / "cache") == std::vector<std::string>{"new", "old"});
  }
}
