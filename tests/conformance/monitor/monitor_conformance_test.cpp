// The monitor as a ReCodEx broker and a ReCodEx browser see it (spec 3.2-3.4): a ROUTER in the
// test connects to the monitor's ROUTER and sends `recodex-monitor, <job>, <command>[, <task>,
// <state>]`; WebSocket clients subscribe with the job id and must read the exact JSON texts,
// the replay of what came before them, and the server's close after FINISHED.
#include "actors/monitor/monitor_actor.hpp"
#include "messages/actor_system_setup.hpp"
#include "tests/conformance/monitor/ws_client.hpp"
#include "tests/harness/http_client.hpp"

#include <caf/all.hpp>
#include <catch2/catch.hpp>
#include <zmq.hpp>

#include <future>
#include <thread>

using namespace recodex;
using namespace std::chrono_literals;
using recodex::testing::ws_client;

namespace {

caf::actor_system_config& configured(caf::actor_system_config& cfg) {
  configure_actor_system(cfg);
  return cfg;
}

struct monitor_fixture {
  explicit monitor_fixture(monitor::monitor_config config = {}) {
    config.websocket_port = 0;
    config.zeromq_port = 0;
    config.on_exit_requested = [this] { exit_requested.set_value(); };
    handle = monitor::spawn_monitor(sys, std::move(config)).value();
    broker.set(zmq::sockopt::linger, 0);
    // Unroutable sends fail instead of vanishing, so the test knows when the link is up.
    broker.set(zmq::sockopt::router_mandatory, 1);
    broker.connect("tcp://127.0.0.1:" + std::to_string(handle.zeromq_port));
  }
  ~monitor_fixture() { caf::anon_send_exit(handle.actor, caf::exit_reason::user_shutdown); }

  // Sends one message as the ReCodEx broker does. Until ZeroMQ has finished the handshake the
  // ROUTER cannot route to `recodex-monitor` (EHOSTUNREACH): retry for a bounded time, since
  // ZeroMQ announces no event for that moment.
  void send(std::vector<std::string> frames) {
    frames.insert(frames.begin(), "recodex-monitor");
    auto deadline = std::chrono::steady_clock::now() + 10s;
    for (;;) {
      try {
        for (std::size_t i = 0; i < frames.size(); ++i)
          broker.send(zmq::buffer(frames[i]),
                      i + 1 < frames.size() ? zmq::send_flags::sndmore : zmq::send_flags::none);
        return;
      } catch (const zmq::error_t& e) {
        if (e.num() != EHOSTUNREACH || std::chrono::steady_clock::now() > deadline)
          throw;
        std::this_thread::sleep_for(1ms);
      }
    }
  }

  std::uint16_t ws_port() const { return handle.websocket_port; }

  caf::actor_system_config cfg;
  caf::actor_system sys{configured(cfg)};
  monitor::monitor_handle handle;
  std::promise<void> exit_requested;
  zmq::context_t context{1};
  zmq::socket_t broker{context, zmq::socket_type::router};
};

const std::string started = R"({"command": "STARTED"})";
const std::string finished = R"({"command": "FINISHED"})";

} // namespace

TEST_CASE("a browser subscribed before the first message reads each as exact JSON, then is closed "
          "after FINISHED",
          "[monitor][conformance]") {
  monitor_fixture f;
  ws_client browser{f.ws_port(), "/"};
  browser.send("job-1");
  f.send({"job-1", "DOWNLOADED"});
  f.send({"job-1", "STARTED"});
  f.send({"job-1", "TASK", "init_cp", "COMPLETED"});
  f.send({"job-1", "TASK", "run_py", "FAILED"});
  f.send({"job-1", "FAILED"});
  f.send({"job-1", "TASK", "judge", "SKIPPED"});
  f.send({"job-1", "FINISHED"});
  CHECK(browser.read() == std::string{R"({"command": "DOWNLOADED"})"});
  CHECK(browser.read() == started);
  CHECK(browser.read()
        == std::string{R"({"command": "TASK", "task_id": "init_cp", "task_state": "COMPLETED"})"});
  CHECK(browser.read()
        == std::string{R"({"command": "TASK", "task_id": "run_py", "task_state": "FAILED"})"});
  CHECK(browser.read() == std::string{R"({"command": "FAILED"})"}); // FAILED does not close
  CHECK(browser.read()
        == std::string{R"({"command": "TASK", "task_id": "judge", "task_state": "SKIPPED"})"});
  CHECK(browser.read() == finished);
  CHECK(browser.read() == std::nullopt);
  CHECK(browser.close_code() == 1000);
}

TEST_CASE("a browser subscribing after the first messages gets them replayed, then the rest",
          "[monitor][conformance]") {
  monitor_fixture f;
  f.send({"job-2", "STARTED"});
  f.send({"job-2", "TASK", "a", "COMPLETED"});
  // The first browser reading both proves the monitor holds them before the second subscribes.
  ws_client first{f.ws_port(), "/ws"};
  first.send("job-2");
  CHECK(first.read() == started);
  CHECK(first.read() == std::string{R"({"command": "TASK", "task_id": "a", "task_state": "COMPLETED"})"});
  ws_client second{f.ws_port(), "/any/path"};
  second.send("job-2");
  CHECK(second.read() == started);
  CHECK(second.read() == std::string{R"({"command": "TASK", "task_id": "a", "task_state": "COMPLETED"})"});
  f.send({"job-2", "ABORTED"}); // does not close either
  f.send({"job-2", "FINISHED"});
  for (auto* browser : {&first, &second}) {
    CHECK(browser->read() == std::string{R"({"command": "ABORTED"})"});
    CHECK(browser->read() == finished);
    CHECK(browser->read() == std::nullopt);
    CHECK(browser->close_code() == 1000);
  }
  // After FINISHED a late browser gets the whole replay and the close at once.
  ws_client late{f.ws_port()};
  late.send("job-2");
  for (int i = 0; i < 3; ++i)
    CHECK(late.read().has_value());
  CHECK(late.read() == finished);
  CHECK(late.read() == std::nullopt);
}

TEST_CASE("channels are kept apart", "[monitor][conformance]") {
  monitor_fixture f;
  ws_client a{f.ws_port()};
  ws_client b{f.ws_port()};
  a.send("A");
  b.send("B");
  f.send({"B", "STARTED"});
  f.send({"A", "FINISHED"});
  f.send({"B", "FINISHED"});
  CHECK(a.read() == finished);
  CHECK(a.read() == std::nullopt);
  CHECK(b.read() == started);
  CHECK(b.read() == finished);
}

TEST_CASE("our broker's progress over CAF reaches the browser like ZeroMQ's",
          "[monitor][conformance]") {
  monitor_fixture f;
  ws_client browser{f.ws_port()};
  browser.send("42");
  caf::anon_send(f.handle.actor, progress{"42", "TASK", "t\"1", "COMPLETED"});
  caf::anon_send(f.handle.actor, progress{"42", "FINISHED", "", ""});
  CHECK(browser.read()
        == std::string{R"({"command": "TASK", "task_id": "t\"1", "task_state": "COMPLETED"})"});
  CHECK(browser.read() == finished);
  CHECK(browser.read() == std::nullopt);
}

TEST_CASE("the control message 0/exit asks the node to stop", "[monitor][conformance]") {
  monitor_fixture f;
  auto requested = f.exit_requested.get_future();
  f.send({"0", "exit"});
  CHECK(requested.wait_for(10s) == std::future_status::ready);
}

TEST_CASE("malformed ZeroMQ messages are ignored and the monitor keeps serving",
          "[monitor][conformance]") {
  monitor_fixture f;
  ws_client browser{f.ws_port()};
  browser.send("7");
  f.send({"7"});
  f.send({"7", "TASK", "only-id"});
  f.send({"7", "FINISHED"});
  CHECK(browser.read() == finished);
}

TEST_CASE("a browser that stops reading is closed with a reason and does not hold up others",
          "[monitor][conformance]") {
  monitor::monitor_config config;
  config.max_session_queue_bytes = 64 * 1024;
  monitor_fixture f{config};
  ws_client slow{f.ws_port(), "/", 4096};
  ws_client fast{f.ws_port()};
  slow.send("slow");
  fast.send("fast");
  // Both subscriptions are in once each browser has read a first message.
  f.send({"slow", "STARTED"});
  f.send({"fast", "STARTED"});
  CHECK(slow.read() == started);
  CHECK(fast.read() == started);
  // 32 MiB for the slow browser: more than the kernel buffers plus the 64 KiB bound.
  const std::string big(4096, 'x');
  for (int i = 0; i < 8192; ++i)
    f.send({"slow", "TASK", big, "COMPLETED"});
  f.send({"fast", "FINISHED"});
  // Sent after the flood and delivered at once: the flood did not block the other session.
  CHECK(fast.read(5s) == finished);
  int received = 0;
  while (slow.read())
    ++received;
  CHECK(received < 8192);
  CHECK(slow.close_code() == 1008);
  CHECK(slow.close_reason().rfind("too slow", 0) == 0);
}

TEST_CASE("the same port serves the progress page", "[monitor][conformance]") {
  monitor_fixture f;
  recodex::testing::http_connection http{"127.0.0.1", f.ws_port()};
  auto root = http.request("GET", "/");
  CHECK(root.status == 200);
  CHECK(root.header("content-type").rfind("text/html", 0) == 0);
  CHECK(root.body.find("monitor.js") != std::string::npos);
  auto job = http.request("GET", "/jobs/42?tasks=3");
  CHECK(job.status == 200);
  CHECK(job.body == root.body);
  auto script = http.request("GET", "/monitor.js");
  CHECK(script.status == 200);
  CHECK(script.header("content-type").rfind("text/javascript", 0) == 0);
  CHECK(http.request("GET", "/monitor.css").status == 200);
  CHECK(http.request("GET", "/nope").status == 404);
  CHECK(http.request("GET", "/jobs/1/2").status == 404);
  CHECK(http.request("GET", "/../etc/passwd").status == 404);
  CHECK(http.request("POST", "/", "x").status == 405);
}
