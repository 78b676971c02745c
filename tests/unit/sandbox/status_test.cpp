// sandbox/status.hpp: isolate's verdict rules, and a name for every enumerator in the room.
#include "sandbox/status.hpp"

#include "sandbox/cgroup.hpp"
#include "sandbox/child_plan.hpp"
#include "sandbox/cli_options.hpp"

#include <catch2/catch.hpp>

#include <csignal>
#include <set>

using namespace recodex::sandbox;

namespace {

int exited(int code) {
  return (code & 0xff) << 8;
}
int signaled(int sig) {
  return sig & 0x7f;
}

observation ended(int wait_status) {
  observation o;
  o.payload_reported = true;
  o.wait_status = wait_status;
  return o;
}

} // namespace

TEST_CASE("exit 0 is OK, another exit code RE", "[sandbox][status]") {
  auto ok = decide(ended(exited(0)));
  CHECK(ok.result == status::ok);
  CHECK(ok.exited);
  CHECK(ok.message.empty());
  auto re = decide(ended(exited(3)));
  CHECK(re.result == status::runtime_error);
  CHECK(re.exitcode == 3);
  CHECK(re.message == "Exited with error status 3");
}

TEST_CASE("a signal is SG with its number", "[sandbox][status]") {
  auto sg = decide(ended(signaled(SIGSEGV)));
  CHECK(sg.result == status::signaled);
  CHECK(sg.exitsig == SIGSEGV);
  CHECK_FALSE(sg.exited);
  CHECK(sg.message == "Caught fatal signal 11");
}

TEST_CASE("an OOM kill is SG with a memory message", "[sandbox][status]") {
  auto seen = ended(signaled(SIGKILL));
  seen.oom_kills = 1;
  auto v = decide(seen);
  CHECK(v.result == status::signaled);
  CHECK(v.killed);
  CHECK(v.message == "Memory limit exceeded");
}

TEST_CASE("SIGXFSZ is SG with an output message", "[sandbox][status]") {
  auto v = decide(ended(signaled(SIGXFSZ)));
  CHECK(v.result == status::signaled);
  CHECK(v.exitsig == SIGXFSZ);
  CHECK(v.message == "Output limit exceeded");
}

TEST_CASE("time limits give TO, even after a normal exit in the extra time", "[sandbox][status]") {
  observation host_kill;
  host_kill.killed_by_host = kill_reason::cpu_time;
  host_kill.time_limit_ns = 500000000;
  host_kill.cpu_ns = 500100000;
  auto v = decide(host_kill);
  CHECK(v.result == status::timed_out);
  CHECK(v.killed);
  CHECK(v.message == "Time limit exceeded");

  auto wall = host_kill;
  wall.killed_by_host = kill_reason::wall_time;
  wall.cpu_ns = 0;
  CHECK(decide(wall).message == "Time limit exceeded (wall clock)");

  auto late = ended(exited(0));
  late.time_limit_ns = 1000000000;
  late.cpu_ns = 1100000000;
  auto t = decide(late);
  CHECK(t.result == status::timed_out);
  CHECK_FALSE(t.killed);

  auto xcpu = decide(ended(signaled(SIGXCPU)));
  CHECK(xcpu.result == status::timed_out);
}

TEST_CASE("a setup failure or a silent init is XX", "[sandbox][status]") {
  auto failed = ended(exited(127));
  failed.setup_error = "sandbox setup failed: exec /x: No such file or directory";
  auto v = decide(failed);
  CHECK(v.result == status::internal_error);
  CHECK(v.message == failed.setup_error);
  CHECK(decide(observation{}).result == status::internal_error);
}

TEST_CASE("every enumerator has a distinct name", "[sandbox][enums]") {
  std::set<std::string_view> names;
  for (auto s : {status::ok, status::runtime_error, status::signaled, status::timed_out,
                 status::internal_error})
    names.insert(to_string(s));
  CHECK(names == std::set<std::string_view>{"OK", "RE", "SG", "TO", "XX"});

  std::set<std::string_view> reasons;
  for (auto r : {kill_reason::none, kill_reason::cpu_time, kill_reason::wall_time})
    reasons.insert(to_string(r));
  CHECK(reasons.size() == 3);

  CHECK(to_string(cgroup_version::v1) == "v1");
  CHECK(to_string(cgroup_version::v2) == "v2");
  CHECK(to_string(cli_action::run) == "run");
  CHECK(to_string(cli_action::help) == "help");
  CHECK(to_string(cli_action::check) == "check");

  using detail::child_step;
  std::set<std::string_view> steps;
  const auto last = static_cast<std::uint32_t>(child_step::exec);
  for (std::uint32_t i = 0; i <= last; ++i) {
    auto name = to_string(static_cast<child_step>(i));
    CHECK(name != "unknown step");
    steps.insert(name);
  }
  CHECK(steps.size() == last + 1);

  using detail::mount_kind;
  std::set<std::string_view> kinds;
  for (auto k : {mount_kind::make_dir, mount_kind::make_file, mount_kind::bind, mount_kind::remount,
                 mount_kind::filesystem, mount_kind::device, mount_kind::symlink})
    kinds.insert(to_string(k));
  CHECK(kinds.size() == 7);
  CHECK(kinds.count("unknown") == 0);
}
