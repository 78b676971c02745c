// The listener's settings (spec section 7: broker-uri, hwgroup, headers, worker-description,
// broker-ping-interval, max-broker-liveness), with the ReCodEx defaults. Plain values: the
// worker node fills them from its YAML file.
#pragma once

#include "messages/job_messages.hpp"

#include <chrono>
#include <cstdint>
#include <string>

namespace recodex::worker {

struct listener_config {
  // tcp://host:port (ZeroMQ DEALER, ReCodEx frames) or caf://host:port (our broker over CAF).
  std::string broker_uri = "tcp://127.0.0.1:9657";
  std::string hwgroup;
  // In config-file order, one entry per value (`env: [c, python3]` gives two).
  header_list headers;
  std::string description;
  std::chrono::milliseconds ping_interval{1000};
  std::uint32_t max_liveness = 4;
  // Back-off after a lost broker: first wait, doubled per failed attempt up to the cap.
  std::chrono::milliseconds first_reconnect_delay{1000};
  std::chrono::milliseconds max_reconnect_delay{32000};
};

// The order `init` lists them in: sorted by key, the values of one key in file order (spec 2.1:
// the original's std::multimap order).
header_list init_headers(header_list headers);

} // namespace recodex::worker
