// The `demo` verb of `recodex`: runs run_demo() (demo.hpp) and prints what happens: the
// endpoints, the tasks pushed, each submission's progress as it arrives, and finally the table
// of submissions x tests with verdict, time and memory.
#pragma once

#include <string>
#include <vector>

namespace recodex::embedded {

extern const char* const demo_usage;

// `args` are the verb's arguments (after "demo"). Exit codes: 0 when every submission showed
// the verdict it is meant to, 1 otherwise or when the demo could not run, 2 for usage errors.
int demo_command(const std::vector<std::string>& args);

} // namespace recodex::embedded
