// Starting the box launcher (sandbox::start_box_launcher) and its executable's own checks. In
// integration_sandbox, whose processes run without a launcher: a failed start must leave the
// host cloning its inits itself.
#include "sandbox/box_launcher.hpp"
#include "tests/integration/sandbox/sandbox_fixture.hpp"

#include <cstdio>
#include <string>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

using namespace recodex::sandbox;
using namespace sandbox_test;

namespace {

const std::string launcher_executable = std::string{RECODEX_BIN_DIR} + "/" + box_launcher_name;

struct finished {
  int status = -1;
  std::string err;
};

// Runs the launcher executable with `argument`, descriptor 3 set up by `prepare_fd3` in the
// child; its exit status and stderr.
template <typename Prepare>
finished run_launcher(const std::string& argument, Prepare prepare_fd3) {
  int err_pipe[2];
  REQUIRE(::pipe(err_pipe) == 0);
  pid_t pid = ::fork();
  REQUIRE(pid >= 0);
  if (pid == 0) {
    ::dup2(err_pipe[1], 2);
    ::close(err_pipe[0]);
    prepare_fd3();
    const char* argv[] = {launcher_executable.c_str(), argument.c_str(), nullptr};
    ::execv(argv[0], const_cast<char* const*>(argv));
    ::_exit(126);
  }
  ::close(err_pipe[1]);
  finished f;
  char buffer[512];
  for (ssize_t n; (n = ::read(err_pipe[0], buffer, sizeof buffer)) > 0;)
    f.err.append(buffer, static_cast<std::size_t>(n));
  ::close(err_pipe[0]);
  ::waitpid(pid, &f.status, 0);
  return f;
}

void no_fd3() { ::close(3); }

} // namespace

TEST_CASE("the launcher executable refuses to be started by hand", "[sandbox][launcher]") {
  auto help = run_launcher("--help", no_fd3);
  CHECK(WIFEXITED(help.status));
  CHECK(WEXITSTATUS(help.status) == 0);

  auto bad = run_launcher("--host-pid=abc", no_fd3);
  CHECK(WEXITSTATUS(bad.status) == 2);
  CHECK(bad.err.find("Usage: recodex-box-launcher --host-pid=<pid>") != std::string::npos);

  // A right argument but no host socket on descriptor 3 (a file there instead).
  auto no_socket = run_launcher("--host-pid=" + std::to_string(::getpid()), [] {
    FILE* f = std::tmpfile();
    ::dup2(::fileno(f), 3);
  });
  CHECK(WEXITSTATUS(no_socket.status) == 2);
  CHECK(no_socket.err.find("descriptor 3 is not the host's socket") != std::string::npos);

  // A socket, but the named host is not its parent (the launcher would never die with it).
  auto wrong_host = run_launcher("--host-pid=" + std::to_string(::getppid()), [] {
    int ends[2];
    ::socketpair(AF_UNIX, SOCK_SEQPACKET, 0, ends);
    ::dup2(ends[0], 3);
  });
  CHECK(WEXITSTATUS(wrong_host.status) == 2);
  CHECK(wrong_host.err.find("is not this process's parent") != std::string::npos);
}

TEST_CASE("a launcher that cannot be started is reported, and the host runs boxes itself",
          "[sandbox][launcher][root]") {
  REQUIRE_SANDBOX_HOST();
  REQUIRE_FALSE(detail::box_launcher_running());
  auto started = start_box_launcher("/nonexistent/recodex-box-launcher");
  REQUIRE_FALSE(started);
  CHECK(started.error().message.find("cannot start the box launcher /nonexistent/recodex-box-launcher") !=
        std::string::npos);
  CHECK(started.error().message.find("No such file or directory") != std::string::npos);
  CHECK_FALSE(detail::box_launcher_running());

  temp_box dir;
  auto leased = acquire_box();
  REQUIRE(leased);
  auto options = program({"/bin/sh", "-c", "echo cloned here > out.txt"});
  options.box_dir = dir.dir;
  auto ran = run(leased.value(), options);
  REQUIRE(ran);
  CHECK(ran.value().result == status::ok);
  CHECK(dir.read("out.txt") == "cloned here\n");
}
