// parallel-tasks: the run loop of job_runner.hpp on several lanes at once. A lane is one pair of
// executors (its external one owns one sandbox box) and runs one task at a time; a task starts
// only when every task it depends on has ended, taken from a ready queue in plan order. What the
// job reports is what the sequential loop reports: result entries in plan order, the same
// statuses, skips, fatal-failure cut and `done`. Only the live progress may come in completion
// order (STARTED first, ENDED last, each task's state once).
#pragma once

#include "actors/worker/evaluation/job_runner.hpp"

#include <cstddef>
#include <optional>
#include <string>
#include <vector>

namespace recodex::worker {

struct task_lane {
  internal_task_executor* internal = nullptr;
  external_task_executor* external = nullptr;
};

// The scheduling decisions of the parallel loop, without threads: which task may start next,
// and what a task's end means for the others. Everything before the first task (in plan order)
// that ends the job (a failed fatal-failure task, a failed inner task, a sandbox that cannot
// run a task) still runs, and nothing after it starts, so the outcome equals the sequential
// loop's whatever order the tasks end in.
class task_schedule {
public:
  explicit task_schedule(const job_plan& plan);

  // The first ready task in plan order, now counted as running; none when nothing may start.
  std::optional<std::size_t> take_ready();
  // Records how the task at `index` (from take_ready) ended and appends the progress states it
  // causes (its own, then the dependants it skips) to `states`.
  void finish(std::size_t index, executed_task executed, std::vector<progress_state>& states);
  // A task may start now (take_ready would give one).
  bool can_start() const;
  // Nothing runs and nothing may start: the run is over.
  bool finished() const { return running_ == 0 && !can_start(); }

  // The job's results (entries in plan order) and `done`; progress is the caller's.
  job_run outcome(const std::string& hw_group) const;

private:
  void end_job_at(std::size_t index, done_status done, std::string message);
  void resolve(std::size_t index, bool executable, std::vector<progress_state>& states);

  const job_plan& plan_;
  std::vector<std::vector<std::size_t>> dependencies_; // plan indices
  std::vector<std::vector<std::size_t>> dependants_;
  std::vector<std::size_t> waiting_on_; // dependencies not yet ended
  std::vector<bool> executable_;        // ended OK: dependants may run
  std::vector<std::optional<task_result>> entries_;
  std::vector<std::size_t> ready_; // sorted, ascending plan index
  std::size_t running_ = 0;
  std::size_t cutoff_; // first task that ends the job (size = none)
  done_status done_ = done_status::ok;
  std::string message_;
};

// Runs `plan` on `lanes` (at most lanes.size() tasks at once, each lane on its own thread);
// with one lane it is run_job itself. `listener` is called on the calling thread only. An
// executor that throws ends the job with INTERNAL_ERROR. Never throws.
job_run run_job_parallel(const job_plan& plan, const std::string& hw_group,
                         const std::vector<task_lane>& lanes,
                         const progress_listener& listener = {});

} // namespace recodex::worker
