// The listener over ZeroMQ, frame by frame, against a plain ROUTER playing a ReCodEx broker
// (spec 2.1-2.3, 3.1): the exact `init`, the ping cadence, pongs keeping the link, a silent
// broker answered by a new DEALER connection with back-off, `intro`, malformed `eval`s, and a
// job whose progress and `done` arrive in order. The evaluator is the test's scoped actor.
#include "tests/conformance/worker_listener/listener_under_test.hpp"
#include "tests/conformance/worker_listener/recodex_broker_router.hpp"

#include <optional>

using namespace recodex;
using namespace recodex::testing;
using namespace std::chrono_literals;

namespace {

constexpr auto ping_interval = 50ms;
constexpr auto first_delay = 100ms;

worker::listener_config test_config(const recodex_broker_router& broker) {
  worker::listener_config c;
  c.broker_uri = broker.uri();
  c.hwgroup = "group1";
  c.headers = {{"threads", "1"}, {"env", "c-gcc-linux"}, {"env", "python3"}};
  c.description = "peers_worker_1";
  c.ping_interval = ping_interval;
  c.max_liveness = 3;
  c.first_reconnect_delay = first_delay;
  c.max_reconnect_delay = 4 * first_delay;
  return c;
}

const frames init_frames{"init",      "group1", "env=c-gcc-linux",           "env=python3",
                         "threads=1", "",       "description=peers_worker_1"};

frames with(frames f, std::string extra) {
  f.push_back(std::move(extra));
  return f;
}

// A listener that has sent its first init to the fake broker.
routed_message first_message(recodex_broker_router& broker) {
  auto m = broker.recv();
  REQUIRE(m);
  return *m;
}

struct registered_listener {
  recodex_broker_router broker;
  // Before the listener exists: no earlier than its first ping schedule's origin.
  std::chrono::steady_clock::time_point created = std::chrono::steady_clock::now();
  listener_under_test worker{test_config(broker)};
  routed_message init = first_message(broker);
};

} // namespace

TEST_CASE_METHOD(
    registered_listener,
    "init carries hwgroup, sorted headers with list values, the terminator and the description",
    "[worker][listener][conformance]") {
  CHECK(init.body == init_frames);
}

TEST_CASE("init carries an empty description= when none is configured",
          "[worker][listener][conformance]") {
  recodex_broker_router broker;
  auto config = test_config(broker);
  config.description.clear();
  config.headers = {{"env", "c"}};
  listener_under_test worker{config};
  auto init = broker.recv();
  REQUIRE(init);
  CHECK(init->body == frames{"init", "group1", "env=c", "", "description="});
}

TEST_CASE_METHOD(registered_listener,
                 "pings go out every interval and pongs keep the same connection alive",
                 "[worker][listener][conformance]") {
  std::vector<routed_message> pings;
  // Twice max-liveness pings: without the pongs the listener would have reconnected.
  while (pings.size() < 7) {
    auto m = broker.recv();
    REQUIRE(m);
    REQUIRE(m->body == frames{"ping"});
    CHECK(m->identity == init.identity);
    broker.send(m->identity, {"pong"});
    pings.push_back(*m);
  }
  // Timers never fire early: the pings keep a fixed-rate schedule from the init, so the seventh
  // comes seven intervals after it at the earliest (measured from before the listener existed;
  // the gap between two pings may be shorter after a late one, and upper bounds would flake on
  // a busy host).
  CHECK(pings.back().received - created >= 7 * ping_interval - 5ms);
}

TEST_CASE_METHOD(registered_listener,
                 "a silent broker gets a new connection and a new init after a doubling delay",
                 "[worker][listener][conformance]") {
  std::vector<std::chrono::steady_clock::time_point> last_ping;
  std::vector<routed_message> inits{init};
  while (inits.size() < 3) {
    auto m = broker.recv();
    REQUIRE(m);
    if (m->body == frames{"ping"}) {
      CHECK(m->identity == inits.back().identity);
      if (last_ping.size() < inits.size())
        last_ping.push_back(m->received);
      else
        last_ping.back() = m->received;
      continue;
    }
    CHECK(m->body == init_frames);
    CHECK(m->identity != inits.back().identity); // a new DEALER
    inits.push_back(*m);
  }
  // After the last unanswered ping: one interval to answer it, then the reconnect delay.
  CHECK(inits[1].received - last_ping[0] >= ping_interval + first_delay - 5ms);
  CHECK(inits[2].received - last_ping[1] >= ping_interval + 2 * first_delay - 5ms);
  // The broker answers again: the third connection stays.
  for (int i = 0; i < 6; ++i) {
    auto m = broker.recv();
    REQUIRE(m);
    REQUIRE(m->body == frames{"ping"});
    CHECK(m->identity == inits[2].identity);
    broker.send(m->identity, {"pong"});
  }
}

TEST_CASE_METHOD(registered_listener,
                 "intro is answered with init, naming the current job while busy",
                 "[worker][listener][conformance]") {
  broker.send(init.identity, {"intro"});
  auto again = broker.recv_non_ping(true);
  REQUIRE(again);
  CHECK(again->body == init_frames);

  broker.send(init.identity, {"eval", "student_1", "http://f/a.zip", "http://f/r.zip"});
  REQUIRE(worker.next_assignment());
  broker.send(init.identity, {"intro"});
  auto busy = broker.recv_non_ping(true);
  REQUIRE(busy);
  CHECK(busy->body == with(init_frames, "current_job=student_1"));
}

TEST_CASE_METHOD(registered_listener,
                 "an eval with 3 or 5 frames gets nothing back and reaches no evaluator",
                 "[worker][listener][conformance]") {
  broker.send(init.identity, {"eval", "student_3", "http://f/a.zip"});
  broker.send(init.identity, {"eval", "student_5", "http://f/a.zip", "http://f/r.zip", "extra"});
  // The listener stayed idle and said nothing in between: the next non-ping answers the intro.
  broker.send(init.identity, {"intro"});
  auto next = broker.recv_non_ping(true);
  REQUIRE(next);
  CHECK(next->body == init_frames);
  broker.send(init.identity, {"eval", "student_4", "http://f/a.zip", "http://f/r.zip"});
  auto a = worker.next_assignment();
  REQUIRE(a);
  CHECK(a->job_id == "student_4");
}

TEST_CASE_METHOD(
    registered_listener,
    "a good eval reaches the evaluator and its progress and done reach the broker in order",
    "[worker][listener][conformance]") {
  broker.send(init.identity, {"eval", "student_1", "http://f/a.zip", "http://f/r.zip"});
  auto a = worker.next_assignment();
  REQUIRE(a);
  CHECK(a->job_id == "student_1");
  CHECK(a->payload == std::vector<std::string>{"http://f/a.zip", "http://f/r.zip"});

  for (auto command : {"DOWNLOADED", "STARTED"})
    worker.report(progress{"student_1", command, "", ""});
  worker.report(progress{"student_1", "TASK", "compile", "COMPLETED"});
  worker.report(progress{"student_1", "TASK", "run", "FAILED"});
  worker.report(progress{"student_1", "TASK", "judge", "SKIPPED"});
  for (auto command : {"ENDED", "UPLOADED", "FINISHED"})
    worker.report(progress{"student_1", command, "", ""});
  worker.report(job_done{"student_1", job_status::ok, ""});

  const std::vector<frames> expected{
      {"progress", "student_1", "DOWNLOADED"},
      {"progress", "student_1", "STARTED"},
      {"progress", "student_1", "TASK", "compile", "COMPLETED"},
      {"progress", "student_1", "TASK", "run", "FAILED"},
      {"progress", "student_1", "TASK", "judge", "SKIPPED"},
      {"progress", "student_1", "ENDED"},
      {"progress", "student_1", "UPLOADED"},
      {"progress", "student_1", "FINISHED"},
      {"done", "student_1", "OK", ""},
  };
  std::vector<frames> seen;
  while (seen.size() < expected.size()) {
    auto m = broker.recv_non_ping(true);
    REQUIRE(m);
    CHECK(m->identity == init.identity);
    seen.push_back(m->body);
  }
  CHECK(seen == expected);

  // Idle again: the next job is taken, and a failure is reported with its message.
  broker.send(init.identity, {"eval", "student_2", "http://f/a.zip", "http://f/r.zip"});
  REQUIRE(worker.next_assignment());
  worker.report(progress{"student_2", "ABORTED", "", ""});
  worker.report(job_done{"student_2", job_status::internal_error, "cannot download"});
  auto aborted = broker.recv_non_ping(true);
  auto done = broker.recv_non_ping(true);
  REQUIRE(aborted);
  REQUIRE(done);
  CHECK(aborted->body == frames{"progress", "student_2", "ABORTED"});
  CHECK(done->body == frames{"done", "student_2", "INTERNAL_ERROR", "cannot download"});
}

TEST_CASE("an exit message stops the listener and its socket at once",
          "[worker][listener][conformance]") {
  recodex_broker_router broker;
  auto started = std::chrono::steady_clock::now();
  {
    listener_under_test worker{test_config(broker)};
    REQUIRE(broker.recv());
  } // exit sent, actor system joined
  CHECK(std::chrono::steady_clock::now() - started < 2s);
}

TEST_CASE("a malformed broker-uri is refused by spawn_listener",
          "[worker][listener][conformance]") {
  listener_system_config config;
  caf::actor_system sys{config};
  worker::listener_config c;
  c.broker_uri = "tcp://nohost";
  auto spawned = worker::spawn_listener(sys, c, caf::actor{});
  REQUIRE_FALSE(spawned);
  CHECK(spawned.error().message == "broker-uri 'tcp://nohost': no port");
}
