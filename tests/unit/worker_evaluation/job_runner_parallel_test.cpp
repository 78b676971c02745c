// Tests of actors/worker/evaluation/parallel_job_runner.hpp: the run loop on several lanes,
// driven by thread-safe fakes that can hold a task until another one has started or ended (a
// bounded wait: a runner that does not run them at once fails the check, it does not hang).
// Every outcome is also compared with the sequential loop's on the same plan.
#include "actors/worker/evaluation/parallel_job_runner.hpp"
#include "tests/unit/worker_evaluation/example_job.hpp"
#include "tests/unit/worker_evaluation/job_runner_fixture.hpp"

#include <algorithm>
#include <catch2/catch.hpp>
#include <chrono>
#include <condition_variable>
#include <deque>
#include <map>
#include <mutex>
#include <stdexcept>

using namespace recodex;
using namespace recodex::worker;
using namespace recodex::worker::test;
using strings = std::vector<std::string>;

namespace {

using progress = std::vector<progress_state>;

// What every lane's fakes share: the outcomes to give, the holds, and what happened.
struct task_board {
  std::map<std::string, internal_task_outcome> internal_outcomes;
  std::map<std::string, result<external_task_outcome>> external_outcomes;
  std::map<std::string, std::string> external_throws; // id -> what()
  // A task does not end before this event ("start b", "end b", "reported b": the runner told
  // its listener about b) happened, or 5 s passed.
  std::map<std::string, std::string> holds;

  std::mutex mutex;
  std::condition_variable changed;
  strings events; // "start a", "end a", in the order they happened
  int running = 0;
  int max_running = 0;
  strings timed_out; // tasks whose hold was never released

  void enter(const std::string& id) {
    std::unique_lock lock{mutex};
    events.push_back("start " + id);
    max_running = std::max(max_running, ++running);
    changed.notify_all();
    auto hold = holds.find(id);
    if (hold == holds.end())
      return;
    const auto released = [&] {
      return std::find(events.begin(), events.end(), hold->second) != events.end();
    };
    if (!changed.wait_for(lock, std::chrono::seconds{5}, released))
      timed_out.push_back(id);
  }

  void leave(const std::string& id) {
    std::lock_guard lock{mutex};
    events.push_back("end " + id);
    --running;
    changed.notify_all();
  }

  void reported(const progress_state& state) {
    std::lock_guard lock{mutex};
    events.push_back("reported " + state.task_id);
    changed.notify_all();
  }

  // Where `event` happened in `events` (events.size() when it did not).
  std::size_t position(const std::string& event) const {
    return static_cast<std::size_t>(std::find(events.begin(), events.end(), event) -
                                    events.begin());
  }
  strings started() const {
    strings ids;
    for (const auto& e : events)
      if (e.rfind("start ", 0) == 0)
        ids.push_back(e.substr(6));
    std::sort(ids.begin(), ids.end());
    return ids;
  }
};

struct board_internal : internal_task_executor {
  explicit board_internal(task_board& board) : board(board) {}
  internal_task_outcome run(const planned_task& task) override {
    const auto& id = task.task.task_id;
    board.enter(id);
    auto found = board.internal_outcomes.find(id);
    board.leave(id);
    return found == board.internal_outcomes.end() ? internal_task_outcome{} : found->second;
  }
  task_board& board;
};

struct board_box : external_task_executor {
  explicit board_box(task_board& board) : board(board) {}
  result<external_task_outcome> run(const planned_task& task) override {
    const auto& id = task.task.task_id;
    board.enter(id);
    board.leave(id);
    if (auto thrown = board.external_throws.find(id); thrown != board.external_throws.end())
      throw std::runtime_error(thrown->second);
    auto found = board.external_outcomes.find(id);
    if (found != board.external_outcomes.end())
      return found->second;
    return external_task_outcome{clean_exit(), std::nullopt};
  }
  task_board& board;
};

// `count` lanes over one board.
struct board_lanes {
  board_lanes(task_board& board, std::size_t count) {
    for (std::size_t i = 0; i < count; ++i) {
      internals.emplace_back(board);
      boxes.emplace_back(board);
      lanes.push_back(task_lane{&internals.back(), &boxes.back()});
    }
  }
  std::deque<board_internal> internals; // deque: the lanes point into it
  std::deque<board_box> boxes;
  std::vector<task_lane> lanes;
};

job_run run_on(const job_plan& plan, task_board& board, std::size_t lanes,
               progress* live = nullptr) {
  board_lanes pool{board, lanes};
  return run_job_parallel(plan, "group1", pool.lanes, [&](const progress_state& s) {
    board.reported(s);
    if (live)
      live->push_back(s);
  });
}

// The sequential loop on a board with the same outcomes and no holds.
job_run run_sequentially(const job_plan& plan, const task_board& like) {
  task_board board;
  board.internal_outcomes = like.internal_outcomes;
  board.external_outcomes = like.external_outcomes;
  board_internal host{board};
  board_box box{board};
  return run_job(plan, "group1", host, box);
}

progress sorted(progress states) {
  std::sort(states.begin(), states.end(), [](const auto& a, const auto& b) {
    return std::tie(a.kind, a.task_id) < std::tie(b.kind, b.task_id);
  });
  return states;
}

// The same job as the sequential loop reports: result.yml, `done`, message, and the same
// progress states, STARTED first and ENDED last (only when the job is OK). A task after the
// point where the job ended may have reported its state before that point was known; such a
// task has no result entry.
void check_same_as_sequential(const job_run& parallel, const job_run& sequential) {
  CHECK(write_result_yml(parallel.results) == write_result_yml(sequential.results));
  CHECK(parallel.done == sequential.done);
  CHECK(parallel.message == sequential.message);
  const auto entries = ids_of(parallel.results);
  progress reached;
  for (const auto& state : parallel.progress)
    if (state.task_id.empty() ||
        std::find(entries.begin(), entries.end(), state.task_id) != entries.end())
      reached.push_back(state);
  CHECK(sorted(reached) == sorted(sequential.progress));
  strings reported; // each task's state once
  for (const auto& state : parallel.progress)
    if (!state.task_id.empty())
      reported.push_back(state.task_id);
  std::sort(reported.begin(), reported.end());
  CHECK(std::adjacent_find(reported.begin(), reported.end()) == reported.end());
  REQUIRE_FALSE(parallel.progress.empty());
  CHECK(parallel.progress.front() == started());
  CHECK((parallel.progress.back() == ended()) == (parallel.done == done_status::ok));
}

sandbox_results failed_exit(sandbox_status status = sandbox_status::re) {
  auto s = clean_exit();
  s.status = status;
  s.exitcode = status == sandbox_status::re ? 1 : 0;
  s.message = "Exited with error status 1";
  return s;
}

} // namespace

TEST_CASE("independent tasks run at once on two lanes", "[worker][runner][parallel]") {
  const auto plan = plan_of(job(external("a", "execution", "    priority: 2\n") +
                                internal("b", "execution", "    priority: 1\n")),
                            "j");
  task_board board;
  board.holds = {{"a", "start b"}, {"b", "start a"}}; // neither ends until both have started

  progress live;
  const auto run = run_on(plan, board, 2, &live);

  CHECK(board.timed_out.empty());
  CHECK(board.max_running == 2);
  CHECK(ids_of(run.results) == strings{"a", "b"});
  CHECK(run.done == done_status::ok);
  CHECK(live == run.progress);
  check_same_as_sequential(run, run_sequentially(plan, board));
}

TEST_CASE("no more tasks run at once than there are lanes", "[worker][runner][parallel]") {
  const auto plan = plan_of(job(external("a", "execution", "    priority: 4\n") +
                                external("b", "execution", "    priority: 3\n") +
                                internal("c", "execution", "    priority: 2\n") +
                                external("d", "execution", "    priority: 1\n")),
                            "j");
  task_board board;
  // Pairs that wait for each other: the ready queue in plan order starts a and b first.
  board.holds = {{"a", "start b"}, {"b", "start a"}, {"c", "start d"}, {"d", "start c"}};

  const auto run = run_on(plan, board, 2);

  CHECK(board.timed_out.empty());
  CHECK(board.max_running == 2);
  CHECK(board.position("start c") > std::min(board.position("end a"), board.position("end b")));
  CHECK(ids_of(run.results) == strings{"a", "b", "c", "d"});
  check_same_as_sequential(run, run_sequentially(plan, board));
}

TEST_CASE("results keep plan order when tasks end in the reverse order",
          "[worker][runner][parallel]") {
  const auto plan = plan_of(job(external("a", "execution", "    priority: 2\n") +
                                external("b", "execution", "    priority: 1\n")),
                            "j");
  task_board board;
  board.holds = {{"a", "reported b"}};
  board.external_outcomes.emplace("a", external_task_outcome{failed_exit(), std::nullopt});

  const auto run = run_on(plan, board, 2);

  CHECK(board.timed_out.empty());
  CHECK(board.position("end b") < board.position("end a"));
  // Live progress follows completion; result.yml follows the plan.
  CHECK(run.progress == progress{started(), task_completed("b"), task_failed("a"), ended()});
  CHECK(ids_of(run.results) == strings{"a", "b"});
  check_same_as_sequential(run, run_sequentially(plan, board));
}

TEST_CASE("a task starts only after every task it depends on has ended",
          "[worker][runner][parallel]") {
  const auto plan = plan_of(test::example_job);
  task_board board;
  // fetch-ref-T1 and run-T1 are independent: let them overlap to prove the lanes are used.
  board.holds = {{"fetch-ref-T1", "start run-T1"}};
  const auto run = run_on(plan, board, 3);

  CHECK(board.timed_out.empty());
  for (const auto& planned : plan.tasks)
    for (const auto& dependency : planned.task.dependencies) {
      INFO(planned.task.task_id << " after " << dependency);
      CHECK(board.position("start " + planned.task.task_id) < board.events.size());
      CHECK(board.position("end " + dependency) < board.position("start " + planned.task.task_id));
    }
  check_same_as_sequential(run, run_sequentially(plan, board));
}

TEST_CASE("a failed task skips its dependants and theirs while unrelated tasks run",
          "[worker][runner][parallel]") {
  const auto plan =
      plan_of(job(external("compile", "initiation", "    priority: 10\n") +
                  external("run", "execution", "    priority: 9\n    dependencies: [compile]\n") +
                  external("judge", "evaluation", "    priority: 8\n    dependencies: [run]\n") +
                  external("other", "execution", "    priority: 1\n")),
              "j");
  task_board board;
  board.holds = {{"compile", "start other"}};
  board.external_outcomes.emplace("compile", external_task_outcome{failed_exit(), std::nullopt});

  const auto run = run_on(plan, board, 2);

  CHECK(board.timed_out.empty());
  CHECK(board.started() == strings{"compile", "other"});
  CHECK(ids_of(run.results) == strings{"compile", "run", "judge", "other"});
  CHECK(run.results.results[1].status == task_status::skipped);
  CHECK(run.results.results[2].status == task_status::skipped);
  check_same_as_sequential(run, run_sequentially(plan, board));
}

TEST_CASE("a failed fatal-failure task lets running tasks finish and starts no more",
          "[worker][runner][parallel]") {
  const auto plan =
      plan_of(job(external("build", "initiation", "    priority: 10\n    fatal-failure: true\n") +
                  external("other", "execution", "    priority: 5\n") +
                  external("later", "execution", "    priority: 1\n")),
              "j");
  task_board board;
  // other is still running when the runner learns that build failed
  board.holds = {{"build", "start other"}, {"other", "reported build"}};
  board.external_outcomes.emplace("build", external_task_outcome{failed_exit(), std::nullopt});

  const auto run = run_on(plan, board, 2);

  CHECK(board.timed_out.empty());
  CHECK(board.started() == strings{"build", "other"});
  CHECK(board.position("end other") < board.events.size()); // it finished
  CHECK(run.progress == progress{started(), task_failed("build"), ended()});
  CHECK(ids_of(run.results) == strings{"build"});
  check_same_as_sequential(run, run_sequentially(plan, board));
}

TEST_CASE("an earlier fatal failure decides the job even when a later inner failure ends first",
          "[worker][runner][parallel]") {
  const auto plan =
      plan_of(job(external("build", "initiation", "    priority: 10\n    fatal-failure: true\n") +
                  internal("plumbing", "inner", "    priority: 5\n")),
              "j");
  task_board board;
  board.holds = {{"build", "end plumbing"}};
  board.external_outcomes.emplace("build", external_task_outcome{failed_exit(), std::nullopt});
  board.internal_outcomes["plumbing"] = internal_task_outcome{false, "disk full", {}};

  const auto run = run_on(plan, board, 2);

  CHECK(board.timed_out.empty());
  CHECK(run.done == done_status::ok);
  CHECK(run.progress == progress{started(), task_failed("build"), ended()});
  check_same_as_sequential(run, run_sequentially(plan, board));
}

TEST_CASE("a failed inner task still lets the tasks before it run, then aborts the job",
          "[worker][runner][parallel]") {
  const auto plan = plan_of(job(external("first", "execution", "    priority: 10\n") +
                                internal("plumbing", "inner", "    priority: 5\n") +
                                external("last", "execution", "    priority: 1\n")),
                            "j");
  task_board board;
  board.holds = {{"first", "end plumbing"}};
  board.internal_outcomes["plumbing"] = internal_task_outcome{false, "disk full", {}};

  const auto run = run_on(plan, board, 2);

  CHECK(board.timed_out.empty());
  CHECK(run.done == done_status::internal_error);
  CHECK(run.message == "inner task plumbing failed: disk full");
  // `last` may have started before the failure was known; it has no say in the outcome.
  CHECK(std::count(run.progress.begin(), run.progress.end(), task_completed("first")) == 1);
  check_same_as_sequential(run, run_sequentially(plan, board));
}

TEST_CASE("the 5.7 example gives the sequential loop's results on any number of lanes",
          "[worker][runner][parallel]") {
  const auto plan = plan_of(test::example_job);
  task_board board;
  board.external_outcomes.emplace("build",
                                  external_task_outcome{clean_exit(), task_output{"", ""}});
  board.external_outcomes.emplace("judge-T1",
                                  external_task_outcome{clean_exit(), task_output{"1\n", ""}});
  SECTION("every task completes") {}
  SECTION("the build fails") {
    board.external_outcomes.insert_or_assign(
        "build", external_task_outcome{failed_exit(), task_output{"", "main.c:1: error"}});
  }
  SECTION("build-check fails") {
    board.internal_outcomes["build-check"] = internal_task_outcome{
        false, "File/folder '/wd/prog' cannot be found", std::string{"No executable was produced"}};
  }
  SECTION("an inner fetch fails") {
    board.internal_outcomes["fetch-ref-T1"] = internal_task_outcome{false, "404", {}};
  }
  SECTION("the program times out, so the judge is skipped") {
    board.external_outcomes.insert_or_assign(
        "run-T1", external_task_outcome{failed_exit(sandbox_status::to), std::nullopt});
  }
  SECTION("the sandbox cannot run the program") {
    board.external_outcomes.insert_or_assign(
        "run-T1", make_error(errc::io_error, "isolate exited with status 2"));
  }
  const auto sequential = run_sequentially(plan, board);
  for (std::size_t lanes : {1, 2, 3, 8}) {
    INFO(lanes << " lanes");
    task_board fresh;
    fresh.internal_outcomes = board.internal_outcomes;
    fresh.external_outcomes = board.external_outcomes;
    check_same_as_sequential(run_on(plan, fresh, lanes), sequential);
  }
}

TEST_CASE("one lane is the sequential loop, state for state", "[worker][runner][parallel]") {
  const auto plan = plan_of(test::example_job);
  task_board board;
  const auto run = run_on(plan, board, 1);
  const auto sequential = run_sequentially(plan, board);
  CHECK(run.progress == sequential.progress);
  CHECK(write_result_yml(run.results) == write_result_yml(sequential.results));
}

TEST_CASE("an executor that throws on a lane ends the job with INTERNAL_ERROR",
          "[worker][runner][parallel]") {
  const auto plan =
      plan_of(job(external("a", "execution", "") + external("b", "execution", "")), "j");
  task_board board;
  board.external_throws["b"] = "out of memory";
  const auto run = run_on(plan, board, 2);
  CHECK(run.done == done_status::internal_error);
  CHECK(run.message == "task b: unexpected failure: out of memory");
}

TEST_CASE("the schedule starts ready tasks in plan order and waits for dependencies",
          "[worker][runner][parallel]") {
  const auto plan = plan_of(test::example_job);
  task_schedule schedule{plan};
  auto id_of = [&](std::optional<std::size_t> index) {
    REQUIRE(index);
    return plan.tasks[*index].task.task_id;
  };
  std::vector<progress_state> states;
  const auto first = schedule.take_ready();
  CHECK(id_of(first) == "build");
  CHECK_FALSE(schedule.can_start()); // everything else waits for build
  CHECK_FALSE(schedule.finished());
  schedule.finish(*first, executed_task{task_result{"build", task_status::ok, {}, {}, {}}, {}, {}},
                  states);
  const auto check = schedule.take_ready();
  CHECK(id_of(check) == "build-check");
  schedule.finish(*check,
                  executed_task{task_result{"build-check", task_status::ok, {}, {}, {}}, {}, {}},
                  states);
  // Both fetches are ready now; the plan puts fetch-in-T1 first.
  CHECK(id_of(schedule.take_ready()) == "fetch-in-T1");
  CHECK(id_of(schedule.take_ready()) == "fetch-ref-T1");
  CHECK_FALSE(schedule.can_start());
  CHECK(states == progress{task_completed("build"), task_completed("build-check")});
}

TEST_CASE("a listener that throws gets its exception back after the lanes have stopped",
          "[worker][runner][parallel]") {
  const auto plan =
      plan_of(job(external("a", "execution", "") + external("b", "execution", "")), "j");
  task_board board;
  board_lanes pool{board, 2};
  auto throwing = [](const progress_state& s) {
    if (!s.task_id.empty())
      throw std::runtime_error("listener gone");
  };
  CHECK_THROWS_WITH(run_job_parallel(plan, "group1", pool.lanes, throwing), "listener gone");
  CHECK(board.running == 0);
}
