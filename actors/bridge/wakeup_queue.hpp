// A queue another thread's poll loop can wait on: producers push under a mutex and write an
// eventfd only when the queue was empty (a non-empty queue already has a wake-up pending), the
// owning thread polls fd() and takes everything at once. Swapping with the caller's vector
// reuses both buffers, so a busy loop does not allocate per wake-up.
#pragma once

#include "messages/result.hpp"

#include <cerrno>
#include <cstdint>
#include <iterator>
#include <memory>
#include <mutex>
#include <sys/eventfd.h>
#include <unistd.h>
#include <vector>

namespace recodex::bridge {

template <class T>
class wakeup_queue {
public:
  static result<std::unique_ptr<wakeup_queue>> create() {
    int fd = ::eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
    if (fd < 0)
      return make_errno_error(errno, "cannot create an eventfd");
    return std::unique_ptr<wakeup_queue>(new wakeup_queue(fd));
  }
  ~wakeup_queue() { ::close(fd_); }
  wakeup_queue(const wakeup_queue&) = delete;
  wakeup_queue& operator=(const wakeup_queue&) = delete;

  // Thread-safe.
  void push(T item) {
    bool was_empty = false;
    {
      std::lock_guard<std::mutex> guard{mutex_};
      was_empty = items_.empty();
      items_.push_back(std::move(item));
    }
    if (was_empty)
      wake();
  }
  // Thread-safe; all items in order, one lock, at most one wake-up.
  void push(std::vector<T>&& items) {
    if (items.empty())
      return;
    bool was_empty = false;
    {
      std::lock_guard<std::mutex> guard{mutex_};
      was_empty = items_.empty();
      if (was_empty)
        items_.swap(items);
      else
        items_.insert(items_.end(), std::make_move_iterator(items.begin()), std::make_move_iterator(items.end()));
    }
    if (was_empty)
      wake();
  }
  // Wakes the owner without an item (e.g. to make it notice a stop flag).
  void wake() {
    std::uint64_t one = 1;
    [[maybe_unused]] auto n = ::write(fd_, &one, sizeof one);
  }

  // The owner: readable when items (or a wake()) are pending.
  int fd() const { return fd_; }
  // The owner: clears the wake-up and moves every pending item into `out` (which must be empty).
  void take(std::vector<T>& out) {
    std::uint64_t count = 0;
    [[maybe_unused]] auto n = ::read(fd_, &count, sizeof count);
    std::lock_guard<std::mutex> guard{mutex_};
    out.swap(items_);
  }

private:
  explicit wakeup_queue(int fd) : fd_(fd) {}
  int fd_;
  std::mutex mutex_;
  std::vector<T> items_;
};

} // namespace recodex::bridge
