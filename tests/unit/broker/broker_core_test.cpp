// The broker core, message by message: every row of spec 1.1, 1.2, 2.1-2.8 and the decisions
// of ARCHITECTURE.md 7. Each test feeds events with literal times and compares the whole
// command list.
#include "actors/broker/broker_core.hpp"

#include <catch2/catch.hpp>

#include <algorithm>
#include <variant>

using namespace recodex;
using namespace recodex::broker;
using namespace std::chrono_literals;

namespace {

const time_point t0{std::chrono::hours(1)};
const std::vector<std::string> payload{"http://api/archive", "http://api/result"};

broker_config test_config(queue_policy queue = queue_policy::single) {
  broker_config c;
  c.queue = queue;
  c.max_liveness = 4;
  c.ping_interval = 1000ms;
  c.max_request_failures = 3;
  c.recovery_grace = 10s;
  return c;
}

job_request job(std::string id, header_list headers = {{"hwgroup", "group1"}}) {
  return {std::move(id), std::move(headers), payload};
}

worker_info worker(std::string id, header_list headers = {{"env", "c"}}, std::string hwgroup = "group1",
                   std::string current = "", std::string description = "") {
  return {std::move(id), std::move(hwgroup), std::move(headers), std::move(description),
          std::move(current)};
}

command dispatched(std::string w, std::string j) { return send_job{{std::move(w), std::move(j), payload}}; }
command assigned(std::string j, std::uint32_t failures = 0) { return journal_assign{std::move(j), failures}; }
command accepted(std::string j) { return reply_accept{std::move(j)}; }
command journaled(std::string j) { return journal_accept{job(std::move(j))}; }
command monitor(std::string j, std::string cmd) { return send_progress{{std::move(j), std::move(cmd), "", ""}}; }
command finished(std::string j, job_status status = job_status::ok, std::string m = "") {
  return journal_finish{{std::move(j), status, std::move(m)}};
}
command finished_failed(std::string j, std::string m) {
  return finished(std::move(j), job_status::failed, std::move(m));
}
command reported_ok(std::string j) { return notify_job_status{{std::move(j), job_status::ok, ""}}; }
command reported_failed(std::string j, std::string m) {
  return notify_job_status{{std::move(j), job_status::failed, std::move(m)}};
}

// A core with workers w1..wn (env=c, group1), registered 1 ms apart from t0.
broker_core with_workers(int n, broker_config config = test_config()) {
  broker_core core{config};
  for (int i = 1; i <= n; ++i)
    core.on_worker_init(worker("w" + std::to_string(i)), t0 + (i - 1) * 1ms);
  return core;
}

} // namespace

// -- 1.1 eval --

TEST_CASE("an eval for an idle matching worker is journaled, dispatched, then accepted", "[broker][core][eval]") {
  auto core = with_workers(1);
  CHECK(core.on_job(job("42"), t0 + 1s)
        == commands{journaled("42"), assigned("42"), dispatched("w1", "42"), accepted("42")});
  CHECK(core.stats().jobs_in_progress == 1);
}

TEST_CASE("an eval for a busy matching worker is queued and accepted", "[broker][core][eval]") {
  auto core = with_workers(1);
  core.on_job(job("1"), t0 + 1s);
  CHECK(core.on_job(job("2"), t0 + 2s) == commands{journaled("2"), accepted("2")});
  CHECK(core.stats().queued_jobs == 1);
}

TEST_CASE("a frozen broker rejects evals until unfrozen", "[broker][core][eval][freeze]") {
  auto core = with_workers(1);
  CHECK(core.on_freeze(true).empty());
  CHECK(core.on_job(job("1"), t0 + 1s) == commands{reply_reject{"1", "The broker is frozen."}});
  CHECK(core.stats().frozen);
  CHECK(core.on_freeze(false).empty());
  CHECK(core.on_job(job("1"), t0 + 2s)
        == commands{journaled("1"), assigned("1"), dispatched("w1", "1"), accepted("1")});
}

TEST_CASE("an eval nobody can serve is rejected with the headers in key order and FAILED to the monitor",
          "[broker][core][eval]") {
  auto core = with_workers(1);
  auto request = job("7", {{"hwgroup", "group1"}, {"env", "java"}, {"meta.user", "x"}});
  CHECK(core.on_job(request, t0 + 1s)
        == commands{reply_reject{"7", "No worker available for given headers: env=java; hwgroup=group1; "},
                    monitor("7", "FAILED")});
  CHECK(core.stats().failed_jobs == 0);
}

TEST_CASE("an eval with no workers registered is rejected", "[broker][core][eval]") {
  broker_core core{test_config()};
  CHECK(core.on_job(job("7", {}), t0)
        == commands{reply_reject{"7", "No worker available for given headers: "}, monitor("7", "FAILED")});
}

TEST_CASE("a second live job with the same id is rejected, a finished id may come back", "[broker][core][eval]") {
  auto core = with_workers(1);
  core.on_job(job("1"), t0);
  CHECK(core.on_job(job("1"), t0 + 1ms) == commands{reply_reject{"1", "Job 1 is already in the broker."}});
  core.on_worker_done("w1", {"1", job_status::ok, ""}, t0 + 2ms);
  CHECK(core.on_job(job("1"), t0 + 3ms)
        == commands{journaled("1"), assigned("1"), dispatched("w1", "1"), accepted("1")});
}

// -- 1.2 statistics --

TEST_CASE("runtime statistics count workers, queue, results and freezing", "[broker][core][stats]") {
  auto core = with_workers(2);
  CHECK(core.stats() == runtime_stats{0, 0, 2, 0, 0, 2, false});
  core.on_job(job("1"), t0 + 1s);
  core.on_job(job("2"), t0 + 1s);
  core.on_job(job("3"), t0 + 1s);
  CHECK(core.stats() == runtime_stats{0, 0, 0, 2, 1, 2, false});
  core.on_worker_done("w1", {"1", job_status::ok, ""}, t0 + 2s);    // w1 takes 3
  core.on_worker_done("w2", {"2", job_status::failed, "x"}, t0 + 2s);
  core.on_worker_done("w1", {"3", job_status::internal_error, "y"}, t0 + 3s); // waits to be retried
  core.on_freeze(true);
  CHECK(core.stats() == runtime_stats{1, 2, 2, 0, 1, 2, true});
}

// -- 2.1 init / ping / progress --

TEST_CASE("a registering worker takes the earliest queued job it matches", "[broker][core][init]") {
  auto core = with_workers(1);
  core.on_job(job("1"), t0 + 1s);
  core.on_job(job("2", {{"env", "python"}}), t0 + 1s); // nobody offers python: rejected
  core.on_worker_init(worker("w2", {{"env", "python"}}), t0 + 2s);
  core.on_job(job("3", {{"env", "python"}}), t0 + 3s); // w2 busy with it
  core.on_job(job("4", {{"env", "c"}}), t0 + 4s);     // queued for w1
  core.on_job(job("5", {{"env", "python"}}), t0 + 5s); // queued for w2
  CHECK(core.on_worker_init(worker("w3", {{"env", "python"}}), t0 + 6s)
        == commands{assigned("5"), send_job{{"w3", "5", payload}}});
}

TEST_CASE("init with only the terminator registers a worker with no headers", "[broker][core][init]") {
  broker_core core{test_config()};
  CHECK(core.on_worker_init(worker("w", {}, "g"), t0).empty());
  CHECK(core.knows_worker("w"));
  CHECK(core.on_job(job("1", {{"hwgroup", "g"}}), t0 + 1ms)
        == commands{journal_accept{job("1", {{"hwgroup", "g"}})}, assigned("1"), dispatched("w", "1"), accepted("1")});
}

TEST_CASE("a known worker's ping gets pong, an unknown one gets intro", "[broker][core][ping]") {
  auto core = with_workers(1);
  CHECK(core.on_worker_ping("w1", t0 + 1s) == commands{send_pong{"w1"}});
  CHECK(core.on_worker_ping("stranger", t0 + 1s) == commands{send_intro{"stranger"}});
}

TEST_CASE("progress is forwarded to the monitor without the progress frame", "[broker][core][progress]") {
  auto core = with_workers(1);
  core.on_job(job("1"), t0);
  CHECK(core.on_worker_progress("w1", {"1", "TASK", "run", "COMPLETED"}, t0 + 1s)
        == commands{send_progress{{"1", "TASK", "run", "COMPLETED"}}});
  CHECK(core.on_worker_progress("w1", {"1", "DOWNLOADED", "", ""}, t0 + 1s)
        == commands{monitor("1", "DOWNLOADED")});
  // The original forwards whatever it gets; so do we, even from an unknown identity.
  CHECK(core.on_worker_progress("x", {"9", "STARTED", "", ""}, t0 + 1s) == commands{monitor("9", "STARTED")});
}

// -- 2.3 liveness --

TEST_CASE("a new worker starts with full liveness and dies after max_liveness silent intervals",
          "[broker][core][liveness]") {
  auto core = with_workers(1);
  CHECK(core.on_tick(t0 + 4s).empty());
  CHECK(core.knows_worker("w1"));
  CHECK(core.on_tick(t0 + 4s + 1ms) == commands{forget_worker{"w1"}});
  CHECK_FALSE(core.knows_worker("w1"));
}

TEST_CASE("any message from a worker refreshes its liveness", "[broker][core][liveness]") {
  auto core = with_workers(1);
  core.on_job(job("1"), t0);
  core.on_worker_ping("w1", t0 + 3s);
  CHECK(core.on_tick(t0 + 6s).empty());
  core.on_worker_progress("w1", {"1", "STARTED", "", ""}, t0 + 6s);
  CHECK(core.on_tick(t0 + 9s).empty());
  core.on_worker_done("w1", {"1", job_status::ok, ""}, t0 + 9s);
  CHECK(core.on_tick(t0 + 12s).empty());
  core.on_worker_init(worker("w1"), t0 + 12s); // identical init: ignored but alive
  CHECK(core.on_tick(t0 + 16s).empty());
  CHECK(core.on_tick(t0 + 16s + 1ms) == commands{forget_worker{"w1"}});
}

TEST_CASE("liveness follows the configured interval and bound", "[broker][core][liveness]") {
  auto config = test_config();
  config.ping_interval = 100ms;
  config.max_liveness = 10;
  auto core = with_workers(1, config);
  CHECK(core.on_tick(t0 + 1000ms).empty());
  CHECK(core.on_tick(t0 + 1001ms) == commands{forget_worker{"w1"}});
}

// -- 2.4 done --

TEST_CASE("done OK reports OK and the worker takes the next queued job", "[broker][core][done]") {
  auto core = with_workers(1);
  core.on_job(job("1"), t0);
  core.on_job(job("2"), t0);
  CHECK(core.on_worker_done("w1", {"1", job_status::ok, ""}, t0 + 1s)
        == commands{finished("1"), reported_ok("1"), assigned("2"), dispatched("w1", "2")});
  CHECK(core.stats().evaluated_jobs == 1);
}

TEST_CASE("done FAILED reports the message and is never retried", "[broker][core][done]") {
  auto core = with_workers(1);
  core.on_job(job("1"), t0);
  CHECK(core.on_worker_done("w1", {"1", job_status::failed, "bad job config"}, t0 + 1s) ==
        commands{finished_failed("1", "bad job config"), reported_failed("1", "bad job config")});
  CHECK(core.stats() == runtime_stats{0, 1, 1, 0, 0, 1, false});
}

TEST_CASE("done INTERNAL_ERROR re-queues the job after a second, here onto the same idle worker",
          "[broker][core][done][backoff]") {
  auto core = with_workers(1);
  core.on_job(job("1"), t0);
  CHECK(
      core.on_worker_done("w1", {"1", job_status::internal_error, "no archive"}, t0 + 1s).empty());
  CHECK(core.stats().failed_jobs == 1);
  CHECK(core.stats().queued_jobs == 1);
  CHECK(core.on_tick(t0 + 1999ms).empty());
  CHECK(core.on_tick(t0 + 2s) == commands{assigned("1", 1), dispatched("w1", "1")});
  CHECK(core.stats().queued_jobs == 0);
}

TEST_CASE(
    "with no back-off configured an INTERNAL_ERROR is re-queued at once, as the original does",
    "[broker][core][done][backoff]") {
  auto config = test_config();
  config.internal_error_backoff = 0ms;
  auto core = with_workers(1, config);
  core.on_job(job("1"), t0);
  CHECK(core.on_worker_done("w1", {"1", job_status::internal_error, "no archive"}, t0 + 1s) ==
        commands{assigned("1", 1), dispatched("w1", "1")});
}

TEST_CASE("the back-off doubles per failure of the job up to its cap",
          "[broker][core][done][backoff]") {
  auto config = test_config();
  config.max_request_failures = 10;
  config.internal_error_backoff = 1s;
  config.max_internal_error_backoff = 5s;
  auto core = with_workers(1, config);
  core.on_job(job("1"), t0);
  auto t = t0;
  for (auto wait : {1s, 2s, 4s, 5s, 5s}) {
    INFO("wait " << wait.count() << " s");
    core.on_worker_done("w1", {"1", job_status::internal_error, "file server down"}, t);
    core.on_worker_ping("w1", t + wait - 1ms);
    CHECK(core.on_tick(t + wait - 1ms).empty());
    auto out = core.on_tick(t + wait);
    REQUIRE(out.size() == 2);
    CHECK(out[1] == dispatched("w1", "1"));
    t += wait;
  }
}

TEST_CASE(
    "a worker free during a back-off takes other jobs; the retry goes to whoever is idle then",
    "[broker][core][done][backoff]") {
  auto core = with_workers(2);
  core.on_job(job("1"), t0 + 1s); // w1 (idle longest)
  core.on_job(job("2"), t0 + 1s); // w2
  core.on_job(job("3"), t0 + 1s); // queued
  CHECK(core.on_worker_done("w1", {"1", job_status::internal_error, "x"}, t0 + 2s) ==
        commands{assigned("3"), dispatched("w1", "3")});
  core.on_worker_done("w2", {"2", job_status::ok, ""}, t0 + 2500ms);
  core.on_worker_ping("w1", t0 + 3s);
  CHECK(core.on_tick(t0 + 3s) == commands{assigned("1", 1), dispatched("w2", "1")});
}

TEST_CASE("a job whose capable workers all left during its back-off fails when it is due",
          "[broker][core][done][backoff]") {
  auto core = with_workers(1);
  core.on_job(job("1"), t0);
  core.on_worker_done("w1", {"1", job_status::internal_error, "x"}, t0 + 1s);
  CHECK(core.on_worker_down("w1", t0 + 1500ms) == commands{forget_worker{"w1"}});
  CHECK(core.on_tick(t0 + 2s) ==
        commands{monitor("1", "FAILED"),
                 finished_failed("1", "No worker available for given headers: hwgroup=group1; "),
                 reported_failed("1", "No worker available for given headers: hwgroup=group1; ")});
}

TEST_CASE("INTERNAL_ERROR up to max_request_failures, then FAILED with the original's text",
          "[broker][core][done]") {
  const std::string too_many = "Job was reassigned too many (2) times. Last failure message was: "
                               "Job configuration not found";
  auto core = with_workers(1);
  core.on_job(job("1"), t0);
  core.on_worker_done("w1", {"1", job_status::internal_error, "a"}, t0 + 1s);
  core.on_tick(t0 + 2s); // retried after 1 s
  core.on_worker_done("w1", {"1", job_status::internal_error, "b"}, t0 + 3s);
  core.on_job(job("2"), t0 + 3s); // taken by the idle worker during the back-off
  core.on_worker_done("w1", {"2", job_status::ok, ""}, t0 + 4s);
  core.on_job(job("3"), t0 + 4s);
  core.on_worker_ping("w1", t0 + 5s);
  CHECK(core.on_tick(t0 + 5s) == commands{}); // after 2 s; w1 is busy with 3
  CHECK(core.on_worker_done("w1", {"3", job_status::ok, ""}, t0 + 5500ms) ==
        commands{finished("3"), reported_ok("3"), assigned("1", 2), dispatched("w1", "1")});
  CHECK(core.on_worker_done("w1", {"1", job_status::internal_error, "Job configuration not found"},
                            t0 + 6s) == commands{monitor("1", "FAILED"),
                                                 finished_failed("1", too_many),
                                                 reported_failed("1", too_many)});
  CHECK(core.stats().failed_jobs == 3);
}

TEST_CASE("max_request_failures of 1 fails on the first internal error", "[broker][core][done]") {
  auto config = test_config();
  config.max_request_failures = 1;
  auto core = with_workers(1, config);
  core.on_job(job("1"), t0);
  CHECK(core.on_worker_done("w1", {"1", job_status::internal_error, "m"}, t0 + 1s) ==
        commands{monitor("1", "FAILED"),
                 finished_failed(
                     "1", "Job was reassigned too many (0) times. Last failure message was: m"),
                 reported_failed(
                     "1", "Job was reassigned too many (0) times. Last failure message was: m")});
}

TEST_CASE("done for another job, from an idle worker or from a stranger is ignored", "[broker][core][done]") {
  auto core = with_workers(2);
  core.on_job(job("1"), t0);
  CHECK(core.on_worker_done("w1", {"2", job_status::ok, ""}, t0 + 1s)
        == commands{log_warning{"done for job 2 which worker 7731 is not running"}});
  CHECK(core.on_worker_done("w2", {"1", job_status::ok, ""}, t0 + 1s)
        == commands{log_warning{"done for job 1 which worker 7732 is not running"}});
  CHECK(core.on_worker_done("zz", {"1", job_status::ok, ""}, t0 + 1s)
        == commands{log_warning{"done for job 1 from unknown worker 7a7a"}});
  CHECK(core.stats() == runtime_stats{0, 0, 1, 1, 0, 2, false});
}

// -- 2.5 worker death --

TEST_CASE("a silent worker's job is re-queued to another worker after four missed pings", "[broker][core][death]") {
  auto core = with_workers(2);
  core.on_job(job("1"), t0 + 1s); // w1
  core.on_worker_ping("w2", t0 + 4s);
  CHECK(core.on_tick(t0 + 4s + 1ms)
        == commands{forget_worker{"w1"}, monitor("1", "ABORTED"), assigned("1", 1), dispatched("w2", "1")});
}

TEST_CASE("a re-queued job waits for a busy capable worker", "[broker][core][death]") {
  auto core = with_workers(2);
  core.on_job(job("1"), t0 + 1s); // w1
  core.on_job(job("2"), t0 + 1s); // w2
  core.on_worker_ping("w2", t0 + 4s);
  CHECK(core.on_tick(t0 + 4s + 1ms) == commands{forget_worker{"w1"}, monitor("1", "ABORTED")});
  CHECK(core.on_worker_done("w2", {"2", job_status::ok, ""}, t0 + 5s)
        == commands{finished("2"), reported_ok("2"), assigned("1", 1), dispatched("w2", "1")});
}

TEST_CASE("a dead worker's job nobody else can serve is FAILED: dieded", "[broker][core][death]") {
  broker_core core{test_config()};
  core.on_worker_init(worker("w1", {{"env", "c"}}, "group1", "", "box"), t0);
  core.on_job(job("1"), t0);
  CHECK(core.on_tick(t0 + 5s) == commands{forget_worker{"w1"}, monitor("1", "FAILED"),
                                          finished_failed("1", "Worker 7731 (box) dieded"),
                                          reported_failed("1", "Worker 7731 (box) dieded")});
}

TEST_CASE("a job that outlived too many workers is FAILED", "[broker][core][death]") {
  auto core = with_workers(3);
  core.on_job(job("1"), t0); // w1
  core.on_worker_ping("w2", t0 + 4s);
  core.on_worker_ping("w3", t0 + 4s);
  core.on_tick(t0 + 4s + 1ms); // w1 dies, job to w2 (failures 1)
  core.on_worker_ping("w3", t0 + 8s);
  core.on_tick(t0 + 8s + 1ms); // w2 dies, job to w3 (failures 2)
  CHECK(core.on_tick(t0 + 12s + 1ms) ==
        commands{
            forget_worker{"w3"}, monitor("1", "FAILED"),
            finished_failed("1", "Job was reassigned too many (2) times. Last failure message was: "
                                 "Worker timed out and its job cannot be reassigned"),
            reported_failed("1", "Job was reassigned too many (2) times. Last failure message was: "
                                 "Worker timed out and its job cannot be reassigned")});
}

TEST_CASE("queued jobs only the dead worker could serve fail with it (single)", "[broker][core][death]") {
  broker_core core{test_config()};
  core.on_worker_init(worker("w1", {{"env", "c"}}), t0);
  core.on_worker_init(worker("w2", {{"env", "java"}}), t0);
  core.on_job(job("1", {{"env", "c"}}), t0);
  core.on_job(job("2", {{"env", "c"}}), t0);
  core.on_worker_ping("w2", t0 + 4s);
  CHECK(core.on_tick(t0 + 4s + 1ms) == commands{forget_worker{"w1"}, monitor("1", "FAILED"),
                                                finished_failed("1", "Worker 7731 dieded"),
                                                reported_failed("1", "Worker 7731 dieded"),
                                                monitor("2", "FAILED"),
                                                finished_failed("2", "Worker 7731 dieded"),
                                                reported_failed("2", "Worker 7731 dieded")});
  CHECK(core.stats().queued_jobs == 0);
}

TEST_CASE("a native worker going down is a death at once", "[broker][core][death]") {
  auto core = with_workers(2);
  core.on_job(job("1"), t0);
  CHECK(core.on_worker_down("w1", t0 + 1ms)
        == commands{forget_worker{"w1"}, monitor("1", "ABORTED"), assigned("1", 1), dispatched("w2", "1")});
  CHECK(core.on_worker_down("w1", t0 + 2ms).empty());
}

// -- 2.7 queue managers --

TEST_CASE("single: the longest-idle matching worker gets the job", "[broker][core][single]") {
  auto core = with_workers(3);
  core.on_job(job("1"), t0 + 1s); // w1
  core.on_job(job("2"), t0 + 1s); // w2
  core.on_worker_done("w1", {"1", job_status::ok, ""}, t0 + 2s);
  // w3 idle since t0+2ms, w1 since t0+2s.
  CHECK(core.on_job(job("3"), t0 + 3s) == commands{journaled("3"), assigned("3"), dispatched("w3", "3"), accepted("3")});
  CHECK(core.on_job(job("4"), t0 + 3s) == commands{journaled("4"), assigned("4"), dispatched("w1", "4"), accepted("4")});
}

TEST_CASE("single: a free worker skips queued jobs it cannot serve", "[broker][core][single]") {
  broker_core core{test_config()};
  core.on_worker_init(worker("c", {{"env", "c"}}), t0);
  core.on_worker_init(worker("py", {{"env", "py"}}), t0);
  core.on_job(job("1", {{"env", "c"}}), t0);
  core.on_job(job("2", {{"env", "py"}}), t0);
  core.on_job(job("3", {{"env", "py"}}), t0); // queued
  core.on_job(job("4", {{"env", "c"}}), t0);  // queued
  CHECK(core.on_worker_done("c", {"1", job_status::ok, ""}, t0 + 1s)
        == commands{finished("1"), reported_ok("1"), assigned("4"), send_job{{"c", "4", payload}}});
}

TEST_CASE("multi: workers are chosen in rotation, new ones first, with private queues", "[broker][core][multi]") {
  auto core = with_workers(2, test_config(queue_policy::multi)); // rotation: w2, w1
  CHECK(core.on_job(job("1"), t0 + 1s) == commands{journaled("1"), assigned("1"), dispatched("w2", "1"), accepted("1")});
  CHECK(core.on_job(job("2"), t0 + 1s) == commands{journaled("2"), assigned("2"), dispatched("w1", "2"), accepted("2")});
  CHECK(core.on_job(job("3"), t0 + 1s) == commands{journaled("3"), accepted("3")}); // w2's queue
  CHECK(core.on_job(job("4"), t0 + 1s) == commands{journaled("4"), accepted("4")}); // w1's queue
  CHECK(core.stats().queued_jobs == 2);
  // Jobs never migrate: w1 finishing takes its own 4, not w2's 3.
  CHECK(core.on_worker_done("w1", {"2", job_status::ok, ""}, t0 + 2s)
        == commands{finished("2"), reported_ok("2"), assigned("4"), dispatched("w1", "4")});
  CHECK(core.on_worker_done("w1", {"4", job_status::ok, ""}, t0 + 3s) == commands{finished("4"), reported_ok("4")});
}

TEST_CASE("multi: a dead worker's private queue is re-enqueued", "[broker][core][multi][death]") {
  auto core = with_workers(2, test_config(queue_policy::multi)); // rotation: w2, w1
  core.on_job(job("1"), t0); // w2
  core.on_job(job("2"), t0); // w1
  core.on_job(job("3"), t0); // w2's queue
  core.on_worker_ping("w1", t0 + 4s);
  CHECK(core.on_tick(t0 + 4s + 2ms)
        == commands{forget_worker{"w2"}, monitor("1", "ABORTED"), monitor("3", "ABORTED")});
  CHECK(core.stats().queued_jobs == 2);
  CHECK(core.on_worker_done("w1", {"2", job_status::ok, ""}, t0 + 5s)
        == commands{finished("2"), reported_ok("2"), assigned("1", 1), dispatched("w1", "1")});
}

TEST_CASE("multi: rejects what no worker can serve", "[broker][core][multi]") {
  auto core = with_workers(1, test_config(queue_policy::multi));
  CHECK(core.on_job(job("1", {{"env", "go"}}), t0)
        == commands{reply_reject{"1", "No worker available for given headers: env=go; "}, monitor("1", "FAILED")});
}

// -- 2.8 duplicate init --

TEST_CASE("an identical init from a known worker is ignored", "[broker][core][init]") {
  auto core = with_workers(1);
  core.on_job(job("1"), t0);
  CHECK(core.on_worker_init(worker("w1", {{"env", "c"}}, "group1", "1"), t0 + 1s).empty());
  CHECK(core.stats().jobs_in_progress == 1);
}

TEST_CASE("a different init from a known identity notifies and replaces the record", "[broker][core][init]") {
  auto core = with_workers(1);
  CHECK(core.on_worker_init(worker("w1", {{"env", "python"}}), t0 + 1s)
        == commands{notify_error{"Received two different INIT messages from the same worker (7731)"},
                    forget_worker{"w1"}});
  CHECK(core.worker_count() == 1);
  CHECK(core.on_job(job("1", {{"env", "c"}}), t0 + 2s)
        == commands{reply_reject{"1", "No worker available for given headers: env=c; "}, monitor("1", "FAILED")});
}

TEST_CASE("a replacing init keeps the job it still reports", "[broker][core][init]") {
  auto core = with_workers(1);
  core.on_job(job("1"), t0);
  CHECK(core.on_worker_init(worker("w1", {{"env", "c"}, {"env", "py"}}, "group1", "1"), t0 + 1s)
        == commands{notify_error{"Received two different INIT messages from the same worker (7731)"},
                    forget_worker{"w1"}, assigned("1")});
  CHECK(core.on_worker_done("w1", {"1", job_status::ok, ""}, t0 + 2s) == commands{finished("1"), reported_ok("1")});
}

TEST_CASE(
    "a re-init without a job soon after an eval crossed that eval: the job stays with the worker",
    "[broker][core][init]") {
  auto core = with_workers(2);
  core.on_job(job("1"), t0 + 1s); // w1; its init (an answer to an intro) is already on its way
  CHECK(core.on_worker_init(worker("w1"), t0 + 1s + 5ms).empty());
  CHECK(core.on_worker_init(worker("w1"), t0 + 5s).empty()); // still within max_liveness pings
  CHECK(core.on_worker_done("w1", {"1", job_status::ok, ""}, t0 + 6s) ==
        commands{finished("1"), reported_ok("1")});
}

TEST_CASE(
    "a re-init that no longer reports its job long after it was handed out hands the job back",
    "[broker][core][init]") {
  auto core = with_workers(2);
  core.on_job(job("1"), t0 + 1s); // w1
  CHECK(core.on_worker_init(worker("w1"), t0 + 5s + 1ms) ==
        commands{forget_worker{"w1"}, monitor("1", "ABORTED"), assigned("1", 1),
                 dispatched("w2", "1")});
  CHECK(core.knows_worker("w1"));
}

TEST_CASE("a re-init that still names a job whose done arrived is stale and changes nothing",
          "[broker][core][init]") {
  auto core = with_workers(1);
  core.on_job(job("1"), t0);
  core.on_job(job("2"), t0);
  // w1 sent done 1, then (not having heard from us yet) init naming 1 and done 1 again; the
  // broker gave it job 2 in between.
  CHECK(core.on_worker_done("w1", {"1", job_status::ok, ""}, t0 + 1s) ==
        commands{finished("1"), reported_ok("1"), assigned("2"), dispatched("w1", "2")});
  CHECK(core.on_worker_init(worker("w1", {{"env", "c"}}, "group1", "1"), t0 + 1s + 1ms).empty());
  CHECK(core.on_worker_done("w1", {"1", job_status::ok, ""}, t0 + 1s + 2ms) ==
        commands{
            log_warning{"done for job 1 repeated by worker 7731: the broker is through with it"}});
  CHECK(core.stats().jobs_in_progress == 1);
  CHECK(core.on_worker_done("w1", {"2", job_status::ok, ""}, t0 + 2s) ==
        commands{finished("2"), reported_ok("2")});
}

TEST_CASE("a repeated init and done after an INTERNAL_ERROR do not count the failure twice",
          "[broker][core][init][backoff]") {
  auto core = with_workers(1);
  core.on_job(job("1"), t0);
  core.on_worker_done("w1", {"1", job_status::internal_error, "x"}, t0 + 1s);
  // The same worker repeats itself, then comes back on a new connection doing the same.
  CHECK(core.on_worker_init(worker("w1", {{"env", "c"}}, "group1", "1"), t0 + 1100ms).empty());
  CHECK(core.on_worker_done("w1", {"1", job_status::internal_error, "x"}, t0 + 1200ms) ==
        commands{
            log_warning{"done for job 1 repeated by worker 7731: the broker is through with it"}});
  CHECK(core.on_worker_init(worker("w1b", {{"env", "c"}}, "group1", "1"), t0 + 1300ms).empty());
  CHECK(core.stats().idle_worker_count == 2);
  CHECK(core.stats().failed_jobs == 1);
  CHECK(core.on_tick(t0 + 2s) == commands{assigned("1", 1), dispatched("w1", "1")});
}

TEST_CASE("a worker naming its job on a new connection takes it from its old record, which goes",
          "[broker][core][init]") {
  auto core = with_workers(2);
  core.on_job(job("1"), t0 + 1s); // w1
  CHECK(core.on_worker_init(worker("w1-again", {{"env", "c"}}, "group1", "1"), t0 + 2s) ==
        commands{forget_worker{"w1"}, assigned("1")});
  CHECK_FALSE(core.knows_worker("w1"));
  CHECK(core.stats().jobs_in_progress == 1);
  // The old record's liveness running out later changes nothing; the job is reported once.
  core.on_worker_ping("w2", t0 + 5s);
  core.on_worker_ping("w1-again", t0 + 5s);
  CHECK(core.on_tick(t0 + 5s + 1ms).empty());
  CHECK(core.on_worker_done("w1-again", {"1", job_status::ok, ""}, t0 + 6s) ==
        commands{finished("1"), reported_ok("1")});
}

// -- orphans (2.1 current_job=) --

TEST_CASE("a worker reporting an unknown current_job is busy with an orphan", "[broker][core][orphan]") {
  broker_core core{test_config()};
  CHECK(core.on_worker_init(worker("w1", {{"env", "c"}}, "group1", "student_9"), t0).empty());
  CHECK(core.stats() == runtime_stats{0, 0, 0, 1, 0, 1, false});
  core.on_job(job("1"), t0 + 1ms); // queued behind the orphan
  CHECK(core.on_worker_done("w1", {"student_9", job_status::ok, ""}, t0 + 1s)
        == commands{finished("student_9"), reported_ok("student_9"), assigned("1"), dispatched("w1", "1")});
}

TEST_CASE("an orphan's internal error cannot be retried", "[broker][core][orphan]") {
  broker_core core{test_config()};
  core.on_worker_init(worker("w1", {}, "g", "o"), t0);
  CHECK(core.on_worker_done("w1", {"o", job_status::internal_error, "boom"}, t0 + 1s) ==
        commands{finished_failed("o", "Job failed with 'boom' and cannot be reassigned"),
                 reported_failed("o", "Job failed with 'boom' and cannot be reassigned")});
}

TEST_CASE("an orphan's worker dying fails the orphan", "[broker][core][orphan][death]") {
  auto core = with_workers(1);
  core.on_worker_init(worker("w2", {{"env", "c"}}, "group1", "o"), t0);
  core.on_worker_ping("w1", t0 + 4s);
  CHECK(core.on_tick(t0 + 4s + 1ms) ==
        commands{forget_worker{"w2"}, monitor("o", "FAILED"),
                 finished_failed("o", "Worker timed out and its job cannot be reassigned"),
                 reported_failed("o", "Worker timed out and its job cannot be reassigned")});
}

TEST_CASE("a worker coming back with a job that was re-queued takes it back", "[broker][core][orphan]") {
  auto core = with_workers(2);
  core.on_job(job("1"), t0); // w1
  core.on_job(job("2"), t0); // w2
  core.on_worker_ping("w2", t0 + 4s);
  core.on_tick(t0 + 4s + 1ms); // w1 dead, 1 queued
  CHECK(core.on_worker_init(worker("w1", {{"env", "c"}}, "group1", "1"), t0 + 5s) == commands{assigned("1", 1)});
  CHECK(core.stats().queued_jobs == 0);
}

// -- recovery from the journal --

TEST_CASE("recovered jobs wait for a capable worker and a running one for its worker", "[broker][core][recovery]") {
  broker_core core{test_config()};
  CHECK(core.recover({{job("q1"), 0, false}, {job("r1"), 1, true}, {job("q2"), 0, false}}, t0).empty());
  CHECK(core.stats().queued_jobs == 3);
  // The worker that ran r1 comes back: it keeps r1, the queued ones wait for it.
  CHECK(core.on_worker_init(worker("w1", {{"env", "c"}}, "group1", "r1"), t0 + 1s)
        == commands{assigned("r1", 1)});
  CHECK(core.on_worker_init(worker("w2"), t0 + 2s) == commands{assigned("q1"), dispatched("w2", "q1")});
  CHECK(core.on_worker_done("w1", {"r1", job_status::ok, ""}, t0 + 3s)
        == commands{finished("r1"), reported_ok("r1"), assigned("q2"), dispatched("w1", "q2")});
}

TEST_CASE("after the grace period, unclaimed running jobs are re-queued and unservable ones fail",
          "[broker][core][recovery]") {
  broker_core core{test_config()};
  core.recover({{job("r1"), 0, true}, {job("j", {{"env", "go"}}), 0, false}}, t0);
  core.on_worker_init(worker("w1"), t0 + 1s);
  core.on_worker_ping("w1", t0 + 9s);
  CHECK(core.on_tick(t0 + 9s).empty());
  CHECK(core.on_tick(t0 + 10s) ==
        commands{monitor("r1", "ABORTED"), assigned("r1", 1), dispatched("w1", "r1"),
                 monitor("j", "FAILED"),
                 finished_failed("j", "No worker available for given headers: env=go; "),
                 reported_failed("j", "No worker available for given headers: env=go; ")});
  CHECK(core.on_tick(t0 + 11s).empty());
}

TEST_CASE("a done sent while the broker was down counts for the recovered job it names",
          "[broker][core][recovery]") {
  broker_core core{test_config()};
  core.recover({{job("r1"), 0, true}}, t0);
  // The worker's queued `done` arrives before its new `init`.
  CHECK(core.on_worker_done("w1", {"r1", job_status::ok, ""}, t0 + 1s)
        == commands{finished("r1"), reported_ok("r1")});
  CHECK(core.stats().jobs_in_progress == 0);
  // Its init still names the job (it had not heard back): busy with it, nothing reported again.
  CHECK(core.on_worker_init(worker("w1", {{"env", "c"}}, "group1", "r1"), t0 + 2s).empty());
  CHECK(core.on_worker_done("w1", {"r1", job_status::ok, ""}, t0 + 3s).size() == 1); // a warning only
  for (const auto& c : core.on_tick(t0 + 10s)) // the grace ends: nothing left to report
    CHECK_FALSE(std::holds_alternative<notify_job_status>(c));
}

TEST_CASE(
    "a done for a recovered job counts even from a worker registered idle on another connection",
    "[broker][core][recovery]") {
  broker_core core{test_config()};
  core.recover({{job("r1"), 0, true}, {job("q1"), 0, false}}, t0);
  // The worker's new connection registered first (idle: it takes q1), its old one delivers the
  // done it held.
  CHECK(core.on_worker_init(worker("w1"), t0 + 1s) ==
        commands{assigned("q1"), dispatched("w1", "q1")});
  CHECK(core.on_worker_done("w1", {"r1", job_status::ok, ""}, t0 + 1100ms) ==
        commands{finished("r1"), reported_ok("r1")});
  CHECK(core.stats().jobs_in_progress == 1);
}

TEST_CASE("a done from an unknown worker for a job nobody waits for is only logged", "[broker][core][recovery]") {
  broker_core core{test_config()};
  auto out = core.on_worker_done("w9", {"x", job_status::ok, ""}, t0);
  REQUIRE(out.size() == 1);
  CHECK(std::holds_alternative<log_warning>(out[0]));
}

TEST_CASE("within the recovery grace a job whose worker died waits for a capable worker instead of failing",
          "[broker][core][recovery][death]") {
  broker_core core{test_config()};
  core.recover({{job("r1"), 0, true}}, t0);
  core.on_worker_init(worker("w1", {{"env", "c"}}, "group1", "r1"), t0 + 1s);
  // w1 re-registers idle well after (a second init): the record is replaced, r1 counts as its
  // death.
  CHECK(core.on_worker_init(worker("w1"), t0 + 6s) ==
        commands{forget_worker{"w1"}, monitor("r1", "ABORTED"), assigned("r1", 1),
                 dispatched("w1", "r1")});
}

TEST_CASE("a recovered job held after its worker's death fails only when the grace ends",
          "[broker][core][recovery][death]") {
  broker_core core{test_config()};
  core.recover({{job("r1", {{"env", "go"}}), 0, true}}, t0);
  core.on_worker_init(worker("w1", {{"env", "c"}}, "group1", "r1"), t0 + 1s);
  CHECK(core.on_worker_down("w1", t0 + 2s) == commands{forget_worker{"w1"}, monitor("r1", "ABORTED")});
  CHECK(core.stats().queued_jobs == 1);
  auto out = core.on_tick(t0 + 10s);
  CHECK(std::find(out.begin(), out.end(), monitor("r1", "FAILED")) != out.end());
}

TEST_CASE("a job reported already is not reported again when its worker comes back with it",
          "[broker][core][orphan]") {
  auto core = with_workers(1);
  core.on_job(job("1"), t0);
  core.on_tick(t0 + 5s); // w1 dead, nobody else: job 1 FAILED and reported
  CHECK(core.stats().jobs_in_progress == 0);
  // w1 comes back still running it, then finishes it.
  CHECK(core.on_worker_init(worker("w1", {{"env", "c"}}, "group1", "1"), t0 + 6s).empty());
  CHECK(core.stats().idle_worker_count == 0);
  core.on_job(job("2"), t0 + 6s); // queued behind the old job
  CHECK(core.on_worker_done("w1", {"1", job_status::ok, ""}, t0 + 7s)
        == commands{log_warning{"done for job 1 ignored: it was reported already"}, assigned("2"),
                    dispatched("w1", "2")});
}

TEST_CASE("reports owed from before a restart are sent again at recovery, and not a third time for "
          "a worker "
          "coming back with the job",
          "[broker][core][recovery][delivery]") {
  broker_core core{test_config()};
  const job_status_report failed{"f1", job_status::failed, "bad config"};
  CHECK(core.recover(
            recovered_state{{{job("q1"), 0, false}}, {{"r1", job_status::ok, ""}, failed}, {}},
            t0) == commands{reported_ok("r1"), notify_job_status{failed}});
  CHECK(core.stats().queued_jobs == 1);
  // The worker that ran r1 did not hear from the broker before it died: it names it again.
  CHECK(core.on_worker_init(worker("w1", {{"env", "c"}}, "group1", "r1"), t0 + 1s).empty());
  CHECK(core.on_worker_done("w1", {"r1", job_status::ok, ""}, t0 + 2s) ==
        commands{log_warning{"done for job r1 ignored: it was reported already"}, assigned("q1"),
                 dispatched("w1", "q1")});
}

TEST_CASE(
    "a job finished just before a restart is not reported again when its worker repeats its done",
    "[broker][core][recovery]") {
  broker_core core{test_config()};
  core.recover(recovered_state{{{job("q1"), 0, false}}, {}, {"f1"}}, t0);
  // The worker had not heard back before the broker died: it repeats progress, init and done.
  CHECK(core.on_worker_progress("w1", {"f1", "FINISHED", "", ""}, t0 + 1s).empty());
  CHECK(core.on_worker_init(worker("w1", {{"env", "c"}}, "group1", "f1"), t0 + 1s).empty());
  CHECK(core.on_worker_progress("w1", {"f1", "FINISHED", "", ""}, t0 + 1s).empty());
  CHECK(core.on_worker_done("w1", {"f1", job_status::ok, ""}, t0 + 1s) ==
        commands{log_warning{"done for job f1 ignored: it was reported already"}, assigned("q1"),
                 dispatched("w1", "q1")});
  CHECK(core.on_worker_progress("w1", {"q1", "STARTED", "", ""}, t0 + 2s) ==
        commands{monitor("q1", "STARTED")});
}

TEST_CASE(
    "progress of a reported job is a repetition and not forwarded, unless the id is live again",
    "[broker][core][progress]") {
  auto core = with_workers(1);
  core.on_job(job("1"), t0);
  core.on_worker_progress("w1", {"1", "FINISHED", "", ""}, t0 + 1s);
  core.on_worker_done("w1", {"1", job_status::ok, ""}, t0 + 1s);
  CHECK(core.on_worker_progress("w1", {"1", "FINISHED", "", ""}, t0 + 2s).empty());
  core.on_job(job("1"), t0 + 3s); // submitted again
  CHECK(core.on_worker_progress("w1", {"1", "STARTED", "", ""}, t0 + 4s) ==
        commands{monitor("1", "STARTED")});
}

TEST_CASE("a settled report (delivered or given up) is written to the journal", "[broker][core][delivery]") {
  auto core = with_workers(1);
  core.on_job(job("1"), t0);
  core.on_worker_done("w1", {"1", job_status::ok, ""}, t0 + 1s);
  CHECK(core.on_report_settled("1") == commands{journal_settled{"1"}});
}

TEST_CASE("recovered ids are live: a duplicate eval is refused", "[broker][core][recovery]") {
  auto core = with_workers(1);
  core.recover({{job("1"), 0, false}}, t0);
  CHECK(core.on_job(job("1"), t0) == commands{reply_reject{"1", "Job 1 is already in the broker."}});
}

// -- printing --

TEST_CASE("commands print readably", "[broker][core]") {
  CHECK(to_string(dispatched("w", "j")) == R"(send_job{"w", "j", ["http://api/archive", "http://api/result"]})");
  CHECK(to_string(reported_failed("j", "m")) == R"(notify_job_status{"j", FAILED, "m"})");
  CHECK(to_string(finished_failed("j", "m")) == R"(journal_finish{"j", FAILED, "m"})");
  CHECK(to_string(command{journal_settled{"j"}}) == R"(journal_settled{"j"})");
  CHECK(to_string(command{send_pong{std::string("\0", 1)}}) == R"(send_pong{"\x00"})");
  CHECK(to_string(queue_policy::multi) == "multi");
}

TEST_CASE("a worker death with a long queue keeps the jobs others can serve", "[broker][core][death]") {
  auto core = with_workers(2);
  for (int i = 0; i < 20000; ++i)
    core.on_job(job("j" + std::to_string(i)), t0);
  core.on_worker_ping("w2", t0 + 4s);
  // j0 goes to the back of the queue: w2 is busy with j1.
  CHECK(core.on_tick(t0 + 4s + 1ms) == commands{forget_worker{"w1"}, monitor("j0", "ABORTED")});
  CHECK(core.stats().queued_jobs == 19999);
  CHECK(core.stats().worker_count == 1);
}
