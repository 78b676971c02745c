// Task versions in the git repository: numbering, dedup through the blob store, listing,
// resolve, revert and diff, input validation, concurrent writers (threads, and instances standing
// in for processes, also racing to create a task), a writer killed before its ref moves, and
// reopening.
#include "storage/blob_store.hpp"
#include "storage/sha1.hpp"
#include "storage/task_repository.hpp"

#include <algorithm>
#include <catch2/catch.hpp>
#include <cctype>
#include <chrono>
#include <condition_variable>
#include <csignal>
#include <cstdlib>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <sys/wait.h>
#include <thread>
#include <unistd.h>
#include <vector>

using namespace recodex;
using namespace recodex::storage;
namespace fs = std::filesystem;

#if defined(__SANITIZE_THREAD__)
// libgit2 signs every ref update with git_signature_now, whose mktime re-reads TZ under glibc's
// own tzset lock; ThreadSanitizer cannot see that lock and reports a race in tzset_internal.
extern "C" const char* __tsan_default_suppressions() {
  return "race:tzset_internal\n";
}
#endif

namespace {

struct temp_dir {
  fs::path path;

  explicit temp_dir(const fs::path& base = fs::temp_directory_path()) {
    std::string pattern = (base / "recodex-task-repo-XXXXXX").string();
    REQUIRE(mkdtemp(pattern.data()) != nullptr);
    path = pattern;
  }
  ~temp_dir() {
    std::error_code ignored;
    fs::remove_all(path, ignored);
  }
};

template <class T> T value_of(result<T> r) {
  if (!r)
    FAIL(recodex::to_string(r.error()));
  return std::move(r).value();
}

template <class T> errc error_of(const result<T>& r) {
  REQUIRE_FALSE(r);
  return r.error().code;
}

// A data directory with its blob store and one repository on <dir>/tasks.git.
struct fixture {
  temp_dir dir;
  std::optional<blob_store> blobs;
  std::unique_ptr<task_repository> repo;

  explicit fixture(const fs::path& base = fs::temp_directory_path()) : dir(base) {
    blobs.emplace(value_of(blob_store::open(dir.path / "tasks")));
    repo = open_another();
  }

  fs::path git_dir() const { return dir.path / "tasks.git"; }

  std::unique_ptr<task_repository> open_another() const {
    return value_of(task_repository::open(git_dir(), *blobs));
  }
};

std::vector<std::string> names_of(const std::vector<manifest_entry>& files) {
  std::vector<std::string> names;
  for (const auto& file : files)
    names.push_back(file.name);
  return names;
}

// Regular files below `root`, skipping the blob store's temporary directory.
std::vector<fs::path> files_below(const fs::path& root) {
  std::vector<fs::path> found;
  for (auto it = fs::recursive_directory_iterator(root); it != fs::recursive_directory_iterator();
       ++it) {
    if (it->is_directory() && it->path().filename() == ".incoming") {
      it.disable_recursion_pending();
      continue;
    }
    if (it->is_regular_file())
      found.push_back(it->path());
  }
  return found;
}

std::size_t count_git_objects(const fs::path& git_dir) {
  return files_below(git_dir / "objects").size();
}

} // namespace

TEST_CASE("the first version of a task is 1 and version numbers never change", "[storage][tasks]") {
  fixture f;
  const auto v1 = value_of(f.repo->create_version(
      "hello",
      {task_file::with_content("input.txt", "1 2\n"), task_file::with_content("empty", "")},
      "first"));
  CHECK(v1.number == 1);
  CHECK(v1.message == "first");
  CHECK(v1.commit.size() == 40);
  CHECK(names_of(v1.files) == std::vector<std::string>{"empty", "input.txt"});
  CHECK(v1.files[0] == manifest_entry{"empty", sha1_hex(""), 0});

  const auto v2 = value_of(
      f.repo->create_version("hello", {task_file::with_content("input.txt", "3 4\n")}, "second"));
  const auto v3 = value_of(f.repo->create_version("hello", {}, "third, with no files"));
  CHECK(v2.number == 2);
  CHECK(v3.number == 3);
  CHECK(v3.files.empty());

  const auto again1 = value_of(f.repo->version("hello", 1));
  CHECK(again1.number == 1);
  CHECK(again1.commit == v1.commit);
  CHECK(again1.files == v1.files);
  CHECK(value_of(f.repo->version("hello", 2)).commit == v2.commit);
  const auto newest = value_of(f.repo->version("hello"));
  CHECK(newest.number == 3);
  CHECK(newest.commit == v3.commit);
  CHECK(error_of(f.repo->version("hello", 4)) == errc::not_found);
  CHECK(error_of(f.repo->version("nobody", 0)) == errc::not_found);
}

TEST_CASE("two names with the same content are stored as one blob file", "[storage][tasks]") {
  fixture f;
  const std::string content = "shared test data\n";
  const std::string sha1 = sha1_hex(content);
  const auto v = value_of(f.repo->create_version(
      "dedup", {task_file::with_content("a.in", content), task_file::with_content("b.in", content)},
      "same content twice"));
  REQUIRE(v.files.size() == 2);
  CHECK(v.files[0].sha1 == sha1);
  CHECK(v.files[1].sha1 == sha1);
  CHECK(v.files[0].size == content.size());
  const auto on_disk = files_below(f.blobs->root());
  REQUIRE(on_disk.size() == 1);
  CHECK(on_disk[0] == f.blobs->root() / sha1.substr(0, 1) / sha1);

  // A second task with that content still adds no file.
  value_of(f.repo->create_version("other", {task_file::with_content("c.in", content)}, ""));
  CHECK(files_below(f.blobs->root()).size() == 1);
}

TEST_CASE("a version can name a blob already in the store by its sha1", "[storage][tasks]") {
  fixture f;
  const auto stored = value_of(f.blobs->put("uploaded before\n"));
  // Upper case is accepted and stored in the canonical lower case.
  std::string upper = stored.sha1;
  std::transform(upper.begin(), upper.end(), upper.begin(), ::toupper);
  const auto v = value_of(f.repo->create_version(
      "by-sha1", {task_file::with_sha1("data.bin", upper)}, "from the store"));
  REQUIRE(v.files.size() == 1);
  CHECK(v.files[0] == manifest_entry{"data.bin", stored.sha1, stored.size});
  CHECK(value_of(f.repo->resolve("by-sha1", 1, "data.bin")) == v.files[0]);
}

TEST_CASE("a sha1 that is not in the store is not_found and creates nothing", "[storage][tasks]") {
  fixture f;
  const auto r = f.repo->create_version(
      "missing", {task_file::with_sha1("x", std::string(40, 'a'))}, "points nowhere");
  CHECK(error_of(r) == errc::not_found);
  CHECK(value_of(f.repo->list_tasks()).empty());
  CHECK(error_of(f.repo->list_versions("missing")) == errc::not_found);
}

TEST_CASE("list_tasks gives each task's newest number by id and list_versions gives every "
          "version oldest first",
          "[storage][tasks]") {
  fixture f;
  CHECK(value_of(f.repo->list_tasks()).empty());
  const auto before = static_cast<std::int64_t>(std::time(nullptr));
  value_of(f.repo->create_version("zeta", {task_file::with_content("z", "z")}, "z1"));
  value_of(f.repo->create_version(
      "alpha", {task_file::with_content("b.txt", "B"), task_file::with_content("a.txt", "A")},
      "alpha one"));
  value_of(f.repo->create_version("alpha", {task_file::with_content("c.txt", "C")}, "alpha two"));
  value_of(f.repo->create_version("mid", {}, "m1"));
  value_of(f.repo->create_version("alpha", {task_file::with_content("a.txt", "A2")},
                                  "alpha three\nwith a body\n"));
  const auto after = static_cast<std::int64_t>(std::time(nullptr));

  const auto tasks = value_of(f.repo->list_tasks());
  REQUIRE(tasks.size() == 3);
  CHECK(tasks[0].task_id == "alpha");
  CHECK(tasks[0].newest_version == 3);
  CHECK(tasks[1].task_id == "mid");
  CHECK(tasks[1].newest_version == 1);
  CHECK(tasks[2].task_id == "zeta");
  CHECK(tasks[2].newest_version == 1);

  const auto versions = value_of(f.repo->list_versions("alpha"));
  REQUIRE(versions.size() == 3);
  CHECK(versions[0].number == 1);
  CHECK(versions[0].message == "alpha one");
  CHECK(versions[0].files ==
        std::vector<manifest_entry>{{"a.txt", sha1_hex("A"), 1}, {"b.txt", sha1_hex("B"), 1}});
  CHECK(versions[1].number == 2);
  CHECK(versions[1].message == "alpha two");
  CHECK(names_of(versions[1].files) == std::vector<std::string>{"c.txt"});
  CHECK(versions[2].number == 3);
  CHECK(versions[2].message == "alpha three\nwith a body\n");
  CHECK(versions[2].files == std::vector<manifest_entry>{{"a.txt", sha1_hex("A2"), 2}});
  std::set<std::string> commits;
  for (const auto& v : versions) {
    CHECK(v.time >= before);
    CHECK(v.time <= after);
    commits.insert(v.commit);
  }
  CHECK(commits.size() == 3);
  CHECK(value_of(f.repo->version("alpha", 2)).message == "alpha two");
}

TEST_CASE("resolve maps a file name at a version to its blob", "[storage][tasks]") {
  fixture f;
  value_of(f.repo->create_version("r", {task_file::with_content("in", "one")}, "1"));
  value_of(f.repo->create_version(
      "r", {task_file::with_content("in", "two!"), task_file::with_content("out", "x")}, "2"));
  CHECK(value_of(f.repo->resolve("r", 1, "in")) == manifest_entry{"in", sha1_hex("one"), 3});
  CHECK(value_of(f.repo->resolve("r", 2, "in")) == manifest_entry{"in", sha1_hex("two!"), 4});
  CHECK(value_of(f.repo->resolve("r", 0, "out")) == manifest_entry{"out", sha1_hex("x"), 1});
  CHECK(error_of(f.repo->resolve("r", 1, "out")) == errc::not_found);
  CHECK(error_of(f.repo->resolve("r", 3, "in")) == errc::not_found);
  CHECK(error_of(f.repo->resolve("nope", 0, "in")) == errc::not_found);
  CHECK(error_of(f.repo->resolve("r", 0, "../in")) == errc::invalid_argument);
}

TEST_CASE("revert to version 1 makes a version 3 equal to 1 and leaves 1 and 2 untouched",
          "[storage][tasks]") {
  fixture f;
  const auto v1 = value_of(f.repo->create_version(
      "rev", {task_file::with_content("a", "a1"), task_file::with_content("b", "b1")}, "start"));
  const auto v2 = value_of(f.repo->create_version(
      "rev", {task_file::with_content("a", "a2"), task_file::with_content("c", "c2")}, "change"));

  const auto v3 = value_of(f.repo->revert("rev", 1, "bad change"));
  CHECK(v3.number == 3);
  CHECK(v3.message == "Revert to version 1: bad change");
  CHECK(v3.files == v1.files);
  CHECK(v3.commit != v1.commit);

  const auto d13 = value_of(f.repo->diff("rev", 1, 3));
  CHECK(d13.added.empty());
  CHECK(d13.removed.empty());
  CHECK(d13.changed.empty());

  const auto d23 = value_of(f.repo->diff("rev", 2, 3));
  CHECK(d23.added == std::vector<std::string>{"b"});
  CHECK(d23.removed == std::vector<std::string>{"c"});
  CHECK(d23.changed == std::vector<std::string>{"a"});

  const auto d12 = value_of(f.repo->diff("rev", 1, 2));
  CHECK(d12.added == std::vector<std::string>{"c"});
  CHECK(d12.removed == std::vector<std::string>{"b"});
  CHECK(d12.changed == std::vector<std::string>{"a"});
  // 0 is the newest version in diff, as in version().
  const auto d20 = value_of(f.repo->diff("rev", 2, 0));
  CHECK(d20.added == d23.added);
  CHECK(d20.changed == d23.changed);

  const auto versions = value_of(f.repo->list_versions("rev"));
  REQUIRE(versions.size() == 3);
  CHECK(versions[0].commit == v1.commit);
  CHECK(versions[0].files == v1.files);
  CHECK(versions[1].commit == v2.commit);
  CHECK(versions[1].files == v2.files);
  CHECK(versions[2].commit == v3.commit);

  const auto v4 = value_of(f.repo->revert("rev", 2, ""));
  CHECK(v4.number == 4);
  CHECK(v4.message == "Revert to version 2");
  CHECK(v4.files == v2.files);

  CHECK(error_of(f.repo->revert("rev", 0, "")) == errc::invalid_argument);
  CHECK(error_of(f.repo->revert("rev", 5, "")) == errc::not_found);
  CHECK(error_of(f.repo->revert("nope", 1, "")) == errc::not_found);
  CHECK(error_of(f.repo->diff("rev", 1, 5)) == errc::not_found);
  CHECK(value_of(f.repo->version("rev")).number == 4);
}

TEST_CASE("bad task ids, bad file names, duplicates and a sha1 with content are "
          "invalid_argument and create nothing",
          "[storage][tasks]") {
  fixture f;
  const std::string stored = value_of(f.blobs->put("x")).sha1;
  struct row {
    const char* what;
    std::string task_id;
    std::vector<task_file> files;
  };
  const std::vector<row> rows{
      {"empty id", "", {}},
      {"slash in id", "a/b", {}},
      {"dot-dot id", "..", {}},
      {"space in id", "a b", {}},
      {"id that is no git ref name (..)", "a..b", {}},
      {"id that is no git ref name (.lock)", "t.lock", {}},
      {"id that is no git ref name (leading dot)", ".hidden", {}},
      {"empty file name", "t", {task_file::with_content("", "x")}},
      {"slash in file name", "t", {task_file::with_content("a/b", "x")}},
      {"dot-dot file name", "t", {task_file::with_content("..", "x")}},
      {"NUL in file name", "t", {task_file::with_content(std::string("a\0b", 3), "x")}},
      {"file name git refuses", "t", {task_file::with_content(".git", "x")}},
      {"duplicate names",
       "t",
       {task_file::with_content("a", "x"), task_file::with_content("a", "y")}},
      {"sha1 and content", "t", {task_file{"a", "x", stored}}},
      {"malformed sha1", "t", {task_file::with_sha1("a", "not-a-sha1")}},
      {"short sha1", "t", {task_file::with_sha1("a", stored.substr(0, 39))}},
  };
  for (const auto& r : rows) {
    INFO(r.what);
    CHECK(error_of(f.repo->create_version(r.task_id, r.files, "bad")) == errc::invalid_argument);
  }
  CHECK(value_of(f.repo->list_tasks()).empty());
  CHECK(error_of(f.repo->version("a/b", 0)) == errc::invalid_argument);
  CHECK(error_of(f.repo->list_versions("..")) == errc::invalid_argument);
  CHECK(error_of(f.repo->revert("", 1, "")) == errc::invalid_argument);
  CHECK(error_of(f.repo->diff("a b", 1, 1)) == errc::invalid_argument);
}

namespace {

// `writers` threads, each creating `per_writer` versions of task "busy" through
// repos[writer % repos.size()]; version "w<writer>-<i>" holds one file with that text.
// Returns the failures the threads met (Catch2 assertions are not thread-safe).
std::vector<std::string> write_concurrently(const std::vector<task_repository*>& repos, int writers,
                                            int per_writer) {
  std::mutex failures_mutex;
  std::vector<std::string> failures;
  std::vector<std::thread> threads;
  for (int w = 0; w < writers; ++w) {
    threads.emplace_back([&, w] {
      task_repository& repo = *repos[static_cast<std::size_t>(w) % repos.size()];
      for (int i = 0; i < per_writer; ++i) {
        const std::string text = "w" + std::to_string(w) + "-" + std::to_string(i);
        auto r = repo.create_version("busy", {task_file::with_content("f", text)}, text);
        if (!r) {
          const std::lock_guard lock{failures_mutex};
          failures.push_back(text + ": " + recodex::to_string(r.error()));
        }
      }
    });
  }
  for (auto& thread : threads)
    thread.join();
  return failures;
}

// Every version 1..writers*per_writer exists once, in order, with the content its message names.
void check_nothing_lost(const task_repository& repo, int writers, int per_writer) {
  const auto versions = value_of(repo.list_versions("busy"));
  const auto expected = static_cast<std::size_t>(writers * per_writer);
  REQUIRE(versions.size() == expected);
  std::set<std::string> messages;
  for (std::size_t i = 0; i < versions.size(); ++i) {
    CHECK(versions[i].number == i + 1);
    REQUIRE(versions[i].files.size() == 1);
    CHECK(versions[i].files[0].sha1 == sha1_hex(versions[i].message));
    messages.insert(versions[i].message);
  }
  CHECK(messages.size() == expected);
  CHECK(value_of(repo.list_tasks()).at(0).newest_version == expected);
}

} // namespace

TEST_CASE("eight threads writing ten versions each to one task lose nothing",
          "[storage][tasks][concurrency]") {
  fixture f;
  CHECK(write_concurrently({f.repo.get()}, 8, 10).empty());
  check_nothing_lost(*f.repo, 8, 10);
}

TEST_CASE("two repository instances on one git directory, like two processes, lose nothing",
          "[storage][tasks][concurrency]") {
  fixture f;
  const auto second = f.open_another();
  CHECK(write_concurrently({f.repo.get(), second.get()}, 8, 10).empty());
  check_nothing_lost(*f.repo, 8, 10);
  check_nothing_lost(*second, 8, 10);
}

namespace {

// Lets `parties` threads through together, round after round. A wait that lasts 10 s (a party
// failed before it arrived) breaks the line: that wait and every later one return false at once.
class start_line {
public:
  explicit start_line(int parties) : parties_(parties) {}

  bool arrive_and_wait() {
    std::unique_lock lock{mutex_};
    if (broken_)
      return false;
    const unsigned round = round_;
    if (++waiting_ == parties_) {
      waiting_ = 0;
      ++round_;
      all_here_.notify_all();
      return true;
    }
    if (all_here_.wait_for(lock, std::chrono::seconds{10}, [&] { return round_ != round; }))
      return true;
    broken_ = true;
    all_here_.notify_all();
    return false;
  }

private:
  std::mutex mutex_;
  std::condition_variable all_here_;
  const int parties_;
  int waiting_ = 0;
  unsigned round_ = 0;
  bool broken_ = false;
};

// tmpfs when there is one: fsync costs nothing there, so the 800 racing writes below take under
// a second instead of several on a busy disk.
fs::path fast_temp_base() {
  std::error_code ignored;
  return fs::is_directory("/dev/shm", ignored) ? fs::path{"/dev/shm"} : fs::temp_directory_path();
}

// A packed-refs file with `count` refs outside refs/tasks/, as `git gc` leaves behind in a
// repository with many refs. libgit2 scans every packed ref on each ref update (a new name must
// not collide with an existing path) between its "does the ref exist" check and taking the
// ref's lock, so these widen exactly the gap in which an unguarded first version loses the race.
// The refs name the empty tree; nothing here reads their objects.
void pack_many_refs(const fs::path& git_dir, int count) {
  std::ofstream out{git_dir / "packed-refs", std::ios::binary | std::ios::trunc};
  out << "# pack-refs with: peeled fully-peeled sorted \n";
  const std::string empty_tree = "4b825dc642cb6eb9a060e54bf8d69288fbee4904";
  for (int i = 0; i < count; ++i) {
    std::string number = std::to_string(i);
    number.insert(0, 7 - number.size(), '0'); // sorted as text
    out << empty_tree << " refs/archive/" << number << '\n';
  }
  out.flush();
  REQUIRE(out.good());
}

} // namespace

// Creating a task's first version is a race of its own: every writer finds no ref and builds a
// parentless commit, and only one of them may create the ref; the others must find out under
// the ref's lock and retry on top of it. When the first version was created with a plain
// "create if missing", a writer that saw no ref and took the lock after another writer's
// version had landed overwrote that version and any built on it: here, with the packed refs,
// every run lost versions of dozens of the 200 tasks. The hook holds each round's writers until
// all of them have staged their parentless commit, then lets them move the ref together.
TEST_CASE("four instances racing to create each task's first version lose nothing",
          "[storage][tasks][concurrency]") {
  constexpr int instances = 4;
  constexpr int rounds = 200;
  fixture f{fast_temp_base()};
  pack_many_refs(f.git_dir(), 10000);
  std::vector<std::unique_ptr<task_repository>> repos;
  repos.push_back(std::move(f.repo));
  for (int i = 1; i < instances; ++i)
    repos.push_back(f.open_another());

  std::mutex failures_mutex;
  std::vector<std::string> failures;
  const auto fail = [&](std::string what) {
    const std::lock_guard lock{failures_mutex};
    failures.push_back(std::move(what));
  };
  start_line staged{instances};
  for (auto& repo : repos)
    repo->set_before_ref_update_hook([&](const std::string& task, unsigned attempt) {
      if (attempt == 1 && !staged.arrive_and_wait())
        fail(task + ": a writer never reached the ref");
    });

  std::vector<std::thread> threads;
  for (int w = 0; w < instances; ++w) {
    threads.emplace_back([&, w] {
      task_repository& repo = *repos[static_cast<std::size_t>(w)];
      const std::string text = "w" + std::to_string(w);
      for (int round = 0; round < rounds; ++round) {
        const std::string task = "first-" + std::to_string(round);
        auto r = repo.create_version(task, {task_file::with_content("f", text)}, text);
        if (!r)
          fail(task + " " + text + ": " + recodex::to_string(r.error()));
      }
    });
  }
  for (auto& thread : threads)
    thread.join();
  CHECK(failures.empty());

  REQUIRE(value_of(repos[1]->list_tasks()).size() == rounds);
  std::vector<std::string> damaged;
  for (int round = 0; round < rounds; ++round) {
    const std::string task = "first-" + std::to_string(round);
    const auto versions = value_of(repos[round % instances]->list_versions(task));
    std::set<std::string> writers;
    bool intact = versions.size() == instances;
    for (std::size_t i = 0; i < versions.size(); ++i) {
      writers.insert(versions[i].message);
      intact = intact && versions[i].number == i + 1 && versions[i].files.size() == 1 &&
               versions[i].files[0].sha1 == sha1_hex(versions[i].message);
    }
    if (!intact || writers.size() != instances)
      damaged.push_back(task + " has " + std::to_string(versions.size()) + " versions");
  }
  CHECK(damaged == std::vector<std::string>{});
}

TEST_CASE("a write that loses the race for the ref retries on top of the winner",
          "[storage][tasks][concurrency]") {
  fixture f;
  const auto other = f.open_another();
  value_of(f.repo->create_version("race", {task_file::with_content("a", "base")}, "base"));
  std::vector<unsigned> attempts;
  f.repo->set_before_ref_update_hook([&](const std::string& task, unsigned attempt) {
    attempts.push_back(attempt);
    // The other "process" commits between our read of the ref and our update of it.
    if (attempt == 1)
      value_of(other->create_version(task, {task_file::with_content("a", "theirs")}, "theirs"));
  });
  const auto ours =
      value_of(f.repo->create_version("race", {task_file::with_content("a", "ours")}, "ours"));
  CHECK(attempts == std::vector<unsigned>{1, 2});
  CHECK(ours.number == 3);
  const auto versions = value_of(other->list_versions("race"));
  REQUIRE(versions.size() == 3);
  CHECK(versions[1].message == "theirs");
  CHECK(versions[2].message == "ours");
  CHECK(versions[2].commit == ours.commit);
  CHECK(versions[2].files[0].sha1 == sha1_hex("ours"));
}

TEST_CASE("a write that always loses the race gives up with conflict and changes nothing",
          "[storage][tasks][concurrency]") {
  fixture f;
  const auto other = f.open_another();
  unsigned calls = 0;
  f.repo->set_before_ref_update_hook([&](const std::string& task, unsigned) {
    ++calls;
    value_of(other->create_version(task, {}, "the other process wins"));
  });
  // The first version, too, is a race: the other process creates the ref first.
  const auto r = f.repo->create_version("contested", {}, "never lands");
  CHECK(error_of(r) == errc::conflict);
  CHECK(calls == task_repository::max_write_attempts);
  const auto versions = value_of(other->list_versions("contested"));
  CHECK(versions.size() == task_repository::max_write_attempts);
  for (const auto& v : versions)
    CHECK(v.message == "the other process wins");
}

TEST_CASE("a writer killed after writing its objects but before moving the ref leaves the "
          "previous version intact",
          "[storage][tasks][crash]") {
  fixture f;
  const auto v1 =
      value_of(f.repo->create_version("crash", {task_file::with_content("a", "v1")}, "v1"));
  const std::size_t objects_before = count_git_objects(f.git_dir());

  const pid_t child = fork();
  REQUIRE(child >= 0);
  if (child == 0) {
    // The child is a separate writer process; it dies at the worst moment for the ref.
    auto repo = task_repository::open(f.git_dir(), *f.blobs);
    if (!repo)
      _exit(2);
    repo.value()->set_before_ref_update_hook(
        [](const std::string&, unsigned) { std::raise(SIGKILL); });
    (void)repo.value()->create_version("crash", {task_file::with_content("a", "v2 lost")}, "v2");
    _exit(3); // not reached when the hook ran
  }
  int status = 0;
  REQUIRE(waitpid(child, &status, 0) == child);
  REQUIRE(WIFSIGNALED(status));
  CHECK(WTERMSIG(status) == SIGKILL);
  // The child did get as far as writing a manifest, a tree and a commit.
  CHECK(count_git_objects(f.git_dir()) >= objects_before + 3);

  const auto reopened = f.open_another();
  for (const task_repository* repo : {f.repo.get(), reopened.get()}) {
    const auto newest = value_of(repo->version("crash"));
    CHECK(newest.number == 1);
    CHECK(newest.commit == v1.commit);
    CHECK(newest.files == v1.files);
  }
  const auto v2 =
      value_of(f.repo->create_version("crash", {task_file::with_content("a", "v2")}, "v2"));
  CHECK(v2.number == 2);
  CHECK(value_of(f.repo->resolve("crash", 2, "a")).sha1 == sha1_hex("v2"));
  CHECK(value_of(f.repo->list_versions("crash")).size() == 2);
}

TEST_CASE("reopening the repository sees every task and version", "[storage][tasks]") {
  fixture f;
  value_of(f.repo->create_version("one", {task_file::with_content("x", "1")}, "a"));
  value_of(f.repo->create_version("one", {task_file::with_content("x", "2")}, "b"));
  value_of(f.repo->revert("one", 1, "back"));
  value_of(f.repo->create_version("two", {task_file::with_content("y", "y")}, "c"));
  const auto versions_before = value_of(f.repo->list_versions("one"));
  f.repo.reset();

  f.repo = f.open_another();
  const auto tasks = value_of(f.repo->list_tasks());
  REQUIRE(tasks.size() == 2);
  CHECK(tasks[0].task_id == "one");
  CHECK(tasks[0].newest_version == 3);
  CHECK(tasks[1].task_id == "two");
  CHECK(tasks[1].newest_version == 1);
  const auto versions_after = value_of(f.repo->list_versions("one"));
  REQUIRE(versions_after.size() == versions_before.size());
  for (std::size_t i = 0; i < versions_after.size(); ++i) {
    CHECK(versions_after[i].number == versions_before[i].number);
    CHECK(versions_after[i].commit == versions_before[i].commit);
    CHECK(versions_after[i].message == versions_before[i].message);
    CHECK(versions_after[i].time == versions_before[i].time);
    CHECK(versions_after[i].files == versions_before[i].files);
  }
  CHECK(value_of(f.repo->create_version("one", {}, "d")).number == 4);
}

TEST_CASE("opening creates the bare repository, and a path that cannot hold one is io_error",
          "[storage][tasks]") {
  fixture f;
  CHECK(fs::is_regular_file(f.git_dir() / "HEAD"));
  CHECK(fs::is_directory(f.git_dir() / "objects"));
  CHECK_FALSE(fs::exists(f.git_dir() / ".git"));
  const fs::path blocker = f.dir.path / "a-file";
  { std::ofstream{blocker} << "not a directory"; }
  CHECK(error_of(task_repository::open(blocker / "tasks.git", *f.blobs)) == errc::io_error);
}
