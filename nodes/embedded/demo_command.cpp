// `recodex demo`: flags -> demo_options, the submissions' progress while it runs (demo_display),
// the table at the end.
#include "nodes/embedded/demo_command.hpp"

#include "nodes/common/command_line.hpp"
#include "nodes/embedded/embedded_system.hpp"

#include <algorithm>
#include <csignal>
#include <cstdlib>
#include <iomanip>
#include <iostream>
#include <optional>
#include <spdlog/spdlog.h>
#include <sstream>
#include <sys/ioctl.h>
#include <unistd.h>

namespace recodex::embedded {

const char* const demo_usage =
    R"(recodex demo [--slots N] [--examples DIR] [--keep-data] [--timeout SECONDS]
  Starts the whole system in this process (free ports on 127.0.0.1, a temporary data
  directory), pushes the sample tasks of deploy/examples/, submits its sample submissions
  (sum of two integers in C, C++, Python and Java; wrong answer, time limit, memory limit,
  runtime error and compile error), follows all of them at once and shows their progress as
  it arrives (a status row per submission on a terminal, "[name] event" lines otherwise),
  then prints a table of submissions x tests with verdict, time and memory. Needs root (the
  sandbox).
  --slots N          worker slots [number of cores]
  --examples DIR     the examples directory [deploy/examples of the source tree]
  --keep-data        keep the temporary data directory (its path is printed)
  --timeout SECONDS  give up (exit 1) when a job has not ended this long after its
                     submission [120]
  -h, --help         this help
)";

namespace {

using nodes::bounded_number;
using nodes::usage_problem;

demo_options parse(const std::vector<std::string>& args) {
  demo_options out;
  auto& o = out.system;
  o.client_port = o.worker_port = o.cluster_port = o.monitor_port = o.fileserver_port = 0;
  for (std::size_t i = 0; i < args.size(); ++i) {
    const auto& flag = args[i];
    if (flag == "--keep-data") {
      out.keep_data = true;
      continue;
    }
    if (flag != "--slots" && flag != "--examples" && flag != "--timeout")
      throw usage_problem{"unknown argument '" + flag + "'"};
    if (i + 1 >= args.size())
      throw usage_problem{flag + " needs a value"};
    const auto& value = args[++i];
    if (flag == "--examples")
      out.examples_dir = value;
    else if (flag == "--slots")
      o.slots = static_cast<unsigned>(bounded_number(flag, value, 1, 256));
    else
      out.job_timeout = std::chrono::seconds(bounded_number(flag, value, 1, 86400));
  }
  return out;
}

// The columns and lines of the terminal on stdout; nullopt when stdout is not a terminal.
std::optional<winsize> terminal_size() {
  if (::isatty(STDOUT_FILENO) == 0)
    return std::nullopt;
  winsize size{};
  if (::ioctl(STDOUT_FILENO, TIOCGWINSZ, &size) != 0 || size.ws_col == 0 || size.ws_row == 0) {
    size.ws_col = 80;
    size.ws_row = 24;
  }
  return size;
}

bool starts_with(const std::string& text, const std::string& prefix) {
  return text.compare(0, prefix.size(), prefix) == 0;
}

// Whether a plain display gives the event a line of its own: the milestones only.
bool worth_a_line(const client::progress_event& e) {
  if (e.command == "TASK")
    return e.task_state == "FAILED" || (e.task_state == "COMPLETED" &&
                                        (e.task_id == "compile" || starts_with(e.task_id, "run-")));
  // DOWNLOADED, ENDED and UPLOADED are steps of every job; FINISHED comes with the verdict.
  return e.command != "DOWNLOADED" && e.command != "ENDED" && e.command != "UPLOADED" &&
         e.command != "FINISHED";
}

} // namespace

// -- demo_display --

demo_display::demo_display(std::ostream& out, bool terminal, std::size_t width, std::size_t height)
    : out_(out), terminal_(terminal), width_(std::max<std::size_t>(width, 20)), height_(height) {}

demo_printer demo_display::printer() {
  demo_printer p;
  p.line = [this](const std::string& text) { line(text); };
  p.submitted = [this](const client::demo_submission& s, const client::submitted_job& job) {
    submitted(s, job);
  };
  p.progress = [this](const client::demo_submission& s, const client::progress_event& e) {
    progress(s, e);
  };
  p.done = [this](const demo_outcome& o) { done(o); };
  return p;
}

void demo_display::line(const std::string& text) {
  if (terminal_ && on_screen_ > 0)
    out_ << "\033[" << on_screen_ << "A\r\033[J"; // the status rows go below the new line
  on_screen_ = 0;
  out_ << text << "\n";
  if (terminal_)
    redraw();
  out_.flush();
}

void demo_display::submitted(const client::demo_submission& submission,
                             const client::submitted_job& job) {
  auto& r = row_of(submission.name);
  r.tasks = job.task_count;
  say(r, "submitted as job " + job.job_id + " (" + job.environment + ", " +
             std::to_string(job.task_count) + " tasks)");
}

void demo_display::progress(const client::demo_submission& submission,
                            const client::progress_event& event) {
  auto& r = row_of(submission.name);
  if (event.command == "TASK") {
    if (event.task_state == "COMPLETED")
      ++r.completed;
    else if (event.task_state == "FAILED")
      ++r.failed;
    else
      ++r.skipped;
  } else if (event.command == "STARTED") {
    r.started = true;
  } else if (event.command == "ABORTED") {
    r.completed = r.failed = r.skipped = 0;
    r.started = false;
  }
  // "run-small COMPLETED" rather than "TASK run-small COMPLETED": most events are tasks.
  r.last = event.command == "TASK" ? event.task_id + " " + event.task_state : event.text();
  if (worth_a_line(event))
    say(r, r.last);
}

void demo_display::done(const demo_outcome& outcome) {
  auto& r = row_of(outcome.submission.name);
  const auto shown = shown_verdict(outcome.results);
  r.verdict = outcome.as_expected ? shown + " as expected"
                                  : shown + ", NOT the expected " + outcome.submission.expected;
  say(r, "FINISHED: " + r.verdict + " (" + tally(r) + ")");
}

demo_display::row& demo_display::row_of(const std::string& name) {
  for (auto& r : rows_)
    if (r.name == name)
      return r;
  row added;
  added.name = name;
  rows_.push_back(std::move(added));
  return rows_.back();
}

std::string demo_display::tally(const row& r) const {
  std::string out =
      std::to_string(r.tasks) + " tasks: " + std::to_string(r.completed) + " completed";
  if (r.failed)
    out += ", " + std::to_string(r.failed) + " failed";
  if (r.skipped)
    out += ", " + std::to_string(r.skipped) + " skipped";
  // After a fatal failure (compile) the worker reports nothing about the tasks it never ran.
  const std::size_t reported = r.completed + r.failed + r.skipped;
  if (reported < r.tasks)
    out += ", " + std::to_string(r.tasks - reported) + " not reported";
  return out;
}

std::string demo_display::status(const row& r) const {
  std::size_t name_width = 0;
  for (const auto& other : rows_)
    name_width = std::max(name_width, other.name.size());
  constexpr std::size_t bar = 20;
  const std::size_t done = std::min(r.tasks, r.completed + r.failed + r.skipped);
  const std::size_t filled = r.tasks ? done * bar / r.tasks : 0;
  std::ostringstream out;
  out << std::left << std::setw(static_cast<int>(name_width + 2)) << r.name << "["
      << std::string(filled, '#') << std::string(bar - filled, '.') << "] " << std::right
      << std::setw(3) << done << "/" << std::left << std::setw(3) << r.tasks << " ";
  if (!r.verdict.empty())
    out << r.verdict;
  else if (!r.last.empty())
    out << r.last;
  else
    out << "queued";
  auto text = out.str();
  if (text.size() >= width_)
    text.resize(width_ - 1);
  return text;
}

void demo_display::say(const row& r, const std::string& what) {
  if (terminal_ && rows_.size() >= height_) {
    // Moving the cursor up over more lines than the screen has would overwrite the wrong
    // ones: plain lines from here on, below the rows drawn so far.
    terminal_ = false;
    on_screen_ = 0;
  }
  if (terminal_) {
    redraw();
    return;
  }
  std::ostringstream prefix;
  prefix << std::left << std::setw(15) << ("[" + r.name + "]");
  out_ << prefix.str() << " " << what << std::endl;
}

void demo_display::redraw() {
  if (on_screen_ > 0)
    out_ << "\033[" << on_screen_ << "A\r";
  for (const auto& r : rows_)
    out_ << "\033[2K" << status(r) << "\n";
  on_screen_ = rows_.size();
  out_.flush();
}

// -- the verb --

int demo_command(const std::vector<std::string>& args) {
  std::signal(SIGPIPE, SIG_IGN);
  demo_options options;
  try {
    options = parse(args);
  } catch (const usage_problem& p) {
    std::cerr << "recodex demo: " << p.message << "\nTry 'recodex demo --help'.\n";
    return 2;
  }
  start_box_launcher_early("recodex demo");
  if (auto r = setup_embedded_logging("warn"); !r) {
    std::cerr << "recodex demo: " << r.error().message << "\n";
    return 1;
  }
  const auto terminal = terminal_size();
  demo_display display(std::cout, terminal.has_value(), terminal ? terminal->ws_col : 80,
                       terminal ? terminal->ws_row : 24);
  auto outcomes = run_demo(options, display.printer());
  spdlog::shutdown();
  if (!outcomes) {
    std::cerr << "recodex demo: " << outcomes.error().message << "\n";
    if (outcomes.error().code == errc::conflict)
      std::cerr << "(recodex demo --timeout SECONDS gives each job longer)\n";
    // A slot may still be in a job (demo.hpp): leave without destructors.
    std::cout.flush();
    std::cerr.flush();
    std::_Exit(1);
  }
  std::cout << "\n" << format_demo_table(outcomes.value());
  for (const auto& o : outcomes.value())
    if (!o.as_expected)
      return 1;
  return 0;
}

} // namespace recodex::embedded
