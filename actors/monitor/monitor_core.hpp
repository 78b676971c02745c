// The monitor's decisions: one channel per job id, each keeping its messages (as the JSON text
// browsers get) for replay, with any number of subscribed browser sessions. Plain C++: events
// in (a progress message, a session subscribing or going away, a clock tick), commands out
// (send this text to that session, close it, stop the monitor). No sockets, no clock.
//
// Channel life:   (first message or subscriber) --> live --FINISHED--> finished --expiry--> gone
//                                                    ^                      |
//                                                    +---- any message -----+  (job id re-used)
// Subscribers of a live channel get each message as it comes; after FINISHED every subscriber
// is closed, and a later subscriber gets the replay and is closed at once. FAILED and ABORTED
// do not finish a channel. Memory: a channel keeps at most max_channel_bytes of replay (oldest
// messages forgotten first); beyond max_total_bytes the oldest finished channels go first,
// live channels never.
#pragma once

#include "actors/monitor/monitor_config.hpp"
#include "messages/job_messages.hpp"

#include <chrono>
#include <cstdint>
#include <deque>
#include <map>
#include <ostream>
#include <set>
#include <string>
#include <unordered_map>
#include <variant>
#include <vector>

namespace recodex::monitor {

using session_id = std::uint64_t;
using time_point = std::chrono::steady_clock::time_point;

// -- commands --

// Send one JSON text message to a browser session.
struct send_text {
  session_id session = 0;
  std::string text;
};

// Close a session normally (its channel finished).
struct close_session {
  session_id session = 0;
};

// The control message `0`/`exit` arrived: stop the monitor.
struct shut_down {};

// A channel was dropped: expired after FINISHED, or to free memory. For the log.
enum class drop_reason : std::uint8_t { expired, memory };
std::string to_string(drop_reason reason);

struct channel_dropped {
  std::string channel;
  drop_reason reason = drop_reason::expired;
};

// A channel's replay buffer hit its bound: its oldest messages are being forgotten. Reported
// once per channel, for the log.
struct replay_trimmed {
  std::string channel;
};

using command = std::variant<send_text, close_session, shut_down, channel_dropped, replay_trimmed>;
using commands = std::vector<command>;

bool operator==(const send_text& a, const send_text& b);
bool operator==(const close_session& a, const close_session& b);
bool operator==(const shut_down&, const shut_down&);
bool operator==(const channel_dropped& a, const channel_dropped& b);
bool operator==(const replay_trimmed& a, const replay_trimmed& b);
std::ostream& operator<<(std::ostream& out, const command& c);
std::ostream& operator<<(std::ostream& out, const commands& cs);

// The channel id of the control message and its command (spec 3.3).
inline constexpr const char* control_channel = "0";
inline constexpr const char* control_exit = "exit";

class monitor_core {
public:
  explicit monitor_core(monitor_core_config config = {});

  // -- inputs --

  // A progress message from the broker (CAF or ZeroMQ).
  commands on_progress(const progress& update, time_point now);

  // A browser session sent its first text message: the channel id.
  commands on_subscribe(session_id session, const std::string& channel);

  // A session is gone (the browser closed it, it failed, or it was too slow). Idempotent.
  commands on_session_closed(session_id session);

  // Periodic: drops channels whose expiry passed.
  commands on_tick(time_point now);

  // -- inspection (tests, stats) --

  std::size_t channel_count() const { return channels_.size(); }
  std::size_t total_bytes() const { return total_bytes_; }
  std::size_t subscriber_count() const { return sessions_.size(); }
  bool has_channel(const std::string& channel) const { return channels_.count(channel) != 0; }

private:
  struct channel {
    std::deque<std::string> replay;
    std::size_t bytes = 0; // replay text bytes
    std::vector<session_id> subscribers;
    bool finished = false;
    bool trimmed = false;
    std::uint64_t finish_order = 0; // position in finished_, while finished
    time_point finished_at{};
  };

  void append(const std::string& id, channel& ch, std::string text, commands& out);
  void mark_live(const std::string& id, channel& ch);
  void drop(const std::string& id, drop_reason reason, commands& out);
  void enforce_total_bound(const std::string& keep, commands& out);

  monitor_core_config config_;
  std::unordered_map<std::string, channel> channels_;
  std::unordered_map<session_id, std::string> sessions_; // subscribed session -> channel
  // Finished channels, oldest FINISHED first: the expiry and memory eviction order.
  std::set<std::pair<std::uint64_t, std::string>> finished_;
  std::uint64_t next_finish_order_ = 0;
  std::size_t total_bytes_ = 0;
};

} // namespace recodex::monitor
