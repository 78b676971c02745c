// libFuzzer target for the job-config.yml parser and the job plan built from it: any bytes must
// give a plan or an error, never a crash or an exception; whatever plans is also ordered and
// carries resolved limits for each external task.
#include "actors/worker/evaluation/job_plan.hpp"

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

using namespace recodex::worker;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  static const job_context context = [] {
    job_context c;
    c.hwgroup = "group1";
    c.default_limits.time = 30;
    c.default_limits.wall_time = 30;
    c.default_limits.memory = 1048576;
    c.variables = make_job_variables(1, "j", "/wd", "/tmp", "/usr/bin");
    return c;
  }();
  auto parsed = parse_job_config(text);
  if (!parsed)
    return 0;
  auto ctx = context;
  ctx.job_id = parsed.value().submission.job_id;
  auto plan = build_job_plan(parsed.value(), ctx);
  if (plan) {
    if (plan.value().tasks.size() != parsed.value().tasks.size())
      std::abort();
    for (const auto& t : plan.value().tasks)
      if (t.task.is_external() != t.limits.has_value())
        std::abort();
  }
  return 0;
}
