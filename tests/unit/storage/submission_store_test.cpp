// The submission store: both layouts, lookups, validation, archives read back with libarchive,
// archive caching and invalidation, uploaded archives and results.
#include "storage/submission_store.hpp"
#include "temp_directory.hpp"

#include <algorithm>
#include <archive.h>
#include <archive_entry.h>
#include <atomic>
#include <catch2/catch.hpp>
#include <map>
#include <string>
#include <sys/stat.h>
#include <thread>
#include <vector>

using namespace recodex::storage;
using recodex::errc;
namespace fs = std::filesystem;

namespace {

submission_store open_store(const testing::temp_directory& dir,
                            std::uint64_t limit = atomic_file_writer::unlimited) {
  auto store = submission_store::open(dir.path(), limit);
  REQUIRE(store);
  return std::move(store.value());
}

struct zip_entry {
  std::string content;
  bool regular = false;
  int perm = 0;
};

// Every entry of a zip by name, read back with libarchive; an unreadable archive fails the test.
std::map<std::string, zip_entry> read_zip(const fs::path& zip) {
  std::map<std::string, zip_entry> entries;
  archive* reader = archive_read_new();
  archive_read_support_format_zip(reader);
  REQUIRE(archive_read_open_filename(reader, zip.c_str(), 16384) == ARCHIVE_OK);
  archive_entry* entry = nullptr;
  int status = ARCHIVE_OK;
  while ((status = archive_read_next_header(reader, &entry)) == ARCHIVE_OK) {
    zip_entry e;
    e.regular = archive_entry_filetype(entry) == AE_IFREG;
    e.perm = static_cast<int>(archive_entry_perm(entry));
    char buffer[4096];
    la_ssize_t got = 0;
    while ((got = archive_read_data(reader, buffer, sizeof buffer)) > 0)
      e.content.append(buffer, static_cast<std::size_t>(got));
    REQUIRE(got == 0);
    const char* name = archive_entry_pathname_utf8(entry);
    entries[name != nullptr ? name : archive_entry_pathname(entry)] = e;
  }
  CHECK(status == ARCHIVE_EOF);
  archive_read_free(reader);
  return entries;
}

// Moves every mtime in a tree an hour back, so "newer than" comparisons do not depend on the
// file system's timestamp granularity.
void backdate(const fs::path& root) {
  auto past = fs::file_time_type::clock::now() - std::chrono::hours{1};
  for (const auto& entry : fs::recursive_directory_iterator{root})
    fs::last_write_time(entry.path(), past);
  fs::last_write_time(root, past);
}

ino_t inode_of(const fs::path& file) {
  struct stat st {};
  REQUIRE(::stat(file.c_str(), &st) == 0);
  return st.st_ino;
}

} // namespace

TEST_CASE("opening a data directory creates the submission layout", "[storage][submissions]") {
  testing::temp_directory dir;
  auto store = open_store(dir);
  for (const char* part : {"submits", "submit_archives", "results", "temp"})
    CHECK(fs::is_directory(dir / part));
  CHECK(store.data_dir() == dir.path());
  CHECK(store.temp_dir() == dir / "temp");
}

TEST_CASE("a submission without an owner lives in submits/@unowned/<id>/ and is found by id",
          "[storage][submissions]") {
  testing::temp_directory dir;
  auto store = open_store(dir);
  REQUIRE(store.put_submission_file("sub-1", "job-config.yml", "config"));
  REQUIRE(store.put_submission_file("sub-1", "src/main.c", "int main() {}"));
  const auto place = dir / "submits" / "@unowned" / "sub-1";
  CHECK(testing::read_whole_file(place / "job-config.yml") == "config");
  CHECK(testing::read_whole_file(place / "src" / "main.c") == "int main() {}");
  auto found = store.submission_dir("sub-1");
  REQUIRE(found);
  CHECK(found.value() == place);
  // Its directory is its record: no index entry is written for it.
  CHECK_FALSE(fs::exists(dir / "submits" / "@index" / "sub-1"));
}

TEST_CASE("an unowned submission of an older store (indexed at submits/<id>/) stays where it is",
          "[storage][submissions]") {
  testing::temp_directory dir;
  auto store = open_store(dir);
  testing::write_whole_file(dir / "submits" / "old-1" / "a.txt", "a");
  testing::write_whole_file(dir / "submits" / "@index" / "old-1", "old-1\n");
  REQUIRE(store.put_submission_file("old-1", "b.txt", "b"));
  CHECK(testing::read_whole_file(dir / "submits" / "old-1" / "b.txt") == "b");
  CHECK(store.submission_dir("old-1").value() == dir / "submits" / "old-1");
  CHECK(read_zip(store.archive("old-1").value()).size() == 2);
  CHECK_FALSE(fs::exists(dir / "submits" / "@unowned" / "old-1"));
  // Its directory is where a user "old-1" would live: such a user is refused, as before.
  auto user = store.put_submission_file("s9", "f", "x", submission_owner{"old-1", "c"});
  REQUIRE_FALSE(user);
  CHECK(user.error().code == errc::conflict);
}

TEST_CASE("an owned submission lives in submits/<user>/<course>/<id>/ and is found by id alone",
          "[storage][submissions]") {
  testing::temp_directory dir;
  auto store = open_store(dir);
  submission_owner owner{"user_7", "course.algo"};
  REQUIRE(store.put_submission_file("42", "job-config.yml", "cfg", owner));
  CHECK(testing::read_whole_file(dir / "submits" / "user_7" / "course.algo" / "42" /
                                 "job-config.yml") == "cfg");
  CHECK_FALSE(fs::exists(dir / "submits" / "42"));
  auto found = store.submission_dir("42");
  REQUIRE(found);
  CHECK(found.value() == dir / "submits" / "user_7" / "course.algo" / "42");

  // Later files without an owner join the submission where it is.
  REQUIRE(store.put_submission_file("42", "extra.txt", "more"));
  CHECK(fs::exists(found.value() / "extra.txt"));
  auto archive = store.archive("42");
  REQUIRE(archive);
  auto entries = read_zip(archive.value());
  CHECK(entries.size() == 2);
  CHECK(entries.count("extra.txt") == 1);
}

TEST_CASE("a submission cannot change owner", "[storage][submissions]") {
  testing::temp_directory dir;
  auto store = open_store(dir);
  REQUIRE(store.put_submission_file("42", "a", "1", submission_owner{"u1", "c1"}));
  auto moved = store.put_submission_file("42", "b", "2", submission_owner{"u2", "c1"});
  REQUIRE_FALSE(moved);
  CHECK(moved.error().code == errc::conflict);
  CHECK(moved.error().message.find("u1/c1/42") != std::string::npos);
  CHECK_FALSE(fs::exists(dir / "submits" / "u2"));

  REQUIRE(store.put_submission_file("43", "a", "1"));
  auto owned_later = store.put_submission_file("43", "b", "2", submission_owner{"u1", "c1"});
  REQUIRE_FALSE(owned_later);
  CHECK(owned_later.error().code == errc::conflict);
}

TEST_CASE("an unowned submission and a user never share a directory", "[storage][submissions]") {
  testing::temp_directory dir;
  auto store = open_store(dir);
  // A user "alice" exists; a submission named "alice" without an owner lives apart from her.
  REQUIRE(store.put_submission_file("s1", "f", "x", submission_owner{"alice", "c"}));
  REQUIRE(store.put_submission_file("alice", "f", "y"));
  CHECK(store.submission_dir("alice").value() == dir / "submits" / "@unowned" / "alice");
  CHECK(testing::read_whole_file(dir / "submits" / "alice" / "c" / "s1" / "f") == "x");

  // And the other way round.
  REQUIRE(store.put_submission_file("bob", "f", "x"));
  REQUIRE(store.put_submission_file("s2", "f", "y", submission_owner{"bob", "c"}));
  CHECK(testing::read_whole_file(dir / "submits" / "@unowned" / "bob" / "f") == "x");
  CHECK(testing::read_whole_file(dir / "submits" / "bob" / "c" / "s2" / "f") == "y");
}

TEST_CASE("one id is never both an unowned and an owned submission", "[storage][submissions]") {
  testing::temp_directory dir;
  auto store = open_store(dir);
  REQUIRE(store.put_submission_file("x1", "f", "unowned"));
  auto owned = store.put_submission_file("x1", "g", "owned", submission_owner{"u", "c"});
  REQUIRE_FALSE(owned);
  CHECK(owned.error().code == errc::conflict);
  CHECK_FALSE(fs::exists(dir / "submits" / "u"));

  // An owned one takes later unowned writes in (as a submission keeps its place).
  REQUIRE(store.put_submission_file("x2", "f", "owned", submission_owner{"u", "c"}));
  REQUIRE(store.put_submission_file("x2", "g", "unowned later"));
  CHECK(fs::exists(dir / "submits" / "u" / "c" / "x2" / "g"));
  CHECK_FALSE(fs::exists(dir / "submits" / "@unowned" / "x2"));
}

TEST_CASE("traversal and malformed file paths are rejected and nothing is written",
          "[storage][submissions]") {
  testing::temp_directory dir;
  auto store = open_store(dir);
  auto bad = GENERATE(as<std::string>{}, "", "../x", "../../etc/passwd", "/abs", "/", "a//b",
                      "a/./b", "./a", "a/..", "a/../../b", "..", ".", "a/", "a\\b", "..\\x",
                      "C:\\x", std::string("a\0b", 3), ".job-config.yml.tmp-abc123",
                      "src/.main.c.tmp-XyZ123/x", std::string(1025, 'a'));
  CAPTURE(bad);
  auto written = store.put_submission_file("sub", bad, "evil");
  REQUIRE_FALSE(written);
  CHECK(written.error().code == errc::invalid_argument);
  CHECK(testing::count_files(dir.path()) == 0);
  CHECK(store.submission_dir("sub").error().code == errc::not_found);
}

TEST_CASE("malformed submission ids and owners are rejected", "[storage][submissions]") {
  testing::temp_directory dir;
  auto store = open_store(dir);
  auto bad = GENERATE(as<std::string>{}, "", ".", "..", "../x", "a/b", "/abs", "a b", "a\\b",
                      "@index", std::string(129, 'x'));
  CAPTURE(bad);
  CHECK(store.put_submission_file(bad, "f", "x").error().code == errc::invalid_argument);
  CHECK(store.put_submission_file("s", "f", "x", submission_owner{bad, "c"}).error().code ==
        errc::invalid_argument);
  CHECK(store.put_submission_file("s", "f", "x", submission_owner{"u", bad}).error().code ==
        errc::invalid_argument);
  CHECK(store.submission_dir(bad).error().code == errc::invalid_argument);
  CHECK(store.archive(bad).error().code == errc::invalid_argument);
  CHECK(store.begin_archive(bad).error().code == errc::invalid_argument);
  CHECK(store.begin_result(bad).error().code == errc::invalid_argument);
  CHECK(store.result_file(bad).error().code == errc::invalid_argument);
  CHECK(testing::count_files(dir.path()) == 0);
}

TEST_CASE("a submission file over the size limit is too_large and not stored",
          "[storage][submissions]") {
  testing::temp_directory dir;
  auto store = open_store(dir, 8);
  REQUIRE(store.put_submission_file("s", "ok", "12345678"));
  auto over = store.put_submission_file("s", "big", "123456789");
  REQUIRE_FALSE(over);
  CHECK(over.error().code == errc::too_large);
  CHECK_FALSE(fs::exists(dir / "submits" / "s" / "big"));
}

TEST_CASE("the archive holds the files at its root with their contents", "[storage][submissions]") {
  testing::temp_directory dir;
  auto store = open_store(dir);
  std::map<std::string, std::string> files{
      {"job-config.yml", "submission-id: s1\n"},   {"main.c", "int main(void) { return 0; }\n"},
      {"lib/util/helpers.h", "#pragma once\n"},    {"empty.txt", ""},
      {"p\xc5\x99\xc3\xadklad.txt", "UTF-8 name"}, {"big.bin", std::string(300000, '\x7f')},
  };
  for (const auto& [name, content] : files)
    REQUIRE(store.put_submission_file("s1", name, content, submission_owner{"u", "c"}));

  auto archive = store.archive("s1");
  REQUIRE(archive);
  CHECK(archive.value() == dir / "submit_archives" / "s1.zip");
  auto entries = read_zip(archive.value());
  CHECK(entries.size() == files.size());
  for (const auto& [name, content] : files) {
    CAPTURE(name);
    REQUIRE(entries.count(name) == 1);
    CHECK(entries[name].regular);
    CHECK(entries[name].perm == 0644);
    CHECK(entries[name].content == content);
  }
}

TEST_CASE("an upload in progress is not part of the archive", "[storage][submissions]") {
  testing::temp_directory dir;
  auto store = open_store(dir);
  REQUIRE(store.put_submission_file("s", "job-config.yml", "cfg"));
  auto writer = store.begin_submission_file("s", "late.txt");
  REQUIRE(writer);
  REQUIRE(writer.value().write("half"));
  auto archive = store.archive("s");
  REQUIRE(archive);
  auto entries = read_zip(archive.value());
  CHECK(entries.size() == 1);
  CHECK(entries.count("job-config.yml") == 1);

  // Committed after the archive was built: the next request sees it.
  REQUIRE(writer.value().commit());
  auto rebuilt = store.archive("s");
  REQUIRE(rebuilt);
  CHECK(read_zip(rebuilt.value()).count("late.txt") == 1);
}

TEST_CASE("the archive is cached until a submission file is written", "[storage][submissions]") {
  testing::temp_directory dir;
  auto store = open_store(dir);
  REQUIRE(store.put_submission_file("s", "a.txt", "a"));
  backdate(dir / "submits");
  auto first = store.archive("s");
  REQUIRE(first);
  auto inode = inode_of(first.value());
  auto second = store.archive("s");
  REQUIRE(second);
  CHECK(inode_of(second.value()) == inode); // served from the cache, not rebuilt

  auto writer = store.begin_submission_file("s", "b.txt");
  REQUIRE(writer);
  CHECK_FALSE(fs::exists(first.value())); // invalidated as soon as a write starts
  REQUIRE(writer.value().write("b"));
  REQUIRE(writer.value().commit());
  auto third = store.archive("s");
  REQUIRE(third);
  auto entries = read_zip(third.value());
  CHECK(entries.size() == 2);
  CHECK(entries["b.txt"].content == "b");
}

TEST_CASE("an archive older than the submission's files is rebuilt", "[storage][submissions]") {
  testing::temp_directory dir;
  auto store = open_store(dir);
  REQUIRE(store.put_submission_file("s", "a.txt", "a"));
  auto first = store.archive("s");
  REQUIRE(first);
  // A stale archive, e.g. left by a build that raced with a write.
  fs::last_write_time(first.value(), fs::file_time_type::clock::now() - std::chrono::hours{2});
  testing::write_whole_file(dir / "submits" / "@unowned" / "s" / "b.txt", "b");
  auto rebuilt = store.archive("s");
  REQUIRE(rebuilt);
  CHECK(read_zip(rebuilt.value()).size() == 2);
}

TEST_CASE("an archive uploaded with begin_archive is served as is", "[storage][submissions]") {
  testing::temp_directory dir;
  auto store = open_store(dir);
  auto writer = store.begin_archive("uploaded");
  REQUIRE(writer);
  REQUIRE(writer.value().write("PK not really a zip"));
  CHECK(store.archive("uploaded").error().code == errc::not_found); // not committed yet
  REQUIRE(writer.value().commit());
  auto archive = store.archive("uploaded");
  REQUIRE(archive);
  CHECK(testing::read_whole_file(archive.value()) == "PK not really a zip");
}

TEST_CASE("the archive of an unknown submission is not_found", "[storage][submissions]") {
  testing::temp_directory dir;
  auto store = open_store(dir);
  auto archive = store.archive("nobody");
  REQUIRE_FALSE(archive);
  CHECK(archive.error().code == errc::not_found);
  CHECK(archive.error().message.find("nobody") != std::string::npos);
}

TEST_CASE("concurrent first writers of one submission agree on its place",
          "[storage][submissions]") {
  testing::temp_directory dir;
  auto store = open_store(dir);
  constexpr int writers = 8;
  std::atomic<int> failed{0};
  std::vector<std::thread> threads;
  for (int i = 0; i < writers; ++i)
    threads.emplace_back([&, i] {
      if (!store.put_submission_file("shared", "file" + std::to_string(i), std::to_string(i),
                                     submission_owner{"u", "c"}))
        ++failed;
    });
  for (auto& t : threads)
    t.join();
  CHECK(failed == 0);
  CHECK(testing::count_files(dir / "submits" / "u" / "c" / "shared") == writers);
  CHECK(read_zip(store.archive("shared").value()).size() == writers);
}

TEST_CASE("results are stored at results/<id>.zip and looked up by id", "[storage][submissions]") {
  testing::temp_directory dir;
  auto store = open_store(dir, 100);
  CHECK(store.result_file("job_1").error().code == errc::not_found);
  auto writer = store.begin_result("job_1");
  REQUIRE(writer);
  REQUIRE(writer.value().write("result bytes"));
  CHECK(store.result_file("job_1").error().code == errc::not_found);
  REQUIRE(writer.value().commit());
  auto found = store.result_file("job_1");
  REQUIRE(found);
  CHECK(found.value() == dir / "results" / "job_1.zip");
  CHECK(testing::read_whole_file(found.value()) == "result bytes");

  auto big = store.begin_result("job_2");
  REQUIRE(big);
  CHECK(big.value().write(std::string(101, 'r')).error().code == errc::too_large);
  CHECK(store.result_file("job_2").error().code == errc::not_found);
}

TEST_CASE("a new submission's first writer syncs the names of the directories made for it; later "
          "writers only their own directory",
          "[storage][submissions]") {
  testing::temp_directory dir;
  auto store = open_store(dir);
  auto submits = dir / "submits";
  auto sorted = [](std::vector<fs::path> paths) {
    std::sort(paths.begin(), paths.end());
    return paths;
  };

  SECTION("without an owner") {
    const auto unowned = submits / "@unowned";
    auto first = store.begin_submission_file("sub-1", "job-config.yml");
    REQUIRE(first);
    // The first unowned submission also makes @unowned, whose name goes to submits/.
    CHECK(sorted(first.value().directories_to_sync()) ==
          std::vector<fs::path>{submits, unowned, unowned / "sub-1"});
    auto second = store.begin_submission_file("sub-1", "sum.c");
    REQUIRE(second);
    CHECK(second.value().directories_to_sync() == std::vector<fs::path>{unowned / "sub-1"});
    auto nested = store.begin_submission_file("sub-1", "src/lib/util.h");
    REQUIRE(nested);
    CHECK(sorted(nested.value().directories_to_sync()) ==
          std::vector<fs::path>{unowned / "sub-1", unowned / "sub-1" / "src",
                                unowned / "sub-1" / "src" / "lib"});
    // The next unowned submission: @unowned (its new name) and its own directory only.
    auto next = store.begin_submission_file("sub-2", "job-config.yml");
    REQUIRE(next);
    CHECK(sorted(next.value().directories_to_sync()) ==
          std::vector<fs::path>{unowned, unowned / "sub-2"});
  }
  SECTION("with an owner whose user and course directories are new") {
    auto first = store.begin_submission_file("42", "job-config.yml", submission_owner{"u", "c"});
    REQUIRE(first);
    CHECK(sorted(first.value().directories_to_sync()) ==
          std::vector<fs::path>{submits, submits / "u", submits / "u" / "c",
                                submits / "u" / "c" / "42"});
  }
}

TEST_CASE("a submission's files committed together are all stored", "[storage][submissions]") {
  testing::temp_directory dir;
  auto store = open_store(dir);
  std::vector<atomic_file_writer> writers;
  for (const char* name : {"job-config.yml", "sum.c", "tests/1.in"}) {
    auto writer = store.begin_submission_file("sub-9", name);
    REQUIRE(writer);
    REQUIRE(writer.value().write(std::string{"content of "} + name));
    writers.push_back(std::move(writer.value()));
  }
  REQUIRE(commit_all(writers));
  auto found = store.submission_dir("sub-9");
  REQUIRE(found);
  CHECK(testing::read_whole_file(found.value() / "sum.c") == "content of sum.c");
  CHECK(testing::read_whole_file(found.value() / "tests" / "1.in") == "content of tests/1.in");
  CHECK(testing::count_files(found.value()) == 3);
}

TEST_CASE("a new unowned submission is stored whole as its archive, served as is",
          "[storage][submissions][whole]") {
  testing::temp_directory dir;
  auto store = open_store(dir);
  const std::vector<zip_file> files{{"job-config.yml", "config"}, {"src/main.c", "int main;"}};
  auto stored = store.store_new_unowned("w-1", files);
  REQUIRE(stored);
  CHECK(stored.value());
  auto archive = store.archive("w-1");
  REQUIRE(archive);
  CHECK(archive.value() == dir / "submit_archives" / "w-1.zip");
  auto entries = read_zip(archive.value());
  REQUIRE(entries.size() == 2);
  CHECK(entries.at("job-config.yml").content == "config");
  CHECK(entries.at("src/main.c").content == "int main;");
  CHECK(entries.at("src/main.c").regular);
  CHECK(entries.at("src/main.c").perm == 0644);
  CHECK_FALSE(fs::exists(dir / "submits" / "@unowned" / "w-1"));
  CHECK_FALSE(fs::exists(dir / "submits" / "@index" / "w-1"));

  // Taken now: a second whole store is refused (false) and changes nothing.
  auto again = store.store_new_unowned("w-1", {{"other.txt", "x"}});
  REQUIRE(again);
  CHECK_FALSE(again.value());
  CHECK(read_zip(store.archive("w-1").value()).size() == 2);
}

TEST_CASE("files added to a submission stored as its archive join the archive's files",
          "[storage][submissions][whole]") {
  testing::temp_directory dir;
  auto store = open_store(dir);
  REQUIRE(store.store_new_unowned("w-2", {{"a.txt", "a"}, {"d/b.txt", "b"}}).value());
  REQUIRE(store.put_submission_file("w-2", "c.txt", "c"));
  const auto place = dir / "submits" / "@unowned" / "w-2";
  CHECK(testing::read_whole_file(place / "a.txt") == "a");
  CHECK(testing::read_whole_file(place / "d" / "b.txt") == "b");
  CHECK(testing::read_whole_file(place / "c.txt") == "c");
  auto entries = read_zip(store.archive("w-2").value());
  CHECK(entries.size() == 3);
  CHECK(entries.at("d/b.txt").content == "b");
  CHECK(entries.at("c.txt").content == "c");
  // A file of the archive written again takes the new content.
  REQUIRE(store.put_submission_file("w-2", "a.txt", "A"));
  CHECK(read_zip(store.archive("w-2").value()).at("a.txt").content == "A");
}

TEST_CASE("a submission stored as its archive keeps its id from owned ones, and taken ids are "
          "not stored whole",
          "[storage][submissions][whole]") {
  testing::temp_directory dir;
  auto store = open_store(dir);
  REQUIRE(store.store_new_unowned("w-3", {{"a", "1"}}).value());
  auto owned = store.put_submission_file("w-3", "b", "2", submission_owner{"u", "c"});
  REQUIRE_FALSE(owned);
  CHECK(owned.error().code == errc::conflict);

  REQUIRE(store.put_submission_file("w-4", "a", "1", submission_owner{"u", "c"}));
  CHECK_FALSE(store.store_new_unowned("w-4", {{"b", "2"}}).value()); // owned
  REQUIRE(store.put_submission_file("w-5", "a", "1"));
  CHECK_FALSE(store.store_new_unowned("w-5", {{"b", "2"}}).value()); // unowned, by file
  CHECK_FALSE(fs::exists(dir / "submit_archives" / "w-4.zip"));
  CHECK_FALSE(fs::exists(dir / "submit_archives" / "w-5.zip"));
}

TEST_CASE("names that cannot form one tree or are not valid are not stored whole",
          "[storage][submissions][whole]") {
  testing::temp_directory dir;
  auto store = open_store(dir);
  auto clash = store.store_new_unowned("w-6", {{"a", "file"}, {"a/b", "under a file"}});
  REQUIRE(clash);
  CHECK_FALSE(clash.value());
  CHECK_FALSE(fs::exists(dir / "submit_archives" / "w-6.zip"));
  CHECK(store.store_new_unowned("w-7", {{"../x", "y"}}).error().code == errc::invalid_argument);
  CHECK(store.store_new_unowned("bad/id", {{"x", "y"}}).error().code == errc::invalid_argument);
  CHECK_FALSE(fs::exists(dir / "submit_archives" / "w-7.zip"));
}

TEST_CASE("unpacking a stored archive goes through a sibling that a crash may leave behind",
          "[storage][submissions][whole]") {
  testing::temp_directory dir;
  auto store = open_store(dir);
  REQUIRE(store.store_new_unowned("w-8", {{"a.txt", "a"}}).value());
  // What a crash in an earlier unpack would leave: thrown away, never taken for the submission.
  const auto sibling = dir / "submits" / "@unowned" / ".unpacking-w-8";
  testing::write_whole_file(sibling / "junk.txt", "junk");
  REQUIRE(store.put_submission_file("w-8", "b.txt", "b"));
  CHECK_FALSE(fs::exists(sibling));
  const auto place = dir / "submits" / "@unowned" / "w-8";
  CHECK(testing::count_files(place) == 2);
  CHECK_FALSE(fs::exists(place / "junk.txt"));
  CHECK(read_zip(store.archive("w-8").value()).size() == 2);
}
