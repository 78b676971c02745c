// `recodex demo`'s engine: temporary data directory -> embedded system -> client library.
#include "nodes/embedded/demo.hpp"

#include "nodes/embedded/embedded_system.hpp"

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <iomanip>
#include <sstream>

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
  for (const auto& line : describe(system))
    printer.line(line);

  client::client c(client_config_for(system));
  for (const auto& task : tasks) {
    auto pushed = c.push_task(task, "demo");
    if (!pushed)
      return in_demo("pushing task " + task.string(), pushed.error());
    printer.line("pushed task " + pushed.value().task + " version " +
                 std::to_string(pushed.value().number));
  }
  std::vector<demo_outcome> outcomes;
  for (const auto& s : submissions) {
    auto job = c.submit({s.solution, s.task, {}});
    if (!job)
      return in_demo("submitting " + s.name, job.error());
    printer.line("submitted " + s.name + " as job " + job.value().job_id + " (" +
                 job.value().environment + ")");
    outcomes.push_back({s, job.value().job_id, {}, false});
  }
  for (auto& o : outcomes) {
    auto followed = c.follow(
        o.job_id, [&](const client::progress_event& e) { printer.progress(o.submission, e); });
    if (!followed)
      return in_demo("following " + o.submission.name, followed.error());
    auto results = c.results(o.job_id);
    if (!results)
      return in_demo("results of " + o.submission.name, results.error());
    o.results = std::move(results).value();
    o.as_expected = shown_verdict(o.results) == o.submission.expected;
  }
  system.stop();
  if (options.keep_data)
    printer.line("data kept in " + data.path().string());
  return outcomes;
}

} // namespace recodex::embedded
