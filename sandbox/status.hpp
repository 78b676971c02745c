// The verdict vocabulary of one sandboxed run (isolate's OK/RE/SG/TO/XX) and the pure rule that
// turns what the host observed into a verdict. Kept free of syscalls so it is unit tested.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace recodex::sandbox {

enum class status : unsigned char {
  ok,             // OK: exited with code 0 within every limit
  runtime_error,  // RE: exited with a non-zero code
  signaled,       // SG: killed by a signal (including the kernel's memory and output limits)
  timed_out,      // TO: CPU or wall-clock time limit exceeded
  internal_error, // XX: the sandbox itself failed; the program's fate is unknown
};

// "OK", "RE", "SG", "TO", "XX": the strings isolate writes to its meta file.
std::string_view to_string(status s);

// Why the host killed the box, if it did.
enum class kill_reason : unsigned char { none, cpu_time, wall_time };
std::string_view to_string(kill_reason r);

// Everything the host saw of one run, before a verdict is given.
struct observation {
  bool payload_reported = false; // the init told us the payload's wait status
  int wait_status = 0;           // payload's status as from wait4 (valid if payload_reported)
  kill_reason killed_by_host = kill_reason::none;
  std::uint64_t cpu_ns = 0;          // cgroup CPU time of the payload and its descendants
  std::uint64_t wall_ns = 0;         // from the program's start to its end
  std::uint64_t oom_kills = 0;       // cgroup OOM kills during the run
  std::uint64_t time_limit_ns = 0;   // 0 = none
  std::uint64_t wall_limit_ns = 0;   // 0 = none
  std::string setup_error;           // non-empty: the sandbox failed (XX)
};

struct verdict {
  status result = status::ok;
  int exitcode = 0;    // valid when the payload exited
  int exitsig = 0;     // valid when the payload was signaled
  bool exited = false; // true: exitcode is meaningful
  bool killed = false; // the box was killed by the host or the kernel enforcing a limit
  std::string message;
};

// isolate's rules: a setup failure is XX; exceeding a time limit is TO even if the program then
// exited normally; then a signal is SG (memory and output limits get their own message), a
// non-zero exit code RE, and anything else OK.
verdict decide(const observation& seen);

} // namespace recodex::sandbox
