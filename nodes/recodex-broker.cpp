// recodex-broker: the broker as its own process, a drop-in for the ReCodEx broker. Reads the
// ReCodEx broker YAML (plus our `journal`, `cluster.port`, `recovery_grace`), then builds the
// actors: notifier, broker (replaying the journal; its reactor binds the client and worker
// sockets and connects to the monitor), and optionally publishes the broker's typed handle to native workers. Prints one line per bound
// endpoint on stdout, waits for SIGINT/SIGTERM, and stops everything in reverse order.
// Exit codes: 0 after a signal, 1 for usage, configuration or start-up errors.
#include "actors/broker/broker_actor.hpp"
#include "actors/notifier/notifier_actor.hpp"
#include "actors/notifier/notifier_core.hpp"
#include "messages/actor_system_setup.hpp"
#include "nodes/common/cluster_tls.hpp"
#include "nodes/common/command_line.hpp"
#include "nodes/common/config_reader.hpp"
#include "nodes/common/logging.hpp"
#include "nodes/common/stop_signals.hpp"

#include <caf/all.hpp>
#include <caf/io/all.hpp>
#ifdef RECODEX_HAVE_CAF_OPENSSL
#include <caf/openssl/all.hpp>
#endif
#include <spdlog/spdlog.h>

#include <csignal>
#include <iostream>
#include <optional>
#include <pthread.h>
#include <string>

namespace {

using recodex::nodes::config_reader;

constexpr const char* program = "recodex-broker";

constexpr const char* help_text = R"(Usage: recodex-broker [-c <config.yml>]

Routes evaluation jobs from the web application (ZeroMQ, ReCodEx protocol) to
workers (ReCodEx workers over ZeroMQ, native workers over CAF), forwards
progress to the monitor and reports results over HTTP.

Options:
  -c, --config <file>   YAML configuration [./config.yml; defaults if absent]
  -h, --help            this text

Configuration keys (default in brackets), those of the ReCodEx broker plus ours:
  clients:   address [*], port [9658]          ROUTER for the core API
  workers:   address [*], port [9657]          ROUTER for ReCodEx workers
             max_liveness [4]                  missed pings before a worker is dead
             max_request_failures [3]          internal errors/deaths a job survives
             ping_interval [1000]              ms
             internal_error_backoff [1000]     ms before a job back with INTERNAL_ERROR
                                               is offered again, doubled per failure (0: at once)
             max_internal_error_backoff [16000] ms, the cap of that wait
  monitor:   address [127.0.0.1], port [7894]  the monitor's ROUTER (we connect)
  notifier:  address, port, username, password HTTP(S) status callbacks [off]
             ca_file                           PEM certificates trusted besides the system's
             drain_timeout [5000]              ms failed callbacks may still retry at SIGTERM
  logger:    file [stderr], level [info], max-size, rotations
  queue_manager                                single | multi [single]
  journal                                      file for durability [off]
  recovery_grace                               ms recovered jobs wait for workers [30000]
  cluster:   port                              CAF port for native workers [off]
             certificate, key, ca-file         TLS on it (PEM; all three; workers need theirs)
Port 0 binds any free port. On start one line per endpoint is printed:
  clients tcp://...:<port>  /  workers tcp://...:<port>  /  cluster <port> [tls]
SIGINT or SIGTERM stop the broker (exit 0) after callbacks waiting for a retry
had notifier.drain_timeout to get out.
)";

[[noreturn]] void fail(const std::string& message) {
  std::cerr << program << ": " << message << "\n";
  std::exit(1);
}

struct node_config {
  std::string clients_address = "*";
  std::uint16_t clients_port = 9658;
  std::string workers_address = "*";
  std::uint16_t workers_port = 9657;
  std::string monitor_address = "127.0.0.1";
  std::uint16_t monitor_port = 7894;
  std::optional<std::uint16_t> cluster_port;
  recodex::nodes::cluster_tls cluster_tls;
  recodex::broker::broker_actor_config broker;
  recodex::notifier::notifier_config notifier;
  recodex::nodes::logging_config logging;
};

// ReCodEx level names (syslog style) onto ours.
std::optional<std::string> log_level(const std::string& name) {
  if (name == "emerg" || name == "alert" || name == "critical")
    return std::string{"critical"};
  if (name == "err")
    return std::string{"error"};
  if (name == "notice")
    return std::string{"info"};
  if (recodex::nodes::is_log_level(name))
    return name;
  return std::nullopt;
}

void read_config(config_reader& r, node_config& c) {
  auto port = [&](const char* key, std::uint16_t& out) {
    if (auto v = r.integer(key, 0, 65535))
      out = static_cast<std::uint16_t>(*v);
  };
  if (auto v = r.string("clients.address"))
    c.clients_address = *v;
  port("clients.port", c.clients_port);
  if (auto v = r.string("workers.address"))
    c.workers_address = *v;
  port("workers.port", c.workers_port);
  if (auto v = r.integer("workers.max_liveness", 1, 1000000))
    c.broker.core.max_liveness = static_cast<std::uint32_t>(*v);
  if (auto v = r.integer("workers.max_request_failures", 1, 1000000))
    c.broker.core.max_request_failures = static_cast<std::uint32_t>(*v);
  if (auto v = r.integer("workers.ping_interval", 1, 3600000))
    c.broker.core.ping_interval = std::chrono::milliseconds{*v};
  if (auto v = r.integer("workers.internal_error_backoff", 0, 3600000))
    c.broker.core.internal_error_backoff = std::chrono::milliseconds{*v};
  if (auto v = r.integer("workers.max_internal_error_backoff", 0, 3600000))
    c.broker.core.max_internal_error_backoff = std::chrono::milliseconds{*v};
  if (auto v = r.string("monitor.address"))
    c.monitor_address = *v;
  port("monitor.port", c.monitor_port);
  if (auto v = r.string("notifier.address"))
    c.notifier.address = *v;
  port("notifier.port", c.notifier.port);
  if (auto v = r.string("notifier.username"))
    c.notifier.username = *v;
  if (auto v = r.string("notifier.password"))
    c.notifier.password = *v;
  if (auto v = r.string("notifier.ca_file"))
    c.notifier.ca_file = *v;
  if (auto v = r.integer("notifier.drain_timeout", 0, 3600000))
    c.notifier.drain_timeout = std::chrono::milliseconds{*v};
  if (auto v = r.string("logger.file"))
    c.logging.file = *v;
  if (auto v = r.string("logger.level")) {
    if (auto level = log_level(*v))
      c.logging.level = *level;
    else
      r.problem("logger.level", "unknown level '" + *v + "'");
  }
  if (auto v = r.size("logger.max-size", 1024))
    c.logging.max_size = *v;
  if (auto v = r.integer("logger.rotations", 0, 1000))
    c.logging.rotations = static_cast<unsigned>(*v);
  if (auto v = r.string("queue_manager")) {
    if (*v == "single")
      c.broker.core.queue = recodex::broker::queue_policy::single;
    else if (*v == "multi")
      c.broker.core.queue = recodex::broker::queue_policy::multi;
    else
      r.problem("queue_manager", "must be 'single' or 'multi', got '" + *v + "'");
  }
  if (auto v = r.string("journal"))
    c.broker.journal = *v;
  if (auto v = r.integer("recovery_grace", 0, 86400000))
    c.broker.core.recovery_grace = std::chrono::milliseconds{*v};
  if (auto v = r.integer("cluster.port", 0, 65535))
    c.cluster_port = static_cast<std::uint16_t>(*v);
  if (auto v = r.string("cluster.certificate"))
    c.cluster_tls.certificate = *v;
  if (auto v = r.string("cluster.key"))
    c.cluster_tls.key = *v;
  if (auto v = r.string("cluster.ca-file"))
    c.cluster_tls.ca_file = *v;
  if (!c.notifier.address.empty())
    if (auto url = recodex::notifier::parse_url(c.notifier.address); !url)
      r.problem("notifier.address", url.error().message);
}

std::string tcp(const std::string& address, std::uint16_t port) {
  return "tcp://" + address + ":" + std::to_string(port);
}

// Builds and runs the actors until a stop signal. Every actor handle lives in this frame, so
// none outlives the actor system (a detached actor's thread waits for its last reference).
int run(caf::actor_system& sys, node_config config, sigset_t stop_signals) {
  std::vector<caf::actor> actors; // in start order; stopped in reverse

  auto notifier = recodex::notifier::spawn_notifier(sys, config.notifier);
  if (!notifier)
    fail(notifier.error().message);
  config.broker.notifier = notifier.value();
  if (notifier.value())
    actors.push_back(notifier.value());

  // The reactor writes progress to the ReCodEx monitor itself (no CAF hop per message).
  config.broker.monitor_endpoint = tcp(config.monitor_address, config.monitor_port);
  config.broker.client_endpoint = tcp(config.clients_address, config.clients_port);
  config.broker.worker_endpoint = tcp(config.workers_address, config.workers_port);
  auto stop_all = [&] {
    for (auto i = actors.rbegin(); i != actors.rend(); ++i)
      caf::anon_send_exit(*i, caf::exit_reason::user_shutdown);
  };
  auto broker = recodex::broker::spawn_broker(sys, config.broker);
  if (!broker) {
    std::cerr << program << ": " << broker.error().message << "\n";
    stop_all();
    return 1;
  }
  actors.push_back(broker.value().actor);
  std::optional<std::uint16_t> cluster;
  if (config.cluster_port) {
    // The public typed handle: remote workers and clients see only the registered messages.
#ifdef RECODEX_HAVE_CAF_OPENSSL
    auto published = config.cluster_tls.enabled()
                         ? caf::openssl::publish(broker.value().handle, *config.cluster_port, nullptr, true)
                         : sys.middleman().publish(broker.value().handle, *config.cluster_port, nullptr, true);
#else // enable_cluster_tls() refused TLS at start-up
    auto published = sys.middleman().publish(broker.value().handle, *config.cluster_port, nullptr, true);
#endif
    if (!published) {
      std::cerr << program << ": cluster: " << sys.render(published.error()) << "\n";
      stop_all();
      return 1;
    }
    cluster = *published;
  }
  spdlog::info("broker started: clients port {}, workers port {}, monitor {}, queue {}, "
               "max_liveness {}, ping_interval {} ms, max_request_failures {}, journal {}, "
               "notifier {}",
               broker.value().client_port, broker.value().worker_port,
               tcp(config.monitor_address, config.monitor_port), to_string(config.broker.core.queue),
               config.broker.core.max_liveness, config.broker.core.ping_interval.count(),
               config.broker.core.max_request_failures,
               config.broker.journal.empty() ? "off" : config.broker.journal.string(),
               config.notifier.address.empty() ? "off" : config.notifier.address);
  std::cout << "clients tcp://" << config.clients_address << ":" << broker.value().client_port << "\n"
            << "workers tcp://" << config.workers_address << ":" << broker.value().worker_port << "\n";
  if (cluster)
    std::cout << "cluster " << *cluster << (config.cluster_tls.enabled() ? " tls" : "") << "\n";
  std::cout << std::flush;

  int signal_number = recodex::nodes::wait_for_stop_signal(stop_signals);
  spdlog::info("broker stopping on {}", recodex::nodes::stop_signal_name(signal_number));
  // A TLS publication (CAF 0.17 has no openssl::unpublish) closes with the actor system.
  if (cluster && !config.cluster_tls.enabled())
    sys.middleman().unpublish(broker.value().handle, *cluster);
  // Reports first: the broker's last ones reach the notifier, whose waiting retries then get
  // a bounded time to go out; the broker's face journals the notifier's answers meanwhile, so
  // only the reports still owed after the drain are sent again at the next start.
  recodex::broker::close_broker(sys, broker.value(), std::chrono::seconds(10));
  if (auto owed = recodex::notifier::drain_notifier(sys, config.broker.notifier, config.notifier.drain_timeout,
                                                    config.notifier.timeout + std::chrono::seconds(1)))
    spdlog::error("{} status reports could not be delivered before shutdown: they are sent again "
                  "at the next start (with a journal)",
                  owed);
  recodex::broker::stop_broker(sys, broker.value(), std::chrono::seconds(10));
  stop_all();
  return 0;
}

} // namespace

int main(int argc, char** argv) {
  // Signals go to run()'s wait, never to a logging, CAF or ZeroMQ thread (stop_signals.hpp).
  const sigset_t stop_signals = recodex::nodes::block_stop_signals();
  std::signal(SIGPIPE, SIG_IGN);

  const auto config_file =
      recodex::nodes::parse_config_option(argc, argv, program, help_text);

  node_config config;
  {
    auto path = config_file.value_or("config.yml");
    auto reader = config_reader::from_file(path);
    if (!reader && (config_file || reader.error().code != recodex::errc::not_found))
      fail(reader.error().message);
    if (reader) {
      read_config(reader.value(), config);
      for (const auto& p : reader.value().errors())
        std::cerr << program << ": " << reader.value().describe(p) << "\n";
      if (!reader.value().errors().empty())
        std::exit(1);
      for (const auto& p : reader.value().unknown_keys())
        std::cerr << program << ": warning: unknown key " << reader.value().describe(p) << "\n";
    }
  }
  if (auto r = recodex::nodes::setup_logging(config.logging, {"broker"}); !r)
    fail(r.error().message);


  caf::actor_system_config cfg;
  recodex::configure_actor_system(cfg);
  // ZeroMQ clients, workers and the monitor never touch CAF (the reactor thread serves them);
  // CAF carries native workers, CAF clients and reports.
  recodex::sleep_when_idle(cfg);
  // The face and the notifier pass messages along a pipeline: on one scheduler thread those are
  // queue pushes instead of cross-thread wake-ups.
  cfg.set("scheduler.max-threads", 1);
  if (config.cluster_tls.enabled())
    if (auto tls = recodex::nodes::enable_cluster_tls(cfg, config.cluster_tls); !tls)
      fail(tls.error().message);
  int exit_code = 0;
  {
    caf::actor_system sys{cfg};
    exit_code = run(sys, std::move(config), stop_signals);
  }
  spdlog::shutdown();
  return exit_code;
}
