// The monitor's channel decisions (see the header for the channel life and the bounds).
#include "actors/monitor/monitor_core.hpp"

#include "actors/monitor/progress_json.hpp"

#include <algorithm>

namespace recodex::monitor {

std::string to_string(drop_reason reason) {
  switch (reason) {
    case drop_reason::expired:
      return "expired";
    case drop_reason::memory:
      return "memory";
  }
  return "unknown";
}

bool operator==(const send_text& a, const send_text& b) {
  return a.session == b.session && a.text == b.text;
}
bool operator==(const close_session& a, const close_session& b) { return a.session == b.session; }
bool operator==(const shut_down&, const shut_down&) { return true; }
bool operator==(const channel_dropped& a, const channel_dropped& b) {
  return a.channel == b.channel && a.reason == b.reason;
}
bool operator==(const replay_trimmed& a, const replay_trimmed& b) { return a.channel == b.channel; }

namespace {

struct printer {
  std::ostream& out;
  void operator()(const send_text& x) { out << "send_text{" << x.session << ", " << x.text << "}"; }
  void operator()(const close_session& x) { out << "close_session{" << x.session << "}"; }
  void operator()(const shut_down&) { out << "shut_down{}"; }
  void operator()(const channel_dropped& x) {
    out << "channel_dropped{" << x.channel << ", " << to_string(x.reason) << "}";
  }
  void operator()(const replay_trimmed& x) { out << "replay_trimmed{" << x.channel << "}"; }
};

} // namespace

std::ostream& operator<<(std::ostream& out, const command& c) {
  std::visit(printer{out}, c);
  return out;
}

std::ostream& operator<<(std::ostream& out, const commands& cs) {
  out << "[";
  for (std::size_t i = 0; i < cs.size(); ++i)
    out << (i ? ", " : "") << cs[i];
  return out << "]";
}

monitor_core::monitor_core(monitor_core_config config) : config_(config) {}

commands monitor_core::on_progress(const progress& update, time_point now) {
  commands out;
  if (update.job_id == control_channel) {
    // Channel 0 is reserved for control; only `exit` means something there.
    if (update.command == control_exit)
      out.emplace_back(shut_down{});
    return out;
  }
  auto& ch = channels_[update.job_id];
  if (ch.finished)
    mark_live(update.job_id, ch); // the job id is re-used: the channel lives again
  auto text = progress_json(update);
  for (auto session : ch.subscribers)
    out.emplace_back(send_text{session, text});
  append(update.job_id, ch, std::move(text), out);
  if (update.command == "FINISHED") {
    for (auto session : ch.subscribers) {
      out.emplace_back(close_session{session});
      sessions_.erase(session);
    }
    ch.subscribers.clear();
    ch.finished = true;
    ch.finished_at = now;
    ch.finish_order = next_finish_order_++;
    finished_.emplace(ch.finish_order, update.job_id);
  }
  enforce_total_bound(update.job_id, out);
  return out;
}

commands monitor_core::on_subscribe(session_id session, const std::string& channel_id) {
  commands out = on_session_closed(session); // a second subscription replaces the first
  auto& ch = channels_[channel_id];
  for (const auto& text : ch.replay)
    out.emplace_back(send_text{session, text});
  if (ch.finished) {
    out.emplace_back(close_session{session});
    return out;
  }
  ch.subscribers.push_back(session);
  sessions_[session] = channel_id;
  return out;
}

commands monitor_core::on_session_closed(session_id session) {
  commands out;
  auto it = sessions_.find(session);
  if (it == sessions_.end())
    return out;
  auto ch = channels_.find(it->second);
  if (ch != channels_.end()) {
    auto& subs = ch->second.subscribers;
    subs.erase(std::remove(subs.begin(), subs.end(), session), subs.end());
    // A channel made only by a subscriber and left by all holds nothing worth keeping.
    if (subs.empty() && ch->second.replay.empty() && !ch->second.finished)
      channels_.erase(ch);
  }
  sessions_.erase(it);
  return out;
}

commands monitor_core::on_tick(time_point now) {
  commands out;
  while (!finished_.empty()) {
    const auto& id = finished_.begin()->second;
    auto ch = channels_.find(id);
    if (ch->second.finished_at + config_.expiry > now)
      break;
    drop(std::string{id}, drop_reason::expired, out);
  }
  return out;
}

// -- implementation --

void monitor_core::append(const std::string& id, channel& ch, std::string text, commands& out) {
  ch.bytes += text.size();
  total_bytes_ += text.size();
  ch.replay.push_back(std::move(text));
  // The newest message always stays, even one larger than the bound.
  while (ch.bytes > config_.max_channel_bytes && ch.replay.size() > 1) {
    ch.bytes -= ch.replay.front().size();
    total_bytes_ -= ch.replay.front().size();
    ch.replay.pop_front();
    if (!ch.trimmed) {
      ch.trimmed = true;
      out.emplace_back(replay_trimmed{id});
    }
  }
}

void monitor_core::mark_live(const std::string& id, channel& ch) {
  finished_.erase({ch.finish_order, id});
  ch.finished = false;
}

void monitor_core::drop(const std::string& id, drop_reason reason, commands& out) {
  auto ch = channels_.find(id);
  if (ch == channels_.end())
    return;
  // Only finished channels are dropped, and they have no subscribers left.
  finished_.erase({ch->second.finish_order, id});
  total_bytes_ -= ch->second.bytes;
  channels_.erase(ch);
  out.emplace_back(channel_dropped{id, reason});
}

void monitor_core::enforce_total_bound(const std::string& keep, commands& out) {
  // The channel just written to stays; only older finished channels make room for it.
  while (total_bytes_ > config_.max_total_bytes && !finished_.empty()) {
    auto oldest = finished_.begin();
    if (oldest->second == keep && ++oldest == finished_.end())
      break;
    drop(std::string{oldest->second}, drop_reason::memory, out);
  }
}

} // namespace recodex::monitor
