// Compilers and interpreters work inside a box, threaded programs run with --processes > 1,
// and the recodex-sandbox CLI writes meta files and exits 0/1/2.
#include "sandbox_fixture.hpp"

#include <csignal>
#include <sys/wait.h>

using namespace recodex::sandbox;
using namespace sandbox_test;

namespace {

void copy_source(const temp_box& box, const std::string& relative, const std::string& name) {
  std::ifstream in{std::string{RECODEX_SANDBOX_PROGRAMS} + "/" + relative};
  std::stringstream s;
  s << in.rdbuf();
  box.write(name, s.str());
}

run_options tool(std::vector<std::string> argv) {
  auto o = program(std::move(argv));
  o.processes.reset(); // compilers fork cc1, as, collect2, ld
  o.time_s = 20;
  o.wall_time_s = 40;
  o.stdout_path = "stdout";
  o.stderr_path = "stderr";
  return o;
}

int run_cli(const std::string& args) {
  std::string command = std::string{RECODEX_BIN_DIR} + "/recodex-sandbox " + args;
  int rc = std::system(command.c_str());
  return WIFEXITED(rc) ? WEXITSTATUS(rc) : -1;
}

} // namespace

TEST_CASE("gcc compiles a C program in a box and it runs", "[sandbox][toolchain][root]") {
  REQUIRE_SANDBOX_HOST();
  temp_box box;
  copy_source(box, "programs/hello.c", "hello.c");
  auto built = run_in(box, tool({"gcc", "-O1", "-o", "hello", "hello.c"}));
  INFO(box.read("stderr") << built.message);
  REQUIRE(built.result == status::ok);
  auto ran = run_in(box, tool({"./hello"}));
  CHECK(ran.result == status::ok);
  CHECK(box.read("stdout") == "hello from c\n");
}

TEST_CASE("g++ compiles a threaded C++ program that runs with --processes > 1",
          "[sandbox][toolchain][root]") {
  REQUIRE_SANDBOX_HOST();
  temp_box box;
  copy_source(box, "programs/threads.cpp", "threads.cpp");
  auto built = run_in(box, tool({"/usr/bin/g++", "-O1", "-pthread", "-o", "threads", "threads.cpp"}));
  INFO(box.read("stderr") << built.message);
  REQUIRE(built.result == status::ok);
  auto options = tool({"./threads"});
  options.processes = 8;
  auto ran = run_in(box, options);
  INFO(box.read("stderr") << ran.message);
  CHECK(ran.result == status::ok);
  CHECK(box.read("stdout") == "total 11999992\n");

  options.processes = 1; // a single task cannot start a thread: std::system_error, abort
  auto single = run_in(box, options);
  CHECK(single.result == status::signaled);
  CHECK(single.exitsig == SIGABRT);
}

TEST_CASE("python3 runs a script", "[sandbox][toolchain][root]") {
  REQUIRE_SANDBOX_HOST();
  temp_box box;
  copy_source(box, "programs/script.py", "script.py");
  auto ran = run_in(box, tool({"/usr/bin/python3", "script.py"}));
  INFO(box.read("stderr") << ran.message);
  CHECK(ran.result == status::ok);
  CHECK(box.read("stdout") == "hello from python 3 [1, 2]\n");
}

TEST_CASE("python3 multiprocessing works: its locks live in /dev/shm", "[sandbox][toolchain][root]") {
  REQUIRE_SANDBOX_HOST();
  temp_box box;
  box.write("pool.py", "import multiprocessing as mp\n"
                       "def square(x):\n"
                       "    return x * x\n"
                       "if __name__ == '__main__':\n"
                       "    lock = mp.Lock()\n"
                       "    with lock:\n"
                       "        with mp.Pool(2) as pool:\n"
                       "            print(pool.map(square, [1, 2, 3]))\n");
  auto ran = run_in(box, tool({"/usr/bin/python3", "pool.py"}));
  INFO(box.read("stderr") << ran.message);
  CHECK(ran.result == status::ok);
  CHECK(box.read("stdout") == "[1, 4, 9]\n");
}

TEST_CASE("the CLI exits 0, 1 or 2 and writes the meta file", "[sandbox][cli][root]") {
  REQUIRE_SANDBOX_HOST();
  temp_box box;
  auto meta = box.dir + ".meta";
  CHECK(run_cli("--box=" + box.dir + " --meta=" + meta + " -- /bin/true") == 0);
  temp_box reader;
  auto text = [&] {
    std::ifstream in{meta};
    std::stringstream s;
    s << in.rdbuf();
    return s.str();
  };
  CHECK(text().find("exitcode:0\n") != std::string::npos);
  CHECK(text().find("status:") == std::string::npos);

  CHECK(run_cli("--box=" + box.dir + " --meta=" + meta + " --processes=2 -- /bin/sh -c 'exit 7'") == 1);
  CHECK(text().find("status:RE\n") != std::string::npos);
  CHECK(text().find("exitcode:7\n") != std::string::npos);

  CHECK(run_cli("--box=" + box.dir + " --meta=" + meta + " --time=0.2 -- /bin/sh -c 'while :; do :; done'") == 1);
  CHECK(text().find("status:TO\n") != std::string::npos);

  CHECK(run_cli("--box=" + box.dir + " --meta=" + meta + " -- /box/nothing-here") == 2);
  CHECK(text().find("status:XX\n") != std::string::npos);

  CHECK(run_cli("--box=" + box.dir + " --bogus -- /bin/true 2>/dev/null") == 2);
  CHECK(run_cli("--help > /dev/null") == 0);
  ::unlink(meta.c_str());
}
