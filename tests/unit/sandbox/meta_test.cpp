// sandbox/meta.hpp: the meta lines isolate writes and the ReCodEx worker reads.
#include "sandbox/meta.hpp"

#include "sandbox/sandbox.hpp"

#include <catch2/catch.hpp>

using namespace recodex::sandbox;

TEST_CASE("an OK run writes figures and no status", "[sandbox][meta]") {
  run_result r;
  r.result = status::ok;
  r.time_s = 0.1234;
  r.wall_time_s = 1.5;
  r.max_rss_kib = 2048;
  r.memory_kib = 1000;
  r.csw_voluntary = 3;
  r.csw_forced = 4;
  r.exited = true;
  r.exitcode = 0;
  CHECK(format_meta(r) == "time:0.123\ntime-wall:1.500\nmax-rss:2048\ncg-mem:1000\n"
                          "csw-voluntary:3\ncsw-forced:4\nexitcode:0\n");
}

TEST_CASE("a failed run adds status, message and kill flags", "[sandbox][meta]") {
  run_result r;
  r.result = status::signaled;
  r.exitsig = 9;
  r.killed = true;
  r.oom_killed = true;
  r.memory_kib = 65536;
  r.message = "Memory limit exceeded";
  CHECK(format_meta(r) == "time:0.000\ntime-wall:0.000\nmax-rss:0\ncg-mem:65536\n"
                          "csw-voluntary:0\ncsw-forced:0\nexitsig:9\nkilled:1\n"
                          "cg-oom-killed:1\nstatus:SG\nmessage:Memory limit exceeded\n");
}

TEST_CASE("a message never breaks the one-key-per-line format", "[sandbox][meta]") {
  run_result r;
  r.result = status::internal_error;
  r.message = "line one\nstatus:OK";
  auto meta = format_meta(r);
  CHECK(meta.find("message:line one status:OK\n") != std::string::npos);
  CHECK(meta.find("\nstatus:OK") == std::string::npos);
  CHECK(meta.find("status:XX\n") != std::string::npos);
}
