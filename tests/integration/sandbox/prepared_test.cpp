// The warm path: prepare() builds the box ahead and run(prepared) only starts the program.
// A prepared run sees files put into the box afterwards, a box takes one prepared run at a
// time, and dropping one unused, or finishing one, leaves no process and no cgroup behind.
#include "sandbox_fixture.hpp"

#include <chrono>
#include <dirent.h>
#include <thread>

using namespace recodex::sandbox;
using namespace sandbox_test;

namespace {

// Runs of a box alternate between two group names ("box-N" and "box-Nb").
bool group_exists(int id) {
  struct stat st;
  auto path = "/sys/fs/cgroup/pids/recodex-sandbox/box-" + std::to_string(id);
  return ::stat(path.c_str(), &st) == 0 || ::stat((path + "b").c_str(), &st) == 0;
}

} // namespace

TEST_CASE("a prepared run sees the files put into the box after prepare()",
          "[sandbox][prepared][root]") {
  REQUIRE_SANDBOX_HOST();
  temp_box box;
  auto leased = acquire_box();
  REQUIRE(leased);
  auto options = program({"/bin/cat"});
  options.box_dir = box.dir;
  options.stdin_path = "in";
  options.stdout_path = "out";
  auto prepared = prepare(leased.value(), options);
  REQUIRE(prepared);
  // The caller's other work: here, writing the input only now.
  box.write("in", "written after prepare\n");
  auto ran = run(std::move(prepared.value()));
  REQUIRE(ran);
  INFO(ran.value().message);
  CHECK(ran.value().result == status::ok);
  CHECK(box.read("out") == "written after prepare\n");
  // The set-up's work is not the program's: cat of one line takes next to no CPU.
  CHECK(ran.value().time_s < 0.05);
}

TEST_CASE("run(prepared, once_started) calls back once, while the program runs",
          "[sandbox][prepared][root]") {
  REQUIRE_SANDBOX_HOST();
  temp_box box;
  auto leased = acquire_box();
  REQUIRE(leased);
  // The program waits for a file only the callback creates: called after the run (or never),
  // the program would reach its wall-time limit instead.
  auto options = program({"/bin/sh", "-c", "while [ ! -e go ]; do sleep 0.01; done; echo went"});
  options.box_dir = box.dir;
  options.stdout_path = "out";
  options.wall_time_s = 5;
  auto prepared = prepare(leased.value(), options);
  REQUIRE(prepared);
  int calls = 0;
  auto ran = run(std::move(prepared.value()), [&] {
    ++calls;
    box.write("go", "");
  });
  REQUIRE(ran);
  INFO(ran.value().message);
  CHECK(ran.value().result == status::ok);
  CHECK(calls == 1);
  CHECK(box.read("out") == "went\n");
}

TEST_CASE("a box takes one prepared run at a time", "[sandbox][prepared][root]") {
  REQUIRE_SANDBOX_HOST();
  temp_box box;
  auto leased = acquire_box();
  REQUIRE(leased);
  auto options = program({"/bin/true"});
  options.box_dir = box.dir;
  auto first = prepare(leased.value(), options);
  REQUIRE(first);
  auto second = prepare(leased.value(), options);
  REQUIRE_FALSE(second);
  CHECK(second.error().code == recodex::errc::conflict);
  auto ran = run(std::move(first.value()));
  REQUIRE(ran);
  CHECK(ran.value().result == status::ok);
  auto third = prepare(leased.value(), options);
  REQUIRE(third);
  auto used_twice = run(std::move(third.value()));
  REQUIRE(used_twice);
  CHECK(used_twice.value().result == status::ok);
  CHECK_FALSE(run(std::move(third.value()))); // already used
}

TEST_CASE("a dropped prepared run and a finished box leave no process or cgroup",
          "[sandbox][prepared][root]") {
  REQUIRE_SANDBOX_HOST();
  temp_box box;
  int id = -1;
  {
    auto leased = acquire_box();
    REQUIRE(leased);
    id = leased.value().id();
    auto options = program({"/bin/true"});
    options.box_dir = box.dir;
    {
      auto prepared = prepare(leased.value(), options);
      REQUIRE(prepared);
      // Let the box get as far as the parked program (running as the box user).
      for (int i = 0; i < 200 && box_owned_processes(leased.value().uid()) == 0; ++i)
        std::this_thread::sleep_for(std::chrono::milliseconds(5));
      CHECK(box_owned_processes(leased.value().uid()) == 1);
    } // dropped unused
    CHECK(box_owned_processes(leased.value().uid()) == 0);
    CHECK_FALSE(group_exists(id));

    for (int i = 0; i < 3; ++i) { // both group names get used
      auto ran = run(leased.value(), options);
      REQUIRE(ran);
      CHECK(ran.value().result == status::ok);
      CHECK(box_owned_processes(leased.value().uid()) == 0); // "ended" means the box's processes are gone
    }
  } // the box retires the last run's init and cgroup
  CHECK_FALSE(group_exists(id));
}

TEST_CASE("a prepared run enforces the CPU limit and reports only the program's time",
          "[sandbox][prepared][root]") {
  REQUIRE_SANDBOX_HOST();
  temp_box box;
  auto leased = acquire_box();
  REQUIRE(leased);
  auto options = program({compile(box, "programs/cpu_loop.c", "loop"), "1.0"});
  options.box_dir = box.dir;
  options.time_s = 0.5;
  auto prepared = prepare(leased.value(), options);
  REQUIRE(prepared);
  auto r = run(std::move(prepared.value()));
  REQUIRE(r);
  CHECK(r.value().result == status::timed_out);
  CHECK(r.value().message == "Time limit exceeded");
  CHECK(r.value().time_s >= 0.5);
  CHECK(r.value().time_s <= 0.6);

  // A loop that stops by itself at 0.3 s of its own CPU is reported at that figure.
  options.argv.back() = "0.3";
  options.time_s = 2;
  auto again = prepare(leased.value(), options);
  REQUIRE(again);
  auto ok = run(std::move(again.value()));
  REQUIRE(ok);
  CHECK(ok.value().result == status::ok);
  CHECK(ok.value().time_s >= 0.3);
  CHECK(ok.value().time_s < 0.32);
}

TEST_CASE("a prepared run that cannot exec its program is XX and names the step",
          "[sandbox][prepared][root]") {
  REQUIRE_SANDBOX_HOST();
  temp_box box;
  auto leased = acquire_box();
  REQUIRE(leased);
  auto options = program({"/box/nothing-here"});
  options.box_dir = box.dir;
  auto prepared = prepare(leased.value(), options);
  REQUIRE(prepared);
  auto r = run(std::move(prepared.value()));
  REQUIRE(r);
  CHECK(r.value().result == status::internal_error);
  CHECK(r.value().message.find("execute program /box/nothing-here") != std::string::npos);
  CHECK(box_owned_processes(leased.value().uid()) == 0);
}
