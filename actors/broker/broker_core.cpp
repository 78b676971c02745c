// The broker's decisions; see broker_core.hpp. One short function per input, helpers above
// their first user. Texts sent to the web application are the original broker's, so a core
// API that parses them keeps working.
#include "actors/broker/broker_core.hpp"

#include "messages/wire/frames.hpp"

#include <algorithm>
#include <charconv>
#include <map>
#include <ostream>
#include <sstream>

namespace recodex::broker {

std::string_view to_string(queue_policy policy) {
  switch (policy) {
    case queue_policy::single:
      return "single";
    case queue_policy::multi:
      return "multi";
  }
  return "unknown";
}

// -- commands: comparison and printing --

bool operator==(const send_job& a, const send_job& b) { return a.assignment == b.assignment; }
bool operator==(const send_pong& a, const send_pong& b) { return a.worker_id == b.worker_id; }
bool operator==(const send_intro& a, const send_intro& b) { return a.worker_id == b.worker_id; }
bool operator==(const reply_accept& a, const reply_accept& b) { return a.job_id == b.job_id; }
bool operator==(const reply_reject& a, const reply_reject& b) {
  return a.job_id == b.job_id && a.reason == b.reason;
}
bool operator==(const send_progress& a, const send_progress& b) { return a.update == b.update; }
bool operator==(const notify_job_status& a, const notify_job_status& b) {
  return a.report == b.report;
}
bool operator==(const notify_error& a, const notify_error& b) { return a.message == b.message; }
bool operator==(const journal_accept& a, const journal_accept& b) { return a.request == b.request; }
bool operator==(const journal_assign& a, const journal_assign& b) {
  return a.job_id == b.job_id && a.failures == b.failures;
}
bool operator==(const journal_finish& a, const journal_finish& b) {
  return a.report == b.report;
}
bool operator==(const journal_settled& a, const journal_settled& b) {
  return a.job_id == b.job_id;
}
bool operator==(const forget_worker& a, const forget_worker& b) { return a.worker_id == b.worker_id; }
bool operator==(const log_warning& a, const log_warning& b) { return a.text == b.text; }

namespace {

std::string quoted(const std::string& s) { return "\"" + wire::printable(s, 200) + "\""; }

std::string list(const std::vector<std::string>& xs) {
  std::string out = "[";
  for (std::size_t i = 0; i < xs.size(); ++i)
    out += (i ? ", " : "") + quoted(xs[i]);
  return out + "]";
}

struct printer {
  std::string operator()(const send_job& x) const {
    const auto& a = x.assignment;
    return "send_job{" + quoted(a.worker_id) + ", " + quoted(a.job_id) + ", " + list(a.payload) + "}";
  }
  std::string operator()(const send_pong& x) const { return "send_pong{" + quoted(x.worker_id) + "}"; }
  std::string operator()(const send_intro& x) const { return "send_intro{" + quoted(x.worker_id) + "}"; }
  std::string operator()(const reply_accept& x) const { return "reply_accept{" + quoted(x.job_id) + "}"; }
  std::string operator()(const reply_reject& x) const {
    return "reply_reject{" + quoted(x.job_id) + ", " + quoted(x.reason) + "}";
  }
  std::string operator()(const send_progress& x) const {
    const auto& p = x.update;
    return "send_progress{" + list({p.job_id, p.command, p.task_id, p.task_state}) + "}";
  }
  std::string operator()(const notify_job_status& x) const {
    const auto& r = x.report;
    return "notify_job_status{" + quoted(r.job_id) + ", " + recodex::to_string(r.status) + ", "
           + quoted(r.message) + "}";
  }
  std::string operator()(const notify_error& x) const { return "notify_error{" + quoted(x.message) + "}"; }
  std::string operator()(const journal_accept& x) const {
    return "journal_accept{" + quoted(x.request.job_id) + "}";
  }
  std::string operator()(const journal_assign& x) const {
    return "journal_assign{" + quoted(x.job_id) + ", " + std::to_string(x.failures) + "}";
  }
  std::string operator()(const journal_finish& x) const {
    const auto& r = x.report;
    return "journal_finish{" + quoted(r.job_id) + ", " + recodex::to_string(r.status) + ", " +
           quoted(r.message) + "}";
  }
  std::string operator()(const journal_settled& x) const {
    return "journal_settled{" + quoted(x.job_id) + "}";
  }
  std::string operator()(const forget_worker& x) const {
    return "forget_worker{" + quoted(x.worker_id) + "}";
  }
  std::string operator()(const log_warning& x) const { return "log_warning{" + quoted(x.text) + "}"; }
};

} // namespace

std::string to_string(const command& cmd) { return std::visit(printer{}, cmd); }

std::ostream& operator<<(std::ostream& out, const command& cmd) { return out << to_string(cmd); }

// -- matching --

namespace {

bool is_meta(const std::string& key) { return key.compare(0, 5, "meta.") == 0; }

std::optional<unsigned long long> parse_unsigned(const std::string& s) {
  unsigned long long value = 0;
  auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), value);
  if (s.empty() || ec != std::errc{} || end != s.data() + s.size())
    return std::nullopt;
  return value;
}

bool hwgroup_matches(const std::string& wanted, const std::string& offered) {
  std::string_view rest{wanted};
  for (;;) {
    auto bar = rest.find('|');
    if (rest.substr(0, bar) == offered)
      return true;
    if (bar == std::string_view::npos)
      return false;
    rest.remove_prefix(bar + 1);
  }
}

bool value_matches(const header& wanted, const std::string& offered) {
  if (wanted.key == "hwgroup")
    return hwgroup_matches(wanted.value, offered);
  if (wanted.key == "threads") {
    auto need = parse_unsigned(wanted.value);
    auto have = parse_unsigned(offered);
    return need && have && *have >= *need;
  }
  return wanted.value == offered;
}

} // namespace

bool matches(const header_list& request, const worker_info& worker) {
  for (const auto& wanted : request) {
    if (is_meta(wanted.key))
      continue;
    bool found = wanted.key == "hwgroup" && value_matches(wanted, worker.hwgroup);
    for (auto i = worker.headers.begin(); !found && i != worker.headers.end(); ++i)
      found = i->key == wanted.key && value_matches(wanted, i->value);
    if (!found)
      return false;
  }
  return true;
}

std::string worker_label(const std::string& id, const std::string& description) {
  auto label = wire::to_hex(id);
  if (!description.empty())
    label += " (" + description + ")";
  return label;
}

// -- the core --

namespace {

// "No worker available for given headers: k1=v1; k2=v2; " in key order, as the original's
// multimap prints them.
std::string no_worker_text(const header_list& headers) {
  header_list sorted;
  for (const auto& h : headers)
    if (!is_meta(h.key))
      sorted.push_back(h);
  std::stable_sort(sorted.begin(), sorted.end(),
                   [](const header& a, const header& b) { return a.key < b.key; });
  std::string text = "No worker available for given headers: ";
  for (const auto& h : sorted)
    text += h.key + "=" + h.value + "; ";
  return text;
}

std::string too_many_text(std::uint32_t failures, const std::string& last_message) {
  return "Job was reassigned too many (" + std::to_string(failures - 1)
         + ") times. Last failure message was: " + last_message;
}

constexpr const char* timed_out_text = "Worker timed out and its job cannot be reassigned";

} // namespace

broker_core::broker_core(broker_config config) : config_(config) {}

bool broker_core::knows_worker(const std::string& worker_id) const {
  return workers_.count(worker_id) != 0;
}

std::size_t broker_core::queue_length() const {
  auto n = queue_.size() + held_.size() + awaiting_adoption_.size() + backoff_.size();
  for (const auto& [id, w] : workers_)
    n += w.own_queue.size();
  return n;
}

runtime_stats broker_core::stats() const {
  runtime_stats s;
  s.evaluated_jobs = evaluated_;
  s.failed_jobs = failed_;
  s.worker_count = workers_.size();
  for (const auto& [id, w] : workers_)
    if (!w.current)
      ++s.idle_worker_count;
  s.jobs_in_progress = s.worker_count - s.idle_worker_count;
  s.queued_jobs = queue_length();
  s.frozen = frozen_;
  return s;
}

void broker_core::touch(worker_entry& w, time_point now) { w.last_heard = now; }

// How long a worker may stay silent before it is dead.
std::chrono::milliseconds broker_core::liveness_span() const {
  return config_.ping_interval * std::max<std::uint32_t>(1, config_.max_liveness);
}

bool broker_core::same_offer(const worker_info& a, const worker_info& b) const {
  return a.hwgroup == b.hwgroup && a.headers == b.headers;
}

bool broker_core::anyone_matches(const header_list& headers) const {
  for (const auto& [id, w] : workers_)
    if (matches(headers, w.info))
      return true;
  return false;
}

void broker_core::assign(worker_entry& w, job_entry job, time_point now, commands& out) {
  job.returned = false;
  w.assigned_at = now;
  out.emplace_back(journal_assign{job.request.job_id, job.failures});
  out.emplace_back(send_job{{w.info.id, job.request.job_id, job.request.payload}});
  w.current = std::move(job);
}

void broker_core::take_next(worker_entry& w, time_point now, commands& out) {
  if (config_.queue == queue_policy::single) {
    // The earliest-arrived queued job this worker can serve.
    for (auto i = queue_.begin(); i != queue_.end(); ++i) {
      if (matches(i->request.headers, w.info)) {
        auto job = std::move(*i);
        queue_.erase(i);
        assign(w, std::move(job), now, out);
        return;
      }
    }
  } else if (!w.own_queue.empty()) {
    auto job = std::move(w.own_queue.front());
    w.own_queue.pop_front();
    assign(w, std::move(job), now, out);
    return;
  }
  w.idle_since = now;
}

bool broker_core::enqueue(job_entry job, time_point now, commands& out) {
  if (config_.queue == queue_policy::single) {
    // Longest-idle matching worker first (ARCHITECTURE.md 7), registration order on ties.
    worker_entry* best = nullptr;
    for (auto& [id, w] : workers_) {
      if (w.current || !matches(job.request.headers, w.info))
        continue;
      if (!best || std::tie(w.idle_since, w.seq) < std::tie(best->idle_since, best->seq))
        best = &w;
    }
    if (best) {
      assign(*best, std::move(job), now, out);
      return true;
    }
    if (!anyone_matches(job.request.headers))
      return false;
    queue_.push_back(std::move(job));
    return true;
  }
  // multi: the first matching worker in rotation order goes to the back of the rotation.
  for (auto i = rotation_.begin(); i != rotation_.end(); ++i) {
    auto& w = workers_.at(*i);
    if (!matches(job.request.headers, w.info))
      continue;
    rotation_.splice(rotation_.end(), rotation_, i);
    if (!w.current && w.own_queue.empty())
      assign(w, std::move(job), now, out);
    else
      w.own_queue.push_back(std::move(job));
    return true;
  }
  return false;
}

void broker_core::finish(const std::string& job_id, job_status status, std::string message,
                         commands& out) {
  active_jobs_.erase(job_id);
  remember_reported(job_id);
  job_status_report report{job_id, status, std::move(message)};
  out.emplace_back(journal_finish{report});
  out.emplace_back(notify_job_status{std::move(report)});
}

void broker_core::remember_reported(const std::string& job_id) {
  if (!reported_.insert(job_id).second)
    return;
  reported_order_.push_back(job_id);
  if (reported_order_.size() > reported_memory) {
    reported_.erase(reported_order_.front());
    reported_order_.pop_front();
  }
}

void broker_core::fail_with_monitor(const std::string& job_id, std::string message, commands& out) {
  out.emplace_back(send_progress{{job_id, "FAILED", "", ""}});
  finish(job_id, job_status::failed, std::move(message), out);
}

// -- inputs --

commands broker_core::on_job(job_request request, time_point now) {
  const auto job_id = request.job_id;
  if (frozen_)
    return {reply_reject{job_id, "The broker is frozen."}};
  // Ids are the journal's and the callbacks' key: a second live job with one id is refused.
  if (active_jobs_.count(job_id))
    return {reply_reject{job_id, "Job " + job_id + " is already in the broker."}};
  if (!anyone_matches(request.headers))
    return {reply_reject{job_id, no_worker_text(request.headers)},
            send_progress{{job_id, "FAILED", "", ""}}};
  commands out;
  out.emplace_back(journal_accept{request});
  active_jobs_.insert(job_id);
  enqueue(job_entry{std::move(request), 0, false}, now, out);
  out.emplace_back(reply_accept{job_id});
  return out;
}

commands broker_core::on_freeze(bool frozen) {
  frozen_ = frozen;
  return {};
}

// Whether this broker is through with a job a worker names in `init`: reported, or returned
// with INTERNAL_ERROR and not handed out since. Such a claim is stale (the worker built the
// init before its `done` reached us, or repeats it until it hears from us).
bool broker_core::finished_here(const std::string& job_id) const {
  if (reported_.count(job_id))
    return true;
  auto returned = [&](const job_entry& j) { return j.returned && j.request.job_id == job_id; };
  for (const auto& [due, job] : backoff_)
    if (job.request.job_id == job_id)
      return true;
  if (std::any_of(queue_.begin(), queue_.end(), returned) ||
      std::any_of(held_.begin(), held_.end(), returned))
    return true;
  for (const auto& [id, w] : workers_)
    if (std::any_of(w.own_queue.begin(), w.own_queue.end(), returned))
      return true;
  return false;
}

// Whether an init from a known identity with the same offer changes what the worker runs.
// ZeroMQ keeps one connection's messages in order, so an identity that stops naming its job
// has sent that job's `done` before, and we have seen it; two cases only look otherwise:
// - an init without a job that crossed the eval we sent (the worker answered an `intro` while
//   our eval was on its way): its job is still ours to wait for, if we handed it out recently
//   enough for that (a worker that forgot it later than that has lost it: handled as a death);
// - an init naming a job we are through with (finished_here): a stale repetition.
bool broker_core::changes_job(const worker_entry& w, const std::string& claimed,
                              time_point now) const {
  const auto running = w.current ? w.current->request.job_id : std::string{};
  if (claimed == running)
    return false;
  if (claimed.empty())
    return now - w.assigned_at > liveness_span();
  return !finished_here(claimed);
}

// The job a registering worker names in `current_job=`, taken from wherever the broker keeps
// it; empty when it has none (a stale claim, or a job it does not know).
std::optional<broker_core::job_entry> broker_core::take_claimed(const std::string& worker_id,
                                                                const std::string& job_id,
                                                                time_point now, commands& out) {
  auto fresh = [&](const job_entry& j) { return j.request.job_id == job_id && !j.returned; };
  if (auto i = awaiting_adoption_.find(job_id); i != awaiting_adoption_.end()) {
    auto job = std::move(i->second);
    awaiting_adoption_.erase(i);
    return job;
  }
  if (auto h = std::find_if(held_.begin(), held_.end(), fresh); h != held_.end()) {
    auto job = std::move(*h);
    held_.erase(h);
    return job;
  }
  // Re-queued while the worker was away, but it kept running the job: take it back.
  if (auto q = std::find_if(queue_.begin(), queue_.end(), fresh); q != queue_.end()) {
    auto job = std::move(*q);
    queue_.erase(q);
    return job;
  }
  for (auto& [id, other] : workers_) {
    if (auto o = std::find_if(other.own_queue.begin(), other.own_queue.end(), fresh);
        o != other.own_queue.end()) {
      auto job = std::move(*o);
      other.own_queue.erase(o);
      return job;
    }
  }
  // Another record runs it: a job runs in one place, so that record is a connection the
  // worker has left (a new DEALER after lost liveness); it goes, the job stays with the worker.
  for (auto& [id, other] : workers_) {
    if (id != worker_id && other.current && other.current->request.job_id == job_id) {
      auto job = std::move(*other.current);
      other.current.reset();
      auto left = id;
      lose_worker(left, now, out);
      return job;
    }
  }
  return std::nullopt;
}

commands broker_core::on_worker_init(worker_info info, time_point now) {
  commands out;
  std::optional<job_entry> current;
  if (auto it = workers_.find(info.id); it != workers_.end()) {
    auto& w = it->second;
    const bool same = same_offer(w.info, info);
    if (same && !changes_job(w, info.current_job, now)) {
      // A repeated init (the worker reconnected, or answered an intro): nothing changed.
      touch(w, now);
      w.info.description = info.description;
      return out;
    }
    if (!same)
      out.emplace_back(notify_error{"Received two different INIT messages from the same worker ("
                                    + worker_label(info.id, w.info.description) + ")"});
    // The new init replaces the record (ARCHITECTURE.md 7). A job it still reports stays with
    // it; anything else the old record held is handled as if the worker had died.
    if (w.current && w.current->request.job_id == info.current_job) {
      current = std::move(w.current);
      w.current.reset();
    }
    lose_worker(info.id, now, out);
  }
  if (!current && !info.current_job.empty()) {
    const auto& job_id = info.current_job;
    current = take_claimed(info.id, job_id, now, out);
    if (!current && reported_.count(job_id)) {
      // Reported already (e.g. failed while the worker was away): let the worker finish it
      // without a second report.
      current = job_entry{job_request{job_id, {}, {}}, 0, true, true};
    } else if (!current && !finished_here(job_id)) {
      current = job_entry{job_request{job_id, {}, {}}, 0, true};
      active_jobs_.insert(job_id);
    }
  }
  register_worker(std::move(info), std::move(current), now, out);
  return out;
}

void broker_core::register_worker(worker_info info, std::optional<job_entry> current,
                                  time_point now, commands& out) {
  info.current_job.clear();
  auto id = info.id;
  worker_entry entry;
  entry.info = std::move(info);
  entry.seq = next_seq_++;
  entry.last_heard = now;
  entry.idle_since = now;
  auto& w = workers_.insert_or_assign(id, std::move(entry)).first->second;
  if (config_.queue == queue_policy::multi)
    rotation_.push_front(id);
  if (current) {
    if (!current->orphan)
      out.emplace_back(journal_assign{current->request.job_id, current->failures});
    w.current = std::move(current);
    w.assigned_at = now;
  }
  place_held(now, out);
  // place_held may have handed this worker a job; `w` stays valid (no erase happened).
  if (!w.current)
    take_next(w, now, out);
}

commands broker_core::on_worker_ping(const std::string& worker_id, time_point now) {
  auto it = workers_.find(worker_id);
  if (it == workers_.end())
    return {send_intro{worker_id}};
  touch(it->second, now);
  return {send_pong{worker_id}};
}

commands broker_core::on_worker_progress(const std::string& worker_id, progress update,
                                         time_point now) {
  if (auto it = workers_.find(worker_id); it != workers_.end())
    touch(it->second, now);
  // A worker's progress comes before its `done`; for a job the broker has reported (and that
  // was not submitted again) it is a repetition after a reconnect: the monitor had it.
  if (reported_.count(update.job_id) && !active_jobs_.count(update.job_id))
    return {};
  return {send_progress{std::move(update)}};
}

commands broker_core::on_worker_done(const std::string& worker_id, job_done done, time_point now) {
  auto it = workers_.find(worker_id);
  if (it == workers_.end())
    return on_done_for_recovered_job(worker_id, std::move(done), now);
  auto& w = it->second;
  touch(w, now);
  if (!w.current || w.current->request.job_id != done.job_id) {
    if (awaiting_adoption_.count(done.job_id))
      return on_done_for_recovered_job(worker_id, std::move(done), now);
    if (finished_here(done.job_id))
      return {log_warning{"done for job " + done.job_id + " repeated by worker " +
                          worker_label(worker_id, w.info.description) +
                          ": the broker is through with it"}};
    return {log_warning{"done for job " + done.job_id + " which worker "
                        + worker_label(worker_id, w.info.description) + " is not running"}};
  }
  auto job = std::move(*w.current);
  w.current.reset();
  commands out;
  if (job.reported) {
    out.emplace_back(log_warning{"done for job " + done.job_id + " ignored: it was reported already"});
    take_next(w, now, out);
    return out;
  }
  finish_done(std::move(job), std::move(done), &w, now, out);
  if (!w.current)
    take_next(w, now, out);
  return out;
}

// A `done` that a worker sent while the broker was down arrives before the worker's new `init`
// (or on a connection other than the one it registered on): for a recovered job still waiting
// for its worker, it is the job's result, whoever sends it.
commands broker_core::on_done_for_recovered_job(const std::string& worker_id, job_done done,
                                                time_point now) {
  auto waiting = awaiting_adoption_.find(done.job_id);
  if (waiting == awaiting_adoption_.end())
    return {log_warning{"done for job " + done.job_id + " from unknown worker "
                        + worker_label(worker_id, "")}};
  auto job = std::move(waiting->second);
  awaiting_adoption_.erase(waiting);
  commands out;
  finish_done(std::move(job), std::move(done), nullptr, now, out);
  return out;
}

// The outcome of a job's `done` (2.4); `w` is the worker that ran it, when it is registered.
void broker_core::finish_done(job_entry job, job_done done, worker_entry* w, time_point now,
                              commands& out) {
  switch (done.status) {
    case job_status::ok:
      ++evaluated_;
      finish(done.job_id, job_status::ok, "", out);
      break;
    case job_status::failed:
      ++failed_;
      finish(done.job_id, job_status::failed, std::move(done.message), out);
      break;
    case job_status::internal_error:
      ++failed_;
      ++job.failures;
      if (job.orphan) {
        finish(done.job_id, job_status::failed,
               "Job failed with '" + done.message + "' and cannot be reassigned", out);
      } else if (job.failures >= config_.max_request_failures) {
        fail_with_monitor(done.job_id, too_many_text(job.failures, done.message), out);
      } else {
        // Retry after a back-off: the job may land on this very worker, which is idle again.
        if (w)
          w->idle_since = now;
        job.returned = true;
        auto delay = retry_delay(job.failures);
        if (delay.count() > 0)
          backoff_.emplace(now + delay, std::move(job));
        else
          place_retry(std::move(job), now, out);
      }
      break;
  }
}

// The wait before the retry after the job's `failures`-th failure: the first delay, doubled
// per further failure, capped.
std::chrono::milliseconds broker_core::retry_delay(std::uint32_t failures) const {
  auto delay = config_.internal_error_backoff;
  for (std::uint32_t i = 1; i < failures && delay < config_.max_internal_error_backoff; ++i)
    delay *= 2;
  return std::min(delay, config_.max_internal_error_backoff);
}

void broker_core::place_retry(job_entry job, time_point now, commands& out) {
  const auto job_id = job.request.job_id;
  auto headers = job.request.headers;
  if (recovery_deadline_ && !anyone_matches(headers))
    held_.push_back(std::move(job)); // after a restart: workers may still be coming back
  else if (!enqueue(std::move(job), now, out))
    fail_with_monitor(job_id, no_worker_text(headers), out);
}

void broker_core::release_backoff(time_point now, commands& out) {
  while (!backoff_.empty() && backoff_.begin()->first <= now) {
    auto job = std::move(backoff_.begin()->second);
    backoff_.erase(backoff_.begin());
    place_retry(std::move(job), now, out);
  }
}

void broker_core::lose_worker(const std::string& worker_id, time_point now, commands& out) {
  auto it = workers_.find(worker_id);
  if (it == workers_.end())
    return;
  auto dead = std::move(it->second);
  workers_.erase(it);
  rotation_.remove(worker_id);
  out.emplace_back(forget_worker{worker_id});
  std::vector<job_entry> rehandle;
  if (dead.current) {
    ++dead.current->failures;
    rehandle.push_back(std::move(*dead.current));
  }
  for (auto& job : dead.own_queue)
    rehandle.push_back(std::move(job));
  // single: queued jobs that only the dead worker could serve. Queued jobs mostly share a few
  // header sets, so each distinct set is matched against the registry once.
  std::map<header_list, bool> servable;
  for (auto i = queue_.begin(); i != queue_.end();) {
    auto known = servable.find(i->request.headers);
    if (known == servable.end())
      known = servable.emplace(i->request.headers, anyone_matches(i->request.headers)).first;
    if (known->second) {
      ++i;
    } else {
      rehandle.push_back(std::move(*i));
      i = queue_.erase(i);
    }
  }
  for (auto& job : rehandle) {
    const auto job_id = job.request.job_id;
    if (job.reported)
      continue; // its result was reported already
    if (job.orphan) {
      fail_with_monitor(job_id, timed_out_text, out);
    } else if (job.failures >= config_.max_request_failures) {
      fail_with_monitor(job_id, too_many_text(job.failures, timed_out_text), out);
    } else if (anyone_matches(job.request.headers)) {
      out.emplace_back(send_progress{{job_id, "ABORTED", "", ""}});
      enqueue(std::move(job), now, out);
    } else if (recovery_deadline_) {
      // After a restart the capable workers may not have re-registered yet: wait for them
      // until the recovery grace ends (on_tick fails what is still held then).
      out.emplace_back(send_progress{{job_id, "ABORTED", "", ""}});
      held_.push_back(std::move(job));
    } else {
      fail_with_monitor(job_id, "Worker " + worker_label(worker_id, dead.info.description) + " dieded",
                        out);
    }
  }
}

commands broker_core::on_tick(time_point now) {
  commands out;
  const auto lifetime = liveness_span();
  std::vector<std::pair<std::uint64_t, std::string>> dead;
  for (const auto& [id, w] : workers_)
    if (now - w.last_heard > lifetime)
      dead.emplace_back(w.seq, id);
  std::sort(dead.begin(), dead.end());
  for (const auto& [seq, id] : dead)
    lose_worker(id, now, out);
  release_backoff(now, out);
  if (recovery_deadline_ && now >= *recovery_deadline_) {
    recovery_deadline_.reset();
    // Workers that were running these jobs never came back: count it as their death.
    std::vector<job_entry> lost;
    for (auto& [id, job] : awaiting_adoption_)
      lost.push_back(std::move(job));
    awaiting_adoption_.clear();
    std::sort(lost.begin(), lost.end(), [](const job_entry& a, const job_entry& b) {
      return a.request.job_id < b.request.job_id;
    });
    for (auto& job : lost) {
      ++job.failures;
      if (job.failures >= config_.max_request_failures) {
        fail_with_monitor(job.request.job_id, too_many_text(job.failures, timed_out_text), out);
      } else {
        out.emplace_back(send_progress{{job.request.job_id, "ABORTED", "", ""}});
        held_.push_back(std::move(job));
      }
    }
    place_held(now, out);
    for (auto& job : held_)
      fail_with_monitor(job.request.job_id, no_worker_text(job.request.headers), out);
    held_.clear();
  }
  return out;
}

commands broker_core::on_worker_down(const std::string& worker_id, time_point now) {
  commands out;
  lose_worker(worker_id, now, out);
  return out;
}

void broker_core::place_held(time_point now, commands& out) {
  for (auto i = held_.begin(); i != held_.end();) {
    if (anyone_matches(i->request.headers)) {
      auto job = std::move(*i);
      i = held_.erase(i);
      enqueue(std::move(job), now, out);
    } else {
      ++i;
    }
  }
}

commands broker_core::on_report_settled(const std::string& job_id) {
  return {journal_settled{job_id}};
}

commands broker_core::recover(recovered_state state, time_point now) {
  commands out;
  for (const auto& job_id : state.finished)
    remember_reported(job_id);
  // Finished before the restart, but nobody knows whether the web application heard of it:
  // it hears again (a worker coming back with one of these jobs is not reported a second time).
  for (auto& report : state.undelivered) {
    remember_reported(report.job_id);
    out.emplace_back(notify_job_status{std::move(report)});
  }
  if (!state.jobs.empty())
    recovery_deadline_ = now + config_.recovery_grace;
  for (auto& r : state.jobs) {
    const auto job_id = r.request.job_id;
    if (!active_jobs_.insert(job_id).second)
      continue;
    job_entry job{std::move(r.request), r.failures, false};
    if (r.was_running)
      awaiting_adoption_.emplace(job_id, std::move(job));
    else
      held_.push_back(std::move(job));
  }
  return out;
}

} // namespace recodex::broker
