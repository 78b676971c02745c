// Tests of actors/worker/evaluation/job_variables.hpp: each variable, unknown names, unclosed
// references, and exactly the task fields 5.3 names (and not the others).
#include "actors/worker/evaluation/job_config.hpp"
#include "actors/worker/evaluation/job_variables.hpp"

#include <catch2/catch.hpp>

using namespace recodex;
using namespace recodex::worker;

namespace {

job_variables vars() {
  return make_job_variables(3, "job42", "/wd", "/tmp", "/opt/judges");
}

} // namespace

TEST_CASE("the variables of a job derive from the worker's directories", "[worker][variables]") {
  const auto v = vars();
  CHECK(v.worker_id == 3);
  CHECK(v.job_id == "job42");
  CHECK(v.source_dir == "/wd/eval/3/job42");
  CHECK(v.result_dir == "/wd/results/3/job42");
  CHECK(v.temp_dir == "/tmp");
  CHECK(v.judges_dir == "/opt/judges");
  CHECK(make_job_variables(1, "j", "", "/tmp", "/usr/bin").source_dir == "eval/1/j");
  CHECK(make_job_variables(1, "j", "/wd/", "/tmp", "/usr/bin").result_dir == "/wd/results/1/j");
}

TEST_CASE("substitution replaces known names and keeps the rest", "[worker][variables]") {
  struct row {
    std::string in;
    std::string out;
  };
  const std::vector<row> rows{
      {"${WORKER_ID}", "3"},
      {"${JOB_ID}", "job42"},
      {"${SOURCE_DIR}/prog", "/wd/eval/3/job42/prog"},
      {"${EVAL_DIR}/T1.in", "/box/T1.in"},
      {"${RESULT_DIR}/out.zip", "/wd/results/3/job42/out.zip"},
      {"${TEMP_DIR}", "/tmp"},
      {"${JUDGES_DIR}/recodex-token-judge", "/opt/judges/recodex-token-judge"},
      {"a${JOB_ID}b${WORKER_ID}c", "ajob42b3c"},
      {"${UNKNOWN}/x", "${UNKNOWN}/x"},
      {"${}", "${}"},
      {"${job_id}", "${job_id}"},
      {"$JOB_ID and $", "$JOB_ID and $"},
      {"}${JOB_ID}}", "}job42}"},
      {"${${JOB_ID}}", "${${JOB_ID}}"},
      {"", ""},
  };
  for (const auto& r : rows) {
    DYNAMIC_SECTION(r.in) {
      const auto out = substitute(r.in, vars());
      REQUIRE(out);
      CHECK(out.value() == r.out);
    }
  }
}

TEST_CASE("a reference without its closing brace is a job error", "[worker][variables]") {
  for (const std::string text : {"${JOB_ID", "ok ${", "${EVAL_DIR}/${x"}) {
    DYNAMIC_SECTION(text) {
      const auto out = substitute(text, vars());
      REQUIRE_FALSE(out);
      CHECK(out.error().code == errc::conflict);
      CHECK(out.error().message == "'${' without a closing '}' in '" + text + "'");
    }
  }
}

TEST_CASE("variables apply to the fields 5.3 lists and to no others", "[worker][variables]") {
  task_metadata task;
  task.task_id = "${JOB_ID}";
  task.test_id = "${JOB_ID}";
  task.dependencies = {"${JOB_ID}"};
  task.bin = "${JUDGES_DIR}/judge";
  task.args = {"${EVAL_DIR}/a", "${SOURCE_DIR}/b"};
  sandbox_config sandbox;
  sandbox.name = "isolate";
  sandbox.stdin_path = "${EVAL_DIR}/in";
  sandbox.stdout_path = "${EVAL_DIR}/out";
  sandbox.stderr_path = "${EVAL_DIR}/err";
  sandbox.carboncopy_stdout = "${RESULT_DIR}/cc.out";
  sandbox.carboncopy_stderr = "${RESULT_DIR}/cc.err";
  sandbox.chdir = "${EVAL_DIR}";
  sandbox.working_directory = "${JOB_ID}";
  limits_entry entry;
  entry.hw_group_id = "${JOB_ID}";
  entry.environ_variables = {{"HOME", "${EVAL_DIR}"}};
  entry.bound_directories = {{"${SOURCE_DIR}/lib", "${EVAL_DIR}/lib", dir_mode::rw}};
  sandbox.limits = {entry};
  task.sandbox = sandbox;

  REQUIRE(substitute_task(task, vars()));
  CHECK(task.bin == "/opt/judges/judge");
  CHECK(task.args == std::vector<std::string>{"/box/a", "/wd/eval/3/job42/b"});
  CHECK(task.sandbox->stdin_path == "/box/in");
  CHECK(task.sandbox->stdout_path == "/box/out");
  CHECK(task.sandbox->stderr_path == "/box/err");
  CHECK(task.sandbox->carboncopy_stdout == "/wd/results/3/job42/cc.out");
  CHECK(task.sandbox->carboncopy_stderr == "/wd/results/3/job42/cc.err");
  CHECK(task.sandbox->chdir == "/box");
  CHECK(task.sandbox->limits[0].bound_directories[0] ==
        bound_directory{"/wd/eval/3/job42/lib", "/box/lib", dir_mode::rw});
  // Not substituted: ids, working-directory, hw-group-id and environment values.
  CHECK(task.task_id == "${JOB_ID}");
  CHECK(task.test_id == "${JOB_ID}");
  CHECK(task.dependencies == std::vector<std::string>{"${JOB_ID}"});
  CHECK(task.sandbox->working_directory == "${JOB_ID}");
  CHECK(task.sandbox->limits[0].hw_group_id == "${JOB_ID}");
  CHECK(task.sandbox->limits[0].environ_variables == environment{{"HOME", "${EVAL_DIR}"}});
}

TEST_CASE("an unclosed reference in a task names the task and the field", "[worker][variables]") {
  task_metadata task;
  task.task_id = "run";
  task.line = 12;
  task.bin = "ls";
  task.args = {"ok", "${EVAL_DIR"};
  const auto out = substitute_task(task, vars());
  REQUIRE_FALSE(out);
  CHECK(out.error().message ==
        "task run (line 12): cmd.args[1]: '${' without a closing '}' in '${EVAL_DIR'");
}
