// Tests of actors/worker/evaluation/task_order.hpp: the 5.4 examples, ties, diamonds, cycles,
// unknown and repeated ids, and a chain deep enough to break a recursive walk.
#include "actors/worker/evaluation/job_config.hpp"
#include "actors/worker/evaluation/task_order.hpp"

#include <catch2/catch.hpp>
#include <string>
#include <vector>

using namespace recodex;
using namespace recodex::worker;

namespace {

struct spec {
  std::string id;
  std::uint64_t priority;
  std::vector<std::string> dependencies;
};

std::vector<task_metadata> tasks_of(const std::vector<spec>& specs) {
  std::vector<task_metadata> out;
  int line = 1;
  for (const auto& s : specs) {
    task_metadata t;
    t.task_id = s.id;
    t.priority = s.priority;
    t.dependencies = s.dependencies;
    t.bin = "ls";
    t.line = line++;
    out.push_back(t);
  }
  return out;
}

std::vector<std::string> ids_in_order(const std::vector<spec>& specs) {
  const auto tasks = tasks_of(specs);
  auto order = order_tasks(tasks);
  REQUIRE(order);
  std::vector<std::string> ids;
  for (auto i : order.value())
    ids.push_back(tasks[i].task_id);
  return ids;
}

using ids = std::vector<std::string>;

} // namespace

TEST_CASE("tasks run by priority, each after its dependencies", "[worker][order]") {
  struct row {
    const char* name;
    std::vector<spec> tasks;
    ids expected;
  };
  const std::vector<row> rows{
      {"spec 5.4: A(1)->{B(2),C(3)} gives A,C,B",
       {{"A", 1, {}}, {"B", 2, {"A"}}, {"C", 3, {"A"}}},
       {"A", "C", "B"}},
      {"spec 5.4: adding C->D(4) gives A,C,D,B",
       {{"A", 1, {}}, {"B", 2, {"A"}}, {"C", 3, {"A"}}, {"D", 4, {"C"}}},
       {"A", "C", "D", "B"}},
      {"no dependencies: priority descending",
       {{"a", 1, {}}, {"b", 5, {}}, {"c", 3, {}}},
       {"b", "c", "a"}},
      {"equal priorities keep file order",
       {{"x", 2, {}}, {"y", 2, {}}, {"z", 2, {}}},
       {"x", "y", "z"}},
      {"a diamond emits the shared dependency once",
       {{"A", 1, {}}, {"B", 2, {"A"}}, {"C", 3, {"A"}}, {"D", 1, {"B", "C"}}},
       {"A", "C", "B", "D"}},
      {"dependencies are emitted by their own priority, not their listing order",
       {{"low", 1, {}}, {"high", 9, {}}, {"last", 10, {"low", "high"}}},
       {"high", "low", "last"}},
      {"a repeated dependency is harmless", {{"a", 1, {}}, {"b", 1, {"a", "a"}}}, {"a", "b"}},
      {"the 5.7 example",
       {{"build", 100, {}},
        {"build-check", 100, {"build"}},
        {"fetch-in-T1", 42, {"build-check"}},
        {"fetch-ref-T1", 42, {"build-check"}},
        {"run-T1", 90, {"fetch-in-T1"}},
        {"judge-T1", 80, {"run-T1", "fetch-ref-T1"}}},
       {"build", "build-check", "fetch-in-T1", "run-T1", "fetch-ref-T1", "judge-T1"}},
      {"an empty job", {}, {}},
  };
  for (const auto& r : rows) {
    DYNAMIC_SECTION(r.name) {
      CHECK(ids_in_order(r.tasks) == r.expected);
    }
  }
}

TEST_CASE("a job that cannot be ordered is rejected with a clear message", "[worker][order]") {
  struct row {
    const char* name;
    std::vector<spec> tasks;
    errc code;
    std::string message;
  };
  const std::vector<row> rows{
      {"two tasks depending on each other",
       {{"a", 1, {"b"}}, {"b", 1, {"a"}}},
       errc::conflict,
       "cycle in task dependencies: a -> b -> a (each depends on the next)"},
      {"a task depending on itself",
       {{"ok", 5, {}}, {"self", 1, {"self"}}},
       errc::conflict,
       "cycle in task dependencies: self -> self (each depends on the next)"},
      {"a cycle of three below a valid task",
       {{"root", 1, {}}, {"p", 3, {"root", "r"}}, {"q", 2, {"p"}}, {"r", 1, {"q"}}},
       errc::conflict,
       "cycle in task dependencies: p -> r -> q -> p (each depends on the next)"},
      {"an unknown dependency",
       {{"a", 1, {}}, {"b", 1, {"a", "ghost"}}},
       errc::not_found,
       "task b (line 2) depends on unknown task 'ghost'"},
      {"a repeated task-id",
       {{"a", 1, {}}, {"b", 1, {}}, {"a", 2, {}}},
       errc::already_exists,
       "task-id 'a' (line 3) is used by more than one task"},
  };
  for (const auto& r : rows) {
    DYNAMIC_SECTION(r.name) {
      const auto order = order_tasks(tasks_of(r.tasks));
      REQUIRE_FALSE(order);
      CHECK(order.error().code == r.code);
      CHECK(order.error().message == r.message);
    }
  }
}

TEST_CASE("a chain of 100000 dependencies is ordered without recursion", "[worker][order]") {
  std::vector<spec> chain;
  for (int i = 0; i < 100000; ++i)
    chain.push_back({"t" + std::to_string(i), 1, i ? ids{"t" + std::to_string(i - 1)} : ids{}});
  std::swap(chain.front(), chain.back()); // the deepest task comes first in the file
  const auto order = ids_in_order(chain);
  REQUIRE(order.size() == 100000);
  CHECK(order.front() == "t0");
  CHECK(order.back() == "t99999");
}
