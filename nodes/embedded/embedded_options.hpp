// What `recodex serve` and `recodex demo` run with: where the data lives, how many worker slots,
// and the loopback ports of each component (the ReCodEx defaults; 0 picks a free port). A plain
// struct with the defaults in the initialisers; the `recodex` verbs fill it from their flags.
#pragma once

#include "messages/job_messages.hpp"
#include "messages/result.hpp"

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <optional>
#include <string>

namespace recodex::embedded {

struct embedded_options {
  // The file store's root; the worker's directories (worker/, worker-cache/) and the broker's
  // journal (broker.journal) sit in it too.
  std::filesystem::path data_dir = "var";
  unsigned slots = 0; // worker slots; 0 = the number of cores
  std::string bind_address = "127.0.0.1";
  std::uint16_t client_port = 9658;     // broker ROUTER for the core API and our CLI
  std::uint16_t worker_port = 9657;     // broker ROUTER for ReCodEx workers
  std::uint16_t cluster_port = 9659;    // broker over CAF, for native workers of other hosts
  std::uint16_t monitor_port = 4567;    // WebSocket and progress page
  std::uint16_t fileserver_port = 9999; // HTTP file store
  std::string username = "re";          // file store credentials (workers use them too)
  std::string password = "codex";
  std::string hwgroup = "group1";
  // ${JUDGES_DIR}; empty: the directory of the running executable.
  std::string judges_dir;
  // Environment definitions; empty: the first of find_environments_dir()'s candidates.
  std::filesystem::path environments_dir;
  // Slot k leases sandbox box first_box_id + k (its uid, cgroup and state directory); unset:
  // any free boxes, so a demo runs beside a `recodex serve` or a recodex-worker.
  std::optional<int> first_box_id;
  // Heartbeats between the broker and the slots (in process, so they can be frequent).
  std::chrono::milliseconds ping_interval{1000};
  // How long stop() waits for running jobs before abandoning them.
  std::chrono::milliseconds stop_grace{5000};
  // Called with every progress message the broker forwards (besides the monitor), on an actor
  // thread; for benchmarks and tests that time jobs in process. Unset: none.
  std::function<void(const progress&)> progress_observer;
};

// Every endpoint as bound (the real port when 0 was asked for).
struct embedded_endpoints {
  std::string bind_address;
  std::uint16_t client_port = 0;
  std::uint16_t worker_port = 0;
  std::uint16_t cluster_port = 0;
  std::uint16_t monitor_port = 0;
  std::uint16_t fileserver_port = 0;

  std::string client_uri() const;     // tcp://<address>:<port>
  std::string worker_uri() const;     // tcp://<address>:<port>
  std::string cluster_uri() const;    // caf://<address>:<port>
  std::string monitor_uri() const;    // ws://<address>:<port>
  std::string fileserver_url() const; // http://<address>:<port>
};

// Adds `offset` to every non-zero port (several systems on one host); fails when a port would
// leave 1..65535.
result<embedded_options> with_port_offset(embedded_options options, int offset);

} // namespace recodex::embedded
