// Shared by the root sandbox tests: the skip rule, throw-away box directories, compiling the
// test programs with the host's gcc, and running them through the library.
#pragma once

#include "sandbox/sandbox.hpp"

#include <catch2/catch.hpp>

#include <cstdlib>
#include <dirent.h>
#include <fstream>
#include <optional>
#include <sstream>
#include <string>
#include <sys/stat.h>
#include <unistd.h>

namespace sandbox_test {

// Empty when this host can run boxes; otherwise why not, in one line.
inline const std::string& skip_reason() {
  static const std::string reason = [] {
    if (::geteuid() != 0)
      return std::string{"needs root (namespaces, mounts, cgroups)"};
    for (const auto& item : recodex::sandbox::check_host())
      if (!item.ok && item.name != "smoke run")
        return item.name + ": " + item.detail;
    return std::string{};
  }();
  return reason;
}

#define REQUIRE_SANDBOX_HOST()                                                                     \
  do {                                                                                             \
    if (!::sandbox_test::skip_reason().empty()) {                                                  \
      WARN("SKIPPED: " << ::sandbox_test::skip_reason());                                          \
      return;                                                                                      \
    }                                                                                              \
  } while (false)

struct temp_box {
  std::string dir;
  temp_box() {
    char name[] = "/tmp/recodex-sandbox-test-XXXXXX";
    REQUIRE(::mkdtemp(name));
    dir = name;
  }
  ~temp_box() {
    std::string command = "rm -rf '" + dir + "'";
    (void) !std::system(command.c_str());
  }
  std::string path(const std::string& name) const {
    return dir + "/" + name;
  }
  void write(const std::string& name, const std::string& text) const {
    std::ofstream{path(name)} << text;
  }
  std::string read(const std::string& name) const {
    std::ifstream in{path(name)};
    std::stringstream s;
    s << in.rdbuf();
    return s.str();
  }
  bool exists(const std::string& name) const {
    struct stat st;
    return ::lstat(path(name).c_str(), &st) == 0;
  }
};

// Compiles tests/sandbox/<relative> into the box as <name>; returns the inside path.
inline std::string compile(const temp_box& box, const std::string& relative,
                           const std::string& name, const std::string& flags = "") {
  std::string source = std::string{RECODEX_SANDBOX_PROGRAMS} + "/" + relative;
  std::string command = "gcc -O1 -o '" + box.path(name) + "' '" + source + "' " + flags;
  INFO(command);
  REQUIRE(std::system(command.c_str()) == 0);
  return "/box/" + name;
}

// The box of the latest run_in, still leased: checks after a run look at that box's uid alone
// while no other process can take the box (other suites run programs in their own boxes at the
// same time, and a worker keeps programs parked in prepared boxes between tasks).
inline std::optional<recodex::sandbox::box>& last_run_box() {
  static std::optional<recodex::sandbox::box> box;
  return box;
}

inline recodex::sandbox::run_result run_in(const temp_box& box,
                                           recodex::sandbox::run_options options) {
  last_run_box().reset();
  auto leased = recodex::sandbox::acquire_box();
  REQUIRE(leased);
  options.box_dir = box.dir;
  auto ran = recodex::sandbox::run(leased.value(), options);
  last_run_box() = std::move(leased).value();
  REQUIRE(ran);
  return ran.value();
}

inline recodex::sandbox::run_options program(std::vector<std::string> argv) {
  recodex::sandbox::run_options o;
  o.argv = std::move(argv);
  o.time_s = 5;
  o.wall_time_s = 10;
  return o;
}

// Processes on the host owned by `uid` (a box's user): none may outlive a run.
inline int box_owned_processes(unsigned uid) {
  int count = 0;
  DIR* proc = ::opendir("/proc");
  while (struct dirent* e = proc ? ::readdir(proc) : nullptr) {
    if (e->d_name[0] < '0' || e->d_name[0] > '9')
      continue;
    struct stat st;
    std::string path = std::string{"/proc/"} + e->d_name;
    if (::stat(path.c_str(), &st) == 0 && st.st_uid == uid)
      ++count;
  }
  if (proc)
    ::closedir(proc);
  return count;
}

// The same for the box of the latest run_in.
inline int box_owned_processes() {
  REQUIRE(last_run_box());
  return box_owned_processes(last_run_box()->uid());
}

} // namespace sandbox_test
