// The job lifecycle of spec 6.3 with an in-memory file_transfer and a fake packer: the progress
// states, the `done` status and message of every row of 6.3's table, the fetch cache, hostile
// archives, result.yml and the job directories.
#include "tests/integration/worker_evaluator/evaluator_fixture.hpp"

using namespace recodex;
using namespace recodex::worker;
using namespace recodex::worker::testing;
using strings = std::vector<std::string>;

namespace {

// Fetches one exercise file into the submission and copies it into RESULT_DIR.
std::string fetch_and_copy_tasks(const std::string& name) {
  return "  - task-id: fetch-in\n    cmd:\n      bin: fetch\n      args: [" + name +
         ", \"${SOURCE_DIR}/in.txt\"]\n"
         "  - task-id: keep\n    dependencies: [fetch-in]\n    cmd:\n      bin: cp\n"
         "      args: [\"${SOURCE_DIR}/in.txt\", \"${RESULT_DIR}/kept.txt\"]\n";
}

} // namespace

TEST_CASE("a job of internal tasks runs from download to upload with every progress state",
          "[worker][evaluator]") {
  evaluator_fixture f;
  auto name = f.serve_exercise_file("3 4\n");
  f.serve_job(job_config_text(fetch_and_copy_tasks(name)), {{"main.c", "int main(){}\n"}});

  auto done = f.evaluate();

  CHECK(done == job_done{"job1", job_status::ok, ""});
  CHECK(commands(f.events) == strings{"DOWNLOADED", "STARTED", "TASK fetch-in COMPLETED",
                                      "TASK keep COMPLETED", "ENDED", "UPLOADED", "FINISHED"});
  for (const auto& e : f.events)
    CHECK(e.job_id == "job1");
  auto files = f.uploaded();
  CHECK(files["kept.txt"] == "3 4\n");
  CHECK(files["job-config.yml"] == job_config_text(fetch_and_copy_tasks(name)));
  CHECK(files["result.yml"] == "job-id: job1\nhw-group: group1\nresults:\n"
                               "  - task-id: fetch-in\n    status: OK\n"
                               "  - task-id: keep\n    status: OK\n");
  // The archive went to <wd>/downloads/<wid>/<job>/<last URL segment>, the submission to
  // SOURCE_DIR, and the job's temp dir exists.
  auto dirs = f.dirs();
  CHECK(dirs.source == f.temp / "wd/eval/3/job1");
  CHECK(fs::is_regular_file(dirs.downloads / "job1"));
  CHECK(fs::is_regular_file(dirs.source / "main.c"));
  CHECK(fs::is_directory(dirs.temp));
}

TEST_CASE("a fetched file is downloaded once and served from the cache afterwards",
          "[worker][evaluator][cache]") {
  evaluator_fixture f;
  auto name = f.serve_exercise_file("7\n");
  f.serve_job(job_config_text(fetch_and_copy_tasks(name)));
  REQUIRE(f.evaluate().status == job_status::ok);
  REQUIRE(f.evaluate().status == job_status::ok);
  CHECK(f.transfer.downloads(collector + "/" + name) == 1);
  CHECK(f.transfer.downloads(archive_url) == 2);
  CHECK(fs::is_regular_file(f.cache.dir() / name));
}

TEST_CASE("the fetch cache is evicted after a job when the worker bounds it",
          "[worker][evaluator][cache]") {
  evaluator_fixture f;
  f.config.cache_max_size = 1; // smaller than any entry: nothing stays
  auto name = f.serve_exercise_file("7\n");
  f.serve_job(job_config_text(fetch_and_copy_tasks(name)));
  REQUIRE(f.evaluate().status == job_status::ok);
  CHECK_FALSE(fs::exists(f.cache.dir() / name));
  REQUIRE(f.evaluate().status == job_status::ok);
  CHECK(f.transfer.downloads(collector + "/" + name) == 2);
}

TEST_CASE("a submission without job-config.yml is an internal error, ABORTED",
          "[worker][evaluator]") {
  evaluator_fixture f;
  f.serve_job(std::nullopt, {{"main.c", "int main(){}\n"}});
  auto done = f.evaluate();
  CHECK(done.status == job_status::internal_error);
  CHECK(done.message == "job-config.yml not found at the root of the submission archive");
  CHECK(commands(f.events) == strings{"DOWNLOADED", "ABORTED"});
  CHECK(f.transfer.uploads().empty());
}

TEST_CASE("a job-config schema error is FAILED with FAILED and FINISHED", "[worker][evaluator]") {
  evaluator_fixture f;
  f.serve_job(job_config_text("  - task-id: t\n    cmd: 5\n"));
  auto done = f.evaluate();
  CHECK(done.status == job_status::failed);
  CHECK(done.message == "job-config.yml line 8: tasks[0].cmd: expected a mapping, found '5'");
  CHECK(commands(f.events) == strings{"DOWNLOADED", "FAILED", "FINISHED"});
}

TEST_CASE("a job-config that is not YAML at all is an internal error", "[worker][evaluator]") {
  evaluator_fixture f;
  f.serve_job(std::string{"submission: [\n"});
  auto done = f.evaluate();
  CHECK(done.status == job_status::internal_error);
  CHECK(done.message.find("job-config.yml is not valid YAML") == 0);
  CHECK(commands(f.events) == strings{"DOWNLOADED", "ABORTED"});
}

TEST_CASE("a job-id other than the eval's is FAILED", "[worker][evaluator]") {
  evaluator_fixture f;
  f.serve_job(job_config_text("", "someone-else"));
  auto done = f.evaluate();
  CHECK(done.status == job_status::failed);
  CHECK(done.message.find("'someone-else' does not match the job id 'job1'") !=
        std::string::npos);
  CHECK(commands(f.events) == strings{"DOWNLOADED", "FAILED", "FINISHED"});
}

TEST_CASE("a worker outside the job's hw-groups is an internal error", "[worker][evaluator]") {
  evaluator_fixture f;
  f.config.hwgroup = "group2";
  f.serve_job(job_config_text(""));
  auto done = f.evaluate();
  CHECK(done.status == job_status::internal_error);
  CHECK(done.message.find("does not contain this worker's hwgroup 'group2'") != std::string::npos);
}

TEST_CASE("a failed archive download is an internal error naming the URL, ABORTED",
          "[worker][evaluator]") {
  evaluator_fixture f;
  auto done = f.evaluate();
  CHECK(done.status == job_status::internal_error);
  CHECK(done.message == "cannot download the submission archive: GET " + archive_url +
                            ": HTTP 404");
  CHECK(commands(f.events) == strings{"ABORTED"});
}

TEST_CASE("a hostile archive is refused with a clear message and writes nothing outside the job",
          "[worker][evaluator][hostile]") {
  const std::vector<archive_item> attacks[] = {
      {{"../../../../escaped.txt", "gotcha"}},
      {{"/tmp-escaped.txt", "gotcha"}},
      {{"link", "", AE_IFLNK, "/etc/passwd"}},
  };
  for (const auto& items : attacks) {
    INFO(items.front().name);
    evaluator_fixture f;
    f.serve_job(job_config_text(""), items);
    auto done = f.evaluate();
    CHECK(done.status == job_status::internal_error);
    CHECK(done.message.find("cannot extract the submission archive: ") == 0);
    CHECK(commands(f.events) == strings{"DOWNLOADED", "ABORTED"});
    for (const auto& path : list_tree(f.temp.path()))
      CHECK(path.find("escaped") == std::string::npos);
    CHECK_FALSE(fs::exists("/tmp-escaped.txt"));
  }
}

TEST_CASE("a failed upload is an internal error without UPLOADED", "[worker][evaluator]") {
  evaluator_fixture f;
  f.serve_job(job_config_text(""));
  f.transfer.fail_uploads();
  auto done = f.evaluate();
  CHECK(done.status == job_status::internal_error);
  CHECK(done.message == "cannot upload the results: PUT " + result_url + ": connection refused");
  CHECK(commands(f.events) == strings{"DOWNLOADED", "STARTED", "ENDED", "ABORTED"});
}

TEST_CASE("results that cannot be packed are never done OK, and nothing is uploaded",
          "[worker][evaluator]") {
  evaluator_fixture f;
  f.serve_job(job_config_text(""));
  auto done = f.evaluate(failing_packer());
  CHECK(done.status == job_status::internal_error);
  CHECK(done.message == "cannot pack the results: cannot write result.zip: No space left on device");
  CHECK(commands(f.events) == strings{"DOWNLOADED", "STARTED", "ENDED", "ABORTED"});
  CHECK(f.transfer.uploads().empty());
}

TEST_CASE("a failing inner task aborts the job for a retry", "[worker][evaluator]") {
  evaluator_fixture f;
  f.serve_job(job_config_text(fetch_and_copy_tasks(std::string(40, 'a'))));
  auto done = f.evaluate();
  CHECK(done.status == job_status::internal_error);
  CHECK(done.message.find("inner task fetch-in failed: fetch: ") == 0);
  CHECK(commands(f.events) == strings{"DOWNLOADED", "STARTED", "ABORTED"});
}

TEST_CASE("a failed non-inner task is reported and the job still succeeds", "[worker][evaluator]") {
  evaluator_fixture f;
  f.serve_job(job_config_text("  - task-id: check\n    type: evaluation\n    cmd:\n      bin: exists\n"
                         "      args: [\"no output\", \"${SOURCE_DIR}/missing\"]\n"
                         "  - task-id: after\n    type: evaluation\n    dependencies: [check]\n"
                         "    cmd:\n      bin: mkdir\n      args: [\"${RESULT_DIR}/x\"]\n"));
  auto done = f.evaluate();
  CHECK(done == job_done{"job1", job_status::ok, ""});
  CHECK(commands(f.events) == strings{"DOWNLOADED", "STARTED", "TASK check FAILED",
                                      "TASK after SKIPPED", "ENDED", "UPLOADED", "FINISHED"});
  CHECK(f.uploaded()["result.yml"].find("status: SKIPPED") != std::string::npos);
}

TEST_CASE("a job id that cannot name a directory is FAILED before anything is touched",
          "[worker][evaluator]") {
  for (const std::string id : {"..", "a/b", ""}) {
    evaluator_fixture f;
    auto done = f.evaluate(fake_pack, id);
    CHECK(done.status == job_status::failed);
    CHECK(f.transfer.downloads(archive_url) == 0);
    CHECK(commands(f.events) == strings{"FAILED", "FINISHED"});
  }
}

TEST_CASE("cleanup-submission removes the four job directories, otherwise they stay",
          "[worker][evaluator]") {
  for (bool cleanup : {true, false}) {
    evaluator_fixture f;
    f.config.cleanup_submission = cleanup;
    f.serve_job(job_config_text(""));
    REQUIRE(f.evaluate().status == job_status::ok);
    auto dirs = f.dirs();
    for (const auto& dir : {dirs.downloads, dirs.source, dirs.results, dirs.temp})
      CHECK(fs::exists(dir) == !cleanup);
  }
}

TEST_CASE("leftovers of an earlier run of the same job are cleaned first", "[worker][evaluator]") {
  evaluator_fixture f;
  write_text(f.dirs().source / "stale.txt", "old");
  write_text(f.dirs().results / "stale.txt", "old");
  f.serve_job(job_config_text(""));
  REQUIRE(f.evaluate().status == job_status::ok);
  CHECK_FALSE(fs::exists(f.dirs().source / "stale.txt"));
  CHECK(f.uploaded().count("stale.txt") == 0);
}

TEST_CASE("log: true adds job_system_log.log to the results", "[worker][evaluator]") {
  evaluator_fixture f;
  f.serve_job(job_config_text("", "job1", true));
  REQUIRE(f.evaluate().status == job_status::ok);
  auto files = f.uploaded();
  REQUIRE(files.count("job_system_log.log") == 1);
  CHECK(files["job_system_log.log"].find("STARTED") != std::string::npos);
}

TEST_CASE("the job log says whether each fetched file was downloaded or came from the cache",
          "[worker][evaluator][cache]") {
  evaluator_fixture f;
  auto name = f.serve_exercise_file("7\n");
  f.serve_job(job_config_text(fetch_and_copy_tasks(name), "job1", true));
  REQUIRE(f.evaluate().status == job_status::ok);
  CHECK(f.uploaded()["job_system_log.log"].find("fetch " + name + ": downloaded") != std::string::npos);
  REQUIRE(f.evaluate().status == job_status::ok);
  CHECK(f.uploaded()["job_system_log.log"].find("fetch " + name + ": from the cache") != std::string::npos);
}

TEST_CASE("an eval payload must be exactly the two URLs", "[worker][evaluator]") {
  auto order = job_order_from(job_assignment{"w", "job1", {"a", "r"}});
  REQUIRE(order);
  CHECK(order.value().archive_url == "a");
  CHECK(order.value().result_url == "r");
  CHECK_FALSE(job_order_from(job_assignment{"w", "job1", {"a"}}));
  CHECK_FALSE(job_order_from(job_assignment{"w", "job1", {"a", "r", "x"}}));
}
