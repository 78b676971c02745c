// The box launcher itself (box_launcher.hpp): inits are its children, not this process's, and a
// launcher that has gone leaves the host cloning its own inits. The other cases of this binary
// are the ordinary sandbox suites, run with the launcher in place.
#include "sandbox/box_launcher.hpp"
#include "tests/integration/sandbox/proc_probe.hpp"
#include "tests/integration/sandbox/sandbox_fixture.hpp"

#include <csignal>
#include <filesystem>
#include <fstream>
#include <string>
#include <sys/wait.h>
#include <vector>

using namespace recodex::sandbox;
using namespace sandbox_test;

namespace {

// The box launcher: the parent of the init of `b`'s prepared run.
long parent_of_prepared_init(const box& b) {
  return status_number(init_of_prepared_run(b), "PPid");
}

// Prepares /bin/true in `b` and finds the launcher through its parked program.
std::pair<prepared_run, long> prepare_parked(const box& b, const temp_box& dir) {
  auto options = program({"/bin/true"});
  options.box_dir = dir.dir;
  auto prepared = prepare(b, options);
  REQUIRE(prepared);
  const long launcher_pid = parent_of_prepared_init(b);
  REQUIRE(comm_of(launcher_pid) == "box-launcher");
  return {std::move(prepared).value(), launcher_pid};
}

} // namespace

TEST_CASE("with a launcher, the box init is the launcher's child and the run behaves the same",
          "[sandbox][launcher][root]") {
  REQUIRE_SANDBOX_HOST();
  REQUIRE(detail::box_launcher_running());
  temp_box dir;
  auto leased = acquire_box();
  REQUIRE(leased);
  auto options = program({"/bin/sh", "-c", "echo from the box > out.txt"});
  options.box_dir = dir.dir;
  // This process grows after the launcher started, as a worker does: an init cloned from here
  // would carry these 128 MB into the program's max-rss (exec keeps the old memory's peak).
  std::vector<char> grown(std::size_t{128} << 20, 1);
  auto prepared = prepare(leased.value(), options);
  REQUIRE(prepared);

  // The parked program's parent is the init, whose parent is the launcher, our child.
  const long launcher_pid = parent_of_prepared_init(leased.value());
  CHECK(launcher_pid != ::getpid());
  CHECK(comm_of(launcher_pid) == "box-launcher");
  CHECK(status_number(launcher_pid, "PPid") == ::getpid());

  auto ran = run(std::move(prepared.value()));
  REQUIRE(ran);
  CHECK(ran.value().result == status::ok);
  CHECK(dir.read("out.txt") == "from the box\n");
  CHECK(ran.value().max_rss_kib < 64 * 1024);
  CHECK(grown[grown.size() / 2] == 1);
}

TEST_CASE("the launcher is its own small executable, not a copy of the host's image",
          "[sandbox][launcher][root]") {
  REQUIRE_SANDBOX_HOST();
  REQUIRE(detail::box_launcher_running());
  temp_box dir;
  auto leased = acquire_box();
  REQUIRE(leased);
  auto [prepared, launcher_pid] = prepare_parked(leased.value(), dir);

  const auto exe = std::filesystem::read_symlink("/proc/" + std::to_string(launcher_pid) + "/exe");
  CHECK(exe.filename() == box_launcher_name);
  // Every init and every program starts as a copy of this image: the worker's own maps about
  // 230 areas (CAF, Boost, OpenSSL...), the static launcher a handful. (Sanitizer builds link
  // it dynamically; then only its identity is checked.)
  std::ifstream maps{"/proc/" + std::to_string(launcher_pid) + "/maps"};
  std::size_t areas = 0;
  bool shared_objects = false;
  for (std::string line; std::getline(maps, line); ++areas)
    shared_objects = shared_objects || line.find(".so") != std::string::npos;
  INFO("mapped areas: " << areas);
  CHECK(areas > 0);
  if (!shared_objects)
    CHECK(areas < 40);

  auto ran = run(std::move(prepared));
  REQUIRE(ran);
  CHECK(ran.value().result == status::ok);
}

TEST_CASE("when the launcher has gone, the host clones the inits itself", "[sandbox][launcher][root]") {
  REQUIRE_SANDBOX_HOST();
  REQUIRE(detail::box_launcher_running());
  temp_box dir;
  // Find the launcher through a parked program, then kill it.
  auto leased = acquire_box();
  REQUIRE(leased);
  {
    auto [prepared, launcher_pid] = prepare_parked(leased.value(), dir);
    REQUIRE(::kill(static_cast<pid_t>(launcher_pid), SIGKILL) == 0);
    ::waitpid(static_cast<pid_t>(launcher_pid), nullptr, 0);
    // Its init died with it: the prepared run comes back as XX, not as a hang.
    auto ran = run(std::move(prepared));
    REQUIRE(ran);
    CHECK(ran.value().result == status::internal_error);
  }
  // The next run finds the launcher gone and clones its init here.
  auto again = run(leased.value(), [&] {
    auto o = program({"/bin/sh", "-c", "echo still works > out.txt"});
    o.box_dir = dir.dir;
    return o;
  }());
  REQUIRE(again);
  CHECK(again.value().result == status::ok);
  CHECK(dir.read("out.txt") == "still works\n");
  CHECK_FALSE(detail::box_launcher_running());
  CHECK(box_owned_processes(leased.value().uid()) == 0);

  // A new one can be started (the cases after this one run with it).
  REQUIRE(start_box_launcher(std::string{RECODEX_BIN_DIR} + "/" + box_launcher_name));
  CHECK(detail::box_launcher_running());
}
