// One job from assignment to `done` (spec 6.3), blocking, on one worker slot: download the
// submission archive, extract it, build the plan from job-config.yml, run the tasks (internal
// ones on the host, `fetch` through the shared file cache; external ones in the slot's leased
// box, and with parallel-tasks independent ones at once in its task boxes), write result.yml,
// pack RESULT_DIR, upload it, and report each progress state (3.1) as it happens. The network,
// the zip writer and the progress sink are collaborators passed in, so tests drive the
// lifecycle with fakes. No CAF and no clock.
#pragma once

#include "actors/worker/evaluation/archive_extractor.hpp"
#include "actors/worker/evaluation/file_transfer.hpp"
#include "actors/worker/evaluation/sandbox_limits.hpp"
#include "messages/job_messages.hpp"
#include "messages/result.hpp"
#include "sandbox/sandbox.hpp"
#include "storage/worker_cache.hpp"

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <string>
#include <vector>

namespace recodex::worker {

// What the evaluator needs of the worker configuration (section 7); worker_config.hpp fills it.
struct job_evaluator_config {
  std::uint64_t worker_id = 0;
  std::string hwgroup;
  std::filesystem::path working_directory; // root of downloads/, eval/, results/, temp/
  std::string judges_dir;                  // ${JUDGES_DIR}, bound read-only into the box
  std::string temp_dir = "/tmp";           // ${TEMP_DIR}
  sandbox_limits default_limits;
  std::size_t max_output_length = 4096;
  std::size_t max_carboncopy_length = 1 << 20;
  bool cleanup_submission = false;
  // true: the task boxes are lanes that run independent tasks at once (parallel-tasks); false:
  // the first one prepares the next task while the current one runs (one task at a time).
  bool parallel_tasks = true;
  extract_options extract; // limits of the submission archive and the `extract` task
  // Eviction of the fetch cache after each job; 0 = no bound of that kind, both 0 = none.
  std::uint64_t cache_max_size = 0;
  std::chrono::seconds cache_max_age{0};
};

// The eval of one job: its id and the two URLs of its payload.
struct job_order {
  std::string job_id;
  std::string archive_url;
  std::string result_url;
};

// The payload of a broker's eval is [archive URL, result URL]; anything else is refused.
result<job_order> job_order_from(const job_assignment& assignment);

// Zips `result_dir` (regular files, recursively) into a zip with entries `result/<relative
// path>`, mode 0644 (6.2), and returns the zip's path. The worker passes pack_results
// (actors/worker/transfer/results_archive.hpp); tests pass a fake.
using results_packer =
    std::function<result<std::filesystem::path>(const std::filesystem::path& result_dir)>;

// Receives every progress state of the job in order (job_id is set).
using progress_sink = std::function<void(const progress&)>;

// The four directories of one job (6.3, 5.3).
struct job_directories {
  std::filesystem::path downloads; // <wd>/downloads/<wid>/<job>
  std::filesystem::path source;    // SOURCE_DIR = <wd>/eval/<wid>/<job>
  std::filesystem::path results;   // RESULT_DIR = <wd>/results/<wid>/<job>
  std::filesystem::path temp;      // <wd>/temp/<wid>/<job>
};
job_directories directories_of(const job_evaluator_config& config, const std::string& job_id);

class job_evaluator {
public:
  // `box`, `transfer`, `cache` and the `task_boxes` must outlive the evaluator. `task_boxes`
  // (parallel-tasks, see lease_task_boxes) lets that many more tasks of a job run at once,
  // each box one lane beside `box`'s; none = one task at a time. They must run as `box`'s
  // uid, since every lane works in the same job directory; others are not used.
  job_evaluator(job_evaluator_config config, const sandbox::box& box, file_transfer& transfer,
                const storage::worker_cache& cache, results_packer pack,
                std::vector<const sandbox::box*> task_boxes = {});

  // Evaluates one job and returns its `done`: OK, or FAILED after the progress states FAILED
  // and FINISHED, or INTERNAL_ERROR after ABORTED. Never throws.
  job_done evaluate(const job_order& order, const progress_sink& sink);

  const job_evaluator_config& config() const { return config_; }

private:
  void evict_cache() const;

  job_evaluator_config config_;
  const sandbox::box& box_;
  std::vector<const sandbox::box*> task_boxes_;
  file_transfer& transfer_;
  const storage::worker_cache& cache_;
  results_packer pack_;
};

} // namespace recodex::worker
