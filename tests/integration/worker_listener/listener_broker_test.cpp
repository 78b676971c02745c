// The listener with our broker, run as the recodex-broker process: over tcp:// (ZeroMQ, ReCodEx
// frames) and caf:// (the broker actor on its cluster port) it registers, receives a job sent by
// a client, and its evaluator's `done OK` shows in the broker's stats. Over caf://, a worker host
// that goes away (its actor system shut down) makes the broker re-queue the job at once, for
// another listener.
#include "tests/conformance/worker_listener/listener_under_test.hpp"
#include "tests/harness/child_process.hpp"
#include "tests/harness/temp_directory.hpp"

#include <fstream>
#include <map>
#include <thread>
#include <zmq.hpp>

using namespace recodex;
using namespace recodex::testing;
using namespace std::chrono_literals;

namespace {

using frames = std::vector<std::string>;

std::uint16_t port_after(const std::string& line, char separator) {
  return static_cast<std::uint16_t>(std::stoul(line.substr(line.rfind(separator) + 1)));
}

// recodex-broker with client, worker and cluster ports picked by the OS; its monitor socket
// connects to a ROUTER of ours so progress goes nowhere else.
struct node_ports {
  std::uint16_t clients = 0;
  std::uint16_t workers = 0;
  std::uint16_t cluster = 0;
};

class broker_node {
public:
  // Port 0 lets the OS pick; a restarted broker gets the ports of the one before.
  explicit broker_node(node_ports ports = {}) {
    monitor_.set(zmq::sockopt::linger, 0);
    monitor_.bind("tcp://127.0.0.1:0");
    auto monitor_endpoint = monitor_.get(zmq::sockopt::last_endpoint);
    auto config = dir_ / "broker.yml";
    std::ofstream{config} << "clients: {address: 127.0.0.1, port: " << ports.clients << "}\n"
                          << "workers: {address: 127.0.0.1, port: " << ports.workers
                          << ", ping_interval: 100, max_liveness: 30}\n"
                          << "monitor: {address: 127.0.0.1, port: "
                          << port_after(monitor_endpoint, ':') << "}\n"
                          << "cluster: {port: " << ports.cluster
                          << "}\nlogger: {level: critical}\n";
    process_.emplace(
        std::vector<std::string>{std::string(RECODEX_BIN_DIR) + "/recodex-broker", "-c", config});
    auto clients = process_->wait_for_line("clients ", 10s);
    auto workers = process_->wait_for_line("workers ", 10s);
    auto cluster = process_->wait_for_line("cluster ", 10s);
    REQUIRE(clients);
    REQUIRE(workers);
    REQUIRE(cluster);
    ports_ = {port_after(*clients, ':'), port_after(*workers, ':'), port_after(*cluster, ' ')};
  }

  const node_ports& ports() const { return ports_; }
  std::string tcp_uri() const { return "tcp://127.0.0.1:" + std::to_string(ports_.workers); }
  std::string caf_uri() const { return "caf://127.0.0.1:" + std::to_string(ports_.cluster); }
  void kill9() { process_->kill9(); }

private:
  zmq::context_t context_{1};
  zmq::socket_t monitor_{context_, zmq::socket_type::router};
  temp_directory dir_{"listener-broker"};
  std::optional<child_process> process_;
  node_ports ports_;
};

// The core API's side of spec 1: eval and get-runtime-stats over a DEALER.
class client {
public:
  explicit client(std::uint16_t port) {
    socket_.set(zmq::sockopt::linger, 0);
    socket_.connect("tcp://127.0.0.1:" + std::to_string(port));
  }

  // ack, then accept or reject with its reason.
  frames submit(const std::string& job_id) {
    send({"eval", job_id, "hwgroup=group1", "env=c", "", "http://f/a.zip", "http://f/r.zip"});
    auto ack = recv();
    REQUIRE(ack == frames{"ack"});
    return recv();
  }

  std::map<std::string, std::string> stats() {
    send({"get-runtime-stats"});
    auto reply = recv();
    std::map<std::string, std::string> out;
    for (std::size_t i = 0; i + 1 < reply.size(); i += 2)
      out[reply[i]] = reply[i + 1];
    return out;
  }

  // Polls the stats until `key` reads `value` (bounded): the broker counts asynchronously.
  bool await_stat(const std::string& key, const std::string& value) {
    auto deadline = std::chrono::steady_clock::now() + 5s;
    while (std::chrono::steady_clock::now() < deadline) {
      if (stats()[key] == value)
        return true;
      std::this_thread::sleep_for(20ms); // a pause between polls, never an assertion
    }
    return false;
  }

private:
  void send(const frames& message) {
    for (std::size_t i = 0; i < message.size(); ++i)
      socket_.send(zmq::buffer(message[i]),
                   i + 1 < message.size() ? zmq::send_flags::sndmore : zmq::send_flags::none);
  }
  frames recv() {
    zmq::pollitem_t item{static_cast<void*>(socket_), 0, ZMQ_POLLIN, 0};
    if (zmq::poll(&item, 1, 5s) <= 0)
      return {};
    frames out;
    zmq::message_t part;
    do {
      (void)socket_.recv(part);
      out.push_back(part.to_string());
    } while (part.more());
    return out;
  }

  zmq::context_t context_{1};
  zmq::socket_t socket_{context_, zmq::socket_type::dealer};
};

worker::listener_config listener_for(const std::string& uri, std::string description) {
  worker::listener_config c;
  c.broker_uri = uri;
  c.hwgroup = "group1";
  c.headers = {{"env", "c"}, {"env", "python3"}};
  c.description = std::move(description);
  c.ping_interval = 50ms;
  c.max_liveness = 20; // a loaded host must not make the broker look silent
  c.first_reconnect_delay = 100ms;
  c.max_reconnect_delay = 400ms;
  return c;
}

void one_job_is_evaluated(const std::string& uri, client& web) {
  listener_under_test worker{listener_for(uri, "worker one")};
  REQUIRE(web.await_stat("worker-count", "1"));
  CHECK(web.submit("student_1") == frames{"accept"});
  auto job = worker.next_assignment();
  REQUIRE(job);
  CHECK(job->job_id == "student_1");
  CHECK(job->payload == std::vector<std::string>{"http://f/a.zip", "http://f/r.zip"});
  for (auto command : {"DOWNLOADED", "STARTED", "ENDED", "UPLOADED", "FINISHED"})
    worker.report(progress{"student_1", command, "", ""});
  worker.report(job_done{"student_1", job_status::ok, ""});
  CHECK(web.await_stat("evaluated-jobs", "1"));
  auto s = web.stats();
  CHECK(s["failed-jobs"] == "0");
  CHECK(s["jobs-in-progress"] == "0");
  CHECK(s["idle-worker-count"] == "1");
}

} // namespace

TEST_CASE("over tcp:// the listener registers with our broker and a job's done OK is counted",
          "[worker][listener][integration]") {
  broker_node broker;
  client web{broker.ports().clients};
  one_job_is_evaluated(broker.tcp_uri(), web);
}

TEST_CASE("over caf:// the listener registers with our broker and a job's done OK is counted",
          "[worker][listener][integration]") {
  broker_node broker;
  client web{broker.ports().clients};
  one_job_is_evaluated(broker.caf_uri(), web);
}

TEST_CASE("over caf:// a worker host that goes away has its job re-queued at once",
          "[worker][listener][integration]") {
  broker_node broker;
  client web{broker.ports().clients};
  auto uri = broker.caf_uri();
  std::optional<listener_under_test> first{std::in_place, listener_for(uri, "first")};
  REQUIRE(web.await_stat("worker-count", "1"));
  CHECK(web.submit("student_2") == frames{"accept"});
  auto held = first->next_assignment();
  REQUIRE(held);
  CHECK(held->job_id == "student_2");

  listener_under_test second{listener_for(uri, "second")};
  REQUIRE(web.await_stat("worker-count", "2"));
  // The first host's actor system shuts down: the broker gets a down_msg, not a silence (its
  // liveness window is 30 x 100 ms, longer than this wait).
  auto gone = std::chrono::steady_clock::now();
  first.reset();
  auto moved = second.next_assignment(2s);
  REQUIRE(moved);
  CHECK(moved->job_id == "student_2");
  CHECK(std::chrono::steady_clock::now() - gone < 2s);
  CHECK(web.await_stat("worker-count", "1"));
  second.report(job_done{"student_2", job_status::ok, ""});
  CHECK(web.await_stat("evaluated-jobs", "1"));
}

TEST_CASE("a broker killed and restarted on the same ports gets the listener back",
          "[worker][listener][integration]") {
  // tcp://: the DEALER reconnects by itself, the new broker answers the pings with intro, the
  // listener re-sends init. caf://: the broker's down_msg starts the reconnect back-off.
  auto transport = GENERATE(std::string("tcp"), std::string("caf"));
  std::optional<broker_node> broker{std::in_place};
  auto ports = broker->ports();
  auto uri = transport == "tcp" ? broker->tcp_uri() : broker->caf_uri();
  listener_under_test worker{listener_for(uri, "survivor")};
  {
    client web{ports.clients};
    REQUIRE(web.await_stat("worker-count", "1"));
  }
  broker->kill9();
  broker.reset();
  broker.emplace(ports);
  client web{ports.clients};
  REQUIRE(web.await_stat("worker-count", "1"));
  CHECK(web.submit("student_3") == frames{"accept"});
  auto job = worker.next_assignment();
  REQUIRE(job);
  CHECK(job->job_id == "student_3");
  worker.report(job_done{"student_3", job_status::ok, ""});
  CHECK(web.await_stat("evaluated-jobs", "1"));
}
