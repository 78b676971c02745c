// Durability: kill -9 the broker with 100 queued jobs and 2 running, restart it on the same
// journal and ports; the workers come back reporting their running jobs (current_job=), and all
// 102 jobs finish, each reported to the web application exactly once. A report the broker had
// not seen delivered when it was killed is sent again after the restart, also one that was
// waiting for the notifier's retry (its first attempt failed).
#include "tests/conformance/broker/broker_fixture.hpp"

#include <catch2/catch.hpp>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <memory>
#include <set>
#include <thread>
#include <unistd.h>

using namespace recodex::testing;

namespace {

std::string yaml(std::uint16_t clients, std::uint16_t workers, std::uint16_t monitor, std::uint16_t http,
                 const std::string& journal) {
  return "clients: {address: 127.0.0.1, port: " + std::to_string(clients) + "}\n"
         "workers: {address: 127.0.0.1, port: " + std::to_string(workers) + ", ping_interval: 100, max_liveness: 5}\n"
         "monitor: {address: 127.0.0.1, port: " + std::to_string(monitor) + "}\n"
         "notifier: {address: 'http://127.0.0.1:" + std::to_string(http) + "/r', username: re, password: codex}\n"
         "logger: {level: critical}\n"
         "journal: " + journal + "\n"
         "recovery_grace: 3000\n";
}

// Waits until the journal names `job_id` `times` times (journal.hpp: its accept, assignment and
// completion records, then a fourth once its report's delivery is recorded); false at the timeout.
bool journal_names(const std::filesystem::path& journal, const std::string& job_id, int times,
                   std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  do {
    std::ifstream in{journal, std::ios::binary};
    const std::string text{std::istreambuf_iterator<char>{in}, std::istreambuf_iterator<char>{}};
    int found = 0;
    for (auto at = text.find(job_id); at != std::string::npos; at = text.find(job_id, at + 1))
      ++found;
    if (found >= times)
      return true;
    std::this_thread::sleep_for(std::chrono::milliseconds{20});
  } while (std::chrono::steady_clock::now() < deadline);
  return false;
}

frames init(const std::string& current = "") {
  frames f{"init", "group1", "env=c", "", "description=restart"};
  if (!current.empty())
    f.push_back("current_job=" + current);
  return f;
}

// What outlives a broker across its restarts: the journal, the monitor, the web application
// (answering `http_failures` requests with 500 first) and the ports the first start picked,
// which every restart binds again (the workers' DEALERs reconnect to them).
class restart_rig {
public:
  explicit restart_rig(const std::string& name, int http_failures = 0)
      : journal{std::filesystem::temp_directory_path()
                / ("broker-" + name + "-" + std::to_string(::getpid()) + ".journal")},
        http{http_failures, 500} {
    std::filesystem::remove(journal);
  }
  ~restart_rig() { std::filesystem::remove(journal); }

  std::unique_ptr<broker_process> start() {
    auto broker = std::make_unique<broker_process>(
        yaml(clients_port, workers_port, monitor.port(), http.port(), journal.string()));
    clients_port = broker->clients_port();
    workers_port = broker->workers_port();
    return broker;
  }
  std::vector<std::string> targets() {
    std::vector<std::string> out;
    for (const auto& r : http.requests())
      out.push_back(r.target);
    return out;
  }

  const std::filesystem::path journal;
  monitor_router monitor;
  http_sink http;
  std::uint16_t clients_port = 0;
  std::uint16_t workers_port = 0;
};

// Waits until the broker knows the worker: its `pong`. A worker silent for longer than the
// liveness window (5 x 100 ms: a loaded machine, a wait for the journal) has been dropped and
// gets `intro`: it registers again. Without this an eval could reach the broker before the
// worker's init (another connection) or after its death, and be rejected.
void be_known(dealer& worker) {
  worker.send({"ping"});
  auto reply = worker.recv();
  if (reply == frames{"intro"}) {
    worker.send(init());
    worker.send({"ping"});
    reply = worker.recv();
  }
  REQUIRE(reply == frames{"pong"});
}

// One job through the worker (sent its init before), up to its `done OK`.
void run_job(dealer& client, dealer& worker, const std::string& job) {
  be_known(worker);
  client.send({"eval", job, "hwgroup=group1", "", "a", "r"});
  REQUIRE(client.recv() == frames{"ack"});
  REQUIRE(client.recv() == frames{"accept"});
  auto eval = worker.recv_skipping("pong");
  REQUIRE(eval);
  REQUIRE(eval->at(1) == job);
  worker.send({"done", job, "OK", ""});
}

} // namespace

TEST_CASE("a broker killed with 100 queued and 2 running jobs finishes all 102 after a restart, "
          "each reported once", "[broker][conformance][restart]") {
  restart_rig rig{"restart"};
  std::string running[2];
  {
    auto first = rig.start();
    dealer w1{rig.workers_port, "rw1"};
    w1.send(init());
    dealer w2{rig.workers_port, "rw2"};
    w2.send(init());
    w1.send({"ping"});
    w2.send({"ping"});
    REQUIRE(w1.recv() == frames{"pong"});
    REQUIRE(w2.recv() == frames{"pong"});
    dealer client{rig.clients_port};
    for (int i = 0; i < 102; ++i)
      client.send({"eval", "job_" + std::to_string(i), "hwgroup=group1", "", "a", "r"});
    int accepted = 0;
    for (int i = 0; i < 204; ++i) {
      auto m = client.recv();
      REQUIRE(m);
      accepted += m->front() == "accept";
    }
    REQUIRE(accepted == 102);
    auto e1 = w1.recv_skipping("pong");
    auto e2 = w2.recv_skipping("pong");
    REQUIRE(e1);
    REQUIRE(e2);
    running[0] = e1->at(1);
    running[1] = e2->at(1);
    first->kill9();
  }
  auto second = rig.start();
  dealer w1{rig.workers_port, "rw1"};
  dealer w2{rig.workers_port, "rw2"};
  w1.send(init(running[0]));
  w2.send(init(running[1]));
  w1.send({"done", running[0], "OK", ""});
  w2.send({"done", running[1], "OK", ""});
  dealer* workers[] = {&w1, &w2};
  auto deadline = std::chrono::steady_clock::now() + 30s;
  while (rig.http.requests().size() < 102 && std::chrono::steady_clock::now() < deadline) {
    for (auto* w : workers) {
      w->send({"ping"});
      while (auto m = w->recv(5ms)) {
        if (m->front() == "eval")
          w->send({"done", m->at(1), "OK", ""});
      }
    }
  }
  std::this_thread::sleep_for(500ms);
  auto reports = rig.http.requests();
  std::set<std::string> targets;
  for (auto& r : reports) {
    CHECK(r.body == "status=OK");
    targets.insert(r.target);
  }
  CHECK(reports.size() == 102);
  CHECK(targets.size() == 102);
  CHECK(targets.count("/r/job-status/" + running[0]) == 1);
  CHECK(second->stop() == 0);
}

TEST_CASE("a report the broker had not seen delivered when it was killed is sent again after the "
          "restart, "
          "a delivered one is not",
          "[broker][conformance][restart][notifier]") {
  restart_rig rig{"owed"};
  {
    auto first = rig.start();
    dealer worker{rig.workers_port, "ow1"};
    worker.send(init());
    dealer client{rig.clients_port};
    run_job(client, worker, "delivered_1");
    REQUIRE(rig.http.wait_for(1).size() == 1);
    // Killed before the delivery is on record, the broker would rightly send it again (the
    // documented duplicate window): let the record reach the file first.
    REQUIRE(journal_names(rig.journal, "delivered_1", 4, 5s));
    // The web application is slow with the next answer; the broker dies waiting for it.
    rig.http.hold_answers(1, 2s);
    run_job(client, worker, "owed_1");
    REQUIRE(rig.http.wait_for(2).size() == 2);
    first->kill9();
  }
  auto second = rig.start();
  rig.http.wait_for(3, 10s);
  rig.http.wait_for(4, 1s); // a fourth would show up here
  auto targets = rig.targets();
  std::multiset<std::string> counted(targets.begin(), targets.end());
  INFO(Catch::Detail::stringify(targets));
  CHECK(targets.size() == 3);
  CHECK(counted.count("/r/job-status/delivered_1") == 1);
  CHECK(counted.count("/r/job-status/owed_1") == 2);
  CHECK(second->stop() == 0);
}

TEST_CASE("a report waiting for the notifier's retry when the broker is killed is sent again "
          "after the restart, and the web application takes it exactly once, with 200",
          "[broker][conformance][restart][notifier]") {
  // The first two callbacks get 500. The retry after the first failure shows that the broker
  // had its answer (the old face journaled the report as delivered right then); the kill falls
  // in the 2 s back-off after the second.
  restart_rig rig{"retry", 2};
  {
    auto first = rig.start();
    dealer worker{rig.workers_port, "rr1"};
    worker.send(init());
    dealer client{rig.clients_port};
    run_job(client, worker, "retried_1");
    REQUIRE(rig.http.wait_for(2, 5s).size() == 2);
    first->kill9();
    REQUIRE(rig.http.requests().size() == 2); // killed during the back-off, before the next retry
  }
  {
    auto second = rig.start(); // sends the report again at once
    REQUIRE(rig.http.wait_for(3, 10s).size() == 3);
    // A stop, unlike a kill, waits for the notifier's answer and journals it: the report is
    // settled, so the next start must not send it.
    CHECK(second->stop() == 0);
  }
  auto third = rig.start();
  rig.http.wait_for(4, 1500ms); // a resend or a stray retry would show up here
  auto requests = rig.http.requests();
  std::vector<int> statuses;
  for (const auto& r : requests) {
    CHECK(r.target == "/r/job-status/retried_1");
    CHECK(r.body == "status=OK");
    statuses.push_back(r.status);
  }
  CHECK(statuses == std::vector<int>{500, 500, 200});
  CHECK(third->stop() == 0);
}
