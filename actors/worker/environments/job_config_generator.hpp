// From an environment, a submission's source files and a list of tests to the job-config.yml
// (spec 5.1) the worker evaluates, with the task layout and priorities the ReCodEx core API
// uses (section 8): compile (initiation, 100, fatal) and its `exists` check; per test the
// fetches of its files (42), the run (execution, 90, stdin/stdout files) and the judge
// (evaluation, 80, ${JUDGES_DIR}/<judge> <args> <expected> <actual>). Pure text in, text out;
// issue 7's task definitions build on it.
#pragma once

#include "actors/worker/environments/fwd.hpp"
#include "messages/result.hpp"

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace recodex::worker {

// Where a test's files come from: the file collector (names are its hashes, fetched into the
// job directory) or the submission archive itself (paths relative to its root).
enum class test_files_from { file_collector, archive };
std::string_view to_string(test_files_from from); // file-collector, archive

// Per run of one test; the environment's overheads are added on top.
struct test_limits {
  double time = 1; // CPU seconds
  double wall_time = 2;
  std::uint64_t memory = 65536; // KiB
};

// The job writes <name>.actual (the program's stdout) and, when fetching, <name>.in and
// <name>.expected into the job directory; a source or test file with one of those names is
// refused.
struct test_case {
  std::string name;  // [A-Za-z0-9_-]+, unique; becomes part of task ids and file names
  std::string input; // empty = the program gets no stdin
  std::string expected_output;
  std::optional<test_limits> limits; // unset: the request's limits
};

// The judge: one of our judges (a file in ${JUDGES_DIR}) and its options; the expected and
// actual output files are appended. The default is what the core API emits for
// `recodex-judge-normal` (spec 8).
struct judge_choice {
  std::string program = "recodex-token-judge";
  std::vector<std::string> args = {"--log-limit", "4k", "--ignore-trailing-whitespace"};
};

struct job_request {
  std::string job_id;
  std::string hw_group;       // the limits are given for this hardware group
  std::string file_collector; // base URL for fetch tasks (required by the schema even if unused)
  std::vector<std::string> sources; // file names at the archive root
  std::vector<test_case> tests;
  test_files_from files = test_files_from::file_collector;
  test_limits limits;
  judge_choice judge;
};

// The job-config.yml text. Fails with errc::invalid_argument naming the bad field (no sources,
// no source with the environment's extension, a source or test file path that is absolute or
// climbs out with "..", a bad or duplicate test name, an unknown judge). The text is parsed
// back with the worker's own parser before it is returned.
result<std::string> make_job_config(const environment_definition& environment,
                                    const job_request& request);

} // namespace recodex::worker
