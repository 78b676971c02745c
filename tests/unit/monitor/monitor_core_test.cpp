// The monitor's channel decisions: replay, several subscribers, order, FINISHED closing,
// FAILED/ABORTED not closing, expiry, memory bounds, the control message. Whole command lists.
#include "actors/monitor/monitor_core.hpp"

#include <catch2/catch.hpp>

using namespace recodex;
using namespace recodex::monitor;
using namespace std::chrono_literals;

namespace {

const time_point t0{};

progress msg(std::string job, std::string command) {
  return progress{std::move(job), std::move(command), "", ""};
}
progress task(std::string job, std::string id, std::string state) {
  return progress{std::move(job), "TASK", std::move(id), std::move(state)};
}

const std::string started = R"({"command": "STARTED"})";
const std::string finished = R"({"command": "FINISHED"})";
const std::string failed = R"({"command": "FAILED"})";
const std::string aborted = R"({"command": "ABORTED"})";
std::string task_text(const std::string& id, const std::string& state) {
  return R"({"command": "TASK", "task_id": ")" + id + R"(", "task_state": ")" + state + "\"}";
}

} // namespace

TEST_CASE("messages before any subscriber are replayed on subscribe, in order", "[monitor][core]") {
  monitor_core core;
  CHECK(core.on_progress(msg("42", "STARTED"), t0) == commands{});
  CHECK(core.on_progress(task("42", "a", "COMPLETED"), t0) == commands{});
  CHECK(core.on_subscribe(1, "42")
        == commands{send_text{1, started}, send_text{1, task_text("a", "COMPLETED")}});
  CHECK(core.on_progress(task("42", "b", "FAILED"), t0)
        == commands{send_text{1, task_text("b", "FAILED")}});
}

TEST_CASE("a subscriber before the first message gets every message as it comes", "[monitor][core]") {
  monitor_core core;
  CHECK(core.on_subscribe(7, "42") == commands{});
  CHECK(core.channel_count() == 1);
  CHECK(core.on_progress(msg("42", "STARTED"), t0) == commands{send_text{7, started}});
  CHECK(core.on_progress(msg("43", "STARTED"), t0) == commands{});
}

TEST_CASE("several subscribers of one channel all get each message, in subscription order",
          "[monitor][core]") {
  monitor_core core;
  core.on_progress(msg("42", "STARTED"), t0);
  CHECK(core.on_subscribe(1, "42") == commands{send_text{1, started}});
  CHECK(core.on_subscribe(2, "42") == commands{send_text{2, started}});
  CHECK(core.on_subscribe(3, "other") == commands{});
  CHECK(core.on_progress(task("42", "x", "SKIPPED"), t0)
        == commands{send_text{1, task_text("x", "SKIPPED")}, send_text{2, task_text("x", "SKIPPED")}});
  CHECK(core.subscriber_count() == 3);
}

TEST_CASE("FINISHED is delivered, then every subscriber is closed", "[monitor][core]") {
  monitor_core core;
  core.on_subscribe(1, "42");
  core.on_subscribe(2, "42");
  CHECK(core.on_progress(msg("42", "FINISHED"), t0)
        == commands{send_text{1, finished}, send_text{2, finished}, close_session{1},
                    close_session{2}});
  CHECK(core.subscriber_count() == 0);
  // A closed session reporting its close later changes nothing.
  CHECK(core.on_session_closed(1) == commands{});
}

TEST_CASE("FAILED and ABORTED do not close the subscribers", "[monitor][core]") {
  monitor_core core;
  core.on_subscribe(1, "42");
  CHECK(core.on_progress(msg("42", "FAILED"), t0) == commands{send_text{1, failed}});
  CHECK(core.on_progress(msg("42", "ABORTED"), t0) == commands{send_text{1, aborted}});
  CHECK(core.subscriber_count() == 1);
  CHECK(core.on_tick(t0 + 1h) == commands{});
  CHECK(core.has_channel("42"));
}

TEST_CASE("a subscriber after FINISHED gets the replay and is closed at once", "[monitor][core]") {
  monitor_core core;
  core.on_progress(msg("42", "STARTED"), t0);
  core.on_progress(msg("42", "FINISHED"), t0);
  CHECK(core.on_subscribe(5, "42")
        == commands{send_text{5, started}, send_text{5, finished}, close_session{5}});
  CHECK(core.subscriber_count() == 0);
}

TEST_CASE("a finished channel is dropped after the expiry, not before", "[monitor][core]") {
  monitor_core core; // 5 minutes
  core.on_progress(msg("42", "FINISHED"), t0);
  core.on_progress(msg("43", "FINISHED"), t0 + 1min);
  core.on_progress(msg("44", "STARTED"), t0);
  CHECK(core.on_tick(t0 + 5min - 1ms) == commands{});
  CHECK(core.on_tick(t0 + 5min) == commands{channel_dropped{"42", drop_reason::expired}});
  CHECK(core.on_tick(t0 + 7min) == commands{channel_dropped{"43", drop_reason::expired}});
  CHECK(core.channel_count() == 1);
  CHECK(core.total_bytes() == started.size());
  // A subscriber now starts an empty channel: nothing is replayed.
  CHECK(core.on_subscribe(1, "42") == commands{});
}

TEST_CASE("the expiry is configurable", "[monitor][core]") {
  monitor_core core{monitor_core_config{10s}};
  core.on_progress(msg("42", "FINISHED"), t0);
  CHECK(core.on_tick(t0 + 10s) == commands{channel_dropped{"42", drop_reason::expired}});
}

TEST_CASE("a message for a finished channel makes it live again (a re-used job id)",
          "[monitor][core]") {
  monitor_core core;
  core.on_progress(msg("42", "FINISHED"), t0);
  core.on_progress(msg("42", "STARTED"), t0 + 1min);
  CHECK(core.on_tick(t0 + 10min) == commands{});
  CHECK(core.on_subscribe(1, "42") == commands{send_text{1, finished}, send_text{1, started}});
  CHECK(core.on_progress(msg("42", "FINISHED"), t0 + 11min)
        == commands{send_text{1, finished}, close_session{1}});
  CHECK(core.on_tick(t0 + 16min) == commands{channel_dropped{"42", drop_reason::expired}});
}

TEST_CASE("a channel keeps at most its byte bound of replay, oldest forgotten first",
          "[monitor][core]") {
  monitor_core_config config;
  config.max_channel_bytes = 2 * started.size();
  monitor_core core{config};
  core.on_progress(msg("42", "STARTED"), t0);
  core.on_progress(msg("42", "STARTED"), t0);
  CHECK(core.on_progress(msg("42", "FAILED"), t0) == commands{replay_trimmed{"42"}});
  CHECK(core.on_progress(msg("42", "ABORTED"), t0) == commands{}); // reported once
  CHECK(core.on_subscribe(1, "42") == commands{send_text{1, failed}, send_text{1, aborted}});
  CHECK(core.total_bytes() == failed.size() + aborted.size());
}

TEST_CASE("the newest message stays even when it alone exceeds the channel bound",
          "[monitor][core]") {
  monitor_core_config config;
  config.max_channel_bytes = 4;
  monitor_core core{config};
  CHECK(core.on_progress(msg("42", "STARTED"), t0) == commands{});
  CHECK(core.on_subscribe(1, "42") == commands{send_text{1, started}});
}

TEST_CASE("over the total bound the oldest finished channels go first, never live ones",
          "[monitor][core]") {
  monitor_core_config config;
  config.max_total_bytes = 3 * finished.size();
  monitor_core core{config};
  core.on_progress(msg("b", "FINISHED"), t0);
  core.on_progress(msg("a", "FINISHED"), t0 + 1s);
  core.on_progress(msg("live", "FINISHED"), t0 + 2s);
  CHECK(core.total_bytes() == 3 * finished.size());
  // Over the bound by the next message: "b" finished first and goes; "live" lives again.
  CHECK(core.on_progress(msg("live", "STARTED"), t0 + 3s)
        == commands{channel_dropped{"b", drop_reason::memory}});
  CHECK(core.on_progress(msg("c", "STARTED"), t0 + 4s)
        == commands{channel_dropped{"a", drop_reason::memory}});
  CHECK(core.has_channel("live"));
  CHECK(core.has_channel("c"));
  // Only live channels remain: the bound is exceeded rather than a live job losing messages.
  CHECK(core.on_progress(msg("d", "STARTED"), t0 + 5s) == commands{});
  CHECK(core.channel_count() == 3);
  CHECK(core.total_bytes() == finished.size() + 3 * started.size());
}

TEST_CASE("a channel that just finished is not dropped to make room for itself",
          "[monitor][core]") {
  monitor_core_config config;
  config.max_total_bytes = 1;
  monitor_core core{config};
  CHECK(core.on_progress(msg("old", "FINISHED"), t0) == commands{});
  CHECK(core.on_progress(msg("new", "FINISHED"), t0 + 1s)
        == commands{channel_dropped{"old", drop_reason::memory}});
  CHECK(core.has_channel("new"));
}

TEST_CASE("a session that goes away gets nothing more; an empty channel it made is removed",
          "[monitor][core]") {
  monitor_core core;
  core.on_subscribe(1, "42");
  core.on_subscribe(2, "43");
  core.on_progress(msg("43", "STARTED"), t0);
  CHECK(core.on_session_closed(1) == commands{});
  CHECK_FALSE(core.has_channel("42"));
  CHECK(core.on_session_closed(2) == commands{});
  CHECK(core.has_channel("43")); // it has messages to replay
  CHECK(core.on_progress(msg("43", "ENDED"), t0) == commands{});
  CHECK(core.subscriber_count() == 0);
}

TEST_CASE("a session subscribing again moves to the new channel", "[monitor][core]") {
  monitor_core core;
  core.on_subscribe(1, "42");
  core.on_progress(msg("43", "STARTED"), t0);
  CHECK(core.on_subscribe(1, "43") == commands{send_text{1, started}});
  CHECK(core.on_progress(msg("42", "STARTED"), t0) == commands{});
  CHECK(core.subscriber_count() == 1);
}

TEST_CASE("the control message 0/exit stops the monitor; other channel-0 messages are ignored",
          "[monitor][core]") {
  monitor_core core;
  core.on_subscribe(1, "0");
  CHECK(core.on_progress(msg("0", "STARTED"), t0) == commands{});
  CHECK(core.on_progress(msg("0", "exit"), t0) == commands{shut_down{}});
  CHECK(core.total_bytes() == 0);
}

TEST_CASE("every drop reason has a name", "[monitor][core]") {
  CHECK(to_string(drop_reason::expired) == "expired");
  CHECK(to_string(drop_reason::memory) == "memory");
}
