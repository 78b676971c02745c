// The broker's durability (beyond ReCodEx, whose broker loses its queue on a crash): an
// append-only file of accepted jobs (fsync'd before `accept` is sent), assignments,
// completions with their reports, and deliveries of those reports. Replaying it yields the jobs
// still unfinished, the reports not known to be delivered (the broker sends those again:
// at-least-once) and the ids of the jobs finished last (so a worker that repeats a `done` after
// the restart does not get its job reported twice); a torn last record (a crash in the middle
// of a write) is cut off. Compaction rewrites only these (temp file, fsync, rename) once the
// file is mostly dead records, so it never grows without bound.
//
// Record: 1 byte kind ('A' accept, 'S' assign, 'F' finish), 4 bytes body length (LE), body of
// length-prefixed strings; 'A' = job id, header count, key/value pairs, payload count, frames;
// 'S' = job id, failure count; 'F' = job id [, status ("OK", "FAILED"), message]. An 'F' with a
// report is a completion whose report is not yet settled; an 'F' with the job id alone is a
// delivery record: the notifier is through with the report, delivered or given up after its
// last attempt (or a completion with nothing to deliver: no notifier, or a journal written before
// reports were kept). Older readers skip the extra fields of an 'F', so a journal stays
// readable by the broker version before this one (which then loses only the re-sending).
#pragma once

#include "actors/broker/broker_core.hpp"
#include "messages/result.hpp"

#include <cstdint>
#include <deque>
#include <filesystem>
#include <string>
#include <unordered_map>
#include <unordered_set>
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
  // Reports of jobs finished before open but not delivered, in completion order.
  const std::vector<job_status_report>& undelivered() const { return undelivered_; }
  // The last jobs finished before open (at most recent_finished_kept), oldest first.
  std::vector<std::string> recently_finished() const {
    return {finished_.begin(), finished_.end()};
  }
  static constexpr std::size_t recent_finished_kept = 10000;

  // Durable before returning (fsync) unless `sync_now` is false: then the caller must call
  // sync() before it sends `accept` (the shell commits a batch of evals with one fsync).
  result<void> accepted(const job_request& request, bool sync_now = true);
  // Not fsync'd: losing one only means the job is treated as queued, not running, on restart.
  result<void> assigned(const std::string& job_id, std::uint32_t failures);
  // Not fsync'd either: the caller syncs before the report leaves (group commit). With
  // `awaiting_delivery` the report is kept until delivered() (or sent again after a restart).
  result<void> finished(const job_status_report& report, bool awaiting_delivery);
  // The notifier is through with the report (delivered, or given up after its last attempt).
  // Not fsync'd: losing it only means the report is sent once more after a machine crash.
  result<void> delivered(const std::string& job_id);

  // Forces buffered records to disk (the shell calls it when idle).
  result<void> sync();

  std::uint64_t file_size() const { return size_; }
  // The open file, for a sync on another thread (journal_syncer); changes after compaction.
  int native_handle() const { return fd_; }
  std::size_t live_jobs() const { return live_.size(); }
  std::size_t undelivered_reports() const { return pending_.size(); }

private:
  struct live_job {
    std::uint64_t order = 0;
    recovered_job job;
  };
  struct pending_report {
    std::uint64_t order = 0;
    job_status_report report;
  };

  journal() = default;
  result<void> append(char kind, const std::string& body, bool durable);
  void note_finished(const std::string& job_id);
  result<void> compact();
  result<void> maybe_compact();

  std::filesystem::path path_;
  int fd_ = -1;
  std::uint64_t size_ = 0;
  std::uint64_t next_order_ = 0;
  bool dirty_ = false;
  std::unordered_map<std::string, live_job> live_;
  std::unordered_map<std::string, pending_report> pending_; // by job id
  std::vector<recovered_job> recovered_;
  std::vector<job_status_report> undelivered_;
  std::deque<std::string> finished_; // the last finished ids, oldest first, each once
  std::unordered_set<std::string> finished_ids_;
};

} // namespace recodex::broker
