// The two real executors behind job_runner's interfaces: internal tasks through
// run_internal_task on the host, external tasks through the sandbox library in one leased box.
// Also the pure translation of a planned external task into sandbox run options (5.6), so it is
// tested without root.
#pragma once

#include "actors/worker/evaluation/box_preparer.hpp"
#include "actors/worker/evaluation/internal_task_runner.hpp"
#include "actors/worker/evaluation/job_plan.hpp"
#include "actors/worker/evaluation/job_runner.hpp"
#include "messages/result.hpp"
#include "sandbox/sandbox.hpp"

#include <cstddef>
#include <filesystem>
#include <functional>
#include <future>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace recodex::worker {

// Runs internal tasks with the context given at construction.
class internal_executor final : public internal_task_executor {
public:
  explicit internal_executor(internal_task_context context) : context_(std::move(context)) {}
  internal_task_outcome run(const planned_task& task) override;
  // The upcoming fetches' names go to context.stage_fetches.
  void expect_soon(const std::vector<const planned_task*>& upcoming) override;

private:
  internal_task_context context_;
};

// A planned external task as the sandbox sees it, plus where its captured output goes.
struct sandbox_run_plan {
  sandbox::run_options options;
  // Paths inside the box (as in options) of the files to read back; empty = not captured.
  std::string capture_stdout;
  std::string capture_stderr;
  // Files the worker invented for capture (5.6) and deletes afterwards, relative to
  // options.box_dir.
  std::vector<std::string> invented_files;
};

// 5.6: limits (time, wall-time, extra-time, memory + extra-memory, stack, parallel -> processes
// with 0 = unlimited, disk-size -> file size when disk-quotas), environment, bound directories
// (+ etc/alternatives, maybe; initiation tasks also get /etc and the network), stdio, chdir
// (resolved against /), box_dir/working-directory as the box when set. `output_suffix` names the invented output files
// (/box/<task-id>.<suffix>.output.stdout|stderr). `judges_dir` (${JUDGES_DIR}) is bound
// read-only at the same path so judge tasks find their programs, unless it is empty or already
// visible under /usr. Fails with errc::invalid_argument when the task is not external or has
// no resolved limits.
result<sandbox_run_plan> make_sandbox_run_plan(const planned_task& task, const std::string& box_dir,
                                               const std::string& output_suffix,
                                               const std::string& judges_dir = {});

// The sandbox verdict in result.yml's vocabulary.
sandbox_results to_sandbox_results(const sandbox::run_result& run);

// Maps an inside path to one relative to the box directory ("/box/a" -> "a", "a" -> "a");
// empty when the path is elsewhere (bound directories are not read back).
std::string box_relative(const std::string& inside_path);

struct sandbox_executor_config {
  std::string box_dir;                    // host directory mounted at /box (the evaluation dir)
  std::size_t max_output_length = 1024;   // bytes kept of each captured stream (a prefix)
  std::size_t max_read_bytes = 64u << 20; // bytes a carboncopy keeps (a prefix)
  std::string judges_dir{};               // bound read-only into the box (see above)
  // Host directories a carboncopy may be written into (the job's own directories); a
  // carboncopy elsewhere, or with none given, is not made.
  std::vector<std::filesystem::path> carboncopy_roots{};
};

// The inside path of the program a task runs: `bin` itself when absolute, else resolved against
// the task's chdir when it names a path ("./prog"); empty for a name looked up in PATH.
std::string inside_program_path(const std::string& bin, const std::string& chdir);

// Whether a run may be prepared before the tasks ahead of it have run: its box directory and
// every bound directory must already be what they will be, so neither may be the job's own
// working directory (`job_dirs`) or below it, apart from the box directory itself.
bool can_prepare_ahead(const sandbox::run_options& options, const std::string& box_dir,
                       const std::vector<std::filesystem::path>& job_dirs);

// Runs external tasks in one leased box (the boxes must outlive the executor). With a spare box
// of the same uid, the task announced by expect_next() is prepared in the box the current task
// does not use (sandbox::prepare: cgroups, namespaces, root, the parked program) on a
// box_preparer thread while the current one runs, so its set-up is off the job's critical
// path; a guess that misses is dropped and the task runs cold.
class sandbox_executor final : public external_task_executor {
public:
  sandbox_executor(const sandbox::box& box, sandbox_executor_config config,
                   const sandbox::box* spare = nullptr);
  sandbox_executor(sandbox_executor&&) noexcept;
  ~sandbox_executor() override;
  result<external_task_outcome> run(const planned_task& task) override;
  void expect_next(const planned_task* next) override { expected_ = next; }
  // Done right after the next task's preparation is handed over (the program runs by then).
  void after_next_start(std::function<void()> work) override { after_start_ = std::move(work); }

private:
  struct prepared_task {
    const planned_task* task = nullptr;
    const sandbox::box* box = nullptr;
    sandbox_run_plan plan;
    std::future<result<sandbox::prepared_run>> run;
  };
  // Prepares the expected task in the box other than `busy`, if it can.
  void prepare_expected(const sandbox::box& busy);
  // Drops the run prepared ahead, emptying its box on this thread before the box is reused.
  void drop_ahead();

  const sandbox::box& box_;
  const sandbox::box* spare_;
  sandbox_executor_config config_;
  const planned_task* expected_ = nullptr;
  std::function<void()> after_start_;
  std::unique_ptr<box_preparer> preparer_; // declared before ahead_: outlives it
  std::optional<prepared_task> ahead_;
};

} // namespace recodex::worker
