// The broker's monitor bridge: a CAF actor owning a ROUTER socket on its own thread
// (socket_thread.hpp) that connects to the monitor; each `progress` it receives becomes
// `recodex-monitor, <job>, <command>[, <task>, <state>]` (dropped when no monitor listens).
// It stops its thread when the actor terminates. (The client and worker sockets belong to the
// broker's reactor: actors/broker/broker_reactor.hpp.)
#pragma once

#include "messages/result.hpp"

#include <caf/actor.hpp>
#include <caf/fwd.hpp>

#include <cstdint>
#include <string>

namespace recodex::bridge {

struct bridge_handle {
  caf::actor actor;
  std::uint16_t port = 0; // the bound port (0 for a connecting bridge)
};

// endpoint: tcp://<host>:<port> of the monitor's ROUTER.
result<bridge_handle> spawn_monitor_bridge(caf::actor_system& sys, const std::string& endpoint);

} // namespace recodex::bridge
