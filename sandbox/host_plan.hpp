// Turns run_options into the child_plan the box's init walks: the mount list of the minimal
// root, rlimits, the box user, stdio paths, argv/envp and the PATH search. All memory the plan
// points into lives here, built before clone, so the child never allocates.
#pragma once

#include "messages/result.hpp"
#include "sandbox/child_plan.hpp"
#include "sandbox/fwd.hpp"
#include "sandbox/launch_request.hpp"

#include <deque>
#include <memory>
#include <string>
#include <vector>

namespace recodex::sandbox::detail {

struct plan_storage {
  std::deque<std::string> strings; // a deque keeps c_str() pointers stable as it grows
  std::vector<mount_op> mounts;
  std::vector<std::string> mount_labels; // what each mount op does, for XX messages
  std::vector<rlimit_op> rlimits;
  std::vector<const char*> exec_paths;
  std::vector<char*> argv;
  std::vector<char*> envp;
  std::unique_ptr<char[]> program_stack;
  child_plan plan;

  const char* keep(std::string text) {
    strings.push_back(std::move(text));
    return strings.back().c_str();
  }
};

// Fails (invalid_argument) on unusable options: no program, a missing --dir source without
// :maybe, a box directory that is not a directory.
result<std::unique_ptr<plan_storage>> build_plan(const box_identity& b,
                                                 const run_options& options);
// The program's part of a plan (rlimits, the box user, stdio paths, working directory, argv,
// envp, the PATH search), into `storage` and its plan; build_plan ends with it. A reused init
// (inside_box.cpp) rebuilds only this part for its next run: the root stays as it is.
result<void> add_program(plan_storage& storage, const box_identity& b, const run_options& options);

} // namespace recodex::sandbox::detail
