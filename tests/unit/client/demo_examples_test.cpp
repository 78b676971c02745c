// deploy/examples as the demo reads it: one task, nine submissions, each a directory whose
// sources pick an environment the task allows.
#include "nodes/client/client.hpp"

#include <catch2/catch.hpp>
#include <set>

using namespace recodex;
using namespace recodex::client;

TEST_CASE("the shipped examples list the sum task and a submission per verdict", "[client][demo]") {
  auto tasks = demo_tasks(default_examples_dir());
  REQUIRE(tasks);
  REQUIRE(tasks.value().size() == 1);
  CHECK(tasks.value()[0].filename() == "sum");
  auto sum = load_task_definition(tasks.value()[0]);
  REQUIRE(sum);

  auto submissions = demo_submissions(default_examples_dir());
  REQUIRE(submissions);
  REQUIRE(submissions.value().size() == 9);
  std::set<std::string> expected;
  for (const auto& s : submissions.value()) {
    CAPTURE(s.name);
    CHECK(s.task == "sum");
    CHECK(std::filesystem::is_directory(s.solution));
    CHECK(!std::filesystem::is_empty(s.solution));
    expected.insert(s.expected);
  }
  CHECK(expected == std::set<std::string>{"OK", "WA", "TLE", "MLE", "RE", "CE"});
}
