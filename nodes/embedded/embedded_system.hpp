// The embedded default: one process, one actor system, everything on loopback over one data
// directory. Theory of operation:
//   file server (HTTP, actors/filestore) <-- worker slots fetch task files, upload results
//   broker (actors/broker): ZeroMQ client ROUTER (core API, our CLI), ZeroMQ worker ROUTER
//     (ReCodEx workers), and its CAF face published on the cluster port (native workers)
//   monitor (actors/monitor): progress from the broker in process, WebSocket + page out
//   N slots: evaluator (own sandbox box) + listener; the listener reaches the broker over
//     caf:// on the loopback cluster port, exactly as a native worker of another host would,
//     and advertises env=<id> for every environment installed here.
// start() builds them in that order and fails with the first component that cannot start
// (what was started is stopped again); stop() takes them down in reverse.
#pragma once

#include "messages/result.hpp"
#include "nodes/embedded/embedded_options.hpp"

#include <caf/fwd.hpp>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

namespace recodex::embedded {

class embedded_system {
public:
  static result<std::unique_ptr<embedded_system>> start(embedded_options options);
  ~embedded_system(); // stop()s

  embedded_system(const embedded_system&) = delete;
  embedded_system& operator=(const embedded_system&) = delete;

  const embedded_endpoints& endpoints() const;
  const embedded_options& options() const; // as resolved (slots, judges and environments dirs)
  // The env=<id> values the slots advertise.
  const std::vector<std::string>& environments() const;
  caf::actor_system& system();

  // Stops the slots (a running job gets options().stop_grace, then is abandoned), the broker
  // (journal committed), the monitor and the file server. Idempotent.
  void stop();
  // After stop(): a slot was still in a job at the end of the grace. Destroying the system then
  // waits for that job to end (its evaluator is an actor of the system); a process that must
  // end now exits without destroying it.
  bool abandoned_jobs() const;

private:
  struct parts;
  explicit embedded_system(std::unique_ptr<parts> parts);
  std::unique_ptr<parts> parts_;
};

// One line per component with where it listens, e.g. "broker clients  tcp://127.0.0.1:9658".
std::vector<std::string> describe(const embedded_system& system);

// Where the environment definitions are, first match: <exe dir>/environments,
// <exe dir>/../share/recodex/environments, <exe dir>/../deploy/environments, the source tree's
// deploy/environments. Empty when none exists.
std::filesystem::path find_environments_dir();

// Starts the box launcher (sandbox/box_launcher.hpp): call it first in a process that will run
// the embedded system, before any thread starts, while the process is small. On failure it warns
// on stderr (`who: warning: ...`) and the slots clone their boxes themselves.
void start_box_launcher_early(const std::string& who);

// Logs of every component to stderr at `level` (trace ... off), one logger per room.
result<void> setup_embedded_logging(const std::string& level);

// The directory of the running executable (the judges sit beside it in a build tree).
std::filesystem::path executable_dir();

} // namespace recodex::embedded
