// Durability: kill -9 the broker with 100 queued jobs and 2 running, restart it on the same
// journal and ports; the workers come back reporting their running jobs (current_job=), and all
// 102 jobs finish, each reported to the web application exactly once. And a report the broker
// had not seen delivered when it was killed is sent again after the restart.
#include "tests/conformance/broker/broker_fixture.hpp"

#include <catch2/catch.hpp>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <iterator>
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

} // namespace

TEST_CASE("a broker killed with 100 queued and 2 running jobs finishes all 102 after a restart, "
          "each reported once", "[broker][conformance][restart]") {
  auto journal = std::filesystem::temp_directory_path() / ("broker-restart-" + std::to_string(::getpid()) + ".journal");
  std::filesystem::remove(journal);
  monitor_router monitor;
  http_sink http;
  std::uint16_t clients_port = 0;
  std::uint16_t workers_port = 0;
  std::string running[2];
  {
    broker_process first{yaml(0, 0, monitor.port(), http.port(), journal.string())};
    clients_port = first.clients_port();
    workers_port = first.workers_port();
    dealer w1{workers_port, "rw1"};
    w1.send(init());
    dealer w2{workers_port, "rw2"};
    w2.send(init());
    w1.send({"ping"});
    w2.send({"ping"});
    REQUIRE(w1.recv() == frames{"pong"});
    REQUIRE(w2.recv() == frames{"pong"});
    dealer client{clients_port};
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
    first.kill9();
  }
  broker_process second{yaml(clients_port, workers_port, monitor.port(), http.port(), journal.string())};
  dealer w1{workers_port, "rw1"};
  dealer w2{workers_port, "rw2"};
  w1.send(init(running[0]));
  w2.send(init(running[1]));
  w1.send({"done", running[0], "OK", ""});
  w2.send({"done", running[1], "OK", ""});
  dealer* workers[] = {&w1, &w2};
  auto deadline = std::chrono::steady_clock::now() + 30s;
  while (http.requests().size() < 102 && std::chrono::steady_clock::now() < deadline) {
    for (auto* w : workers) {
      w->send({"ping"});
      while (auto m = w->recv(5ms)) {
        if (m->front() == "eval")
          w->send({"done", m->at(1), "OK", ""});
      }
    }
  }
  std::this_thread::sleep_for(500ms);
  auto reports = http.requests();
  std::set<std::string> targets;
  for (auto& r : reports) {
    CHECK(r.body == "status=OK");
    targets.insert(r.target);
  }
  CHECK(reports.size() == 102);
  CHECK(targets.size() == 102);
  CHECK(targets.count("/r/job-status/" + running[0]) == 1);
  CHECK(second.stop() == 0);
  std::filesystem::remove(journal);
}

TEST_CASE("a report the broker had not seen delivered when it was killed is sent again after the "
          "restart, "
          "a delivered one is not",
          "[broker][conformance][restart][notifier]") {
  auto journal = std::filesystem::temp_directory_path() /
                 ("broker-owed-" + std::to_string(::getpid()) + ".journal");
  std::filesystem::remove(journal);
  monitor_router monitor;
  http_sink http;
  std::uint16_t clients_port = 0;
  std::uint16_t workers_port = 0;
  {
    broker_process first{yaml(0, 0, monitor.port(), http.port(), journal.string())};
    clients_port = first.clients_port();
    workers_port = first.workers_port();
    dealer worker{workers_port, "ow1"};
    worker.send(init());
    dealer client{clients_port};
    auto run = [&](const std::string& job) {
      worker.send({"ping"}); // alive (max_liveness 5 x 100 ms)
      client.send({"eval", job, "hwgroup=group1", "", "a", "r"});
      REQUIRE(client.recv() == frames{"ack"});
      REQUIRE(client.recv() == frames{"accept"});
      auto eval = worker.recv_skipping("pong");
      REQUIRE(eval);
      REQUIRE(eval->at(1) == job);
      worker.send({"done", job, "OK", ""});
    };
    run("delivered_1");
    REQUIRE(http.wait_for(1).size() == 1);
    // Killed before the delivery is on record, the broker would rightly send it again (the
    // documented duplicate window): let the record reach the file first.
    REQUIRE(journal_names(journal, "delivered_1", 4, 5s));
    // The web application is slow with the next answer; the broker dies waiting for it.
    http.hold_answers(1, 2s);
    run("owed_1");
    REQUIRE(http.wait_for(2).size() == 2);
    first.kill9();
  }
  broker_process second{
      yaml(clients_port, workers_port, monitor.port(), http.port(), journal.string())};
  auto reports = http.wait_for(3, 10s);
  std::this_thread::sleep_for(1s); // a fourth would show up here
  reports = http.requests();
  std::multiset<std::string> targets;
  for (const auto& r : reports)
    targets.insert(r.target);
  INFO(Catch::Detail::stringify(std::vector<std::string>(targets.begin(), targets.end())));
  CHECK(reports.size() == 3);
  CHECK(targets.count("/r/job-status/delivered_1") == 1);
  CHECK(targets.count("/r/job-status/owed_1") == 2);
  CHECK(second.stop() == 0);
  std::filesystem::remove(journal);
}
