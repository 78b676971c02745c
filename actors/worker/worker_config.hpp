// The worker's configuration (spec 7: the ReCodEx worker YAML, plus our keys) as a plain struct
// with defaults, and its reader. Reading collects every problem at once, each with its key path
// and YAML line; unknown keys are warnings (ReCodEx configs carry keys we do not use).
//
// Our keys beside ReCodEx's: judges-dir (${JUDGES_DIR}; default: the directory of the worker
// executable), slots (jobs evaluated at once, default 1), parallel-tasks (default false),
// progress-batch-window (ms a progress event may wait to leave with others, default 20, 0 = each
// at once),
// file-cache.max-size / file-cache.max-age (eviction of the fetch cache; 0 = never),
// ca-file (extra CA certificates for HTTPS), environments-dir (env=<id> headers for the
// installed runtime environments), and sandbox.{state-dir, box-count, first-uid,
// cgroup-parent} (sandbox::box_config).
#pragma once

#include "actors/worker/evaluation/job_evaluator.hpp"
#include "actors/worker/transfer/transfer_config.hpp"
#include "actors/worker/evaluation/sandbox_limits.hpp"
#include "actors/worker/progress_batcher.hpp"
#include "messages/job_messages.hpp"
#include "messages/result.hpp"
#include "nodes/common/cluster_tls.hpp"
#include "nodes/common/config_reader.hpp"
#include "nodes/common/logging.hpp"
#include "sandbox/sandbox.hpp"

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace recodex::worker {

// file_manager (Basic-auth credentials for URLs starting with `hostname`, spec 4.3) is the
// HTTP client's: transfer_config.hpp.

struct worker_config {
  // -- ReCodEx keys (section 7) --
  std::uint64_t worker_id = 0;  // required
  std::string description;      // worker-description
  std::string broker_uri;       // required
  std::chrono::milliseconds broker_ping_interval{1000};
  std::uint32_t max_broker_liveness = 4;
  header_list headers;          // required; `env: [c, python3]` gives two headers
  std::string hwgroup;          // required
  std::filesystem::path working_directory;
  std::vector<file_manager> file_managers; // required
  std::filesystem::path cache_dir;         // file-cache.cache-dir
  nodes::logging_config logging{"/tmp/recodex/worker", "debug", 1024 * 1024, 3};
  sandbox_limits limits;                   // required
  std::uint64_t max_output_length = 0;     // required
  std::uint64_t max_carboncopy_length = 0; // required
  bool cleanup_submission = false;         // required

  // -- ours --
  std::string judges_dir;
  unsigned slots = 1;
  bool parallel_tasks = false;
  // progress-batch-window (ms): how long a progress event may wait to leave with others.
  std::chrono::milliseconds progress_batch_window = default_progress_window;
  std::uint64_t cache_max_size = 0;      // bytes; 0 = no size bound
  std::chrono::seconds cache_max_age{0}; // 0 = entries never expire
  std::string ca_file;                   // empty: the system's CA store only
  // Environment definitions (deploy/environments); the installed ones are advertised as
  // env=<id> headers beside `headers`. Empty: only `headers`.
  std::string environments_dir;
  sandbox::box_config sandbox;
  // cluster-tls: TLS to the broker's cluster port (caf://), as the broker's cluster: keys.
  nodes::cluster_tls cluster_tls;
};

// A read configuration and what was wrong with it. The configuration is usable only when
// `errors` is empty.
struct worker_config_read {
  worker_config config;
  std::vector<nodes::config_problem> errors;
  std::vector<nodes::config_problem> warnings; // unknown keys

  // "<source>:<line>: <key>: <message>"
  std::string describe(const nodes::config_problem& problem) const;

  std::shared_ptr<const nodes::config_reader> reader_; // names the source in describe()
};

// Reads the YAML text `yaml`; `source` names it in messages, `executable_dir` is the default
// judges-dir. Broken YAML is an error result; every other problem is in `errors`.
result<worker_config_read> read_worker_config(std::string_view yaml, std::string source,
                                              std::string executable_dir);

// The same from a file: not_found when it does not exist.
result<worker_config_read> read_worker_config_file(const std::filesystem::path& file,
                                                   std::string executable_dir);

// What one slot's job_evaluator needs of the configuration; `temp_dir` is ${TEMP_DIR}.
job_evaluator_config evaluator_config(const worker_config& config, std::string temp_dir = "/tmp");

} // namespace recodex::worker
