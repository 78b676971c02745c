// recodex-monitor: the monitor as its own process, a drop-in for the ReCodEx monitor. Reads the
// ReCodEx monitor YAML (websocket_uri, zeromq_uri, logger; a missing file means defaults),
// spawns the monitor actor (ZeroMQ input, WebSocket + page server), prints one line per bound
// endpoint on stdout and runs until SIGINT/SIGTERM or the control message `0`/`exit`.
// Exit codes: 0 after a signal or `exit`, 1 for usage, configuration or start-up errors.
#include "actors/monitor/monitor_actor.hpp"
#include "messages/actor_system_setup.hpp"
#include "nodes/common/command_line.hpp"
#include "nodes/common/config_reader.hpp"
#include "nodes/common/logging.hpp"
#include "nodes/common/stop_signals.hpp"

#include <caf/all.hpp>
#include <spdlog/spdlog.h>
#include <yaml-cpp/yaml.h>

#include <csignal>
#include <iostream>
#include <optional>
#include <string>
#include <unistd.h>

namespace {

using recodex::nodes::config_reader;

constexpr const char* program = "recodex-monitor";

constexpr const char* help_text = R"(Usage: recodex-monitor [-c <config.yml>]

Streams the progress of evaluation jobs to browsers: receives progress from the
broker (ZeroMQ, ReCodEx protocol, or CAF) and sends each job's messages to the
WebSocket clients subscribed to it; serves the progress page at / and
/jobs/<job_id>[?tasks=<expected task count>] on the same port.

Options:
  -c, --config <file>   YAML configuration [./config.yml; defaults if absent]
  -h, --help            this text

Configuration keys (default in brackets), those of the ReCodEx monitor:
  websocket_uri: [host, port]   WebSocket and page server [["127.0.0.1", 4567]]
  zeromq_uri:    [host, port]   ROUTER the broker connects to [["127.0.0.1", 7894]]
  logger: file [/tmp/recodex-monitor.log], level [info], max-size [1048576],
          rotations [3]
Port 0 binds any free port. On start one line per endpoint is printed:
  websocket ws://<host>:<port>  /  zeromq tcp://<host>:<port>
SIGINT, SIGTERM or the ZeroMQ message [0, exit] stop the monitor (exit 0).
)";

[[noreturn]] void fail(const std::string& message) {
  std::cerr << program << ": " << message << "\n";
  std::exit(1);
}

struct node_config {
  recodex::monitor::monitor_config monitor;
  recodex::nodes::logging_config logging;
};

// `key: [host, port]`, the ReCodEx monitor's address form. config_reader reads mappings only,
// so the pair is read from the YAML node here; problems go to the reader with the key.
void read_uri(config_reader& r, const YAML::Node& root, const char* key, std::string& host,
              std::uint16_t& port) {
  if (!r.has(key))
    return;
  const auto node = root[key];
  if (!node.IsSequence() || node.size() != 2) {
    r.problem(key, "expected [host, port]");
    return;
  }
  try {
    auto h = node[0].as<std::string>();
    auto p = node[1].as<long>();
    if (p < 0 || p > 65535) {
      r.problem(key, "port must be from 0 to 65535, got " + std::to_string(p));
      return;
    }
    host = h;
    port = static_cast<std::uint16_t>(p);
  } catch (const YAML::Exception&) {
    r.problem(key, "expected [host, port] with a numeric port");
  }
}

void read_config(config_reader& r, const YAML::Node& root, node_config& c) {
  read_uri(r, root, "websocket_uri", c.monitor.websocket_host, c.monitor.websocket_port);
  read_uri(r, root, "zeromq_uri", c.monitor.zeromq_host, c.monitor.zeromq_port);
  recodex::nodes::read_logging_config(r, c.logging);
  if (!recodex::nodes::is_log_level(c.logging.level))
    r.problem("logger.level", "unknown level '" + c.logging.level + "'");
}

} // namespace

int main(int argc, char** argv) {
  // Signals go to the wait below, never to a logging, CAF, Asio or ZeroMQ thread.
  const sigset_t stop_signals = recodex::nodes::block_stop_signals();
  std::signal(SIGPIPE, SIG_IGN);

  const auto config_file =
      recodex::nodes::parse_config_option(argc, argv, program, help_text);

  node_config config;
  // The ReCodEx monitor's logger defaults.
  config.logging.file = "/tmp/recodex-monitor.log";
  config.logging.max_size = 1024 * 1024;
  config.logging.rotations = 3;
  {
    auto path = config_file.value_or("config.yml");
    auto reader = config_reader::from_file(path);
    if (!reader && reader.error().code != recodex::errc::not_found)
      fail(reader.error().message);
    if (reader) {
      YAML::Node root;
      try {
        root = YAML::LoadFile(path);
      } catch (const YAML::Exception& e) {
        fail(path + ": " + e.what());
      }
      read_config(reader.value(), root, config);
      for (const auto& p : reader.value().errors())
        std::cerr << program << ": " << reader.value().describe(p) << "\n";
      if (!reader.value().errors().empty())
        std::exit(1);
      for (const auto& p : reader.value().unknown_keys())
        std::cerr << program << ": warning: unknown key " << reader.value().describe(p) << "\n";
    } else {
      std::cerr << program << ": " << path << " not found, using the defaults\n";
    }
  }
  if (auto r = recodex::nodes::setup_logging(config.logging, {"monitor"}); !r)
    fail(r.error().message);

  // `0`/`exit` ends the wait below like a signal does (the signal is blocked, so it stays
  // pending for sigwait).
  config.monitor.on_exit_requested = [] { ::kill(::getpid(), SIGTERM); };

  caf::actor_system_config cfg;
  recodex::configure_actor_system(cfg);
  recodex::sleep_when_idle(cfg);
  cfg.set("scheduler.max-threads", 1); // one actor; the sockets have threads of their own
  int exit_code = 0;
  {
    caf::actor_system sys{cfg};
    auto monitor = recodex::monitor::spawn_monitor(sys, config.monitor);
    if (!monitor) {
      std::cerr << program << ": " << monitor.error().message << "\n";
      exit_code = 1;
    } else {
      const auto& m = config.monitor;
      spdlog::info("monitor started: websocket {}:{}, zeromq {}:{}, log {} ({}), channel expiry "
                   "{} s, session queue bound {} bytes",
                   m.websocket_host, monitor.value().websocket_port, m.zeromq_host,
                   monitor.value().zeromq_port, config.logging.file, config.logging.level,
                   std::chrono::duration_cast<std::chrono::seconds>(m.core.expiry).count(),
                   m.max_session_queue_bytes);
      std::cout << "websocket ws://" << m.websocket_host << ":" << monitor.value().websocket_port
                << "\nzeromq tcp://" << m.zeromq_host << ":" << monitor.value().zeromq_port
                << std::endl;
      int signal_number = recodex::nodes::wait_for_stop_signal(stop_signals);
      spdlog::info("monitor stopping on {}", recodex::nodes::stop_signal_name(signal_number));
      caf::anon_send_exit(monitor.value().actor, caf::exit_reason::user_shutdown);
    }
  }
  spdlog::shutdown();
  return exit_code;
}
