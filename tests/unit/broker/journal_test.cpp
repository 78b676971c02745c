// The broker journal: what survives a reopen, torn tails, compaction.
#include "actors/broker/journal.hpp"

#include <catch2/catch.hpp>

#include <fstream>
#include <unistd.h>

using namespace recodex;
using namespace recodex::broker;
namespace fs = std::filesystem;

namespace {

struct temp_file {
  fs::path path;
  temp_file() {
    path = fs::temp_directory_path() / ("broker-journal-" + std::to_string(::getpid()) + "-"
                                        + std::to_string(reinterpret_cast<std::uintptr_t>(this)));
    fs::remove(path);
  }
  ~temp_file() {
    fs::remove(path);
    fs::remove(fs::path{path.string() + ".tmp"});
  }
};

job_request job(std::string id) {
  return {std::move(id), {{"hwgroup", "g"}, {"env", "c"}}, {"http://a", std::string("b\0in", 4)}};
}

} // namespace

TEST_CASE("a new journal is empty", "[broker][journal]") {
  temp_file f;
  auto j = journal::open(f.path);
  REQUIRE(j);
  CHECK(j.value().recovered().empty());
  CHECK(fs::exists(f.path));
}

TEST_CASE("unfinished jobs survive a reopen in acceptance order, with their state", "[broker][journal]") {
  temp_file f;
  {
    auto j = journal::open(f.path).value();
    REQUIRE(j.accepted(job("1")));
    REQUIRE(j.accepted(job("2")));
    REQUIRE(j.accepted(job("3")));
    REQUIRE(j.assigned("2", 1));
    REQUIRE(j.finished("1"));
    REQUIRE(j.assigned("9", 0)); // unknown id: harmless
  }
  auto j = journal::open(f.path).value();
  REQUIRE(j.recovered().size() == 2);
  CHECK(j.recovered()[0].request == job("2"));
  CHECK(j.recovered()[0].was_running);
  CHECK(j.recovered()[0].failures == 1);
  CHECK(j.recovered()[1].request == job("3"));
  CHECK_FALSE(j.recovered()[1].was_running);
}

TEST_CASE("a torn last record is cut off", "[broker][journal]") {
  temp_file f;
  {
    auto j = journal::open(f.path).value();
    REQUIRE(j.accepted(job("1")));
    REQUIRE(j.accepted(job("2")));
  }
  auto size = fs::file_size(f.path);
  fs::resize_file(f.path, size - 3);
  {
    auto j = journal::open(f.path).value();
    REQUIRE(j.recovered().size() == 1);
    CHECK(j.recovered()[0].request.job_id == "1");
    REQUIRE(j.accepted(job("4")));
  }
  auto j = journal::open(f.path).value();
  REQUIRE(j.recovered().size() == 2);
  CHECK(j.recovered()[1].request.job_id == "4");
}

TEST_CASE("garbage in the journal stops the replay, never crashes", "[broker][journal]") {
  temp_file f;
  {
    std::ofstream out(f.path, std::ios::binary);
    out << "A\xff\xff\xff\x7f" << std::string(100, 'x') << "Z";
  }
  auto j = journal::open(f.path);
  REQUIRE(j);
  CHECK(j.value().recovered().empty());
}

TEST_CASE("the journal is compacted so it does not grow without bound", "[broker][journal]") {
  temp_file f;
  auto j = journal::open(f.path).value();
  std::uint64_t largest = 0;
  for (int i = 0; i < 40000; ++i) {
    auto id = "student_" + std::to_string(i);
    REQUIRE(j.accepted(job(id), false)); // group commit: fsync'd by the caller
    REQUIRE(j.assigned(id, 0));
    REQUIRE(j.finished(id));
    largest = std::max(largest, j.file_size());
  }
  CHECK(largest < 6u * 1024 * 1024);
  CHECK(j.live_jobs() == 0);
  REQUIRE(j.sync());
}
