// The job-config generator: what it emits parses back with the worker's build_job_plan, the
// tasks come in the order and with the types, priorities, files and limits the core API would
// give them, and every bad request is refused with the field named.
#include "actors/worker/environments/environment_definition.hpp"
#include "actors/worker/environments/job_config_generator.hpp"
#include "actors/worker/evaluation/job_plan.hpp"
#include "tests/unit/worker_environments/shipped_worker_context.hpp"

#include <catch2/catch.hpp>
#include <functional>

using namespace recodex;
using namespace recodex::worker;

namespace {

environment_definition load(const std::string& file) {
  auto all = load_environments(std::string{RECODEX_SOURCE_DIR} + "/deploy/environments");
  REQUIRE(all);
  for (auto& env : all.value())
    if (env.file.size() >= file.size() &&
        env.file.compare(env.file.size() - file.size(), file.size(), file) == 0)
      return env;
  FAIL("no " << file);
  return {};
}

job_request request(std::vector<std::string> sources) {
  job_request r;
  r.job_id = "student_42";
  r.hw_group = "group1";
  r.file_collector = "http://127.0.0.1:9999/exercises";
  r.sources = std::move(sources);
  r.tests = {{"A", "hash-in-a", "hash-out-a"}, {"B", "hash-in-b", "hash-out-b"}};
  r.limits = {1.5, 3, 65536};
  return r;
}

job_context worker_context(const std::string& job_id = "student_42") {
  return test::shipped_worker_context(job_id, "/opt/judges");
}

job_plan plan_of(const std::string& yaml) {
  INFO(yaml);
  auto plan = build_job_plan(yaml, worker_context());
  INFO((plan ? "" : plan.error().message));
  REQUIRE(plan);
  return plan.value();
}

std::vector<std::string> ids(const job_plan& plan) {
  std::vector<std::string> out;
  for (const auto& t : plan.tasks)
    out.push_back(t.task.task_id);
  return out;
}

const planned_task& task(const job_plan& plan, const std::string& id) {
  for (const auto& t : plan.tasks)
    if (t.task.task_id == id)
      return t;
  FAIL("no task " << id);
  return plan.tasks.front();
}

} // namespace

TEST_CASE("a C job compiles, checks, then fetches, runs and judges each test in plan order",
          "[environments][generator]") {
  auto yaml = make_job_config(load("c-gcc-linux.yml"), request({"main.c", "util.c"}));
  REQUIRE(yaml);
  const job_plan plan = plan_of(yaml.value());
  CHECK(ids(plan) == std::vector<std::string>{"compile", "compile-check", "fetch-input-A", "run-A",
                                              "fetch-input-B", "run-B", "fetch-expected-A",
                                              "judge-A", "fetch-expected-B", "judge-B"});

  const auto& compile = task(plan, "compile");
  CHECK(compile.task.type == task_type::initiation);
  CHECK(compile.task.priority == 100);
  CHECK(compile.task.fatal_failure);
  CHECK(compile.task.bin == "/usr/bin/gcc");
  CHECK(compile.task.args ==
        std::vector<std::string>{"-O2", "-std=c17", "-o", "a.out", "main.c", "util.c", "-lm"});
  REQUIRE(compile.task.sandbox);
  CHECK(compile.task.sandbox->output);
  CHECK(compile.task.sandbox->chdir == std::optional<std::string>{"/box"});
  REQUIRE(compile.limits);
  CHECK(compile.limits->time == 10);
  CHECK(compile.limits->wall_time == 20);
  CHECK(compile.limits->memory == 524288);
  CHECK(compile.limits->parallel == 0);

  const auto& check = task(plan, "compile-check");
  CHECK(check.kind == internal_task_kind::exists);
  CHECK(check.task.args == std::vector<std::string>{"Compilation did not produce a.out",
                                                    "/wd/eval/3/student_42/a.out"});

  const auto& fetch = task(plan, "fetch-input-A");
  CHECK(fetch.kind == internal_task_kind::fetch);
  CHECK(fetch.task.priority == 42);
  CHECK(fetch.task.args == std::vector<std::string>{"hash-in-a", "/wd/eval/3/student_42/A.in"});
  CHECK(fetch.task.dependencies == std::vector<std::string>{"compile-check"});

  const auto& run = task(plan, "run-A");
  CHECK(run.task.type == task_type::execution);
  CHECK(run.task.priority == 90);
  CHECK(run.task.test_id == std::optional<std::string>{"A"});
  CHECK(run.task.bin == "./a.out");
  CHECK(run.task.args.empty());
  CHECK(run.task.sandbox->stdin_path == std::optional<std::string>{"/box/A.in"});
  CHECK(run.task.sandbox->stdout_path == std::optional<std::string>{"/box/A.actual"});
  CHECK_FALSE(run.task.sandbox->output);
  REQUIRE(run.limits);
  CHECK(run.limits->time == 1.5);
  CHECK(run.limits->wall_time == 3);
  CHECK(run.limits->memory == 65536);
  CHECK(run.limits->parallel == 0); // the worker's default: C says nothing

  const auto& judge = task(plan, "judge-A");
  CHECK(judge.task.type == task_type::evaluation);
  CHECK(judge.task.priority == 80);
  CHECK(judge.task.test_id == std::optional<std::string>{"A"});
  CHECK(judge.task.dependencies == std::vector<std::string>{"run-A", "fetch-expected-A"});
  CHECK(judge.task.bin == "/opt/judges/recodex-token-judge");
  CHECK(judge.task.args == std::vector<std::string>{"--log-limit", "4k",
                                                    "--ignore-trailing-whitespace",
                                                    "/box/A.expected", "/box/A.actual"});
  CHECK(judge.task.sandbox->output);
}

TEST_CASE("Java fills in the class name and adds its directory, threads and overheads",
          "[environments][generator]") {
  auto yaml = make_job_config(load("java17.yml"), request({"Util.java", "Main.java"}));
  REQUIRE(yaml);
  const job_plan plan = plan_of(yaml.value());
  // The main source is the first .java one: Util here.
  const auto& compile = task(plan, "compile");
  CHECK(compile.task.args == std::vector<std::string>{"-J-XX:+UseSerialGC", "-encoding", "UTF-8",
                                                      "-d", ".", "Util.java", "Main.java"});
  CHECK(task(plan, "compile-check").task.args[1] == "/wd/eval/3/student_42/Util.class");
  const auto& run = task(plan, "run-B");
  CHECK(run.task.args == std::vector<std::string>{"-XX:+UseSerialGC", "-cp", ".", "Util"});
  REQUIRE(run.limits);
  CHECK(run.limits->time == 2.0);
  CHECK(run.limits->wall_time == 3.5);
  CHECK(run.limits->memory == 65536 + 65536);
  CHECK(run.limits->parallel == 0);
  REQUIRE_FALSE(run.limits->bound_directories.empty());
  CHECK(run.limits->bound_directories.front() ==
        bound_directory{"/etc/java-17-openjdk", "/etc/java-17-openjdk", dir_mode::read_only});
}

TEST_CASE("Python has no compile step and its tests start at once", "[environments][generator]") {
  auto r = request({"solution.py"});
  r.files = test_files_from::archive;
  r.tests = {{"one", "tests/1.in", "tests/1.out"}, {"two", "", "tests/2.out"}};
  auto yaml = make_job_config(load("python3.yml"), r);
  REQUIRE(yaml);
  const job_plan plan = plan_of(yaml.value());
  // Files from the archive need no fetch tasks.
  CHECK(ids(plan) == std::vector<std::string>{"run-one", "run-two", "judge-one", "judge-two"});
  const auto& run = task(plan, "run-one");
  CHECK(run.task.dependencies.empty());
  CHECK(run.task.bin == "/usr/bin/python3");
  CHECK(run.task.args == std::vector<std::string>{"solution.py"});
  CHECK(run.task.sandbox->stdin_path == std::optional<std::string>{"/box/tests/1.in"});
  CHECK_FALSE(task(plan, "run-two").task.sandbox->stdin_path);
  REQUIRE(run.limits);
  CHECK(run.limits->environ_variables.front() ==
        std::pair<std::string, std::string>{"PYTHONDONTWRITEBYTECODE", "1"});
  CHECK(task(plan, "judge-one").task.args.back() == "/box/one.actual");
  CHECK(task(plan, "judge-one").task.args[3] == "/box/tests/1.out");
  CHECK(task(plan, "judge-one").task.dependencies == std::vector<std::string>{"run-one"});
}

TEST_CASE("the judge and its options are the caller's", "[environments][generator]") {
  auto r = request({"main.cpp"});
  r.judge = {"recodex-judge-normal", {"-r"}};
  auto yaml = make_job_config(load("cxx-gpp-linux.yml"), r);
  REQUIRE(yaml);
  const job_plan plan = plan_of(yaml.value());
  const auto& judge = task(plan, "judge-B");
  CHECK(judge.task.bin == "/opt/judges/recodex-judge-normal");
  CHECK(judge.task.args == std::vector<std::string>{"-r", "/box/B.expected", "/box/B.actual"});
}

TEST_CASE("a bad request is refused with the field named", "[environments][generator]") {
  const auto c = load("c-gcc-linux.yml");
  struct row {
    std::function<void(job_request&)> change;
    std::string message;
  };
  auto r = GENERATE(values<row>({
      {[](job_request& q) { q.job_id.clear(); }, "job-id: is required"},
      {[](job_request& q) { q.hw_group.clear(); }, "hw-group: is required"},
      {[](job_request& q) { q.sources.clear(); }, "sources: at least one source file is required"},
      {[](job_request& q) { q.sources = {"src/main.c"}; },
       "sources: 'src/main.c' is not a file name at the archive root"},
      {[](job_request& q) { q.sources = {"main.py"}; },
       "sources: no file ending with .c for environment c-gcc-linux"},
      {[](job_request& q) { q.tests.clear(); }, "tests: at least one test is required"},
      {[](job_request& q) { q.tests[1].name = "A"; }, "tests[1].name: 'A' is used twice"},
      {[](job_request& q) { q.tests[0].name = "a b"; },
       "tests[0].name: 'a b' is not a name of letters, digits, - and _"},
      {[](job_request& q) { q.tests[0].input = "../x"; },
       "tests[0].input: '../x' is not a valid file name"},
      {[](job_request& q) {
         q.files = test_files_from::archive;
         q.tests[1].expected_output = "/etc/passwd";
       },
       "tests[1].expected-output: '/etc/passwd' is not a valid file name"},
      {[](job_request& q) {
         q.files = test_files_from::archive;
         q.tests[1].expected_output = "t/../../x";
       },
       "tests[1].expected-output: 't/../../x' is not a valid file name"},
      {[](job_request& q) { q.judge.program = "/bin/sh"; }, "judge: unknown judge '/bin/sh'"},
      {[](job_request& q) { q.sources.push_back("B.actual"); },
       "tests[1].name: the job writes B.actual, which is also an input"},
      {[](job_request& q) {
         q.files = test_files_from::archive;
         q.tests[0].input = "A.actual";
       },
       "tests[0].name: the job writes A.actual, which is also an input"},
  }));
  auto q = request({"main.c"});
  r.change(q);
  auto yaml = make_job_config(c, q);
  REQUIRE_FALSE(yaml);
  CHECK(yaml.error().code == errc::invalid_argument);
  CHECK(yaml.error().message == r.message);
}

TEST_CASE("odd characters in names and options are quoted, not interpreted",
          "[environments][generator]") {
  auto r = request({"main.c"});
  r.job_id = "job: #1";
  r.judge.args = {"--float-tolerance", "0.001", "# not a comment", "[x]"};
  auto yaml = make_job_config(load("c-gcc-linux.yml"), r);
  REQUIRE(yaml);
  auto plan = build_job_plan(yaml.value(), worker_context("job: #1"));
  REQUIRE(plan);
  CHECK(plan.value().submission.job_id == "job: #1");
  const auto& judge = task(plan.value(), "judge-A");
  CHECK(judge.task.args[2] == "# not a comment");
  CHECK(judge.task.args[3] == "[x]");
}

TEST_CASE("a compile step without an output file is followed directly by the tests, and job "
          "variables pass through",
          "[environments][generator]") {
  environment_definition env;
  env.id = "shell";
  env.extensions = {".sh"};
  env.compile = environment_step{};
  env.compile->program = "/bin/sh";
  env.compile->args = {"-n", "${SOURCES}"}; // a syntax check that produces nothing
  env.run.program = "/bin/sh";
  env.run.args = {"${EVAL_DIR}/${MAIN_SOURCE}", "${MAIN_STEM}"};
  auto r = request({"lib.txt", "main.sh", "more.sh"});
  r.tests = {{"only", "", "expected"}};
  auto yaml = make_job_config(env, r);
  REQUIRE(yaml);
  const job_plan plan = plan_of(yaml.value());
  CHECK(ids(plan) ==
        std::vector<std::string>{"compile", "run-only", "fetch-expected-only", "judge-only"});
  CHECK(task(plan, "compile").task.args ==
        std::vector<std::string>{"-n", "lib.txt", "main.sh", "more.sh"});
  CHECK(task(plan, "run-only").task.dependencies == std::vector<std::string>{"compile"});
  CHECK(task(plan, "run-only").task.args == std::vector<std::string>{"/box/main.sh", "main"});
  // Nothing given: the worker's defaults.
  CHECK(task(plan, "compile").limits->time == 30);
  CHECK(task(plan, "compile").limits->memory == 1048576);
}

TEST_CASE("every test_files_from has a name", "[environments][generator]") {
  CHECK(to_string(test_files_from::file_collector) == "file-collector");
  CHECK(to_string(test_files_from::archive) == "archive");
}
