// atomic_file_writer: complete or absent, never partial; limits, moves, errors and a crash.
#include "crash.hpp"
#include "storage/atomic_file.hpp"
#include "temp_directory.hpp"

#include <algorithm>
#include <catch2/catch.hpp>
#include <string>
#include <sys/stat.h>
#include <vector>

using namespace recodex::storage;
using recodex::errc;
namespace fs = std::filesystem;

namespace {

// Names in `dir` that look like our temporaries for `name`.
std::vector<std::string> temporaries_for(const fs::path& dir, const std::string& name) {
  std::vector<std::string> found;
  for (const auto& entry : fs::directory_iterator{dir}) {
    auto file = entry.path().filename().string();
    if (file.rfind("." + name + ".tmp-", 0) == 0)
      found.push_back(file);
  }
  return found;
}

} // namespace

TEST_CASE("a committed file holds everything written and no temporary remains",
          "[storage][atomic_file]") {
  testing::temp_directory dir;
  auto writer = atomic_file_writer::create(dir / "out.zip");
  REQUIRE(writer);
  REQUIRE(writer.value().write("hello, "));
  REQUIRE(writer.value().write(std::string(100000, 'z')));
  CHECK(writer.value().size() == 7 + 100000);
  auto committed = writer.value().commit();
  REQUIRE(committed);
  CHECK(committed.value() == dir / "out.zip");
  CHECK(testing::read_whole_file(dir / "out.zip") == "hello, " + std::string(100000, 'z'));
  CHECK(temporaries_for(dir.path(), "out.zip").empty());
}

TEST_CASE("the target does not appear before commit; the temporary sits beside it",
          "[storage][atomic_file]") {
  testing::temp_directory dir;
  auto writer = atomic_file_writer::create(dir / "result.zip");
  REQUIRE(writer);
  REQUIRE(writer.value().write("partial"));
  CHECK_FALSE(fs::exists(dir / "result.zip"));
  auto temps = temporaries_for(dir.path(), "result.zip");
  REQUIRE(temps.size() == 1);
  CHECK(temps.front().size() == std::string{".result.zip.tmp-XXXXXX"}.size());
  REQUIRE(writer.value().commit());
  CHECK(fs::exists(dir / "result.zip"));
}

TEST_CASE("commit replaces an existing file as a whole", "[storage][atomic_file]") {
  testing::temp_directory dir;
  testing::write_whole_file(dir / "f", "old content, rather long");
  auto writer = atomic_file_writer::create(dir / "f");
  REQUIRE(writer);
  REQUIRE(writer.value().write("new"));
  CHECK(testing::read_whole_file(dir / "f") == "old content, rather long");
  REQUIRE(writer.value().commit());
  CHECK(testing::read_whole_file(dir / "f") == "new");
}

TEST_CASE("an unsynced commit (worker working files) still replaces the target whole and leaves no "
          "temporary",
          "[storage][atomic_file]") {
  testing::temp_directory dir;
  testing::write_whole_file(dir / "result.yml", "old");
  auto writer = atomic_file_writer::create(dir / "result.yml");
  REQUIRE(writer);
  REQUIRE(writer.value().write("new results"));
  auto committed = writer.value().commit(durability::unsynced);
  REQUIRE(committed);
  CHECK(testing::read_whole_file(dir / "result.yml") == "new results");
  CHECK(temporaries_for(dir.path(), "result.yml").empty());
  REQUIRE(write_file_atomically(dir / "log", "line\n", durability::unsynced));
  CHECK(testing::read_whole_file(dir / "log") == "line\n");
  CHECK(temporaries_for(dir.path(), "log").empty());
}

TEST_CASE("an uncommitted writer removes its temporary and leaves the old file",
          "[storage][atomic_file]") {
  testing::temp_directory dir;
  testing::write_whole_file(dir / "f", "old");
  {
    auto writer = atomic_file_writer::create(dir / "f");
    REQUIRE(writer);
    REQUIRE(writer.value().write("new"));
    CHECK(temporaries_for(dir.path(), "f").size() == 1);
  }
  CHECK(temporaries_for(dir.path(), "f").empty());
  CHECK(testing::read_whole_file(dir / "f") == "old");
}

TEST_CASE("missing parent directories are created", "[storage][atomic_file]") {
  testing::temp_directory dir;
  REQUIRE(write_file_atomically(dir / "a" / "b" / "c.txt", "deep"));
  CHECK(testing::read_whole_file(dir / "a" / "b" / "c.txt") == "deep");
}

TEST_CASE("an empty file can be committed", "[storage][atomic_file]") {
  testing::temp_directory dir;
  auto writer = atomic_file_writer::create(dir / "empty");
  REQUIRE(writer);
  REQUIRE(writer.value().commit());
  CHECK(fs::exists(dir / "empty"));
  CHECK(fs::file_size(dir / "empty") == 0);
}

TEST_CASE("committed files are readable by everyone (0644)", "[storage][atomic_file]") {
  testing::temp_directory dir;
  REQUIRE(write_file_atomically(dir / "f", "x"));
  struct stat st {};
  REQUIRE(::stat((dir / "f").c_str(), &st) == 0);
  CHECK((st.st_mode & 0777) == 0644);
}

TEST_CASE("writing past max_size fails with too_large and discards the file",
          "[storage][atomic_file]") {
  testing::temp_directory dir;
  auto writer = atomic_file_writer::create(dir / "f", 10);
  REQUIRE(writer);
  REQUIRE(writer.value().write("12345"));
  REQUIRE(writer.value().write("67890")); // exactly at the limit is fine
  auto over = writer.value().write("1");
  REQUIRE_FALSE(over);
  CHECK(over.error().code == errc::too_large);
  CHECK(over.error().message.find("10 bytes") != std::string::npos);
  CHECK(temporaries_for(dir.path(), "f").empty());

  // The writer is spent: later calls fail without touching the target.
  CHECK_FALSE(writer.value().write("x"));
  auto commit = writer.value().commit();
  REQUIRE_FALSE(commit);
  CHECK(commit.error().code == errc::internal);
  CHECK_FALSE(fs::exists(dir / "f"));
}

TEST_CASE("a single write larger than the limit is refused whole", "[storage][atomic_file]") {
  testing::temp_directory dir;
  auto writer = atomic_file_writer::create(dir / "f", 3);
  REQUIRE(writer);
  auto over = writer.value().write("four");
  REQUIRE_FALSE(over);
  CHECK(over.error().code == errc::too_large);
  CHECK_FALSE(fs::exists(dir / "f"));
}

TEST_CASE("a target without a file name is invalid_argument", "[storage][atomic_file]") {
  testing::temp_directory dir;
  auto writer = atomic_file_writer::create(dir.path() / "");
  REQUIRE_FALSE(writer);
  CHECK(writer.error().code == errc::invalid_argument);
}

TEST_CASE("a parent that is a regular file is an io_error naming the directory",
          "[storage][atomic_file]") {
  testing::temp_directory dir;
  testing::write_whole_file(dir / "plain", "not a directory");
  auto writer = atomic_file_writer::create(dir / "plain" / "sub" / "f");
  REQUIRE_FALSE(writer);
  CHECK(writer.error().code == errc::io_error);
  CHECK(writer.error().message.find((dir / "plain").string()) != std::string::npos);
}

TEST_CASE("a moved writer commits once and the moved-from one does nothing",
          "[storage][atomic_file]") {
  testing::temp_directory dir;
  auto created = atomic_file_writer::create(dir / "f");
  REQUIRE(created);
  atomic_file_writer first = std::move(created.value());
  REQUIRE(first.write("abc"));
  atomic_file_writer second = std::move(first);
  CHECK_FALSE(first.write("lost")); // NOLINT: checking the moved-from state on purpose
  REQUIRE(second.write("def"));

  auto other = atomic_file_writer::create(dir / "g");
  REQUIRE(other);
  second = std::move(other.value()); // drops the writer of f and its temporary
  CHECK(temporaries_for(dir.path(), "f").empty());
  REQUIRE(second.write("g content"));
  REQUIRE(second.commit());
  CHECK_FALSE(fs::exists(dir / "f"));
  CHECK(testing::read_whole_file(dir / "g") == "g content");
}

TEST_CASE("write_file_atomically replaces content in one step", "[storage][atomic_file]") {
  testing::temp_directory dir;
  REQUIRE(write_file_atomically(dir / "f", "one"));
  REQUIRE(write_file_atomically(dir / "f", "two"));
  CHECK(testing::read_whole_file(dir / "f") == "two");
  CHECK(testing::count_files(dir.path()) == 1);
}

TEST_CASE("write_fully reports the file and errno on a bad descriptor", "[storage][atomic_file]") {
  auto written = write_fully(-1, "x", 1, "/some/file");
  REQUIRE_FALSE(written);
  CHECK(written.error().code == errc::io_error);
  CHECK(written.error().message == "cannot write /some/file: Bad file descriptor");
  auto synced = fsync_directory("/definitely/not/here");
  REQUIRE_FALSE(synced);
  CHECK(synced.error().message.find("/definitely/not/here") != std::string::npos);
}

TEST_CASE("a writer killed before commit leaves the old target untouched",
          "[storage][atomic_file]") {
  testing::temp_directory dir;
  testing::write_whole_file(dir / "result.zip", "previous result");
  auto outcome = testing::crash_after([&] {
    auto writer = atomic_file_writer::create(dir / "result.zip");
    if (!writer || !writer.value().write(std::string(50000, 'n')))
      return false;
    // Leak the writer on purpose: the process dies with the temporary open.
    new atomic_file_writer{std::move(writer.value())};
    return true;
  });
  REQUIRE(outcome.reached);
  REQUIRE(outcome.killed);
  CHECK(testing::read_whole_file(dir / "result.zip") == "previous result");
  // The half-written temporary stays (no one could remove it) but under a hidden name.
  auto temps = temporaries_for(dir.path(), "result.zip");
  REQUIRE(temps.size() == 1);
  CHECK(fs::file_size(dir / temps.front()) == 50000);
}

TEST_CASE("date_to_creation dates the committed file to when its writer was created, not to its "
          "last write",
          "[storage][atomic_file]") {
  testing::temp_directory dir;
  auto before = fs::file_time_type::clock::now();
  auto writer = atomic_file_writer::create(dir / "archive.zip");
  REQUIRE(writer);
  REQUIRE(writer.value().write("built from inputs read at creation"));
  // Stands for a long build: the temporary's last write lies far after its creation.
  auto temps = temporaries_for(dir.path(), "archive.zip");
  REQUIRE(temps.size() == 1);
  fs::last_write_time(dir / temps.front(), before + std::chrono::hours{24});

  REQUIRE(writer.value().date_to_creation());
  REQUIRE(writer.value().commit());
  auto dated = fs::last_write_time(dir / "archive.zip");
  CHECK(dated < before + std::chrono::hours{1});
  CHECK(dated > before - std::chrono::hours{1});
}

// -- batches (commit_all) and the directories a commit syncs --

namespace {

atomic_file_writer writer_with(const fs::path& target, const std::string& content) {
  auto writer = atomic_file_writer::create(target);
  REQUIRE(writer);
  REQUIRE(writer.value().write(content));
  return std::move(writer.value());
}

// Our temporaries anywhere below `dir`.
std::size_t count_temporaries(const fs::path& dir) {
  std::size_t count = 0;
  for (const auto& entry : fs::recursive_directory_iterator{dir})
    if (entry.path().filename().string().find(".tmp-") != std::string::npos)
      ++count;
  return count;
}

std::vector<fs::path> sorted(std::vector<fs::path> paths) {
  std::sort(paths.begin(), paths.end());
  paths.erase(std::unique(paths.begin(), paths.end()), paths.end());
  return paths;
}

} // namespace

TEST_CASE("commit_all puts several files in one directory and in new nested directories in place",
          "[storage][atomic_file]") {
  testing::temp_directory dir;
  std::vector<atomic_file_writer> writers;
  writers.push_back(writer_with(dir / "sub" / "job-config.yml", "config"));
  writers.push_back(writer_with(dir / "sub" / "sum.c", "int main() {}"));
  writers.push_back(writer_with(dir / "sub" / "src" / "deep" / "util.h", "#pragma once"));
  CHECK_FALSE(fs::exists(dir / "sub" / "sum.c"));

  REQUIRE(commit_all(writers));
  CHECK(testing::read_whole_file(dir / "sub" / "job-config.yml") == "config");
  CHECK(testing::read_whole_file(dir / "sub" / "sum.c") == "int main() {}");
  CHECK(testing::read_whole_file(dir / "sub" / "src" / "deep" / "util.h") == "#pragma once");
  CHECK(testing::count_files(dir.path()) == 3);
  CHECK_FALSE(writers.front().write("spent")); // every writer is spent afterwards
}

TEST_CASE("a commit syncs the target's directory and the parent of every directory made for it",
          "[storage][atomic_file]") {
  testing::temp_directory dir;
  fs::create_directories(dir / "old");
  SECTION("an existing directory: only itself") {
    auto writer = writer_with(dir / "old" / "f", "x");
    CHECK(writer.directories_to_sync() == std::vector<fs::path>{dir / "old"});
  }
  SECTION("new nested directories: each one's parent too") {
    auto writer = writer_with(dir / "old" / "a" / "b" / "f", "x");
    CHECK(sorted(writer.directories_to_sync()) ==
          std::vector<fs::path>{dir / "old", dir / "old" / "a", dir / "old" / "a" / "b"});
  }
  SECTION("directories made before create() and handed over") {
    auto made = make_missing_directories(dir / "new" / "place");
    REQUIRE(made);
    CHECK(made.value() == std::vector<fs::path>{dir / "new", dir / "new" / "place"});
    auto writer = writer_with(dir / "new" / "place" / "f", "x");
    CHECK(writer.directories_to_sync() == std::vector<fs::path>{dir / "new" / "place"});
    writer.add_new_directories(made.value());
    CHECK(sorted(writer.directories_to_sync()) ==
          std::vector<fs::path>{dir.path(), dir / "new", dir / "new" / "place"});
  }
}

TEST_CASE("make_missing_directories makes nothing for an existing directory",
          "[storage][atomic_file]") {
  testing::temp_directory dir;
  auto made = make_missing_directories(dir.path());
  REQUIRE(made);
  CHECK(made.value().empty());
  REQUIRE(fsync_directories({dir.path(), dir.path()}));
}

TEST_CASE("commit_all failing before any rename leaves every target as it was and no temporary",
          "[storage][atomic_file]") {
  testing::temp_directory dir;
  testing::write_whole_file(dir / "a", "old a");
  std::vector<atomic_file_writer> writers;
  writers.push_back(writer_with(dir / "a", "new a"));
  writers.push_back(writer_with(dir / "b", "b"));
  REQUIRE(writers.back().commit()); // a spent writer: its flush fails
  testing::write_whole_file(dir / "b", "old b");
  writers.push_back(writer_with(dir / "c", "new c"));

  auto committed = commit_all(writers);
  REQUIRE_FALSE(committed);
  CHECK(committed.error().code == errc::internal);
  CHECK(testing::read_whole_file(dir / "a") == "old a");
  CHECK(testing::read_whole_file(dir / "b") == "old b");
  CHECK_FALSE(fs::exists(dir / "c"));
  CHECK(count_temporaries(dir.path()) == 0);
}

TEST_CASE("commit_all failing at a rename leaves earlier targets whole, later ones untouched and "
          "no temporary",
          "[storage][atomic_file]") {
  testing::temp_directory dir;
  testing::write_whole_file(dir / "blocked" / "inside", "a directory cannot be replaced by a file");
  testing::write_whole_file(dir / "c", "old c");
  std::vector<atomic_file_writer> writers;
  writers.push_back(writer_with(dir / "a", "new a"));
  writers.push_back(writer_with(dir / "blocked", "never"));
  writers.push_back(writer_with(dir / "c", "new c"));

  auto committed = commit_all(writers);
  REQUIRE_FALSE(committed);
  CHECK(committed.error().code == errc::io_error);
  CHECK(committed.error().message.find((dir / "blocked").string()) != std::string::npos);
  CHECK(testing::read_whole_file(dir / "a") == "new a");
  CHECK(fs::is_directory(dir / "blocked"));
  CHECK(testing::read_whole_file(dir / "c") == "old c");
  CHECK(count_temporaries(dir.path()) == 0);
}

TEST_CASE("commit_all of no writers succeeds", "[storage][atomic_file]") {
  std::vector<atomic_file_writer> none;
  CHECK(commit_all(none));
}
