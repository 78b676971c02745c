// Which of a slot's progress events leave together. Forwarding each event alone costs a wake-up
// at every hop (evaluator -> listener -> broker -> monitors), which on a short job is most of
// what the services spend on it; held for a short window, a job's ~25 events leave as a few
// batches. The events of a batch keep their order, and nothing is held past the job's end.
// Plain C++: time is passed in.
#pragma once

#include "messages/job_messages.hpp"

#include <chrono>
#include <optional>
#include <vector>

namespace recodex::worker {

// Short enough to be invisible on a web page, long enough to gather most events of a short job.
constexpr std::chrono::milliseconds default_progress_window{20};

class progress_batcher {
public:
  using clock = std::chrono::steady_clock;

  // `window`: how long the first event of a batch may wait for others; zero sends each alone.
  explicit progress_batcher(std::chrono::milliseconds window) : window_(window) {}

  // Holds `update`; true when the batch must leave now: no window, or the update ends its job
  // (FINISHED or ABORTED: whoever waits for the job's end should not wait for the window).
  bool add(progress update, clock::time_point now);

  // When the held batch must leave at the latest; nullopt when nothing is held.
  std::optional<clock::time_point> deadline() const;
  bool due(clock::time_point now) const;

  // The held events in order; nothing is held afterwards.
  std::vector<progress> take();

private:
  std::chrono::milliseconds window_;
  clock::time_point first_held_at_{};
  std::vector<progress> held_;
};

// FINISHED and ABORTED: the last event of a job (a worker sends `done` right after).
bool ends_job(const progress& update);

} // namespace recodex::worker
