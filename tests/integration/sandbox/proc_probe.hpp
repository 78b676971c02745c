// What the root sandbox tests read about processes from /proc: a status field, the name, and the
// init of a prepared run (found through its parked program).
#pragma once

#include "sandbox/sandbox.hpp"

#include <catch2/catch.hpp>

#include <dirent.h>
#include <fstream>
#include <sstream>
#include <string>
#include <unistd.h>

namespace sandbox_test {

// A field of /proc/<pid>/status ("PPid", "Uid"...), its first value; -1 when absent.
inline long status_number(long pid, const std::string& name) {
  std::ifstream in{"/proc/" + std::to_string(pid) + "/status"};
  for (std::string line; std::getline(in, line);)
    if (line.compare(0, name.size() + 1, name + ":") == 0) {
      std::istringstream values{line.substr(name.size() + 1)};
      long first = -1;
      values >> first;
      return first;
    }
  return -1;
}

inline std::string comm_of(long pid) {
  std::ifstream in{"/proc/" + std::to_string(pid) + "/comm"};
  std::string name;
  std::getline(in, name);
  return name;
}

// The host pid of the (only) process running as `uid`; -1 when there is none or several.
inline long only_process_of(unsigned uid) {
  long found = -1;
  int count = 0;
  DIR* proc = ::opendir("/proc");
  while (struct dirent* e = proc ? ::readdir(proc) : nullptr) {
    if (e->d_name[0] < '0' || e->d_name[0] > '9')
      continue;
    if (status_number(std::stol(e->d_name), "Uid") == static_cast<long>(uid)) {
      found = std::stol(e->d_name);
      ++count;
    }
  }
  if (proc)
    ::closedir(proc);
  return count == 1 ? found : -1;
}

// The host pid of the init of `b`'s prepared run: the parent of the parked program, the box
// user's only process (prepare() is asynchronous, so it is waited for).
inline long init_of_prepared_run(const recodex::sandbox::box& b) {
  long program_pid = -1;
  for (int i = 0; i < 500 && program_pid < 0; ++i) {
    program_pid = only_process_of(b.uid());
    if (program_pid < 0)
      ::usleep(10000);
  }
  REQUIRE(program_pid > 0);
  return status_number(program_pid, "PPid");
}

} // namespace sandbox_test
