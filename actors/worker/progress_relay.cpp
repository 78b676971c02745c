#include "actors/worker/progress_relay.hpp"

#include <pthread.h>

namespace recodex::worker {

progress_relay::progress_relay(std::chrono::milliseconds window) : batcher_(window) {
  if (window.count() > 0)
    timer_ = std::thread([this] {
      ::pthread_setname_np(::pthread_self(), "progress-relay"); // per-thread CPU figures
      run_timer();
    });
}

progress_relay::~progress_relay() {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    stopping_ = true;
    deliver_held();
  }
  changed_.notify_all();
  if (timer_.joinable())
    timer_.join();
}

void progress_relay::deliver_to(deliver_fn deliver) {
  std::lock_guard<std::mutex> lock(mutex_);
  deliver_held();
  deliver_ = std::move(deliver);
}

void progress_relay::push(progress update) {
  bool wake_timer = false;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    const bool was_empty = !batcher_.deadline();
    if (batcher_.add(std::move(update), progress_batcher::clock::now()))
      deliver_held();
    else
      wake_timer = was_empty; // a new batch: the timer learns its deadline
  }
  if (wake_timer)
    changed_.notify_one();
}

void progress_relay::flush() {
  std::lock_guard<std::mutex> lock(mutex_);
  deliver_held();
}

void progress_relay::deliver_held() {
  auto batch = batcher_.take();
  if (!batch.empty() && deliver_)
    deliver_(std::move(batch));
}

void progress_relay::run_timer() {
  std::unique_lock<std::mutex> lock(mutex_);
  while (!stopping_) {
    auto deadline = batcher_.deadline();
    if (!deadline) {
      changed_.wait(lock);
      continue;
    }
    if (batcher_.due(progress_batcher::clock::now()))
      deliver_held();
    else
      changed_.wait_until(lock, *deadline);
  }
}

} // namespace recodex::worker
