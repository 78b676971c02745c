// `recodex demo`'s engine: temporary data directory -> embedded system -> client library, one
// follower thread per submitted job (demo.hpp has the theory of operation).
#include "nodes/embedded/demo.hpp"

#include "nodes/embedded/embedded_system.hpp"

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <iomanip>
#include <mutex>
#include <optional>
#include <sstream>
#include <thread>

namespace recodex::embedded {

namespace {

// A directory under /tmp removed with everything in it when the demo ends (unless kept).
class temporary_data_dir {
public:
  static result<temporary_data_dir> create() {
    char name[] = "/tmp/recodex-demo-XXXXXX";
    if (::mkdtemp(name) == nullptr)
      return error{errc::io_error, "cannot create a temporary directory under /tmp"};
    return temporary_data_dir{name};
  }
  temporary_data_dir(temporary_data_dir&& other) noexcept : path_(std::move(other.path_)) {
    other.path_.clear();
  }
  ~temporary_data_dir() {
    if (!path_.empty() && !keep_) {
      std::error_code ec;
      std::filesystem::remove_all(path_, ec);
    }
  }
  const std::filesystem::path& path() const { return path_; }
  void keep() { keep_ = true; }

private:
  explicit temporary_data_dir(std::filesystem::path path) : path_(std::move(path)) {}
  std::filesystem::path path_;
  bool keep_ = false;
};

error in_demo(const std::string& what, const error& e) {
  return error{e.code, what + ": " + e.message};
}

// The printer's calls one at a time: the followers' threads and the main thread share it.
class serialised_printer {
public:
  explicit serialised_printer(const demo_printer& printer) : printer_(printer) {}

  void line(const std::string& text) const { call(printer_.line, text); }
  void submitted(const client::demo_submission& s, const client::submitted_job& job) const {
    call(printer_.submitted, s, job);
  }
  void progress(const client::demo_submission& s, const client::progress_event& e) const {
    call(printer_.progress, s, e);
  }
  void done(const demo_outcome& o) const { call(printer_.done, o); }

private:
  template <class F, class... Args> void call(const F& f, const Args&... args) const {
    if (!f)
      return;
    std::lock_guard<std::mutex> lock(mutex_);
    f(args...);
  }

  const demo_printer& printer_;
  mutable std::mutex mutex_;
};

// Threads joined when the set goes out of scope (also when the submitting loop fails).
class followers {
public:
  followers() = default;
  followers(const followers&) = delete;
  followers& operator=(const followers&) = delete;
  ~followers() {
    for (auto& t : threads_)
      t.join();
  }
  template <class F> void start(F&& f) { threads_.emplace_back(std::forward<F>(f)); }

private:
  std::vector<std::thread> threads_;
};

// A follower's work: progress until the job ends (bounded by the job timeout), then results.
std::optional<error> follow_to_the_end(const client::client& c, demo_outcome& o,
                                       const serialised_printer& print) {
  auto followed =
      c.follow(o.job_id, [&](const client::progress_event& e) { print.progress(o.submission, e); });
  if (!followed)
    return in_demo("following " + o.submission.name, followed.error());
  auto results = c.results(o.job_id);
  if (!results)
    return in_demo("results of " + o.submission.name, results.error());
  o.results = std::move(results).value();
  o.as_expected = shown_verdict(o.results) == o.submission.expected;
  print.done(o);
  return std::nullopt;
}

// One error for every submission that failed, each on its own line when there are several.
error combined(const std::vector<error>& failed, std::size_t submissions) {
  if (failed.size() == 1)
    return failed.front();
  std::string message =
      std::to_string(failed.size()) + " of " + std::to_string(submissions) + " submissions failed:";
  for (const auto& e : failed)
    message += "\n  " + e.message;
  return error{failed.front().code, message};
}

std::string cell(const client::test_result& t) {
  std::ostringstream out;
  out << std::left << std::setw(7) << to_string(t.outcome);
  if (t.outcome != client::verdict::skipped && t.outcome != client::verdict::compile_error)
    out << std::fixed << std::setprecision(3) << t.time << "s " << std::setprecision(1)
        << static_cast<double>(t.memory) / 1024 << "M";
  return out.str();
}

} // namespace

client::client_config client_config_for(const embedded_system& system) {
  client::client_config c;
  const auto& e = system.endpoints();
  c.broker = e.client_uri();
  c.fileserver = e.fileserver_url();
  c.monitor = e.monitor_uri();
  c.username = system.options().username;
  c.password = system.options().password;
  c.environments_dir = system.options().environments_dir;
  return c;
}

std::string shown_verdict(const client::job_results& results) {
  if (results.compile_failed)
    return "CE";
  for (const auto& t : results.tests)
    if (t.outcome != client::verdict::ok)
      return std::string(to_string(t.outcome));
  return "OK";
}

std::string format_demo_table(const std::vector<demo_outcome>& outcomes) {
  std::size_t name_width = 10;
  std::vector<std::string> tests;
  for (const auto& o : outcomes) {
    name_width = std::max(name_width, o.submission.name.size() + 2);
    for (const auto& t : o.results.tests)
      if (std::find(tests.begin(), tests.end(), t.test) == tests.end())
        tests.push_back(t.test);
  }
  constexpr int cell_width = 21;
  std::ostringstream out;
  out << std::left << std::setw(static_cast<int>(name_width)) << "submission";
  for (const auto& t : tests)
    out << std::setw(cell_width) << t;
  out << "expected\n";
  for (const auto& o : outcomes) {
    out << std::setw(static_cast<int>(name_width)) << o.submission.name;
    for (const auto& name : tests) {
      auto t = std::find_if(o.results.tests.begin(), o.results.tests.end(),
                            [&](const client::test_result& r) { return r.test == name; });
      out << std::setw(cell_width) << (t == o.results.tests.end() ? std::string("-") : cell(*t));
    }
    out << o.submission.expected
        << (o.as_expected ? " (shown)" : " (NOT shown: " + shown_verdict(o.results) + ")") << "\n";
  }
  return out.str();
}

result<std::vector<demo_outcome>> run_demo(demo_options options, const demo_printer& printer) {
  const auto examples =
      options.examples_dir.empty() ? client::default_examples_dir() : options.examples_dir;
  RECODEX_TRY(tasks, client::demo_tasks(examples));
  RECODEX_TRY(submissions, client::demo_submissions(examples));
  RECODEX_TRY(data, temporary_data_dir::create());
  if (options.keep_data)
    data.keep();
  options.system.data_dir = data.path() / "var";
  auto started = embedded_system::start(options.system);
  if (!started)
    return started.error();
  auto& system = *started.value();
  const serialised_printer print{printer};
  for (const auto& line : describe(system))
    print.line(line);

  auto config = client_config_for(system);
  config.job_timeout = options.job_timeout;
  client::client c(config);
  for (const auto& task : tasks) {
    auto pushed = c.push_task(task, "demo");
    if (!pushed)
      return in_demo("pushing task " + task.string(), pushed.error());
    print.line("pushed task " + pushed.value().task + " version " +
               std::to_string(pushed.value().number));
  }

  // The followers share a client of their own (only its const calls) while this thread submits.
  const client::client watcher(config);
  // Sized up front: each follower writes its own element while the others are added.
  std::vector<demo_outcome> outcomes(submissions.size());
  std::vector<std::optional<error>> failures(submissions.size());
  {
    followers following;
    for (std::size_t i = 0; i < submissions.size(); ++i) {
      const auto& s = submissions[i];
      auto job = c.submit({s.solution, s.task, {}});
      if (!job) {
        failures[i] = in_demo("submitting " + s.name, job.error());
        break; // the jobs already submitted are still followed to their end
      }
      outcomes[i] = {s, job.value().job_id, {}, false};
      print.submitted(s, job.value());
      following.start([&watcher, &print, &outcome = outcomes[i], &failure = failures[i]] {
        failure = follow_to_the_end(watcher, outcome, print);
      });
    }
  } // joins every follower; each ends within the job timeout

  std::vector<error> failed;
  for (auto& f : failures)
    if (f)
      failed.push_back(std::move(*f));
  if (!failed.empty()) {
    system.stop();
    if (system.abandoned_jobs())
      (void)started.value().release(); // destroying it would wait for the job: see demo.hpp
    return combined(failed, submissions.size());
  }
  system.stop();
  if (options.keep_data)
    print.line("data kept in " + data.path().string());
  return outcomes;
}

} // namespace recodex::embedded
