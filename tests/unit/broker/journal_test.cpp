// The broker journal: what survives a reopen (unfinished jobs, undelivered reports), torn tails,
// compaction, and journals of the previous format.
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

job_status_report ok_report(std::string id) {
  return {std::move(id), job_status::ok, ""};
}

// Journal bytes written by hand: a little-endian u32, a length-prefixed string, a record
// (kind, body length, body).
std::string u32(std::uint32_t v) {
  std::string out;
  for (int i = 0; i < 4; ++i)
    out += static_cast<char>((v >> (8 * i)) & 0xff);
  return out;
}
std::string str(const std::string& s) {
  return u32(static_cast<std::uint32_t>(s.size())) + s;
}
std::string raw_record(char kind, const std::string& body) {
  return std::string(1, kind) + u32(static_cast<std::uint32_t>(body.size())) + body;
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
    REQUIRE(j.finished(ok_report("1"), true));
    REQUIRE(j.delivered("1"));
    REQUIRE(j.assigned("9", 0)); // unknown id: harmless
  }
  auto j = journal::open(f.path).value();
  REQUIRE(j.recovered().size() == 2);
  CHECK(j.recovered()[0].request == job("2"));
  CHECK(j.recovered()[0].was_running);
  CHECK(j.recovered()[0].failures == 1);
  CHECK(j.recovered()[1].request == job("3"));
  CHECK_FALSE(j.recovered()[1].was_running);
  CHECK(j.undelivered().empty());
}

TEST_CASE("reports not delivered survive a reopen in completion order, delivered ones do not",
          "[broker][journal][delivery]") {
  temp_file f;
  const job_status_report failed{"2", job_status::failed,
                                 "reassigned too many (2) times: a&b=c\nd"};
  {
    auto j = journal::open(f.path).value();
    for (auto id : {"1", "2", "3", "4"})
      REQUIRE(j.accepted(job(id)));
    REQUIRE(j.finished(ok_report("3"), true));
    REQUIRE(j.finished(failed, true));
    REQUIRE(j.finished(ok_report("1"), true));
    REQUIRE(j.finished(ok_report("4"), false)); // nothing to deliver (no notifier)
    REQUIRE(j.delivered("1"));
    REQUIRE(j.delivered("1")); // twice: harmless
    CHECK(j.undelivered_reports() == 2);
  }
  {
    auto j = journal::open(f.path).value();
    CHECK(j.recovered().empty());
    REQUIRE(j.undelivered().size() == 2);
    CHECK(j.undelivered()[0] == ok_report("3"));
    CHECK(j.undelivered()[1] == failed);
    // Delivered after the restart: gone at the next one, also through the compaction at open.
    REQUIRE(j.delivered("3"));
  }
  auto j = journal::open(f.path).value();
  REQUIRE(j.undelivered().size() == 1);
  CHECK(j.undelivered()[0] == failed);
}

TEST_CASE("the ids of the jobs finished last survive reopens and compactions, the oldest forgotten",
          "[broker][journal][delivery]") {
  temp_file f;
  const auto kept = journal::recent_finished_kept;
  {
    auto j = journal::open(f.path).value();
    for (std::size_t i = 0; i < kept + 5; ++i) {
      auto id = "j" + std::to_string(i);
      REQUIRE(j.accepted(job(id), false));
      REQUIRE(j.finished(ok_report(id), i % 2 == 0));
      REQUIRE(j.delivered(id));
    }
    REQUIRE(j.accepted(job("live"), false));
  }
  for (int reopen = 0; reopen < 2; ++reopen) {
    auto j = journal::open(f.path).value();
    auto finished = j.recently_finished();
    REQUIRE(finished.size() == kept);
    CHECK(finished.front() == "j5");
    CHECK(finished.back() == "j" + std::to_string(kept + 4));
    REQUIRE(j.recovered().size() == 1);
    CHECK(j.undelivered().empty());
  }
}

TEST_CASE("a job id accepted again after its report is live again, its old report still owed",
          "[broker][journal][delivery]") {
  temp_file f;
  {
    auto j = journal::open(f.path).value();
    REQUIRE(j.accepted(job("1")));
    REQUIRE(j.finished(ok_report("1"), true));
    REQUIRE(j.accepted(job("1")));
  }
  auto j = journal::open(f.path).value();
  REQUIRE(j.recovered().size() == 1);
  REQUIRE(j.undelivered().size() == 1);
}

TEST_CASE("a journal of the previous format (finish records without reports) replays as before",
          "[broker][journal][delivery]") {
  temp_file f;
  {
    std::ofstream out(f.path, std::ios::binary);
    // 'A': id, no headers, no payload; 'F': the id alone.
    out << raw_record('A', str("1") + u32(0) + u32(0))
        << raw_record('A', str("2") + u32(0) + u32(0)) << raw_record('F', str("1"));
  }
  auto j = journal::open(f.path).value();
  REQUIRE(j.recovered().size() == 1);
  CHECK(j.recovered()[0].request.job_id == "2");
  CHECK(j.undelivered().empty());
}

TEST_CASE("a finish record with an unknown status stops the replay there",
          "[broker][journal][delivery]") {
  temp_file f;
  {
    std::ofstream out(f.path, std::ios::binary);
    out << raw_record('F', str("1") + str("OK") + str(""))
        << raw_record('F', str("2") + str("MAYBE") + str("m"))
        << raw_record('F', str("3") + str("OK") + str(""));
  }
  auto j = journal::open(f.path).value();
  REQUIRE(j.undelivered().size() == 1);
  CHECK(j.undelivered()[0] == ok_report("1"));
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
    REQUIRE(j.finished(ok_report(id), true));
    if (i % 1000 != 999) // a few reports stay owed: they survive every compaction
      REQUIRE(j.delivered(id));
    largest = std::max(largest, j.file_size());
  }
  CHECK(largest < 6u * 1024 * 1024);
  CHECK(j.live_jobs() == 0);
  CHECK(j.undelivered_reports() == 40);
  REQUIRE(j.sync());
  auto reopened = journal::open(f.path).value();
  CHECK(reopened.undelivered().size() == 40);
  CHECK(reopened.undelivered().front().job_id == "student_999");
}
