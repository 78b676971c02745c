// A box init serving further runs with the same root (child_plan::control_fd, inits of the
// launcher only): it is reused only when the root is the same and it could clean up, nothing of
// a run but the box directory reaches the next, and the figures of a reused run are its own.
#include "sandbox/box_launcher.hpp"
#include "tests/integration/sandbox/sandbox_fixture.hpp"

#include <fstream>
#include <string>
#include <sys/stat.h>

using namespace recodex::sandbox;
using namespace sandbox_test;

namespace {

long status_number(long pid, const std::string& field) {
  std::ifstream in{"/proc/" + std::to_string(pid) + "/status"};
  for (std::string line; std::getline(in, line);)
    if (line.compare(0, field.size() + 1, field + ":") == 0)
      return std::stol(line.substr(field.size() + 1));
  return -1;
}

// The host pid of the init of `b`'s prepared run: the parent of the parked program, the box
// user's only process (prepare() is asynchronous, so it is waited for).
long init_of_prepared_run(const box& b) {
  for (int i = 0; i < 500; ++i) {
    DIR* proc = ::opendir("/proc");
    long found = -1;
    while (struct dirent* e = proc ? ::readdir(proc) : nullptr) {
      if (e->d_name[0] < '0' || e->d_name[0] > '9')
        continue;
      if (status_number(std::stol(e->d_name), "Uid") == static_cast<long>(b.uid()))
        found = std::stol(e->d_name);
    }
    if (proc)
      ::closedir(proc);
    if (found > 0)
      return status_number(found, "PPid");
    ::usleep(10000);
  }
  FAIL("no parked program of box " << b.id());
  return -1;
}

struct prepared_outcome {
  long init = -1;
  run_result result;
};

// Prepares `options` in `b` (box directory `dir`), notes its init, runs it.
prepared_outcome prepare_and_run(const box& b, const temp_box& dir, run_options options) {
  options.box_dir = dir.dir;
  auto prepared = prepare(b, options);
  REQUIRE(prepared);
  prepared_outcome out;
  out.init = init_of_prepared_run(b);
  auto ran = run(std::move(prepared.value()));
  REQUIRE(ran);
  out.result = ran.value();
  return out;
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
  REQUIRE(detail::box_launcher_running());
  temp_box dir;
  const std::string ipc = compile(dir, "programs/sysv_ipc.c", "ipc");
  auto leased = acquire_box();
  REQUIRE(leased);

  auto first = prepare_and_run(leased.value(), dir,
                               shell(ipc + " create && echo secret > /tmp/t && mkdir -p /tmp/d/e && "
                                           "echo s > /dev/shm/s && echo kept > /box/kept"));
  CHECK(first.result.result == status::ok);
  auto second = prepare_and_run(leased.value(), dir,
                                shell(ipc + " check > /box/ipc.txt; ls -A /tmp /dev/shm > /box/listing; "
                                            "cat /box/kept > /box/seen"));
  CHECK(second.result.result == status::ok);
  CHECK(second.init == first.init);
  CHECK(dir.read("ipc.txt") == "absent\n");
  CHECK(dir.read("listing") == "/dev/shm:\n\n/tmp:\n");
  CHECK(dir.read("seen") == "kept\n");

  // A cold run of the same root reuses it too, and its figures are its own.
  auto cold = run(leased.value(), [&] {
    auto o = program({compile(dir, "programs/cpu_loop.c", "loop"), "0.3"});
    o.box_dir = dir.dir;
    return o;
  }());
  REQUIRE(cold);
  CHECK(cold.value().result == status::ok);
  CHECK(cold.value().time_s >= 0.29);
  CHECK(cold.value().time_s < 0.45);
  CHECK(box_owned_processes(leased.value().uid()) == 0);
}

TEST_CASE("a reused init gives each run its own verdicts and figures", "[sandbox][launcher][reuse][root]") {
  REQUIRE_SANDBOX_HOST();
  REQUIRE(detail::box_launcher_running());
  temp_box dir;
  const std::string loop = compile(dir, "programs/cpu_loop.c", "loop");
  const std::string alloc = compile(dir, "programs/alloc.c", "alloc");
  auto leased = acquire_box();
  REQUIRE(leased);

  auto with_memory = [](run_options o) {
    o.memory_kib = 64 * 1024;
    return o;
  };
  auto busy = prepare_and_run(leased.value(), dir, with_memory(program({loop, "0.4"})));
  CHECK(busy.result.result == status::ok);
  CHECK(busy.result.time_s >= 0.39);
  CHECK(busy.result.time_s < 0.55);

  // Memory limit exceeded: the program is OOM-killed, the init reports its end and stays.
  auto hog = prepare_and_run(leased.value(), dir, with_memory(program({alloc})));
  CHECK(hog.init == busy.init);
  CHECK(hog.result.result == status::signaled);
  CHECK(hog.result.oom_killed);

  // The next run in the same init starts from nothing: a small peak, not the last run's.
  auto small = prepare_and_run(leased.value(), dir, with_memory(shell("echo small > /box/small")));
  CHECK(small.init == busy.init);
  CHECK(small.result.result == status::ok);
  CHECK(small.result.memory_kib < 16 * 1024);
  CHECK_FALSE(small.result.oom_killed);
  CHECK(small.result.time_s < 0.1);
}

TEST_CASE("an init is not reused after the host killed its run, or for another root",
          "[sandbox][launcher][reuse][root]") {
  REQUIRE_SANDBOX_HOST();
  REQUIRE(detail::box_launcher_running());
  temp_box dir;
  const std::string loop = compile(dir, "programs/cpu_loop.c", "loop");
  auto leased = acquire_box();
  REQUIRE(leased);

  auto limited = program({loop, "5"});
  limited.time_s = 0.2;
  auto timed_out = prepare_and_run(leased.value(), dir, limited);
  CHECK(timed_out.result.result == status::timed_out);
  auto after = prepare_and_run(leased.value(), dir, shell("true"));
  CHECK(after.result.result == status::ok);
  CHECK(after.init != timed_out.init);

  // Another --dir rule: another root.
  auto with_rule = shell("test -d /extra");
  dir_rule extra;
  extra.inside = "/extra";
  extra.outside = "/usr/share";
  with_rule.dirs.push_back(extra);
  auto other_root = prepare_and_run(leased.value(), dir, with_rule);
  CHECK(other_root.result.result == status::ok);
  CHECK(other_root.init != after.init);

  // The box directory deleted and made again under the same name is another directory.
  auto again = prepare_and_run(leased.value(), dir, with_rule);
  CHECK(again.init == other_root.init);
  REQUIRE(std::system(("rm -rf '" + dir.dir + "' && mkdir '" + dir.dir + "'").c_str()) == 0);
  dir.write("fresh", "new directory\n");
  auto remade = prepare_and_run(leased.value(), dir, [&] {
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
  REQUIRE(detail::box_launcher_running());
  temp_box dir;
  auto leased = acquire_box();
  REQUIRE(leased);
  // Deeper than the init's clean-up goes (128 levels).
  auto deep = prepare_and_run(leased.value(), dir,
                              shell("cd /tmp && i=0; while [ $i -lt 200 ]; do mkdir d && cd d; "
                                    "i=$((i+1)); done; touch leaf"));
  CHECK(deep.result.result == status::ok);
  auto next = prepare_and_run(leased.value(), dir, shell("ls -A /tmp > /box/listing"));
  CHECK(next.result.result == status::ok);
  CHECK(next.init != deep.init);
  CHECK(dir.read("listing").empty());
}
