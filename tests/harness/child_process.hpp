// A child process for tests that run the real nodes: spawned with its stdout and stderr on
// pipes, both collected as they arrive; lines of stdout can be awaited with a deadline (nodes
// print their endpoints there). The destructor kills what is still running, so a failing test
// never leaves a node behind.
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <sys/types.h>
#include <vector>

namespace recodex::testing {

class child_process {
public:
  // args[0] is the executable's path. Throws std::runtime_error when it cannot be spawned.
  explicit child_process(const std::vector<std::string>& args);
  ~child_process();
  child_process(const child_process&) = delete;
  child_process& operator=(const child_process&) = delete;

  // One line of stdout, waiting at most `timeout`; nullopt on timeout or EOF.
  std::optional<std::string> read_line(std::chrono::milliseconds timeout);
  // Lines of stdout until one contains `needle` (returned); nullopt on timeout or EOF.
  std::optional<std::string> wait_for_line(const std::string& needle, std::chrono::milliseconds timeout);
  // The exit status (128 + signal when killed), waiting at most `timeout`; output keeps being
  // collected meanwhile.
  std::optional<int> wait_exit(std::chrono::milliseconds timeout);
  // SIGTERM, then the exit status within `timeout`.
  std::optional<int> terminate(std::chrono::milliseconds timeout);
  // SIGKILL and reap.
  void kill9();
  bool running();
  // Reads whatever output arrives within `timeout` (for diagnostics after a failure).
  void collect_output(std::chrono::milliseconds timeout);

  const std::string& stdout_text() const { return out_; }
  const std::string& stderr_text() const { return err_; }
  pid_t pid() const { return pid_; }

private:
  bool pump(std::chrono::steady_clock::time_point deadline);
  static int closed_fd(int fd);

  pid_t pid_ = -1;
  int fds_[2] = {-1, -1};
  bool exited_ = false;
  std::string out_, err_;
};

// Peak resident set (VmHWM) of a process, in KiB; -1 when it cannot be read.
long peak_rss_kib(pid_t pid);

// CPU time its live threads have used so far, in seconds (the sum of each thread's
// /proc/<pid>/task/<tid>/schedstat, nanosecond resolution); -1 when it cannot be read.
double cpu_seconds_of_threads(pid_t pid);

// What a process that was run to its end left: its exit status (-1 when it did not end within
// the time given, and was killed) and its whole output.
struct finished_process {
  int exit_code = -1;
  std::string out;
  std::string err;
};
finished_process run_to_end(const std::vector<std::string>& args, std::chrono::milliseconds timeout);

} // namespace recodex::testing
