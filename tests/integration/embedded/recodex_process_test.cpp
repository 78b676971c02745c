// `recodex serve` and `recodex demo` as processes: serve prints one line per component and
// exits 0 on SIGTERM; demo follows every sample submission at once (their progress lines
// interleave) and each shows its verdict in the table; a job that does not end within the
// demo's --timeout ends it with exit 1 and a message, promptly. The verbs' flags: each --help
// lists only what the verb takes, and a client option given to serve or demo is a usage error
// (exit 2) naming the flag and the verb. The serve and demo runs need root; the flag checks
// do not.
#include "tests/harness/child_process.hpp"
#include "tests/harness/temp_directory.hpp"
#include "tests/harness/zmq_peers.hpp"
#include "tests/integration/sandbox/sandbox_fixture.hpp"

#include <catch2/catch.hpp>
#include <map>
#include <sstream>
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

// Runs `recodex args...` to its end (at most `timeout`).
finished_process run_recodex(const std::vector<std::string>& args, std::chrono::milliseconds timeout) {
  std::vector<std::string> argv{recodex_program};
  argv.insert(argv.end(), args.begin(), args.end());
  return run_to_end(argv, timeout);
}

bool contains(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

const std::vector<std::string> client_options = {
    "--config", "--broker", "--fileserver", "--monitor", "--user", "--password", "--environments"};

const std::vector<std::string> sample_names = {"sum-c",        "sum-cpp",       "sum-python",
                                               "sum-java",     "wrong-answer",  "time-limit",
                                               "memory-limit", "runtime-error", "compile-error"};

// The demo's progress lines "[name] what" (stdout is a pipe, so plain lines), in their order.
std::vector<std::pair<std::string, std::string>> progress_lines(const std::string& out) {
  std::vector<std::pair<std::string, std::string>> lines;
  std::istringstream in(out);
  for (std::string line; std::getline(in, line);) {
    if (line.empty() || line[0] != '[' || line.find(']') == std::string::npos)
      continue;
    const auto close = line.find(']');
    const auto what = line.find_first_not_of(' ', close + 1);
    lines.emplace_back(line.substr(1, close - 1),
                       what == std::string::npos ? "" : line.substr(what));
  }
  return lines;
}

} // namespace

TEST_CASE("each verb's --help lists the flags it takes and no others", "[embedded][process][cli]") {
  const std::map<std::string, std::vector<std::string>> own_flags = {
      {"serve", {"--data-dir", "--slots", "--port-offset", "--any-ports", "--log-level"}},
      {"demo", {"--slots", "--examples", "--keep-data", "--timeout"}},
      {"submit", {"--task", "--follow", "--job-id"}},
      {"task", {"-m MESSAGE"}},
      {"results", {}},
      {"broker", {}}};
  for (const auto& [verb, flags] : own_flags) {
    CAPTURE(verb);
    auto help = run_recodex({verb, "--help"}, 10s);
    CHECK(help.exit_code == 0);
    CHECK(contains(help.out, "Usage: recodex " + verb));
    CHECK(contains(help.out, "-h, --help"));
    CHECK(contains(help.out, "Exit codes"));
    for (const auto& flag : flags)
      CHECK(contains(help.out, flag));
    const bool runs_its_own_system = verb == "serve" || verb == "demo";
    for (const auto& option : client_options) {
      CAPTURE(option);
      CHECK(contains(help.out, option) == !runs_its_own_system);
    }
    // One verb's own flags are not offered by another.
    for (const auto& [other, other_flags] : own_flags)
      for (const auto& flag : other_flags)
        if (std::find(flags.begin(), flags.end(), flag) == flags.end()) {
          CAPTURE(other, flag);
          CHECK(!contains(help.out, flag + " "));
        }
  }
  auto overview = run_recodex({"--help"}, 10s);
  CHECK(overview.exit_code == 0);
  CHECK(contains(overview.out, "Client options of submit, task, results, broker"));
  CHECK(contains(overview.out, "serve, demo run a system of their own"));
}

TEST_CASE("a client option given to serve or demo is a usage error naming the flag and the verb",
          "[embedded][process][cli]") {
  for (const std::string verb : {"serve", "demo"})
    for (const auto& option : client_options) {
      CAPTURE(verb, option);
      // After the verb and before it: the client options are taken anywhere on the line.
      for (const auto& args : {std::vector<std::string>{verb, option, "x"},
                               std::vector<std::string>{option, "x", verb}}) {
        auto run = run_recodex(args, 10s);
        CHECK(run.exit_code == 2);
        CHECK(contains(run.err, "recodex " + verb + ": " + option + " does not apply to " + verb));
        CHECK(contains(run.err, "recodex " + verb + " --help"));
        CHECK(run.out.empty());
      }
    }
  // --help does not hide the mistake.
  CHECK(run_recodex({"serve", "--broker", "tcp://127.0.0.1:1", "--help"}, 10s).exit_code == 2);
  // A flag of one verb given to another: the verb's own parser names it.
  auto demo = run_recodex({"demo", "--data-dir", "x"}, 10s);
  CHECK(demo.exit_code == 2);
  CHECK(contains(demo.err, "recodex demo: unknown argument '--data-dir'"));
  auto serve = run_recodex({"serve", "--timeout", "5"}, 10s);
  CHECK(serve.exit_code == 2);
  CHECK(contains(serve.err, "recodex serve: unknown argument '--timeout'"));
  auto results = run_recodex({"results", "job", "--slots", "2"}, 10s);
  CHECK(results.exit_code == 2);
  CHECK(contains(results.err, "recodex results: unknown option --slots"));
}

TEST_CASE("the client verbs take every client option, before or after the verb",
          "[embedded][process][cli]") {
  // Port 1 on loopback: nothing listens, so the verb runs and reports the file server (3), as
  // deploy/cluster/cluster.sh relies on (it gives all of them to every verb).
  auto run = run_recodex({"task", "versions", "sum", "--fileserver", "http://127.0.0.1:1",
                          "--broker", "tcp://127.0.0.1:1", "--monitor", "ws://127.0.0.1:1",
                          "--user", "re", "--password", "codex", "--environments",
                          std::string(RECODEX_SOURCE_DIR) + "/deploy/environments"},
                         20s);
  CHECK(run.exit_code == 3);
  CHECK(contains(run.err, "file server at http://127.0.0.1:1"));
}

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
  CHECK(await_runtime_stat(client, "worker-count", 2));
  CHECK(runtime_stat(client, "worker-count") == std::optional<std::uint64_t>{2});
  auto before = std::chrono::steady_clock::now();
  CHECK(serve.terminate(10s) == 0);
  CHECK(std::chrono::steady_clock::now() - before < 5s);
}

TEST_CASE("recodex serve refuses unknown flags with exit code 2", "[embedded][process]") {
  child_process serve{{recodex_program, "serve", "--slots", "zero"}};
  CHECK(serve.wait_exit(10s) == 2);
  CHECK(serve.stderr_text().find("--slots expects a number") != std::string::npos);
}

TEST_CASE("recodex demo follows every sample submission at once and shows each verdict",
          "[embedded][process]") {
  REQUIRE_SANDBOX_HOST();
  child_process demo{{recodex_program, "demo", "--slots", "2"}};
  auto status = demo.wait_exit(180s);
  demo.collect_output(100ms);
  INFO(demo.stdout_text() << demo.stderr_text());
  REQUIRE(status);
  CHECK((*status == 0 || *status == 1)); // 1: a submission did not show its verdict
  const auto& out = demo.stdout_text();

  // Progress: every submission is submitted, starts and finishes with its verdict, in lines
  // of its own, and the lines of different submissions interleave (they are followed at once:
  // one's job starts before another's finishes, as the two slots run two at a time).
  const auto lines = progress_lines(out);
  std::map<std::string, std::size_t> first, last;
  for (std::size_t i = 0; i < lines.size(); ++i) {
    first.emplace(lines[i].first, i);
    last[lines[i].first] = i;
  }
  for (const auto& name : sample_names) {
    CAPTURE(name);
    REQUIRE(first.count(name));
    CHECK(lines[first[name]].second.rfind("submitted as job ", 0) == 0);
    CHECK(lines[last[name]].second.rfind("FINISHED: ", 0) == 0);
    bool started = false;
    for (const auto& [who, what] : lines)
      started = started || (who == name && what == "STARTED");
    CHECK(started);
  }
  CHECK(first.size() == sample_names.size());
  bool interleaved = false;
  for (const auto& a : sample_names)
    for (const auto& b : sample_names)
      interleaved = interleaved || (a != b && first[b] > first[a] && first[b] < last[a]);
  CHECK(interleaved);
  CHECK(contains(out, "[compile-error] compile FAILED"));
  CHECK(contains(out, "[wrong-answer]  judge-large FAILED"));
  CHECK(!contains(out, "DOWNLOADED")); // steps of every job are not worth a line each

  // The table, as before: a header row, then one row per submission in the examples' order.
  const auto header = out.find("\nsubmission     small");
  REQUIRE(header != std::string::npos);
  CHECK(contains(out.substr(header), "negative             zeros                medium"));
  std::size_t previous = header;
  for (const auto& name : sample_names) {
    const std::string row = name + " ";
    auto start = out.find("\n" + row, header);
    REQUIRE(start != std::string::npos);
    CHECK(start > previous);
    previous = start;
    auto line = out.substr(start + 1, out.find('\n', start + 1) - start - 1);
    INFO(line);
    // The time-limit example's loop takes about the limit on this machine kind (its verdict
    // depends on the host's speed), so only its row is required.
    if (row != "time-limit ")
      CHECK(line.find("(shown)") != std::string::npos);
  }
}

TEST_CASE("recodex demo ends with exit 1 and says which jobs did not end within --timeout",
          "[embedded][process]") {
  REQUIRE_SANDBOX_HOST();
  // One slot and a second each: most of the nine jobs are still queued when their time is up.
  const auto before = std::chrono::steady_clock::now();
  child_process demo{{recodex_program, "demo", "--slots", "1", "--timeout", "1"}};
  auto status = demo.wait_exit(60s);
  demo.collect_output(100ms);
  INFO(demo.stdout_text() << demo.stderr_text());
  REQUIRE(status);
  CHECK(*status == 1);
  CHECK(std::chrono::steady_clock::now() - before < 30s);
  const auto& err = demo.stderr_text();
  CHECK(contains(err, "submissions failed:"));
  CHECK(contains(err, "following compile-error: monitor at ws://127.0.0.1:"));
  CHECK(contains(err, "did not end within 1 s"));
  CHECK(!contains(err, "connection ended"));
  CHECK(contains(err, "--timeout SECONDS gives each job longer"));
  CHECK(!contains(demo.stdout_text(), "\nsubmission ")); // no table
}
