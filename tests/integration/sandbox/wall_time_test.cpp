// The wall time covers the program's real run, from its start to its end, on every path: the
// cold run (where the host may read the box's reports only after the program ended), the CLI and
// the prepared run. A single-threaded CPU-bound program never has less wall time than CPU time,
// and a sleep is measured as long as it sleeps.
#include "sandbox_fixture.hpp"

#include <sys/wait.h>

using namespace recodex::sandbox;
using namespace sandbox_test;

namespace {

// The value of `key` in a meta file ("key:value" lines); -1 when missing.
double meta_value(const std::string& text, const std::string& key) {
  std::istringstream in{text};
  for (std::string line; std::getline(in, line);)
    if (line.compare(0, key.size() + 1, key + ":") == 0)
      return std::stod(line.substr(key.size() + 1));
  return -1;
}

int run_cli(const std::string& args) {
  std::string command = std::string{RECODEX_BIN_DIR} + "/recodex-sandbox " + args;
  int rc = std::system(command.c_str());
  return WIFEXITED(rc) ? WEXITSTATUS(rc) : -1;
}

} // namespace

TEST_CASE("cold runs: a short CPU loop has time-wall >= time, a trivial program time-wall > 0",
          "[sandbox][wall][root]") {
  REQUIRE_SANDBOX_HOST();
  temp_box box;
  auto loop = compile(box, "programs/cpu_loop.c", "loop");
  for (int i = 0; i < 5; ++i) {
    auto r = run_in(box, program({loop, "0.05"}));
    INFO("run " << i << ": time " << r.time_s << " wall " << r.wall_time_s);
    REQUIRE(r.result == status::ok);
    // The loop burns 50 ms by its own clock; the box subtracts its set-up and init CPU from the
    // cgroup's total, which can leave a few hundred microseconds less (0.04992 was seen).
    CHECK(r.time_s >= 0.045);
    // cgroup CPU time and the box's monotonic timestamps are different clocks read at slightly
    // different moments: allow 1 ms of skew.
    CHECK(r.wall_time_s + 0.001 >= r.time_s);
    CHECK(r.wall_time_s < 1.0);
  }
  for (int i = 0; i < 5; ++i) {
    auto r = run_in(box, program({"/bin/true"}));
    INFO("run " << i << ": time " << r.time_s << " wall " << r.wall_time_s);
    REQUIRE(r.result == status::ok);
    CHECK(r.wall_time_s > 0);
    CHECK(r.wall_time_s < 0.5);
  }
}

TEST_CASE("the CLI reports time-wall >= time for a short CPU loop", "[sandbox][wall][root]") {
  REQUIRE_SANDBOX_HOST();
  temp_box box;
  compile(box, "programs/cpu_loop.c", "loop");
  const std::string meta = box.path("meta");
  for (int i = 0; i < 3; ++i) {
    REQUIRE(run_cli("--box=" + box.dir + " --time=2 --wall-time=5 --meta=" + meta +
                    " -- ./loop 0.05") == 0);
    std::ifstream in{meta};
    std::stringstream s;
    s << in.rdbuf();
    INFO(s.str());
    double time = meta_value(s.str(), "time");
    double wall = meta_value(s.str(), "time-wall");
    CHECK(time >= 0.05);
    CHECK(wall + 0.001 >= time); // both rounded to ms in the meta file
    CHECK(wall < 1.0);
  }
}

TEST_CASE("a prepared run reports time-wall >= time for a short CPU loop",
          "[sandbox][wall][root]") {
  REQUIRE_SANDBOX_HOST();
  temp_box box;
  auto loop = compile(box, "programs/cpu_loop.c", "loop");
  auto leased = acquire_box();
  REQUIRE(leased);
  for (int i = 0; i < 3; ++i) {
    auto options = program({loop, "0.05"});
    options.box_dir = box.dir;
    auto prepared = prepare(leased.value(), options);
    REQUIRE(prepared);
    auto ran = run(std::move(prepared.value()));
    REQUIRE(ran);
    const auto& r = ran.value();
    INFO("run " << i << ": time " << r.time_s << " wall " << r.wall_time_s);
    REQUIRE(r.result == status::ok);
    // The loop burns 50 ms by its own clock; the box subtracts its set-up and init CPU from the
    // cgroup's total, which can leave a few hundred microseconds less (0.04992 was seen).
    CHECK(r.time_s >= 0.045);
    // cgroup CPU time and the box's monotonic timestamps are different clocks read at slightly
    // different moments: allow 1 ms of skew.
    CHECK(r.wall_time_s + 0.001 >= r.time_s);
    CHECK(r.wall_time_s < 1.0);
  }
}

TEST_CASE("sleep 0.3 reports time-wall within 0.25..0.6 s, cold and prepared",
          "[sandbox][wall][root]") {
  REQUIRE_SANDBOX_HOST();
  temp_box box;
  auto cold = run_in(box, program({"/bin/sleep", "0.3"}));
  INFO("cold wall " << cold.wall_time_s);
  CHECK(cold.result == status::ok);
  CHECK(cold.wall_time_s >= 0.25);
  CHECK(cold.wall_time_s <= 0.6);

  auto leased = acquire_box();
  REQUIRE(leased);
  auto options = program({"/bin/sleep", "0.3"});
  options.box_dir = box.dir;
  auto prepared = prepare(leased.value(), options);
  REQUIRE(prepared);
  auto ran = run(std::move(prepared.value()));
  REQUIRE(ran);
  INFO("prepared wall " << ran.value().wall_time_s);
  CHECK(ran.value().result == status::ok);
  CHECK(ran.value().wall_time_s >= 0.25);
  CHECK(ran.value().wall_time_s <= 0.6);
}
