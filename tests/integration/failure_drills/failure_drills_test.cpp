// Failure drills with real processes on loopback (issue 7): the broker killed -9 with jobs
// queued and running and started again on its ports with its journal; the file server stopped
// during a job and started again on its port and data dir; 200 submissions at once while a
// worker is killed and restarted. A worker killed mid-job is in tests/integration/worker_e2e.
// Needs root for the sandbox.
#include "tests/integration/worker_e2e/e2e_system.hpp"

#include "tests/integration/sandbox/sandbox_fixture.hpp"

#include <catch2/catch.hpp>

#include <algorithm>
#include <thread>

using namespace recodex::testing;
using namespace std::chrono_literals;

namespace {

// Two tests (OK and wrong answer) of the sum exercise: a job of about a second.
const char* sum_source = "#include <stdio.h>\n"
                         "int main(void) { long a, b; if (scanf(\"%ld %ld\", &a, &b) != 2) return 2;\n"
                         "  printf(\"%ld\\n\", a == 42 ? a : a + b); return 0; }\n";

// The same, sleeping 0.4 s per run, so a job takes about a second (it takes 0.15 s otherwise):
// the broker drills kill the broker at the first job's STARTED, and with jobs this long that is
// while two jobs run and four wait, never at a job's end, where the short windows of
// actors/broker/README.md (Durability) are.
const char* slow_sum_source =
    "#include <stdio.h>\n#include <time.h>\n"
    "int main(void) { long a, b; struct timespec pause = {0, 400000000L};\n"
    "  if (scanf(\"%ld %ld\", &a, &b) != 2) return 2;\n"
    "  nanosleep(&pause, 0);\n"
    "  printf(\"%ld\\n\", a == 42 ? a : a + b); return 0; }\n";

std::vector<sum_test> two_tests() {
  auto all = five_verdict_tests();
  return {all[0], all[1]};
}

// A submission the broker refuses fails the test with every node's log.
void submit_or_fail(e2e_system& system, const std::string& job, const std::vector<sum_test>& tests,
                    const char* source = sum_source) {
  try {
    system.submit_sum_job(job, source, tests);
  } catch (const std::exception& e) {
    FAIL(e.what() << "\n" << system.logs());
  }
}

std::vector<std::string> numbered(const std::string& prefix, std::size_t count) {
  std::vector<std::string> ids;
  for (std::size_t i = 0; i < count; ++i)
    ids.push_back(prefix + std::to_string(i));
  return ids;
}

std::string progress_summary(e2e_system& system, const std::vector<std::string>& jobs) {
  std::string out;
  for (const auto& job : jobs)
    out += job + ": " + Catch::Detail::stringify(system.history(job)) + "\n";
  return out;
}

std::size_t jobs_with(e2e_system& system, const std::vector<std::string>& jobs, const std::string& state) {
  return static_cast<std::size_t>(
      std::count_if(jobs.begin(), jobs.end(), [&](const auto& job) { return system.count_progress(job, state) > 0; }));
}

// Waits until every job has at least one status callback, then a little longer, so that a
// second one would show; true when every job has exactly one.
bool reported_once_each(e2e_system& system, const std::vector<std::string>& jobs) {
  auto deadline = std::chrono::steady_clock::now() + 20s;
  auto all_reported = [&] {
    return std::all_of(jobs.begin(), jobs.end(), [&](const auto& job) { return !system.reports_of(job).empty(); });
  };
  while (!all_reported() && std::chrono::steady_clock::now() < deadline)
    std::this_thread::sleep_for(50ms);
  std::this_thread::sleep_for(1s);
  return std::all_of(jobs.begin(), jobs.end(), [&](const auto& job) { return system.reports_of(job).size() == 1; });
}

// Reports beyond the first of each job: the web application heard of a job twice.
std::size_t duplicate_reports(e2e_system& system, const std::vector<std::string>& jobs) {
  std::size_t extra = 0;
  for (const auto& job : jobs)
    extra += std::max<std::size_t>(system.reports_of(job).size(), 1) - 1;
  return extra;
}

std::string reports_summary(e2e_system& system, const std::vector<std::string>& jobs) {
  std::string out;
  for (const auto& job : jobs) {
    auto reports = system.reports_of(job);
    if (reports.size() == 1 && reports[0].body.find("status=OK") != std::string::npos)
      continue;
    out += job + ":";
    for (const auto& r : reports)
      out += " [" + r.body + "]";
    out += "\n";
  }
  return out.empty() ? "every job reported once, OK\n" : out;
}

void check_two_test_results(e2e_system& system, const std::string& job) {
  auto results = system.results(job);
  REQUIRE(results);
  CHECK(results->tasks.at("build").status == "OK");
  CHECK(results->tasks.at("judge-T1").status == "OK");
  CHECK(results->tasks.at("judge-T2").status == "FAILED");
}

} // namespace

// The broker's warnings, failure reports and what it recovered, for a drill's message.
std::string broker_complaints(const std::string& logs) {
  std::string out;
  std::size_t from = 0;
  for (auto at = logs.find("[broker] [", from); at != std::string::npos; at = logs.find("[broker] [", from)) {
    auto end = logs.find('\n', at);
    auto line = logs.substr(at, end == std::string::npos ? std::string::npos : end - at);
    if (line.find("[warning]") != std::string::npos ||
        line.find("reported FAILED") != std::string::npos ||
        line.find("journal: recovered") != std::string::npos)
      out += line + "\n";
    from = end == std::string::npos ? logs.size() : end;
  }
  return out;
}

// Six jobs on two workers (ZeroMQ and CAF): kill -9 the broker once the first has started (two
// running, four queued), keep it down for `down`, start it again on the same ports and journal.
// Exactly once is the bar: a duplicate report would be the window between the web application's
// answer and the journal's record of the delivery (actors/broker/README.md), which this timing
// keeps the kill away from; the message counts duplicates should one ever show.
void broker_restart_drill(std::chrono::milliseconds down) {
  e2e_options options;
  options.journal = true;
  options.recovery_grace_ms = 10000;
  e2e_system system{options};
  system.start_worker(31, worker_transport::zeromq);
  system.start_worker(32, worker_transport::caf);
  REQUIRE(system.wait_for_workers(2, 20s));
  auto jobs = numbered("drill_broker_", 6);
  for (const auto& job : jobs)
    submit_or_fail(system, job, two_tests(), slow_sum_source);
  REQUIRE(system.wait_for_progress(jobs[0], "STARTED", 30s));
  system.kill_broker();
  std::this_thread::sleep_for(down);
  system.restart_broker();

  auto unfinished = system.wait_until_ended(jobs, 40s);
  system.drain_progress(1s); // a second FINISHED would show up here
  bool once = reported_once_each(system, jobs);
  auto logs = system.logs();
  WARN("broker down " << down.count() << " ms: " << jobs_with(system, jobs, "ABORTED")
                      << " of 6 jobs re-queued (ABORTED), " << duplicate_reports(system, jobs)
                      << " duplicate reports\n"
                      << reports_summary(system, jobs) << broker_complaints(logs));
  INFO(progress_summary(system, jobs) << logs);
  CHECK(unfinished.empty());
  // The web application hears of each job once, with OK; the monitor sees it finish once.
  CHECK(once);
  for (const auto& job : jobs) {
    INFO(job);
    auto reports = system.reports_of(job);
    CHECK(reports.size() == 1);
    CHECK((!reports.empty() && reports[0].body.find("status=OK") != std::string::npos));
    CHECK(system.count_progress(job, "FINISHED") == 1);
    CHECK(system.count_progress(job, "FAILED") == 0);
    check_two_test_results(system, job);
  }
  // The workers registered again by themselves.
  CHECK(system.wait_for_workers(2, 10s));
}

// Down 300 ms: the ZeroMQ worker's DEALER may reconnect by itself before its liveness runs out
// (its queued pings then get `intro`s from the new broker) or give up and reconnect anew.
TEST_CASE(
    "a broker killed -9 with jobs queued and running and restarted at once comes back from its "
    "journal and every job finishes once",
    "[drill][broker]") {
  REQUIRE_SANDBOX_HOST();
  broker_restart_drill(300ms);
}

// Down 2.5 s: both running jobs end while the broker is away; the workers keep their progress
// and `done` through failed reconnects and send them after their next `init`.
TEST_CASE("a broker killed -9 while its running jobs finish and restarted comes back from its "
          "journal and "
          "every job finishes once",
          "[drill][broker]") {
  REQUIRE_SANDBOX_HOST();
  broker_restart_drill(2500ms);
}

TEST_CASE("a file server stopped during a job and started again loses nothing, and the job is retried or "
          "ends with a clear error",
          "[drill][fileserver]") {
  REQUIRE_SANDBOX_HOST();
  e2e_options options;
  options.max_request_failures = 5;
  e2e_system system{options};
  system.start_worker(41, worker_transport::zeromq);
  REQUIRE(system.wait_for_workers(1, 20s));

  // A job before the outage: its submission, task files and results must survive it.
  submit_or_fail(system, "drill_fs_before", two_tests());
  REQUIRE(system.wait_for_progress("drill_fs_before", "FINISHED", 30s));
  auto archive_before = system.get("/submission_archives/drill_fs_before.zip");
  auto results_before = system.get("/results/drill_fs_before.zip");
  REQUIRE(archive_before.first == 200);
  REQUIRE(results_before.first == 200);

  // The outage: the job has its archive (STARTED); its fetches (new task files, not in the
  // worker's cache) and its upload are still ahead.
  std::vector<sum_test> fresh_tests{{"T1", "5 6\n", "11\n"}, {"T2", "42 2\n", "44\n"}};
  submit_or_fail(system, "drill_fs_during", fresh_tests);
  REQUIRE(system.wait_for_progress("drill_fs_during", "STARTED", 30s));
  system.stop_fileserver();
  std::this_thread::sleep_for(1500ms);
  system.start_fileserver();

  auto unfinished = system.wait_until_ended({"drill_fs_during"}, 40s);
  auto logs = system.logs();
  INFO(progress_summary(system, {"drill_fs_during"}) << logs);
  REQUIRE(unfinished.empty());
  WARN("file server outage: drill_fs_during " << Catch::Detail::stringify(system.history("drill_fs_during")));
  if (system.count_progress("drill_fs_during", "FINISHED") == 1) {
    check_two_test_results(system, "drill_fs_during");
  } else {
    // Each retry failed at once while the server was down: the broker gave up and says why.
    CHECK(system.count_progress("drill_fs_during", "FAILED") == 1);
    CHECK(system.count_progress("drill_fs_during", "ABORTED") >= 1);
    CHECK(logs.find("[job drill_fs_during] reported FAILED Job was reassigned too many") != std::string::npos);
    REQUIRE(reported_once_each(system, {"drill_fs_during"}));
    auto report = system.reports_of("drill_fs_during")[0].body;
    INFO(report);
    CHECK(report.find("status=FAILED") != std::string::npos);
    CHECK(report.find("reassigned") != std::string::npos);
    CHECK(system.get("/submission_archives/drill_fs_during.zip").first == 200);
  }

  // Nothing was lost from the store, and it serves a new job.
  CHECK(system.get("/submission_archives/drill_fs_before.zip") == archive_before);
  CHECK(system.get("/results/drill_fs_before.zip") == results_before);
  submit_or_fail(system, "drill_fs_after", two_tests());
  REQUIRE(system.wait_for_progress("drill_fs_after", "FINISHED", 30s));
  check_two_test_results(system, "drill_fs_after");
}

TEST_CASE("200 submissions sent at once while a worker is killed -9 and restarted all have results",
          "[drill][burst]") {
  REQUIRE_SANDBOX_HOST();
  e2e_system system;
  system.start_worker(51, worker_transport::zeromq, "slots: 2\n");
  system.start_worker(54, worker_transport::caf, "slots: 2\n");
  auto victim = system.start_worker(57, worker_transport::zeromq, "slots: 2\n");
  REQUIRE(system.wait_for_workers(6, 20s));

  auto input = system.put_task_file("hello from the burst\n");
  auto jobs = numbered("burst_", 200);
  for (const auto& job : jobs)
    system.upload_tiny_job(job, input);
  auto start = std::chrono::steady_clock::now();
  for (const auto& job : jobs)
    system.send_eval(job);
  REQUIRE(system.collect_accepts(jobs.size(), 30s) == jobs.size());

  // Kill a worker host with jobs in flight, bring it back a moment later.
  REQUIRE(system.wait_for_progress(jobs[20], "FINISHED", 30s));
  system.kill_worker(victim);
  std::this_thread::sleep_for(500ms);
  system.start_worker(57, worker_transport::zeromq, "slots: 2\n");

  auto unfinished = system.wait_until_ended(jobs, 50s);
  auto elapsed = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - start);
  WARN("200 tiny jobs with a worker killed and restarted: " << elapsed.count() << " ms");
  INFO("unfinished: " << Catch::Detail::stringify(unfinished) << "\n" << system.logs());
  CHECK(unfinished.empty());
  std::size_t with_results = 0, finished = 0, finished_twice = 0;
  for (const auto& job : jobs) {
    auto results = system.results(job);
    if (results && results->tasks.count("run") && results->tasks.at("run").status == "OK" &&
        results->tasks.at("run").stdout_text == "hello from the burst\n")
      ++with_results;
    auto count = system.count_progress(job, "FINISHED");
    finished += count >= 1 ? 1 : 0;
    finished_twice += count >= 2 ? 1 : 0;
  }
  CHECK(with_results == jobs.size());
  CHECK(finished == jobs.size());
  CHECK(reported_once_each(system, jobs));
  INFO(reports_summary(system, jobs));
  CHECK(std::all_of(jobs.begin(), jobs.end(), [&](const auto& job) {
    auto reports = system.reports_of(job);
    return reports.size() == 1 && reports[0].body.find("status=OK") != std::string::npos;
  }));
  // A worker killed between its FINISHED and its `done` has the job run again: the monitor
  // then sees two FINISHED (the spec's order, not a double report: the broker reports once).
  WARN(finished_twice << " jobs with two FINISHED at the monitor");
  // The killed worker's two slots were busy: their jobs went back to the queue.
  WARN(jobs_with(system, jobs, "ABORTED") << " jobs re-queued after the kill");
  CHECK(jobs_with(system, jobs, "ABORTED") >= 1);
}
