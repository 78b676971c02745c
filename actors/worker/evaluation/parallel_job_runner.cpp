// The parallel run loop: a pure schedule (task_schedule) and a thin driver with one thread per
// lane; see parallel_job_runner.hpp.
#include "actors/worker/evaluation/parallel_job_runner.hpp"

#include <algorithm>
#include <condition_variable>
#include <exception>
#include <map>
#include <mutex>
#include <system_error>
#include <pthread.h>
#include <thread>
#include <utility>

namespace recodex::worker {

task_schedule::task_schedule(const job_plan& plan)
    : plan_(plan), dependencies_(plan.tasks.size()), dependants_(plan.tasks.size()),
      waiting_on_(plan.tasks.size(), 0), executable_(plan.tasks.size(), false),
      entries_(plan.tasks.size()), cutoff_(plan.tasks.size()) {
  std::map<std::string, std::size_t> index_of;
  for (std::size_t i = 0; i < plan.tasks.size(); ++i)
    index_of.emplace(plan.tasks[i].task.task_id, i);
  for (std::size_t i = 0; i < plan.tasks.size(); ++i) {
    auto& deps = dependencies_[i];
    for (const auto& id : plan.tasks[i].task.dependencies) {
      auto found = index_of.find(id);
      // The plan has no unknown ids or cycles; the sequential loop ignores both anyway.
      if (found != index_of.end() && found->second != i &&
          std::find(deps.begin(), deps.end(), found->second) == deps.end())
        deps.push_back(found->second);
    }
    for (auto dependency : deps)
      dependants_[dependency].push_back(i);
    waiting_on_[i] = deps.size();
    if (deps.empty())
      ready_.push_back(i);
  }
}

bool task_schedule::can_start() const {
  return !ready_.empty() && ready_.front() < cutoff_;
}

std::optional<std::size_t> task_schedule::take_ready() {
  if (!can_start())
    return std::nullopt;
  const std::size_t index = ready_.front();
  ready_.erase(ready_.begin());
  ++running_;
  return index;
}

void task_schedule::end_job_at(std::size_t index, done_status done, std::string message) {
  if (index >= cutoff_)
    return; // an earlier task already ends the job: the sequential loop never got here
  cutoff_ = index;
  done_ = done;
  message_ = std::move(message);
}

void task_schedule::finish(std::size_t index, executed_task executed,
                           std::vector<progress_state>& states) {
  --running_;
  const auto& task = plan_.tasks[index].task;
  if (executed.done != done_status::ok) {
    end_job_at(index, executed.done, std::move(executed.message));
    return;
  }
  const bool ok = executed.result.status == task_status::ok;
  // A task after the cut ran only because it started before the cut was known: it gets no
  // entry and no more progress, as in the sequential loop.
  if (index < cutoff_)
    states.push_back(ok ? task_completed(task.task_id) : task_failed(task.task_id));
  entries_[index] = std::move(executed.result);
  if (!ok && task.fatal_failure) {
    end_job_at(index, done_status::ok, {});
    return;
  }
  resolve(index, ok, states);
}

// Marks `index` ended and lets its dependants go: ready when every dependency ended OK, else
// skipped at once, which ends them in turn.
void task_schedule::resolve(std::size_t index, bool executable,
                            std::vector<progress_state>& states) {
  std::vector<std::pair<std::size_t, bool>> ended{{index, executable}};
  while (!ended.empty()) {
    auto [current, current_executable] = ended.back();
    ended.pop_back();
    executable_[current] = current_executable;
    for (auto dependant : dependants_[current]) {
      if (--waiting_on_[dependant] != 0)
        continue;
      const auto& deps = dependencies_[dependant];
      if (std::all_of(deps.begin(), deps.end(), [&](std::size_t d) { return executable_[d]; })) {
        ready_.insert(std::upper_bound(ready_.begin(), ready_.end(), dependant), dependant);
        continue;
      }
      const auto& task = plan_.tasks[dependant].task;
      entries_[dependant] = skipped_task_result(task);
      if (dependant < cutoff_)
        states.push_back(task_skipped(task.task_id));
      ended.emplace_back(dependant, false);
    }
  }
}

job_run task_schedule::outcome(const std::string& hw_group) const {
  job_run run;
  run.results.job_id = plan_.submission.job_id;
  run.results.hw_group = hw_group;
  run.done = done_;
  run.message = message_;
  // The task at the cut keeps its entry when it is a failed fatal-failure task (done OK).
  const std::size_t last =
      cutoff_ < entries_.size() && done_ == done_status::ok ? cutoff_ + 1 : cutoff_;
  for (std::size_t i = 0; i < last; ++i)
    if (entries_[i])
      run.results.results.push_back(*entries_[i]);
  return run;
}

namespace {

executed_task execute_guarded(const planned_task& planned, const task_lane& lane) {
  try {
    return execute_task(planned, *lane.internal, *lane.external);
  } catch (const std::exception& e) {
    // On a lane thread nothing would catch it; the job is worth another worker's try.
    executed_task failed;
    failed.done = done_status::internal_error;
    failed.message = "task " + planned.task.task_id + ": unexpected failure: " + e.what();
    return failed;
  }
}

// The lanes' shared state: the schedule, and the progress states waiting for the caller's
// thread to report them.
struct lane_pool {
  explicit lane_pool(const job_plan& plan) : plan(plan), schedule(plan) {}

  // One lane: take the next ready task, run it unlocked, record its end; until the run is over.
  void work(const task_lane& lane) {
    std::unique_lock lock{mutex};
    for (;;) {
      changed.wait(lock, [&] { return schedule.finished() || schedule.can_start(); });
      auto next = schedule.take_ready();
      if (!next)
        break; // finished
      lock.unlock();
      auto executed = execute_guarded(plan.tasks[*next], lane);
      lock.lock();
      schedule.finish(*next, std::move(executed), outbox);
      changed.notify_all();
    }
    ++lanes_done;
    changed.notify_all();
  }

  // On the caller's thread: hands each progress state to `report` as the lanes produce it,
  // until all `lanes` lanes have stopped.
  template <class Report> void report_until_done(std::size_t lanes, Report&& report) {
    std::unique_lock lock{mutex};
    for (;;) {
      changed.wait(lock, [&] { return !outbox.empty() || lanes_done == lanes; });
      auto states = std::move(outbox);
      outbox.clear();
      const bool all_done = lanes_done == lanes;
      lock.unlock();
      for (auto& state : states)
        report(std::move(state));
      lock.lock();
      if (all_done && outbox.empty())
        return;
    }
  }

  const job_plan& plan;
  task_schedule schedule;
  std::mutex mutex;
  std::condition_variable changed;
  std::vector<progress_state> outbox;
  std::size_t lanes_done = 0;
};

} // namespace

job_run run_job_parallel(const job_plan& plan, const std::string& hw_group,
                         const std::vector<task_lane>& lanes, const progress_listener& listener) {
  if (lanes.size() <= 1) {
    if (lanes.empty())
      return job_run{{}, {}, done_status::internal_error, "no executors to run the tasks on"};
    return run_job(plan, hw_group, *lanes[0].internal, *lanes[0].external, listener);
  }
  std::vector<progress_state> progress;
  auto report = [&](progress_state state) {
    if (listener)
      listener(state);
    progress.push_back(std::move(state));
  };
  report(started());

  lane_pool pool{plan};
  std::vector<std::thread> threads;
  // Should the listener throw, the lanes still finish their tasks before the pool goes.
  struct joiner {
    std::vector<std::thread>& threads;
    ~joiner() {
      for (auto& thread : threads)
        if (thread.joinable())
          thread.join();
    }
  } join_lanes{threads};
  for (const auto& lane : lanes) {
    try {
      threads.emplace_back([&pool, &lane] {
        ::pthread_setname_np(::pthread_self(), "task-lane"); // for per-thread CPU figures
        pool.work(lane);
      });
    } catch (const std::system_error&) {
      break; // fewer lanes than asked: still correct, only slower
    }
  }
  if (threads.empty())
    pool.work(lanes[0]); // not even one thread: this one is the only lane
  pool.report_until_done(std::max<std::size_t>(threads.size(), 1), report);
  for (auto& thread : threads)
    thread.join();

  job_run run = pool.schedule.outcome(hw_group);
  if (run.done == done_status::ok)
    report(ended());
  run.progress = std::move(progress);
  return run;
}

} // namespace recodex::worker
