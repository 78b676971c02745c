// The evaluator's additions to the sandbox translation (5.6), without root: ${JUDGES_DIR} is
// bound read-only at its own path unless /usr already shows it, and the program a task runs is
// located inside the box so a missing +x can be added.
#include "actors/worker/evaluation/task_executors.hpp"

#include <catch2/catch.hpp>

#include <algorithm>

using namespace recodex;
using namespace recodex::worker;

namespace {

planned_task judge_task() {
  planned_task t;
  t.task.task_id = "judge";
  t.task.type = task_type::evaluation;
  t.task.bin = "/opt/judges/recodex-token-judge";
  t.task.sandbox = sandbox_config{};
  t.task.sandbox->name = "isolate";
  t.limits = sandbox_limits{};
  return t;
}

bool binds(const sandbox_run_plan& plan, const std::string& inside) {
  return std::any_of(plan.options.dirs.begin(), plan.options.dirs.end(),
                     [&](const sandbox::dir_rule& r) { return r.inside == inside; });
}

} // namespace

TEST_CASE("the judges directory is bound read-only at its own path", "[worker][evaluator][plan]") {
  auto plan = make_sandbox_run_plan(judge_task(), "/wd/eval/1/job", "x", "/opt/judges");
  REQUIRE(plan);
  auto& dirs = plan.value().options.dirs;
  auto rule = std::find_if(dirs.begin(), dirs.end(),
                           [](const sandbox::dir_rule& r) { return r.inside == "/opt/judges"; });
  REQUIRE(rule != dirs.end());
  CHECK(rule->outside == "/opt/judges");
  CHECK_FALSE(rule->read_write);
  CHECK_FALSE(rule->tmp);
}

TEST_CASE("no judges bind when /usr already shows them or none is configured",
          "[worker][evaluator][plan]") {
  for (const std::string dir : {"/usr/bin", "/usr", "", "relative/judges"}) {
    INFO(dir);
    auto plan = make_sandbox_run_plan(judge_task(), "/wd", "x", dir);
    REQUIRE(plan);
    CHECK_FALSE(binds(plan.value(), "/usr/bin"));
    CHECK_FALSE(binds(plan.value(), "relative/judges"));
    CHECK(plan.value().options.dirs.size() == 1); // /etc/alternatives only
  }
}

TEST_CASE("the program a task runs is found inside the box", "[worker][evaluator][plan]") {
  CHECK(inside_program_path("./prog", "/box") == "/box/./prog");
  CHECK(inside_program_path("bin/prog", "/box/sub") == "/box/sub/bin/prog");
  CHECK(inside_program_path("./prog", "") == "/box/./prog");
  CHECK(inside_program_path("/box/prog", "/elsewhere") == "/box/prog");
  CHECK(inside_program_path("gcc", "/box").empty()); // looked up in PATH
  CHECK(box_relative(inside_program_path("./prog", "/box")) == "./prog");
  CHECK(box_relative(inside_program_path("/usr/bin/gcc", "/box")).empty());
}
