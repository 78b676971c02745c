// TLS on the cluster port (CAF's OpenSSL module): a worker with the cluster certificate joins
// the broker over caf:// and evaluates a job; one without TLS does not get in. Needs root for
// the sandbox.
#include "tests/integration/worker_e2e/e2e_system.hpp"

#include "tests/integration/sandbox/sandbox_fixture.hpp"

#include <catch2/catch.hpp>

using namespace recodex::testing;
using namespace std::chrono_literals;

TEST_CASE("workers join the broker over caf:// with TLS, and a worker without it stays out", "[drill][tls]") {
  REQUIRE_SANDBOX_HOST();
  e2e_options options;
  options.cluster_tls = true;
  e2e_system system{options};
  system.start_worker(61, worker_transport::caf);
  REQUIRE(system.wait_for_workers(1, 20s));

  auto input = system.put_task_file("over TLS\n");
  system.upload_tiny_job("tls_job", input);
  system.send_eval("tls_job");
  REQUIRE(system.collect_accepts(1, 20s) == 1);
  auto progress = system.follow_until("tls_job", "FINISHED", 30s);
  INFO(Catch::Detail::stringify(progress) << "\n" << system.logs());
  REQUIRE_FALSE(progress.empty());
  auto results = system.results("tls_job");
  REQUIRE(results);
  CHECK(results->tasks.at("run").stdout_text == "over TLS\n");

  // Plain CAF against the TLS port: the handshake fails, the worker never registers.
  system.start_plain_caf_worker(62);
  CHECK_FALSE(system.wait_for_workers(2, 4s));
}
