// The fetch stager with a fake cache (a copier writing known content) and real files. Waits are
// bounded; a latch in the copier makes "a copy in progress" deterministic.
#include "actors/worker/evaluation/fetch_stager.hpp"
#include "tests/harness/temp_directory.hpp"

#include <catch2/catch.hpp>

#include <atomic>
#include <condition_variable>
#include <fstream>
#include <functional>
#include <future>
#include <mutex>
#include <thread>

using namespace recodex;
using namespace recodex::worker;
namespace fs = std::filesystem;

namespace {

std::string read(const fs::path& file) {
  std::ifstream in(file, std::ios::binary);
  return std::string{std::istreambuf_iterator<char>(in), {}};
}

// Cached names are those starting with "c"; "error" fails; each copy counts.
struct fake_cache {
  std::atomic<int> copies{0};
  fetch_stager::copier copier() {
    return [this](const std::string& name, const fs::path& file) -> result<bool> {
      if (name == "error")
        return make_error(errc::io_error, "disk on fire");
      if (name.front() != 'c')
        return false;
      std::ofstream(file) << "content of " << name;
      ++copies;
      return true;
    };
  }
};

// Polls `condition` for up to 10 s.
bool eventually(const std::function<bool()>& condition) {
  for (int i = 0; i < 2000; ++i) {
    if (condition())
      return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  return false;
}

} // namespace

TEST_CASE("a staged copy is renamed into place, parents created, once",
          "[worker][fetch][stager]") {
  testing::temp_directory temp{"recodex-stager-test"};
  fake_cache cache;
  {
    fetch_stager stager{temp / "staged", cache.copier()};
    stager.stage({"c1"});
    REQUIRE(eventually([&] { return cache.copies == 1; }));
    const auto destination = temp / "eval/deep/dir/1.in";
    CHECK(stager.place("c1", destination));
    CHECK(read(destination) == "content of c1");
    CHECK_FALSE(stager.place("c1", temp / "again")); // each copy is handed out once
    CHECK(fs::is_empty(temp / "staged"));
  }
  CHECK_FALSE(fs::exists(temp / "staged"));
}

TEST_CASE("nothing is placed for names never staged, not cached, or failing",
          "[worker][fetch][stager]") {
  testing::temp_directory temp{"recodex-stager-test"};
  fake_cache cache;
  fetch_stager stager{temp / "staged", cache.copier()};
  CHECK_FALSE(stager.place("c1", temp / "a"));
  stager.stage({"x-not-cached", "error", "c2"});
  REQUIRE(eventually([&] { return cache.copies == 1; })); // c2 comes after the other two
  CHECK_FALSE(stager.place("x-not-cached", temp / "b"));
  CHECK_FALSE(stager.place("error", temp / "c"));
  CHECK_FALSE(fs::exists(temp / "b"));
  CHECK_FALSE(fs::exists(temp / "c"));
  CHECK(stager.place("c2", temp / "d"));
}

TEST_CASE("a name staged twice gives two copies", "[worker][fetch][stager]") {
  testing::temp_directory temp{"recodex-stager-test"};
  fake_cache cache;
  fetch_stager stager{temp / "staged", cache.copier()};
  stager.stage({"c1", "c1"});
  REQUIRE(eventually([&] { return cache.copies == 2; }));
  CHECK(stager.place("c1", temp / "a"));
  CHECK(stager.place("c1", temp / "b"));
  CHECK_FALSE(stager.place("c1", temp / "c"));
}

TEST_CASE("a fetch waits for its copy in progress and cancels one still queued",
          "[worker][fetch][stager]") {
  testing::temp_directory temp{"recodex-stager-test"};
  std::mutex mutex;
  std::condition_variable changed;
  bool copying_first = false, release = false;
  int copies = 0;
  fetch_stager stager{temp / "staged", [&](const std::string& name, const fs::path& file) -> result<bool> {
                        std::unique_lock<std::mutex> lock(mutex);
                        if (name == "c-first") {
                          copying_first = true;
                          changed.notify_all();
                          changed.wait_for(lock, std::chrono::seconds(30), [&] { return release; });
                        }
                        std::ofstream(file) << name;
                        ++copies;
                        return true;
                      }};
  stager.stage({"c-first", "c-second"});
  {
    std::unique_lock<std::mutex> lock(mutex);
    REQUIRE(changed.wait_for(lock, std::chrono::seconds(30), [&] { return copying_first; }));
  }
  // c-second is still queued behind c-first: its fetch copies it itself, sooner.
  CHECK_FALSE(stager.place("c-second", temp / "second"));
  // c-first is being copied: placing it waits for that copy.
  auto placed = std::async(std::launch::async, [&] { return stager.place("c-first", temp / "first"); });
  CHECK(placed.wait_for(std::chrono::milliseconds(50)) == std::future_status::timeout);
  {
    std::lock_guard<std::mutex> lock(mutex);
    release = true;
  }
  changed.notify_all();
  CHECK(placed.get());
  CHECK(read(temp / "first") == "c-first");
  std::lock_guard<std::mutex> lock(mutex);
  CHECK(copies == 1); // the cancelled copy was never made
}

TEST_CASE("a copy that cannot replace its destination is dropped", "[worker][fetch][stager]") {
  testing::temp_directory temp{"recodex-stager-test"};
  fake_cache cache;
  fetch_stager stager{temp / "staged", cache.copier()};
  fs::create_directories(temp / "taken/inner"); // a non-empty directory: rename refuses it
  stager.stage({"c1"});
  REQUIRE(eventually([&] { return cache.copies == 1; }));
  CHECK_FALSE(stager.place("c1", temp / "taken"));
  CHECK(fs::is_directory(temp / "taken/inner"));
  CHECK(fs::is_empty(temp / "staged"));
}
