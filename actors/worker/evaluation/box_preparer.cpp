// box_preparer: one queue, one thread, started on first use.
#include "actors/worker/evaluation/box_preparer.hpp"

#include <memory>
#include <pthread.h>
#include <utility>

namespace recodex::worker {

box_preparer::~box_preparer() {
  {
    std::lock_guard lock{mutex_};
    stopping_ = true;
  }
  wake_.notify_all();
  if (thread_.joinable())
    thread_.join();
}

std::future<result<sandbox::prepared_run>> box_preparer::prepare(const sandbox::box& box,
                                                                 sandbox::run_options options) {
  // std::function needs a copyable callable: the task lives behind a shared_ptr.
  auto task = std::make_shared<std::packaged_task<result<sandbox::prepared_run>()>>(
      [&box, options = std::move(options)] { return sandbox::prepare(box, options); });
  auto future = task->get_future();
  {
    std::lock_guard lock{mutex_};
    queue_.emplace_back([task] { (*task)(); });
    if (!thread_.joinable())
      thread_ = std::thread([this] { serve(); });
  }
  wake_.notify_one();
  return future;
}

void box_preparer::serve() {
  ::pthread_setname_np(::pthread_self(), "box-preparer"); // for per-thread CPU figures
  std::unique_lock lock{mutex_};
  for (;;) {
    wake_.wait(lock, [this] { return stopping_ || !queue_.empty(); });
    if (queue_.empty())
      return; // stopping, nothing left
    auto job = std::move(queue_.front());
    queue_.pop_front();
    lock.unlock();
    job();
    lock.lock();
  }
}

} // namespace recodex::worker
