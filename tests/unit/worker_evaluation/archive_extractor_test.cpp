// Tests of actors/worker/evaluation/archive_extractor.hpp: good archives in every format, and
// hostile ones (zip-slip, absolute paths, links, devices, a bomb, corruption, too many entries)
// each refused with a message naming the entry and nothing written outside the job directory.
#include "actors/worker/evaluation/archive_extractor.hpp"

#include "tests/harness/temp_directory.hpp"
#include "tests/unit/worker_evaluation/archive_builder.hpp"

#include <catch2/catch.hpp>

#include <sys/stat.h>

using namespace recodex;
using namespace recodex::worker;
using namespace recodex::worker::testing;
namespace fs = std::filesystem;

namespace {

// <tmp>/job is the target, <tmp>/outside must stay empty whatever the archive says.
struct sandbox_dirs {
  recodex::testing::temp_directory tmp{"recodex-extract"};
  fs::path job = tmp / "job";
  fs::path outside = tmp / "outside";
  fs::path archive = tmp / "input.bin";
  sandbox_dirs() {
    fs::create_directories(job);
    fs::create_directories(outside);
  }
};

unsigned mode_of(const fs::path& p) {
  struct stat st{};
  ::lstat(p.c_str(), &st);
  return st.st_mode & 07777;
}

} // namespace

TEST_CASE("zip, tar, tar.gz and tar.bz2 archives are extracted with their tree",
          "[worker][archive]") {
  auto kind = GENERATE(archive_kind::zip, archive_kind::tar, archive_kind::tgz,
                       archive_kind::tbz2);
  sandbox_dirs dirs;
  build_archive(dirs.archive, kind,
                {{"job-config.yml", "submission:\n"},
                 {"src/", "", AE_IFDIR},
                 {"src/main.c", "int main(){}\n"},
                 {"./data/deep/in.txt", "1 2 3\n"},
                 {"run.sh", "#!/bin/sh\n", AE_IFREG, "", false, 0, 0755}});
  auto summary = extract_archive(dirs.archive, dirs.job);
  REQUIRE(summary);
  CHECK(summary.value().files == 4);
  CHECK(summary.value().bytes == 12 + 13 + 6 + 10);
  CHECK(read_text(dirs.job / "src/main.c") == "int main(){}\n");
  CHECK(read_text(dirs.job / "data/deep/in.txt") == "1 2 3\n");
  CHECK(mode_of(dirs.job / "src/main.c") == 0644);
  CHECK(mode_of(dirs.job / "run.sh") == 0755);
  CHECK(mode_of(dirs.job / "src") == 0755);
}

TEST_CASE("the submission archive is extracted group and other writable",
          "[worker][archive]") {
  sandbox_dirs dirs;
  build_archive(dirs.archive, archive_kind::zip, {{"a/b.txt", "x"}});
  extract_options options;
  options.group_other_writable = true;
  REQUIRE(extract_archive(dirs.archive, dirs.job, options));
  CHECK(mode_of(dirs.job / "a/b.txt") == 0666);
  CHECK(mode_of(dirs.job / "a") == 0777);
}

TEST_CASE("a file of an archive replaces an existing file but not a symlink's target",
          "[worker][archive]") {
  sandbox_dirs dirs;
  write_text(dirs.outside / "victim", "keep");
  fs::create_symlink(dirs.outside / "victim", dirs.job / "out.txt");
  build_archive(dirs.archive, archive_kind::tar, {{"out.txt", "new"}});
  REQUIRE(extract_archive(dirs.archive, dirs.job));
  CHECK(read_text(dirs.outside / "victim") == "keep");
  CHECK(!fs::is_symlink(dirs.job / "out.txt"));
  CHECK(read_text(dirs.job / "out.txt") == "new");
}

TEST_CASE("hostile archives are refused with a message naming the entry", "[worker][archive]") {
  sandbox_dirs dirs;
  struct row {
    std::string what;
    archive_kind kind;
    std::vector<archive_item> items;
    errc code;
    std::string message_part;
  };
  const std::string abs_target = (dirs.outside / "evil").string();
  const std::vector<row> rows{
      {"zip-slip", archive_kind::zip, {{"ok.txt", "x"}, {"../outside/evil", "pwned"}},
       errc::invalid_argument, "'../outside/evil': '..' components are not allowed"},
      {"zip-slip inside a path", archive_kind::tar, {{"a/../../outside/evil", "pwned"}},
       errc::invalid_argument, "'..' components are not allowed"},
      {"absolute path", archive_kind::tgz, {{abs_target, "pwned"}}, errc::invalid_argument,
       "absolute paths are not allowed"},
      {"symlink entry in a tar", archive_kind::tar,
       {{"link", "", AE_IFLNK, dirs.outside.string()}, {"link/evil", "pwned"}},
       errc::invalid_argument, "'link': symbolic links are not allowed"},
      {"symlink entry in a zip", archive_kind::zip, {{"link", "", AE_IFLNK, "/etc/passwd"}},
       errc::invalid_argument, "'link': symbolic links are not allowed"},
      {"hardlink", archive_kind::tar,
       {{"a.txt", "x"}, {"hard", "", AE_IFREG, "a.txt", true}}, errc::invalid_argument,
       "'hard': hard links are not allowed"},
      {"character device", archive_kind::tar, {{"null", "", AE_IFCHR}}, errc::invalid_argument,
       "'null': only regular files and directories are allowed"},
      {"fifo", archive_kind::tar, {{"pipe", "", AE_IFIFO}}, errc::invalid_argument,
       "'pipe': only regular files and directories are allowed"},
      // libarchive's zip reader turns a Windows zip's backslashes into slashes first.
      {"backslash zip-slip", archive_kind::zip, {{"..\\outside\\evil", "x"}},
       errc::invalid_argument, "'..' components are not allowed"},
      {"backslash in a tar name", archive_kind::tar, {{"a\\b", "x"}},
       errc::invalid_argument, "backslashes are not allowed"},
  };
  for (const auto& r : rows) {
    SECTION(r.what) {
      build_archive(dirs.archive, r.kind, r.items);
      auto result = extract_archive(dirs.archive, dirs.job);
      REQUIRE(!result);
      CHECK(result.error().code == r.code);
      CHECK_THAT(result.error().message, Catch::Contains(r.message_part));
      CHECK_THAT(result.error().message, Catch::StartsWith("input.bin: "));
      CHECK(list_tree(dirs.outside).empty());
      CHECK(!fs::exists(dirs.tmp / "evil"));
    }
  }
}

TEST_CASE("a symlink already in the target is never followed by a later entry",
          "[worker][archive]") {
  sandbox_dirs dirs;
  fs::create_symlink(dirs.outside, dirs.job / "dir");
  build_archive(dirs.archive, archive_kind::zip, {{"dir/evil", "pwned"}});
  auto result = extract_archive(dirs.archive, dirs.job);
  REQUIRE(!result);
  CHECK_THAT(result.error().message, Catch::Contains("'dir/evil': 'dir' exists and is not a directory"));
  CHECK(list_tree(dirs.outside).empty());
}

TEST_CASE("a zip bomb stops at the size limit without writing the whole entry",
          "[worker][archive]") {
  auto kind = GENERATE(archive_kind::zip, archive_kind::tgz);
  sandbox_dirs dirs;
  build_archive(dirs.archive, kind, {{"small.txt", "x"}, {"bomb", "", AE_IFREG, "", false,
                                                         std::uint64_t{64} << 20}});
  REQUIRE(fs::file_size(dirs.archive) < (std::uint64_t{1} << 20));
  extract_options options;
  options.max_total_size = std::uint64_t{4} << 20;
  auto result = extract_archive(dirs.archive, dirs.job, options);
  REQUIRE(!result);
  CHECK(result.error().code == errc::too_large);
  CHECK_THAT(result.error().message,
             Catch::Contains("'bomb': the archive unpacks to more than 4194304 bytes"));
  CHECK(!fs::exists(dirs.job / "bomb"));
}

TEST_CASE("many entries within the limit each are refused together past the total size",
          "[worker][archive]") {
  sandbox_dirs dirs;
  std::vector<archive_item> items;
  for (int i = 0; i < 10; ++i)
    items.push_back({"f" + std::to_string(i), std::string(1000, 'a')});
  build_archive(dirs.archive, archive_kind::zip, items);
  extract_options options;
  options.max_total_size = 5500;
  auto result = extract_archive(dirs.archive, dirs.job, options);
  REQUIRE(!result);
  CHECK(result.error().code == errc::too_large);
  CHECK_THAT(result.error().message, Catch::Contains("'f5'"));
  CHECK(list_tree(dirs.job).size() == 5);
}

TEST_CASE("an entry whose declared size is over the limit is refused before its data is read",
          "[worker][archive]") {
  sandbox_dirs dirs;
  build_archive(dirs.archive, archive_kind::tar, {{"big", std::string(10000, 'b')}});
  extract_options options;
  options.max_total_size = 100;
  auto result = extract_archive(dirs.archive, dirs.job, options);
  REQUIRE(!result);
  CHECK(result.error().code == errc::too_large);
  CHECK(list_tree(dirs.job).empty());
}

TEST_CASE("more entries than allowed are refused", "[worker][archive]") {
  CHECK(extract_options{}.max_entries == 10000);
  sandbox_dirs dirs;
  std::vector<archive_item> items;
  for (int i = 0; i < 21; ++i)
    items.push_back({"d" + std::to_string(i) + "/", "", AE_IFDIR});
  build_archive(dirs.archive, archive_kind::tar, items);
  extract_options options;
  options.max_entries = 20;
  auto result = extract_archive(dirs.archive, dirs.job, options);
  REQUIRE(!result);
  CHECK(result.error().code == errc::too_large);
  CHECK_THAT(result.error().message, Catch::Contains("more than 20 entries"));
}

TEST_CASE("corrupted archives are refused", "[worker][archive]") {
  sandbox_dirs dirs;
  std::string text;
  for (int i = 0; i < 2000; ++i)
    text += "line " + std::to_string(i * 7919 % 1000) + "\n";

  SECTION("a zip whose compressed data is damaged") {
    build_archive(dirs.archive, archive_kind::zip, {{"data.txt", text}});
    auto bytes = read_text(dirs.archive);
    for (std::size_t i = 60; i < 200; ++i)
      bytes[i] = static_cast<char>(bytes[i] ^ 0x5a);
    write_text(dirs.archive, bytes);
    auto result = extract_archive(dirs.archive, dirs.job);
    REQUIRE(!result);
    CHECK(result.error().code == errc::invalid_argument);
    CHECK(!fs::exists(dirs.job / "data.txt"));
  }
  SECTION("a truncated tar.gz") {
    build_archive(dirs.archive, archive_kind::tgz, {{"data.txt", text}});
    auto bytes = read_text(dirs.archive);
    write_text(dirs.archive, bytes.substr(0, bytes.size() / 2));
    auto result = extract_archive(dirs.archive, dirs.job);
    REQUIRE(!result);
    CHECK(result.error().code == errc::invalid_argument);
  }
  SECTION("something that is no archive at all") {
    write_text(dirs.archive, "this is plain text, not an archive\n");
    auto result = extract_archive(dirs.archive, dirs.job);
    REQUIRE(!result);
    CHECK(result.error().code == errc::invalid_argument);
    CHECK_THAT(result.error().message, Catch::Contains("input.bin"));
  }
  CHECK(list_tree(dirs.outside).empty());
}

TEST_CASE("a missing archive or target directory is reported", "[worker][archive]") {
  sandbox_dirs dirs;
  auto no_archive = extract_archive(dirs.tmp / "nope.zip", dirs.job);
  REQUIRE(!no_archive);
  CHECK(no_archive.error().code == errc::not_found);
  build_archive(dirs.archive, archive_kind::zip, {{"a", "b"}});
  auto no_target = extract_archive(dirs.archive, dirs.tmp / "missing");
  REQUIRE(!no_target);
  CHECK(no_target.error().code == errc::not_found);
}
