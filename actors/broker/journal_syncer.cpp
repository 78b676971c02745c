#include "actors/broker/journal_syncer.hpp"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <pthread.h>
#include <unistd.h>

namespace recodex::broker {

result<std::unique_ptr<journal_syncer>> journal_syncer::start() {
  std::unique_ptr<journal_syncer> syncer{new journal_syncer()};
  RECODEX_TRY(queue, bridge::wakeup_queue<std::uint64_t>::create());
  syncer->finished_ = std::move(queue);
  syncer->thread_ = std::thread([s = syncer.get()] {
    ::pthread_setname_np(::pthread_self(), "journal-sync"); // per-thread CPU figures
    s->run();
  });
  return syncer;
}

journal_syncer::~journal_syncer() {
  {
    std::lock_guard<std::mutex> guard{mutex_};
    stopping_ = true;
  }
  wanted_.notify_one();
  if (thread_.joinable())
    thread_.join();
}

void journal_syncer::request(std::uint64_t sequence, int fd) {
  {
    std::lock_guard<std::mutex> guard{mutex_};
    if (pending_)
      ::close(pending_->second); // the new request covers it
    pending_ = std::make_pair(sequence, fd);
  }
  wanted_.notify_one();
}

std::uint64_t journal_syncer::take_finished() {
  finished_->take(taken_);
  std::uint64_t highest = 0;
  for (auto s : taken_)
    highest = std::max(highest, s);
  taken_.clear();
  return highest;
}

void journal_syncer::run() {
  for (;;) {
    std::pair<std::uint64_t, int> job;
    {
      std::unique_lock<std::mutex> lock{mutex_};
      wanted_.wait(lock, [&] { return stopping_ || pending_; });
      if (!pending_)
        return; // stopping with nothing to do
      job = *pending_;
      pending_.reset();
    }
    if (::fdatasync(job.second) != 0)
      spdlog::error("journal fsync failed: {}", std::strerror(errno));
    ::close(job.second);
    finished_->push(job.first);
  }
}

} // namespace recodex::broker
