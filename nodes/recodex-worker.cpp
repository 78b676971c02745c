// recodex-worker: the worker as its own process, a drop-in for the ReCodEx worker. Reads the
// ReCodEx worker YAML (spec 7) plus our keys, then runs `slots` evaluators, each with its own
// sandbox box, its own directories and its own registration with the broker (tcp:// for the
// ReCodEx ZeroMQ protocol, caf:// for our broker over CAF), all sharing one HTTP client and one
// file cache. Prints one line per slot on stdout and runs until SIGINT/SIGTERM.
// Exit codes: 0 after a signal, 1 for configuration or start-up errors, 2 for usage errors.
#include "actors/worker/evaluator_actor.hpp"
#include "actors/worker/listener/listener_config.hpp"
#include "actors/worker/transfer/http_file_transfer.hpp"
#include "actors/worker/transfer/results_archive.hpp"
#include "nodes/common/cluster_tls.hpp"
#include "actors/worker/worker_config.hpp"
#include "actors/worker/worker_slots.hpp"
#include "messages/actor_system_setup.hpp"
#include "nodes/common/command_line.hpp"
#include "nodes/common/logging.hpp"
#include "nodes/common/stop_signals.hpp"

#include <caf/all.hpp>
#include <caf/io/all.hpp>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <csignal>
#include <iostream>
#include <string>
#include <thread>
#include <unistd.h>
#include <vector>

namespace {

namespace worker = recodex::worker;

constexpr const char* program = "recodex-worker";

constexpr const char* help_text = R"(Usage: recodex-worker [-c <config.yml>]

Evaluates submissions: registers with a broker, downloads each job's archive,
runs its tasks (compilers, the submitted program, judges) in the sandbox,
uploads the results and reports progress and `done` to the broker.

Options:
  -c, --config <file>   YAML configuration [./config.yml]
  -h, --help            this text

Configuration keys (the ReCodEx worker's; * = required, default in brackets):
  worker-id*            box id and part of the job directories; slot k uses id + k
  worker-description    sent to the broker [""]
  broker-uri*           tcp://host:port (ReCodEx ZeroMQ protocol) or
                        caf://host:port (our broker's cluster port, over CAF)
  broker-ping-interval  ms between pings [1000]
  max-broker-liveness   unanswered pings before reconnecting [4]
  headers*              map of capabilities, a list value gives one header per
                        element, e.g. {env: [c-gcc-linux, python3], threads: 1}
  hwgroup*              hardware group matched against jobs' hw-groups
  working-directory     root of downloads/, eval/, results/, temp/ [""]
  file-managers*        [{hostname: <URL prefix>, username, password}]: Basic
                        auth for downloads and uploads
  file-cache: cache-dir [<working-directory>/cache], max-size [0: unbounded],
              max-age [0: never expire]
  logger: file [/tmp/recodex/worker], level [debug], max-size [1048576],
          rotations [3]
  limits*               default and maximal limits of sandboxed tasks (time,
                        wall-time, extra-time, stack-size, memory, extra-memory,
                        parallel, disk-quotas, disk-size, disk-files,
                        environ-variable, bound-directories)
  max-output-length*    bytes of stdout/stderr kept per task
  max-carboncopy-length* bytes kept of carbon copies
  cleanup-submission*   delete a job's directories after it ends
Ours:
  slots                 jobs evaluated at once, each its own registration [1]
  parallel-tasks        run independent tasks of a job at once, on extra boxes
                        when the machine has more cores than slots [false]
  progress-batch-window ms a progress event may wait to leave with others, so a
                        job's events cost the broker a few messages; 0 sends
                        each at once [20]
  judges-dir            ${JUDGES_DIR} [the directory of this executable]
  ca-file               extra CA certificates (PEM) for https:// [""]
  environments-dir      runtime environment definitions (relative to this
                        file); the installed ones are added to headers as
                        env=<id> [""]
  sandbox: state-dir [/run/recodex-sandbox], box-count [1000],
           first-uid [60000], cgroup-parent [recodex-sandbox]
  cluster-tls: certificate, key, ca-file   TLS to the broker's cluster port
           (caf://; PEM; all three, as the broker's cluster: keys) [off]
On start one line per slot is printed:
  worker <id> slot <k> -> <broker-uri>
SIGINT or SIGTERM stop the worker (exit 0); a running job is abandoned and the
broker gives it to another worker.
)";

[[noreturn]] void fail(const std::string& message) {
  std::cerr << program << ": " << message << "\n";
  std::exit(1);
}

// The directory holding this executable: the judges sit beside it in a build tree.
std::string executable_dir() {
  std::error_code ec;
  auto self = std::filesystem::read_symlink("/proc/self/exe", ec);
  return ec ? std::string{"."} : self.parent_path().string();
}

worker::worker_config read_config(const std::string& path) {
  auto read = worker::read_worker_config_file(path, executable_dir());
  if (!read)
    fail(read.error().message);
  for (const auto& p : read.value().warnings)
    std::cerr << program << ": warning: unknown key " << read.value().describe(p) << "\n";
  for (const auto& p : read.value().errors)
    std::cerr << program << ": " << read.value().describe(p) << "\n";
  if (!read.value().errors.empty())
    std::exit(1);
  return std::move(read.value().config);
}

// Adds env=<id> for every installed environment of `environments-dir` (relative to the config
// file) that `headers` does not list yet.
void advertise_environments(worker::worker_config& config, const std::filesystem::path& config_file) {
  if (config.environments_dir.empty())
    return;
  std::filesystem::path dir = config.environments_dir;
  if (dir.is_relative())
    dir = config_file.parent_path() / dir;
  auto installed = worker::installed_environment_headers(dir);
  if (!installed)
    fail("environments-dir: " + installed.error().message);
  for (auto& h : installed.value()) {
    if (std::find(config.headers.begin(), config.headers.end(), h) == config.headers.end()) {
      spdlog::info("environment {} advertised", h.value);
      config.headers.push_back(std::move(h));
    }
  }
}

worker::listener_config listener_config_of(const worker::worker_config& c, unsigned slot) {
  worker::listener_config out;
  out.broker_uri = c.broker_uri;
  out.hwgroup = c.hwgroup;
  out.headers = c.headers;
  out.description = c.slots > 1 ? c.description + " (slot " + std::to_string(slot) + ")" : c.description;
  out.ping_interval = c.broker_ping_interval;
  out.max_liveness = c.max_broker_liveness;
  return out;
}

worker::transfer_config transfer_config_of(const worker::worker_config& c) {
  worker::transfer_config out;
  for (const auto& m : c.file_managers)
    out.file_managers.push_back({m.hostname, m.username, m.password});
  out.ca_file = c.ca_file;
  return out;
}

// How long a stop waits for running jobs before abandoning them.
constexpr std::chrono::seconds shutdown_grace{5};

} // namespace

int main(int argc, char** argv) {
  // Signals go to the wait below, never to a logging, CAF, Asio or ZeroMQ thread.
  const sigset_t stop_signals = recodex::nodes::block_stop_signals();
  std::signal(SIGPIPE, SIG_IGN);

  const auto config_file = recodex::nodes::parse_config_option(argc, argv, program, help_text);
  auto config = read_config(config_file.value_or("config.yml"));
  // Before any thread starts, while this process is still small (sandbox/box_launcher.hpp).
  if (auto launcher = recodex::sandbox::start_box_launcher(); !launcher)
    std::cerr << program << ": warning: " << launcher.error().message
              << "; boxes are cloned by the worker itself\n";
  if (auto r = recodex::nodes::setup_logging(config.logging, {"worker"}); !r)
    fail(r.error().message);
  advertise_environments(config, config_file.value_or("config.yml"));

  auto cache_dir = config.cache_dir.empty() ? config.working_directory / "cache" : config.cache_dir;
  auto cache = recodex::storage::worker_cache::open(cache_dir);
  if (!cache)
    fail("file cache " + cache_dir.string() + ": " + cache.error().message);
  auto shared_cache = std::make_shared<const recodex::storage::worker_cache>(std::move(cache.value()));
  auto transfer = worker::http_file_transfer::create(transfer_config_of(config));
  if (!transfer)
    fail(transfer.error().message);
  std::shared_ptr<worker::file_transfer> shared_transfer = std::move(transfer.value());

  caf::actor_system_config cfg;
  recodex::configure_actor_system(cfg);
  recodex::sleep_when_idle(cfg);
  if (config.cluster_tls.enabled())
    if (auto tls = recodex::nodes::enable_cluster_tls(cfg, config.cluster_tls); !tls)
      fail(tls.error().message);
  int exit_code = 0;
  {
    caf::actor_system sys{cfg};
    std::vector<worker::worker_slot> slots;
    const auto task_boxes_per_slot = worker::task_boxes_per_slot(
        config.parallel_tasks, config.slots, std::max(1u, std::thread::hardware_concurrency()));
    for (unsigned k = 0; k < config.slots && exit_code == 0; ++k) {
      auto id = config.worker_id + k;
      auto box = recodex::sandbox::acquire_box(config.sandbox, static_cast<int>(id));
      if (!box) {
        std::cerr << program << ": slot " << k << ": sandbox box " << id << ": " << box.error().message << "\n";
        exit_code = 1;
        break;
      }
      auto evaluator_config = worker::evaluator_config(config);
      evaluator_config.worker_id = id;
      evaluator_config.parallel_tasks = task_boxes_per_slot.parallel;
      // Lanes for the independent tasks of this slot's jobs, or a box to prepare the next task in.
      auto task_boxes = worker::lease_task_boxes(config.sandbox, box.value(), task_boxes_per_slot.count);
      if (!task_boxes) {
        std::cerr << program << ": slot " << k << ": task boxes: " << task_boxes.error().message << "\n";
        exit_code = 1;
        break;
      }
      worker::evaluator_parts parts{std::move(evaluator_config), std::move(box.value()), shared_transfer,
                                    shared_cache, worker::pack_results, std::move(task_boxes.value())};
      parts.progress_window = config.progress_batch_window;
      auto slot = worker::start_worker_slot(sys, std::move(parts), listener_config_of(config, k));
      if (!slot) {
        std::cerr << program << ": " << slot.error().message << "\n";
        exit_code = 1;
        break;
      }
      slots.push_back(slot.value());
      std::cout << "worker " << id << " slot " << k << " -> " << config.broker_uri << "\n";
    }
    std::cout << std::flush;
    if (exit_code == 0) {
      spdlog::info("worker {} started: {} slot(s) with {} extra task box(es) each ({}), hwgroup {}, broker {}, "
                   "working directory {}, cache {}, judges {}",
                   config.worker_id, config.slots, task_boxes_per_slot.count,
                   task_boxes_per_slot.parallel ? "parallel lanes" : "preparing the next task",
                   config.hwgroup, config.broker_uri,
                   config.working_directory.string(), cache_dir.string(), config.judges_dir);
      int signal_number = recodex::nodes::wait_for_stop_signal(stop_signals);
      spdlog::info("worker stopping on {}", recodex::nodes::stop_signal_name(signal_number));
    }
    if (!worker::stop_worker_slots(sys, slots, shutdown_grace)) {
      // A job still runs in the sandbox; the broker re-queues it when the link drops.
      spdlog::shutdown();
      std::_Exit(exit_code);
    }
  }
  spdlog::shutdown();
  return exit_code;
}
