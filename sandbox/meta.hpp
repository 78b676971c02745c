// The isolate meta file: `key:value` lines the ReCodEx worker reads after each run.
#pragma once

#include "sandbox/fwd.hpp"

#include <string>

namespace recodex::sandbox {

// time, time-wall, max-rss, cg-mem, csw-voluntary, csw-forced, exitcode (when the program exited),
// exitsig (when signaled), killed:1, cg-oom-killed:1, and status/message when not OK, as
// isolate writes them. Times have three decimals, sizes are KiB.
std::string format_meta(const run_result& r);

} // namespace recodex::sandbox
