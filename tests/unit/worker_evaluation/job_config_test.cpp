// Tests of actors/worker/evaluation/job_config.hpp: one row per schema rule, good and bad, each
// bad row naming the error code, the key path and the YAML line the message must carry.
#include "actors/worker/evaluation/job_config.hpp"
#include "tests/unit/worker_evaluation/example_job.hpp"

#include <catch2/catch.hpp>
#include <string>

using namespace recodex;
using namespace recodex::worker;

namespace {

// A valid submission header; the first task starts on line 6.
std::string job_with(const std::string& tasks) {
  return "submission:\n"
         "  job-id: j1\n"
         "  file-collector: http://fc/x\n"
         "  hw-groups: [g1]\n"
         "tasks:\n" +
         tasks;
}

std::string task_with(const std::string& extra_task_lines,
                      const std::string& cmd = "    cmd:\n      bin: ls\n") {
  return job_with("  - task-id: t\n" + cmd + extra_task_lines);
}

struct bad_row {
  const char* name;
  std::string yaml;
  errc code;
  std::string message_part; // "line N: key.path: ..." or a distinctive phrase
};

} // namespace

TEST_CASE("every schema violation is rejected with its key path and line", "[worker][job_config]") {
  const auto sandbox = [](const std::string& lines) {
    return task_with("    sandbox:\n      name: isolate\n" + lines);
  };
  const auto limits = [&](const std::string& lines) {
    return sandbox("      limits:\n        - hw-group-id: g1\n" + lines);
  };
  const std::vector<bad_row> rows{
      {"empty document", "", errc::invalid_argument, "the document must be a mapping"},
      {"document is a list", "[1, 2]", errc::invalid_argument, "the document must be a mapping"},
      {"broken YAML", "submission: {\n", errc::internal, "not valid YAML"},
      {"unclosed flow list", "tasks: [a, b\n", errc::internal, "not valid YAML"},
      {"tab indentation", "submission:\n\tjob-id: j\n", errc::internal, "not valid YAML"},
      {"no submission", "tasks: []\n", errc::invalid_argument,
       "line 1: submission: required key is missing"},
      {"submission is a list", "submission: [a]\ntasks: []\n", errc::invalid_argument,
       "line 1: submission: expected a mapping, found a list"},
      {"no job-id", "submission:\n  file-collector: x\n  hw-groups: [g1]\ntasks: []\n",
       errc::invalid_argument, "line 2: submission.job-id: required key is missing"},
      {"null job-id", "submission:\n  job-id:\n  file-collector: x\n  hw-groups: [g1]\ntasks: []\n",
       errc::invalid_argument, "submission.job-id: required key is missing"},
      {"job-id is a list",
       "submission:\n  job-id: [a]\n  file-collector: x\n  hw-groups: [g1]\ntasks: []\n",
       errc::invalid_argument, "line 2: submission.job-id: expected a string, found a list"},
      {"empty job-id",
       "submission:\n  job-id: ''\n  file-collector: x\n  hw-groups: [g1]\ntasks: []\n",
       errc::invalid_argument, "submission.job-id: must not be empty"},
      {"no file-collector", "submission:\n  job-id: j\n  hw-groups: [g1]\ntasks: []\n",
       errc::invalid_argument, "submission.file-collector: required key is missing"},
      {"log is not a boolean",
       "submission:\n  job-id: j\n  file-collector: x\n  log: maybe\n  hw-groups: [g1]\ntasks: "
       "[]\n",
       errc::invalid_argument, "line 4: submission.log: expected a boolean"},
      {"no hw-groups", "submission:\n  job-id: j\n  file-collector: x\ntasks: []\n",
       errc::invalid_argument, "submission.hw-groups: required key is missing"},
      {"empty hw-groups",
       "submission:\n  job-id: j\n  file-collector: x\n  hw-groups: []\ntasks: []\n",
       errc::invalid_argument, "line 4: submission.hw-groups: must name at least one"},
      {"hw-groups is a scalar",
       "submission:\n  job-id: j\n  file-collector: x\n  hw-groups: g1\ntasks: []\n",
       errc::invalid_argument, "submission.hw-groups: expected a list of strings, found 'g1'"},
      {"hw-group is a list",
       "submission:\n  job-id: j\n  file-collector: x\n  hw-groups: [[g1]]\ntasks: []\n",
       errc::invalid_argument, "submission.hw-groups[0]: expected a string"},
      {"no tasks", "submission:\n  job-id: j\n  file-collector: x\n  hw-groups: [g1]\n",
       errc::invalid_argument, "tasks: required key is missing"},
      {"tasks is a mapping", job_with("  a: b\n"), errc::invalid_argument,
       "line 6: tasks: expected a list of tasks, found a mapping"},
      {"task is a scalar", job_with("  - hello\n"), errc::invalid_argument,
       "line 6: tasks[0]: expected a mapping, found 'hello'"},
      {"no task-id", job_with("  - cmd:\n      bin: ls\n"), errc::invalid_argument,
       "line 6: tasks[0].task-id: required key is missing"},
      {"empty task-id", job_with("  - task-id: ''\n    cmd:\n      bin: ls\n"),
       errc::invalid_argument, "tasks[0].task-id: must not be empty"},
      {"priority 0", task_with("    priority: 0\n"), errc::invalid_argument,
       "line 9: tasks[0].priority: must be at least 1"},
      {"negative priority", task_with("    priority: -1\n"), errc::invalid_argument,
       "tasks[0].priority: expected an unsigned integer, found '-1'"},
      {"priority is a word", task_with("    priority: high\n"), errc::invalid_argument,
       "tasks[0].priority: expected an unsigned integer"},
      {"fatal-failure is a number", task_with("    fatal-failure: 2\n"), errc::invalid_argument,
       "line 9: tasks[0].fatal-failure: expected a boolean"},
      {"dependencies is a scalar", task_with("    dependencies: a\n"), errc::invalid_argument,
       "tasks[0].dependencies: expected a list of strings"},
      {"dependency is a mapping", task_with("    dependencies: [{a: b}]\n"), errc::invalid_argument,
       "tasks[0].dependencies[0]: expected a string, found a mapping"},
      {"test-id is a list", task_with("    test-id: [a]\n"), errc::invalid_argument,
       "tasks[0].test-id: expected a string"},
      {"type is a list", task_with("    type: [a]\n"), errc::invalid_argument,
       "tasks[0].type: expected a string"},
      {"no cmd", job_with("  - task-id: t\n"), errc::invalid_argument,
       "line 6: tasks[0].cmd: required key is missing"},
      {"cmd is a scalar", task_with("", "    cmd: ls\n"), errc::invalid_argument,
       "line 7: tasks[0].cmd: expected a mapping, found 'ls'"},
      {"no bin", task_with("", "    cmd:\n      args: [a]\n"), errc::invalid_argument,
       "line 8: tasks[0].cmd.bin: required key is missing"},
      {"empty bin", task_with("", "    cmd:\n      bin: ''\n"), errc::invalid_argument,
       "tasks[0].cmd.bin: must not be empty"},
      {"args is a scalar", task_with("", "    cmd:\n      bin: ls\n      args: -l\n"),
       errc::invalid_argument, "line 9: tasks[0].cmd.args: expected a list of strings"},
      {"arg is a list", task_with("", "    cmd:\n      bin: ls\n      args: [a, [b]]\n"),
       errc::invalid_argument, "tasks[0].cmd.args[1]: expected a string"},
      {"exit code above 255",
       task_with("", "    cmd:\n      bin: ls\n      success-exit-codes: 256\n"),
       errc::invalid_argument, "tasks[0].cmd.success-exit-codes: exit code 256 is not in 0..255"},
      {"negative exit code",
       task_with("", "    cmd:\n      bin: ls\n      success-exit-codes: [-1]\n"),
       errc::invalid_argument, "tasks[0].cmd.success-exit-codes[0]: expected an unsigned integer"},
      {"range of one",
       task_with("", "    cmd:\n      bin: ls\n      success-exit-codes: [1, [3]]\n"),
       errc::invalid_argument, "tasks[0].cmd.success-exit-codes[1]: a range must be [from, to]"},
      {"reversed range",
       task_with("", "    cmd:\n      bin: ls\n      success-exit-codes: [[5, 2]]\n"),
       errc::invalid_argument, "success-exit-codes[0]: range start 5 is above its end 2"},
      {"range end too big",
       task_with("", "    cmd:\n      bin: ls\n      success-exit-codes: [[5, 300]]\n"),
       errc::invalid_argument, "success-exit-codes[0][1]: exit code 300 is not in 0..255"},
      {"exit codes as a mapping",
       task_with("", "    cmd:\n      bin: ls\n      success-exit-codes: {a: 1}\n"),
       errc::invalid_argument, "success-exit-codes: expected an exit code or a list"},
      {"sandbox is a scalar", task_with("    sandbox: isolate\n"), errc::invalid_argument,
       "line 9: tasks[0].sandbox: expected a mapping"},
      {"sandbox without name", task_with("    sandbox:\n      output: true\n"),
       errc::invalid_argument, "line 10: tasks[0].sandbox.name: required key is missing"},
      {"unknown sandbox", task_with("    sandbox:\n      name: docker\n"), errc::not_found,
       "tasks[0].sandbox.name: unknown sandbox 'docker'"},
      {"stdin is a list", sandbox("      stdin: [a]\n"), errc::invalid_argument,
       "line 11: tasks[0].sandbox.stdin: expected a string"},
      {"output is a word", sandbox("      output: sometimes\n"), errc::invalid_argument,
       "tasks[0].sandbox.output: expected a boolean"},
      {"stderr-to-stdout is a number", sandbox("      stderr-to-stdout: 1\n"),
       errc::invalid_argument, "tasks[0].sandbox.stderr-to-stdout: expected a boolean"},
      {"absolute working-directory", sandbox("      working-directory: /etc\n"),
       errc::invalid_argument, "line 11: tasks[0].sandbox.working-directory: must be relative"},
      {"working-directory climbing up", sandbox("      working-directory: a/../../b\n"),
       errc::invalid_argument, "tasks[0].sandbox.working-directory: must not contain '..'"},
      {"limits is a mapping", sandbox("      limits: {time: 1}\n"), errc::invalid_argument,
       "tasks[0].sandbox.limits: expected a list of per-hw-group entries"},
      {"limits entry is a scalar", sandbox("      limits: [x]\n"), errc::invalid_argument,
       "tasks[0].sandbox.limits[0]: expected a mapping"},
      {"limits entry without hw-group-id", sandbox("      limits:\n        - time: 1\n"),
       errc::invalid_argument, "line 12: tasks[0].sandbox.limits[0].hw-group-id: required key"},
      {"negative time", limits("          time: -1\n"), errc::invalid_argument,
       "line 13: tasks[0].sandbox.limits[0].time: expected a non-negative number of seconds"},
      {"time is a word", limits("          time: long\n"), errc::invalid_argument,
       "limits[0].time: expected a non-negative number"},
      {"infinite wall-time", limits("          wall-time: .inf\n"), errc::invalid_argument,
       "limits[0].wall-time: expected a non-negative number"},
      {"extra-time is a list", limits("          extra-time: [1]\n"), errc::invalid_argument,
       "limits[0].extra-time: expected a non-negative number"},
      {"fractional memory", limits("          memory: 1.5\n"), errc::invalid_argument,
       "limits[0].memory: expected an unsigned integer, found '1.5'"},
      {"negative parallel", limits("          parallel: -1\n"), errc::invalid_argument,
       "limits[0].parallel: expected an unsigned integer"},
      {"stack-size is a word", limits("          stack-size: big\n"), errc::invalid_argument,
       "limits[0].stack-size: expected an unsigned integer"},
      {"extra-memory is negative", limits("          extra-memory: -5\n"), errc::invalid_argument,
       "limits[0].extra-memory: expected an unsigned integer"},
      {"disk-size is a word", limits("          disk-size: x\n"), errc::invalid_argument,
       "limits[0].disk-size: expected an unsigned integer"},
      {"disk-files is a word", limits("          disk-files: x\n"), errc::invalid_argument,
       "limits[0].disk-files: expected an unsigned integer"},
      {"disk-quotas is a number", limits("          disk-quotas: 3\n"), errc::invalid_argument,
       "limits[0].disk-quotas: expected a boolean"},
      {"environ-variable is a list", limits("          environ-variable: [A]\n"),
       errc::invalid_argument, "limits[0].environ-variable: expected a mapping"},
      {"environ value is a list", limits("          environ-variable: {A: [x]}\n"),
       errc::invalid_argument, "limits[0].environ-variable.A: expected a string"},
      {"environ name with =", limits("          environ-variable: {'A=B': x}\n"),
       errc::invalid_argument, "environ-variable.A=B: not a valid environment variable name"},
      {"bound-directories is a scalar", limits("          bound-directories: /tmp\n"),
       errc::invalid_argument, "limits[0].bound-directories: expected a list of directories"},
      {"bound directory without src and dst",
       limits("          bound-directories:\n            - mode: rw\n"), errc::invalid_argument,
       "line 14: tasks[0].sandbox.limits[0].bound-directories[0]: needs a src or a dst"},
      {"bound directory src is a list",
       limits("          bound-directories:\n            - src: [a]\n"), errc::invalid_argument,
       "bound-directories[0].src: expected a string"},
  };
  for (const auto& row : rows) {
    DYNAMIC_SECTION(row.name) {
      const auto parsed = parse_job_config(row.yaml);
      REQUIRE_FALSE(parsed);
      CHECK(parsed.error().code == row.code);
      CHECK_THAT(parsed.error().message, Catch::Contains(row.message_part));
    }
  }
}

TEST_CASE("a minimal job takes every default", "[worker][job_config]") {
  const auto parsed = parse_job_config(task_with(""));
  REQUIRE(parsed);
  const auto& job = parsed.value();
  CHECK(job.submission.job_id == "j1");
  CHECK(job.submission.file_collector == "http://fc/x");
  CHECK_FALSE(job.submission.log);
  CHECK(job.submission.hw_groups == std::vector<std::string>{"g1"});
  REQUIRE(job.tasks.size() == 1);
  const auto& task = job.tasks[0];
  CHECK(task.task_id == "t");
  CHECK(task.priority == 1);
  CHECK_FALSE(task.fatal_failure);
  CHECK(task.dependencies.empty());
  CHECK_FALSE(task.test_id);
  CHECK(task.type == task_type::inner);
  CHECK(task.bin == "ls");
  CHECK(task.args.empty());
  CHECK(task.success_exit_codes == std::vector<exit_code_range>{{0, 0}});
  CHECK_FALSE(task.is_external());
  CHECK(task.line == 6);
}

TEST_CASE("an empty task list is a valid job", "[worker][job_config]") {
  const auto parsed = parse_job_config(job_with("  []\n"));
  REQUIRE(parsed);
  CHECK(parsed.value().tasks.empty());
}

TEST_CASE("type is case-insensitive and anything unknown is inner", "[worker][job_config]") {
  struct row {
    std::string text;
    task_type type;
  };
  const std::vector<row> rows{
      {"initiation", task_type::initiation}, {"EXECUTION", task_type::execution},
      {"Evaluation", task_type::evaluation}, {"inner", task_type::inner},
      {"compile", task_type::inner},         {"''", task_type::inner}};
  for (const auto& r : rows) {
    DYNAMIC_SECTION(r.text) {
      const auto parsed = parse_job_config(task_with("    type: " + r.text + "\n"));
      REQUIRE(parsed);
      CHECK(parsed.value().tasks[0].type == r.type);
    }
  }
}

TEST_CASE("booleans take the YAML spellings", "[worker][job_config]") {
  struct row {
    std::string text;
    bool value;
  };
  const std::vector<row> rows{{"true", true},   {"True", true}, {"yes", true}, {"on", true},
                              {"false", false}, {"NO", false},  {"off", false}};
  for (const auto& r : rows) {
    DYNAMIC_SECTION(r.text) {
      const auto parsed = parse_job_config(task_with("    fatal-failure: " + r.text + "\n"));
      REQUIRE(parsed);
      CHECK(parsed.value().tasks[0].fatal_failure == r.value);
    }
  }
}

TEST_CASE("success exit codes take a code, codes and inclusive ranges", "[worker][job_config]") {
  struct row {
    std::string text;
    std::vector<exit_code_range> ranges;
    std::vector<int> in;
    std::vector<int> out;
  };
  const std::vector<row> rows{
      {"3", {{3, 3}}, {3}, {0, 2, 4}},
      {"[0, 1]", {{0, 0}, {1, 1}}, {0, 1}, {2}},
      {"[0, [10, 20], 255]", {{0, 0}, {10, 20}, {255, 255}}, {0, 10, 15, 20, 255}, {9, 21, 254}},
      {"[]", {}, {}, {0}},
  };
  for (const auto& r : rows) {
    DYNAMIC_SECTION(r.text) {
      const auto parsed = parse_job_config(
          task_with("", "    cmd:\n      bin: ls\n      success-exit-codes: " + r.text + "\n"));
      REQUIRE(parsed);
      const auto& task = parsed.value().tasks[0];
      CHECK(task.success_exit_codes == r.ranges);
      for (int code : r.in)
        CHECK(task.is_success_exit_code(code));
      for (int code : r.out)
        CHECK_FALSE(task.is_success_exit_code(code));
    }
  }
}

TEST_CASE("a sandbox with every key is read into its fields", "[worker][job_config]") {
  const auto parsed = parse_job_config(task_with(R"(    sandbox:
      name: isolate
      stdin: in.txt
      stdout: out.txt
      stderr: err.txt
      stderr-to-stdout: true
      output: yes
      carboncopy-stdout: /cc/out
      carboncopy-stderr: /cc/err
      chdir: /box/sub
      working-directory: sub/dir
      limits:
        - hw-group-id: g1
          time: 1.5
          wall-time: 2
          extra-time: 0.25
          stack-size: 8192
          memory: 65536
          extra-memory: 64
          parallel: 4
          disk-quotas: true
          disk-size: 1024
          disk-files: 10
          chdir: /ignored/in/limits
          environ-variable:
            PATH: /usr/bin
            EMPTY:
          bound-directories:
            - src: /opt/a
              dst: /a
              mode: RW,NoExec
            - src: /usr/lib/jvm
            - dst: /tmp
              mode: tmp
        - hw-group-id: g2
)"));
  REQUIRE(parsed);
  const auto& sandbox = parsed.value().tasks[0].sandbox;
  REQUIRE(sandbox);
  CHECK(sandbox->name == "isolate");
  CHECK(sandbox->stdin_path == "in.txt");
  CHECK(sandbox->stdout_path == "out.txt");
  CHECK(sandbox->stderr_path == "err.txt");
  CHECK(sandbox->stderr_to_stdout);
  CHECK(sandbox->output);
  CHECK(sandbox->carboncopy_stdout == "/cc/out");
  CHECK(sandbox->carboncopy_stderr == "/cc/err");
  CHECK(sandbox->chdir == "/box/sub");
  CHECK(sandbox->working_directory == "sub/dir");
  REQUIRE(sandbox->limits.size() == 2);
  const auto& l = sandbox->limits[0];
  CHECK(l.hw_group_id == "g1");
  CHECK(l.line == 21);
  CHECK(l.time == 1.5);
  CHECK(l.wall_time == 2.0);
  CHECK(l.extra_time == 0.25);
  CHECK(l.stack_size == 8192u);
  CHECK(l.memory == 65536u);
  CHECK(l.extra_memory == 64u);
  CHECK(l.parallel == 4u);
  CHECK(l.disk_quotas == true);
  CHECK(l.disk_size == 1024u);
  CHECK(l.disk_files == 10u);
  CHECK(l.environ_variables == environment{{"PATH", "/usr/bin"}, {"EMPTY", ""}});
  CHECK(l.bound_directories ==
        std::vector<bound_directory>{{"/opt/a", "/a", dir_mode::rw | dir_mode::noexec},
                                     {"/usr/lib/jvm", "/usr/lib/jvm", dir_mode::read_only},
                                     {"", "/tmp", dir_mode::tmp}});
  const auto& empty = sandbox->limits[1];
  CHECK(empty.hw_group_id == "g2");
  CHECK_FALSE(empty.time);
  CHECK_FALSE(empty.memory);
  CHECK_FALSE(empty.disk_quotas);
}

TEST_CASE("keys unknown to the worker are ignored", "[worker][job_config]") {
  const auto parsed = parse_job_config(R"(submission:
  job-id: j1
  language: c
  file-collector: http://fc
  hw-groups: [g1]
checkScore: true
tasks:
  - task-id: t
    has-stats: true
    cmd:
      bin: ls
      extra: 1
)");
  REQUIRE(parsed);
  CHECK(parsed.value().tasks.size() == 1);
}

TEST_CASE("bound directory mode words are found as case-insensitive substrings",
          "[worker][job_config]") {
  struct row {
    std::string text;
    unsigned mode;
    std::string canonical;
  };
  const std::vector<row> rows{
      {"", dir_mode::read_only, ""},
      {"RW", dir_mode::rw, "rw"},
      {"noexec,rw", dir_mode::rw | dir_mode::noexec, "rw,noexec"},
      {"fs maybe dev", dir_mode::fs | dir_mode::maybe | dir_mode::dev, "fs,maybe,dev"},
      {"TMP;NOREC", dir_mode::tmp | dir_mode::norec, "tmp,norec"},
      {"readonly", dir_mode::read_only, ""},
  };
  for (const auto& r : rows) {
    DYNAMIC_SECTION(r.text) {
      CHECK(parse_dir_mode(r.text) == r.mode);
      CHECK(dir_mode_to_string(r.mode) == r.canonical);
    }
  }
}

TEST_CASE("the complete example of the spec parses end to end", "[worker][job_config]") {
  const auto parsed = parse_job_config(test::example_job);
  REQUIRE(parsed);
  const auto& job = parsed.value();
  CHECK(job.submission.job_id == "student_demo42");
  CHECK(job.submission.file_collector == "http://127.0.0.1:9999/exercises");
  CHECK_FALSE(job.submission.log);
  CHECK(job.submission.hw_groups == std::vector<std::string>{"group1"});
  REQUIRE(job.tasks.size() == 6);

  const auto& build = job.tasks[0];
  CHECK(build.task_id == "build");
  CHECK(build.type == task_type::initiation);
  CHECK(build.priority == 100);
  CHECK(build.fatal_failure);
  CHECK(build.bin == "/usr/bin/gcc");
  CHECK(build.args == std::vector<std::string>{"-O2", "-o", "prog", "main.c"});
  REQUIRE(build.sandbox);
  CHECK(build.sandbox->output);
  CHECK(build.sandbox->chdir == "${EVAL_DIR}");
  REQUIRE(build.sandbox->limits.size() == 1);
  CHECK(build.sandbox->limits[0].time == 5.0);
  CHECK(build.sandbox->limits[0].wall_time == 10.0);
  CHECK(build.sandbox->limits[0].memory == 262144u);
  CHECK(build.sandbox->limits[0].parallel == 0u);
  CHECK_FALSE(build.sandbox->limits[0].extra_time);

  const auto& check = job.tasks[1];
  CHECK(check.dependencies == std::vector<std::string>{"build"});
  CHECK(check.bin == "exists");
  CHECK(check.args == std::vector<std::string>{"No executable was produced", "${SOURCE_DIR}/prog"});
  CHECK_FALSE(check.is_external());

  CHECK(job.tasks[2].priority == 42);
  CHECK(job.tasks[2].type == task_type::inner);
  const auto& run = job.tasks[4];
  CHECK(run.test_id == "T1");
  CHECK(run.type == task_type::execution);
  CHECK(run.sandbox->stdin_path == "${EVAL_DIR}/T1.in");
  CHECK(run.sandbox->stdout_path == "${EVAL_DIR}/T1.out");
  CHECK_FALSE(run.sandbox->output);
  const auto& judge = job.tasks[5];
  CHECK(judge.dependencies == std::vector<std::string>{"run-T1", "fetch-ref-T1"});
  CHECK(judge.type == task_type::evaluation);
  CHECK(judge.args.size() == 5);
  CHECK(judge.sandbox->limits.empty());
}

TEST_CASE("every task type has a name", "[worker][job_config]") {
  for (auto type :
       {task_type::inner, task_type::initiation, task_type::execution, task_type::evaluation})
    CHECK(to_string(type) != "unknown");
  CHECK(to_string(task_type::execution) == "execution");
}
