// bench/worker: one C submission with N tests (default 20) through the real chain (file server,
// broker and one worker as processes on loopback, the sandbox, the token judge) against the same
// compile, runs and judge calls done directly (fork + exec, no sandbox, no broker) in the same
// run. Prints the job's wall time from `eval` to FINISHED, the direct costs, the overhead, and
// how the second run of the job used the worker's file cache (from the job log). Needs root.
// Usage: worker_bench [tests=20] [rounds=3]
#include "tests/integration/worker_e2e/e2e_system.hpp"

#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <cstdio>
#include <fcntl.h>
#include <fstream>
#include <iostream>
#include <sstream>
#include <string>
#include <sys/wait.h>
#include <unistd.h>
#include <vector>

using namespace recodex::testing;
using namespace std::chrono_literals;
using seconds_f = std::chrono::duration<double>;
using clock_type = std::chrono::steady_clock;

namespace {

std::string read_text(const std::string& path) {
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

void write_text(const std::string& path, const std::string& text) { std::ofstream(path) << text; }

// Runs argv with stdin/stdout redirected (empty = inherited, stdout to /dev/null); exit status.
int run(const std::vector<std::string>& argv, const std::string& in, const std::string& out,
        const std::string& cwd) {
  pid_t pid = ::fork();
  if (pid == 0) {
    if (::chdir(cwd.c_str()) != 0)
      ::_exit(126);
    if (!in.empty())
      ::dup2(::open(in.c_str(), O_RDONLY), 0);
    ::dup2(::open(out.empty() ? "/dev/null" : out.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644), 1);
    std::vector<char*> args;
    for (const auto& a : argv)
      args.push_back(const_cast<char*>(a.c_str()));
    args.push_back(nullptr);
    ::execv(args[0], args.data());
    ::_exit(127);
  }
  int status = 0;
  ::waitpid(pid, &status, 0);
  return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

std::vector<sum_test> passing_tests(int n) {
  std::vector<sum_test> tests;
  for (int i = 1; i <= n; ++i) {
    long a = i * 17, b = i * 31;
    tests.push_back({"T" + std::to_string(i), std::to_string(a) + " " + std::to_string(b) + "\n",
                     std::to_string(a + b) + "\n"});
  }
  return tests;
}

struct direct_cost {
  double compile = 0, runs = 0, judges = 0;
};

// The same work as the job, done directly: gcc, then per test the program and the judge.
direct_cost direct(const std::string& source, const std::vector<sum_test>& tests) {
  temp_directory dir("recodex-worker-bench-direct");
  auto d = dir.path().string();
  write_text(d + "/sum.c", source);
  direct_cost cost;
  auto t0 = clock_type::now();
  if (run({"/usr/bin/gcc", "-O2", "-o", "prog", "sum.c"}, "", "", d) != 0)
    throw std::runtime_error("gcc failed");
  auto t1 = clock_type::now();
  cost.compile = seconds_f(t1 - t0).count();
  for (const auto& t : tests) {
    write_text(d + "/" + t.name + ".in", t.input);
    write_text(d + "/" + t.name + ".ref", t.reference);
  }
  for (const auto& t : tests) {
    auto a = clock_type::now();
    run({d + "/prog"}, d + "/" + t.name + ".in", d + "/" + t.name + ".out", d);
    auto b = clock_type::now();
    run({std::string(RECODEX_BIN_DIR) + "/recodex-token-judge", "--log-limit", "4k", "--ignore-trailing-whitespace",
         t.name + ".ref", t.name + ".out"},
        "", "", d);
    auto c = clock_type::now();
    cost.runs += seconds_f(b - a).count();
    cost.judges += seconds_f(c - b).count();
  }
  return cost;
}

std::size_t count_lines_with(const std::string& text, const std::string& needle) {
  std::size_t n = 0;
  for (auto at = text.find(needle); at != std::string::npos; at = text.find(needle, at + 1))
    ++n;
  return n;
}

// A number from 1 to `max`, or 0 when `text` is anything else.
int positive_argument(const char* text, int max) {
  char* end = nullptr;
  long value = std::strtol(text, &end, 10);
  return *text != '\0' && *end == '\0' && value >= 1 && value <= max ? static_cast<int>(value) : 0;
}

// The programs' own wall time in their boxes, from result.yml: the build, the runs, the judges.
struct boxed_walls {
  double build = 0, runs = 0, judges = 0;
};

boxed_walls walls_in_boxes(const std::string& result_yml) {
  boxed_walls walls;
  auto root = YAML::Load(result_yml);
  for (const auto& task : root["results"]) {
    if (!task["sandbox_results"])
      continue;
    auto id = task["task-id"].as<std::string>();
    double wall = task["sandbox_results"]["wall-time"].as<double>();
    (id.rfind("run-", 0) == 0 ? walls.runs : id.rfind("judge-", 0) == 0 ? walls.judges : walls.build) += wall;
  }
  return walls;
}

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v[v.size() / 2];
}

} // namespace

int main(int argc, char** argv) {
  if (::geteuid() != 0) {
    std::cerr << "worker_bench: needs root (the worker's sandbox)\n";
    return 2;
  }
  int n = argc > 1 ? positive_argument(argv[1], 1000) : 20;
  int rounds = argc > 2 ? positive_argument(argv[2], 100) : 3;
  if (n == 0 || rounds == 0) {
    std::cerr << "usage: worker_bench [tests 1..1000 (20)] [rounds 1..100 (3)]\n";
    return 2;
  }
  auto source = read_text(std::string(RECODEX_SOURCE_DIR) + "/tests/integration/worker_e2e/sum.c");
  auto tests = passing_tests(n);

  e2e_system system;
  system.start_worker(931, worker_transport::zeromq);
  if (!system.wait_for_workers(1, 20s)) {
    std::cerr << "worker_bench: the worker did not register\n" << system.logs();
    return 1;
  }
  std::vector<double> job_times, compile_times, run_times, judge_times, broker_cpu, fileserver_cpu, box_build,
      box_runs, box_judges;
  std::size_t cached_fetches = 0, fetches = 0;
  for (int round = 0; round < rounds; ++round) {
    auto cost = direct(source, tests);
    compile_times.push_back(cost.compile);
    run_times.push_back(cost.runs);
    judge_times.push_back(cost.judges);

    auto job = "bench_" + std::to_string(round);
    system.upload_sum_job(job, source, tests, true);
    // The services' own CPU for the job, from eval to FINISHED (the upload above is the web
    // application's work, not theirs).
    const double broker_before = recodex::testing::cpu_seconds_of_threads(system.broker_pid());
    const double fileserver_before = recodex::testing::cpu_seconds_of_threads(system.fileserver_pid());
    auto start = clock_type::now();
    system.send_eval(job);
    if (system.collect_accepts(1, 10s) != 1) {
      std::cerr << "worker_bench: the broker did not accept " << job << "\n" << system.logs();
      return 1;
    }
    auto progress = system.follow_until(job, "FINISHED", 300s);
    auto took = seconds_f(clock_type::now() - start).count();
    if (progress.empty()) {
      std::cerr << "worker_bench: job " << job << " did not finish\n" << system.logs();
      return 1;
    }
    job_times.push_back(took);
    broker_cpu.push_back(recodex::testing::cpu_seconds_of_threads(system.broker_pid()) - broker_before);
    fileserver_cpu.push_back(recodex::testing::cpu_seconds_of_threads(system.fileserver_pid()) -
                             fileserver_before);
    if (auto results = system.result_file(job, "result/result.yml")) {
      auto walls = walls_in_boxes(*results);
      box_build.push_back(walls.build);
      box_runs.push_back(walls.runs);
      box_judges.push_back(walls.judges);
    }
    if (round > 0) {
      auto log = system.result_file(job, "result/job_system_log.log").value_or("");
      cached_fetches += count_lines_with(log, ": from the cache");
      fetches += count_lines_with(log, "fetch ");
    }
    std::printf("round %d: job %.3f s | direct: compile %.3f s, %d runs %.3f s, %d judges %.3f s\n", round + 1,
                took, cost.compile, n, cost.runs, n, cost.judges);
  }
  double job = median(job_times), compile = median(compile_times), runs = median(run_times),
         judges = median(judge_times);
  std::printf("\nC submission, %d tests, median of %d rounds (round 1 with a cold file cache):\n", n, rounds);
  std::printf("  whole job, eval -> FINISHED:        %.3f s\n", job);
  std::printf("  direct compile + %d runs:           %.3f s   overhead %+.0f %%\n", n, compile + runs,
              100.0 * (job / (compile + runs) - 1));
  std::printf("  direct compile + runs + judges:     %.3f s   overhead %+.0f %%\n", compile + runs + judges,
              100.0 * (job / (compile + runs + judges) - 1));
  std::printf("  per sandboxed task (%d tasks):       %.1f ms above direct\n", 1 + 2 * n,
              1000.0 * (job - compile - runs - judges) / (1 + 2 * n));
  std::printf("  service CPU per job (eval -> FINISHED): broker %.2f ms, file server %.2f ms "
              "(median; the broker's includes forwarding progress to the monitor socket)\n",
              1000.0 * median(broker_cpu), 1000.0 * median(fileserver_cpu));
  if (!box_build.empty()) {
    double in_boxes = median(box_build) + median(box_runs) + median(box_judges);
    std::printf("  the programs' wall time in their boxes (result.yml): build %.3f s, runs %.3f s, judges %.3f s;\n"
                "    %.1f ms above the direct ones, %.1f ms of the job outside the programs\n",
                median(box_build), median(box_runs), median(box_judges),
                1000.0 * (in_boxes - compile - runs - judges), 1000.0 * (job - in_boxes));
  }
  if (fetches > 0)
    std::printf("  file cache on rounds 2..%d: %zu of %zu fetches from the cache (%.0f %%)\n", rounds, cached_fetches,
                fetches, 100.0 * static_cast<double>(cached_fetches) / static_cast<double>(fetches));
  return 0;
}
