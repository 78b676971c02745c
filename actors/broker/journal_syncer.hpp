// Group commit off the reactor thread: the reactor asks for "everything written to the journal
// so far" with a rising sequence number and a duplicate of the journal's fd; this thread runs
// fdatasync for the latest request (which covers every earlier one: requests that arrive during
// a sync are merged into the next) and reports the sequence it finished through an eventfd the
// reactor polls. Meanwhile the reactor keeps serving workers; only what promises durability
// (`accept`, reports) waits for the sequence it needs.
#pragma once

#include "actors/bridge/wakeup_queue.hpp"
#include "messages/result.hpp"

#include <condition_variable>
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <thread>
#include <utility>
#include <vector>

namespace recodex::broker {

class journal_syncer {
public:
  static result<std::unique_ptr<journal_syncer>> start();
  // Finishes the pending request, then joins.
  ~journal_syncer();
  journal_syncer(const journal_syncer&) = delete;
  journal_syncer& operator=(const journal_syncer&) = delete;

  // Takes ownership of `fd` (closed after its sync, or when a later request replaces it).
  void request(std::uint64_t sequence, int fd);
  // Readable when syncs finished.
  int fd() const { return finished_->fd(); }
  // The highest sequence on disk so far (0 when none finished since the last call).
  std::uint64_t take_finished();

private:
  journal_syncer() = default;
  void run();

  std::unique_ptr<bridge::wakeup_queue<std::uint64_t>> finished_;
  std::vector<std::uint64_t> taken_;
  std::mutex mutex_;
  std::condition_variable wanted_;
  std::optional<std::pair<std::uint64_t, int>> pending_;
  bool stopping_ = false;
  std::thread thread_;
};

} // namespace recodex::broker
