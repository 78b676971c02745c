// `recodex demo`: flags -> demo_options, progress lines while it runs, the table at the end.
#include "nodes/embedded/demo_command.hpp"

#include "nodes/embedded/demo.hpp"
#include "nodes/embedded/embedded_system.hpp"

#include <csignal>
#include <iostream>
#include <spdlog/spdlog.h>

namespace recodex::embedded {

const char* const demo_usage = R"(recodex demo [--slots N] [--examples DIR] [--keep-data]
  Starts the whole system in this process (free ports on 127.0.0.1, a temporary data
  directory), pushes the sample tasks of deploy/examples/, submits its sample submissions
  (sum of two integers in C, C++, Python and Java; wrong answer, time limit, memory limit,
  runtime error and compile error), shows their progress as it arrives and prints a table of
  submissions x tests with verdict, time and memory. Needs root (the sandbox).
  --slots N         worker slots [number of cores]
  --examples DIR    the examples directory [deploy/examples of the source tree]
  --keep-data       keep the temporary data directory (its path is printed)
  Exit code 0 when every submission showed the verdict it is meant to.
)";

namespace {

struct usage_problem {
  std::string message;
};

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
    if (flag != "--slots" && flag != "--examples")
      throw usage_problem{"unknown argument '" + flag + "'"};
    if (i + 1 >= args.size())
      throw usage_problem{flag + " needs a value"};
    const auto& value = args[++i];
    if (flag == "--examples") {
      out.examples_dir = value;
      continue;
    }
    try {
      std::size_t used = 0;
      auto n = std::stoul(value, &used);
      if (used != value.size() || n < 1 || n > 256)
        throw std::out_of_range("slots");
      o.slots = static_cast<unsigned>(n);
    } catch (const std::exception&) {
      throw usage_problem{"--slots expects a number from 1 to 256, got '" + value + "'"};
    }
  }
  return out;
}

} // namespace

int demo_command(const std::vector<std::string>& args) {
  std::signal(SIGPIPE, SIG_IGN);
  demo_options options;
  try {
    options = parse(args);
  } catch (const usage_problem& p) {
    std::cerr << "recodex demo: " << p.message << "\nTry 'recodex demo --help'.\n";
    return 2;
  }
  if (auto r = setup_embedded_logging("warn"); !r) {
    std::cerr << "recodex demo: " << r.error().message << "\n";
    return 1;
  }
  demo_printer printer;
  printer.line = [](const std::string& text) { std::cout << text << std::endl; };
  printer.progress = [](const client::demo_submission& s, const client::progress_event& e) {
    std::cout << "  " << s.name << ": " << e.text() << std::endl;
  };
  auto outcomes = run_demo(options, printer);
  spdlog::shutdown();
  if (!outcomes) {
    std::cerr << "recodex demo: " << outcomes.error().message << "\n";
    return 1;
  }
  std::cout << "\n" << format_demo_table(outcomes.value());
  for (const auto& o : outcomes.value())
    if (!o.as_expected)
      return 1;
  return 0;
}

} // namespace recodex::embedded
