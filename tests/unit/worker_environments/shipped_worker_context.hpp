// The worker side of a generated job, shared by the unit and the hello-world tests: ReCodEx's
// shipped worker limits (spec 7), which every generated limit must fit in, and hwgroup group1.
#pragma once

#include "actors/worker/evaluation/job_plan.hpp"

#include <string>

namespace recodex::worker::test {

inline job_context shipped_worker_context(const std::string& job_id, const std::string& judges_dir,
                                          std::uint64_t worker_id = 3) {
  job_context c;
  c.job_id = job_id;
  c.hwgroup = "group1";
  c.default_limits.time = 30;
  c.default_limits.wall_time = 30;
  c.default_limits.extra_time = 2;
  c.default_limits.memory = 1048576;
  c.default_limits.extra_memory = 64;
  c.default_limits.environ_variables = {{"HOME", "/box"}, {"PATH", "/usr/bin:/bin"}};
  c.variables = make_job_variables(worker_id, job_id, "/wd", "/tmp", judges_dir);
  return c;
}

} // namespace recodex::worker::test
