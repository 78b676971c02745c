// result.yml -> verdicts: one row per combination of run and judge outcomes, a whole result.yml
// of the five-verdict job, a compile error, and the printed table.
#include "nodes/client/job_results.hpp"

#include <catch2/catch.hpp>

using namespace recodex;
using namespace recodex::client;

namespace {

task_row row(std::string status, std::string sandbox_status = "OK", int exitcode = 0,
             std::string message = {}) {
  task_row r;
  r.status = std::move(status);
  r.sandboxed = !sandbox_status.empty();
  r.sandbox_status = std::move(sandbox_status);
  r.exitcode = exitcode;
  r.sandbox_message = std::move(message);
  return r;
}

// The result.yml our worker writes for the sum task with a program that fails in every way.
const char* five_verdicts = R"(job-id: sum_1
hw-group: group1
results:
  - task-id: compile
    status: OK
    sandbox_results: {exitcode: 0, time: 0.1, wall-time: 0.2, memory: 20000, max-rss: 1, status: OK, exitsig: 0, killed: false, message: ""}
  - task-id: compile-check
    status: OK
  - task-id: fetch-input-ok
    status: OK
  - task-id: run-ok
    status: OK
    sandbox_results: {exitcode: 0, time: 0.002, wall-time: 0.01, memory: 1200, max-rss: 1, status: OK, exitsig: 0, killed: false, message: ""}
  - task-id: fetch-expected-ok
    status: OK
  - task-id: judge-ok
    status: OK
    output: {stdout: "1\n"}
    sandbox_results: {exitcode: 0, time: 0.001, wall-time: 0.01, memory: 900, max-rss: 1, status: OK, exitsig: 0, killed: false, message: ""}
  - task-id: run-wrong
    status: OK
    sandbox_results: {exitcode: 0, time: 0.003, wall-time: 0.01, memory: 1100, max-rss: 1, status: OK, exitsig: 0, killed: false, message: ""}
  - task-id: judge-wrong
    status: FAILED
    error_message: "Sandboxed program failed: Exited with error status 1"
    output: {stdout: "0\n", stderr: "-1: 43\n+1: 44\n"}
    sandbox_results: {exitcode: 1, time: 0.001, wall-time: 0.01, memory: 900, max-rss: 1, status: RE, exitsig: 0, killed: false, message: "Exited with error status 1"}
  - task-id: run-slow
    status: FAILED
    sandbox_results: {exitcode: 0, time: 1.01, wall-time: 1.02, memory: 1000, max-rss: 1, status: TO, exitsig: 9, killed: true, message: "Time limit exceeded"}
  - task-id: judge-slow
    status: SKIPPED
  - task-id: run-hungry
    status: FAILED
    sandbox_results: {exitcode: 0, time: 0.05, wall-time: 0.06, memory: 65600, max-rss: 1, status: SG, exitsig: 9, killed: true, message: "Memory limit exceeded"}
  - task-id: judge-hungry
    status: SKIPPED
  - task-id: run-crash
    status: FAILED
    sandbox_results: {exitcode: 0, time: 0.001, wall-time: 0.01, memory: 800, max-rss: 1, status: SG, exitsig: 8, killed: false, message: "Caught fatal signal 8"}
  - task-id: judge-crash
    status: SKIPPED
)";

} // namespace

TEST_CASE("every verdict has a name", "[client][results]") {
  for (auto v :
       {verdict::ok, verdict::wrong_answer, verdict::time_limit, verdict::memory_limit,
        verdict::runtime_error, verdict::compile_error, verdict::skipped, verdict::internal_error})
    CHECK(to_string(v) != "?");
}

TEST_CASE("a test's verdict follows from its run and judge rows", "[client][results]") {
  const task_row ok = row("OK");
  const task_row wrong = row("FAILED", "RE", 1, "Exited with error status 1");
  const task_row judge_broken = row("FAILED", "RE", 2, "Exited with error status 2");
  const task_row skipped = row("SKIPPED", "");
  const task_row timed_out = row("FAILED", "TO", 0, "Time limit exceeded");
  const task_row oom = row("FAILED", "SG", 0, "Memory limit exceeded");
  const task_row oom_exit = row("FAILED", "RE", 1, "Memory limit exceeded");
  const task_row signal = row("FAILED", "SG", 0, "Caught fatal signal 11");
  const task_row exit3 = row("FAILED", "RE", 3, "Exited with error status 3");
  const task_row sandbox_error = row("FAILED", "XX", 0, "cannot create the box");
  const task_row* none = nullptr;
  struct case_row {
    const task_row* run;
    const task_row* judge;
    bool compile_failed;
    verdict expected;
  };
  // Built on every run of the test case: the rows above are locals of this run.
  const std::vector<case_row> cases = {
      {&ok, &ok, false, verdict::ok},
      {&ok, &wrong, false, verdict::wrong_answer},
      {&ok, &judge_broken, false, verdict::internal_error},
      {&ok, &skipped, false, verdict::skipped},
      {&ok, none, false, verdict::skipped},
      {&timed_out, &skipped, false, verdict::time_limit},
      {&oom, &skipped, false, verdict::memory_limit},
      {&oom_exit, &skipped, false, verdict::memory_limit},
      {&signal, &skipped, false, verdict::runtime_error},
      {&exit3, &skipped, false, verdict::runtime_error},
      {&sandbox_error, none, false, verdict::internal_error},
      {&skipped, &skipped, false, verdict::skipped},
      {none, none, false, verdict::skipped},
      {none, none, true, verdict::compile_error},
      {&skipped, &skipped, true, verdict::compile_error},
  };
  for (std::size_t i = 0; i < cases.size(); ++i) {
    CAPTURE(i);
    const auto& c = cases[i];
    CHECK(to_string(derive_verdict(c.run, c.judge, c.compile_failed)) == to_string(c.expected));
  }
}

TEST_CASE("the judge's score is its first token, clamped", "[client][results]") {
  auto score = [](std::string out) {
    task_row r;
    r.stdout_text = std::move(out);
    return judge_score(r);
  };
  CHECK(score("1\n") == 1.0);
  CHECK(score("0.25 partial\nlog") == 0.25);
  CHECK(score("7") == 1.0);
  CHECK(score("-1") == 0.0);
  CHECK_FALSE(score(""));
  CHECK_FALSE(score("yes"));
}

TEST_CASE("a result.yml of every run verdict becomes one row per test", "[client][results]") {
  auto parsed = parse_job_results(five_verdicts, "");
  REQUIRE(parsed);
  const auto& r = parsed.value();
  CHECK(r.job_id == "sum_1");
  CHECK(r.hw_group == "group1");
  CHECK_FALSE(r.compile_failed);
  REQUIRE(r.tests.size() == 5);
  CHECK(r.tests[0].test == "ok");
  CHECK(r.tests[0].outcome == verdict::ok);
  CHECK(r.tests[0].time == Approx(0.002));
  CHECK(r.tests[0].memory == 1200);
  CHECK(r.tests[0].score == 1.0);
  CHECK(r.tests[1].outcome == verdict::wrong_answer);
  CHECK(r.tests[1].score == 0.0);
  CHECK(r.tests[1].message == "line 1: expected 43, got 44");
  CHECK(r.tests[2].outcome == verdict::time_limit);
  CHECK(r.tests[3].outcome == verdict::memory_limit);
  CHECK(r.tests[4].outcome == verdict::runtime_error);
  CHECK(r.tests[4].message == "Caught fatal signal 8");
  CHECK_FALSE(r.passed());

  CHECK(format_results_table(r) ==
        "test    verdict  time     memory    score\n"
        "ok      OK       0.002 s  1.2 MiB   1\n"
        "wrong   WA       0.003 s  1.1 MiB   0      line 1: expected 43, got 44\n"
        "slow    TLE      1.010 s  1000 KiB  -      Time limit exceeded\n"
        "hungry  MLE      0.050 s  64.1 MiB  -      Memory limit exceeded\n"
        "crash   RE       0.001 s  800 KiB   -      Caught fatal signal 8\n"
        "5 tests: 1 OK, 1 WA, 1 TLE, 1 MLE, 1 RE\n");
}

TEST_CASE("the job config names the tests when the task ids do not", "[client][results]") {
  const char* result =
      "job-id: j\nhw-group: g\nresults:\n"
      "  - {task-id: exec1, status: OK, sandbox_results: {status: OK, time: 0.5, memory: 10}}\n"
      "  - {task-id: eval1, status: OK, output: {stdout: '1'}, sandbox_results: {status: OK}}\n";
  const char* config = "submission: {job-id: j}\ntasks:\n"
                       "  - {task-id: exec1, test-id: first, type: execution, cmd: {bin: x}}\n"
                       "  - {task-id: eval1, test-id: first, type: evaluation, cmd: {bin: y}}\n";
  auto parsed = parse_job_results(result, config);
  REQUIRE(parsed);
  REQUIRE(parsed.value().tests.size() == 1);
  CHECK(parsed.value().tests[0].test == "first");
  CHECK(parsed.value().tests[0].outcome == verdict::ok);
  CHECK(parsed.value().passed());
}

TEST_CASE("a failed compilation makes every test CE and keeps the compiler's output",
          "[client][results]") {
  const char* result = "job-id: j\nhw-group: g\nresults:\n"
                       "  - task-id: compile\n    status: FAILED\n"
                       "    output: {stderr: \"sum.c:6:3: error: expected ';'\\n\"}\n"
                       "    sandbox_results: {status: RE, exitcode: 1}\n";
  const char* config = "submission: {job-id: j}\ntasks:\n"
                       "  - {task-id: compile, type: initiation, cmd: {bin: gcc}}\n"
                       "  - {task-id: run-a, test-id: a, type: execution, cmd: {bin: x}}\n"
                       "  - {task-id: judge-a, test-id: a, type: evaluation, cmd: {bin: y}}\n"
                       "  - {task-id: run-b, test-id: b, type: execution, cmd: {bin: x}}\n";
  auto parsed = parse_job_results(result, config);
  REQUIRE(parsed);
  const auto& r = parsed.value();
  CHECK(r.compile_failed);
  REQUIRE(r.tests.size() == 2);
  CHECK(r.tests[0].outcome == verdict::compile_error);
  CHECK(r.tests[1].outcome == verdict::compile_error);
  CHECK(format_results_table(r) == "test  verdict  time  memory  score\n"
                                   "a     CE       -     -       -      compilation failed\n"
                                   "b     CE       -     -       -      compilation failed\n"
                                   "2 tests: 2 CE\n"
                                   "compiler output:\n"
                                   "sum.c:6:3: error: expected ';'\n");
}

TEST_CASE("a result.yml without results is refused", "[client][results]") {
  auto bad =
      GENERATE(as<std::string>{}, "job-id: j\n", "- a\n", "results: {a: 1}\n", "results: [\n");
  CAPTURE(bad);
  auto parsed = parse_job_results(bad, "");
  REQUIRE_FALSE(parsed);
  CHECK(parsed.error().code == errc::invalid_argument);
}
