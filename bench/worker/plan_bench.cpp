// How long the worker takes from job-config.yml text to a job plan, the step on the critical
// path of every job before its compile starts. The config is the one the worker gets for a C
// submission (deploy/environments/c-gcc-linux.yml through make_job_config: compile, its exists
// check, then per test fetch input, fetch expected output, run, judge) for 20 and 200 tests.
// Prints the median of parse_job_config and of build_job_plan (which includes the parse).
//   plan_bench [iterations]
#include "actors/worker/environments/environment_definition.hpp"
#include "actors/worker/environments/job_config_generator.hpp"
#include "actors/worker/evaluation/job_plan.hpp"

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

using namespace recodex;
using namespace recodex::worker;

namespace {

environment_definition c_environment() {
  const std::string file = std::string(RECODEX_SOURCE_DIR) + "/deploy/environments/c-gcc-linux.yml";
  std::ifstream in(file);
  std::stringstream text;
  text << in.rdbuf();
  auto parsed = parse_environment(text.str(), file);
  if (!parsed) {
    std::fprintf(stderr, "plan_bench: %s\n", parsed.error().message.c_str());
    std::exit(1);
  }
  return std::move(parsed).value();
}

std::string config_for(const environment_definition& environment, int tests) {
  job_request request;
  request.job_id = "bench42";
  request.hw_group = "group1";
  request.file_collector = "http://127.0.0.1:9999/tasks";
  request.sources = {"sum.c"};
  for (int i = 1; i <= tests; ++i)
    request.tests.push_back({"T" + std::to_string(i), "3 4\n", "7\n", std::nullopt});
  auto text = make_job_config(environment, request);
  if (!text) {
    std::fprintf(stderr, "plan_bench: %s\n", text.error().message.c_str());
    std::exit(1);
  }
  return std::move(text).value();
}

job_context context_for() {
  job_context c;
  c.job_id = "bench42";
  c.hwgroup = "group1";
  c.default_limits.time = 60;
  c.default_limits.wall_time = 120;
  c.default_limits.memory = 4 * 1048576;
  c.default_limits.stack_size = 0;
  c.default_limits.parallel = 0;
  c.variables = make_job_variables(1, "bench42", "/var/recodex/wd", "/tmp", "/usr/bin");
  return c;
}

template <typename Step> double median_ms(int iterations, Step step) {
  std::vector<double> ms;
  for (int i = 0; i < iterations; ++i) {
    const auto start = std::chrono::steady_clock::now();
    step();
    ms.push_back(std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start)
                     .count());
  }
  std::sort(ms.begin(), ms.end());
  return ms[ms.size() / 2];
}

} // namespace

int main(int argc, char** argv) {
  const int iterations = argc > 1 ? std::max(1, std::atoi(argv[1])) : 200;
  const auto environment = c_environment();
  const auto context = context_for();
  std::printf("%6s %7s %6s %18s %18s\n", "tests", "tasks", "KB", "parse_job_config",
              "build_job_plan");
  for (int tests : {20, 200}) {
    const auto text = config_for(environment, tests);
    auto check = build_job_plan(text, context);
    if (!check) {
      std::fprintf(stderr, "plan_bench: %s\n", check.error().message.c_str());
      return 1;
    }
    const auto tasks = check.value().tasks.size();
    const double parse = median_ms(iterations, [&] {
      if (!parse_job_config(text))
        std::abort();
    });
    const double plan = median_ms(iterations, [&] {
      if (!build_job_plan(text, context))
        std::abort();
    });
    std::printf("%6d %7zu %6.1f %15.3f ms %15.3f ms\n", tests, tasks, text.size() / 1024.0, parse,
                plan);
  }
  return 0;
}
