// The client's YAML config and address parsing.
#include "nodes/client/client_config.hpp"
#include "nodes/client/monitor_client.hpp"
#include "nodes/client/url.hpp"

#include <catch2/catch.hpp>

using namespace recodex;
using namespace recodex::client;
using namespace std::chrono_literals;

TEST_CASE("the client's defaults are the embedded system's loopback ports", "[client][config]") {
  client_config c;
  CHECK(c.broker == "tcp://127.0.0.1:9658");
  CHECK(c.fileserver == "http://127.0.0.1:9999");
  CHECK(c.monitor == "ws://127.0.0.1:4567");
  CHECK(c.username == "re");
  CHECK(c.password == "codex");
  CHECK(environments_dir(c) == default_environments_dir());
}

TEST_CASE("a client config file overrides what it names", "[client][config]") {
  auto parsed = parse_client_config("broker: tcp://10.0.0.1:1234\n"
                                    "fileserver: http://files:80/store\n"
                                    "username: u\npassword: p\n"
                                    "monitor: ws://mon:1\n"
                                    "environments-dir: envs\n"
                                    "timeouts: {connect: 100, request: 200, job: 300}\n",
                                    "/etc/recodex/client.yml");
  REQUIRE(parsed);
  const auto& c = parsed.value();
  CHECK(c.broker == "tcp://10.0.0.1:1234");
  CHECK(c.fileserver == "http://files:80/store");
  CHECK(c.username == "u");
  CHECK(c.password == "p");
  CHECK(c.monitor == "ws://mon:1");
  CHECK(c.environments_dir == "/etc/recodex/envs");
  CHECK(c.connect_timeout == 100ms);
  CHECK(c.request_timeout == 200ms);
  CHECK(c.job_timeout == 300ms);

  client_config base;
  base.username = "kept";
  auto partial = parse_client_config("password: x\n", "c.yml", base);
  REQUIRE(partial);
  CHECK(partial.value().username == "kept");
  CHECK(partial.value().password == "x");
}

TEST_CASE("a bad client config names file, line and key", "[client][config]") {
  struct row {
    std::string yaml, message;
  };
  auto r = GENERATE(values<row>({
      {"broker: http://x:1\n", "c.yml:1: broker: must be a tcp://host:port address"},
      {"a: 1\nfileserver: tcp://x\n", "c.yml:1: a: unknown key"},
      {"monitor: ws://\n", "c.yml:1: monitor: must be a ws://host:port address"},
      {"timeouts: {connect: -1}\n", "c.yml:1: timeouts.connect: must be milliseconds above 0"},
      {"timeouts: {jobs: 1}\n", "c.yml:1: timeouts.jobs: unknown key"},
      {"username: [a]\n", "c.yml:1: username: must be a string"},
      {"- 1\n", "c.yml:1: (document): must be a map"},
  }));
  auto parsed = parse_client_config(r.yaml, "c.yml");
  REQUIRE_FALSE(parsed);
  CHECK(parsed.error().message == r.message);
}

TEST_CASE("addresses split into host, port and path", "[client][config]") {
  auto u = parse_url("http://127.0.0.1:9999/prefix/", "http", "file server address");
  REQUIRE(u);
  CHECK(u.value().host == "127.0.0.1");
  CHECK(u.value().port == "9999");
  CHECK(u.value().path == "/prefix");
  auto plain = parse_url("ws://monitor", "ws", "monitor address");
  REQUIRE(plain);
  CHECK(plain.value().port == "80");
  auto tcp = parse_url("tcp://h", "tcp", "broker address");
  REQUIRE_FALSE(tcp);
  CHECK(tcp.error().message == "broker address 'tcp://h': has no valid port");
  auto wrong = parse_url("https://h:1", "http", "file server address");
  REQUIRE_FALSE(wrong);
  CHECK(wrong.error().message == "file server address 'https://h:1': must start with http://");
}

TEST_CASE("monitor messages parse into progress events", "[client][config]") {
  auto e =
      parse_progress_event(R"({"command": "TASK", "task_id": "run-a", "task_state": "COMPLETED"})");
  REQUIRE(e);
  CHECK(e.value().text() == "TASK run-a COMPLETED");
  auto f = parse_progress_event(R"({"command": "FINISHED"})");
  REQUIRE(f);
  CHECK(f.value().text() == "FINISHED");
  CHECK_FALSE(parse_progress_event("FINISHED"));
  CHECK_FALSE(parse_progress_event(R"({"task_id": "x"})"));
}

TEST_CASE("the example client config loads and holds the defaults", "[client][config]") {
  auto loaded = load_client_config(std::string(RECODEX_SOURCE_DIR) + "/deploy/examples/client.yml");
  REQUIRE(loaded);
  const client_config defaults;
  CHECK(loaded.value().broker == defaults.broker);
  CHECK(loaded.value().fileserver == defaults.fileserver);
  CHECK(loaded.value().monitor == defaults.monitor);
  CHECK(loaded.value().job_timeout == defaults.job_timeout);
  CHECK(std::filesystem::equivalent(loaded.value().environments_dir, default_environments_dir()));
}

TEST_CASE("a job ends with FINISHED, or with a FAILED that nothing follows", "[client][follow]") {
  using std::chrono::steady_clock;
  const auto t0 = steady_clock::time_point{} + 1h;
  auto event = [](std::string command) { return progress_event{std::move(command), {}, {}}; };
  const progress_event task{"TASK", "run-a", "COMPLETED"};

  SECTION("a normal job") {
    job_end_tracker t;
    for (const char* c : {"DOWNLOADED", "STARTED"})
      CHECK_FALSE(t.on_event(event(c), t0));
    CHECK_FALSE(t.on_event(task, t0));
    CHECK_FALSE(t.wait_until());
    CHECK_FALSE(t.on_silence(t0 + 1h));
    CHECK(t.on_event(event("FINISHED"), t0) == job_end::finished);
  }
  SECTION("a worker's failed job: FAILED then FINISHED") {
    job_end_tracker t;
    CHECK_FALSE(t.on_event(event("FAILED"), t0));
    CHECK(t.on_event(event("FINISHED"), t0 + 1ms) == job_end::failed);
  }
  SECTION("the broker gives the job up: a lone FAILED") {
    job_end_tracker t;
    CHECK_FALSE(t.on_event(event("FAILED"), t0));
    CHECK(t.wait_until() == t0 + job_end_tracker::failed_grace);
    CHECK_FALSE(t.on_silence(t0 + 1ms));
    CHECK(t.on_silence(t0 + job_end_tracker::failed_grace) == job_end::failed);
  }
  SECTION("a FAILED the job outlives, and a retry after ABORTED") {
    job_end_tracker t;
    CHECK_FALSE(t.on_event(event("FAILED"), t0));
    CHECK_FALSE(t.on_event(task, t0 + 1s));
    CHECK_FALSE(t.wait_until());
    CHECK_FALSE(t.on_event(event("ABORTED"), t0 + 2s));
    CHECK_FALSE(t.on_event(event("DOWNLOADED"), t0 + 3s));
    CHECK(t.on_event(event("FINISHED"), t0 + 4s) == job_end::finished);
  }
}
