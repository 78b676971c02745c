// The monitor: receives `progress` from our broker over CAF (the broker's `monitors` list) and,
// from a ReCodEx broker, the same messages over its ZeroMQ ROUTER (`zeromq_uri`, routing id
// `recodex-monitor`); keeps one channel per job (monitor_core) and streams each to the browsers
// subscribed over WebSocket on `websocket_uri`, which also serves the progress page. It never
// answers the broker. The control message `0`/`exit` calls config.on_exit_requested (or stops
// the actor); the sockets close when the actor terminates.
#pragma once

#include "actors/monitor/monitor_config.hpp"
#include "messages/job_messages.hpp"
#include "messages/result.hpp"

#include <caf/fwd.hpp>
#include <caf/replies_to.hpp>
#include <caf/typed_actor.hpp>

#include <cstdint>

namespace recodex::monitor {

using monitor_actor = caf::typed_actor<caf::reacts_to<recodex::progress>>;

struct monitor_handle {
  monitor_actor actor;
  std::uint16_t websocket_port = 0; // as bound (port 0 in the config picks one)
  std::uint16_t zeromq_port = 0;    // 0 when the ZeroMQ input is off
};

// Binds both sockets first: an address in use fails here, before any actor exists.
result<monitor_handle> spawn_monitor(caf::actor_system& sys, monitor_config config);

} // namespace recodex::monitor
