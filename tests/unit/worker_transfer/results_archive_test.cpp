// actors/worker/transfer/results_archive.hpp (spec 6.2): the zip read back with libarchive.
#include "actors/worker/transfer/results_archive.hpp"
#include "tests/harness/temp_directory.hpp"

#include <archive.h>
#include <archive_entry.h>
#include <catch2/catch.hpp>
#include <fstream>
#include <map>
#include <sys/stat.h>
#include <unistd.h>

using namespace recodex;
namespace fs = std::filesystem;

namespace {

struct zip_entry {
  std::string content;
  mode_t type = 0;
  mode_t permissions = 0;
};

// Every entry of `zip`: name -> content, file type and permissions.
std::map<std::string, zip_entry> read_zip(const fs::path& zip) {
  std::map<std::string, zip_entry> entries;
  std::unique_ptr<archive, int (*)(archive*)> a{archive_read_new(), &archive_read_free};
  archive_read_support_format_zip(a.get());
  REQUIRE(archive_read_open_filename(a.get(), zip.c_str(), 10240) == ARCHIVE_OK);
  archive_entry* entry = nullptr;
  while (archive_read_next_header(a.get(), &entry) == ARCHIVE_OK) {
    zip_entry e;
    e.type = archive_entry_filetype(entry);
    e.permissions = archive_entry_perm(entry);
    char buffer[4096];
    la_ssize_t n;
    while ((n = archive_read_data(a.get(), buffer, sizeof buffer)) > 0)
      e.content.append(buffer, static_cast<std::size_t>(n));
    REQUIRE(n == 0);
    entries[archive_entry_pathname(entry)] = e;
  }
  return entries;
}

void write(const fs::path& file, const std::string& content) {
  fs::create_directories(file.parent_path());
  std::ofstream{file, std::ios::binary} << content;
}

} // namespace

TEST_CASE("the results zip holds every regular file under result/, mode 0644, and nothing else",
          "[worker][transfer]") {
  testing::temp_directory dir{"recodex-results"};
  write(dir / "result.yml", "job-id: 7\n");
  write(dir / "job-config.yml", "submission: {}\n");
  write(dir / "nested/deeper/out.txt", "deep");
  ::chmod((dir / "nested/deeper/out.txt").c_str(), 0700);
  fs::create_directories(dir / "empty");
  fs::create_symlink("/etc/passwd", dir / "passwd-link");
  fs::create_directory_symlink("/etc", dir / "etc-link");
  REQUIRE(::mkfifo((dir / "pipe").c_str(), 0644) == 0);
  write(dir / "result.zip", "an older zip");

  auto zip = worker::pack_results(dir.path());
  REQUIRE(zip);
  CHECK(zip.value() == dir / "result.zip");
  auto entries = read_zip(zip.value());
  std::vector<std::string> names;
  for (const auto& [name, entry] : entries) {
    names.push_back(name);
    CHECK(entry.type == AE_IFREG);
    CHECK(entry.permissions == 0644);
  }
  CHECK(names == std::vector<std::string>{"result/job-config.yml", "result/nested/deeper/out.txt",
                                          "result/result.yml"});
  CHECK(entries["result/result.yml"].content == "job-id: 7\n");
  CHECK(entries["result/nested/deeper/out.txt"].content == "deep");

  // Packing again replaces the zip and still leaves it out; no temporary stays behind.
  write(dir / "later.txt", "later");
  REQUIRE(worker::pack_results(dir.path()));
  CHECK(read_zip(dir / "result.zip").count("result/later.txt") == 1);
  CHECK(read_zip(dir / "result.zip").size() == 4);
  std::size_t files_in_top = 0;
  for (const auto& e : fs::directory_iterator(dir.path()))
    files_in_top += e.is_regular_file() && !e.is_symlink();
  CHECK(files_in_top == 4); // result.yml, job-config.yml, later.txt, result.zip
}

TEST_CASE("an empty results directory gives an empty zip", "[worker][transfer]") {
  testing::temp_directory dir{"recodex-results"};
  auto zip = worker::pack_results(dir.path());
  REQUIRE(zip);
  CHECK(read_zip(zip.value()).empty());
}

TEST_CASE("a results directory that is missing or unreadable is an error naming it",
          "[worker][transfer]") {
  testing::temp_directory dir{"recodex-results"};
  auto missing = worker::pack_results(dir / "nope");
  REQUIRE_FALSE(missing);
  CHECK_THAT(missing.error().message, Catch::Contains("nope"));

  if (::geteuid() == 0)
    return; // root reads everything: the unreadable case needs an ordinary user
  write(dir / "secret/file", "x");
  ::chmod((dir / "secret/file").c_str(), 0);
  auto unreadable = worker::pack_results(dir.path());
  REQUIRE_FALSE(unreadable);
  CHECK_THAT(unreadable.error().message, Catch::Contains("secret/file"));
  CHECK_FALSE(fs::exists(dir / "result.zip"));
}
