#include "actors/worker/progress_batcher.hpp"

#include <catch2/catch.hpp>

using namespace recodex;
using namespace recodex::worker;
using namespace std::chrono_literals;

namespace {

const progress_batcher::clock::time_point t0{std::chrono::seconds(1000)};

progress task(const std::string& id) { return {"job1", "TASK", id, "COMPLETED"}; }
progress job_level(const std::string& command) { return {"job1", command, "", ""}; }

} // namespace

TEST_CASE("a batcher holds events until the window of the first has passed",
          "[worker][progress]") {
  progress_batcher batcher{20ms};
  CHECK_FALSE(batcher.deadline());
  CHECK_FALSE(batcher.add(job_level("DOWNLOADED"), t0));
  CHECK(batcher.deadline() == t0 + 20ms);
  CHECK_FALSE(batcher.add(task("a"), t0 + 5ms));
  CHECK(batcher.deadline() == t0 + 20ms); // the first event's window, not the latest's
  CHECK_FALSE(batcher.due(t0 + 19ms));
  CHECK(batcher.due(t0 + 20ms));
  CHECK(batcher.add(task("b"), t0 + 21ms)); // an event past the window takes the batch along

  auto batch = batcher.take();
  REQUIRE(batch.size() == 3);
  CHECK(batch[0] == job_level("DOWNLOADED"));
  CHECK(batch[1] == task("a"));
  CHECK(batch[2] == task("b"));
  CHECK_FALSE(batcher.deadline());
  CHECK(batcher.take().empty());
}

TEST_CASE("a new batch starts its own window", "[worker][progress]") {
  progress_batcher batcher{20ms};
  batcher.add(task("a"), t0);
  batcher.take();
  CHECK_FALSE(batcher.add(task("b"), t0 + 100ms));
  CHECK(batcher.deadline() == t0 + 120ms);
  CHECK_FALSE(batcher.due(t0 + 119ms));
}

TEST_CASE("the end of a job leaves at once with what is held", "[worker][progress]") {
  for (const char* last : {"FINISHED", "ABORTED"}) {
    progress_batcher batcher{10s};
    CHECK_FALSE(batcher.add(task("a"), t0));
    CHECK_FALSE(batcher.add(job_level("FAILED"), t0)); // FINISHED follows a job-level FAILED
    CHECK(batcher.add(job_level(last), t0));
    CHECK(batcher.take().size() == 3);
  }
  CHECK(ends_job(job_level("FINISHED")));
  CHECK(ends_job(job_level("ABORTED")));
  CHECK_FALSE(ends_job(job_level("FAILED")));
  CHECK_FALSE(ends_job(job_level("UPLOADED")));
  CHECK_FALSE(ends_job(task("FINISHED"))); // a task's id is not a command
}

TEST_CASE("without a window every event leaves alone", "[worker][progress]") {
  progress_batcher batcher{0ms};
  CHECK(batcher.add(task("a"), t0));
  CHECK(batcher.take() == std::vector<progress>{task("a")});
  CHECK(batcher.add(task("b"), t0));
  CHECK(batcher.take() == std::vector<progress>{task("b")});
}
