// Verdict rules: from what the host observed to isolate's status, exit fields and message.
#include "sandbox/status.hpp"

#include <csignal>
#include <string>
#include <sys/wait.h>

namespace recodex::sandbox {

std::string_view to_string(status s) {
  switch (s) {
    case status::ok: return "OK";
    case status::runtime_error: return "RE";
    case status::signaled: return "SG";
    case status::timed_out: return "TO";
    case status::internal_error: return "XX";
  }
  return "XX";
}

std::string_view to_string(kill_reason r) {
  switch (r) {
    case kill_reason::none: return "none";
    case kill_reason::cpu_time: return "cpu_time";
    case kill_reason::wall_time: return "wall_time";
  }
  return "unknown";
}

verdict decide(const observation& seen) {
  verdict v;
  if (!seen.setup_error.empty()) {
    v.result = status::internal_error;
    v.message = seen.setup_error;
    return v;
  }
  if (seen.payload_reported) {
    if (WIFEXITED(seen.wait_status)) {
      v.exited = true;
      v.exitcode = WEXITSTATUS(seen.wait_status);
    } else if (WIFSIGNALED(seen.wait_status)) {
      v.exitsig = WTERMSIG(seen.wait_status);
    }
  } else if (seen.killed_by_host == kill_reason::none) {
    // The init died without telling us how the program ended: that is our failure.
    v.result = status::internal_error;
    v.message = "the box's init exited without reporting the program's status";
    return v;
  } else {
    v.exitsig = SIGKILL; // the host killed the whole box before the program ended
  }

  // Time first: isolate reports TO even when the program finished inside the extra time.
  const bool over_cpu = seen.time_limit_ns != 0 && seen.cpu_ns > seen.time_limit_ns;
  const bool over_wall = seen.wall_limit_ns != 0 && seen.wall_ns > seen.wall_limit_ns;
  if (seen.killed_by_host != kill_reason::none || over_cpu || over_wall ||
      (!v.exited && v.exitsig == SIGXCPU)) {
    v.result = status::timed_out;
    v.killed = seen.killed_by_host != kill_reason::none || !v.exited;
    const bool wall = seen.killed_by_host == kill_reason::wall_time ||
                      (seen.killed_by_host == kill_reason::none && !over_cpu && over_wall);
    v.message = wall ? "Time limit exceeded (wall clock)" : "Time limit exceeded";
    return v;
  }
  if (!v.exited) {
    v.result = status::signaled;
    if (seen.oom_kills > 0) {
      v.killed = true;
      v.message = "Memory limit exceeded";
    } else if (v.exitsig == SIGXFSZ) {
      v.killed = true;
      v.message = "Output limit exceeded";
    } else {
      v.message = "Caught fatal signal " + std::to_string(v.exitsig);
    }
    return v;
  }
  if (v.exitcode != 0) {
    v.result = status::runtime_error;
    // A program that handled its own allocation failure after an OOM kill of a child still ran
    // out of memory; say so rather than only "exited with 1".
    v.message = seen.oom_kills > 0 ? "Memory limit exceeded"
                                   : "Exited with error status " + std::to_string(v.exitcode);
    return v;
  }
  v.result = status::ok;
  return v;
}

} // namespace recodex::sandbox
