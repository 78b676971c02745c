// A runtime environment (C with gcc, Python 3, Java 17 ...): how to tell that it is installed,
// how to compile and run a submission in the sandbox, and what the sandbox must add for it
// (bound directories, variables, limit adjustments). Definitions are YAML files, one per
// environment, in deploy/environments/ (the format is documented there, in README.md). Loading
// them is the only thing this header does; detection and job generation build on the result.
#pragma once

#include "actors/worker/environments/fwd.hpp"
#include "actors/worker/evaluation/sandbox_limits.hpp"
#include "messages/result.hpp"

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace recodex::worker {

// Placeholders an environment's arguments may use besides the job variables of spec 5.3
// (which pass through to job-config.yml untouched): an argument that is exactly ${SOURCES}
// becomes one argument per source file; ${MAIN_SOURCE} is the first source with one of the
// environment's extensions, ${MAIN_STEM} the same without its extension (Java's class name).
inline constexpr std::string_view sources_placeholder = "${SOURCES}";
inline constexpr std::string_view main_source_placeholder = "${MAIN_SOURCE}";
inline constexpr std::string_view main_stem_placeholder = "${MAIN_STEM}";

// One sandboxed step. For `compile`, the limits are the step's own (each optional: unset means
// the worker's default); for `run`, `parallel` replaces the test's value and the overheads are
// added to the test's time, wall-time and memory (the runtime's own start-up and footprint).
struct environment_step {
  std::string program; // absolute (as the box sees it; /usr is bound), or run: ./a.out in the job
  std::vector<std::string> args;         // may contain the placeholders above and ${JOB VARIABLES}
  std::optional<std::string> output;     // compile: the file it must produce (checked with exists)
  std::optional<double> time;            // compile only
  std::optional<double> wall_time;       // compile only
  std::optional<std::uint64_t> memory;   // compile only, KiB
  std::optional<std::uint64_t> parallel; // processes and threads; 0 = unlimited
  double time_overhead = 0;              // run only, seconds
  std::uint64_t memory_overhead = 0;     // run only, KiB
};

// How to tell that an environment is installed: `program` exists and is executable, and, when
// `args` are given, running it with them exits 0 within `timeout_s`.
struct environment_probe {
  std::string program;
  std::vector<std::string> args;
  double timeout_s = 5;
};

struct environment_definition {
  std::string id; // the worker header value: env=<id> (e.g. c-gcc-linux, python3)
  std::string description;
  std::vector<std::string> extensions; // source file suffixes, e.g. ".c"; the first match is main
  environment_probe detect;
  std::optional<environment_step> compile; // interpreted languages have none
  environment_step run;
  std::vector<bound_directory> bound_directories; // for both steps, beyond the box's default root
  environment environment_variables;              // for both steps
  std::string file;                               // where it was loaded from, for messages
};

// Parses one definition; errors (errc::invalid_argument) read "<name>:<line>: <key>: <what>".
// `name` is used only in messages.
result<environment_definition> parse_environment(std::string_view yaml_text,
                                                 const std::string& name);

// Loads every *.yml and *.yaml file of `directory` (other files, like README.md, are skipped),
// sorted by file name. Fails on the first bad file, on a duplicate id (naming both files) and
// when the directory cannot be read (errc::io_error).
result<std::vector<environment_definition>>
load_environments(const std::filesystem::path& directory);

} // namespace recodex::worker
