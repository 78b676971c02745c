// follow_job (nodes/client/monitor_client.hpp) against a scripted monitor on 127.0.0.1 port 0:
// the events arrive in order and FINISHED ends the job; a monitor that stays silent ends the
// follow with the job timeout (errc::conflict), every time, never as a lost connection; a
// monitor that hangs up mid-job is a lost connection (errc::unavailable).
#include "nodes/client/monitor_client.hpp"

#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core/buffers_to_string.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/websocket.hpp>
#include <catch2/catch.hpp>
#include <functional>
#include <future>
#include <thread>

using namespace recodex;
using namespace recodex::client;
using namespace std::chrono_literals;

namespace {

namespace asio = boost::asio;
namespace websocket = boost::beast::websocket;
using tcp = asio::ip::tcp;

// Accepts `sessions` WebSocket connections one after another; each reads the job id and hands
// the stream to `script`. Joined (and the listener closed) by the destructor.
class scripted_monitor {
public:
  using script = std::function<void(websocket::stream<tcp::socket>&, const std::string& job)>;

  scripted_monitor(int sessions, script s)
      : acceptor_(ioc_, tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0)) {
    thread_ = std::thread([this, sessions, s = std::move(s)] {
      for (int i = 0; i < sessions; ++i) {
        boost::system::error_code ec;
        tcp::socket socket(ioc_);
        acceptor_.accept(socket, ec);
        if (ec)
          return;
        websocket::stream<tcp::socket> ws(std::move(socket));
        boost::beast::flat_buffer job;
        ws.accept(ec);
        if (!ec)
          ws.read(job, ec);
        if (ec)
          continue;
        s(ws, boost::beast::buffers_to_string(job.data()));
      }
    });
  }
  ~scripted_monitor() { thread_.join(); }

  client_config config(std::chrono::milliseconds job_timeout) const {
    client_config c;
    c.monitor = "ws://127.0.0.1:" + std::to_string(acceptor_.local_endpoint().port());
    c.job_timeout = job_timeout;
    return c;
  }

private:
  asio::io_context ioc_;
  tcp::acceptor acceptor_;
  std::thread thread_;
};

// The client may be gone already (it stops reading at FINISHED): errors are ignored.
void send(websocket::stream<tcp::socket>& ws, const std::string& text) {
  boost::system::error_code ec;
  ws.write(asio::buffer(text), ec);
}

// Blocks until the client closes its end (or the connection breaks).
void wait_for_close(websocket::stream<tcp::socket>& ws) {
  boost::beast::flat_buffer buffer;
  boost::system::error_code ec;
  while (!ec)
    ws.read(buffer, ec);
}

} // namespace

TEST_CASE("a followed job's events arrive in order and FINISHED ends it", "[client][follow]") {
  scripted_monitor monitor(1, [](auto& ws, const std::string& job) {
    CHECK(job == "sum_1");
    send(ws, R"({"command":"STARTED"})");
    send(ws, R"({"command":"TASK","task_id":"run-small","task_state":"COMPLETED"})");
    send(ws, R"({"command":"FINISHED"})");
    wait_for_close(ws);
  });
  std::vector<std::string> seen;
  auto end = follow_job(monitor.config(5s), "sum_1",
                        [&](const progress_event& e) { seen.push_back(e.text()); });
  REQUIRE(end);
  CHECK(end.value() == job_end::finished);
  CHECK(seen == std::vector<std::string>{"STARTED", "TASK run-small COMPLETED", "FINISHED"});
}

TEST_CASE("a job the monitor never ends fails with the job timeout, not as a lost connection",
          "[client][follow]") {
  // The wait may end a little before its deadline; each run must still say "timeout".
  constexpr int runs = 10;
  scripted_monitor monitor(runs, [](auto& ws, const std::string&) {
    send(ws, R"({"command":"STARTED"})");
    wait_for_close(ws);
  });
  for (int run = 0; run < runs; ++run) {
    CAPTURE(run);
    const auto before = std::chrono::steady_clock::now();
    auto end = follow_job(monitor.config(150ms), "sum_2", [](const progress_event&) {});
    REQUIRE(!end);
    CHECK(end.error().code == errc::conflict);
    CHECK_THAT(end.error().message, Catch::Contains("job sum_2 did not end within 150 ms"));
    CHECK(std::chrono::steady_clock::now() - before < 2s);
  }
}

TEST_CASE("a monitor that hangs up before the job ends is a lost connection", "[client][follow]") {
  scripted_monitor monitor(1, [](auto& ws, const std::string&) {
    send(ws, R"({"command":"STARTED"})");
    boost::system::error_code ec;
    ws.next_layer().close(ec);
  });
  auto end = follow_job(monitor.config(5s), "sum_3", [](const progress_event&) {});
  REQUIRE(!end);
  CHECK(end.error().code == errc::unavailable);
  CHECK_THAT(end.error().message, Catch::Contains("the connection ended before job sum_3"));
}
