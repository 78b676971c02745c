// The listener's decisions; see listener_core.hpp for the state diagram.
#include "actors/worker/listener/listener_core.hpp"

#include "messages/wire/frames.hpp"

#include <algorithm>
#include <ostream>

namespace recodex::worker {

// -- config --

header_list init_headers(header_list headers) {
  std::stable_sort(headers.begin(), headers.end(),
                   [](const header& a, const header& b) { return a.key < b.key; });
  return headers;
}

// -- commands --

namespace {

std::string describe(const progress& p) {
  auto text = p.job_id + " " + p.command;
  if (!p.task_id.empty() || !p.task_state.empty())
    text += " " + p.task_id + " " + p.task_state;
  return text;
}

struct printer {
  std::string operator()(const open_link&) const { return "open_link"; }
  std::string operator()(const close_link&) const { return "close_link"; }
  std::string operator()(const send_init& x) const {
    std::string text = "send_init{" + x.info.hwgroup;
    for (const auto& h : x.info.headers)
      text += " " + wire::format_header(h);
    return text + " description=" + x.info.description + " current_job=" + x.info.current_job + "}";
  }
  std::string operator()(const send_ping&) const { return "send_ping"; }
  std::string operator()(const send_progress& x) const {
    return "send_progress{" + describe(x.update) + "}";
  }
  std::string operator()(const send_done& x) const {
    return "send_done{" + x.done.job_id + " " + to_string(x.done.status) + " " + x.done.message +
           "}";
  }
  std::string operator()(const start_job& x) const {
    std::string text = "start_job{" + x.assignment.job_id;
    for (const auto& frame : x.assignment.payload)
      text += " " + frame;
    return text + "}";
  }
  std::string operator()(const log_warning& x) const { return "log_warning{" + x.text + "}"; }
  std::string operator()(const log_info& x) const { return "log_info{" + x.text + "}"; }
};

struct equal {
  bool operator()(const open_link&, const open_link&) const { return true; }
  bool operator()(const close_link&, const close_link&) const { return true; }
  bool operator()(const send_init& a, const send_init& b) const { return a.info == b.info; }
  bool operator()(const send_ping&, const send_ping&) const { return true; }
  bool operator()(const send_progress& a, const send_progress& b) const {
    return a.update == b.update;
  }
  bool operator()(const send_done& a, const send_done& b) const { return a.done == b.done; }
  bool operator()(const start_job& a, const start_job& b) const {
    return a.assignment == b.assignment;
  }
  bool operator()(const log_warning& a, const log_warning& b) const { return a.text == b.text; }
  bool operator()(const log_info& a, const log_info& b) const { return a.text == b.text; }
  template <class A, class B> bool operator()(const A&, const B&) const { return false; }
};

// An `eval` carries exactly the archive URL and the result URL after the job id (spec 2.2).
constexpr std::size_t assignment_payload_frames = 2;

} // namespace

bool operator==(const command& a, const command& b) {
  return std::visit(equal{}, a, b);
}

std::string to_string(const command& cmd) {
  return std::visit(printer{}, cmd);
}

std::ostream& operator<<(std::ostream& out, const command& cmd) {
  return out << to_string(cmd);
}

// -- the core --

listener_core::listener_core(listener_config config)
    : config_(std::move(config)), headers_(init_headers(config_.headers)),
      liveness_(config_.max_liveness), reconnect_delay_(config_.first_reconnect_delay) {}

commands listener_core::start(time_point now) {
  liveness_ = config_.max_liveness;
  next_ping_ = now + config_.ping_interval;
  commands out{open_link{}};
  register_again(out);
  return out;
}

commands listener_core::on_timer(time_point now) {
  commands out;
  if (reconnect_at_) {
    if (now < *reconnect_at_)
      return out;
    reconnect_at_.reset();
    liveness_ = config_.max_liveness;
    next_ping_ = now + config_.ping_interval;
    out.push_back(open_link{});
    register_again(out);
    return out;
  }
  if (now < next_ping_)
    return out;
  // The last ping had a whole interval to be answered.
  if (liveness_ == 0)
    return lose_broker(now, "the broker did not answer " + std::to_string(config_.max_liveness) +
                                " pings");
  out.push_back(send_ping{});
  ++pings_;
  --liveness_;
  // The next ping keeps the cadence; after a stall it is one interval from now, not a burst.
  next_ping_ += config_.ping_interval;
  if (next_ping_ <= now)
    next_ping_ = now + config_.ping_interval;
  return out;
}

commands listener_core::on_pong(time_point) {
  auto out = from_broker();
  // The answers_-th answer is to a ping sent after everything that went out before
  // answers_ pings: the broker has taken those messages from this link.
  if (answer_on_link())
    while (!unconfirmed_.empty() && unconfirmed_.front().pings_before < answers_)
      unconfirmed_.pop_front();
  return out;
}

commands listener_core::on_intro(time_point) {
  auto out = from_broker();
  // While waiting, the init goes out with the new connection anyway. An intro to a ping sent
  // before our last init is stale: that init is on its way (answering it again would send
  // everything unconfirmed once more).
  if (answer_on_link() && answers_ > pings_at_init_)
    register_again(out);
  return out;
}

commands listener_core::on_assignment(job_assignment assignment, time_point) {
  auto out = from_broker();
  if (assignment.payload.size() != assignment_payload_frames) {
    out.push_back(log_warning{"[job " + assignment.job_id + "] eval with " +
                              std::to_string(assignment.payload.size() + 2) +
                              " frames ignored (exactly 4 expected)"});
    return out;
  }
  if (busy()) {
    out.push_back(
        log_warning{"[job " + assignment.job_id + "] eval ignored: busy with job " + current_job_});
    return out;
  }
  // The broker hands out jobs to workers it knows are idle: it is through with our last one.
  unconfirmed_.clear();
  current_job_ = assignment.job_id;
  out.push_back(start_job{std::move(assignment)});
  return out;
}

commands listener_core::on_link_lost(time_point now) {
  if (!connected())
    return {};
  return lose_broker(now, "the connection to the broker was lost");
}

commands listener_core::on_progress(progress update) {
  commands out;
  send_until_confirmed(out, send_progress{std::move(update)});
  return out;
}

commands listener_core::on_done(job_done done) {
  commands out;
  if (done.job_id == current_job_)
    current_job_.clear();
  else
    out.push_back(log_warning{"[job " + done.job_id + "] done reported while the current job is '" +
                              current_job_ + "'"});
  send_until_confirmed(out, send_done{std::move(done)});
  return out;
}

time_point listener_core::next_wakeup() const {
  return reconnect_at_ ? *reconnect_at_ : next_ping_;
}

// -- helpers --

commands listener_core::from_broker() {
  liveness_ = config_.max_liveness;
  reconnect_delay_ = config_.first_reconnect_delay;
  return {};
}

commands listener_core::lose_broker(time_point now, std::string why) {
  reconnect_at_ = now + reconnect_delay_;
  pings_ = 0;
  answers_ = 0;
  pings_at_init_ = 0;
  commands out{
      log_warning{why + "; reconnecting in " + std::to_string(reconnect_delay_.count()) + " ms"},
      close_link{}};
  reconnect_delay_ = std::min(reconnect_delay_ * 2, config_.max_reconnect_delay);
  return out;
}

// current_job= names the job running, else the job of a done the broker may not have.
worker_info listener_core::init_info() const {
  std::string job = current_job_;
  for (auto i = unconfirmed_.rbegin(); job.empty() && i != unconfirmed_.rend(); ++i)
    if (auto* done = std::get_if<send_done>(&i->message))
      job = done->done.job_id;
  return {"", config_.hwgroup, headers_, config_.description, std::move(job)};
}

// `init` on the link just opened, or for an intro, then everything the broker may not have,
// in the original order (a broker that lost the job adopts it by the init and takes the done
// as its result).
void listener_core::register_again(commands& out) {
  out.push_back(send_init{init_info()});
  pings_at_init_ = pings_;
  for (auto& kept : unconfirmed_) {
    kept.pings_before = pings_;
    out.push_back(kept.message);
  }
}

// Counts a pong or intro as the answer to a ping on the current link; false while waiting
// (no link: a leftover of the closed one).
bool listener_core::answer_on_link() {
  if (!connected())
    return false;
  ++answers_;
  return true;
}

// Sends now, or with the next connection's init while waiting, and keeps the message until the
// broker has shown it has it.
void listener_core::send_until_confirmed(commands& out, command message) {
  if (connected())
    out.push_back(message);
  unconfirmed_.push_back({std::move(message), pings_});
  // One job's progress is what accumulates at most (the next job needs an eval); the bound is a
  // safeguard: the oldest progress goes first, a done never.
  if (unconfirmed_.size() > max_unconfirmed) {
    auto progress =
        std::find_if(unconfirmed_.begin(), unconfirmed_.end(), [](const kept_message& k) {
          return std::holds_alternative<send_progress>(k.message);
        });
    if (progress != unconfirmed_.end())
      unconfirmed_.erase(progress);
  }
}

} // namespace recodex::worker
