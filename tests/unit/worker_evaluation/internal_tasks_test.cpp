// Tests of actors/worker/evaluation/internal_tasks.hpp: every internal task's argument rule at
// its edges, unknown names, and the names of the kinds.
#include "actors/worker/evaluation/internal_tasks.hpp"
#include "actors/worker/evaluation/job_config.hpp"

#include <catch2/catch.hpp>

using namespace recodex;
using namespace recodex::worker;

namespace {

task_metadata internal(std::string bin, std::size_t arg_count) {
  task_metadata t;
  t.task_id = "t";
  t.line = 7;
  t.bin = std::move(bin);
  t.args.assign(arg_count, "x");
  return t;
}

} // namespace

TEST_CASE("each internal task takes its number of arguments", "[worker][internal_tasks]") {
  struct row {
    std::string bin;
    internal_task_kind kind;
    std::size_t min;
    std::size_t max;      // checked up to 6 when unbounded
    std::string expected; // how the error states the rule
  };
  const std::vector<row> rows{
      {"cp", internal_task_kind::cp, 2, 2, "exactly 2 arguments"},
      {"mkdir", internal_task_kind::mkdir, 1, 6, "at least 1 argument"},
      {"rename", internal_task_kind::rename, 2, 2, "exactly 2 arguments"},
      {"rm", internal_task_kind::rm, 1, 6, "at least 1 argument"},
      {"archivate", internal_task_kind::archivate, 2, 2, "exactly 2 arguments"},
      {"extract", internal_task_kind::extract, 2, 2, "exactly 2 arguments"},
      {"fetch", internal_task_kind::fetch, 2, 2, "exactly 2 arguments"},
      {"truncate", internal_task_kind::truncate, 2, 6, "at least 2 arguments"},
      {"exists", internal_task_kind::exists, 2, 6, "at least 2 arguments"},
      {"dumpdir", internal_task_kind::dumpdir, 3, 6, "at least 3 arguments"},
  };
  for (const auto& r : rows) {
    DYNAMIC_SECTION(r.bin) {
      for (std::size_t n = 0; n <= 6; ++n) {
        const auto kind = validate_internal_task(internal(r.bin, n));
        if (n >= r.min && n <= r.max) {
          REQUIRE(kind);
          CHECK(kind.value() == r.kind);
        } else {
          REQUIRE_FALSE(kind);
          CHECK(kind.error().code == errc::conflict);
          CHECK_THAT(kind.error().message,
                     Catch::StartsWith("task t (line 7): " + r.bin + " takes " + r.expected +
                                       ", got " + std::to_string(n) + " (usage: " + r.bin));
        }
      }
    }
  }
}

TEST_CASE("an unknown internal task is a job error", "[worker][internal_tasks]") {
  for (const std::string bin : {"dearchivate", "CP", "ls", "/bin/cp", ""}) {
    DYNAMIC_SECTION(bin) {
      const auto kind = validate_internal_task(internal(bin, 2));
      REQUIRE_FALSE(kind);
      CHECK(kind.error().code == errc::not_found);
      CHECK_THAT(kind.error().message,
                 Catch::StartsWith("task t (line 7): unknown internal task '" + bin + "'"));
    }
  }
}

TEST_CASE("every internal task kind has a name that finds it again", "[worker][internal_tasks]") {
  using k = internal_task_kind;
  for (auto kind : {k::cp, k::mkdir, k::rename, k::rm, k::archivate, k::extract, k::fetch,
                    k::truncate, k::exists, k::dumpdir}) {
    CHECK(to_string(kind) != "unknown");
    const auto rule = find_internal_task(to_string(kind));
    REQUIRE(rule);
    CHECK(rule->kind == kind);
  }
}
