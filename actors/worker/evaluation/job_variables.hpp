// `${NAME}` substitution (5.3): the seven variables, and the fields of a task they apply to.
// Unknown names stay as written; an opening `${` without its `}` is a job error.
#pragma once

#include "actors/worker/evaluation/fwd.hpp"
#include "messages/result.hpp"

#include <cstdint>
#include <string>
#include <string_view>

namespace recodex::worker {

struct job_variables {
  std::uint64_t worker_id = 0;
  std::string job_id;
  std::string source_dir; // <working-directory>/eval/<worker-id>/<job-id>
  std::string result_dir; // <working-directory>/results/<worker-id>/<job-id>
  std::string temp_dir;   // the OS temp dir, not job-specific
  std::string judges_dir; // worker key judges-dir (ReCodEx: /usr/bin)
  // EVAL_DIR is always /box: the same files as the sandbox sees them.
};

inline constexpr std::string_view eval_dir = "/box";

// The variables of 5.3 for a worker whose working directory is `working_directory`.
job_variables make_job_variables(std::uint64_t worker_id, std::string job_id,
                                 std::string_view working_directory, std::string temp_dir,
                                 std::string judges_dir);

// Replaces every `${NAME}` of a known variable in `text`. errc::conflict (-> INTERNAL_ERROR)
// when a `${` is not closed.
result<std::string> substitute(std::string_view text, const job_variables& vars);

// Applies substitute() to cmd.bin, every cmd.args item, sandbox chdir, stdin, stdout, stderr,
// carboncopy-stdout/-stderr and every bound directory's src and dst of every limits entry; never
// to environment values, working-directory or ids. The error names the task and the field.
result<void> substitute_task(task_metadata& task, const job_variables& vars);

} // namespace recodex::worker
