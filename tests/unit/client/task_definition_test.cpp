// task.yml: the documented format, defaults, and one row per bad input with its exact message.
#include "actors/worker/environments/environment_definition.hpp"
#include "nodes/client/task_definition.hpp"

#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>
#include <unistd.h>

using namespace recodex;
using namespace recodex::client;

namespace {

const char* sum_task = R"(id: sum
title: Sum of two integers
environments: [c-gcc-linux, python3]
limits: {time: 2, wall-time: 4, memory: 131072}
judge:
  type: token
  options:
    ignore-trailing-whitespace: true
    float-tolerance: 0.001
tests:
  - {name: small, input: tests/1.in, expected-output: tests/1.out}
  - name: large
    input: tests/5.in
    expected-output: tests/5.out
    limits: {time: 3, wall-time: 5}
  - {name: no-input, expected-output: tests/6.out}
)";

std::string error_of(const std::string& yaml) {
  auto parsed = parse_task_definition(yaml, "task.yml");
  REQUIRE_FALSE(parsed);
  CHECK(parsed.error().code == errc::invalid_argument);
  return parsed.error().message;
}

} // namespace

TEST_CASE("a task definition reads every documented key", "[client][task]") {
  auto parsed = parse_task_definition(sum_task, "task.yml");
  REQUIRE(parsed);
  const task_definition& t = parsed.value();
  CHECK(t.id == "sum");
  CHECK(t.title == "Sum of two integers");
  CHECK(t.environments == std::vector<std::string>{"c-gcc-linux", "python3"});
  CHECK(t.hwgroup == "group1");
  CHECK(t.limits.time == 2);
  CHECK(t.limits.wall_time == 4);
  CHECK(t.limits.memory == 131072);
  CHECK(t.judge.program == "recodex-token-judge");
  CHECK(t.judge.args == std::vector<std::string>{"--log-limit", "4k",
                                                 "--ignore-trailing-whitespace",
                                                 "--float-tolerance", "0.001"});
  REQUIRE(t.tests.size() == 3);
  CHECK(t.tests[0].name == "small");
  CHECK(t.tests[0].input == "tests/1.in");
  CHECK(t.tests[0].expected_output == "tests/1.out");
  CHECK_FALSE(t.tests[0].limits);
  REQUIRE(t.tests[1].limits);
  CHECK(t.tests[1].limits->time == 3);
  CHECK(t.tests[1].limits->wall_time == 5);
  CHECK(t.tests[1].limits->memory == 131072); // inherited from the task
  CHECK(t.tests[2].input.empty());
}

TEST_CASE("a minimal task definition gets the defaults", "[client][task]") {
  auto parsed = parse_task_definition(
      "id: t\nenvironments: python3\ntests: [{name: a, expected-output: a.out}]\n", "task.yml");
  REQUIRE(parsed);
  CHECK(parsed.value().environments == std::vector<std::string>{"python3"});
  CHECK(parsed.value().limits.time == 1);
  CHECK(parsed.value().limits.wall_time == 2);
  CHECK(parsed.value().limits.memory == 65536);
  CHECK(parsed.value().judge.program == "recodex-token-judge");
  CHECK(parsed.value().judge.args ==
        std::vector<std::string>{"--log-limit", "4k", "--ignore-trailing-whitespace"});
}

TEST_CASE("a legacy judge takes its arguments verbatim", "[client][task]") {
  auto parsed = parse_task_definition("id: t\nenvironments: [python3]\n"
                                      "judge: {type: normal, args: [-r]}\n"
                                      "tests: [{name: a, expected-output: a.out}]\n",
                                      "task.yml");
  REQUIRE(parsed);
  CHECK(parsed.value().judge.program == "recodex-judge-normal");
  CHECK(parsed.value().judge.args == std::vector<std::string>{"-r"});
}

TEST_CASE("a bad task definition is refused with file, line and key", "[client][task]") {
  const std::string head = "id: t\nenvironments: [python3]\n";
  const std::string one_test = "tests: [{name: a, expected-output: a.out}]\n";
  struct row {
    std::string yaml;
    std::string message;
  };
  auto r = GENERATE_COPY(values<row>({
      {"- a\n- b\n", "task.yml:1: (document): must be a map"},
      {"environments: [python3]\n" + one_test, "task.yml:1: id: is required"},
      {"id: 'a/b'\nenvironments: [python3]\n" + one_test,
       "task.yml:1: id: 'a/b' is not a task id ([A-Za-z0-9_.-], 1 to 128)"},
      {"id: t\n" + one_test, "task.yml:1: environments: is required"},
      {"id: t\nenvironments: []\n" + one_test,
       "task.yml:2: environments: at least one environment is required"},
      {"id: t\nenvironments: [c, c]\n" + one_test,
       "task.yml:2: environments[1]: 'c' is listed twice"},
      {head, "task.yml:1: tests: is required"},
      {head + "tests: []\n", "task.yml:3: tests: must be a non-empty list of tests"},
      {head + "tests:\n  - {input: a.in, expected-output: a.out}\n",
       "task.yml:4: tests[0].name: is required"},
      {head + "tests:\n  - {name: 'a b', expected-output: a.out}\n",
       "task.yml:4: tests[0].name: 'a b' is not a name of letters, digits, - and _"},
      {head + "tests:\n  - {name: a}\n", "task.yml:4: tests[0].expected-output: is required"},
      {head + "tests:\n  - {name: a, input: ../x.in, expected-output: a.out}\n",
       "task.yml:4: tests[0].input: '../x.in' is not a path inside the task directory"},
      {head + "tests:\n  - {name: a, expected-output: /etc/passwd}\n",
       "task.yml:4: tests[0].expected-output: '/etc/passwd' is not a path inside the task "
       "directory"},
      {head +
           "tests:\n  - {name: a, expected-output: a.out}\n  - {name: a, expected-output: b.out}\n",
       "task.yml:5: tests[1].name: 'a' is used twice"},
      {head + "tests:\n  - {name: a, expected-output: a.out, limits: {time: 0}}\n",
       "task.yml:4: tests[0].limits.time: must be a number of seconds above 0 (at most 86400)"},
      {head + "tests:\n  - {name: a, expected-output: a.out, output: a.out}\n",
       "task.yml:4: tests[0].output: unknown key"},
      {head + "limits: {memory: 1.5}\n" + one_test,
       "task.yml:3: limits.memory: must be a whole number of KiB above 0"},
      {head + "limits: {time: 3}\n" + one_test,
       "task.yml:3: limits: wall-time must not be below time"},
      {head + "limits: {tme: 3}\n" + one_test, "task.yml:3: limits.tme: unknown key"},
      {head + "judge: {type: diff}\n" + one_test,
       "task.yml:3: judge.type: 'diff' is not one of token, normal, shuffle, passthrough"},
      {head + "judge: {options: {numerc: true}}\n" + one_test,
       "task.yml:3: judge.options.numerc: unknown token judge option"},
      {head + "judge: {options: {numeric: yes please}}\n" + one_test,
       "task.yml:3: judge.options.numeric: must be true or false"},
      {head + "judge: {options: {ignore-line-ends: true, ignore-trailing-whitespace: true}}\n" +
           one_test,
       "task.yml:3: judge.options: ignore-line-ends and ignore-trailing-whitespace cannot be "
       "used together"},
      {head + "judge: {type: normal, options: {numeric: true}}\n" + one_test,
       "task.yml:3: judge.options: only the token judge takes options; legacy judges take args"},
      {head + "judge: {args: [-r]}\n" + one_test,
       "task.yml:3: judge.args: the token judge takes options (judge.options), not args"},
      {head + "hwgroup: 'a|b'\n" + one_test,
       "task.yml:3: hwgroup: must be one hardware group name"},
      {head + "timeout: 3\n" + one_test, "task.yml:3: timeout: unknown key"},
      {head + "tests: [\n", "task.yml:4: end of sequence flow not found"},
  }));
  CAPTURE(r.yaml);
  CHECK(error_of(r.yaml) == r.message);
}

TEST_CASE("loading a task directory checks its test files", "[client][task]") {
  const auto dir = std::filesystem::temp_directory_path() /
                   ("recodex-unit-client-task-" + std::to_string(::getpid()));
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir / "tests");
  std::filesystem::create_directories(dir / "more");
  auto write = [&](const std::string& name, const std::string& text) {
    std::ofstream(dir / name) << text;
  };
  write("tests/1.in", "1 2\n");
  write("tests/1.out", "3\n");
  write("task.yml", "id: t\nenvironments: [python3]\n"
                    "tests: [{name: a, input: tests/1.in, expected-output: tests/1.out}]\n");
  CHECK(load_task_definition(dir));

  write("task.yml", "id: t\nenvironments: [python3]\n"
                    "tests: [{name: a, input: tests/2.in, expected-output: tests/1.out}]\n");
  auto missing = load_task_definition(dir);
  REQUIRE_FALSE(missing);
  CHECK(missing.error().code == errc::not_found);
  CHECK(missing.error().message.find("tests/2.in is not a file") != std::string::npos);

  write("more/1.out", "3\n");
  write("task.yml", "id: t\nenvironments: [python3]\n"
                    "tests: [{name: a, input: tests/1.in, expected-output: tests/1.out},\n"
                    "        {name: b, input: tests/1.in, expected-output: more/1.out}]\n");
  auto clash = load_task_definition(dir);
  REQUIRE_FALSE(clash);
  CHECK(clash.error().message.find("would both be stored as 1.out") != std::string::npos);
  std::filesystem::remove_all(dir);
}

TEST_CASE("the shipped sum task loads and generates a job config per environment",
          "[client][task]") {
  auto task = load_task_definition(std::string(RECODEX_SOURCE_DIR) + "/deploy/examples/sum");
  REQUIRE(task);
  CHECK(task.value().tests.size() == 5);
  auto environments =
      worker::load_environments(std::string(RECODEX_SOURCE_DIR) + "/deploy/environments");
  REQUIRE(environments);
  for (const auto& env : environments.value()) {
    CAPTURE(env.id);
    worker::job_request request;
    request.job_id = "unit";
    request.hw_group = task.value().hwgroup;
    request.file_collector = "http://127.0.0.1:9999/tasks";
    request.sources = {"Main" + env.extensions.front()};
    request.limits = task.value().limits;
    request.judge = task.value().judge;
    for (const auto& t : task.value().tests)
      request.tests.push_back(
          {t.name, stored_name(t.input), stored_name(t.expected_output), t.limits});
    CHECK(worker::make_job_config(env, request));
  }
}

TEST_CASE("a test's own limits reach its run task only", "[client][task]") {
  auto environments =
      worker::load_environments(std::string(RECODEX_SOURCE_DIR) + "/deploy/environments");
  REQUIRE(environments);
  const auto& c = *std::find_if(environments.value().begin(), environments.value().end(),
                                [](const auto& e) { return e.id == "c-gcc-linux"; });
  worker::job_request request;
  request.job_id = "unit";
  request.hw_group = "group1";
  request.file_collector = "http://127.0.0.1:9999/tasks";
  request.sources = {"sum.c"};
  request.tests = {{"a", "1.in", "1.out", std::nullopt},
                   {"b", "2.in", "2.out", worker::test_limits{7, 9, 12345}}};
  auto config = worker::make_job_config(c, request);
  REQUIRE(config);
  CHECK(config.value().find("memory: 12345") != std::string::npos);
  CHECK(config.value().find("memory: 65536") != std::string::npos);
  CHECK(config.value().find("time: 7") != std::string::npos);
}
