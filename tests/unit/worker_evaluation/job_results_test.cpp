// Tests of actors/worker/evaluation/job_results.hpp: result.yml golden text for OK, FAILED and
// SKIPPED tasks, scalar quoting and escaping (non-ASCII, control bytes, invalid UTF-8).
#include "actors/worker/evaluation/job_results.hpp"

#include <catch2/catch.hpp>

using namespace recodex::worker;

TEST_CASE("result.yml is written byte for byte", "[worker][results]") {
  job_results job;
  job.job_id = "student_demo42";
  job.hw_group = "group1";

  task_result build;
  build.task_id = "build";
  build.status = task_status::ok;
  build.output = task_output{"", "main.c: warning: unused\n"};
  sandbox_results sb;
  sb.exitcode = 0;
  sb.time = 0.125;
  sb.wall_time = 0.5;
  sb.memory = 4096;
  sb.max_rss = 3072;
  sb.status = sandbox_status::ok;
  sb.exitsig = 0;
  sb.killed = false;
  sb.message = "";
  sb.csw_voluntary = 3;
  sb.csw_forced = 1;
  build.sandbox = sb;

  task_result check;
  check.task_id = "build-check";
  check.status = task_status::failed;
  check.error_message = "File/folder '/wd/prog' cannot be found";
  check.output = task_output{"", "No executable was produced"};

  task_result run;
  run.task_id = "run-T1";
  run.status = task_status::failed;
  run.error_message = "Sandboxed program failed: Time limit exceeded";
  auto timed_out = sb;
  timed_out.status = sandbox_status::to;
  timed_out.exitcode = -1;
  timed_out.time = 1.0;
  timed_out.wall_time = 1.25;
  timed_out.exitsig = 9;
  timed_out.killed = true;
  timed_out.message = "Time limit exceeded";
  run.sandbox = timed_out;

  task_result judge;
  judge.task_id = "judge-T1";
  judge.status = task_status::skipped;
  judge.error_message = "never written";
  judge.output = task_output{"x", "y"};

  job.results = {build, check, run, judge};
  CHECK(write_result_yml(job) == R"(job-id: student_demo42
hw-group: group1
results:
  - task-id: build
    status: OK
    output:
      stdout: ""
      stderr: "main.c: warning: unused\n"
    sandbox_results:
      exitcode: 0
      time: 0.125
      wall-time: 0.5
      memory: 4096
      max-rss: 3072
      status: OK
      exitsig: 0
      killed: false
      message: ""
      csw-voluntary: 3
      csw-forced: 1
  - task-id: build-check
    status: FAILED
    error_message: "File/folder '/wd/prog' cannot be found"
    output:
      stdout: ""
      stderr: "No executable was produced"
  - task-id: run-T1
    status: FAILED
    error_message: "Sandboxed program failed: Time limit exceeded"
    sandbox_results:
      exitcode: -1
      time: 1
      wall-time: 1.25
      memory: 4096
      max-rss: 3072
      status: TO
      exitsig: 9
      killed: true
      message: "Time limit exceeded"
      csw-voluntary: 3
      csw-forced: 1
  - task-id: judge-T1
    status: SKIPPED
)");
}

TEST_CASE("a job with no results writes an empty list", "[worker][results]") {
  job_results job;
  job.job_id = "42";
  job.hw_group = "group1";
  CHECK(write_result_yml(job) == "job-id: \"42\"\nhw-group: group1\nresults: []\n");
}

TEST_CASE("scalars are plain only when no reader could mistake them", "[worker][results]") {
  struct row {
    std::string in;
    std::string out;
  };
  const std::vector<row> rows{
      {"build", "build"},
      {"fetch-in-T1", "fetch-in-T1"},
      {"/usr/bin/gcc", "/usr/bin/gcc"},
      {"_x.y", "_x.y"},
      {"", "\"\""},
      {"42", "\"42\""},
      {"1.5", "\"1.5\""},
      {"true", "\"true\""},
      {"No", "\"No\""},
      {"null", "\"null\""},
      {"~", "\"~\""},
      {"-O2", "\"-O2\""},
      {"a b", "\"a b\""},
      {"a: b", "\"a: b\""},
      {"#x", "\"#x\""},
      {"say \"hi\" \\ bye", "\"say \\\"hi\\\" \\\\ bye\""},
      {"1\n2\n", "\"1\\n2\\n\""},
      {"a\tb\rc", "\"a\\tb\\rc\""},
      {std::string("nul\0x", 5), "\"nul\\0x\""},
      {"\x01\x1f\x7f", "\"\\x01\\x1f\\x7f\""},
      {"h\xc3\xa9llo", "\"h\\xe9llo\""},
      {"\xe2\x82\xac", "\"\\u20ac\""},
      {"\xf0\x9f\x98\x80", "\"\\U0001f600\""},
      {"\xff\xfe ok", "\"\\ufffd\\ufffd ok\""},
      {"\xc3", "\"\\ufffd\""},
      {"\xc0\xaf", "\"\\ufffd\\ufffd\""},
      {"\xed\xa0\x80", "\"\\ufffd\\ufffd\\ufffd\""},
  };
  for (const auto& r : rows) {
    DYNAMIC_SECTION(r.out) {
      CHECK(yaml_scalar(r.in) == r.out);
    }
  }
}

TEST_CASE("every result status has its wire name", "[worker][results]") {
  CHECK(to_string(task_status::ok) == "OK");
  CHECK(to_string(task_status::failed) == "FAILED");
  CHECK(to_string(task_status::skipped) == "SKIPPED");
  CHECK(to_string(sandbox_status::ok) == "OK");
  CHECK(to_string(sandbox_status::re) == "RE");
  CHECK(to_string(sandbox_status::sg) == "SG");
  CHECK(to_string(sandbox_status::to) == "TO");
  CHECK(to_string(sandbox_status::xx) == "XX");
}
