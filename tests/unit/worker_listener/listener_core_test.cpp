// The listener's decisions with time passed in: init contents, ping cadence, broker liveness,
// reconnection back-off, intro, assignments (good, malformed, while busy) and the forwarding of
// the evaluator's progress and done (spec 2.1-2.3, 3.1, 6.3).
#include "actors/worker/listener/listener_core.hpp"

#include <catch2/catch.hpp>

using namespace recodex;
using namespace recodex::worker;
using namespace std::chrono_literals;

namespace {

const time_point t0{};

listener_config test_config() {
  listener_config c;
  c.hwgroup = "group1";
  c.headers = {{"threads", "2"}, {"env", "python3"}, {"env", "c"}};
  c.description = "worker one";
  return c; // ping every 1000 ms, liveness 4, back-off 1 s .. 32 s
}

worker_info init(std::string current_job = "") {
  return {"",
          "group1",
          {{"env", "python3"}, {"env", "c"}, {"threads", "2"}},
          "worker one",
          std::move(current_job)};
}

job_assignment job(std::string id,
                   std::vector<std::string> payload = {"http://f/a.zip", "http://f/r.zip"}) {
  return {"", std::move(id), std::move(payload)};
}

progress state(std::string job_id, std::string command) {
  return {std::move(job_id), std::move(command), "", ""};
}

const std::string silent_broker_warning = "the broker did not answer 4 pings; reconnecting in ";

// Runs the timer at every wake-up up to `until`; returns everything the core commanded.
commands run_until(listener_core& core, time_point until) {
  commands all;
  while (core.next_wakeup() <= until) {
    auto out = core.on_timer(core.next_wakeup());
    all.insert(all.end(), out.begin(), out.end());
  }
  return all;
}

} // namespace

TEST_CASE("init lists the headers sorted by key with list values in file order",
          "[worker][listener][core]") {
  CHECK(init_headers({{"threads", "2"}, {"env", "python3"}, {"b", "x"}, {"env", "c"}}) ==
        header_list{{"b", "x"}, {"env", "python3"}, {"env", "c"}, {"threads", "2"}});
  auto core = listener_core{test_config()};
  CHECK(core.start(t0) == commands{open_link{}, send_init{init()}});
  CHECK(core.liveness() == 4);
  CHECK(core.connected());
  CHECK_FALSE(core.busy());
}

TEST_CASE("init carries an empty description when none is configured", "[worker][listener][core]") {
  auto config = test_config();
  config.description.clear();
  auto core = listener_core{config};
  auto expected = init();
  expected.description.clear();
  CHECK(core.start(t0) == commands{open_link{}, send_init{expected}});
}

TEST_CASE("a ping goes out every ping interval regardless of other traffic",
          "[worker][listener][core]") {
  auto core = listener_core{test_config()};
  core.start(t0);
  CHECK(core.next_wakeup() == t0 + 1s);
  CHECK(core.on_timer(t0 + 999ms).empty());
  CHECK(core.on_timer(t0 + 1s) == commands{send_ping{}});
  CHECK(core.on_timer(t0 + 1s).empty()); // a second call at the same time sends nothing
  CHECK(core.liveness() == 3);
  CHECK(core.on_pong(t0 + 1900ms).empty());
  CHECK(core.liveness() == 4);
  // The pong did not move the cadence.
  CHECK(core.next_wakeup() == t0 + 2s);
  CHECK(core.on_timer(t0 + 2s) == commands{send_ping{}});
  // A late timer keeps the cadence; a stall does not cause a burst of pings.
  CHECK(core.on_timer(t0 + 3100ms) == commands{send_ping{}});
  CHECK(core.next_wakeup() == t0 + 4s);
  CHECK(core.on_timer(t0 + 9s) == commands{send_ping{}});
  CHECK(core.next_wakeup() == t0 + 10s);
}

TEST_CASE("a pong restores full broker liveness", "[worker][listener][core]") {
  auto core = listener_core{test_config()};
  core.start(t0);
  run_until(core, t0 + 3s);
  CHECK(core.liveness() == 1);
  core.on_pong(t0 + 3500ms);
  CHECK(core.liveness() == 4);
  CHECK(run_until(core, t0 + 6s) == commands{send_ping{}, send_ping{}, send_ping{}});
  CHECK(core.connected());
}

TEST_CASE("a broker silent for max-liveness pings is reconnected after the reconnect delay",
          "[worker][listener][core]") {
  auto core = listener_core{test_config()};
  core.start(t0);
  CHECK(run_until(core, t0 + 4s) == commands{send_ping{}, send_ping{}, send_ping{}, send_ping{}});
  CHECK(core.liveness() == 0);
  CHECK(core.on_timer(t0 + 5s) ==
        commands{log_warning{silent_broker_warning + "1000 ms"}, close_link{}});
  CHECK_FALSE(core.connected());
  CHECK(core.next_wakeup() == t0 + 6s);
  CHECK(core.on_timer(t0 + 5999ms).empty());
  CHECK(core.on_timer(t0 + 6s) == commands{open_link{}, send_init{init()}});
  CHECK(core.connected());
  CHECK(core.liveness() == 4);
  CHECK(core.next_wakeup() == t0 + 7s);
}

TEST_CASE("an answer to the last ping keeps the link", "[worker][listener][core]") {
  auto core = listener_core{test_config()};
  core.start(t0);
  run_until(core, t0 + 4s);
  CHECK(core.liveness() == 0);
  core.on_pong(t0 + 4900ms);
  CHECK(core.on_timer(t0 + 5s) == commands{send_ping{}});
  CHECK(core.connected());
}

TEST_CASE("the reconnect delay doubles from 1 s up to 32 s while the broker stays silent",
          "[worker][listener][core]") {
  auto core = listener_core{test_config()};
  core.start(t0);
  std::vector<std::chrono::milliseconds> waits;
  auto now = t0;
  std::optional<time_point> closed;
  while (waits.size() < 7) {
    now = core.next_wakeup();
    for (auto& cmd : core.on_timer(now)) {
      if (std::holds_alternative<close_link>(cmd))
        closed = now;
      if (std::holds_alternative<open_link>(cmd)) {
        REQUIRE(closed);
        waits.push_back(std::chrono::duration_cast<std::chrono::milliseconds>(now - *closed));
      }
    }
  }
  CHECK(waits == std::vector<std::chrono::milliseconds>{1s, 2s, 4s, 8s, 16s, 32s, 32s});
}

TEST_CASE("any message from the broker resets the reconnect delay", "[worker][listener][core]") {
  auto core = listener_core{test_config()};
  core.start(t0);
  run_until(core, t0 + 5s);  // lost at 5 s, reconnected at 6 s
  run_until(core, t0 + 11s); // lost at 11 s with a 2 s wait
  CHECK(core.reconnect_delay() == 4s);
  run_until(core, t0 + 13s); // reconnected
  core.on_intro(t0 + 13500ms);
  CHECK(core.reconnect_delay() == 1s);
  auto out = run_until(core, t0 + 18s);
  CHECK(out.back() == command{close_link{}});
  CHECK(core.next_wakeup() == t0 + 19s);
}

TEST_CASE("a lost link is handled like lost liveness, once", "[worker][listener][core]") {
  auto core = listener_core{test_config()};
  core.start(t0);
  CHECK(core.on_link_lost(t0 + 300ms) ==
        commands{log_warning{"the connection to the broker was lost; reconnecting in 1000 ms"},
                 close_link{}});
  CHECK(core.on_link_lost(t0 + 400ms).empty()); // already waiting
  CHECK(core.on_timer(t0 + 1300ms) == commands{open_link{}, send_init{init()}});
  // A failed reconnect waits twice as long.
  CHECK(core.on_link_lost(t0 + 1310ms) ==
        commands{log_warning{"the connection to the broker was lost; reconnecting in 2000 ms"},
                 close_link{}});
  CHECK(core.next_wakeup() == t0 + 3310ms);
}

TEST_CASE("intro is answered with a full init, with current_job while busy or while the broker may "
          "not have the job's done",
          "[worker][listener][core]") {
  auto core = listener_core{test_config()};
  core.start(t0);
  CHECK(core.on_intro(t0 + 1ms) == commands{send_init{init()}});
  core.on_assignment(job("student_7"), t0 + 2ms);
  CHECK(core.on_intro(t0 + 3ms) == commands{send_init{init("student_7")}});
  core.on_done({"student_7", job_status::ok, ""});
  // The broker did not know us when it answered: the done follows the init again.
  CHECK(core.on_intro(t0 + 4ms) ==
        commands{send_init{init("student_7")}, send_done{{"student_7", job_status::ok, ""}}});
  CHECK(run_until(core, t0 + 1s) == commands{send_ping{}});
  core.on_pong(t0 + 1001ms); // answers the ping sent after the done
  CHECK(core.on_intro(t0 + 1002ms) == commands{send_init{init()}});
}

TEST_CASE("a done is confirmed only by a pong to a ping sent after it",
          "[worker][listener][core]") {
  auto core = listener_core{test_config()};
  core.start(t0);
  core.on_assignment(job("student_7"), t0);
  run_until(core, t0 + 1s); // ping 1, before the done
  CHECK(core.on_done({"student_7", job_status::ok, ""}) ==
        commands{send_done{{"student_7", job_status::ok, ""}}});
  core.on_pong(t0 + 1100ms); // answers ping 1: says nothing about the done
  run_until(core, t0 + 2s);  // ping 2
  // The broker forgot us meanwhile (a restart): it answers ping 2 with intro.
  CHECK(core.on_intro(t0 + 2100ms) ==
        commands{send_init{init("student_7")}, send_done{{"student_7", job_status::ok, ""}}});
  run_until(core, t0 + 3s); // ping 3, after the done went out again
  core.on_pong(t0 + 3100ms);
  CHECK(core.on_intro(t0 + 3200ms) == commands{send_init{init()}});
}

TEST_CASE(
    "a done dropped with a closed link is sent again after the reconnect's init names its job",
    "[worker][listener][core]") {
  auto core = listener_core{test_config()};
  core.start(t0);
  core.on_assignment(job("student_7"), t0);
  // Sent, but the broker was already gone: the DEALER drops it when the link is closed.
  CHECK(core.on_done({"student_7", job_status::ok, ""}) ==
        commands{send_done{{"student_7", job_status::ok, ""}}});
  auto out = run_until(core, t0 + 6s);
  CHECK(commands(out.end() - 3, out.end()) ==
        commands{open_link{}, send_init{init("student_7")},
                 send_done{{"student_7", job_status::ok, ""}}});
  // A pong on the new link to a ping sent after it: received.
  run_until(core, t0 + 7s);
  core.on_pong(t0 + 7100ms);
  CHECK(core.on_intro(t0 + 7200ms) == commands{send_init{init()}});
}

TEST_CASE("intros to pings sent before the last init are stale and answered once",
          "[worker][listener][core]") {
  auto core = listener_core{test_config()};
  core.start(t0);
  core.on_assignment(job("student_7"), t0);
  core.on_progress(state("student_7", "STARTED"));
  // The broker restarted: pings 1-3 reach the new one, which does not know us.
  CHECK(run_until(core, t0 + 3s) == commands{send_ping{}, send_ping{}, send_ping{}});
  CHECK(core.on_intro(t0 + 3100ms) ==
        commands{send_init{init("student_7")}, send_progress{state("student_7", "STARTED")}});
  CHECK(core.on_intro(t0 + 3101ms).empty());
  CHECK(core.on_intro(t0 + 3102ms).empty());
  CHECK(core.liveness() == 4);
  // An intro to a ping sent after that init: the broker lost us again.
  run_until(core, t0 + 4s);
  CHECK(core.on_intro(t0 + 4100ms) ==
        commands{send_init{init("student_7")}, send_progress{state("student_7", "STARTED")}});
}

TEST_CASE(
    "progress the broker may not have is sent again after the reconnect, in order, until a pong "
    "shows it arrived",
    "[worker][listener][core]") {
  auto core = listener_core{test_config()};
  core.start(t0);
  core.on_assignment(job("student_7"), t0);
  core.on_progress(state("student_7", "DOWNLOADED"));
  run_until(core, t0 + 1s);
  core.on_pong(t0 + 1100ms); // DOWNLOADED arrived
  CHECK(core.on_progress(state("student_7", "STARTED")) ==
        commands{send_progress{state("student_7", "STARTED")}});
  core.on_link_lost(t0 + 1200ms);
  CHECK(core.on_progress(state("student_7", "ENDED")).empty());
  CHECK(core.on_timer(t0 + 2200ms) == commands{open_link{}, send_init{init("student_7")},
                                               send_progress{state("student_7", "STARTED")},
                                               send_progress{state("student_7", "ENDED")}});
  run_until(core, t0 + 3200ms);
  core.on_pong(t0 + 3300ms);
  core.on_link_lost(t0 + 3400ms);
  CHECK(core.on_timer(t0 + 4400ms) == commands{open_link{}, send_init{init("student_7")}});
}

TEST_CASE("an eval ends the wait for the broker's receipt of the last done",
          "[worker][listener][core]") {
  auto core = listener_core{test_config()};
  core.start(t0);
  core.on_assignment(job("student_7"), t0);
  core.on_done({"student_7", job_status::ok, ""});
  core.on_assignment(job("student_8"), t0 + 10ms);
  CHECK(core.on_intro(t0 + 20ms) == commands{send_init{init("student_8")}});
  core.on_done({"student_8", job_status::failed, "bad config"});
  CHECK(core.on_intro(t0 + 30ms) ==
        commands{send_init{init("student_8")},
                 send_done{{"student_8", job_status::failed, "bad config"}}});
}

TEST_CASE("a reconnect while busy names the job in init", "[worker][listener][core]") {
  auto core = listener_core{test_config()};
  core.start(t0);
  core.on_assignment(job("student_7"), t0);
  CHECK(run_until(core, t0 + 6s).back() == command{send_init{init("student_7")}});
}

TEST_CASE("a well-formed assignment goes to the evaluator and makes the listener busy",
          "[worker][listener][core]") {
  auto core = listener_core{test_config()};
  core.start(t0);
  run_until(core, t0 + 2s);
  CHECK(core.on_assignment(job("student_7"), t0 + 2500ms) == commands{start_job{job("student_7")}});
  CHECK(core.busy());
  CHECK(core.current_job() == "student_7");
  CHECK(core.liveness() == 4); // an eval is a message from the broker
}

TEST_CASE("an eval without exactly four frames is ignored with a warning",
          "[worker][listener][core]") {
  auto payload = GENERATE(std::vector<std::string>{}, std::vector<std::string>{"http://f/a.zip"},
                          std::vector<std::string>{"http://f/a.zip", "http://f/r.zip", "extra"});
  auto core = listener_core{test_config()};
  core.start(t0);
  auto frames = std::to_string(payload.size() + 2);
  CHECK(core.on_assignment(job("student_7", payload), t0 + 1ms) ==
        commands{log_warning{"[job student_7] eval with " + frames +
                             " frames ignored (exactly 4 expected)"}});
  CHECK_FALSE(core.busy());
  CHECK(core.on_intro(t0 + 2ms) == commands{send_init{init()}});
}

TEST_CASE("an assignment while busy is ignored with a warning", "[worker][listener][core]") {
  auto core = listener_core{test_config()};
  core.start(t0);
  core.on_assignment(job("student_7"), t0);
  CHECK(core.on_assignment(job("student_8"), t0 + 1ms) ==
        commands{log_warning{"[job student_8] eval ignored: busy with job student_7"}});
  CHECK(core.current_job() == "student_7");
}

TEST_CASE("progress and done are forwarded in order and done leaves the listener idle",
          "[worker][listener][core]") {
  auto core = listener_core{test_config()};
  core.start(t0);
  core.on_assignment(job("student_7"), t0);
  commands out;
  for (auto& p :
       {state("student_7", "DOWNLOADED"), state("student_7", "STARTED"),
        progress{"student_7", "TASK", "compile", "COMPLETED"}, state("student_7", "ENDED"),
        state("student_7", "UPLOADED"), state("student_7", "FINISHED")}) {
    auto o = core.on_progress(p);
    out.insert(out.end(), o.begin(), o.end());
  }
  auto done = core.on_done({"student_7", job_status::ok, ""});
  out.insert(out.end(), done.begin(), done.end());
  CHECK(out == commands{send_progress{state("student_7", "DOWNLOADED")},
                        send_progress{state("student_7", "STARTED")},
                        send_progress{{"student_7", "TASK", "compile", "COMPLETED"}},
                        send_progress{state("student_7", "ENDED")},
                        send_progress{state("student_7", "UPLOADED")},
                        send_progress{state("student_7", "FINISHED")},
                        send_done{{"student_7", job_status::ok, ""}}});
  CHECK_FALSE(core.busy());
  // A late progress is still forwarded; the listener stays idle and takes the next job.
  CHECK(core.on_progress(state("student_7", "FINISHED")) ==
        commands{send_progress{state("student_7", "FINISHED")}});
  CHECK_FALSE(core.busy());
  CHECK(core.on_assignment(job("student_8"), t0 + 1ms) == commands{start_job{job("student_8")}});
}

TEST_CASE("a done for another job is forwarded with a warning", "[worker][listener][core]") {
  auto core = listener_core{test_config()};
  core.start(t0);
  core.on_assignment(job("student_7"), t0);
  CHECK(core.on_done({"student_6", job_status::failed, "x"}) ==
        commands{log_warning{"[job student_6] done reported while the current job is 'student_7'"},
                 send_done{{"student_6", job_status::failed, "x"}}});
  CHECK(core.current_job() == "student_7");
}

TEST_CASE("progress and done while reconnecting follow the init that names the job",
          "[worker][listener][core]") {
  auto core = listener_core{test_config()};
  core.start(t0);
  core.on_assignment(job("student_7"), t0);
  core.on_link_lost(t0 + 10ms);
  CHECK(core.on_progress(state("student_7", "UPLOADED")).empty());
  CHECK(core.on_done({"student_7", job_status::internal_error, "upload failed"}).empty());
  CHECK_FALSE(core.busy());
  CHECK(core.on_timer(t0 + 1010ms) ==
        commands{open_link{}, send_init{init("student_7")},
                 send_progress{state("student_7", "UPLOADED")},
                 send_done{{"student_7", job_status::internal_error, "upload failed"}}});
  // Once the broker has shown it has the done, the job is no longer named.
  run_until(core, t0 + 2010ms);
  core.on_pong(t0 + 2100ms);
  CHECK(core.on_intro(t0 + 2200ms) == commands{send_init{init()}});
}

TEST_CASE("every listener command prints with its name", "[worker][listener][core]") {
  CHECK(to_string(open_link{}) == "open_link");
  CHECK(to_string(close_link{}) == "close_link");
  CHECK(to_string(send_init{init("j")}) ==
        "send_init{group1 env=python3 env=c threads=2 description=worker one current_job=j}");
  CHECK(to_string(send_ping{}) == "send_ping");
  CHECK(to_string(send_progress{{"j", "TASK", "t", "FAILED"}}) == "send_progress{j TASK t FAILED}");
  CHECK(to_string(send_done{{"j", job_status::failed, "m"}}) == "send_done{j FAILED m}");
  CHECK(to_string(start_job{job("j")}) == "start_job{j http://f/a.zip http://f/r.zip}");
  CHECK(to_string(log_warning{"w"}) == "log_warning{w}");
  CHECK(to_string(log_info{"i"}) == "log_info{i}");
}
