// The typed job configuration (job-config.yml, spec 5.1) and its parser. The YAML is hostile
// input: every rule of the schema is checked here and a violation is an error naming the key
// path and the YAML line. Schema violations are errc::invalid_argument, which ends the job with
// `done FAILED` (6.3); YAML that does not parse at all is errc::internal (INTERNAL_ERROR).
#pragma once

#include "actors/worker/evaluation/fwd.hpp"
#include "actors/worker/evaluation/sandbox_limits.hpp"
#include "messages/result.hpp"

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace recodex::worker {

// `type` of a task; case-insensitive in the YAML, anything unknown or missing is `inner`.
enum class task_type { inner, initiation, execution, evaluation };
std::string_view to_string(task_type type);

// One inclusive range of success exit codes; a single code is {c, c}.
struct exit_code_range {
  int from = 0;
  int to = 0;
  friend bool operator==(const exit_code_range& a, const exit_code_range& b) {
    return a.from == b.from && a.to == b.to;
  }
};

struct sandbox_config {
  std::string name; // only "isolate"
  std::optional<std::string> stdin_path;
  std::optional<std::string> stdout_path;
  std::optional<std::string> stderr_path;
  bool stderr_to_stdout = false;
  bool output = false;
  std::optional<std::string> carboncopy_stdout;
  std::optional<std::string> carboncopy_stderr;
  std::optional<std::string> chdir;
  std::optional<std::string> working_directory; // relative, no "..", under SOURCE_DIR
  std::vector<limits_entry> limits;
};

struct task_metadata {
  std::string task_id;
  std::uint64_t priority = 1;
  bool fatal_failure = false;
  std::vector<std::string> dependencies;
  std::optional<std::string> test_id;
  task_type type = task_type::inner;
  std::string bin;
  std::vector<std::string> args;
  std::vector<exit_code_range> success_exit_codes{{0, 0}};
  std::optional<sandbox_config> sandbox; // present => external task
  int line = 0;                          // of the task in job-config.yml, for messages

  bool is_external() const { return sandbox.has_value(); }
  bool is_success_exit_code(int code) const;
};

struct submission_metadata {
  std::string job_id;
  std::string file_collector;
  bool log = false;
  std::vector<std::string> hw_groups;
};

struct job_config {
  submission_metadata submission;
  std::vector<task_metadata> tasks; // in file order
};

// Parses job-config.yml text. Never throws. Keys unknown to the worker are ignored (5.1).
result<job_config> parse_job_config(std::string_view yaml_text);

} // namespace recodex::worker
