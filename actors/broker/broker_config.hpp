// The broker core's settings with ReCodEx defaults (spec 2.3, 2.4, 2.7), plus our recovery
// grace period and the back-off after an internal error. The node fills it from the
// `workers.*` and `queue_manager` YAML keys.
#pragma once

#include <chrono>
#include <cstdint>
#include <string_view>

namespace recodex::broker {

// `single`: one global FCFS queue, longest-idle matching worker first (load balancing).
// `multi`: one FIFO per worker, workers chosen in rotation; jobs never migrate unless a worker dies.
enum class queue_policy { single, multi };

std::string_view to_string(queue_policy policy);

struct broker_config {
  queue_policy queue = queue_policy::single;
  // A worker silent for more than max_liveness * ping_interval is dead.
  std::uint32_t max_liveness = 4;
  std::chrono::milliseconds ping_interval{1000};
  // INTERNAL_ERROR / worker deaths a job survives before it is reported FAILED.
  std::uint32_t max_request_failures = 3;
  // A job back from a worker with INTERNAL_ERROR waits before it is offered again: this long
  // after its first failure, doubled per further failure, at most max_internal_error_backoff
  // (the original retries at once, so a short outage of the file server used up every retry in
  // milliseconds). Zero: at once, as the original.
  std::chrono::milliseconds internal_error_backoff{1000};
  std::chrono::milliseconds max_internal_error_backoff{16000};
  // After a restart, how long recovered jobs wait for reconnecting workers: jobs that were
  // running stay reserved for their worker's `current_job=` and jobs nobody can serve are kept.
  std::chrono::milliseconds recovery_grace{30000};
};

} // namespace recodex::broker
