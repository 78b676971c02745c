// recodex: the command a user meets first. The client verbs work against a running system (the
// embedded one of `recodex serve`, or a cluster) given by --config and the client options;
// `serve` and `demo` (nodes/embedded/) run a system of their own and take only their own flags.
// Each verb is one entry of the verb table below, which says whether it takes the client
// options; its --help lists exactly what it takes. Reads top to bottom: the client options,
// the verbs, the table, main.
//
// Exit codes (scripts rely on them): 0 ok; 1 the job or the verb failed (a test not OK, a
// rejected job, an HTTP error); 2 usage; 3 a component could not be reached.
#include "nodes/client/client.hpp"
#include "nodes/embedded/demo_command.hpp"
#include "nodes/embedded/serve_command.hpp"

#include <cstdio>
#include <cstring>
#include <ctime>
#include <iomanip>
#include <iostream>
#include <map>
#include <optional>
#include <sstream>
#include <string>
#include <unistd.h>
#include <vector>

namespace {

using namespace recodex;
using client::client_config;

constexpr int exit_ok = 0;
constexpr int exit_failed = 1;
constexpr int exit_usage = 2;
constexpr int exit_unreachable = 3;

// The client options: where the system is. Taken anywhere on the line (before or after the
// verb) by the verbs that reach a running system; a verb that runs its own refuses them.
const char* const client_option_flags[] = {"--config", "--broker",   "--fileserver",  "--monitor",
                                           "--user",   "--password", "--environments"};

const char* client_options_help =
    R"(  --config FILE        client YAML (broker, fileserver, username, password, monitor,
                       environments-dir, timeouts: {connect, request, job} in ms)
  --broker URL         broker client port        (default tcp://127.0.0.1:9658)
  --fileserver URL     file server               (default http://127.0.0.1:9999)
  --monitor URL        monitor WebSocket         (default ws://127.0.0.1:4567)
  --user NAME          file server user          (default re)
  --password PASSWORD  file server password      (default codex)
  --environments DIR   runtime environment definitions (default deploy/environments)
)";

const char* help_option_help = "  -h, --help           this help\n";

const char* client_exit_codes =
    R"(Exit codes: 0 ok; 1 the job or the verb failed (a test not OK, a rejected job, an HTTP
error); 2 usage error; 3 a component (broker, file server, monitor) could not be reached.
)";

// What a verb gets: the effective client configuration and its own arguments (the client
// options removed).
struct invocation {
  client_config config;
  std::vector<std::string> args;
};

struct verb {
  const char* name;
  const char* summary;
  // Printed by `recodex <verb> --help`: its own flags (with -h when it takes no client
  // options), then the client options when it takes them.
  const char* usage;
  int (*run)(const invocation&);
  // Reaches a running system, so takes the client options (their help follows the usage).
  bool takes_client_options = true;
  // Its exit codes, for its --help; nullptr: client_exit_codes.
  const char* exit_codes = nullptr;
};

// -- helpers --

struct usage_error {
  std::string message;
};

int fail(const error& e) {
  std::cerr << "recodex: " << e.message << "\n";
  return e.code == errc::unavailable ? exit_unreachable : exit_failed;
}

// Positional arguments and --flag [value] options of a verb; unknown flags are usage errors.
struct verb_args {
  std::vector<std::string> positional;
  std::map<std::string, std::string> options; // "--task" -> value, "--follow" -> ""
};

verb_args split_args(const std::vector<std::string>& args, const std::vector<std::string>& valued,
                     const std::vector<std::string>& switches) {
  verb_args out;
  for (std::size_t i = 0; i < args.size(); ++i) {
    const std::string& a = args[i];
    if (a.size() > 1 && a[0] == '-') {
      if (std::find(switches.begin(), switches.end(), a) != switches.end()) {
        out.options[a] = "";
      } else if (std::find(valued.begin(), valued.end(), a) != valued.end()) {
        if (i + 1 >= args.size())
          throw usage_error{a + " needs a value"};
        out.options[a] = args[++i];
      } else {
        throw usage_error{"unknown option " + a};
      }
    } else {
      out.positional.push_back(a);
    }
  }
  return out;
}

void expect_count(const verb_args& a, std::size_t min, std::size_t max) {
  if (a.positional.size() < min)
    throw usage_error{"missing argument"};
  if (a.positional.size() > max)
    throw usage_error{"unexpected argument '" + a.positional[max] + "'"};
}

std::uint32_t version_number(const std::string& text) {
  try {
    std::size_t used = 0;
    const unsigned long n = std::stoul(text, &used);
    if (used == text.size() && n > 0 && n <= 0xffffffffUL)
      return static_cast<std::uint32_t>(n);
  } catch (const std::exception&) {
  }
  throw usage_error{"'" + text + "' is not a version number"};
}

std::string local_time(std::int64_t seconds) {
  std::time_t t = static_cast<std::time_t>(seconds);
  std::tm tm{};
  localtime_r(&t, &tm);
  std::ostringstream out;
  out << std::put_time(&tm, "%Y-%m-%d %H:%M:%S");
  return out.str();
}

void print_version(const client::task_version& v) {
  std::cout << "task " << v.task << " version " << v.number << " (" << local_time(v.time) << ")";
  if (!v.message.empty())
    std::cout << ": " << v.message;
  std::cout << "\n";
  for (const auto& f : v.files)
    std::cout << "  " << std::left << std::setw(24) << f.name << " " << f.sha1 << " " << f.size
              << " B\n";
}

// -- progress --

// A one-line bar redrawn in place on a terminal; plain lines for the job's milestones
// otherwise (logs and tests read those).
class progress_printer {
public:
  progress_printer(std::string job_id, std::size_t tasks)
      : job_id_(std::move(job_id)), tasks_(tasks), tty_(isatty(STDERR_FILENO) != 0) {}

  void operator()(const client::progress_event& e) {
    if (e.command == "TASK") {
      ++done_;
      if (tty_)
        draw(e.task_id + " " + e.task_state);
      return;
    }
    if (tty_)
      draw(e.command);
    else
      std::cerr << "job " << job_id_ << ": " << e.text() << "\n";
    if (e.command == "ABORTED")
      done_ = 0; // the broker retries the job from the start
  }

  ~progress_printer() {
    if (tty_ && drawn_)
      std::cerr << "\n";
  }

private:
  void draw(const std::string& last) {
    constexpr std::size_t width = 30;
    const std::size_t filled = tasks_ ? std::min(width, done_ * width / tasks_) : 0;
    std::cerr << "\r\033[K[" << std::string(filled, '#') << std::string(width - filled, '.') << "] "
              << std::min(done_, tasks_) << "/" << tasks_ << " " << last << std::flush;
    drawn_ = true;
  }

  std::string job_id_;
  std::size_t tasks_;
  std::size_t done_ = 0;
  bool tty_;
  bool drawn_ = false;
};

// Prints the table of a finished job; exit 0 only when every test is OK.
int print_results(const client::client& c, const std::string& job_id) {
  auto results = c.results(job_id);
  if (!results)
    return fail(results.error());
  std::cout << "job " << job_id;
  if (!results.value().hw_group.empty())
    std::cout << " (hwgroup " << results.value().hw_group << ")";
  std::cout << "\n" << client::format_results_table(results.value());
  return results.value().passed() ? exit_ok : exit_failed;
}

// -- verbs --

int run_submit(const invocation& in) {
  auto a = split_args(in.args, {"--task", "--job-id"}, {"--follow"});
  expect_count(a, 1, 1);
  if (!a.options.count("--task"))
    throw usage_error{"--task is required"};
  client::client c(in.config);
  client::submission s{a.positional[0], a.options["--task"], a.options["--job-id"]};
  auto job = c.submit(s);
  if (!job)
    return fail(job.error());
  std::cout << "submitted job " << job.value().job_id << " (task " << s.task << " version "
            << job.value().task_version << ", " << job.value().environment << ")" << std::endl;
  if (!a.options.count("--follow"))
    return exit_ok;
  client::job_end end;
  {
    progress_printer progress(job.value().job_id, job.value().task_count);
    auto followed = c.follow(job.value().job_id, std::ref(progress));
    if (!followed)
      return fail(followed.error());
    end = followed.value();
  }
  const int code = print_results(c, job.value().job_id);
  if (end == client::job_end::failed && code == exit_ok)
    return exit_failed;
  return code;
}

int run_results(const invocation& in) {
  auto a = split_args(in.args, {}, {});
  expect_count(a, 1, 1);
  return print_results(client::client(in.config), a.positional[0]);
}

int run_task(const invocation& in) {
  auto a = split_args(in.args, {"-m", "--message"}, {});
  if (a.positional.empty())
    throw usage_error{"missing task verb: push, versions, show, revert or diff"};
  const std::string what = a.positional[0];
  const std::string message = a.options.count("-m") ? a.options["-m"] : a.options["--message"];
  client::client c(in.config);
  if (what == "push") {
    expect_count(a, 2, 2);
    auto v = c.push_task(a.positional[1], message);
    if (!v)
      return fail(v.error());
    print_version(v.value());
    return exit_ok;
  }
  if (what == "versions") {
    expect_count(a, 2, 2);
    auto list = c.task_versions(a.positional[1]);
    if (!list)
      return fail(list.error());
    for (const auto& v : list.value())
      std::cout << std::setw(4) << v.number << "  " << local_time(v.time) << "  " << v.files.size()
                << " files  " << v.message << "\n";
    return exit_ok;
  }
  if (what == "show") {
    expect_count(a, 2, 3);
    const std::string version = a.positional.size() > 2 ? a.positional[2] : "latest";
    if (version != "latest")
      version_number(version);
    auto v = c.show_task(a.positional[1], version);
    if (!v)
      return fail(v.error());
    print_version(v.value());
    auto text = c.task_definition_text(a.positional[1], std::to_string(v.value().number));
    if (text)
      std::cout << "--- task.yml ---\n" << text.value();
    return exit_ok;
  }
  if (what == "revert") {
    expect_count(a, 3, 3);
    auto v = c.revert_task(a.positional[1], version_number(a.positional[2]), message);
    if (!v)
      return fail(v.error());
    print_version(v.value());
    return exit_ok;
  }
  if (what == "diff") {
    expect_count(a, 4, 4);
    for (std::size_t i : {2, 3})
      if (a.positional[i] != "latest")
        version_number(a.positional[i]);
    auto d = c.diff_task(a.positional[1], a.positional[2], a.positional[3]);
    if (!d)
      return fail(d.error());
    for (const auto& f : d.value().added)
      std::cout << "added    " << f << "\n";
    for (const auto& f : d.value().removed)
      std::cout << "removed  " << f << "\n";
    for (const auto& f : d.value().changed)
      std::cout << "changed  " << f << "\n";
    if (d.value().added.empty() && d.value().removed.empty() && d.value().changed.empty())
      std::cout << "no differences\n";
    return exit_ok;
  }
  throw usage_error{"unknown task verb '" + what + "': push, versions, show, revert or diff"};
}

int run_broker(const invocation& in) {
  auto a = split_args(in.args, {}, {});
  expect_count(a, 1, 1);
  client::client c(in.config);
  const std::string what = a.positional[0];
  if (what == "stats") {
    auto stats = c.broker_stats();
    if (!stats)
      return fail(stats.error());
    for (const auto& [key, value] : stats.value())
      std::cout << std::left << std::setw(20) << key << " " << value << "\n";
    return exit_ok;
  }
  if (what == "freeze" || what == "unfreeze") {
    auto done = what == "freeze" ? c.freeze() : c.unfreeze();
    if (!done)
      return fail(done.error());
    std::cout << "broker " << (what == "freeze" ? "frozen" : "unfrozen") << "\n";
    return exit_ok;
  }
  throw usage_error{"unknown broker verb '" + what + "': stats, freeze or unfreeze"};
}

// The embedded system's verbs take only their own flags (the system they run is their own).
int run_serve(const invocation& in) {
  return embedded::serve_command(in.args);
}
int run_demo(const invocation& in) {
  return embedded::demo_command(in.args);
}

// -- the verb table --
// `serve` and `demo` (nodes/embedded/) add their entries here.
const std::vector<verb>& verbs() {
  static const std::vector<verb> table = {
      {"serve", "run the whole system in this process (until SIGINT/SIGTERM)",
       embedded::serve_usage, run_serve, false,
       "Exit codes: 0 stopped by SIGINT or SIGTERM; 1 a component could not start; 2 usage "
       "error.\n"},
      {"demo", "run the sample submissions on a temporary system and print their table",
       embedded::demo_usage, run_demo, false,
       "Exit codes: 0 every submission showed the verdict it is meant to; 1 one did not, or the\n"
       "demo could not run (a job did not end within --timeout); 2 usage error.\n"},
      {"submit", "submit a solution to a task",
       "recodex submit <solution dir or file> --task <task> [--follow] [--job-id ID]\n"
       "  Generates job-config.yml from the task's newest version (environment chosen by the\n"
       "  sources' extensions), uploads the submission, sends eval and prints the job id.\n"
       "  --follow shows the progress and prints the results table; the exit code is then 0\n"
       "  only when every test is OK.\n",
       run_submit},
      {"task", "push and inspect task versions",
       "recodex task push <dir> [-m MESSAGE]     upload task.yml and its test files as a new "
       "version\n"
       "recodex task versions <task>            list the versions, oldest first\n"
       "recodex task show <task> [version]      one version's files and task.yml (default: "
       "latest)\n"
       "recodex task revert <task> <version> [-m MESSAGE]   a new version equal to <version>\n"
       "recodex task diff <task> <a> <b>        files added, removed, changed from a to b\n"
       "  (versions are numbers or 'latest'; the task format: docs/task-definition.md)\n",
       run_task},
      {"results", "print the results table of a job",
       "recodex results <job>\n"
       "  Downloads the job's results and prints one row per test: verdict (OK, WA, TLE, MLE,\n"
       "  RE, CE, SKIPPED, IE), time, memory and the judge's score. Exit 0 when all are OK.\n",
       run_results},
      {"broker", "broker statistics, freeze, unfreeze",
       "recodex broker stats|freeze|unfreeze\n"
       "  stats: the broker's runtime statistics; freeze: reject new jobs; unfreeze: accept "
       "them.\n",
       run_broker},
  };
  return table;
}

void print_help() {
  std::cout << "recodex: the ReCodEx-compatible code examiner's command line\n\n"
               "Usage: recodex [options] <verb> [arguments]\n\nVerbs:\n";
  std::string clients, own;
  for (const auto& v : verbs()) {
    std::cout << "  " << std::left << std::setw(10) << v.name << v.summary << "\n";
    auto& list = v.takes_client_options ? clients : own;
    list += (list.empty() ? "" : ", ") + std::string(v.name);
  }
  std::cout << "\nClient options of " << clients << " (before or after the verb):\n"
            << client_options_help << help_option_help << "(" << own
            << " run a system of their own and take only their own flags: recodex <verb> "
               "--help)\n\n"
            << client_exit_codes;
}

// A verb that runs its own system lists -h among its own flags, in its usage.
void print_verb_help(const verb& v) {
  std::cout << "Usage: " << v.usage << "\n";
  if (v.takes_client_options)
    std::cout << "Client options (before or after the verb):\n"
              << client_options_help << help_option_help << "\n";
  std::cout << (v.exit_codes ? v.exit_codes : client_exit_codes);
}

// The client options found on the command line (anywhere; the last of a flag wins), the help
// flag, and the rest of the arguments in their order.
struct command_line {
  std::vector<std::pair<std::string, std::string>> client_options; // in the order given
  bool help = false;
  std::vector<std::string> rest;
};

command_line split_command_line(int argc, char** argv) {
  command_line out;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    if (a == "-h" || a == "--help") {
      out.help = true;
    } else if (std::find(std::begin(client_option_flags), std::end(client_option_flags), a) !=
               std::end(client_option_flags)) {
      if (i + 1 >= argc)
        throw usage_error{a + " needs a value"};
      out.client_options.emplace_back(a, argv[++i]);
    } else {
      out.rest.push_back(a);
    }
  }
  return out;
}

// The configuration the client options give (a --config file first, then the flags over it).
client_config apply_client_options(const command_line& line) {
  client_config config;
  std::map<std::string, std::string> given;
  for (const auto& [flag, value] : line.client_options)
    given[flag] = value; // the last one given wins
  if (given.count("--config")) {
    auto loaded = client::load_client_config(given["--config"], config);
    if (!loaded)
      throw usage_error{loaded.error().message};
    config = loaded.value();
  }
  auto set = [&](const char* flag, std::string& field) {
    if (given.count(flag))
      field = given[flag];
  };
  set("--broker", config.broker);
  set("--fileserver", config.fileserver);
  set("--monitor", config.monitor);
  set("--user", config.username);
  set("--password", config.password);
  if (given.count("--environments"))
    config.environments_dir = given["--environments"];
  return config;
}

} // namespace

int main(int argc, char** argv) {
  invocation in;
  const verb* chosen = nullptr;
  try {
    const auto line = split_command_line(argc, argv);
    if (line.rest.empty()) {
      print_help();
      return line.help ? exit_ok : exit_usage;
    }
    for (const auto& v : verbs())
      if (line.rest.front() == v.name)
        chosen = &v;
    if (!chosen)
      throw usage_error{"unknown verb '" + line.rest.front() + "' (recodex --help lists them)"};
    if (!chosen->takes_client_options && !line.client_options.empty())
      throw usage_error{line.client_options.front().first + " does not apply to " + chosen->name +
                        ", which runs a system of its own (recodex " + chosen->name +
                        " --help lists its flags)"};
    if (line.help) {
      print_verb_help(*chosen);
      return exit_ok;
    }
    in.config = apply_client_options(line);
    in.args.assign(line.rest.begin() + 1, line.rest.end());
    return chosen->run(in);
  } catch (const usage_error& e) {
    std::cerr << "recodex" << (chosen ? std::string(" ") + chosen->name : std::string()) << ": "
              << e.message << "\n"
              << "Try 'recodex " << (chosen ? std::string(chosen->name) + " " : std::string())
              << "--help'.\n";
    return exit_usage;
  }
}
