// End to end with real processes on loopback: recodex-fileserver, recodex-broker and
// recodex-worker (over ZeroMQ and over CAF), a C submission whose five tests end in every
// verdict, a compile error, and a worker killed mid-job. Needs root for the sandbox.
#include "tests/integration/worker_e2e/e2e_system.hpp"

#include "tests/integration/sandbox/sandbox_fixture.hpp"

#include <catch2/catch.hpp>

#include <fstream>
#include <sstream>
#include <algorithm>

using namespace recodex::testing;
using namespace std::chrono_literals;

namespace {

std::string sum_source() {
  std::ifstream in(std::string(RECODEX_SOURCE_DIR) + "/tests/integration/worker_e2e/sum.c");
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

void check_five_verdicts(const parsed_results& r, const std::string& job_id) {
  CHECK(r.job_id == job_id);
  CHECK(r.hw_group == "group1");
  REQUIRE(r.tasks.count("build"));
  CHECK(r.tasks.at("build").status == "OK");
  CHECK(r.tasks.at("run-T1").status == "OK");
  CHECK(r.tasks.at("judge-T1").status == "OK");
  CHECK(r.tasks.at("judge-T1").stdout_text.rfind("1", 0) == 0);
  CHECK(r.tasks.at("run-T2").status == "OK");
  CHECK(r.tasks.at("judge-T2").status == "FAILED"); // wrong answer: the judge exits 1
  CHECK(r.tasks.at("judge-T2").stdout_text.rfind("0", 0) == 0);
  CHECK(r.tasks.at("run-T3").sandbox_status == "TO");
  CHECK(r.tasks.at("judge-T3").status == "SKIPPED");
  CHECK(r.tasks.at("run-T4").status == "FAILED"); // memory limit: killed by the cgroup
  CHECK((r.tasks.at("run-T4").sandbox_status == "SG" || r.tasks.at("run-T4").sandbox_status == "RE"));
  CHECK(r.tasks.at("judge-T4").status == "SKIPPED");
  CHECK(r.tasks.at("run-T5").sandbox_status == "RE");
  CHECK(r.tasks.at("run-T5").exitcode == 3);
  CHECK(r.tasks.at("judge-T5").status == "SKIPPED");
  CHECK(r.order.size() == 1 + 5 * 4);
}

void check_progress_shape(const std::vector<std::string>& progress) {
  REQUIRE(progress.size() >= 6);
  CHECK(progress[0] == "DOWNLOADED");
  CHECK(progress[1] == "STARTED");
  CHECK(progress[2] == "TASK build COMPLETED");
  CHECK(progress[progress.size() - 3] == "ENDED");
  CHECK(progress[progress.size() - 2] == "UPLOADED");
  CHECK(progress.back() == "FINISHED");
  CHECK(std::count_if(progress.begin(), progress.end(), [](auto& p) { return p.rfind("TASK ", 0) == 0; }) == 21);
  CHECK(std::find(progress.begin(), progress.end(), "TASK judge-T2 FAILED") != progress.end());
  CHECK(std::find(progress.begin(), progress.end(), "TASK run-T3 FAILED") != progress.end());
  CHECK(std::find(progress.begin(), progress.end(), "TASK judge-T5 SKIPPED") != progress.end());
}

} // namespace

TEST_CASE("a C submission with five tests ends in OK, WA, TLE, MLE and RE over ZeroMQ and over CAF",
          "[e2e][worker]") {
  REQUIRE_SANDBOX_HOST();
  e2e_system system;
  auto transport = GENERATE(worker_transport::zeromq, worker_transport::caf);
  std::string job = transport == worker_transport::zeromq ? "student_zmq1" : "student_caf1";
  system.start_worker(11, transport);
  REQUIRE(system.wait_for_workers(1, 20s));
  system.submit_sum_job(job, sum_source(), five_verdict_tests());
  auto progress = system.follow_until(job, "FINISHED", 120s);
  INFO("progress: " << Catch::Detail::stringify(progress) << "\n" << system.logs());
  check_progress_shape(progress);
  auto results = system.results(job);
  REQUIRE(results);
  check_five_verdicts(*results, job);
}

TEST_CASE("a compile error fails the build and skips everything that depends on it", "[e2e][worker]") {
  REQUIRE_SANDBOX_HOST();
  e2e_system system;
  system.start_worker(12, worker_transport::zeromq);
  REQUIRE(system.wait_for_workers(1, 20s));
  system.submit_sum_job("student_cerr", "int main(void) { return syntax error; }\n", {five_verdict_tests()[0]});
  auto progress = system.follow_until("student_cerr", "FINISHED", 60s);
  INFO("progress: " << Catch::Detail::stringify(progress) << "\n" << system.logs());
  REQUIRE_FALSE(progress.empty());
  CHECK(std::find(progress.begin(), progress.end(), "TASK build FAILED") != progress.end());
  CHECK(std::find(progress.begin(), progress.end(), "TASK run-T1 SKIPPED") != progress.end());
  CHECK(std::find(progress.begin(), progress.end(), "TASK judge-T1 SKIPPED") != progress.end());
  auto results = system.results("student_cerr");
  REQUIRE(results);
  CHECK(results->tasks.at("build").status == "FAILED");
  CHECK(results->tasks.at("build").sandbox_status == "RE");
  CHECK(results->tasks.at("fetch-in-T1").status == "SKIPPED");
  CHECK(results->tasks.at("run-T1").status == "SKIPPED");
  CHECK(results->tasks.at("judge-T1").status == "SKIPPED");
}

TEST_CASE("a worker killed mid-job loses the job to a second worker, which finishes it", "[e2e][worker]") {
  REQUIRE_SANDBOX_HOST();
  e2e_system system;
  auto transport = GENERATE(worker_transport::zeromq, worker_transport::caf);
  std::string job = transport == worker_transport::zeromq ? "student_kill_zmq" : "student_kill_caf";
  auto first = system.start_worker(21, transport);
  REQUIRE(system.wait_for_workers(1, 20s));
  system.submit_sum_job(job, sum_source(), five_verdict_tests());
  // The build is under way (or done) once STARTED arrives: kill the worker then.
  REQUIRE(system.wait_for_progress(job, "STARTED", 60s));
  system.start_worker(22, transport);
  REQUIRE(system.wait_for_workers(2, 20s));
  system.kill_worker(first);
  // The broker re-queues it (ABORTED to the monitor), the second worker runs it from the start.
  auto progress = system.follow_until(job, "FINISHED", 120s);
  INFO("progress: " << Catch::Detail::stringify(progress) << "\n" << system.logs());
  REQUIRE_FALSE(progress.empty());
  CHECK(std::find(progress.begin(), progress.end(), "ABORTED") != progress.end());
  auto results = system.results(job);
  REQUIRE(results);
  check_five_verdicts(*results, job);
}

TEST_CASE("a worker with two slots and parallel tasks evaluates two jobs at once with the same verdicts",
          "[e2e][worker]") {
  REQUIRE_SANDBOX_HOST();
  e2e_system system;
  system.start_worker(41, worker_transport::zeromq, "slots: 2\nparallel-tasks: true\n");
  REQUIRE(system.wait_for_workers(2, 20s)); // one registration per slot
  system.submit_sum_job("student_slot_a", sum_source(), five_verdict_tests());
  system.submit_sum_job("student_slot_b", sum_source(), five_verdict_tests());
  for (const std::string job : {"student_slot_a", "student_slot_b"}) {
    auto progress = system.follow_until(job, "FINISHED", 120s);
    INFO(job << " progress: " << Catch::Detail::stringify(progress) << "\n" << system.logs());
    check_progress_shape(progress);
    auto results = system.results(job);
    REQUIRE(results);
    check_five_verdicts(*results, job);
  }
}
