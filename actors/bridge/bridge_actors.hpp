// The ZeroMQ bridges of the broker: each a CAF actor owning one ROUTER socket on its own
// thread (socket_thread.hpp) and converting ReCodEx frames <-> typed messages (messages/wire/).
// - client bridge: binds clients.address:port; `eval` -> `ack` at once, then the evals of one
//   socket wake-up as one client_evals to the broker and `accept`/`reject` from its
//   client_replies; stats, freeze, unfreeze. Malformed evals get `reject` with the reason;
//   unknown commands are ignored.
// - worker bridge: binds workers.address:port; the init/ping/progress/done of one wake-up ->
//   one worker_events to the broker; worker_commands from the broker -> eval/pong/intro frames.
// Batches (bridge_messages.hpp) because every hand-over between the socket threads and the
// CAF thread is a thread wake-up, which dominated the broker's cost under load.
// - monitor bridge: connects to the monitor; each `progress` it receives becomes
//   `recodex-monitor, <job>, <command>[, <task>, <state>]` (dropped when no monitor listens).
// Bridges never decide anything; they stop their thread when the actor terminates.
#pragma once

#include "actors/bridge/bridge_messages.hpp"
#include "messages/result.hpp"

#include <caf/actor.hpp>
#include <caf/fwd.hpp>

#include <cstdint>
#include <string>

namespace recodex::bridge {

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
