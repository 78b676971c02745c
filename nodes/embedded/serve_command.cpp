// `recodex serve`: flags -> embedded_options, start, print the endpoints, wait for a stop signal.
#include "nodes/embedded/serve_command.hpp"

#include "nodes/common/command_line.hpp"
#include "nodes/common/logging.hpp"
#include "nodes/common/stop_signals.hpp"
#include "nodes/embedded/embedded_system.hpp"

#include <algorithm>
#include <csignal>
#include <cstdlib>
#include <iostream>
#include <optional>
#include <spdlog/spdlog.h>

namespace recodex::embedded {

const char* const serve_usage =
    R"(recodex serve [--data-dir DIR] [--slots N] [--port-offset K | --any-ports]
              [--log-level LEVEL]
  Runs the whole system in this process on 127.0.0.1: the file server (9999), the broker
  (client port 9658 for the ReCodEx core API and this CLI, worker port 9657 for ReCodEx
  workers, cluster port 9659 for native workers over CAF), the monitor (WebSocket and progress
  page on 4567) and N worker slots (default: the number of cores), each with its own sandbox
  box (needs root). Prints one line per component, then runs until SIGINT or SIGTERM.
  --data-dir DIR      file store, worker directories, broker journal [./var]
  --slots N           worker slots [number of cores]
  --port-offset K     adds K to every port (a second system on the same host) [0]
  --any-ports         lets the system pick free ports (they are printed)
  --log-level LEVEL   trace, debug, info, warn, error [warn]
  -h, --help          this help
  File server credentials: re / codex.
)";

namespace {

using nodes::bounded_number;
using nodes::usage_problem;

struct serve_flags {
  embedded_options options;
  int port_offset = 0;
  std::string log_level = "warn";
};

serve_flags parse(const std::vector<std::string>& args) {
  serve_flags out;
  for (std::size_t i = 0; i < args.size(); ++i) {
    const auto& flag = args[i];
    if (flag == "--any-ports") {
      auto& o = out.options;
      o.client_port = o.worker_port = o.cluster_port = o.monitor_port = o.fileserver_port = 0;
      continue;
    }
    if (flag != "--data-dir" && flag != "--slots" && flag != "--port-offset" &&
        flag != "--log-level")
      throw usage_problem{"unknown argument '" + flag + "'"};
    if (i + 1 >= args.size())
      throw usage_problem{flag + " needs a value"};
    const auto& value = args[++i];
    if (flag == "--data-dir")
      out.options.data_dir = value;
    else if (flag == "--slots")
      out.options.slots = static_cast<unsigned>(bounded_number(flag, value, 1, 256));
    else if (flag == "--port-offset")
      out.port_offset = static_cast<int>(bounded_number(flag, value, 0, 50000));
    else if (nodes::is_log_level(value))
      out.log_level = value;
    else
      throw usage_problem{"unknown log level '" + value + "'"};
  }
  return out;
}

} // namespace

int serve_command(const std::vector<std::string>& args) {
  // Signals go to the wait below, never to a logging, CAF, Asio or ZeroMQ thread.
  const sigset_t stop_signals = nodes::block_stop_signals();
  std::signal(SIGPIPE, SIG_IGN);

  serve_flags flags;
  try {
    flags = parse(args);
  } catch (const usage_problem& p) {
    std::cerr << "recodex serve: " << p.message << "\nTry 'recodex serve --help'.\n";
    return 2;
  }
  start_box_launcher_early("recodex serve");
  if (auto r = setup_embedded_logging(flags.log_level); !r) {
    std::cerr << "recodex serve: " << r.error().message << "\n";
    return 1;
  }
  auto options = with_port_offset(flags.options, flags.port_offset);
  if (!options) {
    std::cerr << "recodex serve: " << options.error().message << "\n";
    return 2;
  }
  auto system = embedded_system::start(options.value());
  if (!system) {
    std::cerr << "recodex serve: " << system.error().message << "\n";
    spdlog::shutdown();
    return 1;
  }
  for (const auto& line : describe(*system.value()))
    std::cout << line << "\n";
  std::cout << "running; SIGINT or SIGTERM stops" << std::endl;

  const int signal_number = nodes::wait_for_stop_signal(stop_signals);
  std::cerr << "recodex serve: stopping on " << nodes::stop_signal_name(signal_number) << "\n";
  system.value()->stop();
  if (system.value()->abandoned_jobs()) {
    // The broker's journal is committed; the abandoned job is re-run after a restart.
    spdlog::shutdown();
    std::_Exit(0);
  }
  system.value().reset();
  spdlog::shutdown();
  return 0;
}

} // namespace recodex::embedded
