// The listener's decisions (spec 2.1-2.3, 3.1, 6.3): registration with `init`, heartbeats and
// broker liveness with reconnection back-off, `intro`, accepting one assignment at a time, and
// forwarding the evaluator's progress and `done` in order. Plain C++: events in, commands out,
// time passed in; listener_actor.cpp performs the commands over either transport.
//
//   start ---> connected --(liveness 0 / link lost: close_link)--> waiting
//                  ^                                                  |
//                  +------(reconnect delay over: open_link, init)-----+
//
// In `connected` a ping goes out every ping interval regardless of other traffic and each one
// costs a liveness point; any message from the broker restores full liveness and the first
// reconnect delay. At liveness 0 the next ping time closes the link instead (so the last ping,
// too, had a whole interval to be answered). The delay doubles per lost connection up to the cap
// (1, 2, 4, ... 32 s). While waiting, the evaluator's progress and `done` are held and sent right
// after the `init`.
//
// Progress and `done` are kept until the broker has surely received them, because a link that
// is closed (lost liveness: the DEALER goes with linger 0; a CAF connect that fails) drops what
// it had not sent yet, and a broker killed -9 loses what it had not read. ReCodEx has no
// receipts, but one connection keeps its messages in order and the broker answers every ping,
// in order, with `pong` (it knows this connection) or `intro` (it does not): a `pong` to a ping
// sent after a message proves the broker took that message from this link. Until then every
// `init` (after a reconnect, or for an `intro` to a ping sent after the last init) names the
// job of a kept `done` as current_job= and is followed by the kept messages again; an `eval`
// also ends the wait (the broker hands out a job only to a worker it knows is idle). Answers to
// pings lost with a dead broker make the count lag: a receipt, or a needed re-init, then waits
// for up to that many more pings. The broker takes a repeated `done` (or progress) for a job it
// has finished with as stale.
#pragma once

#include "actors/worker/listener/listener_config.hpp"
#include "messages/job_messages.hpp"

#include <chrono>
#include <cstdint>
#include <deque>
#include <iosfwd>
#include <optional>
#include <string>
#include <variant>
#include <vector>

namespace recodex::worker {

using time_point = std::chrono::steady_clock::time_point;

// -- commands (what the shell must do, in list order) --

// Connect the transport to the broker URI (a new DEALER socket / a new remote_actor).
struct open_link {};
// Close the transport; nothing is received on it any more.
struct close_link {};
struct send_init {
  worker_info info;
};
struct send_ping {};
struct send_progress {
  progress update;
};
struct send_done {
  job_done done;
};
// Hand the job to the evaluator.
struct start_job {
  job_assignment assignment;
};
// Decisions worth a log line.
struct log_warning {
  std::string text;
};
struct log_info {
  std::string text;
};

using command = std::variant<open_link, close_link, send_init, send_ping, send_progress, send_done,
                             start_job, log_warning, log_info>;
using commands = std::vector<command>;

bool operator==(const command& a, const command& b);
std::string to_string(const command& cmd);
std::ostream& operator<<(std::ostream& out, const command& cmd);

// -- the core --

class listener_core {
public:
  explicit listener_core(listener_config config);

  // -- inputs --

  // Once, first: connect and register.
  commands start(time_point now);
  // Whenever next_wakeup() has come (calling it earlier or twice is harmless).
  commands on_timer(time_point now);
  // `pong` from the broker.
  commands on_pong(time_point now);
  // `intro`: the broker does not know us.
  commands on_intro(time_point now);
  // `eval`: job id and the payload frames after it.
  commands on_assignment(job_assignment assignment, time_point now);
  // The transport lost the broker (CAF down_msg or failed connect): like liveness 0.
  commands on_link_lost(time_point now);
  // From the evaluator.
  commands on_progress(progress update);
  commands on_done(job_done done);

  // -- queries --

  // When on_timer must run next: the next ping, or the end of the reconnect wait.
  time_point next_wakeup() const;
  bool connected() const { return !reconnect_at_; }
  bool busy() const { return !current_job_.empty(); }
  const std::string& current_job() const { return current_job_; }
  std::uint32_t liveness() const { return liveness_; }
  std::chrono::milliseconds reconnect_delay() const { return reconnect_delay_; }

private:
  // Progress or a done sent (or to be sent) whose receipt the broker has not shown yet.
  struct kept_message {
    command message;
    std::uint64_t pings_before = 0; // pings sent on the link before it last went out
  };
  static constexpr std::size_t max_unconfirmed = 4096;

  commands from_broker();
  commands lose_broker(time_point now, std::string why);
  worker_info init_info() const;
  void send_until_confirmed(commands& out, command message);
  void register_again(commands& out);
  bool answer_on_link();

  listener_config config_;
  header_list headers_;
  std::uint32_t liveness_;
  std::chrono::milliseconds reconnect_delay_;
  time_point next_ping_{};
  std::optional<time_point> reconnect_at_; // set while waiting to reconnect
  std::string current_job_;
  std::deque<kept_message> unconfirmed_;
  // On the current link: pings sent, answers (pong or intro) received, pings before our init.
  std::uint64_t pings_ = 0;
  std::uint64_t answers_ = 0;
  std::uint64_t pings_at_init_ = 0;
};

} // namespace recodex::worker
