// Writes the isolate meta format from a run_result.
#include "sandbox/meta.hpp"

#include "sandbox/sandbox.hpp"

#include <cstdio>

namespace recodex::sandbox {

namespace {

std::string seconds(double s) {
  char buffer[32];
  std::snprintf(buffer, sizeof buffer, "%.3f", s);
  return buffer;
}

} // namespace

std::string format_meta(const run_result& r) {
  std::string out;
  auto line = [&out](const char* key, const std::string& value) {
    out += key;
    out += ':';
    out += value;
    out += '\n';
  };
  line("time", seconds(r.time_s));
  line("time-wall", seconds(r.wall_time_s));
  line("max-rss", std::to_string(r.max_rss_kib));
  line("cg-mem", std::to_string(r.memory_kib));
  line("csw-voluntary", std::to_string(r.csw_voluntary));
  line("csw-forced", std::to_string(r.csw_forced));
  if (r.exited)
    line("exitcode", std::to_string(r.exitcode));
  if (r.exitsig != 0)
    line("exitsig", std::to_string(r.exitsig));
  if (r.killed)
    line("killed", "1");
  if (r.oom_killed)
    line("cg-oom-killed", "1");
  if (r.result != status::ok) {
    line("status", std::string{to_string(r.result)});
    // One line per key: a message never spans lines in the meta file.
    std::string message = r.message;
    for (char& c : message)
      if (c == '\n' || c == '\r')
        c = ' ';
    line("message", message);
  }
  return out;
}

} // namespace recodex::sandbox
