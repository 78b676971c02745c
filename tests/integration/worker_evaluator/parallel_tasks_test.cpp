// parallel-tasks in the real sandbox (root): a job's independent tasks run at once in the slot's
// box and a task box leased by lease_task_boxes, in one job directory, and a box whose run ends
// does not take that directory from a box still running; a C job gives the sequential run's
// verdicts. Also the two functions the worker node calls to get task boxes.
#include "actors/worker/evaluator_actor.hpp"
#include "tests/integration/worker_evaluator/evaluator_fixture.hpp"
#include "tests/unit/worker_evaluation/example_job.hpp"

#include <algorithm>

using namespace recodex;
using namespace recodex::worker;
using namespace recodex::worker::testing;
using strings = std::vector<std::string>;

namespace {

// An external task running `script` with /bin/sh in the box.
std::string shell_task(const std::string& id, int priority, const std::string& script,
                       const std::string& extra = {}) {
  return "  - task-id: " + id + "\n    type: execution\n    priority: " + std::to_string(priority) +
         "\n" + extra + "    cmd:\n      bin: /bin/sh\n      args:\n        - -c\n        - '" +
         script + "'\n    sandbox:\n      name: isolate\n      output: true\n";
}

// Waits (at most 5 s) until `file` exists in the box directory, then fails unless it does.
std::string wait_for(const std::string& file) {
  return "i=0; while [ ! -e " + file +
         " ] && [ $i -lt 100 ]; do sleep 0.05; i=$((i+1)); done; "
         "test -e " +
         file;
}

// task-id and status of each result.yml entry, in order.
strings verdicts(const std::string& result_yml) {
  strings out;
  std::size_t at = 0;
  while ((at = result_yml.find("  - task-id: ", at)) != std::string::npos) {
    auto line_end = result_yml.find('\n', at);
    auto status = result_yml.find("    status: ", line_end);
    out.push_back(result_yml.substr(at + 13, line_end - at - 13) + " " +
                  result_yml.substr(status + 12, result_yml.find('\n', status) - status - 12));
    at = line_end;
  }
  return out;
}

strings sorted(strings s) {
  std::sort(s.begin(), s.end());
  return s;
}

std::vector<sandbox::box> task_boxes_for(const sandbox::box& slot_box, unsigned count) {
  auto leased = lease_task_boxes(slot_box.config(), slot_box, count);
  REQUIRE(leased);
  return std::move(leased).value();
}

std::vector<const sandbox::box*> pointers(const std::vector<sandbox::box>& boxes) {
  std::vector<const sandbox::box*> out;
  for (const auto& b : boxes)
    out.push_back(&b);
  return out;
}

} // namespace

TEST_CASE("independent tasks run at once in two boxes sharing the job directory",
          "[worker][evaluator][parallel][root]") {
  if (auto reason = sandbox_skip_reason(); !reason.empty()) {
    WARN("SKIPPED: " << reason);
    return;
  }
  evaluator_fixture f;
  auto extra = task_boxes_for(f.box, 1);
  CHECK(extra[0].uid() == f.box.uid());
  // a and b each finish only if the other started meanwhile (one at a time, a would give up
  // after 5 s and fail). b writes into a's directory after a's run has ended and handed the
  // directory back, which must leave it usable by b's box.
  f.serve_job(job_config_text(shell_task("a", 3,
                                         "mkdir sub && touch a.started && " +
                                             wait_for("b.started") + " && touch a.finished") +
                              shell_task("b", 2,
                                         "touch b.started && " + wait_for("a.finished") +
                                             " && sleep 0.5 && echo hi > sub/b.txt") +
                              shell_task("c", 1, "cat sub/b.txt", "    dependencies: [a, b]\n")));

  auto done = f.evaluate(fake_pack, "job1", pointers(extra));

  const auto result_yml = f.uploaded()["result.yml"];
  INFO(result_yml);
  CHECK(done == job_done{"job1", job_status::ok, ""});
  CHECK(verdicts(result_yml) == strings{"a OK", "b OK", "c OK"});
  CHECK(entry_of(result_yml, "c").find("stdout: \"hi\\n\"") != std::string::npos);
  CHECK(sorted(commands(f.events)) ==
        sorted(strings{"DOWNLOADED", "STARTED", "TASK a COMPLETED", "TASK b COMPLETED",
                       "TASK c COMPLETED", "ENDED", "UPLOADED", "FINISHED"}));
}

TEST_CASE("a C job on three boxes gets the verdicts of the same job on one",
          "[worker][evaluator][parallel][root]") {
  if (auto reason = sandbox_skip_reason(); !reason.empty()) {
    WARN("SKIPPED: " << reason);
    return;
  }
  evaluator_fixture f;
  const std::string example_collector = "http://127.0.0.1:9999/exercises";
  for (const std::string content : {"3 4\n", "7\n", "40 2\n", "41\n", "1 1\n", "2\n"})
    f.transfer.serve(example_collector + "/" + storage::sha1_hex(content), content);
  f.serve_job(std::string{test::example_job} +
                  test_tasks("T2", storage::sha1_hex("40 2\n"), storage::sha1_hex("41\n")) +
                  test_tasks("T3", storage::sha1_hex("1 1\n"), storage::sha1_hex("2\n")),
              {{"main.c", sum_program}});

  auto sequential_done = f.evaluate(fake_pack, "student_demo42");
  const auto sequential_yml = f.uploaded()["result.yml"];
  const auto sequential_events = commands(f.events);
  auto extra = task_boxes_for(f.box, 2);
  auto parallel_done = f.evaluate(fake_pack, "student_demo42", pointers(extra));
  const auto parallel_yml = f.uploaded()["result.yml"];

  INFO(parallel_yml);
  CHECK(sequential_done == job_done{"student_demo42", job_status::ok, ""});
  CHECK(parallel_done == sequential_done);
  CHECK(verdicts(parallel_yml) == verdicts(sequential_yml));
  CHECK(verdicts(parallel_yml).size() == 14);
  CHECK(entry_of(parallel_yml, "judge-T2").find("    status: FAILED\n") != std::string::npos);
  CHECK(sorted(commands(f.events)) == sorted(sequential_events));
  CHECK(read_text(f.dirs("student_demo42").source / "T3.out") == "2\n");
}

TEST_CASE("a task box that runs as another uid is not used",
          "[worker][evaluator][parallel][root]") {
  if (auto reason = sandbox_skip_reason(); !reason.empty()) {
    WARN("SKIPPED: " << reason);
    return;
  }
  evaluator_fixture f;
  auto other = sandbox::acquire_box(f.box.config());
  REQUIRE(other);
  REQUIRE(other.value().uid() != f.box.uid());
  f.serve_job(
      job_config_text(shell_task("a", 2, "true") + shell_task("b", 1, "true"), "job1", true));

  auto done = f.evaluate(fake_pack, "job1", {&other.value()});

  CHECK(done == job_done{"job1", job_status::ok, ""});
  CHECK(f.uploaded()["job_system_log.log"].find("task box " + std::to_string(other.value().id()) +
                                                " not used") != std::string::npos);
}

TEST_CASE("task boxes are leased from the top of the range and run as the slot's uid",
          "[worker][evaluator][parallel]") {
  recodex::testing::temp_directory temp{"recodex-task-boxes-test"};
  sandbox::box_config config;
  config.state_dir = (temp / "boxes").string();
  config.box_count = 4;
  auto slot = sandbox::acquire_box(config, 0);
  REQUIRE(slot);

  auto first = lease_task_boxes(config, slot.value(), 2);
  REQUIRE(first);
  REQUIRE(first.value().size() == 2);
  CHECK(first.value()[0].id() == 3);
  CHECK(first.value()[1].id() == 2);
  for (const auto& b : first.value()) {
    CHECK(b.uid() == slot.value().uid());
    CHECK(b.gid() == slot.value().gid());
  }
  auto too_many = lease_task_boxes(config, slot.value(), 2);
  REQUIRE_FALSE(too_many);
  CHECK(too_many.error().code == errc::conflict);
  CHECK(too_many.error().message == "only 1 of 2 task boxes are free");
  auto last = lease_task_boxes(config, slot.value(), 1); // the failed lease let box 1 go
  REQUIRE(last);
  CHECK(last.value()[0].id() == 1);
  auto none = lease_task_boxes(config, slot.value(), 0);
  REQUIRE(none);
  CHECK(none.value().empty());
}

TEST_CASE("each slot gets task boxes for its share of the cores when parallel-tasks is on, else one "
          "that prepares the next task",
          "[worker][evaluator][parallel]") {
  auto lanes = [](unsigned count) { return std::make_pair(count, true); };
  auto ahead = std::make_pair(1u, false);
  auto boxes = [](bool parallel, unsigned slots, unsigned cores) {
    auto got = task_boxes_per_slot(parallel, slots, cores);
    return std::make_pair(got.count, got.parallel);
  };
  CHECK(boxes(false, 1, 8) == ahead);
  CHECK(boxes(true, 1, 8) == lanes(7));
  CHECK(boxes(true, 2, 8) == lanes(3));
  CHECK(boxes(true, 3, 8) == lanes(1));
  CHECK(boxes(true, 4, 2) == ahead);
  CHECK(boxes(true, 1, 1) == ahead);
  CHECK(boxes(true, 0, 8) == ahead);
}
