// Tests of actors/worker/evaluation/task_executors.hpp: the translation of a planned external
// task into sandbox run options (5.6), table-driven and pure; the internal executor; and one
// root test running /bin/echo through sandbox_executor with output capture.
#include "actors/worker/evaluation/task_executors.hpp"

#include <catch2/catch.hpp>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <functional>
#include <iterator>
#include <string>
#include <sys/stat.h>
#include <thread>
#include <unistd.h>

using namespace recodex;
using namespace recodex::worker;

namespace {

planned_task external_task() {
  planned_task t;
  t.task.task_id = "run";
  t.task.type = task_type::execution;
  t.task.bin = "/box/prog";
  t.task.args = {"a", "b"};
  t.task.sandbox = sandbox_config{};
  t.task.sandbox->name = "isolate";
  sandbox_limits l;
  l.time = 2;
  l.wall_time = 5;
  l.extra_time = 0.5;
  l.memory = 1000;
  l.extra_memory = 24;
  l.stack_size = 8192;
  l.parallel = 1;
  t.limits = l;
  return t;
}

sandbox::run_options options_of(const planned_task& t) {
  auto plan = make_sandbox_run_plan(t, "/host/box", "SUFFIX0000");
  REQUIRE(plan);
  return plan.value().options;
}

} // namespace

TEST_CASE("external task limits and settings translate to run options", "[executors]") {
  struct row {
    const char* name;
    std::function<void(planned_task&)> change;
    std::function<bool(const sandbox::run_options&)> check;
  };
  const std::vector<row> table = {
      {"argv is bin then args", [](planned_task&) {},
       [](const sandbox::run_options& o) {
         return o.argv == std::vector<std::string>{"/box/prog", "a", "b"} && o.box_dir == "/host/box";
       }},
      {"times", [](planned_task&) {},
       [](const sandbox::run_options& o) {
         return o.time_s == 2 && o.wall_time_s == 5 && o.extra_time_s == 0.5;
       }},
      {"memory is memory + extra-memory", [](planned_task&) {},
       [](const sandbox::run_options& o) { return o.memory_kib == 1024; }},
      {"stack", [](planned_task&) {},
       [](const sandbox::run_options& o) { return o.stack_kib == 8192; }},
      {"parallel 1 -> one process", [](planned_task&) {},
       [](const sandbox::run_options& o) { return o.processes == 1u; }},
      {"parallel 0 -> unlimited", [](planned_task& t) { t.limits->parallel = 0; },
       [](const sandbox::run_options& o) { return !o.processes.has_value(); }},
      {"parallel 4", [](planned_task& t) { t.limits->parallel = 4; },
       [](const sandbox::run_options& o) { return o.processes == 4u; }},
      {"disk size ignored without quotas", [](planned_task& t) { t.limits->disk_size = 500; },
       [](const sandbox::run_options& o) { return o.fsize_kib == 0; }},
      {"disk size with quotas -> fsize",
       [](planned_task& t) {
         t.limits->disk_quotas = true;
         t.limits->disk_size = 500;
       },
       [](const sandbox::run_options& o) { return o.fsize_kib == 500; }},
      {"environment", [](planned_task& t) { t.limits->environ_variables = {{"PATH", "/usr/bin"}}; },
       [](const sandbox::run_options& o) {
         return o.env == std::vector<std::pair<std::string, std::string>>{{"PATH", "/usr/bin"}};
       }},
      {"bound directory rw,noexec then etc/alternatives maybe",
       [](planned_task& t) {
         t.limits->bound_directories = {{"/host/data", "/data", dir_mode::rw | dir_mode::noexec}};
       },
       [](const sandbox::run_options& o) {
         return o.dirs.size() == 2 && o.dirs[0].inside == "/data" &&
                o.dirs[0].outside == "/host/data" && o.dirs[0].read_write && o.dirs[0].no_exec &&
                !o.dirs[0].tmp && o.dirs[1].inside == "/etc/alternatives" && o.dirs[1].maybe &&
                !o.dirs[1].read_write;
       }},
      {"tmp bound directory has no source",
       [](planned_task& t) { t.limits->bound_directories = {{"", "scratch", dir_mode::tmp}}; },
       [](const sandbox::run_options& o) {
         return o.dirs[0].inside == "/scratch" && o.dirs[0].outside.empty() && o.dirs[0].tmp;
       }},
      {"initiation shares the network and /etc",
       [](planned_task& t) { t.task.type = task_type::initiation; },
       [](const sandbox::run_options& o) {
         return o.share_net && o.dirs.size() == 2 && o.dirs[1].inside == "/etc";
       }},
      {"execution does not share the network", [](planned_task&) {},
       [](const sandbox::run_options& o) { return !o.share_net && o.dirs.size() == 1; }},
      {"stdio paths and stderr-to-stdout",
       [](planned_task& t) {
         t.task.sandbox->stdin_path = "in.txt";
         t.task.sandbox->stdout_path = "/box/out.txt";
         t.task.sandbox->stderr_path = "err.txt";
         t.task.sandbox->stderr_to_stdout = true;
       },
       [](const sandbox::run_options& o) {
         return o.stdin_path == "in.txt" && o.stdout_path == "/box/out.txt" &&
                o.stderr_path == "err.txt" && o.stderr_to_stdout;
       }},
      {"no stdio when none is asked for", [](planned_task&) {},
       [](const sandbox::run_options& o) {
         return o.stdin_path.empty() && o.stdout_path.empty() && o.stderr_path.empty();
       }},
      {"working-directory narrows the box directory",
       [](planned_task& t) { t.task.sandbox->working_directory = "sub/dir"; },
       [](const sandbox::run_options& o) { return o.box_dir == "/host/box/sub/dir"; }},
      {"chdir defaults to /box", [](planned_task&) {},
       [](const sandbox::run_options& o) { return o.chdir == "/box"; }},
      {"relative chdir resolves against /", [](planned_task& t) { t.task.sandbox->chdir = "box/sub"; },
       [](const sandbox::run_options& o) { return o.chdir == "/box/sub"; }},
      {"output invents stdout and stderr files",
       [](planned_task& t) { t.task.sandbox->output = true; },
       [](const sandbox::run_options& o) {
         return o.stdout_path == "/box/run.SUFFIX0000.output.stdout" &&
                o.stderr_path == "/box/run.SUFFIX0000.output.stderr";
       }},
      {"output keeps an explicit stdout",
       [](planned_task& t) {
         t.task.sandbox->output = true;
         t.task.sandbox->stdout_path = "mine.out";
       },
       [](const sandbox::run_options& o) {
         return o.stdout_path == "mine.out" && o.stderr_path == "/box/run.SUFFIX0000.output.stderr";
       }},
      {"carboncopy of stdout alone invents stdout only",
       [](planned_task& t) { t.task.sandbox->carboncopy_stdout = "/results/run.out"; },
       [](const sandbox::run_options& o) {
         return o.stdout_path == "/box/run.SUFFIX0000.output.stdout" && o.stderr_path.empty();
       }},
  };
  for (const auto& r : table) {
    INFO(r.name);
    planned_task t = external_task();
    r.change(t);
    CHECK(r.check(options_of(t)));
  }
}

TEST_CASE("the run plan lists capture paths and invented files", "[executors]") {
  planned_task t = external_task();
  t.task.sandbox->output = true;
  t.task.sandbox->stdout_path = "mine.out";
  auto plan = make_sandbox_run_plan(t, "/b", "X");
  REQUIRE(plan);
  CHECK(plan.value().capture_stdout == "mine.out");
  CHECK(plan.value().capture_stderr == "/box/run.X.output.stderr");
  CHECK(plan.value().invented_files == std::vector<std::string>{"run.X.output.stderr"});
}

TEST_CASE("internal tasks and tasks without limits are refused", "[executors]") {
  planned_task internal = external_task();
  internal.task.sandbox.reset();
  CHECK(make_sandbox_run_plan(internal, "/b", "X").error().code == errc::invalid_argument);
  planned_task unresolved = external_task();
  unresolved.limits.reset();
  CHECK(make_sandbox_run_plan(unresolved, "/b", "X").error().code == errc::invalid_argument);
}

TEST_CASE("inside paths map back to the box directory", "[executors]") {
  CHECK(box_relative("/box/a/b") == "a/b");
  CHECK(box_relative("a") == "a");
  CHECK(box_relative("/box/").empty());
  CHECK(box_relative("/boxer/a").empty());
  CHECK(box_relative("/data/a").empty());
  CHECK(box_relative("").empty());
}

TEST_CASE("sandbox verdicts map to result.yml statuses", "[executors]") {
  sandbox::run_result r;
  r.result = sandbox::status::timed_out;
  r.exitcode = 3;
  r.time_s = 1.5;
  r.wall_time_s = 2.5;
  r.memory_kib = 700;
  r.max_rss_kib = 600;
  r.killed = true;
  r.message = "Time limit exceeded";
  auto s = to_sandbox_results(r);
  CHECK(s.status == sandbox_status::to);
  CHECK(s.exitcode == 3);
  CHECK(s.time == 1.5);
  CHECK(s.wall_time == 2.5);
  CHECK(s.memory == 700);
  CHECK(s.max_rss == 600);
  CHECK(s.killed);
  CHECK(s.message == "Time limit exceeded");
  r.result = sandbox::status::internal_error;
  CHECK(to_sandbox_results(r).status == sandbox_status::xx);
  r.result = sandbox::status::signaled;
  CHECK(to_sandbox_results(r).status == sandbox_status::sg);
  r.result = sandbox::status::runtime_error;
  CHECK(to_sandbox_results(r).status == sandbox_status::re);
}

TEST_CASE("a run is prepared ahead only when its directories cannot change before its turn",
          "[executors]") {
  const std::vector<std::filesystem::path> job = {"/w/eval/1/job", "/w/results/1/job", "/w/temp/1/job"};
  sandbox::run_options o;
  o.box_dir = "/w/eval/1/job";
  CHECK(can_prepare_ahead(o, "/w/eval/1/job", job));
  o.box_dir = "/w/eval/1/job/sub"; // a working-directory an earlier task may create
  CHECK_FALSE(can_prepare_ahead(o, "/w/eval/1/job", job));
  o.box_dir = "/w/eval/1/job";
  auto with_rule = [&](sandbox::dir_rule rule) {
    auto copy = o;
    copy.dirs.push_back(std::move(rule));
    return can_prepare_ahead(copy, "/w/eval/1/job", job);
  };
  sandbox::dir_rule usr;
  usr.inside = "/usr";
  CHECK(with_rule(usr));
  sandbox::dir_rule outside_job;
  outside_job.inside = "/data";
  outside_job.outside = "/srv/data";
  CHECK(with_rule(outside_job));
  sandbox::dir_rule in_job = outside_job;
  in_job.outside = "/w/temp/1/job/made-by-a-task";
  CHECK_FALSE(with_rule(in_job));
  in_job.outside = "/w/eval/1/job/../job/x";
  CHECK_FALSE(with_rule(in_job));
  sandbox::dir_rule same_inside; // outside defaults to inside
  same_inside.inside = "/w/results/1/job";
  CHECK_FALSE(with_rule(same_inside));
  sandbox::dir_rule neighbour = outside_job;
  neighbour.outside = "/w/eval/1/job2";
  CHECK(with_rule(neighbour));
  sandbox::dir_rule tmp;
  tmp.inside = "/w/eval/1/job/t";
  tmp.tmp = true;
  CHECK(with_rule(tmp));
}

namespace {

// Root and a host the sandbox runs on; otherwise a warning and false (the test is skipped).
bool sandbox_usable() {
  if (::geteuid() != 0) {
    WARN("SKIPPED: needs root");
    return false;
  }
  for (const auto& item : sandbox::check_host())
    if (!item.ok && item.name != "smoke run") {
      WARN("SKIPPED: " << item.name << ": " << item.detail);
      return false;
    }
  return true;
}

// Processes on the host running as `uid` (a prepared box's parked program is one).
int processes_of(unsigned uid) {
  int count = 0;
  for (const auto& entry : std::filesystem::directory_iterator("/proc")) {
    const auto name = entry.path().filename().string();
    struct stat st {};
    if (!name.empty() && name[0] >= '0' && name[0] <= '9' && ::stat(entry.path().c_str(), &st) == 0 &&
        st.st_uid == uid)
      ++count;
  }
  return count;
}

// Polls until `uid` runs `expected` processes (a preparation is asynchronous); the last count.
int settled_processes_of(unsigned uid, int expected) {
  int seen = processes_of(uid);
  for (int i = 0; i < 200 && seen != expected; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds{5});
    seen = processes_of(uid);
  }
  return seen;
}

} // namespace

TEST_CASE("the internal executor refuses an external task", "[executors]") {
  internal_executor executor{internal_task_context{}};
  auto outcome = executor.run(external_task());
  CHECK_FALSE(outcome.ok);
}

TEST_CASE("sandbox_executor runs /bin/echo hi and captures its output capped",
          "[executors][root]") {
  if (!sandbox_usable())
    return;
  char name[] = "/tmp/recodex-executor-test-XXXXXX";
  REQUIRE(::mkdtemp(name));
  std::string dir = name;
  auto leased = sandbox::acquire_box();
  REQUIRE(leased);
  planned_task t = external_task();
  t.task.bin = "/bin/echo";
  t.task.args = {"hi"};
  t.task.sandbox->output = true;
  t.limits->memory = 256 * 1024;
  {
    sandbox_executor executor{leased.value(), {dir, 2}};
    auto outcome = executor.run(t);
    REQUIRE(outcome);
    CHECK(outcome.value().sandbox.status == sandbox_status::ok);
    REQUIRE(outcome.value().output);
    CHECK(outcome.value().output->stdout_text == "hi"); // "hi\n" capped at 2 bytes
    CHECK(outcome.value().output->stderr_text.empty());
  }
  {
    sandbox_executor executor{leased.value(), {dir, 100}};
    auto outcome = executor.run(t);
    REQUIRE(outcome);
    REQUIRE(outcome.value().output);
    CHECK(outcome.value().output->stdout_text == "hi\n");
  }
  std::string command = "rm -rf '" + dir + "'";
  (void) !std::system(command.c_str());
}

TEST_CASE("sandbox_executor with a spare box prepares the expected task while one runs, sees files "
          "written after that, and drops a guess that missed",
          "[executors][root]") {
  if (!sandbox_usable())
    return;
  char name[] = "/tmp/recodex-executor-test-XXXXXX";
  REQUIRE(::mkdtemp(name));
  const std::string dir = name;
  auto leased = sandbox::acquire_box();
  REQUIRE(leased);
  // A spare that runs as the same uid (box N runs as first_uid + N), from the top of the range.
  result<sandbox::box> spare = make_error(errc::conflict, "no free box");
  for (int id = 990; id > 900 && !spare; --id) {
    if (id == leased.value().id())
      continue;
    sandbox::box_config same_uid = leased.value().config();
    same_uid.first_uid = static_cast<int>(leased.value().uid()) - id;
    spare = sandbox::acquire_box(same_uid, id);
  }
  REQUIRE(spare);
  REQUIRE(spare.value().uid() == leased.value().uid());
  const unsigned uid = leased.value().uid();
  REQUIRE(processes_of(uid) == 0);
  auto cat = [](const std::string& id, const std::string& in, const std::string& out) {
    planned_task t = external_task();
    t.task.task_id = id;
    t.task.bin = "/bin/cat";
    t.task.args = {};
    t.task.sandbox->stdin_path = in;
    t.task.sandbox->stdout_path = out;
    t.limits->memory = 256 * 1024;
    return t;
  };
  auto write = [&](const std::string& file, const std::string& text) { std::ofstream{dir + "/" + file} << text; };
  auto read = [&](const std::string& file) {
    std::ifstream in{dir + "/" + file};
    return std::string{std::istreambuf_iterator<char>{in}, {}};
  };
  const auto one = cat("one", "in1", "out1"), two = cat("two", "in2", "out2"), three = cat("three", "in3", "out3");
  {
    sandbox_executor executor{leased.value(), {dir, 100}, &spare.value()};
    write("in1", "first\n");
    executor.expect_next(&two);
    auto first = executor.run(one);
    REQUIRE(first);
    CHECK(first.value().sandbox.status == sandbox_status::ok);
    CHECK(read("out1") == "first\n");
    // `two` waits prepared in the spare: its program is parked as the box user.
    CHECK(settled_processes_of(uid, 1) == 1);
    // Written after `two` was prepared: the program opens its stdin only when it starts.
    write("in2", "second\n");
    executor.expect_next(&three);
    // The work for after the start runs once, during this run, and belongs to it only.
    int started_work = 0;
    executor.after_next_start([&] { ++started_work; });
    auto second = executor.run(two);
    CHECK(started_work == 1);
    REQUIRE(second);
    CHECK(second.value().sandbox.status == sandbox_status::ok);
    CHECK(read("out2") == "second\n");
    // `three` was expected, `one` comes instead: the prepared run is dropped, `one` runs cold.
    write("in1", "again\n");
    executor.expect_next(nullptr);
    auto again = executor.run(one);
    CHECK(started_work == 1); // not carried over to the next run
    REQUIRE(again);
    CHECK(again.value().sandbox.status == sandbox_status::ok);
    CHECK(read("out1") == "again\n");
    CHECK_FALSE(std::ifstream{dir + "/out3"}.good());
    CHECK(processes_of(uid) == 0); // the dropped guess left nothing behind
    // Expected and then abandoned: the executor's end empties the prepared box.
    executor.expect_next(&three);
    write("in3", "never\n");
    auto last = executor.run(two);
    REQUIRE(last);
    CHECK(settled_processes_of(uid, 1) == 1);
  }
  CHECK(processes_of(uid) == 0);
  CHECK_FALSE(std::ifstream{dir + "/out3"}.good());
  // Both boxes are free again: a prepared run left behind would make this a conflict.
  auto reuse = sandbox::prepare(spare.value(), sandbox::run_options{});
  CHECK((reuse || reuse.error().code != errc::conflict));
  std::string command = "rm -rf '" + dir + "'";
  (void) !std::system(command.c_str());
}
