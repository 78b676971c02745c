// Builds the embedded system's components in dependency order and stops them in reverse.
#include "nodes/embedded/embedded_system.hpp"

#include "actors/broker/broker_actor.hpp"
#include "actors/filestore/http_server.hpp"
#include "actors/monitor/monitor_actor.hpp"
#include "actors/worker/transfer/http_file_transfer.hpp"
#include "actors/worker/transfer/results_archive.hpp"
#include "actors/worker/worker_slots.hpp"
#include "messages/actor_system_setup.hpp"
#include "nodes/common/logging.hpp"
#include "storage/data_store.hpp"

#include "sandbox/sandbox.hpp"

#include <caf/all.hpp>
#include <iostream>
#include <caf/io/all.hpp>
#include <optional>
#include <spdlog/spdlog.h>
#include <thread>
#include <unistd.h>

namespace recodex::embedded {

namespace {

// The default sandbox limits of a slot, also the upper bounds a job may ask for (the values
// of deploy/worker.yml).
worker::sandbox_limits default_limits() {
  worker::sandbox_limits l;
  l.time = 30;
  l.wall_time = 30;
  l.extra_time = 2;
  l.memory = 1024 * 1024;
  l.extra_memory = 64;
  l.environ_variables = {{"HOME", "/box"}, {"PATH", "/usr/bin:/bin"}};
  return l;
}

std::string uri(const char* scheme, const std::string& address, std::uint16_t port) {
  return std::string(scheme) + "://" + address + ":" + std::to_string(port);
}

} // namespace

// -- embedded_endpoints and options ---------------------------------------------------------

std::string embedded_endpoints::client_uri() const {
  return uri("tcp", bind_address, client_port);
}
std::string embedded_endpoints::worker_uri() const {
  return uri("tcp", bind_address, worker_port);
}
std::string embedded_endpoints::cluster_uri() const {
  return uri("caf", bind_address, cluster_port);
}
std::string embedded_endpoints::monitor_uri() const {
  return uri("ws", bind_address, monitor_port);
}
std::string embedded_endpoints::fileserver_url() const {
  return uri("http", bind_address, fileserver_port);
}

result<embedded_options> with_port_offset(embedded_options options, int offset) {
  for (auto* port : {&options.client_port, &options.worker_port, &options.cluster_port,
                     &options.monitor_port, &options.fileserver_port}) {
    if (*port == 0)
      continue;
    auto moved = static_cast<long>(*port) + offset;
    if (moved < 1 || moved > 65535)
      return error{errc::invalid_argument, "port offset " + std::to_string(offset) +
                                               " moves port " + std::to_string(*port) +
                                               " out of 1..65535"};
    *port = static_cast<std::uint16_t>(moved);
  }
  return options;
}

void start_box_launcher_early(const std::string& who) {
  if (auto launcher = sandbox::start_box_launcher(); !launcher)
    std::cerr << who << ": warning: " << launcher.error().message
              << "; boxes are cloned by this process\n";
}

result<void> setup_embedded_logging(const std::string& level) {
  nodes::logging_config logging;
  logging.level = level;
  return nodes::setup_logging(logging, {"embedded", "broker", "worker", "monitor", "filestore"});
}

std::filesystem::path executable_dir() {
  std::error_code ec;
  auto self = std::filesystem::read_symlink("/proc/self/exe", ec);
  return ec ? std::filesystem::path{"."} : self.parent_path();
}

std::filesystem::path find_environments_dir() {
  const auto exe = executable_dir();
  for (const auto& candidate :
       {exe / "environments", exe / ".." / "share" / "recodex" / "environments",
        exe / ".." / "deploy" / "environments",
        std::filesystem::path{RECODEX_SOURCE_ENVIRONMENTS_DIR}}) {
    std::error_code ec;
    if (std::filesystem::is_directory(candidate, ec))
      return candidate.lexically_normal();
  }
  return {};
}

// -- the parts ------------------------------------------------------------------------------

namespace {

struct embedded_config : caf::actor_system_config {
  embedded_config() {
    configure_actor_system(*this);
    // Evaluators are detached and do not count here.
    sleep_when_idle(*this);
    set("scheduler.max-threads", 2);
    set("logger.verbosity", caf::atom("quiet"));
  }
};

} // namespace

struct embedded_system::parts {
  embedded_options options;
  embedded_endpoints endpoints;
  std::vector<std::string> environments;
  embedded_config config;
  caf::actor_system system{config};
  std::shared_ptr<storage::data_store> store;
  std::unique_ptr<http_file_server> fileserver;
  std::optional<monitor::monitor_handle> monitor;
  caf::actor observer; // options.progress_observer as an actor, or null
  std::optional<broker::spawned_broker> broker;
  bool published = false;
  std::vector<worker::worker_slot> slots;
  bool stopped = false;
  bool abandoned = false;

  ~parts() { stop(); }

  result<void> start_fileserver();
  result<void> start_monitor();
  result<void> start_broker();
  result<void> start_slots();
  header_list slot_headers();
  void stop();
  void stop_slots();
};

result<void> embedded_system::parts::start_fileserver() {
  auto opened = storage::data_store::open(options.data_dir);
  if (!opened)
    return error{opened.error().code,
                 "file store " + options.data_dir.string() + ": " + opened.error().message};
  store = std::move(opened).value();
  filestore_config c;
  c.listen_address = options.bind_address;
  c.port = options.fileserver_port;
  c.data_dir = options.data_dir;
  c.auth = filestore_credentials{options.username, options.password};
  c.io_threads = 2;
  auto server = http_file_server::start(c, store);
  if (!server)
    return error{server.error().code, "file server: " + server.error().message};
  fileserver = std::move(server).value();
  endpoints.fileserver_port = fileserver->port();
  return ok();
}

result<void> embedded_system::parts::start_monitor() {
  monitor::monitor_config c;
  c.websocket_host = options.bind_address;
  c.websocket_port = options.monitor_port;
  c.zeromq_host.clear(); // progress arrives in process
  auto spawned = monitor::spawn_monitor(system, c);
  if (!spawned)
    return error{spawned.error().code, "monitor: " + spawned.error().message};
  monitor = spawned.value();
  endpoints.monitor_port = monitor->websocket_port;
  return ok();
}

result<void> embedded_system::parts::start_broker() {
  broker::broker_actor_config c;
  c.core.ping_interval = options.ping_interval;
  c.journal = options.data_dir / "broker.journal";
  c.monitors.push_back(caf::actor_cast<caf::actor>(monitor->actor));
  if (options.progress_observer) {
    observer = system.spawn([observe = options.progress_observer]() -> caf::behavior {
      return {[observe](const progress& update) { observe(update); }};
    });
    c.monitors.push_back(observer);
  }
  c.client_endpoint = uri("tcp", options.bind_address, options.client_port);
  c.worker_endpoint = uri("tcp", options.bind_address, options.worker_port);
  auto spawned = broker::spawn_broker(system, c);
  if (!spawned)
    return error{spawned.error().code, "broker: " + spawned.error().message};
  broker = spawned.value();
  endpoints.client_port = broker->client_port;
  endpoints.worker_port = broker->worker_port;
  // The slots join through the same door as native workers of other hosts.
  auto port = system.middleman().publish(broker->handle, options.cluster_port,
                                         options.bind_address.c_str(), true);
  if (!port)
    return error{errc::io_error, "broker cluster port " + options.bind_address + ":" +
                                     std::to_string(options.cluster_port) + ": " +
                                     system.render(port.error())};
  published = true;
  endpoints.cluster_port = *port;
  return ok();
}

header_list embedded_system::parts::slot_headers() {
  header_list headers{{"threads", "1"}};
  if (options.environments_dir.empty()) {
    spdlog::warn("no environment definitions found: the slots advertise no env=<id>");
    return headers;
  }
  auto installed = worker::installed_environment_headers(options.environments_dir);
  if (!installed) {
    spdlog::warn("environments: {}", installed.error().message);
    return headers;
  }
  for (auto& h : installed.value()) {
    environments.push_back(h.value);
    headers.push_back(std::move(h));
  }
  return headers;
}

result<void> embedded_system::parts::start_slots() {
  const auto working_directory = options.data_dir / "worker";
  auto cache = storage::worker_cache::open(options.data_dir / "worker-cache");
  if (!cache)
    return error{cache.error().code, "worker cache: " + cache.error().message};
  auto shared_cache = std::make_shared<const storage::worker_cache>(std::move(cache).value());
  worker::transfer_config transfer_config;
  transfer_config.file_managers.push_back(
      {endpoints.fileserver_url(), options.username, options.password});
  auto transfer = worker::http_file_transfer::create(transfer_config);
  if (!transfer)
    return error{transfer.error().code, "worker transfer: " + transfer.error().message};
  std::shared_ptr<worker::file_transfer> shared_transfer = std::move(transfer).value();
  const auto headers = slot_headers();

  for (unsigned k = 0; k < options.slots; ++k) {
    std::optional<int> wanted;
    if (options.first_box_id)
      wanted = *options.first_box_id + static_cast<int>(k);
    auto box = sandbox::acquire_box({}, wanted);
    if (!box)
      return error{box.error().code,
                   "slot " + std::to_string(k) + ": sandbox box " +
                       (wanted ? std::to_string(*wanted) : std::string("(any free)")) + ": " +
                       box.error().message + (::geteuid() != 0 ? " (the sandbox needs root)" : "")};
    const int box_id = box.value().id();
    worker::job_evaluator_config evaluation;
    evaluation.worker_id = static_cast<std::uint64_t>(box_id);
    evaluation.hwgroup = options.hwgroup;
    evaluation.working_directory = working_directory;
    evaluation.judges_dir = options.judges_dir;
    evaluation.default_limits = default_limits();
    evaluation.cleanup_submission = true;
    // One task box per slot prepares the next task while the current one runs.
    evaluation.parallel_tasks = false;
    auto ahead = worker::lease_task_boxes(box.value().config(), box.value(), 1);
    if (!ahead)
      return error{ahead.error().code, "slot " + std::to_string(k) + ": task box: " + ahead.error().message};
    worker::evaluator_parts evaluator{std::move(evaluation), std::move(box).value(),
                                      shared_transfer, shared_cache, worker::pack_results,
                                      std::move(ahead).value()};
    worker::listener_config listening;
    listening.broker_uri = endpoints.cluster_uri();
    listening.hwgroup = options.hwgroup;
    listening.headers = headers;
    listening.description = "embedded slot " + std::to_string(k);
    listening.ping_interval = options.ping_interval;
    auto slot = worker::start_worker_slot(system, std::move(evaluator), std::move(listening));
    if (!slot)
      return error{slot.error().code, "slot " + std::to_string(k) + ": " + slot.error().message};
    slots.push_back(slot.value());
  }
  return ok();
}

// An evaluator blocked in a job sees its exit message only when the job ends; after the grace
// the process abandons it (the broker re-queues a job whose worker vanished).
void embedded_system::parts::stop_slots() {
  if (slots.empty())
    return;
  abandoned = !worker::stop_worker_slots(system, slots, options.stop_grace);
  slots.clear();
}

void embedded_system::parts::stop() {
  if (stopped)
    return;
  stopped = true;
  stop_slots();
  if (broker) {
    if (published)
      system.middleman().unpublish(broker->handle, endpoints.cluster_port);
    broker::stop_broker(system, *broker, std::chrono::seconds(10));
    broker.reset();
  }
  if (observer)
    caf::anon_send_exit(observer, caf::exit_reason::user_shutdown);
  if (monitor) {
    caf::anon_send_exit(monitor->actor, caf::exit_reason::user_shutdown);
    monitor.reset();
  }
  if (fileserver)
    fileserver->stop();
}

// -- embedded_system ------------------------------------------------------------------------

result<std::unique_ptr<embedded_system>> embedded_system::start(embedded_options options) {
  if (options.slots == 0)
    options.slots = std::max(1u, std::thread::hardware_concurrency());
  if (options.judges_dir.empty())
    options.judges_dir = executable_dir().string();
  if (options.environments_dir.empty())
    options.environments_dir = find_environments_dir();
  std::error_code ec;
  std::filesystem::create_directories(options.data_dir, ec);
  if (ec)
    return error{errc::io_error,
                 "data directory " + options.data_dir.string() + ": " + ec.message()};
  options.data_dir = std::filesystem::absolute(options.data_dir);

  auto p = std::make_unique<parts>();
  p->options = std::move(options);
  p->endpoints.bind_address = p->options.bind_address;
  // On failure `p` is destroyed, which stops what was started.
  RECODEX_TRY_VOID(p->start_fileserver());
  RECODEX_TRY_VOID(p->start_monitor());
  RECODEX_TRY_VOID(p->start_broker());
  RECODEX_TRY_VOID(p->start_slots());
  std::string environments;
  for (const auto& id : p->environments)
    environments += (environments.empty() ? "" : ", ") + id;
  spdlog::info("embedded system started: data {}, {} slot(s), environments [{}] from {}, judges {}",
               p->options.data_dir.string(), p->options.slots, environments,
               p->options.environments_dir.string(), p->options.judges_dir);
  return std::unique_ptr<embedded_system>(new embedded_system(std::move(p)));
}

embedded_system::embedded_system(std::unique_ptr<parts> parts) : parts_(std::move(parts)) {}
embedded_system::~embedded_system() = default;

const embedded_endpoints& embedded_system::endpoints() const {
  return parts_->endpoints;
}
const embedded_options& embedded_system::options() const {
  return parts_->options;
}
const std::vector<std::string>& embedded_system::environments() const {
  return parts_->environments;
}
caf::actor_system& embedded_system::system() {
  return parts_->system;
}
void embedded_system::stop() {
  parts_->stop();
}
bool embedded_system::abandoned_jobs() const {
  return parts_->abandoned;
}

std::vector<std::string> describe(const embedded_system& system) {
  const auto& e = system.endpoints();
  const auto& o = system.options();
  std::string envs;
  for (const auto& id : system.environments())
    envs += (envs.empty() ? "" : ", ") + id;
  return {
      "file server     " + e.fileserver_url() + "  (user " + o.username + ", data " +
          o.data_dir.string() + ")",
      "broker clients  " + e.client_uri() + "  (ReCodEx core API, recodex CLI)",
      "broker workers  " + e.worker_uri() + "  (ReCodEx workers)",
      "broker cluster  " + e.cluster_uri() + "  (native workers over CAF)",
      "monitor         " + e.monitor_uri() + "  (progress WebSocket; page at http://" +
          e.bind_address + ":" + std::to_string(e.monitor_port) + "/)",
      "worker slots    " + std::to_string(o.slots) + " x hwgroup " + o.hwgroup + ", env [" + envs +
          "]",
  };
}

} // namespace recodex::embedded
