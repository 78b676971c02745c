// The `recodex` binary as a user runs it: usage and unreachable components (no system), task
// versions against a real file server, and the sample task evaluated by the whole system (the
// C solution passes, the wrong-answer solution gets WA on its large test). The last needs root
// for the worker's sandbox.
#include "tests/integration/client/cli_system.hpp"
#include "tests/integration/sandbox/sandbox_fixture.hpp"

#include <catch2/catch.hpp>
#include <regex>

using namespace recodex::testing;
using namespace std::chrono_literals;

namespace {

const std::string examples = std::string(RECODEX_SOURCE_DIR) + "/deploy/examples";

bool contains(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

// The job id from "submitted job <id> (...)".
std::string job_id_of(const std::string& out) {
  std::smatch m;
  return std::regex_search(out, m, std::regex("submitted job (\\S+)")) ? m[1].str() : "";
}

} // namespace

TEST_CASE("recodex answers usage errors with 2 and names the unreachable component with 3",
          "[client][cli]") {
  auto help = run_recodex({"--help"}, 10s);
  CHECK(help.exit_code == 0);
  CHECK(contains(help.out, "submit"));
  CHECK(contains(help.out, "Exit codes"));
  for (const char* verb : {"submit", "task", "results", "broker"}) {
    auto verb_help = run_recodex({verb, "--help"}, 10s);
    CHECK(verb_help.exit_code == 0);
    CHECK(contains(verb_help.out, std::string("recodex ") + verb));
  }
  CHECK(run_recodex({}, 10s).exit_code == 2);
  CHECK(run_recodex({"frobnicate"}, 10s).exit_code == 2);
  auto no_task = run_recodex({"submit", "dir"}, 10s);
  CHECK(no_task.exit_code == 2);
  CHECK(contains(no_task.err, "--task is required"));
  CHECK(run_recodex({"task", "revert", "sum", "x"}, 10s).exit_code == 2);

  // Port 1 on loopback: nothing listens there.
  auto broker = run_recodex({"--broker", "tcp://127.0.0.1:1", "broker", "stats"}, 20s);
  CHECK(broker.exit_code == 3);
  CHECK(contains(broker.err, "broker at tcp://127.0.0.1:1"));
  auto files = run_recodex({"--fileserver", "http://127.0.0.1:1", "task", "versions", "sum"}, 20s);
  CHECK(files.exit_code == 3);
  CHECK(contains(files.err, "file server at http://127.0.0.1:1"));
  CHECK(contains(files.err, "cannot connect"));
}

TEST_CASE("task versions: push, list, show, revert and diff through a real file server",
          "[client][cli]") {
  cli_system system(false);
  auto pushed = system.run({"task", "push", examples + "/sum", "-m", "first"});
  INFO(pushed.out << pushed.err << system.logs());
  REQUIRE(pushed.exit_code == 0);
  CHECK(contains(pushed.out, "task sum version 1"));
  CHECK(contains(pushed.out, "task.yml"));
  CHECK(contains(pushed.out, "5.out"));

  REQUIRE(system.run({"task", "push", examples + "/sum", "-m", "second"}).exit_code == 0);
  auto versions = system.run({"task", "versions", "sum"});
  CHECK(versions.exit_code == 0);
  CHECK(contains(versions.out, "first"));
  CHECK(contains(versions.out, "second"));

  auto shown = system.run({"task", "show", "sum", "1"});
  CHECK(shown.exit_code == 0);
  CHECK(contains(shown.out, "id: sum"));

  auto reverted = system.run({"task", "revert", "sum", "1"});
  CHECK(reverted.exit_code == 0);
  CHECK(contains(reverted.out, "task sum version 3"));
  auto diff = system.run({"task", "diff", "sum", "1", "latest"});
  CHECK(diff.exit_code == 0);
  CHECK(contains(diff.out, "no differences"));

  auto missing = system.run({"task", "show", "nosuchtask"});
  CHECK(missing.exit_code == 1);
  CHECK(contains(missing.err, "HTTP 404"));
  auto wrong_password = system.run({"--password", "wrong", "task", "versions", "sum"});
  CHECK(wrong_password.exit_code == 1);
  CHECK(contains(wrong_password.err, "HTTP 401"));
  CHECK(contains(wrong_password.err, "--password"));
  auto bad_task = system.run({"task", "push", examples + "/solutions/sum-c"});
  CHECK(bad_task.exit_code == 1);
  CHECK(contains(bad_task.err, "task.yml"));
}

TEST_CASE("the sample task through the whole system: the C solution passes, the wrong answer "
          "fails its large test",
          "[client][cli][e2e]") {
  REQUIRE_SANDBOX_HOST();
  cli_system system(true);
  system.start_worker(41);
  REQUIRE(system.wait_for_workers(1, 30s));
  auto pushed = system.run({"task", "push", examples + "/sum"});
  REQUIRE(pushed.exit_code == 0);

  const auto started = std::chrono::steady_clock::now();
  auto good =
      system.run({"submit", examples + "/solutions/sum-c", "--task", "sum", "--follow"}, 120s);
  const auto took = std::chrono::steady_clock::now() - started;
  INFO(good.out << good.err << system.logs());
  CHECK(good.exit_code == 0);
  CHECK(contains(good.out, "c-gcc-linux"));
  CHECK(std::regex_search(good.out, std::regex("large +OK +[0-9.]+ s")));
  CHECK(contains(good.out, "5 tests: 5 OK"));
  CHECK(contains(good.err, "FINISHED"));
  WARN("sum-c submitted and followed in "
       << std::chrono::duration_cast<std::chrono::milliseconds>(took).count() << " ms");

  auto wrong = system.run(
      {"submit", examples + "/solutions/wrong-answer", "--task", "sum", "--follow"}, 120s);
  INFO(wrong.out << wrong.err);
  CHECK(wrong.exit_code == 1);
  CHECK(std::regex_search(wrong.out, std::regex("large +WA ")));
  CHECK(contains(wrong.out, "5 tests: 4 OK, 1 WA"));

  // The results stay readable afterwards, and the broker counted both jobs.
  auto again = system.run({"results", job_id_of(good.out)});
  CHECK(again.exit_code == 0);
  CHECK(contains(again.out, "5 tests: 5 OK"));
  auto stats = system.run({"broker", "stats"});
  CHECK(stats.exit_code == 0);
  CHECK(std::regex_search(stats.out, std::regex("evaluated-jobs +2")));
}
