// Tests of actors/worker/evaluation/job_runner.hpp: the run loop of 5.4 driven by a fake box and
// a fake internal executor; progress lists, result.yml text and `done` status compared whole.
#include "actors/worker/evaluation/job_runner.hpp"
#include "tests/unit/worker_evaluation/example_job.hpp"
#include "tests/unit/worker_evaluation/job_runner_fixture.hpp"

#include <catch2/catch.hpp>

#include <map>

using namespace recodex;
using namespace recodex::worker;
using namespace recodex::worker::test;

namespace {

// Internal tasks succeed unless told otherwise; every call is recorded.
struct fake_internal : internal_task_executor {
  std::map<std::string, internal_task_outcome> outcomes;
  std::vector<std::string> calls;
  std::vector<std::string> told; // expect_soon, as "<ids...> before <the next call>"
  void expect_soon(const std::vector<const planned_task*>& upcoming) override {
    std::string ids;
    for (const auto* t : upcoming)
      ids += t->task.task_id + " ";
    told.push_back(ids + "before " + std::to_string(calls.size()));
  }
  internal_task_outcome run(const planned_task& task) override {
    calls.push_back(task.task.task_id);
    auto it = outcomes.find(task.task.task_id);
    return it == outcomes.end() ? internal_task_outcome{} : it->second;
  }
};

// A fake box: programs exit cleanly unless told otherwise; every call is recorded.
struct fake_box : external_task_executor {
  std::map<std::string, result<external_task_outcome>> outcomes;
  std::vector<std::string> calls;
  std::vector<std::string> hints; // expect_next, "-" for none
  std::function<void()> after_start;
  void expect_next(const planned_task* next) override {
    hints.push_back(next ? next->task.task_id : "-");
  }
  void after_next_start(std::function<void()> work) override { after_start = std::move(work); }
  result<external_task_outcome> run(const planned_task& task) override {
    calls.push_back(task.task.task_id);
    if (auto work = std::exchange(after_start, nullptr))
      work(); // as the sandbox executor: once the program started
    auto it = outcomes.find(task.task.task_id);
    if (it != outcomes.end())
      return it->second;
    return external_task_outcome{clean_exit(), std::nullopt};
  }
};

using progress = std::vector<progress_state>;

} // namespace

TEST_CASE("every progress state has a name and its frames", "[worker][runner]") {
  for (auto kind : {progress_kind::started, progress_kind::task_completed,
                    progress_kind::task_failed, progress_kind::task_skipped, progress_kind::ended})
    CHECK(to_string(kind) != "?");
  CHECK(progress_frames(started()) == std::vector<std::string>{"STARTED"});
  CHECK(progress_frames(ended()) == std::vector<std::string>{"ENDED"});
  CHECK(progress_frames(task_completed("a")) == std::vector<std::string>{"TASK", "a", "COMPLETED"});
  CHECK(progress_frames(task_failed("b")) == std::vector<std::string>{"TASK", "b", "FAILED"});
  CHECK(progress_frames(task_skipped("c")) == std::vector<std::string>{"TASK", "c", "SKIPPED"});
}

TEST_CASE("the 5.7 example runs end to end with every task completed", "[worker][runner]") {
  const auto plan = plan_of(test::example_job);
  fake_internal host;
  fake_box box;
  auto build = external_task_outcome{clean_exit(), task_output{"", ""}};
  box.outcomes.emplace("build", build);
  auto judge = external_task_outcome{clean_exit(), task_output{"1\n", ""}};
  box.outcomes.emplace("judge-T1", judge);

  progress live;
  const auto run = run_job(plan, "group1", host, box, [&](const auto& s) { live.push_back(s); });

  const auto expected =
      progress{started(),
               task_completed("build"),
               task_completed("build-check"),
               task_completed("fetch-in-T1"),
               task_completed("run-T1"),
               task_completed("fetch-ref-T1"),
               task_completed("judge-T1"),
               ended()};
  CHECK(run.progress == expected);
  CHECK(live == expected);
  CHECK(run.done == done_status::ok);
  CHECK(run.message.empty());
  CHECK(box.calls == std::vector<std::string>{"build", "run-T1", "judge-T1"});
  // Before each external task the box hears which external task follows it in plan order.
  CHECK(box.hints == std::vector<std::string>{"run-T1", "judge-T1", "-"});
  // While each external task runs, the host hears which internal tasks follow it (before the
  // next external one), in plan order; after the last external task there are none.
  CHECK(host.told == std::vector<std::string>{"build-check fetch-in-T1 before 0",
                                              "fetch-ref-T1 before 2"});
  CHECK(host.calls == std::vector<std::string>{"build-check", "fetch-in-T1", "fetch-ref-T1"});
  CHECK(write_result_yml(run.results) == R"(job-id: student_demo42
hw-group: group1
results:
  - task-id: build
    status: OK
    output:
      stdout: ""
      stderr: ""
    sandbox_results:
      exitcode: 0
      time: 0.25
      wall-time: 0.5
      memory: 2048
      max-rss: 1024
      status: OK
      exitsig: 0
      killed: false
      message: ""
      csw-voluntary: 0
      csw-forced: 0
  - task-id: build-check
    status: OK
  - task-id: fetch-in-T1
    status: OK
  - task-id: run-T1
    status: OK
    sandbox_results:
      exitcode: 0
      time: 0.25
      wall-time: 0.5
      memory: 2048
      max-rss: 1024
      status: OK
      exitsig: 0
      killed: false
      message: ""
      csw-voluntary: 0
      csw-forced: 0
  - task-id: fetch-ref-T1
    status: OK
  - task-id: judge-T1
    status: OK
    output:
      stdout: "1\n"
      stderr: ""
    sandbox_results:
      exitcode: 0
      time: 0.25
      wall-time: 0.5
      memory: 2048
      max-rss: 1024
      status: OK
      exitsig: 0
      killed: false
      message: ""
      csw-voluntary: 0
      csw-forced: 0
)");
}

TEST_CASE("a failed fatal-failure build stops the loop and later tasks get no entry",
          "[worker][runner]") {
  const auto plan = plan_of(test::example_job);
  fake_internal host;
  fake_box box;
  auto failed = clean_exit();
  failed.status = sandbox_status::re;
  failed.exitcode = 1;
  failed.message = "Exited with error status 1";
  box.outcomes.emplace("build", external_task_outcome{failed, task_output{"", "main.c:1: error"}});

  const auto run = run_job(plan, "group1", host, box);

  CHECK(run.progress == progress{started(), task_failed("build"), ended()});
  CHECK(run.done == done_status::ok);
  CHECK(box.calls == std::vector<std::string>{"build"});
  CHECK(host.calls.empty());
  REQUIRE(run.results.results.size() == 1);
  const auto& build = run.results.results[0];
  CHECK(build.status == task_status::failed);
  CHECK(build.error_message == "Sandboxed program failed: Exited with error status 1");
  CHECK(build.output->stderr_text == "main.c:1: error");
  CHECK(build.sandbox->exitcode == 1);
  CHECK(build.sandbox->status == sandbox_status::re);
}

TEST_CASE("a failed compilation skips its dependants and theirs, and unrelated tasks still run",
          "[worker][runner]") {
  // compile -> run -> judge, and other (no dependencies) after them by priority.
  const auto plan = plan_of(job(external("compile", "initiation", "    priority: 10\n") +
                                    external("run", "execution",
                                             "    priority: 9\n    dependencies: [compile]\n") +
                                    external("judge", "evaluation",
                                             "    priority: 8\n    dependencies: [run]\n") +
                                    external("other", "execution", "    priority: 1\n")),
                                "j");
  fake_internal host;
  fake_box box;
  auto failed = clean_exit();
  failed.status = sandbox_status::re;
  failed.exitcode = 1;
  failed.message = "Exited with error status 1";
  box.outcomes.emplace("compile", external_task_outcome{failed, std::nullopt});

  const auto run = run_job(plan, "group1", host, box);

  CHECK(run.progress == progress{started(), task_failed("compile"), task_skipped("run"),
                                 task_skipped("judge"), task_completed("other"), ended()});
  CHECK(run.done == done_status::ok);
  CHECK(box.calls == std::vector<std::string>{"compile", "other"});
  CHECK(ids_of(run.results) == std::vector<std::string>{"compile", "run", "judge", "other"});
  CHECK(run.results.results[1].status == task_status::skipped);
  CHECK(run.results.results[2].status == task_status::skipped);
  CHECK(write_result_yml(run.results).find(R"(  - task-id: run
    status: SKIPPED
  - task-id: judge
    status: SKIPPED
  - task-id: other
    status: OK
)") != std::string::npos);
}

TEST_CASE("a program's TO, RE or SG is the task's FAILED verdict with every field carried",
          "[worker][runner]") {
  const auto plan = plan_of(
      job(external("run", "execution", "") + external("after", "execution", "")), "j");
  auto measured = clean_exit();
  measured.exitcode = GENERATE(-1, 3, 0);
  measured.status = GENERATE(sandbox_status::to, sandbox_status::re, sandbox_status::sg,
                             sandbox_status::xx);
  measured.time = 1.5;
  measured.wall_time = 2.25;
  measured.memory = 65536;
  measured.max_rss = 60000;
  measured.exitsig = 9;
  measured.killed = true;
  measured.message = "Time limit exceeded";
  measured.csw_voluntary = 7;
  measured.csw_forced = 11;
  if (measured.status == sandbox_status::re && measured.exitcode == 0)
    return; // RE with a success code is the post-processing case below
  fake_internal host;
  fake_box box;
  box.outcomes.emplace("run", external_task_outcome{measured, task_output{"partial", ""}});

  const auto run = run_job(plan, "group1", host, box);

  CHECK(run.progress == progress{started(), task_failed("run"), task_completed("after"), ended()});
  REQUIRE(run.results.results.size() == 2);
  const auto& r = run.results.results[0];
  CHECK(r.status == task_status::failed);
  CHECK(r.error_message == "Sandboxed program failed: Time limit exceeded");
  CHECK(r.output->stdout_text == "partial");
  REQUIRE(r.sandbox);
  CHECK(r.sandbox->exitcode == measured.exitcode);
  CHECK(r.sandbox->status == measured.status);
  CHECK(r.sandbox->time == 1.5);
  CHECK(r.sandbox->wall_time == 2.25);
  CHECK(r.sandbox->memory == 65536);
  CHECK(r.sandbox->max_rss == 60000);
  CHECK(r.sandbox->exitsig == 9);
  CHECK(r.sandbox->killed);
  CHECK(r.sandbox->message == "Time limit exceeded");
  CHECK(r.sandbox->csw_voluntary == 7);
  CHECK(r.sandbox->csw_forced == 11);
}

TEST_CASE("the success exit codes decide between RE and OK", "[worker][runner]") {
  auto plan = plan_of(job(external("run", "execution", "")), "j");
  auto& task = plan.tasks[0].task;
  task.success_exit_codes = {{0, 0}, {2, 4}};

  SECTION("RE with a listed code becomes OK and loses its message") {
    auto re = clean_exit();
    re.status = sandbox_status::re;
    re.exitcode = 3;
    re.message = "Exited with error status 3";
    const auto r = external_task_result(task, {re, std::nullopt});
    CHECK(r.status == task_status::ok);
    CHECK(r.error_message.empty());
    CHECK(r.sandbox->status == sandbox_status::ok);
    CHECK(r.sandbox->message.empty());
    CHECK(r.sandbox->exitcode == 3);
  }
  SECTION("OK with a code outside the set becomes RE") {
    task.success_exit_codes = {{1, 1}};
    const auto r = external_task_result(task, {clean_exit(), std::nullopt});
    CHECK(r.status == task_status::failed);
    CHECK(r.sandbox->status == sandbox_status::re);
    CHECK(r.sandbox->message ==
          "Exited with code 0, which is not considered a success exit code");
    CHECK(r.error_message ==
          "Sandboxed program failed: Exited with code 0, which is not considered a success "
          "exit code");
  }
  SECTION("TO stays TO whatever the code") {
    auto to = clean_exit();
    to.status = sandbox_status::to;
    to.exitcode = 0;
    to.message = "Time limit exceeded";
    const auto r = external_task_result(task, {to, std::nullopt});
    CHECK(r.status == task_status::failed);
    CHECK(r.sandbox->status == sandbox_status::to);
  }
}

TEST_CASE("a failed non-inner internal task is FAILED with its message and stderr",
          "[worker][runner]") {
  const auto plan = plan_of(test::example_job);
  fake_internal host;
  fake_box box;
  host.outcomes["build-check"] = internal_task_outcome{
      false, "File/folder '/wd/prog' cannot be found", std::string{"No executable was produced"}};

  const auto run = run_job(plan, "group1", host, box);

  // build-check is fatal-failure too: nothing after it runs or gets an entry.
  CHECK(run.progress ==
        progress{started(), task_completed("build"), task_failed("build-check"), ended()});
  CHECK(run.done == done_status::ok);
  REQUIRE(run.results.results.size() == 2);
  const auto& check = run.results.results[1];
  CHECK(check.status == task_status::failed);
  CHECK(check.error_message == "File/folder '/wd/prog' cannot be found");
  REQUIRE(check.output);
  CHECK(check.output->stdout_text.empty());
  CHECK(check.output->stderr_text == "No executable was produced");
  CHECK_FALSE(check.sandbox);
}

TEST_CASE("a failed inner task aborts the job with INTERNAL_ERROR and no ENDED",
          "[worker][runner]") {
  const auto plan = plan_of(test::example_job);
  fake_internal host;
  fake_box box;
  host.outcomes["fetch-in-T1"] = internal_task_outcome{false, "cannot download T1.in", {}};

  progress live;
  const auto run = run_job(plan, "group1", host, box, [&](const auto& s) { live.push_back(s); });

  const auto expected = progress{started(), task_completed("build"),
                                 task_completed("build-check")};
  CHECK(run.progress == expected);
  CHECK(live == expected);
  CHECK(run.done == done_status::internal_error);
  CHECK(run.message == "inner task fetch-in-T1 failed: cannot download T1.in");
  CHECK(box.calls == std::vector<std::string>{"build"});
}

TEST_CASE("a sandbox that cannot run a task ends the job with done FAILED", "[worker][runner]") {
  const auto plan = plan_of(test::example_job);
  fake_internal host;
  fake_box box;
  box.outcomes.emplace("run-T1", make_error(errc::io_error, "isolate exited with status 2"));

  const auto run = run_job(plan, "group1", host, box);

  CHECK(run.progress == progress{started(), task_completed("build"),
                                 task_completed("build-check"), task_completed("fetch-in-T1")});
  CHECK(run.done == done_status::failed);
  CHECK(run.message == "task run-T1: isolate exited with status 2");
  CHECK(host.calls == std::vector<std::string>{"build-check", "fetch-in-T1"});
}

TEST_CASE("tasks run and are reported in plan order", "[worker][runner]") {
  // File order c, a, b; priorities make the plan b, a, c, with a's dependency d pulled first.
  const auto plan = plan_of(job(internal("c", "execution", "    priority: 1\n") +
                                    internal("a", "execution",
                                             "    priority: 5\n    dependencies: [d]\n") +
                                    internal("b", "execution", "    priority: 9\n") +
                                    internal("d", "execution", "    priority: 2\n")),
                                "j");
  fake_internal host;
  fake_box box;
  const auto run = run_job(plan, "group1", host, box);
  const auto order = std::vector<std::string>{"b", "d", "a", "c"};
  CHECK(host.calls == order);
  CHECK(ids_of(run.results) == order);
  CHECK(run.progress == progress{started(), task_completed("b"), task_completed("d"),
                                 task_completed("a"), task_completed("c"), ended()});
}
