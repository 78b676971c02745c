// A thread that prepares sandbox runs (sandbox::prepare) while the caller's thread runs others.
// It stays alive as long as the preparer: a prepared box init dies with the thread that cloned it
// (PR_SET_PDEATHSIG), so a short-lived thread per preparation would kill what it prepared. The
// prepared runs are run (sandbox::run) on the caller's thread; only the cloning happens here.
#pragma once

#include "messages/result.hpp"
#include "sandbox/sandbox.hpp"

#include <condition_variable>
#include <deque>
#include <functional>
#include <future>
#include <mutex>
#include <thread>

namespace recodex::worker {

class box_preparer {
public:
  box_preparer() = default;
  box_preparer(const box_preparer&) = delete;
  box_preparer& operator=(const box_preparer&) = delete;
  // Waits for a preparation in progress, then ends the thread. Runs it prepared that are still
  // alive die with it (drop them first to have them emptied in order).
  ~box_preparer();

  // Queues prepare(box, options); the box must be free of prepared runs and outlive the result.
  std::future<result<sandbox::prepared_run>> prepare(const sandbox::box& box,
                                                     sandbox::run_options options);

private:
  void serve();

  std::mutex mutex_;
  std::condition_variable wake_;
  std::deque<std::function<void()>> queue_;
  bool stopping_ = false;
  std::thread thread_; // started by the first prepare()
};

} // namespace recodex::worker
