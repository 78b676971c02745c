// The attack suite: each program in tests/sandbox/attacks/ tries one way out, prints what it
// tried and how it ended, and the test asserts that every attempt was contained.
#include "sandbox_fixture.hpp"

#include "sandbox/host_box_dir.hpp"

#include <arpa/inet.h>
#include <fstream>
#include <sstream>
#include <csignal>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/wait.h>

using namespace recodex::sandbox;
using namespace sandbox_test;

namespace {

// Compiles attacks/<name>.c, runs it with stdout to /box/out and returns what it printed.
std::string attack(const temp_box& box, const std::string& name, run_options options = {},
                   std::vector<std::string> args = {}, run_result* result = nullptr) {
  auto binary = compile(box, "attacks/" + name + ".c", name, "-lpthread");
  options.argv = {binary};
  options.argv.insert(options.argv.end(), args.begin(), args.end());
  if (options.time_s == 0)
    options.time_s = 5;
  if (options.wall_time_s == 0)
    options.wall_time_s = 10;
  options.stdout_path = "out";
  auto r = run_in(box, options);
  if (result)
    *result = r;
  INFO(r.message);
  return box.read("out");
}

bool has(const std::string& text, const std::string& line) {
  return text.find(line + "\n") != std::string::npos;
}

} // namespace

TEST_CASE("reading /etc/shadow, /etc/passwd, /root and /home finds nothing",
          "[sandbox][attacks][root]") {
  REQUIRE_SANDBOX_HOST();
  temp_box box;
  auto out = attack(box, "read_secrets");
  INFO(out);
  CHECK(has(out, "shadow: ENOENT"));
  CHECK(has(out, "passwd: ENOENT"));
  CHECK(has(out, "fstab: ENOENT"));
  CHECK(has(out, "root: ENOENT"));
  CHECK(has(out, "home: ENOENT"));
}

TEST_CASE("writing outside /box is refused everywhere", "[sandbox][attacks][root]") {
  REQUIRE_SANDBOX_HOST();
  temp_box box;
  auto out = attack(box, "write_outside");
  INFO(out);
  CHECK(has(out, "root: EROFS"));
  CHECK(has(out, "usr: EROFS"));
  CHECK(has(out, "etc: EROFS"));
  CHECK(has(out, "dev: EROFS"));
  CHECK_FALSE(has(out, "sysctl: OK"));
  CHECK(has(out, "mknod: EPERM"));
  CHECK(has(out, "box: OK"));
  struct stat st;
  CHECK(::stat("/usr/escape", &st) != 0);
  CHECK(::stat("/escape", &st) != 0);
}

TEST_CASE("no network: loopback and external connects fail, raw and packet sockets are denied",
          "[sandbox][attacks][root]") {
  REQUIRE_SANDBOX_HOST();
  // A host listener on 127.0.0.1 that must see no connection.
  int listener = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  REQUIRE(listener >= 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  REQUIRE(::bind(listener, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0);
  REQUIRE(::listen(listener, 4) == 0);
  socklen_t len = sizeof addr;
  ::getsockname(listener, reinterpret_cast<sockaddr*>(&addr), &len);

  temp_box box;
  auto out = attack(box, "network", {}, {std::to_string(ntohs(addr.sin_port))});
  INFO(out);
  CHECK(has(out, "loopback: ENETUNREACH"));
  CHECK(has(out, "external: ENETUNREACH"));
  CHECK(has(out, "raw: EPERM"));
  CHECK(has(out, "packet: EPERM"));
  pollfd p{listener, POLLIN, 0};
  CHECK(::poll(&p, 1, 0) == 0);
  ::close(listener);
}

TEST_CASE("ptrace of the parent, the init or itself is denied", "[sandbox][attacks][root]") {
  REQUIRE_SANDBOX_HOST();
  temp_box box;
  auto out = attack(box, "ptrace_parent");
  INFO(out);
  CHECK(has(out, "attach_parent: EPERM"));
  CHECK(has(out, "attach_init: EPERM"));
  CHECK(has(out, "traceme: EPERM"));
}

TEST_CASE("mount, unshare, setns, chroot and new user namespaces are denied",
          "[sandbox][attacks][root]") {
  REQUIRE_SANDBOX_HOST();
  temp_box box;
  auto out = attack(box, "namespaces");
  INFO(out);
  CHECK(has(out, "mount: EPERM"));
  CHECK(has(out, "unshare_user: EPERM"));
  CHECK(has(out, "unshare_ns: EPERM"));
  CHECK_FALSE(has(out, "open_init_ns: OK"));
  CHECK_FALSE(has(out, "setns: OK"));
  CHECK(has(out, "chroot: EPERM"));
  CHECK(has(out, "clone_newuser: EPERM"));
}

TEST_CASE("setuid and setgid to root fail; the program stays the box user",
          "[sandbox][attacks][root]") {
  REQUIRE_SANDBOX_HOST();
  temp_box box;
  auto out = attack(box, "setid");
  INFO(out);
  CHECK(has(out, "setuid0: EPERM"));
  CHECK(has(out, "setgid0: EPERM"));
  CHECK(has(out, "seteuid0: EPERM"));
  CHECK(has(out, "setgroups: EPERM"));
  CHECK(out.find("uid=0") == std::string::npos);
  CHECK(out.find("uid=600") != std::string::npos);
}

TEST_CASE("killing processes outside the box is impossible", "[sandbox][attacks][root]") {
  REQUIRE_SANDBOX_HOST();
  pid_t victim = ::fork();
  REQUIRE(victim >= 0);
  if (victim == 0) {
    ::execl("/bin/sleep", "sleep", "30", static_cast<char*>(nullptr));
    ::_exit(127);
  }
  temp_box box;
  run_options options;
  options.processes = 4;
  auto out = attack(box, "kill_outside", options, {std::to_string(victim)});
  INFO(out);
  CHECK_FALSE(has(out, "host_pid: OK")); // that pid does not exist in the box's namespace
  CHECK(has(out, "init: EPERM"));
  CHECK(::kill(victim, 0) == 0); // still alive
  ::kill(victim, SIGKILL);
  ::waitpid(victim, nullptr, 0);
}

TEST_CASE("/proc shows only the box's own processes", "[sandbox][attacks][root]") {
  REQUIRE_SANDBOX_HOST();
  temp_box box;
  auto out = attack(box, "proc_listing");
  INFO(out);
  CHECK(has(out, "visible: 2 highest: 2")); // the init and the program itself
}

TEST_CASE("filling /tmp stops at its size", "[sandbox][attacks][root]") {
  REQUIRE_SANDBOX_HOST();
  temp_box box;
  run_options options;
  options.tmp_kib = 4096;
  auto out = attack(box, "fill_tmp", options);
  INFO(out);
  CHECK(has(out, "wrote 4194304: ENOSPC"));
}

TEST_CASE("/dev/shm works for POSIX shared memory and semaphores and stops at its size",
          "[sandbox][attacks][root]") {
  REQUIRE_SANDBOX_HOST();
  temp_box box;
  run_options options;
  options.tmp_kib = 4096;
  auto out = attack(box, "fill_shm", options);
  INFO(out);
  CHECK(has(out, "shm_open: OK"));
  CHECK(has(out, "mmap: OK"));
  CHECK(has(out, "shm_unlink: OK"));
  CHECK(has(out, "sem_open: OK"));
  CHECK(has(out, "sem_post: OK"));
  CHECK(has(out, "wrote 4194304: ENOSPC"));
}

TEST_CASE("PID 1 shows nothing of the host: command line, environment, name, executable",
          "[sandbox][attacks][root]") {
  REQUIRE_SANDBOX_HOST();
  // What the host process would show: its own command line and environment.
  auto read_all = [](const char* path) {
    std::ifstream in{path};
    std::stringstream s;
    s << in.rdbuf();
    return s.str();
  };
  const std::string host_cmdline = read_all("/proc/self/cmdline");
  const std::string host_environ = read_all("/proc/self/environ");
  REQUIRE_FALSE(host_cmdline.empty());

  temp_box box;
  auto out = attack(box, "proc_identity");
  INFO(out);
  CHECK(has(out, "cmdline: [box-init]"));
  CHECK(has(out, "comm: [box-init]"));
  // The init runs as root and the program as the box user: the kernel refuses these outright.
  CHECK(has(out, "environ: EACCES"));
  CHECK(has(out, "exe: EACCES"));
  // Whatever the kernel would let through, no piece of the host's command line or environment
  // (argument or VAR=value, at least 4 characters) appears anywhere in what the box saw.
  auto none_leaks = [&](const std::string& strings) {
    std::size_t start = 0;
    while (start < strings.size()) {
      auto end = strings.find('\0', start);
      if (end == std::string::npos)
        end = strings.size();
      auto piece = strings.substr(start, end - start);
      if (piece.size() >= 4) {
        INFO("host string: " << piece);
        CHECK(out.find(piece) == std::string::npos);
      }
      start = end + 1;
    }
  };
  none_leaks(host_cmdline);
  none_leaks(host_environ);
}

TEST_CASE("file descriptors run out at the limit", "[sandbox][attacks][root]") {
  REQUIRE_SANDBOX_HOST();
  temp_box box;
  auto out = attack(box, "fd_exhaust");
  INFO(out);
  CHECK(has(out, "opened 61: EMFILE")); // 64 minus stdin, stdout, stderr
}

TEST_CASE("symlinks and hardlinks planted in the box are not followed by the host",
          "[sandbox][attacks][root]") {
  REQUIRE_SANDBOX_HOST();
  temp_box box;
  box.write("input", "the task's input\n");
  auto out = attack(box, "links");
  INFO(out);
  CHECK(has(out, "symlink_shadow: OK")); // planting is allowed; following is what must not happen
  CHECK(has(out, "hardlink_input: OK"));
  CHECK_FALSE(has(out, "hardlink_system: OK"));

  auto via_symlink = read_box_file(box.dir, "out_symlink", 1 << 20);
  REQUIRE_FALSE(via_symlink);
  CHECK(via_symlink.error().message.find("symlink") != std::string::npos);
  auto via_dir = read_box_file(box.dir, "out_dir/shadow", 1 << 20);
  REQUIRE_FALSE(via_dir);
  auto via_hardlink = read_box_file(box.dir, "out_hardlink", 1 << 20);
  REQUIRE_FALSE(via_hardlink);
  CHECK(via_hardlink.error().message.find("hard links") != std::string::npos);
  CHECK_FALSE(copy_box_file(box.dir, "out_symlink", box.path("copy"), 1 << 20));

  // Handing the box back must not have chowned what the symlinks point at.
  struct stat st;
  REQUIRE(::stat("/etc/shadow", &st) == 0);
  CHECK(st.st_uid == 0);
  REQUIRE(::stat("/etc", &st) == 0);
  CHECK(st.st_uid == 0);
  auto out_file = read_box_file(box.dir, "out", 1 << 20);
  CHECK(out_file);
}

TEST_CASE("an output flood stops at the file size limit", "[sandbox][attacks][root]") {
  REQUIRE_SANDBOX_HOST();
  temp_box box;
  run_options options;
  options.fsize_kib = 1024;
  run_result r;
  attack(box, "output_flood", options, {}, &r);
  CHECK(r.result == status::signaled);
  CHECK(r.exitsig == SIGXFSZ);
  CHECK(r.message == "Output limit exceeded");
  struct stat st;
  REQUIRE(::stat(box.path("out").c_str(), &st) == 0);
  CHECK(st.st_size == 1024 * 1024);
}

TEST_CASE("threads beyond the process limit are refused", "[sandbox][attacks][root]") {
  REQUIRE_SANDBOX_HOST();
  temp_box box;
  run_options options;
  options.processes = 8;
  run_result r;
  auto out = attack(box, "threads", options, {}, &r);
  INFO(out);
  CHECK(r.result == status::ok);
  CHECK(has(out, "threads 7: EAGAIN")); // 8 tasks: the main thread and 7 more
}

TEST_CASE("keyctl, bpf, perf_event_open, io_uring, personality, kexec and modules are denied",
          "[sandbox][attacks][root]") {
  REQUIRE_SANDBOX_HOST();
  temp_box box;
  auto out = attack(box, "kernel_apis");
  INFO(out);
  for (const char* call : {"keyctl", "add_key", "bpf", "perf_event_open", "io_uring_setup",
                           "personality", "kexec_load", "init_module"}) {
    INFO(call);
    CHECK(has(out, std::string{call} + ": EPERM"));
  }
}
