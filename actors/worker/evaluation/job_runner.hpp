// The evaluator's run loop (5.4): walks a job plan in order, hands each task to an executor
// (internal tasks on the host, external ones in the sandbox), and turns what they report into
// the progress states of 3.1, the job_results model of result.yml (6.1) and the `done` status
// (6.3). No files, processes or clock here: the executors are the only collaborators, so tests
// drive the loop with fakes.
#pragma once

#include "actors/worker/evaluation/fwd.hpp"
#include "actors/worker/evaluation/internal_task_runner.hpp"
#include "actors/worker/evaluation/job_plan.hpp"
#include "actors/worker/evaluation/job_results.hpp"
#include "messages/result.hpp"

#include <functional>
#include <optional>
#include <ostream>
#include <string>
#include <string_view>
#include <vector>

namespace recodex::worker {

// The progress states the run loop itself emits; DOWNLOADED, UPLOADED, FINISHED, FAILED and
// ABORTED belong to the caller, which knows about downloads, uploads and `done`.
enum class progress_kind { started, task_completed, task_failed, task_skipped, ended };
std::string_view to_string(progress_kind kind); // STARTED, COMPLETED, FAILED, SKIPPED, ENDED

struct progress_state {
  progress_kind kind = progress_kind::started;
  std::string task_id; // only for the three task states

  friend bool operator==(const progress_state& a, const progress_state& b) {
    return a.kind == b.kind && a.task_id == b.task_id;
  }
  friend bool operator!=(const progress_state& a, const progress_state& b) { return !(a == b); }
};

// The frames after `progress`, `<job_id>`: {"STARTED"} or {"TASK", id, "COMPLETED"}.
std::vector<std::string> progress_frames(const progress_state& state);
std::ostream& operator<<(std::ostream& out, const progress_state& state);

inline progress_state started() { return {progress_kind::started, {}}; }
inline progress_state task_completed(std::string id) {
  return {progress_kind::task_completed, std::move(id)};
}
inline progress_state task_failed(std::string id) {
  return {progress_kind::task_failed, std::move(id)};
}
inline progress_state task_skipped(std::string id) {
  return {progress_kind::task_skipped, std::move(id)};
}
inline progress_state ended() { return {progress_kind::ended, {}}; }

// Runs internal tasks (planned_task::kind is set). The real one wraps run_internal_task; a
// task that cannot do its work reports ok = false, it does not error.
class internal_task_executor {
public:
  virtual ~internal_task_executor() = default;
  virtual internal_task_outcome run(const planned_task& task) = 0;
  // The internal tasks that will probably run next (those between the next two external tasks
  // in plan order), told while an external task runs, so the executor may start on their work
  // that nobody can see yet (fetch_stager.hpp). Only a hint: run() must not rely on it.
  virtual void expect_soon(const std::vector<const planned_task*>& upcoming) { (void) upcoming; }
};

// What the sandbox measured (the meta file, before exit-code post-processing) and the captured
// output, if the task asked for it.
struct external_task_outcome {
  sandbox_results sandbox;
  std::optional<task_output> output;
};

// Runs external tasks (planned_task::limits is set). An error means the sandbox itself could
// not run the task (isolate exit status > 1, watchdog kill): the job ends with `done FAILED`.
// The program's own verdict (RE, SG, TO, XX) is an outcome, not an error.
class external_task_executor {
public:
  virtual ~external_task_executor() = default;
  virtual result<external_task_outcome> run(const planned_task& task) = 0;
  // Called just before run(): the external task that will probably run after that one (the next
  // in plan order; nullptr when none), so the executor may set it up while the current one
  // runs. Only a hint: it may still be skipped, and run() must not rely on it.
  virtual void expect_next(const planned_task* next) { (void) next; }
  // Work for the caller's thread once the next run()'s program has started (or, when it runs
  // cold, before it starts); dropped when the run fails before that. Executors without such a
  // moment drop it.
  virtual void after_next_start(std::function<void()> work) { (void) work; }
};

// What one run produced. When `done` is OK, `results` is what result.yml should say; otherwise
// the job ends without results and `message` says why (the caller sends FAILED + FINISHED for
// FAILED, ABORTED for INTERNAL_ERROR, and no ENDED is in `progress`).
struct job_run {
  std::vector<progress_state> progress;
  job_results results;
  done_status done = done_status::ok;
  std::string message; // empty when done is OK
};

// Called with each progress state as soon as it happens, so the worker can forward it live.
using progress_listener = std::function<void(const progress_state&)>;

// 5.6's exit-code post-processing and verdict: RE with a success exit code becomes OK (message
// cleared); OK with an exit code outside the success set becomes RE. Returns the task's result.
task_result external_task_result(const task_metadata& task, external_task_outcome outcome);

// One task run by its executor: its result entry, or why the job ends without results:
// FAILED when the sandbox could not run it, INTERNAL_ERROR when an inner task failed. A skipped
// task is the loop's decision, never this one's.
struct executed_task {
  task_result result;
  done_status done = done_status::ok;
  std::string message; // empty when done is OK
};
executed_task execute_task(const planned_task& planned, internal_task_executor& internal,
                           external_task_executor& external);

// The result entry of a task that is not run because a dependency failed or was skipped.
task_result skipped_task_result(const task_metadata& task);

// The loop of 5.4, sequential, in plan order. `hw_group` is the worker's (result.yml's
// hw-group). Never throws. parallel_job_runner.hpp runs the same loop on several lanes.
job_run run_job(const job_plan& plan, const std::string& hw_group,
                internal_task_executor& internal, external_task_executor& external,
                const progress_listener& listener = {});

} // namespace recodex::worker
