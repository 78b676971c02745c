// `recodex serve` and `recodex demo` as processes: serve prints one line per component and
// exits 0 on SIGTERM; demo runs every sample submission and each shows its verdict. Needs root.
#include "tests/harness/child_process.hpp"
#include "tests/harness/temp_directory.hpp"
#include "tests/harness/zmq_peers.hpp"
#include "tests/integration/sandbox/sandbox_fixture.hpp"

#include <catch2/catch.hpp>
#include <thread>

using namespace recodex::testing;
using namespace std::chrono_literals;

namespace {

const std::string recodex_program = std::string(RECODEX_BIN_DIR) + "/recodex";

std::uint16_t port_after_last_colon(const std::string& line) {
  auto end = line.find(' ', line.rfind(':'));
  return static_cast<std::uint16_t>(
      std::stoul(line.substr(line.rfind(':') + 1, end - line.rfind(':') - 1)));
}

} // namespace

TEST_CASE("recodex serve prints where each component listens and exits 0 on SIGTERM",
          "[embedded][process]") {
  REQUIRE_SANDBOX_HOST();
  temp_directory dir{"recodex-serve"};
  child_process serve{{recodex_program, "serve", "--any-ports", "--slots", "2", "--data-dir",
                       (dir.path() / "var").string()}};
  std::string out; // the lines up to "running; ..."
  while (auto line = serve.read_line(30s)) {
    out += *line + "\n";
    if (line->rfind("running;", 0) == 0)
      break;
  }
  INFO(out << serve.stderr_text());
  REQUIRE(out.find("running;") != std::string::npos);
  for (const char* component :
       {"file server     http://127.0.0.1:", "broker clients  tcp://127.0.0.1:",
        "broker workers  tcp://127.0.0.1:", "broker cluster  caf://127.0.0.1:",
        "monitor         ws://127.0.0.1:", "worker slots    2 x hwgroup group1"})
    CHECK(out.find(component) != std::string::npos);
  auto clients = out.substr(out.find("broker clients"));
  dealer client{port_after_last_colon(clients.substr(0, clients.find('\n')))};
  bool registered = false;
  for (int attempt = 0; attempt < 100 && !registered; ++attempt) {
    client.send({"get-runtime-stats"});
    if (auto reply = client.recv(2s))
      for (std::size_t i = 0; i + 1 < reply->size(); ++i)
        registered = registered || ((*reply)[i] == "worker-count" && (*reply)[i + 1] == "2");
    if (!registered)
      std::this_thread::sleep_for(50ms);
  }
  CHECK(registered);
  auto before = std::chrono::steady_clock::now();
  CHECK(serve.terminate(10s) == 0);
  CHECK(std::chrono::steady_clock::now() - before < 5s);
}

TEST_CASE("recodex serve refuses unknown flags with exit code 2", "[embedded][process]") {
  child_process serve{{recodex_program, "serve", "--slots", "zero"}};
  CHECK(serve.wait_exit(10s) == 2);
  CHECK(serve.stderr_text().find("--slots expects a number") != std::string::npos);
}

TEST_CASE("recodex demo shows every sample submission's verdict in its table",
          "[embedded][process]") {
  REQUIRE_SANDBOX_HOST();
  child_process demo{{recodex_program, "demo", "--slots", "2"}};
  auto status = demo.wait_exit(120s);
  INFO(demo.stdout_text() << demo.stderr_text());
  REQUIRE(status);
  CHECK((*status == 0 || *status == 1)); // 1: a submission did not show its verdict
  const auto& out = demo.stdout_text();
  for (const std::string row :
       {"sum-c ", "sum-cpp ", "sum-python ", "sum-java ", "wrong-answer ", "time-limit ",
        "memory-limit ", "runtime-error ", "compile-error "}) {
    auto start = out.find("\n" + row);
    REQUIRE(start != std::string::npos);
    auto line = out.substr(start + 1, out.find('\n', start + 1) - start - 1);
    INFO(line);
    // The time-limit example's loop takes about the limit on this machine kind (its verdict
    // depends on the host's speed), so only its row is required.
    if (row != "time-limit ")
      CHECK(line.find("(shown)") != std::string::npos);
  }
}
