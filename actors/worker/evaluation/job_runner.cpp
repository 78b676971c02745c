// The evaluator's run loop (5.4): dependants of failed or skipped tasks are skipped, a failed
// fatal-failure task ends the loop, a failed inner task aborts the job; see job_runner.hpp.
#include "actors/worker/evaluation/job_runner.hpp"

#include <set>
#include <utility>

namespace recodex::worker {

std::string_view to_string(progress_kind kind) {
  switch (kind) {
    case progress_kind::started:
      return "STARTED";
    case progress_kind::task_completed:
      return "COMPLETED";
    case progress_kind::task_failed:
      return "FAILED";
    case progress_kind::task_skipped:
      return "SKIPPED";
    case progress_kind::ended:
      return "ENDED";
  }
  return "?";
}

std::vector<std::string> progress_frames(const progress_state& state) {
  switch (state.kind) {
    case progress_kind::task_completed:
    case progress_kind::task_failed:
    case progress_kind::task_skipped:
      return {"TASK", state.task_id, std::string{to_string(state.kind)}};
    case progress_kind::started:
    case progress_kind::ended:
      break;
  }
  return {std::string{to_string(state.kind)}};
}

std::ostream& operator<<(std::ostream& out, const progress_state& state) {
  const auto frames = progress_frames(state);
  for (std::size_t i = 0; i < frames.size(); ++i)
    out << (i ? " " : "") << frames[i];
  return out;
}

task_result external_task_result(const task_metadata& task, external_task_outcome outcome) {
  auto& sandbox = outcome.sandbox;
  const bool success_code = task.is_success_exit_code(sandbox.exitcode);
  // The success set is the author's word on what a clean exit is; it overrides isolate's RE
  // for a non-zero code and turns a zero code outside the set into a failure.
  if (sandbox.status == sandbox_status::re && success_code) {
    sandbox.status = sandbox_status::ok;
    sandbox.message.clear();
  } else if (sandbox.status == sandbox_status::ok && !success_code) {
    sandbox.status = sandbox_status::re;
    sandbox.message = "Exited with code " + std::to_string(sandbox.exitcode) +
                      ", which is not considered a success exit code";
  }
  task_result r;
  r.task_id = task.task_id;
  r.output = std::move(outcome.output);
  if (sandbox.status != sandbox_status::ok) {
    r.status = task_status::failed;
    r.error_message = "Sandboxed program failed: " + sandbox.message;
  }
  r.sandbox = std::move(sandbox);
  return r;
}

namespace {

task_result internal_task_result(const task_metadata& task, internal_task_outcome outcome) {
  task_result r;
  r.task_id = task.task_id;
  r.status = outcome.ok ? task_status::ok : task_status::failed;
  r.error_message = std::move(outcome.error_message);
  if (outcome.stderr_text)
    r.output = task_output{{}, std::move(*outcome.stderr_text)};
  return r;
}

// The internal tasks between position `i` and the next external task in plan order.
std::vector<const planned_task*> internal_tasks_after(const job_plan& plan, std::size_t i) {
  std::vector<const planned_task*> out;
  for (std::size_t j = i + 1; j < plan.tasks.size() && plan.tasks[j].kind; ++j)
    out.push_back(&plan.tasks[j]);
  return out;
}

// The first external task after position `i` in plan order, or nullptr.
const planned_task* next_external(const job_plan& plan, std::size_t i) {
  for (std::size_t j = i + 1; j < plan.tasks.size(); ++j)
    if (!plan.tasks[j].kind)
      return &plan.tasks[j];
  return nullptr;
}

bool depends_on_any(const task_metadata& task, const std::set<std::string>& ids) {
  for (const auto& dependency : task.dependencies)
    if (ids.count(dependency))
      return true;
  return false;
}

} // namespace

executed_task execute_task(const planned_task& planned, internal_task_executor& internal,
                           external_task_executor& external) {
  const auto& task = planned.task;
  executed_task executed;
  if (planned.kind) {
    executed.result = internal_task_result(task, internal.run(planned));
  } else {
    auto ran = external.run(planned);
    if (!ran) {
      // The sandbox could not run the task at all: the original worker throws here and the
      // job ends `done FAILED` with the exception text, without ENDED or results.
      executed.done = done_status::failed;
      executed.message = "task " + task.task_id + ": " + ran.error().message;
      return executed;
    }
    executed.result = external_task_result(task, std::move(ran).value());
  }
  if (executed.result.status != task_status::ok && task.type == task_type::inner) {
    // An inner task is the job's own plumbing; its failure is ours, not the submission's,
    // so the broker should retry the job elsewhere (INTERNAL_ERROR).
    executed.done = done_status::internal_error;
    executed.message = "inner task " + task.task_id + " failed: " + executed.result.error_message;
  }
  return executed;
}

task_result skipped_task_result(const task_metadata& task) {
  return task_result{task.task_id, task_status::skipped, {}, {}, {}};
}

job_run run_job(const job_plan& plan, const std::string& hw_group,
                internal_task_executor& internal, external_task_executor& external,
                const progress_listener& listener) {
  job_run run;
  run.results.job_id = plan.submission.job_id;
  run.results.hw_group = hw_group;
  auto emit = [&](progress_state state) {
    if (listener)
      listener(state);
    run.progress.push_back(std::move(state));
  };

  emit(started());
  // Tasks whose dependants must not run. The plan puts every dependency before its
  // dependants, so one forward pass sees each verdict before it is needed.
  std::set<std::string> not_executable;
  for (std::size_t i = 0; i < plan.tasks.size(); ++i) {
    const auto& planned = plan.tasks[i];
    const auto& task = planned.task;
    if (depends_on_any(task, not_executable)) {
      not_executable.insert(task.task_id);
      run.results.results.push_back(skipped_task_result(task));
      emit(task_skipped(task.task_id));
      continue;
    }

    if (!planned.kind) {
      external.expect_next(next_external(plan, i));
      if (auto upcoming = internal_tasks_after(plan, i); !upcoming.empty())
        external.after_next_start(
            [&internal, upcoming = std::move(upcoming)] { internal.expect_soon(upcoming); });
    }
    auto executed = execute_task(planned, internal, external);
    if (executed.done != done_status::ok) {
      run.done = executed.done;
      run.message = std::move(executed.message);
      return run;
    }
    const bool ok = executed.result.status == task_status::ok;
    run.results.results.push_back(std::move(executed.result));
    if (ok) {
      emit(task_completed(task.task_id));
      continue;
    }
    emit(task_failed(task.task_id));
    if (task.fatal_failure)
      break; // the tasks after it get no result entry at all (5.4)
    not_executable.insert(task.task_id);
  }
  emit(ended());
  return run;
}

} // namespace recodex::worker
