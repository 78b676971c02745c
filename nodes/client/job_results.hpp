// A job's outcome as a person reads it: one row per test with a verdict (OK, WA, TLE, MLE, RE,
// CE, SKIPPED, IE), the run's time and memory and the judge's score, derived from the worker's
// result.yml (spec 6.1) and, when the results zip has it, the job-config.yml copy (which task
// belongs to which test). Pure: text in, values and text out.
#pragma once

#include "messages/result.hpp"

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace recodex::client {

enum class verdict {
  ok,
  wrong_answer,
  time_limit,
  memory_limit,
  runtime_error,
  compile_error,
  skipped,
  internal_error, // the judge or the sandbox failed, not the program
};
std::string_view to_string(verdict v); // OK, WA, TLE, MLE, RE, CE, SKIPPED, IE

// One entry of result.yml's `results`.
struct task_row {
  std::string task_id;
  std::string status; // OK, FAILED, SKIPPED
  std::string error_message;
  std::string stdout_text;
  std::string stderr_text;
  bool sandboxed = false;     // has sandbox_results
  std::string sandbox_status; // OK, RE, SG, TO, XX
  std::string sandbox_message;
  int exitcode = 0;
  double time = 0;          // s of CPU
  std::uint64_t memory = 0; // KiB
};

// The rows of one test (either may be absent: a fatal compile failure stops the job).
// `compile_failed`: an initiation task of the job failed.
verdict derive_verdict(const task_row* run, const task_row* judge, bool compile_failed);

// The judge's score: the first token of its stdout if numeric, clamped to [0, 1] (spec 6.1).
std::optional<double> judge_score(const task_row& judge);

struct test_result {
  std::string test;
  verdict outcome = verdict::skipped;
  double time = 0;          // s
  std::uint64_t memory = 0; // KiB
  std::optional<double> score;
  std::string message; // why, when not OK (sandbox message, judge log's first line)
};

struct job_results {
  std::string job_id;
  std::string hw_group;
  bool compile_failed = false;
  std::string compile_log; // the compiler's output when compiling failed
  std::vector<test_result> tests;
  std::vector<task_row> tasks; // every row of result.yml, in order

  // Every test OK.
  bool passed() const;
};

// Parses result.yml; `job_config_yml` may be empty (then task ids are read as our generator
// writes them: compile*, run-<test>, judge-<test>).
result<job_results> parse_job_results(std::string_view result_yml, std::string_view job_config_yml);

// The table printed by `recodex results`:
//   test  verdict  time      memory     score
//   T1    OK       0.001 s   1.2 MiB    1
// then one summary line ("5 tests: 4 OK, 1 WA").
std::string format_results_table(const job_results& results);

} // namespace recodex::client
