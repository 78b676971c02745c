// The typed results of one job and their result.yml text (6.1). The writer is our own rather
// than yaml-cpp's emitter so the bytes do not drift with the library version and a stdout that
// reads "true" or "42" stays a string: anything not plainly a word is double-quoted, with
// control and non-ASCII characters escaped (\n, \t, \x01, \xe9, \u20ac, invalid UTF-8 -> \ufffd).
#pragma once

#include "actors/worker/evaluation/fwd.hpp"

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace recodex::worker {

enum class task_status { ok, failed, skipped };
std::string_view to_string(task_status status); // OK, FAILED, SKIPPED

// RE runtime error or non-zero exit, SG signal, TO timeout, XX sandbox error.
enum class sandbox_status { ok, re, sg, to, xx };
std::string_view to_string(sandbox_status status); // OK, RE, SG, TO, XX

struct sandbox_results {
  int exitcode = 0;
  double time = 0;           // cpu seconds
  double wall_time = 0;      // seconds
  std::uint64_t memory = 0;  // KiB, cgroup peak
  std::uint64_t max_rss = 0; // KiB
  sandbox_status status = sandbox_status::ok;
  int exitsig = 0;
  bool killed = false;
  std::string message;
  std::uint64_t csw_voluntary = 0;
  std::uint64_t csw_forced = 0;
};

struct task_output {
  std::string stdout_text;
  std::string stderr_text;
};

struct task_result {
  std::string task_id;
  task_status status = task_status::ok;
  std::string error_message;              // written only if non-empty
  std::optional<task_output> output;      // written when captured
  std::optional<sandbox_results> sandbox; // only for tasks that ran in the sandbox
};

struct job_results {
  std::string job_id;
  std::string hw_group;
  std::vector<task_result> results; // in execution order, only tasks that were reached
};

// result.yml text. A skipped task is written with its id and status only, whatever else it
// carries.
std::string write_result_yml(const job_results& results);

// One YAML scalar as the writer emits it: plain when safe, else double-quoted and escaped.
std::string yaml_scalar(std::string_view text);

} // namespace recodex::worker
