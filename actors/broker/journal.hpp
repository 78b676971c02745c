// The broker's durability (beyond ReCodEx, whose broker loses its queue on a crash): an
// append-only file of accepted jobs (fsync'd before `accept` is sent), assignments and
// completions. Replaying it yields the jobs still unfinished; a torn last record (a crash in
// the middle of a write) is cut off. Compaction rewrites only the live jobs (temp file, fsync,
// rename) once the file is mostly dead records, so it never grows without bound.
//
// Record: 1 byte kind ('A' accept, 'S' assign, 'F' finish), 4 bytes body length (LE), body of
// length-prefixed strings; 'A' = job id, header count, key/value pairs, payload count, frames;
// 'S' = job id, failure count; 'F' = job id.
#pragma once

#include "actors/broker/broker_core.hpp"
#include "messages/result.hpp"

#include <cstdint>
#include <filesystem>
#include <string>
#include <unordered_map>
#include <vector>

namespace recodex::broker {

class journal {
public:
  // Opens (creating) the file, replays it into `recovered()`, compacts it.
  static result<journal> open(const std::filesystem::path& file);

  journal(journal&& other) noexcept;
  journal& operator=(journal&& other) noexcept;
  journal(const journal&) = delete;
  journal& operator=(const journal&) = delete;
  ~journal();

  // Jobs found unfinished at open, in acceptance order.
  const std::vector<recovered_job>& recovered() const { return recovered_; }

  // Durable before returning (fsync) unless `sync_now` is false: then the caller must call
  // sync() before it sends `accept` (the shell commits a batch of evals with one fsync).
  result<void> accepted(const job_request& request, bool sync_now = true);
  // Not fsync'd: losing one only means the job is treated as queued, not running, on restart.
  result<void> assigned(const std::string& job_id, std::uint32_t failures);
  result<void> finished(const std::string& job_id);

  // Forces buffered records to disk (the shell calls it when idle).
  result<void> sync();

  std::uint64_t file_size() const { return size_; }
  // The open file, for a sync on another thread (journal_syncer); changes after compaction.
  int native_handle() const { return fd_; }
  std::size_t live_jobs() const { return live_.size(); }

private:
  struct live_job {
    std::uint64_t order = 0;
    recovered_job job;
  };

  journal() = default;
  result<void> append(char kind, const std::string& body, bool durable);
  result<void> compact();
  result<void> maybe_compact();

  std::filesystem::path path_;
  int fd_ = -1;
  std::uint64_t size_ = 0;
  std::uint64_t next_order_ = 0;
  bool dirty_ = false;
  std::unordered_map<std::string, live_job> live_;
  std::vector<recovered_job> recovered_;
};

} // namespace recodex::broker
