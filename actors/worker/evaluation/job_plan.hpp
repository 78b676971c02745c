// The evaluator's door to this room: from job-config.yml text and what the worker knows (its
// hwgroup, default limits, directories) to a plan of tasks in execution order, each with its
// variables substituted, its internal task kind or its resolved limits; and the `done` status
// (6.3) any error on the way maps to.
#pragma once

#include "actors/worker/evaluation/fwd.hpp"
#include "actors/worker/evaluation/internal_tasks.hpp"
#include "actors/worker/evaluation/job_config.hpp"
#include "actors/worker/evaluation/job_variables.hpp"
#include "actors/worker/evaluation/sandbox_limits.hpp"
#include "messages/result.hpp"

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace recodex::worker {

// The status word of the worker's `done` frame.
enum class done_status { ok, failed, internal_error };
std::string_view to_string(done_status status); // OK, FAILED, INTERNAL_ERROR

// 6.3: schema errors and a job-id mismatch (errc::invalid_argument) are FAILED and not retried;
// everything else this room reports is INTERNAL_ERROR (the broker retries it).
done_status done_status_for(const error& e);

struct job_context {
  std::string job_id;            // from the broker's eval
  std::string hwgroup;           // worker key hwgroup
  sandbox_limits default_limits; // worker key limits
  job_variables variables;       // see make_job_variables
};

struct planned_task {
  task_metadata task;                     // with variables substituted
  std::optional<internal_task_kind> kind; // internal tasks
  std::optional<sandbox_limits> limits;   // external tasks, resolved for the worker's hwgroup
};

struct job_plan {
  submission_metadata submission;
  std::vector<planned_task> tasks; // in execution order (5.4)
};

// Checks, in this order: the schema; job-id equals the eval's; the worker's hwgroup is among
// hw-groups; ids, dependencies and cycles; then per task in execution order: variables, the
// internal task's name and argument count or the external task's limits.
result<job_plan> build_job_plan(const job_config& config, const job_context& context);
result<job_plan> build_job_plan(std::string_view job_config_yaml, const job_context& context);

} // namespace recodex::worker
