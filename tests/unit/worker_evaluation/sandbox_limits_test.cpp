// Tests of actors/worker/evaluation/sandbox_limits.hpp: limit resolution against the worker's
// defaults (5.2), one row per item above its default, merging of environment and directories.
#include "actors/worker/evaluation/sandbox_limits.hpp"

#include <catch2/catch.hpp>

using namespace recodex;
using namespace recodex::worker;

namespace {

// The shipped example worker's limits (spec section 7).
sandbox_limits worker_defaults() {
  sandbox_limits d;
  d.time = 30;
  d.wall_time = 30;
  d.extra_time = 2;
  d.stack_size = 8192;
  d.memory = 1048576;
  d.extra_memory = 64;
  d.parallel = 4;
  d.disk_quotas = false;
  d.disk_size = 1024;
  d.disk_files = 100;
  d.environ_variables = {{"HOME", "/box"}, {"PATH", "/usr/bin:/bin"}};
  d.bound_directories = {{"", "/tmp", dir_mode::tmp}};
  return d;
}

limits_entry entry_for(std::string group) {
  limits_entry e;
  e.hw_group_id = std::move(group);
  return e;
}

} // namespace

TEST_CASE("without an entry for the worker's hwgroup the defaults apply verbatim",
          "[worker][limits]") {
  auto other = entry_for("other");
  other.time = 1;
  for (const auto& entries : {std::vector<limits_entry>{}, std::vector<limits_entry>{other}}) {
    const auto resolved = resolve_limits(entries, "group1", worker_defaults());
    REQUIRE(resolved);
    CHECK(resolved.value() == worker_defaults());
  }
}

TEST_CASE("an empty entry takes every default", "[worker][limits]") {
  const auto resolved = resolve_limits({entry_for("group1")}, "group1", worker_defaults());
  REQUIRE(resolved);
  CHECK(resolved.value() == worker_defaults());
}

TEST_CASE("given items replace the defaults, up to and including them", "[worker][limits]") {
  auto e = entry_for("group1");
  e.time = 1.5;
  e.wall_time = 30; // equal to the default is allowed
  e.extra_time = 0;
  e.stack_size = 0;
  e.memory = 65536;
  e.extra_memory = 32;
  e.parallel = 1;
  e.disk_quotas = true;
  e.disk_size = 10;
  e.disk_files = 5;
  const auto resolved = resolve_limits({entry_for("other"), e}, "group1", worker_defaults());
  REQUIRE(resolved);
  const auto& r = resolved.value();
  CHECK(r.time == 1.5);
  CHECK(r.wall_time == 30);
  CHECK(r.extra_time == 0);
  CHECK(r.stack_size == 0);
  CHECK(r.memory == 65536);
  CHECK(r.extra_memory == 32);
  CHECK(r.parallel == 1);
  CHECK(r.disk_quotas);
  CHECK(r.disk_size == 10);
  CHECK(r.disk_files == 5);
}

TEST_CASE("an item above the worker's default fails the job", "[worker][limits]") {
  struct row {
    std::string item;
    void (*raise)(limits_entry&);
  };
  const std::vector<row> rows{
      {"time", [](limits_entry& e) { e.time = 30.5; }},
      {"wall-time", [](limits_entry& e) { e.wall_time = 31; }},
      {"extra-time", [](limits_entry& e) { e.extra_time = 2.01; }},
      {"stack-size", [](limits_entry& e) { e.stack_size = 8193; }},
      {"memory", [](limits_entry& e) { e.memory = 1048577; }},
      {"extra-memory", [](limits_entry& e) { e.extra_memory = 65; }},
      {"parallel", [](limits_entry& e) { e.parallel = 5; }},
      {"disk-size", [](limits_entry& e) { e.disk_size = 1025; }},
      {"disk-files", [](limits_entry& e) { e.disk_files = 101; }},
  };
  for (const auto& r : rows) {
    DYNAMIC_SECTION(r.item) {
      auto e = entry_for("group1");
      r.raise(e);
      const auto resolved = resolve_limits({e}, "group1", worker_defaults());
      REQUIRE_FALSE(resolved);
      CHECK(resolved.error().code == errc::too_large);
      CHECK(resolved.error().message == r.item + " item is bigger than default worker value");
    }
  }
}

TEST_CASE("environment and directories are the job's plus the worker's it did not name",
          "[worker][limits]") {
  auto e = entry_for("group1");
  e.environ_variables = {{"PATH", "/opt/bin"}, {"LANG", "C"}};
  e.bound_directories = {{"/opt/jdk", "/jdk", dir_mode::read_only},
                         {"/host/tmp", "/tmp", dir_mode::rw}};
  const auto resolved = resolve_limits({e}, "group1", worker_defaults());
  REQUIRE(resolved);
  CHECK(resolved.value().environ_variables ==
        environment{{"PATH", "/opt/bin"}, {"LANG", "C"}, {"HOME", "/box"}});
  CHECK(resolved.value().bound_directories ==
        std::vector<bound_directory>{{"/opt/jdk", "/jdk", dir_mode::read_only},
                                     {"/host/tmp", "/tmp", dir_mode::rw}});
}

TEST_CASE("a tmp directory has no src and no fs", "[worker][limits]") {
  struct row {
    const char* name;
    bound_directory dir;
    std::string message; // empty: accepted
  };
  const std::vector<row> rows{
      {"tmp with dst only", {"", "/scratch", dir_mode::tmp}, ""},
      {"tmp,rw with dst only", {"", "/scratch", dir_mode::tmp | dir_mode::rw}, ""},
      {"tmp with a src",
       {"/host", "/scratch", dir_mode::tmp},
       "bound directory /scratch: a tmp directory must not have a src (/host)"},
      {"tmp with fs",
       {"", "/scratch", dir_mode::tmp | dir_mode::fs},
       "bound directory /scratch: mode tmp cannot be combined with fs"},
  };
  for (const auto& r : rows) {
    DYNAMIC_SECTION(r.name) {
      auto e = entry_for("group1");
      e.bound_directories = {r.dir};
      const auto resolved = resolve_limits({e}, "group1", worker_defaults());
      if (r.message.empty()) {
        CHECK(resolved);
      } else {
        REQUIRE_FALSE(resolved);
        CHECK(resolved.error().code == errc::conflict);
        CHECK(resolved.error().message == r.message);
      }
    }
  }
}
