// Shared by the run loop tests (job_runner_test.cpp, job_runner_parallel_test.cpp): plans built
// from small job-config texts, and a clean sandbox measurement.
#pragma once

#include "actors/worker/evaluation/job_plan.hpp"
#include "actors/worker/evaluation/job_results.hpp"

#include <catch2/catch.hpp>
#include <string>
#include <string_view>
#include <vector>

namespace recodex::worker::test {

inline job_context context(std::string job_id = "student_demo42") {
  job_context c;
  c.job_id = job_id;
  c.hwgroup = "group1";
  c.default_limits.time = 30;
  c.default_limits.wall_time = 30;
  c.default_limits.memory = 1048576;
  c.variables = make_job_variables(7, job_id, "/wd", "/tmp", "/usr/bin");
  return c;
}

inline job_plan plan_of(std::string_view yaml, std::string job_id = "student_demo42") {
  auto plan = build_job_plan(yaml, context(job_id));
  REQUIRE(plan);
  return std::move(plan).value();
}

inline std::string job(const std::string& tasks) {
  return "submission:\n  job-id: j\n  file-collector: http://fc\n  hw-groups: [group1]\n"
         "tasks:\n" +
         tasks;
}

inline std::string external(const std::string& id, const std::string& type,
                            const std::string& extra) {
  return "  - task-id: " + id + "\n    type: " + type + "\n" + extra +
         "    cmd:\n      bin: ./x\n    sandbox:\n      name: isolate\n";
}

inline std::string internal(const std::string& id, const std::string& type,
                            const std::string& extra) {
  return "  - task-id: " + id + "\n    type: " + type + "\n" + extra +
         "    cmd:\n      bin: mkdir\n      args: [\"${SOURCE_DIR}/d\"]\n";
}

inline sandbox_results clean_exit() {
  sandbox_results s;
  s.time = 0.25;
  s.wall_time = 0.5;
  s.memory = 2048;
  s.max_rss = 1024;
  return s;
}

inline std::vector<std::string> ids_of(const job_results& results) {
  std::vector<std::string> ids;
  for (const auto& r : results.results)
    ids.push_back(r.task_id);
  return ids;
}

} // namespace recodex::worker::test
