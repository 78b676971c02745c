// The ZeroMQ bridges of the broker: each a CAF actor owning one ROUTER socket on its own
// thread (socket_thread.hpp) and converting ReCodEx frames <-> typed messages (messages/wire/).
// - client bridge: binds clients.address:port; `eval` -> `ack` at once, then job_request to the
//   broker and `accept`/`reject` with its answer; stats, freeze, unfreeze. Malformed evals get
//   `reject` with the reason; unknown commands are ignored.
// - worker bridge: binds workers.address:port; init/ping/progress/done -> worker_info,
//   worker_ping, worker_progress, worker_done to the broker; job_assignment, worker_pong,
//   worker_intro from the broker -> eval/pong/intro frames.
// - monitor bridge: connects to the monitor; each `progress` it receives becomes
//   `recodex-monitor, <job>, <command>[, <task>, <state>]` (dropped when no monitor listens).
// Bridges never decide anything; they stop their thread when the actor terminates.
#pragma once

#include "messages/result.hpp"

#include <caf/actor.hpp>
#include <caf/atom.hpp>
#include <caf/fwd.hpp>

#include <cstdint>
#include <string>

namespace recodex::bridge {

// The worker bridge's first message to the broker, `(worker_bridge_atom, self)`: from then on
// the broker knows which sender speaks for ZeroMQ workers (any other is a native worker).
// Sent before the bridge handles any frame, so no worker message can overtake it.
using worker_bridge_atom = caf::atom_constant<caf::atom("brbridge")>;

struct bridge_handle {
  caf::actor actor;
  std::uint16_t port = 0; // the bound port (0 for the connecting monitor bridge)
};

// endpoint: tcp://<address>:<port>; port 0 binds any free port.
result<bridge_handle> spawn_client_bridge(caf::actor_system& sys, caf::actor broker,
                                          const std::string& endpoint);
// The worker bridge sends worker messages to `broker`.
result<bridge_handle> spawn_worker_bridge(caf::actor_system& sys, caf::actor broker,
                                          const std::string& endpoint);
// endpoint: tcp://<host>:<port> of the monitor's ROUTER.
result<bridge_handle> spawn_monitor_bridge(caf::actor_system& sys, const std::string& endpoint);

} // namespace recodex::bridge
