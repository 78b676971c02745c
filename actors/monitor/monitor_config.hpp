// The monitor room's settings: where it listens (spec 3.4 `websocket_uri`, `zeromq_uri`) and
// the bounds that keep one job, one slow browser or a flood of jobs from exhausting memory.
// Plain values with the defaults of the ReCodEx monitor; nodes fill it from YAML.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <string>

namespace recodex::monitor {

// The decisions' bounds (monitor_core).
struct monitor_core_config {
  // A channel is dropped this long after its FINISHED (spec 3.3: 5 minutes).
  std::chrono::milliseconds expiry = std::chrono::minutes{5};
  // Replay bytes one channel may hold; beyond it its oldest messages are forgotten.
  std::size_t max_channel_bytes = 256 * 1024;
  // Replay bytes of all channels; beyond it the oldest finished channels are dropped (live
  // channels never are, so this bound can be exceeded by live jobs alone).
  std::size_t max_total_bytes = 64 * 1024 * 1024;
};

struct monitor_config {
  // WebSocket and page server; port 0 picks a free port.
  std::string websocket_host = "127.0.0.1";
  std::uint16_t websocket_port = 4567;
  // ZeroMQ ROUTER the ReCodEx broker connects to; empty host: no ZeroMQ input (CAF only).
  std::string zeromq_host = "127.0.0.1";
  std::uint16_t zeromq_port = 7894;
  // Bytes queued for one browser; a browser that falls further behind is disconnected.
  std::size_t max_session_queue_bytes = 1024 * 1024;
  monitor_core_config core;
  // Called (from the actor) when the control message `0`/`exit` arrives; unset: the actor
  // stops itself.
  std::function<void()> on_exit_requested;
};

} // namespace recodex::monitor
