// A box init serving further runs with the same root (child_plan::control_fd, inits of the
// launcher only): it is reused only when the root is the same and it could clean up, nothing of
// a run but the box directory reaches the next, and the figures of a reused run are its own.
#include "sandbox/box_launcher.hpp"
#include "tests/integration/sandbox/proc_probe.hpp"
#include "tests/integration/sandbox/sandbox_fixture.hpp"

#include <cerrno>
#include <csignal>
#include <sys/resource.h>
#include <fstream>
#include <string>
#include <sys/stat.h>

using namespace recodex::sandbox;
using namespace sandbox_test;

namespace {

struct prepared_outcome {
  long init = -1;
  std::string init_parent; // the name of the init's parent while the run was prepared
  run_result result;
};

// Prepares `options` in `b` (box directory `dir`), notes its init, runs it.
prepared_outcome prepare_and_run(const box& b, const temp_box& dir, run_options options) {
  options.box_dir = dir.dir;
  auto prepared = prepare(b, options);
  REQUIRE(prepared);
  prepared_outcome out;
  out.init = init_of_prepared_run(b);
  out.init_parent = comm_of(status_number(out.init, "PPid"));
  auto ran = run(std::move(prepared.value()));
  REQUIRE(ran);
  out.result = ran.value();
  return out;
}

// The launcher's inits are the reusable ones; a case before may have stopped it.
void ensure_launcher() {
  if (!detail::box_launcher_running())
    REQUIRE(start_box_launcher(std::string{RECODEX_BIN_DIR} + "/" + box_launcher_name));
}

// A leased box whose inits are the launcher's.
box reusable_box() {
  ensure_launcher();
  auto leased = acquire_box();
  REQUIRE(leased);
  return std::move(leased).value();
}

run_options shell(const std::string& script) {
  auto o = program({"/bin/sh", "-c", script});
  o.processes = 16; // the shell forks its commands
  return o;
}

} // namespace

TEST_CASE("an init serves further runs with the same root, and only the box directory carries over",
          "[sandbox][launcher][reuse][root]") {
  REQUIRE_SANDBOX_HOST();
  temp_box dir;
  const std::string ipc = compile(dir, "programs/sysv_ipc.c", "ipc");
  box leased = reusable_box();

  auto first = prepare_and_run(leased, dir,
                               shell(ipc + " create && echo secret > /tmp/t && mkdir -p /tmp/d/e && "
                                           "echo s > /dev/shm/s && echo kept > /box/kept"));
  CHECK(first.result.result == status::ok);
  auto second = prepare_and_run(leased, dir,
                                shell(ipc + " check > /box/ipc.txt; ls -A /tmp /dev/shm > /box/listing; "
                                            "cat /box/kept > /box/seen"));
  CHECK(second.result.result == status::ok);
  CHECK(second.init == first.init);
  CHECK(dir.read("ipc.txt") == "absent\n");
  CHECK(dir.read("listing") == "/dev/shm:\n\n/tmp:\n");
  CHECK(dir.read("seen") == "kept\n");

  // A cold run of the same root reuses it too (the next prepared run still finds the same
  // init), and its figures are its own.
  const std::string loop = compile(dir, "programs/cpu_loop.c", "loop");
  auto cold = run(leased, [&] {
    auto o = program({loop, "0.3"});
    o.box_dir = dir.dir;
    return o;
  }());
  REQUIRE(cold);
  auto after_cold = prepare_and_run(leased, dir, shell("true"));
  CHECK(after_cold.init == first.init);
  CHECK(cold.value().result == status::ok);
  CHECK(cold.value().time_s >= 0.29);
  CHECK(cold.value().time_s < 0.45);
  CHECK(box_owned_processes(leased.uid()) == 0);
}

TEST_CASE("a reused init gives each run its own verdicts and figures", "[sandbox][launcher][reuse][root]") {
  REQUIRE_SANDBOX_HOST();
  temp_box dir;
  const std::string loop = compile(dir, "programs/cpu_loop.c", "loop");
  const std::string alloc = compile(dir, "programs/alloc.c", "alloc");
  box leased = reusable_box();

  auto with_memory = [](run_options o) {
    o.memory_kib = 64 * 1024;
    return o;
  };
  auto busy = prepare_and_run(leased, dir, with_memory(program({loop, "0.4"})));
  CHECK(busy.result.result == status::ok);
  CHECK(busy.result.time_s >= 0.39);
  CHECK(busy.result.time_s < 0.55);

  // Memory limit exceeded: the program is OOM-killed, the init reports its end and stays.
  auto hog = prepare_and_run(leased, dir, with_memory(program({alloc})));
  CHECK(hog.init == busy.init);
  CHECK(hog.result.result == status::signaled);
  CHECK(hog.result.oom_killed);

  // The next run in the same init starts from nothing: a small peak, not the last run's.
  auto small = prepare_and_run(leased, dir, with_memory(shell("echo small > /box/small")));
  CHECK(small.init == busy.init);
  CHECK(small.result.result == status::ok);
  CHECK(small.result.memory_kib < 16 * 1024);
  CHECK_FALSE(small.result.oom_killed);
  CHECK(small.result.time_s < 0.1);
}

TEST_CASE("an init is not reused after the host killed its run, or for another root",
          "[sandbox][launcher][reuse][root]") {
  REQUIRE_SANDBOX_HOST();
  temp_box dir;
  const std::string loop = compile(dir, "programs/cpu_loop.c", "loop");
  box leased = reusable_box();

  auto limited = program({loop, "5"});
  limited.time_s = 0.2;
  auto timed_out = prepare_and_run(leased, dir, limited);
  CHECK(timed_out.result.result == status::timed_out);
  auto after = prepare_and_run(leased, dir, shell("true"));
  CHECK(after.result.result == status::ok);
  CHECK(after.init != timed_out.init);

  // Another --dir rule: another root.
  auto with_rule = shell("test -d /extra");
  dir_rule extra;
  extra.inside = "/extra";
  extra.outside = "/usr/share";
  with_rule.dirs.push_back(extra);
  auto other_root = prepare_and_run(leased, dir, with_rule);
  CHECK(other_root.result.result == status::ok);
  CHECK(other_root.init != after.init);

  // The box directory deleted and made again under the same name is another directory.
  auto again = prepare_and_run(leased, dir, with_rule);
  CHECK(again.init == other_root.init);
  REQUIRE(std::system(("rm -rf '" + dir.dir + "' && mkdir '" + dir.dir + "'").c_str()) == 0);
  dir.write("fresh", "new directory\n");
  auto remade = prepare_and_run(leased, dir, [&] {
    auto o = with_rule;
    o.argv = {"/bin/sh", "-c", "cat /box/fresh > /box/seen"};
    return o;
  }());
  CHECK(remade.result.result == status::ok);
  CHECK(remade.init != again.init);
  CHECK(dir.read("seen") == "new directory\n");
}

TEST_CASE("an init that cannot empty /tmp is not reused", "[sandbox][launcher][reuse][root]") {
  REQUIRE_SANDBOX_HOST();
  temp_box dir;
  box leased = reusable_box();
  // Deeper than the init's clean-up goes (128 levels).
  auto deep = prepare_and_run(leased, dir,
                              shell("cd /tmp && i=0; while [ $i -lt 200 ]; do mkdir d && cd d; "
                                    "i=$((i+1)); done; touch leaf"));
  CHECK(deep.result.result == status::ok);
  auto next = prepare_and_run(leased, dir, shell("ls -A /tmp > /box/listing"));
  CHECK(next.result.result == status::ok);
  CHECK(next.init != deep.init);
  CHECK(dir.read("listing").empty());
}

TEST_CASE("a program is PID 2 in a reused init too, with its own environment, directory and limits",
          "[sandbox][launcher][reuse][root]") {
  REQUIRE_SANDBOX_HOST();
  temp_box dir;
  REQUIRE(::mkdir(dir.path("sub").c_str(), 0755) == 0);
  dir.write("a.in", "input a\n");
  dir.write("sub/b.in", "input b\n");
  box leased = reusable_box();

  // Programs run at this process's priority although the launcher builds boxes at nice 19.
  errno = 0;
  const std::string host_nice = std::to_string(::getpriority(PRIO_PROCESS, 0));
  REQUIRE(errno == 0);
  auto first_options = shell("echo $$ $FOO $(pwd) $(cat) $(nice) > /box/first");
  first_options.env = {{"FOO", "one"}};
  first_options.stdin_path = "a.in";
  auto first = prepare_and_run(leased, dir, first_options);
  CHECK(first.result.result == status::ok);
  CHECK(dir.read("first") == "2 one /box input a " + host_nice + "\n");
  CHECK(::getpriority(PRIO_PROCESS, static_cast<id_t>(status_number(first.init, "PPid"))) == 19);

  auto second_options = shell("echo $$ $FOO $(pwd) $(cat) $(nice) > /box/second; ulimit -f");
  second_options.env = {{"FOO", "two"}};
  second_options.chdir = "/box/sub";
  second_options.stdin_path = "/box/sub/b.in";
  second_options.fsize_kib = 64;
  second_options.stdout_path = "/box/limit";
  auto second = prepare_and_run(leased, dir, second_options);
  CHECK(second.init == first.init);
  CHECK(second.result.result == status::ok);
  CHECK(dir.read("second") == "2 two /box/sub input b " + host_nice + "\n");
  CHECK(dir.read("limit") == "128\n"); // ulimit -f counts 512-byte blocks

  // Fewer processes than the shell wants: contained, and the init is still reusable after it.
  auto forks = shell("for i in 1 2 3 4 5 6; do sleep 1 & done; wait");
  forks.processes = 3;
  auto limited = prepare_and_run(leased, dir, forks);
  CHECK(limited.init == first.init);
  CHECK(limited.result.result == status::runtime_error);

  // A wall-time limit in a reused init: the host kills the box, so the next run gets a new one.
  auto sleeper = shell("sleep 5");
  sleeper.wall_time_s = 0.3;
  auto slept = prepare_and_run(leased, dir, sleeper);
  CHECK(slept.init == first.init);
  CHECK(slept.result.result == status::timed_out);
  CHECK(slept.result.wall_time_s < 1.0);
  auto fresh = prepare_and_run(leased, dir, shell("true"));
  CHECK(fresh.init != first.init);
  CHECK(fresh.result.result == status::ok);
  CHECK(box_owned_processes(leased.uid()) == 0);
}

TEST_CASE("a program that cannot start in a reused init is reported, and the box still works",
          "[sandbox][launcher][reuse][root]") {
  REQUIRE_SANDBOX_HOST();
  temp_box dir;
  box leased = reusable_box();
  auto first = prepare_and_run(leased, dir, shell("true"));
  CHECK(first.result.result == status::ok);
  auto missing = prepare_and_run(leased, dir, program({"/box/not-there"}));
  CHECK(missing.init == first.init);
  CHECK(missing.result.result == status::internal_error);
  CHECK(missing.result.message.find("execute program /box/not-there") != std::string::npos);
  auto after = prepare_and_run(leased, dir, shell("echo fine > /box/fine"));
  CHECK(after.result.result == status::ok);
  CHECK(dir.read("fine") == "fine\n");
}

TEST_CASE("a long command line reaches a reused init whole", "[sandbox][launcher][reuse][root]") {
  REQUIRE_SANDBOX_HOST();
  temp_box dir;
  box leased = reusable_box();
  // 300 KiB of arguments: more than a socket's default send buffer.
  const std::string part(100 * 1024, 'x');
  auto options = program({"/bin/sh", "-c", "echo ${#1} ${#2} ${#3} > /box/lengths", "sh", part, part, part});
  auto first = prepare_and_run(leased, dir, options);
  CHECK(first.result.result == status::ok);
  ::unlink(dir.path("lengths").c_str());
  auto second = prepare_and_run(leased, dir, options);
  CHECK(second.init == first.init);
  CHECK(second.result.result == status::ok);
  CHECK(dir.read("lengths") == "102400 102400 102400\n");
}

TEST_CASE("a prepared run of a reused init that is dropped takes the init with it",
          "[sandbox][launcher][reuse][root]") {
  REQUIRE_SANDBOX_HOST();
  temp_box dir;
  box leased = reusable_box();
  auto first = prepare_and_run(leased, dir, shell("true"));
  auto options = shell("echo again > /box/again");
  options.box_dir = dir.dir;
  {
    auto dropped = prepare(leased, options);
    REQUIRE(dropped);
    CHECK(init_of_prepared_run(leased) == first.init);
  }
  CHECK(::kill(static_cast<pid_t>(first.init), 0) != 0); // gone with its prepared run
  auto next = prepare_and_run(leased, dir, options);
  CHECK(next.init != first.init);
  CHECK(next.result.result == status::ok);
  CHECK(dir.read("again") == "again\n");
}

TEST_CASE("roots an init could not clean safely are never reused", "[sandbox][launcher][reuse][root]") {
  REQUIRE_SANDBOX_HOST();
  temp_box dir;
  temp_box host_dir;
  host_dir.write("keep", "host file\n");
  REQUIRE(::chmod(host_dir.dir.c_str(), 0777) == 0); // the box user writes there
  box leased = reusable_box();

  // A read-write bind below /tmp: the clean-up would empty the host's directory.
  auto below_tmp = shell("echo box > /tmp/data/written");
  dir_rule data;
  data.inside = "/tmp/data";
  data.outside = host_dir.dir;
  data.read_write = true;
  below_tmp.dirs.push_back(data);
  auto one = prepare_and_run(leased, dir, below_tmp);
  auto two = prepare_and_run(leased, dir, below_tmp);
  CHECK(one.result.result == status::ok);
  CHECK(two.result.result == status::ok);
  CHECK(two.init != one.init);
  CHECK(host_dir.read("keep") == "host file\n");
  CHECK(host_dir.read("written") == "box\n");

  // A :tmp rule: a fresh filesystem per run, as without reuse.
  auto scratch = shell("ls -A /scratch > /box/listing; echo x > /scratch/left");
  dir_rule tmp;
  tmp.inside = "/scratch";
  tmp.tmp = true;
  scratch.dirs.push_back(tmp);
  auto three = prepare_and_run(leased, dir, scratch);
  auto four = prepare_and_run(leased, dir, scratch);
  CHECK(four.init != three.init);
  // Not reused, but still cloned by the launcher (not by this multithreaded process).
  CHECK(four.init_parent == "box-launcher");
  CHECK(four.result.result == status::ok);
  CHECK(dir.read("listing").empty());
}

TEST_CASE("another /tmp size or network choice is another root", "[sandbox][launcher][reuse][root]") {
  REQUIRE_SANDBOX_HOST();
  temp_box dir;
  box leased = reusable_box();
  auto base = shell("true");
  auto first = prepare_and_run(leased, dir, base);
  auto bigger_tmp = base;
  bigger_tmp.tmp_kib = base.tmp_kib * 2;
  auto second = prepare_and_run(leased, dir, bigger_tmp);
  CHECK(second.init != first.init);
  auto shared_net = bigger_tmp;
  shared_net.share_net = true;
  auto third = prepare_and_run(leased, dir, shared_net);
  CHECK(third.init != second.init);
  auto same = prepare_and_run(leased, dir, shared_net);
  CHECK(same.init == third.init);
}
