// Every limit of the sandbox works and is reported with isolate's status and message
// (issue 3's table), and a box leaves no process or cgroup behind.
#include "sandbox_fixture.hpp"

#include <csignal>
#include <dirent.h>
#include <fstream>
#include <thread>

using namespace recodex::sandbox;
using namespace sandbox_test;

namespace {

bool exists(const std::string& path) {
  struct stat st;
  return ::stat(path.c_str(), &st) == 0;
}

} // namespace

TEST_CASE("a 1 s CPU loop under --time=0.5 is TO at 0.5..0.6 s", "[sandbox][limits][root]") {
  REQUIRE_SANDBOX_HOST();
  temp_box box;
  auto options = program({compile(box, "programs/cpu_loop.c", "loop"), "1.0"});
  options.time_s = 0.5;
  auto r = run_in(box, options);
  CHECK(r.result == status::timed_out);
  CHECK(r.message == "Time limit exceeded");
  CHECK(r.killed);
  CHECK(r.time_s >= 0.5);
  CHECK(r.time_s <= 0.6);
}

TEST_CASE("sleep 5 under --wall-time=1 is TO on the wall clock", "[sandbox][limits][root]") {
  REQUIRE_SANDBOX_HOST();
  temp_box box;
  auto options = program({"/bin/sleep", "5"});
  options.wall_time_s = 1;
  auto r = run_in(box, options);
  CHECK(r.result == status::timed_out);
  CHECK(r.message == "Time limit exceeded (wall clock)");
  CHECK(r.wall_time_s >= 1.0);
  CHECK(r.wall_time_s < 1.5);
  CHECK(r.time_s < 0.1);
}

TEST_CASE("512 MiB under --memory=65536 is a memory limit at >= 60000 KiB",
          "[sandbox][limits][root]") {
  REQUIRE_SANDBOX_HOST();
  temp_box box;
  auto options = program({compile(box, "programs/alloc.c", "alloc")});
  options.memory_kib = 65536;
  auto r = run_in(box, options);
  CHECK(r.result == status::signaled);
  CHECK(r.exitsig == SIGKILL);
  CHECK(r.oom_killed);
  CHECK(r.message == "Memory limit exceeded");
  CHECK(r.memory_kib >= 60000);
  CHECK(r.memory_kib <= 65536 + 1024);
}

TEST_CASE("a fork bomb under --processes=16 is contained and leaves nothing behind",
          "[sandbox][limits][root]") {
  REQUIRE_SANDBOX_HOST();
  temp_box box;
  auto options = program({compile(box, "attacks/fork_bomb.c", "bomb")});
  options.processes = 16;
  options.wall_time_s = 1;
  options.time_s = 3;
  auto r = run_in(box, options);
  CHECK(r.result == status::timed_out); // it never ends by itself: the wall clock stops it
  CHECK(box_owned_processes() == 0);
  CHECK_FALSE(exists("/sys/fs/cgroup/pids/recodex-sandbox/box-0"));
}

TEST_CASE("writing 100 MiB under --fsize=1024 is SG by SIGXFSZ", "[sandbox][limits][root]") {
  REQUIRE_SANDBOX_HOST();
  temp_box box;
  auto options = program({compile(box, "programs/write_file.c", "writer")});
  options.fsize_kib = 1024;
  auto r = run_in(box, options);
  CHECK(r.result == status::signaled);
  CHECK(r.exitsig == SIGXFSZ);
  CHECK(r.message == "Output limit exceeded");
  struct stat st;
  REQUIRE(::stat(box.path("big").c_str(), &st) == 0);
  CHECK(st.st_size == 1024 * 1024);
}

TEST_CASE("exit(3) is RE with exit code 3", "[sandbox][limits][root]") {
  REQUIRE_SANDBOX_HOST();
  temp_box box;
  auto r = run_in(box, program({compile(box, "programs/exit3.c", "exit3")}));
  CHECK(r.result == status::runtime_error);
  CHECK(r.exited);
  CHECK(r.exitcode == 3);
  CHECK(r.message == "Exited with error status 3");
}

TEST_CASE("raise(SIGSEGV) is SG with exitsig 11", "[sandbox][limits][root]") {
  REQUIRE_SANDBOX_HOST();
  temp_box box;
  auto r = run_in(box, program({compile(box, "programs/segv.c", "segv")}));
  CHECK(r.result == status::signaled);
  CHECK(r.exitsig == 11);
  CHECK(r.message == "Caught fatal signal 11");
}

TEST_CASE("an OK run reports every figure and hands the box back", "[sandbox][limits][root]") {
  REQUIRE_SANDBOX_HOST();
  temp_box box;
  auto options = program({"/bin/sh", "-c", "echo out; echo err >&2; cat"});
  options.processes = 4;
  box.write("in.txt", "from stdin\n");
  options.stdin_path = "in.txt";
  options.stdout_path = "/box/out.txt";
  options.stderr_path = "err.txt";
  auto r = run_in(box, options);
  CHECK(r.result == status::ok);
  CHECK(r.exited);
  CHECK(r.exitcode == 0);
  CHECK(r.max_rss_kib > 0);
  CHECK(r.memory_kib > 0);
  CHECK(r.wall_time_s > 0);
  CHECK(r.csw_voluntary + r.csw_forced > 0);
  CHECK(box.read("out.txt") == "out\nfrom stdin\n");
  CHECK(box.read("err.txt") == "err\n");
  struct stat st;
  REQUIRE(::stat(box.path("out.txt").c_str(), &st) == 0);
  CHECK(st.st_uid == 0); // given back to the directory's owner after the run
  CHECK(box_owned_processes() == 0);
}

TEST_CASE("a box directory kept handed over stays with the box user, and the next run hands over "
          "only what appeared meanwhile",
          "[sandbox][limits][root]") {
  REQUIRE_SANDBOX_HOST();
  temp_box box;
  auto leased = acquire_box();
  REQUIRE(leased);
  auto options = program({"/bin/sh", "-c", "cat in.txt > out.txt"});
  options.processes = 4;
  options.box_dir = box.dir;
  options.give_back_box_dir = false;
  box.write("in.txt", "first\n");
  auto first = run(leased.value(), options);
  REQUIRE(first);
  CHECK(first.value().result == status::ok);
  struct stat st;
  REQUIRE(::stat(box.path("out.txt").c_str(), &st) == 0);
  CHECK(st.st_uid == leased.value().uid());
  REQUIRE(::stat(box.dir.c_str(), &st) == 0);
  CHECK(st.st_uid == leased.value().uid());

  // Written by the caller (root) between runs: handed over by the next run, which may replace it.
  box.write("in.txt", "second\n");
  box.write("out.txt", "stale\n");
  REQUIRE(::chown(box.path("out.txt").c_str(), 0, 0) == 0);
  REQUIRE(::chmod(box.path("out.txt").c_str(), 0600) == 0);
  auto second = run(leased.value(), options);
  REQUIRE(second);
  CHECK(second.value().result == status::ok);
  CHECK(box.read("out.txt") == "second\n");
  CHECK(box_owned_processes(leased.value().uid()) == 0);
}

TEST_CASE("a missing program or stdin is XX naming what failed", "[sandbox][limits][root]") {
  REQUIRE_SANDBOX_HOST();
  temp_box box;
  auto r = run_in(box, program({"/box/missing"}));
  CHECK(r.result == status::internal_error);
  CHECK(r.message.find("execute program /box/missing") != std::string::npos);
  auto options = program({"/bin/true"});
  options.stdin_path = "nope.txt";
  auto s = run_in(box, options);
  CHECK(s.result == status::internal_error);
  CHECK(s.message.find("open stdin /box/nope.txt") != std::string::npos);
}

TEST_CASE("two boxes run in parallel without colliding", "[sandbox][limits][root]") {
  REQUIRE_SANDBOX_HOST();
  auto first = acquire_box();
  auto second = acquire_box();
  REQUIRE(first);
  REQUIRE(second);
  CHECK(first.value().id() != second.value().id());
  CHECK(first.value().uid() != second.value().uid());
  auto again = acquire_box(box_config{}, first.value().id());
  REQUIRE_FALSE(again);
  CHECK(again.error().code == recodex::errc::conflict);

  temp_box a, b;
  run_result ra, rb;
  auto options = program({"/bin/sh", "-c", "sleep 0.3; echo $$ > /box/pid"});
  options.processes = 4;
  std::thread other([&] {
    auto o = options;
    o.box_dir = b.dir;
    ra = run(second.value(), o).value();
  });
  auto o = options;
  o.box_dir = a.dir;
  rb = run(first.value(), o).value();
  other.join();
  CHECK(ra.result == status::ok);
  CHECK(rb.result == status::ok);
  CHECK(a.read("pid") == "2\n"); // each program is PID 2 of its own namespace
  CHECK(b.read("pid") == "2\n");
}
