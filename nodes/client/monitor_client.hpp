// Following a job through the monitor's WebSocket (spec 3.3): send the job id, receive one JSON
// message per progress event (replayed from the start if the job began earlier). The stream
// ends with FINISHED (the monitor closes), or with a FAILED that no FINISHED follows (the
// broker gave the job up); ABORTED means the job is being retried, so following goes on.
#pragma once

#include "messages/result.hpp"
#include "nodes/client/client_config.hpp"

#include <chrono>
#include <functional>
#include <optional>
#include <string>

namespace recodex::client {

struct progress_event {
  std::string command;    // DOWNLOADED, STARTED, TASK, ENDED, UPLOADED, FINISHED, FAILED, ABORTED
  std::string task_id;    // TASK only
  std::string task_state; // TASK only: COMPLETED, FAILED, SKIPPED

  // "TASK run-T1 COMPLETED", "FINISHED"
  std::string text() const;
};

// Parses one monitor message; errc::invalid_argument when it is not such a JSON object.
result<progress_event> parse_progress_event(const std::string& json_text);

enum class job_end { finished, failed };

// When a job has ended, from its progress events alone (no sockets; time passed in):
// FINISHED ends it (failed if a FAILED came right before it, as a worker reports a failed
// job); a FAILED ends it when nothing follows within `failed_grace` (the broker gave the job
// up); any other event after a FAILED means the job went on (the broker gave up on a silent
// worker that came back with it). ABORTED ends nothing: the broker retries the job.
class job_end_tracker {
public:
  using time_point = std::chrono::steady_clock::time_point;
  static constexpr std::chrono::milliseconds failed_grace{1500};

  std::optional<job_end> on_event(const progress_event& event, time_point now);
  // The end the stream has reached if nothing arrives until `now`.
  std::optional<job_end> on_silence(time_point now) const;
  // Until when to wait for the next event (nullopt: no limit of its own).
  std::optional<time_point> wait_until() const;

private:
  std::optional<time_point> failed_at_;
};

// Follows `job_id` until it ends, calling `on_event` for each event. errc::unavailable when the
// monitor cannot be reached, errc::conflict when the job does not end within the job timeout.
result<job_end> follow_job(const client_config& config, const std::string& job_id,
                           const std::function<void(const progress_event&)>& on_event);

} // namespace recodex::client
