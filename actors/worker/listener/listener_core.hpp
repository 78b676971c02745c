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
// after the `init` (which names the job as current_job=, so the broker can adopt it and accept its
// `done`).
#pragma once

#include "actors/worker/listener/listener_config.hpp"
#include "messages/job_messages.hpp"

#include <chrono>
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
  commands from_broker();
  commands lose_broker(time_point now, std::string why);
  worker_info init_info() const;
  void forward(commands& out, command message);

  listener_config config_;
  header_list headers_;
  std::uint32_t liveness_;
  std::chrono::milliseconds reconnect_delay_;
  time_point next_ping_{};
  std::optional<time_point> reconnect_at_; // set while waiting to reconnect
  std::string current_job_;
  // Progress and done held while waiting; the job of a held `done` is still reported in init.
  std::vector<command> held_;
  std::string held_done_job_;
};

} // namespace recodex::worker
