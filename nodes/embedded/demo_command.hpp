// The `demo` verb of `recodex`: runs run_demo() (demo.hpp) and shows what happens: the
// endpoints, the tasks pushed, every submission's progress as it arrives (all of them at once,
// through a demo_display) and finally the table of submissions x tests with verdict, time and
// memory.
#pragma once

#include "nodes/embedded/demo.hpp"

#include <cstddef>
#include <ostream>
#include <string>
#include <vector>

namespace recodex::embedded {

extern const char* const demo_usage;

// `args` are the verb's arguments (after "demo"). Exit codes: 0 when every submission showed
// the verdict it is meant to, 1 otherwise or when the demo could not run, 2 for usage errors.
int demo_command(const std::vector<std::string>& args);

// How the verb shows the demo while it runs; the submissions' progress arrives interleaved.
// On a terminal: the plain lines scroll above a block of one status row per submission
// (a bar of its tasks, its last event, at the end its verdict), redrawn in place. Otherwise
// plain lines "[name] what", only the milestones so that a log stays short: the submission, the
// job starting, compile and each test's run, any task that did not complete, a job FAILED or
// ABORTED, and the end with the tally of its tasks and its verdict. Not thread-safe: run_demo
// calls its printer one call at a time.
class demo_display {
public:
  // `width`, `height`: the terminal's columns (a status row never wraps) and lines (when the
  // rows would not fit, the display goes on with plain lines).
  demo_display(std::ostream& out, bool terminal, std::size_t width = 80, std::size_t height = 24);
  demo_display(const demo_display&) = delete;
  demo_display& operator=(const demo_display&) = delete;

  // Callbacks into this display (which must outlive them).
  demo_printer printer();

  // -- what run_demo reports --
  void line(const std::string& text);
  void submitted(const client::demo_submission& submission, const client::submitted_job& job);
  void progress(const client::demo_submission& submission, const client::progress_event& event);
  void done(const demo_outcome& outcome);

private:
  // A submission's progress so far. ABORTED starts the tally again (the broker retries the
  // job from the start).
  struct row {
    std::string name;
    std::size_t tasks = 0; // in its job config
    std::size_t completed = 0, failed = 0, skipped = 0;
    bool started = false;
    std::string last;    // the last event, as text
    std::string verdict; // at the end: "OK as expected" or "OK, NOT the expected TLE"
  };

  row& row_of(const std::string& name);
  std::string tally(const row& r) const;  // "22 tasks: 21 completed, 1 failed"
  std::string status(const row& r) const; // a terminal row, at most width_ - 1 columns
  void say(const row& r, const std::string& what);
  void redraw();

  std::ostream& out_;
  bool terminal_;
  std::size_t width_;
  std::size_t height_;
  std::vector<row> rows_;     // in the order of submission
  std::size_t on_screen_ = 0; // status rows drawn below the last plain line (terminal)
};

} // namespace recodex::embedded
