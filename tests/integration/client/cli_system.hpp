// The system as real processes on loopback ports chosen by the OS, for driving the `recodex`
// CLI: recodex-monitor, recodex-fileserver (temporary data directory, re/codex), recodex-broker
// reporting to that monitor, and, on demand, a recodex-worker (hwgroup group1, every installed
// environment of deploy/environments). run() starts the CLI binary with the flags that point it
// at them and returns its exit code and output.
#pragma once

#include "tests/harness/child_process.hpp"
#include "tests/harness/temp_directory.hpp"

#include <chrono>
#include <memory>
#include <string>
#include <vector>

namespace recodex::testing {

using cli_run = finished_process;

// Runs build/bin/recodex with `args` (nothing added); -1 when it does not end within `timeout`.
cli_run run_recodex(const std::vector<std::string>& args, std::chrono::milliseconds timeout);

class cli_system {
public:
  // The file server always; the monitor and the broker when `full`.
  explicit cli_system(bool full);
  ~cli_system();

  void start_worker(unsigned worker_id);
  // Waits until the broker counts `count` workers (asked through the CLI itself).
  bool wait_for_workers(int count, std::chrono::milliseconds timeout);

  // The CLI with --fileserver (and --broker, --monitor when full) first.
  cli_run run(std::vector<std::string> args,
              std::chrono::milliseconds timeout = std::chrono::seconds(60));

  std::string fileserver_url() const;
  std::string logs();

private:
  temp_directory dir_{"recodex-cli"};
  std::unique_ptr<child_process> monitor_, fileserver_, broker_;
  std::vector<std::unique_ptr<child_process>> workers_;
  std::uint16_t fileserver_port_ = 0, clients_port_ = 0, workers_port_ = 0, websocket_port_ = 0,
                zeromq_port_ = 0;
};

} // namespace recodex::testing
