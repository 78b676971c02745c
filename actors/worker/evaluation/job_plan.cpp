// Job construction: everything that can reject a job before its first task runs, in the order
// the original rejects it, so the same bad job ends with the same `done` status.
#include "actors/worker/evaluation/job_plan.hpp"

#include "actors/worker/evaluation/task_order.hpp"

#include <algorithm>

namespace recodex::worker {

std::string_view to_string(done_status status) {
  switch (status) {
  case done_status::ok:
    return "OK";
  case done_status::failed:
    return "FAILED";
  case done_status::internal_error:
    return "INTERNAL_ERROR";
  }
  return "INTERNAL_ERROR";
}

done_status done_status_for(const error& e) {
  return e.code == errc::invalid_argument ? done_status::failed : done_status::internal_error;
}

namespace {

error in_task(const task_metadata& task, const error& e) {
  return error{e.code,
               "task " + task.task_id + " (line " + std::to_string(task.line) + "): " + e.message};
}

} // namespace

result<job_plan> build_job_plan(const job_config& config, const job_context& context) {
  const auto& submission = config.submission;
  if (submission.job_id != context.job_id)
    return error{errc::invalid_argument, "job-config.yml: submission.job-id '" + submission.job_id +
                                             "' does not match the job id '" + context.job_id +
                                             "' of the request"};
  const auto& groups = submission.hw_groups;
  if (std::find(groups.begin(), groups.end(), context.hwgroup) == groups.end())
    return error{errc::not_found, "job-config.yml: submission.hw-groups does not contain this "
                                  "worker's hwgroup '" +
                                      context.hwgroup + "'"};

  RECODEX_TRY(order, order_tasks(config.tasks));
  job_plan plan;
  plan.submission = submission;
  plan.tasks.reserve(order.size());
  for (const auto index : order) {
    planned_task planned;
    planned.task = config.tasks[index];
    auto& task = planned.task;
    // Variables first, so the job's bound directories are already substituted when they are
    // merged with the worker's (whose paths are taken as configured).
    RECODEX_TRY_VOID(substitute_task(task, context.variables));
    if (task.is_external()) {
      auto limits = resolve_limits(task.sandbox->limits, context.hwgroup, context.default_limits);
      if (!limits)
        return in_task(task, limits.error());
      planned.limits = std::move(limits).value();
    } else {
      RECODEX_TRY(kind, validate_internal_task(task));
      planned.kind = kind;
    }
    plan.tasks.push_back(std::move(planned));
  }
  return plan;
}

result<job_plan> build_job_plan(std::string_view job_config_yaml, const job_context& context) {
  RECODEX_TRY(config, parse_job_config(job_config_yaml));
  return build_job_plan(config, context);
}

} // namespace recodex::worker
