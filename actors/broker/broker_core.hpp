// The broker's decisions (spec sections 1-2, ARCHITECTURE.md section 7): worker registry,
// header matching, the single and multi queue managers, liveness, `done` handling with bounded
// retries after a back-off, worker death, orphan re-adoption, repeated `init`s and `done`s of
// reconnecting workers, freeze, statistics, journal recovery and report delivery.
// Plain C++: events in, commands out, time passed in. The shells (broker_reactor.cpp,
// broker_actor.cpp) perform the commands; no I/O, logging or clock lives here.
#pragma once

#include "actors/broker/broker_config.hpp"
#include "messages/job_messages.hpp"

#include <chrono>
#include <cstdint>
#include <deque>
#include <iosfwd>
#include <list>
#include <map>
#include <optional>
#include <string>
#include <unordered_map>
#include <unordered_set>
#include <variant>
#include <vector>

namespace recodex::broker {

using time_point = std::chrono::steady_clock::time_point;

// -- commands (what the shell must do, in list order) --

// `eval` to a worker (the client's payload verbatim).
struct send_job {
  job_assignment assignment;
};
struct send_pong {
  std::string worker_id;
};
struct send_intro {
  std::string worker_id;
};
// Answers to the client's eval (the bridge has already sent `ack`).
struct reply_accept {
  std::string job_id;
};
struct reply_reject {
  std::string job_id;
  std::string reason;
};
// Frames to the monitor: forwarded progress and the broker's own FAILED / ABORTED.
struct send_progress {
  progress update;
};
// HTTP callbacks to the web application.
struct notify_job_status {
  job_status_report report;
};
struct notify_error {
  std::string message;
};
// Durability: an accepted job (must be on disk before the reply), a job handed to a worker
// (with its failure count), a job that left the broker with its report (kept until the
// report is settled: a restart sends it again), a report the notifier is through with (the web
// application has it, or it was given up after the notifier's last attempt).
struct journal_accept {
  job_request request;
};
struct journal_assign {
  std::string job_id;
  std::uint32_t failures = 0;
};
struct journal_finish {
  job_status_report report;
};
struct journal_settled {
  std::string job_id;
};
// A worker left the registry: the shell forgets its transport.
struct forget_worker {
  std::string worker_id;
};
// An input was ignored (the shell logs it as a warning).
struct log_warning {
  std::string text;
};

using command =
    std::variant<send_job, send_pong, send_intro, reply_accept, reply_reject, send_progress,
                 notify_job_status, notify_error, journal_accept, journal_assign, journal_finish,
                 journal_settled, forget_worker, log_warning>;
using commands = std::vector<command>;

bool operator==(const send_job& a, const send_job& b);
bool operator==(const send_pong& a, const send_pong& b);
bool operator==(const send_intro& a, const send_intro& b);
bool operator==(const reply_accept& a, const reply_accept& b);
bool operator==(const reply_reject& a, const reply_reject& b);
bool operator==(const send_progress& a, const send_progress& b);
bool operator==(const notify_job_status& a, const notify_job_status& b);
bool operator==(const notify_error& a, const notify_error& b);
bool operator==(const journal_accept& a, const journal_accept& b);
bool operator==(const journal_assign& a, const journal_assign& b);
bool operator==(const journal_finish& a, const journal_finish& b);
bool operator==(const journal_settled& a, const journal_settled& b);
bool operator==(const forget_worker& a, const forget_worker& b);
bool operator==(const log_warning& a, const log_warning& b);

std::string to_string(const command& cmd);
std::ostream& operator<<(std::ostream& out, const command& cmd);

// -- helpers with rules of their own (exposed for tests) --

// Spec 2.6: every request header matches at least one worker value of the same key; `hwgroup`
// alternatives split on '|', `threads` numeric >=, `meta.*` ignored.
bool matches(const header_list& request, const worker_info& worker);

// "<hex identity>" or "<hex identity> (<description>)".
std::string worker_label(const std::string& id, const std::string& description);

// A job recovered from the journal after a restart.
struct recovered_job {
  job_request request;
  std::uint32_t failures = 0;
  bool was_running = false; // reserved for the worker that reports it in `current_job=`
};

// What the journal knew at start-up.
struct recovered_state {
  std::vector<recovered_job> jobs;            // unfinished, in acceptance order
  std::vector<job_status_report> undelivered; // finished, report not known to be delivered
  std::vector<std::string> finished;          // finished recently (their workers may repeat them)
};

// -- the core --

class broker_core {
public:
  explicit broker_core(broker_config config);

  // -- inputs, in the order a job flows --

  // A client's `eval`: journal, dispatch or queue, accept; or reject with the reason.
  commands on_job(job_request request, time_point now);
  commands on_freeze(bool frozen);
  // A worker's `init` (also a native worker joining over the middleman).
  commands on_worker_init(worker_info info, time_point now);
  commands on_worker_ping(const std::string& worker_id, time_point now);
  commands on_worker_progress(const std::string& worker_id, progress update, time_point now);
  commands on_worker_done(const std::string& worker_id, job_done done, time_point now);
  // Periodic: liveness of every worker, end of the recovery grace period.
  commands on_tick(time_point now);
  // A native worker's actor is down: the same as missed heartbeats, at once.
  commands on_worker_down(const std::string& worker_id, time_point now);
  // The notifier is through with a job's report: the web application has it, or the notifier
  // gave it up after its last attempt (ReCodEx's rule). Not before: a report still waiting for
  // a retry when the process dies is sent again after the restart.
  commands on_report_settled(const std::string& job_id);
  // Journal replay at start-up, before any other input: unfinished jobs wait for their workers,
  // reports not delivered are sent again (at-least-once), and jobs finished recently are known
  // as finished (a worker repeating its `done` or progress after a reconnect is not reported or
  // forwarded again).
  commands recover(recovered_state state, time_point now);
  commands recover(std::vector<recovered_job> jobs, time_point now) {
    return recover(recovered_state{std::move(jobs), {}, {}}, now);
  }

  // -- queries --

  runtime_stats stats() const;
  bool frozen() const { return frozen_; }
  bool knows_worker(const std::string& worker_id) const;
  std::size_t worker_count() const { return workers_.size(); }
  std::size_t queue_length() const;
  const broker_config& config() const { return config_; }

private:
  struct job_entry {
    job_request request;
    std::uint32_t failures = 0;
    bool orphan = false; // known only from `current_job=`: no payload, cannot be reassigned
    // Already reported to the web application (a worker re-registered with it after the broker
    // had given up on it): the worker is busy with it, but its `done` is not reported again.
    bool reported = false;
    // Its last worker returned it with INTERNAL_ERROR and nobody has it since: an `init` that
    // still names it is stale (a worker repeating itself), not a job to adopt.
    bool returned = false;
  };

  struct worker_entry {
    worker_info info;
    std::uint64_t seq = 0; // registration order, the tie-breaker
    time_point last_heard;
    time_point idle_since;
    time_point assigned_at; // when `current` was handed out or adopted
    std::optional<job_entry> current;
    std::deque<job_entry> own_queue; // multi only
  };

  // -- implementation --
  void touch(worker_entry& w, time_point now);
  bool same_offer(const worker_info& a, const worker_info& b) const;
  bool finished_here(const std::string& job_id) const;
  bool changes_job(const worker_entry& w, const std::string& claimed, time_point now) const;
  std::chrono::milliseconds liveness_span() const;
  std::optional<job_entry> take_claimed(const std::string& worker_id, const std::string& job_id,
                                        time_point now, commands& out);
  void register_worker(worker_info info, std::optional<job_entry> current, time_point now,
                       commands& out);
  void assign(worker_entry& w, job_entry job, time_point now, commands& out);
  void take_next(worker_entry& w, time_point now, commands& out);
  // Places a job: true when dispatched or queued, false when no registered worker can serve it.
  bool enqueue(job_entry job, time_point now, commands& out);
  bool anyone_matches(const header_list& headers) const;
  void finish(const std::string& job_id, job_status status, std::string message, commands& out);
  void fail_with_monitor(const std::string& job_id, std::string message, commands& out);
  void lose_worker(const std::string& worker_id, time_point now, commands& out);
  void place_held(time_point now, commands& out);
  void remember_reported(const std::string& job_id);
  commands on_done_for_recovered_job(const std::string& worker_id, job_done done, time_point now);
  void finish_done(job_entry job, job_done done, worker_entry* w, time_point now, commands& out);
  std::chrono::milliseconds retry_delay(std::uint32_t failures) const;
  void place_retry(job_entry job, time_point now, commands& out);
  void release_backoff(time_point now, commands& out);

  broker_config config_;
  bool frozen_ = false;
  std::uint64_t evaluated_ = 0;
  std::uint64_t failed_ = 0;
  std::uint64_t next_seq_ = 0;
  std::unordered_map<std::string, worker_entry> workers_;
  std::list<std::string> rotation_;  // multi: next candidate first
  std::list<job_entry> queue_;       // single: FCFS
  // Jobs waiting out their back-off after an INTERNAL_ERROR, by the time they may go again.
  std::multimap<time_point, job_entry> backoff_;
  std::unordered_set<std::string> active_jobs_;
  // Recovery: jobs waiting for a capable worker, and jobs reserved for their worker.
  std::deque<job_entry> held_;
  std::unordered_map<std::string, job_entry> awaiting_adoption_;
  std::optional<time_point> recovery_deadline_;
  // Jobs reported to the web application, the most recent ones, so that none is reported twice
  // when a worker comes back with one (bounded: oldest forgotten first).
  std::unordered_set<std::string> reported_;
  std::deque<std::string> reported_order_;
  static constexpr std::size_t reported_memory = 100000;
};

} // namespace recodex::broker
