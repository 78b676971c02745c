// Tests of actors/worker/evaluation/job_plan.hpp: the 5.7 example planned end to end, and the
// `done` status (6.3) of every way a job can be rejected before its first task.
#include "actors/worker/evaluation/job_plan.hpp"
#include "tests/unit/worker_evaluation/example_job.hpp"

#include <catch2/catch.hpp>

using namespace recodex;
using namespace recodex::worker;

namespace {

job_context context(std::string job_id = "student_demo42") {
  job_context c;
  c.job_id = job_id;
  c.hwgroup = "group1";
  c.default_limits.time = 30;
  c.default_limits.wall_time = 30;
  c.default_limits.extra_time = 2;
  c.default_limits.memory = 1048576;
  c.default_limits.extra_memory = 64;
  c.default_limits.environ_variables = {{"HOME", "/box"}, {"PATH", "/usr/bin:/bin"}};
  c.default_limits.bound_directories = {{"", "/tmp", dir_mode::tmp}};
  c.variables = make_job_variables(7, job_id, "/var/recodex-worker-wd", "/tmp", "/usr/bin");
  return c;
}

std::string job(const std::string& tasks, const std::string& groups = "[group1]") {
  return "submission:\n  job-id: j\n  file-collector: http://fc\n  hw-groups: " + groups +
         "\ntasks:\n" + tasks;
}

} // namespace

TEST_CASE("the 5.7 example is planned in the spec's order with everything resolved",
          "[worker][plan]") {
  const auto plan = build_job_plan(test::example_job, context());
  REQUIRE(plan);
  const auto& tasks = plan.value().tasks;
  std::vector<std::string> ids;
  for (const auto& t : tasks)
    ids.push_back(t.task.task_id);
  CHECK(ids == std::vector<std::string>{"build", "build-check", "fetch-in-T1", "run-T1",
                                        "fetch-ref-T1", "judge-T1"});

  const auto& build = tasks[0];
  REQUIRE(build.limits);
  CHECK_FALSE(build.kind);
  CHECK(build.limits->time == 5);
  CHECK(build.limits->wall_time == 10);
  CHECK(build.limits->extra_time == 2);
  CHECK(build.limits->memory == 262144);
  CHECK(build.limits->extra_memory == 64);
  CHECK(build.limits->parallel == 0);
  CHECK(build.limits->environ_variables == context().default_limits.environ_variables);
  CHECK(build.task.sandbox->chdir == "/box");

  const auto& check = tasks[1];
  CHECK(check.kind == internal_task_kind::exists);
  CHECK_FALSE(check.limits);
  CHECK(check.task.args ==
        std::vector<std::string>{"No executable was produced",
                                 "/var/recodex-worker-wd/eval/7/student_demo42/prog"});
  CHECK(tasks[2].kind == internal_task_kind::fetch);
  CHECK(tasks[2].task.args[1] == "/var/recodex-worker-wd/eval/7/student_demo42/T1.in");

  const auto& run = tasks[3];
  CHECK(run.limits->time == 1);
  CHECK(run.limits->wall_time == 2);
  CHECK(run.limits->memory == 65536);
  CHECK(run.task.sandbox->stdin_path == "/box/T1.in");
  CHECK(run.task.sandbox->stdout_path == "/box/T1.out");

  const auto& judge = tasks[5];
  CHECK(judge.task.bin == "/usr/bin/recodex-token-judge");
  CHECK(judge.task.args == std::vector<std::string>{"--log-limit", "4k",
                                                    "--ignore-trailing-whitespace", "/box/T1.ref",
                                                    "/box/T1.out"});
  // No entry for group1: the worker's defaults verbatim.
  CHECK(judge.limits == context().default_limits);
}

TEST_CASE("each way of rejecting a job maps to its done status", "[worker][plan]") {
  const std::string ls = "  - task-id: t\n    cmd:\n      bin: ls\n";
  const std::string sandboxed = "  - task-id: t\n    cmd:\n      bin: ./a\n    sandbox:\n"
                                "      name: isolate\n      limits:\n"
                                "        - hw-group-id: group1\n";
  struct row {
    const char* name;
    std::string yaml;
    std::string job_id;
    done_status status;
    std::string message_part;
  };
  const std::vector<row> rows{
      {"schema error", job("  - task-id: t\n"), "j", done_status::failed,
       "tasks[0].cmd: required key is missing"},
      {"job-id mismatch", job("  []\n"), "other", done_status::failed,
       "submission.job-id 'j' does not match the job id 'other' of the request"},
      {"YAML that does not parse", "tasks: [", "j", done_status::internal_error, "not valid YAML"},
      {"hwgroup not offered", job("  []\n", "[group2, group3]"), "j", done_status::internal_error,
       "does not contain this worker's hwgroup 'group1'"},
      {"unknown internal task", job("  - task-id: t\n    cmd:\n      bin: dearchivate\n"), "j",
       done_status::internal_error, "unknown internal task 'dearchivate'"},
      {"wrong argument count", job("  - task-id: t\n    cmd:\n      bin: cp\n      args: [a]\n"),
       "j", done_status::internal_error, "cp takes exactly 2 arguments, got 1"},
      {"limit above the default", job(sandboxed + "          memory: 2000000\n"), "j",
       done_status::internal_error, "task t (line 6): memory item is bigger than default"},
      {"tmp directory with a src",
       job(sandboxed +
           "          bound-directories:\n            - {src: /a, dst: /b, mode: tmp}\n"),
       "j", done_status::internal_error, "a tmp directory must not have a src"},
      {"unknown dependency", job(ls + "    dependencies: [x]\n"), "j", done_status::internal_error,
       "depends on unknown task 'x'"},
      {"cycle", job(ls + "    dependencies: [t]\n"), "j", done_status::internal_error,
       "cycle in task dependencies: t -> t"},
      {"repeated task-id", job(ls + ls), "j", done_status::internal_error,
       "task-id 't' (line 9) is used by more than one task"},
      {"unclosed variable", job("  - task-id: t\n    cmd:\n      bin: rm\n      args: [\"${X\"]\n"),
       "j", done_status::internal_error, "'${' without a closing '}'"},
      {"unknown sandbox",
       job("  - task-id: t\n    cmd:\n      bin: a\n    sandbox:\n      name: x\n"), "j",
       done_status::internal_error, "unknown sandbox 'x'"},
  };
  for (const auto& r : rows) {
    DYNAMIC_SECTION(r.name) {
      const auto plan = build_job_plan(r.yaml, context(r.job_id));
      REQUIRE_FALSE(plan);
      CHECK(done_status_for(plan.error()) == r.status);
      CHECK_THAT(plan.error().message, Catch::Contains(r.message_part));
    }
  }
}

TEST_CASE("every done status has its wire name", "[worker][plan]") {
  CHECK(to_string(done_status::ok) == "OK");
  CHECK(to_string(done_status::failed) == "FAILED");
  CHECK(to_string(done_status::internal_error) == "INTERNAL_ERROR");
}
