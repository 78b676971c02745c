// The recodex-broker process against plain ZeroMQ DEALER sockets playing the core API and
// ReCodEx workers, a ROUTER playing the ReCodEx monitor and an HTTP server playing the core
// API's broker-reports endpoint: exact frame sequences of spec sections 1-3 and 11.
#include "tests/conformance/broker/broker_fixture.hpp"
#include "tests/harness/self_signed_certificate.hpp"

#include <catch2/catch.hpp>

using namespace recodex::testing;

namespace {

struct options {
  int max_request_failures = 3;
  int http_failures = 0;
};

// Test workers ping only when a test says so, so the default liveness window (30 x 100 ms) is
// long enough that a loaded machine never expires them mid-test; the liveness test uses 3.
std::string yaml(std::uint16_t monitor_port, std::uint16_t http_port, int max_request_failures = 3,
                 const std::string& extra = "", int max_liveness = 30) {
  std::string y = "clients: {address: 127.0.0.1, port: 0}\n"
                  "workers: {address: 127.0.0.1, port: 0, ping_interval: 100, max_liveness: "
                  + std::to_string(max_liveness) + ", "
                  "max_request_failures: " + std::to_string(max_request_failures) + "}\n"
                  "monitor: {address: 127.0.0.1, port: " + std::to_string(monitor_port) + "}\n"
                  "logger: {level: critical}\n";
  if (http_port)
    y += "notifier: {address: http://127.0.0.1:" + std::to_string(http_port)
         + "/api/v1/broker-reports, username: re, password: codex}\n";
  return y + extra;
}

const frames init_frames{"init", "group1", "env=c-gcc-linux", "env=python3", "threads=1", "",
                         "description=peers_worker_1"};

// Registers a worker and waits until the broker knows it (pong after init on one connection).
void join(dealer& w, frames init = init_frames) {
  w.send(init);
  w.send({"ping"});
  auto reply = w.recv();
  REQUIRE(reply);
  REQUIRE(*reply == frames{"pong"});
}

frames eval(const std::string& id, const std::string& env = "python3") {
  return {"eval", id, "hwgroup=group1", "env=" + env, "", "http://api/archive/" + id, "http://api/result/" + id};
}

// One request the way the core API's BrokerProxy does it: a fresh DEALER.
std::vector<frames> request(std::uint16_t port, const frames& message, int replies) {
  dealer client{port};
  client.send(message);
  std::vector<frames> out;
  for (int i = 0; i < replies; ++i) {
    auto m = client.recv();
    if (!m)
      break;
    out.push_back(*m);
  }
  return out;
}

frames stats(std::uint16_t port) {
  auto r = request(port, {"get-runtime-stats"}, 1);
  REQUIRE(r.size() == 1);
  return r[0];
}

const std::string basic_re_codex = "Basic cmU6Y29kZXg=";

} // namespace

TEST_CASE("eval gets ack, the worker gets eval with the payload verbatim, then accept", "[broker][conformance]") {
  monitor_router monitor;
  broker_process broker{yaml(monitor.port(), 0)};
  dealer worker{broker.workers_port()};
  join(worker);
  CHECK(request(broker.clients_port(), eval("student_peer4"), 2) == std::vector<frames>{{"ack"}, {"accept"}});
  CHECK(worker.recv() == frames{"eval", "student_peer4", "http://api/archive/student_peer4", "http://api/result/student_peer4"});
}

TEST_CASE("eval nobody can serve: ack, reject with the headers, FAILED to the monitor", "[broker][conformance]") {
  monitor_router monitor;
  broker_process broker{yaml(monitor.port(), 0)};
  dealer worker{broker.workers_port()};
  join(worker);
  CHECK(request(broker.clients_port(), eval("j1", "java"), 2)
        == std::vector<frames>{{"ack"}, {"reject", "No worker available for given headers: env=java; hwgroup=group1; "}});
  CHECK(monitor.recv() == frames{"j1", "FAILED"});
}

TEST_CASE("freeze and unfreeze answer ack; a frozen broker rejects evals", "[broker][conformance]") {
  monitor_router monitor;
  broker_process broker{yaml(monitor.port(), 0)};
  dealer worker{broker.workers_port()};
  join(worker);
  CHECK(request(broker.clients_port(), {"freeze"}, 1) == std::vector<frames>{{"ack"}});
  CHECK(request(broker.clients_port(), eval("j"), 2) == std::vector<frames>{{"ack"}, {"reject", "The broker is frozen."}});
  CHECK(stats(broker.clients_port()).back() == "1");
  CHECK(request(broker.clients_port(), {"unfreeze"}, 1) == std::vector<frames>{{"ack"}});
  CHECK(request(broker.clients_port(), eval("j"), 2) == std::vector<frames>{{"ack"}, {"accept"}});
}

TEST_CASE("runtime statistics as key/value frames", "[broker][conformance]") {
  monitor_router monitor;
  broker_process broker{yaml(monitor.port(), 0)};
  CHECK(stats(broker.clients_port())
        == frames{"evaluated-jobs", "0", "failed-jobs", "0", "idle-worker-count", "0", "jobs-in-progress", "0",
                  "queued-jobs", "0", "worker-count", "0", "is-frozen", "0"});
  dealer worker{broker.workers_port()};
  join(worker);
  request(broker.clients_port(), eval("a"), 2);
  request(broker.clients_port(), eval("b"), 2);
  REQUIRE(worker.recv_skipping("pong"));
  worker.send({"done", "a", "OK", ""});
  REQUIRE(worker.recv_skipping("pong") == frames{"eval", "b", "http://api/archive/b", "http://api/result/b"});
  CHECK(stats(broker.clients_port())
        == frames{"evaluated-jobs", "1", "failed-jobs", "0", "idle-worker-count", "0", "jobs-in-progress", "1",
                  "queued-jobs", "0", "worker-count", "1", "is-frozen", "0"});
}

TEST_CASE("ping gets pong from a known worker and intro from an unknown one", "[broker][conformance]") {
  monitor_router monitor;
  broker_process broker{yaml(monitor.port(), 0)};
  dealer stranger{broker.workers_port()};
  stranger.send({"ping"});
  CHECK(stranger.recv() == frames{"intro"});
  dealer worker{broker.workers_port()};
  join(worker); // pong
}

TEST_CASE("init without description, and with current_job: the running job is adopted", "[broker][conformance]") {
  monitor_router monitor;
  http_sink http;
  broker_process broker{yaml(monitor.port(), http.port())};
  dealer plain{broker.workers_port()};
  join(plain, {"init", "group1", "env=c", ""});
  dealer busy{broker.workers_port()};
  join(busy, {"init", "group1", "env=python3", "", "description=w2", "current_job=student_orphan"});
  auto s = stats(broker.clients_port());
  CHECK(s[5] == "1"); // idle-worker-count
  CHECK(s[7] == "1"); // jobs-in-progress
  busy.send({"done", "student_orphan", "OK", ""});
  auto reports = http.wait_for(1);
  REQUIRE(reports.size() == 1);
  CHECK(reports[0].target == "/api/v1/broker-reports/job-status/student_orphan");
  CHECK(reports[0].body == "status=OK");
}

TEST_CASE("progress is forwarded to the monitor without the progress frame", "[broker][conformance]") {
  monitor_router monitor;
  broker_process broker{yaml(monitor.port(), 0)};
  dealer worker{broker.workers_port()};
  join(worker);
  request(broker.clients_port(), eval("student_peer4"), 2);
  REQUIRE(worker.recv_skipping("pong"));
  // The broker's ROUTER drops what it sends before its connection to the monitor is up (as the
  // original's does): repeat the first message until one arrives.
  std::optional<frames> first;
  for (int attempt = 0; attempt < 50 && !first; ++attempt) {
    worker.send({"progress", "student_peer4", "DOWNLOADED"});
    first = monitor.recv(std::chrono::milliseconds{100});
  }
  REQUIRE(first);
  CHECK(*first == frames{"student_peer4", "DOWNLOADED"});
  while (auto repeated = monitor.recv(std::chrono::milliseconds{200})) // later copies of it
    CHECK(*repeated == frames{"student_peer4", "DOWNLOADED"});
  worker.send({"progress", "student_peer4", "TASK", "init_cp", "COMPLETED"});
  CHECK(monitor.recv() == frames{"student_peer4", "TASK", "init_cp", "COMPLETED"});
  worker.send({"progress", "student_peer4", "FINISHED"});
  CHECK(monitor.recv() == frames{"student_peer4", "FINISHED"});
}

TEST_CASE("done OK and FAILED are reported once with Basic auth and an escaped form", "[broker][conformance][notifier]") {
  monitor_router monitor;
  http_sink http;
  broker_process broker{yaml(monitor.port(), http.port())};
  dealer worker{broker.workers_port()};
  join(worker);
  request(broker.clients_port(), eval("student_1"), 2);
  REQUIRE(worker.recv_skipping("pong"));
  worker.send({"done", "student_1", "OK", ""});
  request(broker.clients_port(), eval("student_2"), 2);
  REQUIRE(worker.recv_skipping("pong"));
  worker.send({"done", "student_2", "FAILED", "job-id mismatch & more"});
  auto reports = http.wait_for(2);
  REQUIRE(reports.size() == 2);
  CHECK(reports[0].method == "POST");
  CHECK(reports[0].target == "/api/v1/broker-reports/job-status/student_1");
  CHECK(reports[0].authorization == basic_re_codex);
  CHECK(reports[0].body == "status=OK");
  CHECK(reports[1].target == "/api/v1/broker-reports/job-status/student_2");
  CHECK(reports[1].body == "message=job-id%20mismatch%20%26%20more&status=FAILED");
  std::this_thread::sleep_for(300ms);
  CHECK(http.requests().size() == 2);
}

TEST_CASE("INTERNAL_ERROR is retried up to max_request_failures, then FAILED", "[broker][conformance][notifier]") {
  monitor_router monitor;
  http_sink http;
  broker_process broker{yaml(monitor.port(), http.port(), 3)};
  dealer worker{broker.workers_port()};
  join(worker);
  request(broker.clients_port(), eval("j"), 2);
  for (int attempt = 0; attempt < 3; ++attempt) {
    REQUIRE(worker.recv_skipping("pong", 10s) == frames{"eval", "j", "http://api/archive/j", "http://api/result/j"});
    worker.send({"done", "j", "INTERNAL_ERROR", "Job configuration not found"});
  }
  auto reports = http.wait_for(1, 10s);
  REQUIRE(reports.size() == 1);
  CHECK(reports[0].body == "message=Job%20was%20reassigned%20too%20many%20%282%29%20times.%20Last%20failure%20"
                           "message%20was%3A%20Job%20configuration%20not%20found&status=FAILED");
  CHECK(monitor.recv() == frames{"j", "FAILED"});
  CHECK(stats(broker.clients_port())[3] == "3"); // failed-jobs
}

TEST_CASE("a worker that stops pinging loses its job to another, then the retry bound fails it",
          "[broker][conformance][liveness]") {
  monitor_router monitor;
  http_sink http;
  broker_process broker{yaml(monitor.port(), http.port(), 2, "", 3)};
  dealer w1{broker.workers_port(), "w1"};
  join(w1);
  dealer w2{broker.workers_port(), "w2"};
  join(w2, {"init", "group1", "env=python3", "", "description=second"});
  request(broker.clients_port(), eval("j"), 2);
  REQUIRE(w1.recv_skipping("pong") == frames{"eval", "j", "http://api/archive/j", "http://api/result/j"});
  // w1 falls silent; w2 keeps pinging until the job moves to it (3 x 100 ms of silence).
  std::optional<frames> moved;
  auto deadline = std::chrono::steady_clock::now() + 5s;
  while (!moved && std::chrono::steady_clock::now() < deadline) {
    w2.send({"ping"});
    auto m = w2.recv(50ms);
    if (m && m->front() == "eval")
      moved = m;
  }
  REQUIRE(moved == frames{"eval", "j", "http://api/archive/j", "http://api/result/j"});
  CHECK(monitor.recv() == frames{"j", "ABORTED"});
  // w2 falls silent too: two failures reach max_request_failures 2.
  auto reports = http.wait_for(1, 5s);
  REQUIRE(reports.size() == 1);
  CHECK(reports[0].target == "/api/v1/broker-reports/job-status/j");
  CHECK(reports[0].body == "message=Job%20was%20reassigned%20too%20many%20%281%29%20times.%20Last%20failure%20"
                           "message%20was%3A%20Worker%20timed%20out%20and%20its%20job%20cannot%20be%20reassigned"
                           "&status=FAILED");
  CHECK(monitor.recv() == frames{"j", "FAILED"});
}

TEST_CASE("a failing callback is retried after 1 and 2 seconds", "[broker][conformance][notifier]") {
  monitor_router monitor;
  http_sink http{2, 503};
  broker_process broker{yaml(monitor.port(), http.port())};
  dealer worker{broker.workers_port()};
  join(worker);
  request(broker.clients_port(), eval("j"), 2);
  REQUIRE(worker.recv_skipping("pong"));
  auto start = std::chrono::steady_clock::now();
  worker.send({"done", "j", "OK", ""});
  auto reports = http.wait_for(3, 6s);
  auto took = std::chrono::steady_clock::now() - start;
  REQUIRE(reports.size() == 3);
  CHECK(took >= 2900ms);
  for (auto& r : reports)
    CHECK(r.body == "status=OK");
}

TEST_CASE("SIGTERM drains callbacks waiting for a retry, within notifier.drain_timeout", "[broker][conformance][notifier]") {
  monitor_router monitor;
  SECTION("the retry gets out at once instead of being dropped") {
    http_sink http{1, 503};
    broker_process broker{yaml(monitor.port(), http.port())};
    dealer worker{broker.workers_port()};
    join(worker);
    request(broker.clients_port(), eval("j"), 2);
    REQUIRE(worker.recv_skipping("pong"));
    worker.send({"done", "j", "OK", ""});
    REQUIRE(http.wait_for(1).size() == 1); // failed: the next attempt is 1 s away
    auto start = std::chrono::steady_clock::now();
    CHECK(broker.stop() == 0);
    // The drain retries at once; generous for a loaded machine (without it the report is lost).
    CHECK(std::chrono::steady_clock::now() - start < 3s);
    auto reports = http.requests();
    REQUIRE(reports.size() == 2);
    CHECK(reports[1].body == "status=OK");
  }
  SECTION("a web application that keeps failing holds the shutdown only for the budget") {
    http_sink http{1000, 503};
    broker_process broker{yaml(monitor.port(), 0) + "notifier: {address: http://127.0.0.1:" + std::to_string(http.port())
                          + "/r, drain_timeout: 300}\n"};
    dealer worker{broker.workers_port()};
    join(worker);
    request(broker.clients_port(), eval("j"), 2);
    REQUIRE(worker.recv_skipping("pong"));
    worker.send({"done", "j", "OK", ""});
    REQUIRE(http.wait_for(1).size() == 1);
    auto start = std::chrono::steady_clock::now();
    CHECK(broker.stop() == 0);
    CHECK(std::chrono::steady_clock::now() - start < 4s); // 300 ms budget, never the 1/2/4 s schedule
    CHECK(http.requests().size() >= 2);
  }
}

TEST_CASE("callbacks over HTTPS verify the web application's certificate", "[broker][conformance][notifier][tls]") {
  monitor_router monitor;
  self_signed_certificate certificate;
  http_sink https{certificate.certificate_file(), certificate.private_key_file()};
  auto notifier = "notifier: {address: 'https://127.0.0.1:" + std::to_string(https.port())
                  + "/api/v1/broker-reports', username: re, password: codex";
  // Runs one job to `done` OK and returns what the HTTPS server received meanwhile.
  auto run_job = [&](const std::string& extra, std::size_t expected) {
    broker_process broker{yaml(monitor.port(), 0) + notifier + extra + "}\n"};
    dealer worker{broker.workers_port()};
    join(worker);
    request(broker.clients_port(), eval("j"), 2);
    REQUIRE(worker.recv_skipping("pong"));
    worker.send({"done", "j", "OK", ""});
    return https.wait_for(expected, expected ? 5000ms : 500ms);
  };
  SECTION("trusted through notifier.ca_file: delivered with Basic auth") {
    auto reports = run_job(", ca_file: '" + certificate.certificate_file().string() + "'", 1);
    REQUIRE(reports.size() == 1);
    CHECK(reports[0].target == "/api/v1/broker-reports/job-status/j");
    CHECK(reports[0].authorization == basic_re_codex);
    CHECK(reports[0].body == "status=OK");
  }
  SECTION("not trusted: the handshake fails and nothing is delivered") {
    CHECK(run_job(", drain_timeout: 0", 0).empty());
  }
}

TEST_CASE("a redirected callback is followed with its method, body and credentials", "[broker][conformance][notifier]") {
  monitor_router monitor;
  http_sink http;
  auto config = yaml(monitor.port(), 0) + "notifier: {address: 'http://127.0.0.1:" + std::to_string(http.port())
                + "/old', username: re, password: codex}\n";
  broker_process broker{config};
  dealer worker{broker.workers_port()};
  join(worker);
  request(broker.clients_port(), eval("j"), 2);
  REQUIRE(worker.recv_skipping("pong"));
  worker.send({"done", "j", "FAILED", "x"});
  auto reports = http.wait_for(2);
  REQUIRE(reports.size() == 2);
  CHECK(reports[0].target == "/old/job-status/j");
  CHECK(reports[1].method == "POST");
  CHECK(reports[1].target == "/new/job-status/j");
  CHECK(reports[1].body == "message=x&status=FAILED");
  CHECK(reports[1].authorization == basic_re_codex);
}

TEST_CASE("malformed input never crashes or stalls the broker", "[broker][conformance][malformed]") {
  monitor_router monitor;
  broker_process broker{yaml(monitor.port(), 0)};
  auto clients = broker.clients_port();
  SECTION("clients") {
    auto bare = request(clients, {"eval"}, 2);
    REQUIRE(bare.size() == 2);
    CHECK(bare[0] == frames{"ack"});
    CHECK(bare[1][0] == "reject");
    auto unterminated = request(clients, {"eval", "j", "hwgroup=group1"}, 2);
    REQUIRE(unterminated.size() == 2);
    CHECK(unterminated[1] == frames{"reject", "Malformed eval: frame 3: missing the empty frame that ends the headers"});
    CHECK(request(clients, {"no-such-command"}, 1).empty());
    CHECK(request(clients, {""}, 1).empty());
    CHECK(request(clients, {std::string("\0\xff\x13garbage", 10), "x"}, 1).empty());
    frames many{"eval", "j"};
    for (int i = 0; i < 10000; ++i)
      many.push_back("k" + std::to_string(i) + "=v");
    auto big = request(clients, many, 2); // still no terminator
    REQUIRE(big.size() == 2);
    CHECK(big[1][0] == "reject");
    CHECK(request(clients, {"eval", "j", std::string(1 << 20, 'x'), ""}, 2).at(1).at(0) == "reject");
  }
  SECTION("workers") {
    dealer w{broker.workers_port()};
    w.send({"init"});
    w.send({"init", "g"});
    w.send({"done"});
    w.send({"done", "j", "OK"}); // unknown worker: ignored
    w.send({"progress"});
    w.send({""});
    w.send({std::string(1 << 20, '\x01')});
    frames many{"init", "group1"};
    for (int i = 0; i < 10000; ++i)
      many.push_back("env=e" + std::to_string(i));
    many.emplace_back();
    w.send(many);
    w.send({"ping"});
    CHECK(w.recv() == frames{"pong"}); // the big init registered it
  }
  CHECK(stats(clients).size() == 14);
  CHECK(broker.running());
}

TEST_CASE("SIGTERM stops the broker cleanly", "[broker][conformance]") {
  monitor_router monitor;
  broker_process broker{yaml(monitor.port(), 0)};
  dealer worker{broker.workers_port()};
  join(worker);
  CHECK(broker.stop() == 0);
}
