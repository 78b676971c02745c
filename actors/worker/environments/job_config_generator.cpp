// job_request + environment -> job-config.yml. The tasks are built as plain values first
// (generated_task) and emitted with yaml-cpp, which does the quoting; the result is parsed back
// with the worker's parser so a generator bug surfaces here and not in a worker.
#include "actors/worker/environments/job_config_generator.hpp"

#include "actors/worker/environments/environment_definition.hpp"
#include "actors/worker/evaluation/job_config.hpp"

#include <algorithm>
#include <array>
#include <cctype>
#include <optional>
#include <yaml-cpp/yaml.h>

namespace recodex::worker {

std::string_view to_string(test_files_from from) {
  switch (from) {
  case test_files_from::file_collector:
    return "file-collector";
  case test_files_from::archive:
    return "archive";
  }
  return "unknown";
}

namespace {

// The core API's priorities (spec 8).
constexpr int initiation_priority = 100;
constexpr int execution_priority = 90;
constexpr int evaluation_priority = 80;
constexpr int default_priority = 42;

constexpr std::array<std::string_view, 4> known_judges = {
    "recodex-token-judge", "recodex-judge-normal", "recodex-judge-shuffle",
    "recodex-judge-passthrough"};

struct generated_limits {
  std::optional<double> time;
  std::optional<double> wall_time;
  std::optional<std::uint64_t> memory;
  std::optional<std::uint64_t> parallel;
  const environment* variables = nullptr;
  const std::vector<bound_directory>* directories = nullptr;
};

struct generated_task {
  std::string id;
  int priority = default_priority;
  bool fatal = false;
  std::vector<std::string> dependencies;
  std::optional<std::string> test_id;
  std::optional<std::string> type; // absent = inner (internal tasks)
  std::string bin;
  std::vector<std::string> args;
  bool sandboxed = false;
  bool output = false;
  std::optional<std::string> stdin_path;
  std::optional<std::string> stdout_path;
  std::optional<generated_limits> limits;
};

error invalid(std::string message) {
  return make_error(errc::invalid_argument, std::move(message));
}

bool is_test_name(const std::string& name) {
  return !name.empty() && std::all_of(name.begin(), name.end(), [](unsigned char c) {
    return std::isalnum(c) || c == '-' || c == '_';
  });
}

// A path relative to the job directory that stays inside it.
bool is_inner_path(const std::string& path) {
  if (path.empty() || path.front() == '/' || path.find("${") != std::string::npos)
    return false;
  std::size_t from = 0;
  for (;;) {
    const std::size_t slash = path.find('/', from);
    const std::string part = path.substr(from, slash - from);
    if (part.empty() || part == "." || part == "..")
      return false;
    if (slash == std::string::npos)
      return true;
    from = slash + 1;
  }
}

bool ends_with(const std::string& text, const std::string& suffix) {
  return text.size() > suffix.size() &&
         text.compare(text.size() - suffix.size(), suffix.size(), suffix) == 0;
}

result<std::string> main_source(const environment_definition& env,
                                const std::vector<std::string>& sources) {
  for (const auto& source : sources)
    for (const auto& suffix : env.extensions)
      if (ends_with(source, suffix))
        return source;
  std::string wanted;
  for (const auto& suffix : env.extensions)
    wanted += (wanted.empty() ? "" : " or ") + suffix;
  return invalid("sources: no file ending with " + wanted + " for environment " + env.id);
}

void replace_all(std::string& text, std::string_view from, const std::string& to) {
  for (std::size_t at = text.find(from); at != std::string::npos;
       at = text.find(from, at + to.size()))
    text.replace(at, from.size(), to);
}

// The environment's placeholders filled in: ${SOURCES} becomes one argument per source.
struct placeholder_values {
  std::vector<std::string> sources;
  std::string main_source;
  std::string main_stem;

  std::string fill(std::string text) const {
    replace_all(text, main_source_placeholder, main_source);
    replace_all(text, main_stem_placeholder, main_stem);
    return text;
  }
  std::vector<std::string> fill(const std::vector<std::string>& args) const {
    std::vector<std::string> out;
    for (const auto& arg : args) {
      if (arg == sources_placeholder)
        out.insert(out.end(), sources.begin(), sources.end());
      else
        out.push_back(fill(arg));
    }
    return out;
  }
};

// Test `index` of the request: its name, its files, and the files the job writes for it.
result<void> check_test(const job_request& request, std::size_t index) {
  const test_case& test = request.tests[index];
  const std::string where = "tests[" + std::to_string(index) + "]";
  if (!is_test_name(test.name))
    return invalid(where + ".name: '" + test.name + "' is not a name of letters, digits, - and _");
  for (std::size_t j = 0; j < index; ++j)
    if (request.tests[j].name == test.name)
      return invalid(where + ".name: '" + test.name + "' is used twice");
  const bool from_archive = request.files == test_files_from::archive;
  auto valid_file = [&](const std::string& file) {
    return from_archive ? is_inner_path(file)
                        : !file.empty() && file.find('/') == std::string::npos;
  };
  if (!test.input.empty() && !valid_file(test.input))
    return invalid(where + ".input: '" + test.input + "' is not a valid file name");
  if (!valid_file(test.expected_output))
    return invalid(where + ".expected-output: '" + test.expected_output +
                   "' is not a valid file name");
  // What the job writes for this test must not overwrite a source or a test file.
  std::vector<std::string> written_files{test.name + ".actual"};
  if (!from_archive)
    written_files.insert(written_files.end(), {test.name + ".in", test.name + ".expected"});
  for (const std::string& written : written_files) {
    const bool is_source =
        std::find(request.sources.begin(), request.sources.end(), written) != request.sources.end();
    const bool is_test_file =
        from_archive &&
        std::any_of(request.tests.begin(), request.tests.end(), [&](const test_case& t) {
          return t.input == written || t.expected_output == written;
        });
    if (is_source || is_test_file)
      return invalid(where + ".name: the job writes " + written + ", which is also an input");
  }
  return ok();
}

result<void> check_request(const job_request& request) {
  if (request.job_id.empty())
    return invalid("job-id: is required");
  if (request.hw_group.empty())
    return invalid("hw-group: is required");
  if (request.file_collector.empty())
    return invalid("file-collector: is required");
  if (request.sources.empty())
    return invalid("sources: at least one source file is required");
  for (const auto& source : request.sources)
    if (!is_inner_path(source) || source.find('/') != std::string::npos)
      return invalid("sources: '" + source + "' is not a file name at the archive root");
  if (request.tests.empty())
    return invalid("tests: at least one test is required");
  for (std::size_t i = 0; i < request.tests.size(); ++i) {
    RECODEX_TRY_VOID(check_test(request, i));
  }
  if (std::find(known_judges.begin(), known_judges.end(), request.judge.program) ==
      known_judges.end())
    return invalid("judge: unknown judge '" + request.judge.program + "'");
  return ok();
}

std::vector<generated_task> compile_tasks(const environment_definition& env,
                                          const placeholder_values& values) {
  std::vector<generated_task> out;
  if (!env.compile)
    return out;
  const environment_step& step = *env.compile;
  generated_task compile;
  compile.id = "compile";
  compile.priority = initiation_priority;
  compile.fatal = true;
  compile.type = "initiation";
  compile.bin = values.fill(step.program);
  compile.args = values.fill(step.args);
  compile.sandboxed = true;
  compile.output = true; // the compiler's messages go to result.yml
  compile.limits = generated_limits{step.time,
                                    step.wall_time,
                                    step.memory,
                                    step.parallel,
                                    &env.environment_variables,
                                    &env.bound_directories};
  out.push_back(std::move(compile));
  if (step.output) {
    generated_task check;
    check.id = "compile-check";
    check.priority = initiation_priority;
    check.fatal = true;
    check.type = "initiation";
    check.dependencies = {"compile"};
    const std::string produced = values.fill(*step.output);
    check.bin = "exists";
    check.args = {"Compilation did not produce " + produced, "${SOURCE_DIR}/" + produced};
    out.push_back(std::move(check));
  }
  return out;
}

generated_task fetch_task(std::string id, std::vector<std::string> dependencies,
                          const std::string& name, const std::string& destination) {
  generated_task fetch;
  fetch.id = std::move(id);
  fetch.dependencies = std::move(dependencies);
  fetch.bin = "fetch";
  fetch.args = {name, "${SOURCE_DIR}/" + destination};
  return fetch;
}

// fetch input, fetch expected output, run, judge.
std::vector<generated_task> test_tasks(const environment_definition& env,
                                       const job_request& request, const test_case& test,
                                       const placeholder_values& values,
                                       const std::vector<std::string>& after_compile) {
  std::vector<generated_task> out;
  const bool fetching = request.files == test_files_from::file_collector;
  std::string input, expected;
  std::vector<std::string> run_after = after_compile, judge_after;
  if (!test.input.empty()) {
    input = fetching ? test.name + ".in" : test.input;
    if (fetching) {
      out.push_back(fetch_task("fetch-input-" + test.name, after_compile, test.input, input));
      run_after = {out.back().id};
    }
  }
  expected = fetching ? test.name + ".expected" : test.expected_output;
  if (fetching) {
    out.push_back(
        fetch_task("fetch-expected-" + test.name, after_compile, test.expected_output, expected));
    judge_after.push_back(out.back().id);
  }
  const std::string actual = test.name + ".actual";

  generated_task run;
  run.id = "run-" + test.name;
  run.priority = execution_priority;
  run.dependencies = run_after;
  run.test_id = test.name;
  run.type = "execution";
  run.bin = values.fill(env.run.program);
  run.args = values.fill(env.run.args);
  run.sandboxed = true;
  if (!input.empty())
    run.stdin_path = "${EVAL_DIR}/" + input;
  run.stdout_path = "${EVAL_DIR}/" + actual;
  const test_limits& limits = test.limits.value_or(request.limits);
  run.limits = generated_limits{limits.time + env.run.time_overhead,
                                limits.wall_time + env.run.time_overhead,
                                limits.memory + env.run.memory_overhead,
                                env.run.parallel,
                                &env.environment_variables,
                                &env.bound_directories};
  out.push_back(std::move(run));

  generated_task judge;
  judge.id = "judge-" + test.name;
  judge.priority = evaluation_priority;
  judge.dependencies = {"run-" + test.name};
  judge.dependencies.insert(judge.dependencies.end(), judge_after.begin(), judge_after.end());
  judge.test_id = test.name;
  judge.type = "evaluation";
  judge.bin = "${JUDGES_DIR}/" + request.judge.program;
  judge.args = request.judge.args;
  judge.args.push_back("${EVAL_DIR}/" + expected);
  judge.args.push_back("${EVAL_DIR}/" + actual);
  judge.sandboxed = true;
  judge.output = true; // the score line and the diff log
  out.push_back(std::move(judge));
  return out;
}

void emit_limits(YAML::Emitter& out, const generated_limits& limits, const std::string& hw_group) {
  out << YAML::Key << "limits" << YAML::Value << YAML::BeginSeq << YAML::BeginMap;
  out << YAML::Key << "hw-group-id" << YAML::Value << hw_group;
  if (limits.time)
    out << YAML::Key << "time" << YAML::Value << *limits.time;
  if (limits.wall_time)
    out << YAML::Key << "wall-time" << YAML::Value << *limits.wall_time;
  if (limits.memory)
    out << YAML::Key << "memory" << YAML::Value << *limits.memory;
  if (limits.parallel)
    out << YAML::Key << "parallel" << YAML::Value << *limits.parallel;
  if (!limits.variables->empty()) {
    out << YAML::Key << "environ-variable" << YAML::Value << YAML::BeginMap;
    for (const auto& [name, value] : *limits.variables)
      out << YAML::Key << name << YAML::Value << value;
    out << YAML::EndMap;
  }
  if (!limits.directories->empty()) {
    out << YAML::Key << "bound-directories" << YAML::Value << YAML::BeginSeq;
    for (const auto& dir : *limits.directories) {
      out << YAML::BeginMap << YAML::Key << "src" << YAML::Value << dir.src;
      out << YAML::Key << "dst" << YAML::Value << dir.dst;
      out << YAML::Key << "mode" << YAML::Value << dir_mode_to_string(dir.mode) << YAML::EndMap;
    }
    out << YAML::EndSeq;
  }
  out << YAML::EndMap << YAML::EndSeq;
}

void emit_task(YAML::Emitter& out, const generated_task& task, const std::string& hw_group) {
  out << YAML::BeginMap;
  out << YAML::Key << "task-id" << YAML::Value << task.id;
  out << YAML::Key << "priority" << YAML::Value << task.priority;
  out << YAML::Key << "fatal-failure" << YAML::Value << task.fatal;
  if (!task.dependencies.empty())
    out << YAML::Key << "dependencies" << YAML::Value << YAML::Flow << task.dependencies;
  if (task.test_id)
    out << YAML::Key << "test-id" << YAML::Value << *task.test_id;
  if (task.type)
    out << YAML::Key << "type" << YAML::Value << *task.type;
  out << YAML::Key << "cmd" << YAML::Value << YAML::BeginMap;
  out << YAML::Key << "bin" << YAML::Value << task.bin;
  if (!task.args.empty())
    out << YAML::Key << "args" << YAML::Value << YAML::Flow << task.args;
  out << YAML::EndMap;
  if (task.sandboxed) {
    out << YAML::Key << "sandbox" << YAML::Value << YAML::BeginMap;
    out << YAML::Key << "name" << YAML::Value << "isolate";
    if (task.output)
      out << YAML::Key << "output" << YAML::Value << true;
    if (task.stdin_path)
      out << YAML::Key << "stdin" << YAML::Value << *task.stdin_path;
    if (task.stdout_path)
      out << YAML::Key << "stdout" << YAML::Value << *task.stdout_path;
    out << YAML::Key << "chdir" << YAML::Value << "${EVAL_DIR}";
    if (task.limits)
      emit_limits(out, *task.limits, hw_group);
    out << YAML::EndMap;
  }
  out << YAML::EndMap;
}

std::string emit(const job_request& request, const std::vector<generated_task>& tasks) {
  YAML::Emitter out;
  out << YAML::BeginMap;
  out << YAML::Key << "submission" << YAML::Value << YAML::BeginMap;
  out << YAML::Key << "job-id" << YAML::Value << request.job_id;
  out << YAML::Key << "file-collector" << YAML::Value << request.file_collector;
  out << YAML::Key << "log" << YAML::Value << false;
  out << YAML::Key << "hw-groups" << YAML::Value << YAML::BeginSeq << request.hw_group
      << YAML::EndSeq;
  out << YAML::EndMap;
  out << YAML::Key << "tasks" << YAML::Value << YAML::BeginSeq;
  for (const auto& task : tasks)
    emit_task(out, task, request.hw_group);
  out << YAML::EndSeq << YAML::EndMap;
  return std::string(out.c_str()) + "\n";
}

} // namespace

result<std::string> make_job_config(const environment_definition& environment,
                                    const job_request& request) {
  RECODEX_TRY_VOID(check_request(request));
  RECODEX_TRY(main, main_source(environment, request.sources));
  placeholder_values values;
  values.sources = request.sources;
  values.main_source = main;
  values.main_stem = main.substr(0, main.rfind('.'));

  std::vector<generated_task> tasks = compile_tasks(environment, values);
  std::vector<std::string> after_compile;
  if (!tasks.empty())
    after_compile = {tasks.back().id};
  for (const auto& test : request.tests) {
    auto more = test_tasks(environment, request, test, values, after_compile);
    tasks.insert(tasks.end(), std::make_move_iterator(more.begin()),
                 std::make_move_iterator(more.end()));
  }

  std::string text;
  try {
    text = emit(request, tasks);
  } catch (const YAML::Exception& e) {
    return make_error(errc::internal, "cannot emit job-config.yml: " + e.msg);
  }
  if (auto parsed = parse_job_config(text); !parsed)
    return make_error(errc::internal,
                      "generated job-config.yml does not parse: " + parsed.error().message);
  return text;
}

} // namespace recodex::worker
