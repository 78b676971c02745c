// Tests of actors/worker/evaluation/internal_task_runner.hpp: each internal task's semantics
// (5.5) on real directories, and paths leading outside the job refused before anything runs.
#include "actors/worker/evaluation/internal_task_runner.hpp"

#include "actors/worker/evaluation/internal_tasks.hpp"
#include "tests/harness/temp_directory.hpp"
#include "tests/unit/worker_evaluation/archive_builder.hpp"

#include <catch2/catch.hpp>

#include <sys/stat.h>

using namespace recodex;
using namespace recodex::worker;
using namespace recodex::worker::testing;
namespace fs = std::filesystem;

namespace {

struct job_dirs {
  recodex::testing::temp_directory tmp{"recodex-internal"};
  fs::path source = tmp / "eval";
  fs::path result = tmp / "results";
  fs::path outside = tmp / "outside";
  std::vector<std::string> fetched;
  internal_task_context context;

  job_dirs() {
    fs::create_directories(source);
    fs::create_directories(result);
    fs::create_directories(outside);
    context.allowed_roots = {source, result};
    context.fetch = [this](const std::string& name, const fs::path& dest) -> recodex::result<void> {
      fetched.push_back(name);
      if (name == "missing.txt")
        return make_error(errc::not_found, "missing.txt is not in the file collector");
      write_text(dest, "content of " + name);
      return ok();
    };
  }

  std::string s(const std::string& rel) const { return (source / rel).string(); }
  std::string r(const std::string& rel) const { return (result / rel).string(); }

  internal_task_outcome run(const std::string& bin, std::vector<std::string> args) {
    auto rule = find_internal_task(bin);
    REQUIRE(rule);
    return run_internal_task(rule->kind, args, context);
  }
};

} // namespace

TEST_CASE("cp copies a file, into a directory, and by wildcard", "[worker][internal_task]") {
  job_dirs d;
  write_text(d.source / "a.txt", "A");
  write_text(d.source / "b.txt", "B");
  write_text(d.source / "c.in", "C");
  write_text(d.source / "tree/x/y.txt", "Y");
  fs::create_directories(d.source / "out");

  CHECK(d.run("cp", {d.s("a.txt"), d.s("copy.txt")}).ok);
  CHECK(read_text(d.source / "copy.txt") == "A");
  CHECK(d.run("cp", {d.s("?.txt"), d.s("out")}).ok);
  CHECK(list_tree(d.source / "out") == std::vector<std::string>{"a.txt", "b.txt"});
  CHECK(d.run("cp", {d.s("tree"), d.r("tree")}).ok);
  CHECK(read_text(d.result / "tree/x/y.txt") == "Y");
  SECTION("zero matches is fine, a missing source directory is not") {
    CHECK(d.run("cp", {d.s("*.none"), d.s("out")}).ok);
    auto missing = d.run("cp", {d.s("nodir/*.txt"), d.s("out")});
    CHECK(!missing.ok);
    CHECK_THAT(missing.error_message, Catch::Contains("does not exist"));
  }
}

TEST_CASE("paths outside the job's directories are refused", "[worker][internal_task]") {
  job_dirs d;
  write_text(d.outside / "secret", "S");
  fs::create_symlink(d.outside, d.source / "escape");
  struct row {
    std::string bin;
    std::vector<std::string> args;
  };
  const std::vector<row> rows{
      {"cp", {(d.outside / "secret").string(), d.s("stolen")}},
      {"cp", {d.s("../outside/secret"), d.s("stolen")}},
      {"cp", {d.s("escape/secret"), d.s("stolen")}},
      {"rm", {d.s("escape/secret")}},
      {"mkdir", {d.s("escape/new")}},
      {"rename", {d.s("x"), (d.outside / "y").string()}},
      {"truncate", {d.s("escape/secret"), "0"}},
      {"fetch", {"a.txt", d.s("../outside/a.txt")}},
      {"dumpdir", {d.s(""), d.s("escape"), "10"}},
      {"extract", {d.s("a.zip"), (d.outside).string()}},
      {"archivate", {d.s(""), (d.outside / "a.zip").string()}},
      {"exists", {"message", "/etc/passwd"}},
      {"cp", {"relative/path", d.s("x")}},
  };
  auto refuse_all = [&] {
    for (const auto& r : rows) {
      auto outcome = d.run(r.bin, r.args);
      CHECK(!outcome.ok);
      CHECK_THAT(outcome.error_message, Catch::StartsWith(r.bin + ": path"));
    }
  };
  refuse_all();
  // The same with the roots resolved once for the job, as the evaluator does.
  resolve_roots(d.context);
  REQUIRE(d.context.real_roots.size() == 2);
  refuse_all();
  CHECK(list_tree(d.outside) == std::vector<std::string>{"secret"});
  CHECK(read_text(d.outside / "secret") == "S");
  CHECK(!fs::exists(d.source / "stolen"));
  CHECK(d.fetched.empty());
}

TEST_CASE("mkdir creates nested directories writable by group and others",
          "[worker][internal_task]") {
  job_dirs d;
  CHECK(d.run("mkdir", {d.s("a/b/c"), d.r("out")}).ok);
  struct stat st{};
  ::stat(d.s("a/b/c").c_str(), &st);
  CHECK((st.st_mode & 022) == 022);
  CHECK(fs::is_directory(d.result / "out"));
  SECTION("a failure removes every listed path") {
    write_text(d.source / "file", "f");
    auto outcome = d.run("mkdir", {d.s("made"), d.s("file/sub")});
    CHECK(!outcome.ok);
    CHECK(!fs::exists(d.source / "made"));
  }
}

TEST_CASE("rename and rm", "[worker][internal_task]") {
  job_dirs d;
  write_text(d.source / "old", "o");
  write_text(d.source / "dir/inner", "i");
  CHECK(d.run("rename", {d.s("old"), d.s("new")}).ok);
  CHECK(read_text(d.source / "new") == "o");
  CHECK(!d.run("rename", {d.s("old"), d.s("again")}).ok);
  CHECK(d.run("rm", {d.s("new"), d.s("dir")}).ok);
  CHECK(list_tree(d.source).empty());
}

TEST_CASE("archivate zips regular files under the archive's stem, extract reads them back",
          "[worker][internal_task]") {
  job_dirs d;
  write_text(d.result / "result.yml", "r");
  write_text(d.result / "logs/a.log", "log");
  CHECK(d.run("archivate", {d.r(""), d.s("result.zip")}).ok);
  fs::create_directories(d.source / "unpacked");
  CHECK(d.run("extract", {d.s("result.zip"), d.s("unpacked")}).ok);
  CHECK(list_tree(d.source / "unpacked") ==
        std::vector<std::string>{"result", "result/logs", "result/logs/a.log",
                                 "result/result.yml"});
  struct stat st{};
  ::stat(d.s("unpacked/result/result.yml").c_str(), &st);
  CHECK((st.st_mode & 0777) == 0644);
  SECTION("extract refuses a hostile archive and a missing destination") {
    build_archive(d.source / "evil.tar", archive_kind::tar, {{"../../outside/x", "x"}});
    auto outcome = d.run("extract", {d.s("evil.tar"), d.s("unpacked")});
    CHECK(!outcome.ok);
    CHECK_THAT(outcome.error_message, Catch::Contains("'..' components are not allowed"));
    CHECK(!d.run("extract", {d.s("result.zip"), d.s("nowhere")}).ok);
    CHECK(list_tree(d.outside).empty());
  }
}

TEST_CASE("fetch asks the cache for the named file", "[worker][internal_task]") {
  job_dirs d;
  CHECK(d.run("fetch", {"input.txt", d.s("in/input.txt")}).ok);
  CHECK(read_text(d.source / "in/input.txt") == "content of input.txt");
  auto missing = d.run("fetch", {"missing.txt", d.s("m.txt")});
  CHECK(!missing.ok);
  CHECK_THAT(missing.error_message, Catch::Contains("not in the file collector"));
  CHECK(!d.run("fetch", {"../x", d.s("m.txt")}).ok);
  CHECK(d.fetched == std::vector<std::string>{"input.txt", "missing.txt"});
}

TEST_CASE("truncate cuts a file longer than the limit in KiB", "[worker][internal_task]") {
  job_dirs d;
  write_text(d.source / "big", std::string(3000, 'x'));
  write_text(d.source / "small", "abc");
  CHECK(d.run("truncate", {d.s("big"), "2"}).ok);
  CHECK(fs::file_size(d.source / "big") == 2048);
  CHECK(d.run("truncate", {d.s("small"), "1"}).ok);
  CHECK(read_text(d.source / "small") == "abc");
  CHECK(!d.run("truncate", {d.s("small"), "lots"}).ok);
  CHECK(!d.run("truncate", {d.s("none"), "1"}).ok);
}

TEST_CASE("exists names the first missing path and puts the message on stderr",
          "[worker][internal_task]") {
  job_dirs d;
  write_text(d.source / "here", "h");
  CHECK(d.run("exists", {"compile first", d.s("here")}).ok);
  auto outcome = d.run("exists", {"compile first", d.s("here"), d.s("a.out")});
  CHECK(!outcome.ok);
  CHECK(outcome.error_message == "File/folder '" + d.s("a.out") + "' cannot be found");
  CHECK(outcome.stderr_text == std::optional<std::string>{"compile first"});
}

TEST_CASE("dumpdir copies the smallest files first and leaves placeholders for the rest",
          "[worker][internal_task]") {
  job_dirs d;
  write_text(d.source / "a.txt", std::string(600, 'a'));
  write_text(d.source / "sub/b.txt", std::string(300, 'b'));
  write_text(d.source / "c.txt", std::string(500, 'c'));
  write_text(d.source / "skip/me.log", "log");
  CHECK(d.run("dumpdir", {d.s(""), d.r("dump"), "1", "skip/*"}).ok);
  CHECK(list_tree(d.result / "dump") ==
        std::vector<std::string>{"a.txt.skipped", "c.txt", "sub", "sub/b.txt"});
  CHECK(read_text(d.result / "dump/a.txt.skipped") == " ");
  CHECK(!d.run("dumpdir", {d.s("nothing"), d.r("dump"), "1"}).ok);
}

TEST_CASE("a root reached through a symlink is checked against where it leads",
          "[worker][internal_task]") {
  job_dirs d;
  fs::create_directory_symlink(d.source, d.tmp / "via-link");
  write_text(d.outside / "secret", "S");
  fs::create_symlink(d.outside / "secret", d.source / "planted");
  internal_task_context linked = d.context;
  linked.allowed_roots = {d.tmp / "via-link"};
  resolve_roots(linked);
  REQUIRE(linked.real_roots.size() == 1);
  CHECK(linked.real_roots[0] == fs::canonical(d.source));
  for (const auto* context : {&d.context, &linked}) {
    const auto& roots = context->allowed_roots;
    const fs::path root = roots.front();
    CHECK(is_inside_roots(root / "new.txt", roots, context->real_roots));
    CHECK(is_inside_roots(root / "sub/new.txt", roots, context->real_roots));
    CHECK_FALSE(is_inside_roots(root / "planted", roots, context->real_roots));
    CHECK_FALSE(is_inside_roots(root / ".." / "outside" / "secret", roots, context->real_roots));
    // Without the resolved roots: the same answers.
    CHECK(is_inside_roots(root / "new.txt", roots));
    CHECK_FALSE(is_inside_roots(root / "planted", roots));
  }
}

TEST_CASE("a symlink that leads nowhere is refused: writing through it would create its target",
          "[worker][internal_task]") {
  job_dirs d;
  write_text(d.source / "a.txt", "A");
  fs::create_symlink(d.outside / "created", d.source / "dangling");
  fs::create_directory_symlink(d.outside / "no-dir", d.source / "dangling-dir");
  for (bool resolved : {false, true}) {
    if (resolved)
      resolve_roots(d.context);
    for (const auto& [bin, args] : std::vector<std::pair<std::string, std::vector<std::string>>>{
             {"cp", {d.s("a.txt"), d.s("dangling")}},
             {"truncate", {d.s("dangling"), "0"}},
             {"mkdir", {d.s("dangling-dir/sub")}},
             {"cp", {d.s("a.txt"), d.s("dangling-dir/x")}}}) {
      auto outcome = d.run(bin, args);
      CHECK_FALSE(outcome.ok);
      CHECK_THAT(outcome.error_message, Catch::Contains("outside the job's directories"));
    }
  }
  CHECK(list_tree(d.outside).empty());
}
