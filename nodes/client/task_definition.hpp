// A task (an exercise) as a teacher writes it: task.yml in a task directory, beside the test
// files it names (format: docs/task-definition.md). The client pushes the directory as a task
// version and, for each submission, turns the definition into a job-config.yml with the worker
// environments' generator. This header only reads and checks task.yml; nothing here touches
// the network.
#pragma once

#include "actors/worker/environments/job_config_generator.hpp"
#include "messages/result.hpp"

#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace recodex::client {

// One test: files relative to the task directory (no "..", not absolute).
struct task_test {
  std::string name;  // [A-Za-z0-9_-]+
  std::string input; // empty: the program gets no stdin
  std::string expected_output;
  std::optional<worker::test_limits> limits; // unset: the task's limits
};

struct task_definition {
  std::string id; // the task id in the file store: [A-Za-z0-9_.-]{1,128}
  std::string title;
  std::vector<std::string> environments; // allowed environment ids, in order of preference
  std::vector<task_test> tests;
  worker::test_limits limits; // per test run, unless the test has its own
  worker::judge_choice judge;
  std::string hwgroup = "group1";
};

inline constexpr std::string_view task_file_name = "task.yml";

// Parses task.yml text; every error (errc::invalid_argument) reads
// "<name>:<line>: <key>: <what>", e.g. "sum/task.yml:7: tests[2].input: is required".
result<task_definition> parse_task_definition(std::string_view yaml_text, const std::string& name);

// Reads <dir>/task.yml and checks that every test file it names exists in the directory.
result<task_definition> load_task_definition(const std::filesystem::path& dir);

// The name a test file gets in the task's versions in the file store (file names there are
// one path component): the file's last component. load_task_definition refuses a task whose
// test files would share a stored name.
std::string stored_name(const std::string& test_file);

} // namespace recodex::client
