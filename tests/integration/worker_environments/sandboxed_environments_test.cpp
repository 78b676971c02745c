// Hello world, and the sum of two integers read from stdin, in C, C++, Python 3 and Java 17:
// the shipped definition generates the job-config.yml, the worker's build_job_plan plans it and
// run_job runs it with the real executors in a leased box (compile, exists check, fetches, runs,
// token judge), as a worker would.
#include "actors/worker/environments/environment_definition.hpp"
#include "actors/worker/environments/environment_detector.hpp"
#include "actors/worker/environments/job_config_generator.hpp"
#include "actors/worker/evaluation/job_plan.hpp"
#include "actors/worker/evaluation/job_runner.hpp"
#include "actors/worker/evaluation/task_executors.hpp"
#include "tests/integration/sandbox/sandbox_fixture.hpp"
#include "tests/unit/worker_environments/shipped_worker_context.hpp"

#include <iomanip>
#include <iostream>

using namespace recodex;
using namespace recodex::worker;

namespace {

const std::string judges_dir = RECODEX_BIN_DIR;

// Works around a sandbox bug (reported): a run with share_net, which make_sandbox_run_plan sets
// for every initiation task, closes the box init's own pipes (the -1 "no netns" fd is kept in
// close_other_fds as 0xffffffff) and ends as XX "the box init ended before its root was ready".
// Initiation tasks therefore run here as execution tasks with /etc bound, which is everything
// else the initiation type changes.
class initiation_without_network final : public external_task_executor {
public:
  explicit initiation_without_network(external_task_executor& inner) : inner_(inner) {}
  result<external_task_outcome> run(const planned_task& task) override {
    if (task.task.type != task_type::initiation || !task.limits)
      return inner_.run(task);
    planned_task changed = task;
    changed.task.type = task_type::execution;
    changed.limits->bound_directories.push_back({"/etc", "/etc", dir_mode::read_only});
    return inner_.run(changed);
  }

private:
  external_task_executor& inner_;
};

// The worker's side, plus the judges directory bound read-only (the worker must do this for
// ${JUDGES_DIR}; committed executors do not yet) and the job directory as SOURCE_DIR.
job_context worker_context(const std::string& job_dir) {
  job_context c = test::shipped_worker_context("hello", judges_dir, 0);
  c.default_limits.bound_directories = {{judges_dir, judges_dir, dir_mode::read_only}};
  c.variables.source_dir = job_dir; // the box directory is the job's evaluation directory
  return c;
}

const environment_definition* find(const std::vector<environment_definition>& all,
                                   const std::string& id) {
  for (const auto& env : all)
    if (env.id == id)
      return &env;
  return nullptr;
}

void print_figures(const std::string& id, const job_run& run) {
  for (const auto& r : run.results.results)
    if (r.sandbox)
      std::cout << id << " " << std::left << std::setw(12) << r.task_id << std::fixed
                << std::setprecision(3) << " cpu " << r.sandbox->time << " s, wall "
                << r.sandbox->wall_time << " s, memory " << r.sandbox->memory << " KiB\n";
}

// The shipped definition of `id`; nullptr (and a SKIPPED line) when the host lacks it.
const environment_definition* installed(const std::vector<environment_definition>& all,
                                        const std::string& id) {
  const environment_definition* env = find(all, id);
  REQUIRE(env);
  if (auto why = why_not_installed(*env); !why.empty()) {
    WARN("SKIPPED: " << id << " is not installed: " << why);
    return nullptr;
  }
  return env;
}

job_request request_for(std::string source_name, std::vector<test_case> tests,
                        test_files_from files) {
  job_request request;
  request.job_id = "hello";
  request.hw_group = "group1";
  request.file_collector = "http://127.0.0.1:9/unused";
  request.sources = {std::move(source_name)};
  request.tests = std::move(tests);
  request.files = files;
  request.limits = {2, 5, 65536};
  return request;
}

// Generates, plans and runs the job as a worker would, in a leased box over `job.dir`. Fetch
// tasks copy from `collector` (the file server's stand-in). Prints each sandboxed task's figures.
job_run run_generated_job(const environment_definition& env, const job_request& request,
                          const sandbox_test::temp_box& job, const std::string& collector = {}) {
  auto yaml = make_job_config(env, request);
  REQUIRE(yaml);
  INFO(yaml.value());
  auto plan = build_job_plan(yaml.value(), worker_context(job.dir));
  INFO((plan ? "" : plan.error().message));
  REQUIRE(plan);

  auto box = sandbox::acquire_box();
  REQUIRE(box);
  internal_task_context context;
  context.allowed_roots = {job.dir};
  context.fetch = [collector](const std::string& name,
                              const std::filesystem::path& destination) -> result<void> {
    std::error_code failed;
    std::filesystem::copy_file(collector + "/" + name, destination, failed);
    if (failed)
      return make_error(errc::not_found, "cannot fetch " + name + ": " + failed.message());
    return ok();
  };
  internal_executor internal{context};
  sandbox_executor sandboxed{box.value(), {job.dir, 4096}};
  initiation_without_network external{sandboxed};
  job_run run = run_job(plan.value(), "group1", internal, external);
  print_figures(env.id, run);
  return run;
}

std::string describe(const task_result& r) {
  return r.task_id + ": " + r.error_message +
         (r.output ? " stdout: " + r.output->stdout_text + " stderr: " + r.output->stderr_text
                   : std::string{});
}

const task_result& result_of(const job_run& run, const std::string& task_id) {
  for (const auto& r : run.results.results)
    if (r.task_id == task_id)
      return r;
  FAIL("no result for " << task_id);
  return run.results.results.front();
}

// Hello world with the test's files in the archive: every task OK, the greeting printed, the
// judge's score line 1.
void says_hello(const std::string& id, const std::string& source_name,
                const std::string& source_text) {
  REQUIRE_SANDBOX_HOST();
  auto all = load_environments(std::string{RECODEX_SOURCE_DIR} + "/deploy/environments");
  REQUIRE(all);
  const environment_definition* env = installed(all.value(), id);
  if (!env)
    return;
  sandbox_test::temp_box job;
  job.write(source_name, source_text);
  job.write("hello.expected", "Hello, world!\n");
  const job_run run = run_generated_job(
      *env, request_for(source_name, {{"hello", "", "hello.expected"}}, test_files_from::archive),
      job);

  INFO(run.message);
  REQUIRE(run.done == done_status::ok);
  for (const auto& r : run.results.results) {
    INFO(describe(r));
    CHECK(r.status == task_status::ok);
  }
  CHECK(job.read("hello.actual") == "Hello, world!\n");
  REQUIRE(run.results.results.back().task_id == "judge-hello");
  REQUIRE(run.results.results.back().output);
  CHECK(run.results.results.back().output->stdout_text == "1\n");
}

// Sum of two integers with the tests fetched from a collector: stdin reaches the program, the
// right answers are accepted and the wrong expected output (test "wrong") fails its judge only.
void adds_two_numbers(const std::string& id, const std::string& source_name,
                      const std::string& source_text) {
  REQUIRE_SANDBOX_HOST();
  auto all = load_environments(std::string{RECODEX_SOURCE_DIR} + "/deploy/environments");
  REQUIRE(all);
  const environment_definition* env = installed(all.value(), id);
  if (!env)
    return;
  sandbox_test::temp_box collector;
  collector.write("in-1", "3 4\n");
  collector.write("out-1", "7\n");
  collector.write("in-2", "-5 5\n");
  collector.write("out-2", "0\n");
  collector.write("out-wrong", "3\n");
  sandbox_test::temp_box job;
  job.write(source_name, source_text);
  const job_run run = run_generated_job(
      *env,
      request_for(
          source_name,
          {{"one", "in-1", "out-1"}, {"two", "in-2", "out-2"}, {"wrong", "in-1", "out-wrong"}},
          test_files_from::file_collector),
      job, collector.dir);

  INFO(run.message);
  REQUIRE(run.done == done_status::ok);
  for (const auto& r : run.results.results) {
    INFO(describe(r));
    CHECK(r.status == (r.task_id == "judge-wrong" ? task_status::failed : task_status::ok));
  }
  CHECK(job.read("one.actual") == "7\n");
  CHECK(job.read("two.actual") == "0\n");
  REQUIRE(result_of(run, "judge-one").output);
  CHECK(result_of(run, "judge-one").output->stdout_text == "1\n");
  REQUIRE(result_of(run, "judge-wrong").output);
  CHECK(result_of(run, "judge-wrong").output->stdout_text == "0\n");
}

} // namespace

TEST_CASE("C (gcc) says hello in the sandbox", "[environments][hello][root]") {
  says_hello("c-gcc-linux", "main.c",
             "#include <stdio.h>\nint main(void) {\n  puts(\"Hello, world!\");\n  return 0;\n}\n");
}

TEST_CASE("C++ (g++) says hello in the sandbox", "[environments][hello][root]") {
  says_hello(
      "cxx-gpp-linux", "main.cpp",
      "#include <iostream>\nint main() {\n  std::cout << \"Hello, world!\" << std::endl;\n}\n");
}

TEST_CASE("Python 3 says hello in the sandbox", "[environments][hello][root]") {
  says_hello("python3", "hello.py", "print('Hello, world!')\n");
}

TEST_CASE("Java 17 says hello in the sandbox", "[environments][hello][root]") {
  says_hello("java17", "Main.java",
             "public class Main {\n  public static void main(String[] args) {\n"
             "    System.out.println(\"Hello, world!\");\n  }\n}\n");
}

TEST_CASE("an environment that is not installed is not advertised", "[environments][detect]") {
  auto all = load_environments(std::string{RECODEX_SOURCE_DIR} + "/deploy/environments");
  REQUIRE(all);
  auto ghost = all.value().front();
  ghost.id = "ghost";
  ghost.detect.program = "/nonexistent/ghostc";
  auto with_ghost = all.value();
  with_ghost.push_back(ghost);
  const auto headers = environment_headers(installed_environments(with_ghost));
  for (const auto& [key, value] : headers) {
    CHECK(key == "env");
    CHECK(value != "ghost");
  }
  std::cout << "advertised on this host:";
  for (const auto& header : headers)
    std::cout << " " << header.first << "=" << header.second;
  std::cout << "\n";
}

TEST_CASE("C (gcc) adds two numbers from stdin", "[environments][sum][root]") {
  adds_two_numbers("c-gcc-linux", "sum.c",
                   "#include <stdio.h>\nint main(void) {\n  long a, b;\n"
                   "  if (scanf(\"%ld %ld\", &a, &b) != 2)\n    return 1;\n"
                   "  printf(\"%ld\\n\", a + b);\n  return 0;\n}\n");
}

TEST_CASE("C++ (g++) adds two numbers from stdin", "[environments][sum][root]") {
  adds_two_numbers("cxx-gpp-linux", "sum.cpp",
                   "#include <iostream>\nint main() {\n  long a, b;\n  std::cin >> a >> b;\n"
                   "  std::cout << a + b << '\\n';\n}\n");
}

TEST_CASE("Python 3 adds two numbers from stdin", "[environments][sum][root]") {
  adds_two_numbers("python3", "sum.py", "a, b = map(int, input().split())\nprint(a + b)\n");
}

TEST_CASE("Java 17 adds two numbers from stdin", "[environments][sum][root]") {
  adds_two_numbers("java17", "Sum.java",
                   "import java.util.Scanner;\npublic class Sum {\n"
                   "  public static void main(String[] args) {\n"
                   "    Scanner in = new Scanner(System.in);\n"
                   "    System.out.println(in.nextLong() + in.nextLong());\n  }\n}\n");
}
