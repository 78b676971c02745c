// The embedded default in this test's process: file server, broker, monitor and worker slots
// in one actor system on loopback port 0s. The slots register (the broker's stats over its
// ZeroMQ client port), a C job with five tests runs end to end through the client port and the
// file server, its progress arrives on the monitor's WebSocket, and stop is clean and fast.
// Needs root for the slots' sandbox boxes.
#include "actors/worker/environments/environment_definition.hpp"
#include "actors/worker/environments/job_config_generator.hpp"
#include "nodes/client/client.hpp"
#include "nodes/embedded/demo.hpp"
#include "nodes/embedded/embedded_system.hpp"
#include "storage/sha1.hpp"
#include "tests/conformance/monitor/ws_client.hpp"
#include "tests/harness/http_client.hpp"
#include "tests/harness/temp_directory.hpp"
#include "tests/harness/zmq_peers.hpp"
#include "tests/integration/sandbox/sandbox_fixture.hpp"

#include <algorithm>
#include <atomic>
#include <catch2/catch.hpp>
#include <thread>

using namespace recodex;
using namespace recodex::testing;
using namespace std::chrono_literals;

namespace {

embedded::embedded_options any_ports(const temp_directory& dir, unsigned slots) {
  embedded::embedded_options o;
  o.data_dir = dir.path() / "var";
  o.slots = slots;
  o.client_port = o.worker_port = o.cluster_port = o.monitor_port = o.fileserver_port = 0;
  o.ping_interval = 100ms;
  o.judges_dir = RECODEX_BIN_DIR;
  return o;
}

std::unique_ptr<embedded::embedded_system> start(const embedded::embedded_options& options) {
  auto system = embedded::embedded_system::start(options);
  if (!system)
    FAIL("embedded system: " << system.error().message);
  return std::move(system).value();
}

const char* sum_source =
    "#include <stdio.h>\n"
    "int main(void) { long a, b; if (scanf(\"%ld %ld\", &a, &b) != 2) return 1;\n"
    "  printf(\"%ld\\n\", a + b); return 0; }\n";

struct test_data {
  std::string input, expected;
};

const std::vector<test_data> five_sums = {{"1 2\n", "3\n"},
                                          {"40 2\n", "42\n"},
                                          {"-5 5\n", "0\n"},
                                          {"1000000 1\n", "1000001\n"},
                                          {"7 -8\n", "-1\n"}};

class job_sender {
public:
  explicit job_sender(const embedded::embedded_system& system)
      : endpoints_(system.endpoints()), client_(endpoints_.client_port) {
    auto definitions = worker::load_environments(system.options().environments_dir);
    REQUIRE(definitions);
    for (auto& d : definitions.value())
      if (d.id == "c-gcc-linux")
        c_ = d;
    REQUIRE(c_.id == "c-gcc-linux");
  }

  dealer& client() { return client_; }

  // Uploads the tests' files and the submission, then sends `eval`; true on ack + accept.
  bool submit(const std::string& job_id) {
    worker::job_request request;
    request.job_id = job_id;
    request.hw_group = "group1";
    request.file_collector = endpoints_.fileserver_url() + "/tasks";
    request.sources = {"sum.c"};
    for (std::size_t i = 0; i < five_sums.size(); ++i)
      request.tests.push_back(
          {"T" + std::to_string(i + 1), put(five_sums[i].input), put(five_sums[i].expected), {}});
    auto config = worker::make_job_config(c_, request);
    REQUIRE(config);
    auto headers = auth();
    headers.push_back(multipart_content_type());
    auto body = multipart_body(
        {{"job-config.yml", config.value(), "job-config.yml"}, {"sum.c", sum_source, "sum.c"}});
    auto reply =
        http_request(endpoints_.fileserver_port, "POST", "/submissions/" + job_id, body, headers);
    REQUIRE(reply.status < 300);
    const auto base = endpoints_.fileserver_url();
    client_.send({"eval", job_id, "hwgroup=group1", "env=c-gcc-linux", "",
                  base + "/submission_archives/" + job_id + ".zip",
                  base + "/results/" + job_id + ".zip"});
    auto ack = client_.recv(5s);
    auto answer = client_.recv(10s);
    return ack && ack->front() == "ack" && answer && answer->front() == "accept";
  }

  http_response results(const std::string& job_id) {
    return http_request(endpoints_.fileserver_port, "GET", "/results/" + job_id + ".zip", {},
                        auth());
  }

private:
  testing::header_list auth() const { return {basic_auth("re", "codex")}; }

  std::string put(const std::string& content) {
    auto hash = storage::sha1_hex(content);
    auto reply = http_request(endpoints_.fileserver_port, "PUT", "/tasks/" + hash, content, auth());
    REQUIRE(reply.status < 300);
    return hash;
  }

  embedded::embedded_endpoints endpoints_;
  dealer client_;
  worker::environment_definition c_;
};

// The job's messages as the monitor sends them to a browser, until FINISHED.
std::vector<std::string> follow(ws_client& browser) {
  std::vector<std::string> seen;
  while (seen.size() < 200) {
    auto message = browser.read(60s);
    if (!message)
      break;
    seen.push_back(*message);
    if (message->find("\"FINISHED\"") != std::string::npos)
      break;
  }
  return seen;
}

std::size_t count_containing(const std::vector<std::string>& messages, const std::string& needle) {
  return static_cast<std::size_t>(
      std::count_if(messages.begin(), messages.end(),
                    [&](const std::string& m) { return m.find(needle) != std::string::npos; }));
}

} // namespace

TEST_CASE("the embedded system's slots register with its broker and it stops within seconds",
          "[embedded]") {
  REQUIRE_SANDBOX_HOST();
  temp_directory dir{"recodex-embedded"};
  auto system = start(any_ports(dir, 3));
  const auto& e = system->endpoints();
  CHECK(e.client_port != 0);
  CHECK(e.worker_port != 0);
  CHECK(e.cluster_port != 0);
  CHECK(e.monitor_port != 0);
  CHECK(e.fileserver_port != 0);
  CHECK(std::find(system->environments().begin(), system->environments().end(), "c-gcc-linux") !=
        system->environments().end());
  CHECK(describe(*system).size() == 6);
  {
    dealer client{e.client_port};
    REQUIRE(await_runtime_stat(client, "worker-count", 3));
    CHECK(runtime_stat(client, "worker-count") == std::optional<std::uint64_t>{3});
  }
  auto before = std::chrono::steady_clock::now();
  system->stop();
  CHECK(std::chrono::steady_clock::now() - before < 3s);
  system->stop(); // idempotent
}

TEST_CASE("a C job runs end to end through the client port and the file server, its progress on "
          "the monitor's WebSocket",
          "[embedded]") {
  REQUIRE_SANDBOX_HOST();
  temp_directory dir{"recodex-embedded"};
  auto options = any_ports(dir, 2);
  std::atomic<int> observed_finished{0};
  options.progress_observer = [&](const progress& p) {
    if (p.job_id == "embedded_sum1" && p.command == "FINISHED")
      ++observed_finished;
  };
  auto system = start(options);
  job_sender sender{*system};
  REQUIRE(await_runtime_stat(sender.client(), "worker-count", 2));

  ws_client browser{system->endpoints().monitor_port};
  browser.send("embedded_sum1");
  REQUIRE(sender.submit("embedded_sum1"));
  auto progress = follow(browser);
  INFO(Catch::Detail::stringify(progress));
  REQUIRE_FALSE(progress.empty());
  CHECK(progress.front().find("DOWNLOADED") != std::string::npos);
  CHECK(progress.back().find("FINISHED") != std::string::npos);
  CHECK(count_containing(progress, "\"COMPLETED\"") == count_containing(progress, "\"TASK\""));
  CHECK(count_containing(progress, "\"judge-T") == 5); // task ids of the generated config
  CHECK(count_containing(progress, "FAILED") == 0);
  for (int attempt = 0; attempt < 100 && observed_finished == 0; ++attempt)
    std::this_thread::sleep_for(20ms); // the observer is another actor than the monitor
  CHECK(observed_finished == 1);
  auto results = sender.results("embedded_sum1");
  CHECK(results.status == 200);
  CHECK(results.body.size() > 100);

  auto before = std::chrono::steady_clock::now();
  system->stop();
  CHECK(std::chrono::steady_clock::now() - before < 3s);
}

TEST_CASE("a client reads a numbered task version's task.yml once, then from memory",
          "[embedded][client]") {
  REQUIRE_SANDBOX_HOST();
  temp_directory dir{"recodex-embedded"};
  auto system = start(any_ports(dir, 1));
  client::client c{embedded::client_config_for(*system)};
  REQUIRE(c.push_task(std::filesystem::path(RECODEX_SOURCE_DIR) / "deploy/examples/sum"));
  auto first = c.task_definition_text("sum", "1");
  REQUIRE(first);
  system->stop();
  // The file server is gone: version 1 never changes, so its text still comes from the client;
  // "latest" may change, so it is always asked for, and fails now.
  auto again = c.task_definition_text("sum", "1");
  REQUIRE(again);
  CHECK(again.value() == first.value());
  CHECK_FALSE(c.task_definition_text("sum", "latest"));
  CHECK_FALSE(c.task_definition_text("sum", "2"));
}

TEST_CASE(
    "a second system on the same data directory fails to start while the first holds its ports",
    "[embedded]") {
  REQUIRE_SANDBOX_HOST();
  temp_directory dir{"recodex-embedded"};
  auto first = start(any_ports(dir, 1));
  auto options = any_ports(dir, 1);
  options.fileserver_port = first->endpoints().fileserver_port;
  auto second = embedded::embedded_system::start(options);
  REQUIRE_FALSE(second);
  CHECK(second.error().message.find("file server") != std::string::npos);
}

TEST_CASE("a port offset moves every fixed port and refuses to leave 1..65535", "[embedded]") {
  embedded::embedded_options o;
  o.cluster_port = 0; // 0 stays 0: any free port
  auto moved = embedded::with_port_offset(o, 100);
  REQUIRE(moved);
  CHECK(moved.value().client_port == 9758);
  CHECK(moved.value().worker_port == 9757);
  CHECK(moved.value().cluster_port == 0);
  CHECK(moved.value().monitor_port == 4667);
  CHECK(moved.value().fileserver_port == 10099);
  auto too_far = embedded::with_port_offset(o, 60000);
  REQUIRE_FALSE(too_far);
  CHECK(too_far.error().message.find("out of 1..65535") != std::string::npos);
}

TEST_CASE("the endpoints read as URIs of their transports", "[embedded]") {
  embedded::embedded_endpoints e{"127.0.0.1", 1, 2, 3, 4, 5};
  CHECK(e.client_uri() == "tcp://127.0.0.1:1");
  CHECK(e.worker_uri() == "tcp://127.0.0.1:2");
  CHECK(e.cluster_uri() == "caf://127.0.0.1:3");
  CHECK(e.monitor_uri() == "ws://127.0.0.1:4");
  CHECK(e.fileserver_url() == "http://127.0.0.1:5");
  CHECK_FALSE(embedded::find_environments_dir().empty()); // the source tree's, at least
}
