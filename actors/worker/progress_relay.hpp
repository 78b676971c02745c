// Sends a slot's progress on in batches (progress_batcher.hpp). The evaluator's thread pushes
// each event while its job runs; a batch leaves when the batcher says so (the job's end, no
// window), when its window has passed (a timer thread of the relay's own, asleep while nothing
// is held), or at flush(). Batches leave under one lock, in order, whichever thread sends them.
#pragma once

#include "actors/worker/progress_batcher.hpp"

#include <chrono>
#include <condition_variable>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

namespace recodex::worker {

class progress_relay {
public:
  // Called with each non-empty batch, under the relay's lock: it must only hand the batch over
  // (a CAF send), never block.
  using deliver_fn = std::function<void(std::vector<progress>&&)>;

  explicit progress_relay(std::chrono::milliseconds window);
  ~progress_relay(); // what is still held is delivered first
  progress_relay(const progress_relay&) = delete;
  progress_relay& operator=(const progress_relay&) = delete;

  // Where batches go from now on; what is held for the previous receiver is delivered to it
  // first.
  void deliver_to(deliver_fn deliver);
  void push(progress update);
  // Delivers what is held now (before the job's `done`, so it follows every event).
  void flush();

private:
  void deliver_held(); // mutex_ held
  void run_timer();

  std::mutex mutex_;
  std::condition_variable changed_;
  progress_batcher batcher_;
  deliver_fn deliver_;
  bool stopping_ = false;
  std::thread timer_; // only with a window
};

} // namespace recodex::worker
