// Forward declarations of the evaluation room's public types, so headers elsewhere can name
// them without pulling in the definitions.
#pragma once

namespace recodex::worker {

enum class task_type;
enum class done_status;
enum class task_status;
enum class sandbox_status;
enum class internal_task_kind;
struct exit_code_range;
struct bound_directory;
struct sandbox_limits;
struct limits_entry;
struct sandbox_config;
struct task_metadata;
struct submission_metadata;
struct job_config;
struct job_variables;
struct job_context;
struct planned_task;
struct job_plan;
struct sandbox_results;
struct task_result;
struct job_results;

} // namespace recodex::worker
